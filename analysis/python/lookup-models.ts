/**
 * Django models that hold a small, curated set of rows: lookup and option tables (a language, a certification, a
 * dish category, a dropdown's entries). Their whole table is a handful of rows an admin adds, so listing it whole
 * is not a growing response. Read from the model class text of the project's modules (no parse, cached per text):
 *
 * - it declares no relation to another row (a row that belongs to an owner is user data, not a lookup) and no date
 *   or time of its own (rows stamped with when they happened pile up): what is left are rows an admin curates
 *   (a few label columns of a dropdown, gyms, trophies, plans);
 * - fields inherited from project base classes (a `TimeStampedModel`'s created/modified) are not counted.
 */
import type { ProjectInfo } from '../../rules/api';

interface ModelText {
  bases: string[];
  /** Own fields: attribute -> field class (`CharField`, `ForeignKey`). */
  fields: Map<string, string>;
}

const CLASS = /^class[ \t]+(\w+)[ \t]*\(([^)]*)\)[ \t]*:[^\n]*\n((?:(?:[ \t]+[^\n]*)?\n)*)/gm;
/** `name = models.CharField(`, `name = CharField(`: not `scrapy.Field()` or a serializer's `serializers.CharField()`. */
const FIELD = /^[ \t]+(\w+)[ \t]*=[ \t]*(?:(?:\w+\.)*(?:models|fields|gis_models|postgres_fields)\.)?(\w+)\(/gm;
const FIELD_CLASS = /(Field|ForeignKey|ManyToManyField|OneToOneField|ParentalKey|TaggableManager)$/;
const RELATION = /^(ForeignKey|OneToOneField|ManyToManyField|ParentalKey|ParentalManyToManyField|TreeForeignKey|GenericForeignKey|TaggableManager)$/;
const TIME_FIELD = /^(DateTimeField|DateField|TimeField|DurationField|CreationDateTimeField|ModificationDateTimeField|AutoCreatedField|AutoLastModifiedField)$/;
const STRING_FIELD = /^(CharField|SlugField|TextField|CICharField|CaseInsensitiveCharField|\w*CharField)$/;
const LABEL_FIELD = /^(CharField|SlugField|TextField|\w*CharField|IntegerField|PositiveIntegerField|PositiveSmallIntegerField|SmallIntegerField|BooleanField|ColorField|EmailField|URLField|ImageField|FileField|DecimalField|FloatField|UUIDField)$/;
const MAX_LOOKUP_FIELDS = 3;

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
    for (const f of body.matchAll(FIELD)) {
      // Only the class's own level (the first indentation), not a nested Meta or a method's locals.
      const indent = /^[ \t]+/.exec(f[0])![0];
      if (indent !== /^[ \t]+/.exec(body)?.[0]) continue;
      if (FIELD_CLASS.test(f[2])) fields.set(f[1], f[2]);
    }
    if (fields.size === 0) continue;
    if (/Serializer|Form|FilterSet|Schema|Admin|Type/.test(m[2])) continue;
    out.set(m[1], { bases: m[2].split(',').map((b) => b.trim().split('.').pop() ?? '').filter(Boolean), fields });
  }
  return out;
}

function projectModels(project: ProjectInfo, current?: { relPath: string; text: string }): Map<string, ModelText[]> {
  let cache = perProject.get(project);
  if (!cache) perProject.set(project, (cache = new Map()));
  const byName = new Map<string, ModelText[]>();
  for (const rel of project.files()) {
    if (!rel.endsWith('.py') || /(^|\/)(node_modules|site-packages|\.venv|venv|migrations)\//.test(rel)) continue;
    const text = current && rel === current.relPath ? current.text : project.readFile(rel);
    if (text === undefined) continue;
    let entry = cache.get(rel);
    if (!entry || entry.text !== text) cache.set(rel, (entry = { text, models: /models|Field\(/.test(text) ? modelTextsOf(text) : new Map() }));
    for (const [name, model] of entry.models) byName.set(name, [...(byName.get(name) ?? []), model]);
  }
  return byName;
}

export interface ModelKinds {
  /** True when the project's one class of this name is a lookup table (see the module comment). */
  isLookup(model: string): boolean;
  /** The relation fields the project's one class of this name declares itself. */
  relations(model: string): string[];
  /** True when exactly one project class has this name. */
  known(model: string): boolean;
}

/** The project's models, as seen from the file being checked. */
export function modelKinds(project: ProjectInfo, current?: { relPath: string; text: string }): ModelKinds {
  const models = projectModels(project, current);
  return {
    known: (name) => models.get(name)?.length === 1,
    isLookup(name) {
      const found = models.get(name);
      if (found?.length !== 1) return false;
      const fields = [...found[0].fields.values()];
      if (fields.some((f) => RELATION.test(f) || TIME_FIELD.test(f))) return false;
      // A few label columns (a dropdown's options), or any row that belongs to no one and records no time: rows an
      // admin curates (gyms, trophies, plans), not rows that users' activity adds.
      if (fields.length <= MAX_LOOKUP_FIELDS && fields.every((f) => LABEL_FIELD.test(f)) && fields.some((f) => STRING_FIELD.test(f))) return true;
      return fields.length > 0;
    },
    relations(name) {
      const found = models.get(name);
      if (found?.length !== 1) return [];
      return [...found[0].fields].filter(([, f]) => RELATION.test(f)).map(([n]) => n);
    },
  };
}
