/**
 * The classes a project's Python modules define, by name, read with patterns (no parse): what a rule needs to follow
 * a class's bases into another module (a list view's mixins and base views). Each module is read once per text
 * version; the per-project answer is kept while no other file changed.
 */
import type { ProjectInfo } from '../../rules/api';
import { FileVersionSlot, ProjectSlot } from '../cache';
import { projectTexts } from '../project-texts';

const CLASS_HEADER = /^class[ \t]+(\w+)[ \t]*\(/gm;
/** Also `class Name:` (no bases): a mixin of the project's own. */
const ANY_CLASS_HEADER = /^class[ \t]+(\w+)[ \t]*[(:]/gm;
const SKIPPED_FOLDERS = /(^|\/)(node_modules|site-packages|\.venv|venv|migrations)\//;

/** Each module's top-level classes (name -> class text), per module text version. */
const MODULE_CLASSES = new FileVersionSlot<ReadonlyMap<string, string>>('project classes: classes of a module', 2000);

/** The last answer per project view, with the projectTexts stamp (one per analysed file) it was read under. */
const LAST_ANSWER = new ProjectSlot<{ last?: { stamp: object; byName: ReadonlyMap<string, string | null> } }>('project classes: last answer', () => ({}));

/**
 * A module's top-level classes with their header and body; of two classes of one name the last wins, as at import.
 * Only classes with bases unless `includeBaseless` (`class Name:` too).
 */
export function classesOfText(text: string, includeBaseless = false): Map<string, string> {
  const out = new Map<string, string>();
  if (!/^class[ \t]/m.test(text)) return out;
  for (const m of text.matchAll(includeBaseless ? ANY_CLASS_HEADER : CLASS_HEADER)) {
    const rest = text.slice(m.index);
    const end = /\n(?=\S)/.exec(rest.slice(1));
    out.set(m[1], end ? rest.slice(0, end.index + 1) : rest);
  }
  return out;
}

/**
 * The project's classes outside the file `current`, by name: the text of the one class of that name (header and
 * body), or null when several modules define one.
 */
export function projectClassTexts(project: ProjectInfo, current: { relPath: string; text: string }): ReadonlyMap<string, string | null> {
  const texts = projectTexts(project, current);
  // Only other files are read: while none changed (the same stamp), the answer is the last one.
  const slot = LAST_ANSWER.get(project);
  if (slot.last && texts.stamp !== undefined && slot.last.stamp === texts.stamp) return slot.last.byName;
  const byName = new Map<string, string | null>();
  for (const rel of texts.files) {
    if (!rel.endsWith('.py') || rel === current.relPath || SKIPPED_FOLDERS.test(rel)) continue;
    const text = texts.text(rel);
    if (text === undefined) continue;
    for (const [name, cls] of MODULE_CLASSES.get(rel, text, () => classesOfText(text))) byName.set(name, byName.has(name) ? null : cls);
  }
  slot.last = texts.stamp === undefined ? undefined : { stamp: texts.stamp, byName };
  return byName;
}
