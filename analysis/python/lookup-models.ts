/**
 * Django models that hold a small, curated set of rows: lookup and option tables (a language, a certification, a
 * dish category, a dropdown's entries). Their whole table is a handful of rows an admin adds, so listing it whole
 * is not a growing response. Read from the model class text of the project's modules (no parse, cached per text):
 *
 * - it declares no date or time of its own (rows stamped with when they happened pile up);
 * - each relation it declares leads to another such model (a room of a venue), never to a user, to a model that
 *   grows or to one not found: a row that belongs to an owner is user data, not a lookup. What is left are rows an
 *   admin curates (a dropdown's options, gyms, trophies, venues);
 * - fields inherited from project base classes (a `TimeStampedModel`'s created/modified) are not counted.
 */
import type { ProjectInfo } from '../../rules/api';
import { projectTexts } from '../project-texts';

interface ModelText {
  bases: string[];
  /** Own fields: attribute -> field class (`CharField`, `ForeignKey`). */
  fields: Map<string, string>;
  /** Relation fields: attribute -> the model class named as their target (`Venue`, `"app.Venue"` -> Venue). */
  targets: Map<string, string>;
}

const CLASS = /^class[ \t]+(\w+)[ \t]*\(([^)]*)\)[ \t]*:[^\n]*\n((?:(?:[ \t]+[^\n]*)?\n)*)/gm;
/** `name = models.CharField(`, `name = CharField(`: not `scrapy.Field()` or a serializer's `serializers.CharField()`. */
const FIELD = /^[ \t]+(\w+)[ \t]*=[ \t]*(?:(?:\w+\.)*(?:models|fields|gis_models|postgres_fields)\.)?(\w+)\([ \t]*(?:to[ \t]*=[ \t]*)?([\w.'"]*)/gm;
const FIELD_CLASS = /(Field|ForeignKey|ManyToManyField|OneToOneField|ParentalKey|TaggableManager)$/;
const RELATION = /^(ForeignKey|OneToOneField|ManyToManyField|ParentalKey|ParentalManyToManyField|TreeForeignKey|GenericForeignKey|TaggableManager)$/;
const TIME_FIELD = /^(DateTimeField|DateField|TimeField|DurationField|CreationDateTimeField|ModificationDateTimeField|AutoCreatedField|AutoLastModifiedField)$/;

interface FileModels {
  text: string;
  models: Map<string, ModelText>;
}

const perProject = new WeakMap<ProjectInfo, Map<string, FileModels>>();

/** The model classes of a module's text (classes that declare at least one Django field). */
export function modelTextsOf(text: string): Map<string, ModelText> {
  const out = new Map<string, ModelText>();
  if (!/Field\(|ForeignKey\(/.test(text)) return out;
  for (const m of text.matchAll(CLASS)) {
    const body = m[3];
    const fields = new Map<string, string>();
    const targets = new Map<string, string>();
    for (const f of body.matchAll(FIELD)) {
      // Only the class's own level (the first indentation), not a nested Meta or a method's locals.
      const indent = /^[ \t]+/.exec(f[0])![0];
      if (indent !== /^[ \t]+/.exec(body)?.[0]) continue;
      if (FIELD_CLASS.test(f[2])) fields.set(f[1], f[2]);
      if (RELATION.test(f[2])) targets.set(f[1], f[3].replace(/['"]/g, '').split('.').pop() ?? '');
    }
    if (fields.size === 0) continue;
    if (/Serializer|Form|FilterSet|Schema|Admin|Type/.test(m[2])) continue;
    out.set(m[1], { bases: m[2].split(',').map((b) => b.trim().split('.').pop() ?? '').filter(Boolean), fields, targets });
  }
  return out;
}

function projectModels(project: ProjectInfo, current?: { relPath: string; text: string }): Map<string, ModelText[]> {
  let cache = perProject.get(project);
  if (!cache) perProject.set(project, (cache = new Map()));
  const byName = new Map<string, ModelText[]>();
  const texts = projectTexts(project, current);
  for (const rel of texts.files) {
    if (!rel.endsWith('.py') || /(^|\/)(node_modules|site-packages|\.venv|venv|migrations)\//.test(rel)) continue;
    const text = texts.text(rel);
    if (text === undefined) continue;
    let entry = cache.get(rel);
    if (!entry || entry.text !== text) cache.set(rel, (entry = { text, models: /models|Field\(/.test(text) ? modelTextsOf(text) : new Map() }));
    for (const [name, model] of entry.models) byName.set(name, [...(byName.get(name) ?? []), model]);
  }
  return byName;
}

export interface ModelKinds {
  /** True when the project's one class of this name holds curated rows (see the module comment). */
  isLookup(model: string): boolean;
  /** The relation fields the project's one class of this name declares itself. */
  relations(model: string): string[];
  /** True when exactly one project class has this name. */
  known(model: string): boolean;
}

/** The project's models, as seen from the file being checked. */
export function modelKinds(project: ProjectInfo, current?: { relPath: string; text: string }): ModelKinds {
  const models = projectModels(project, current);
  /**
   * No date or time of its own, and every relation leads to another curated row (a room of a venue): rows an
   * admin curates. A relation to a user, to a row that grows, to itself or to a model not found is not curated.
   */
  const curated = (name: string, seen: Set<string>): boolean => {
    const found = models.get(name);
    if (found?.length !== 1 || seen.has(name) || seen.size > 4) return false;
    const path = new Set([...seen, name]);
    const model = found[0];
    const fields = [...model.fields.values()];
    if (fields.length === 0 || fields.some((f) => TIME_FIELD.test(f) || f === 'GenericForeignKey' || f === 'TaggableManager')) return false;
    return [...model.targets.values()].every((t) => t !== '' && curated(t, path));
  };
  return {
    known: (name) => models.get(name)?.length === 1,
    isLookup: (name) => curated(name, new Set()),
    relations(name) {
      const found = models.get(name);
      if (found?.length !== 1) return [];
      return [...found[0].fields].filter(([, f]) => RELATION.test(f)).map(([n]) => n);
    },
  };
}
