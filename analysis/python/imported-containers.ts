/**
 * Containers declared at module level in one project module and grown in another that imports them
 * (`app/state.py: sessions: dict[str, list[str]] = {}`, `app/routes.py: from app.state import sessions;
 * sessions[sid] = ...`). The declaring module is read as text (no parse): only a plain single declaration of an
 * unbounded dict/list/set/defaultdict/deque counts, and only when neither it nor any other project module
 * grows, evicts, size-checks or reassigns it (the declaring module's own growth is reported there).
 */
import { FileVersionSlot, ProjectSlot, projectChanges, statementCachesEnabled } from '../cache';
import { importsOf } from './imports';
import type { Tree } from 'web-tree-sitter';
import type { RuleContext } from '../../rules/api';
import type { ContainerType, ImportedContainer } from './module-state';
import { escapeRegExp, importedNames, moduleText } from './web-context';

export interface ImportedDeclaration {
  container: ImportedContainer;
  /** Project-relative path of the declaring module. */
  declaredIn: string;
}

const CONTAINER_VALUES: readonly [RegExp, ContainerType, boolean][] = [
  [/^\{\s*\}$|^(collections\.)?(dict|OrderedDict|Counter)\(\s*\)$/, 'dict', false],
  [/^(collections\.)?defaultdict\(\s*[\w.]*\s*\)$/, 'dict', true],
  [/^\[\s*\]$|^list\(\s*\)$/, 'list', false],
  [/^set\(\s*\)$/, 'set', false],
  [/^(collections\.)?deque\(\s*\)$/, 'deque', false],
];

/** What an imported name is declared as in its module's text: the same names are asked about on every keystroke. */
const DECLARED = new FileVersionSlot<ReturnType<typeof declaredContainer>>('imported containers: declaration of a name in its module', 4000);

/**
 * The last answer for the file being edited, with what it read: the module's imports and the other files (the
 * project's change count leaving this file out). A keystroke that changes neither reuses it instead of resolving and
 * reading every imported module again.
 */
const LAST_ANSWER = new ProjectSlot<{ value?: { relPath: string; imports: string; changes: number; found: ImportedDeclaration[] } }>('imported containers of the edited file', () => ({}));

/** Containers imported by name from project modules, with where they are declared. */
export function importedContainers(ctx: RuleContext, tree: Tree): ImportedDeclaration[] {
  const changes = statementCachesEnabled() ? projectChanges(ctx.project, ctx.file.relPath) : undefined;
  if (changes === undefined) return findImportedContainers(ctx, tree);
  const last = LAST_ANSWER.get(ctx.project);
  const imports = importsOf(tree).key;
  const known = last.value;
  if (known && known.relPath === ctx.file.relPath && known.changes === changes && known.imports === imports) return known.found;
  const found = findImportedContainers(ctx, tree);
  last.value = { relPath: ctx.file.relPath, imports, changes, found };
  return found;
}

function findImportedContainers(ctx: RuleContext, tree: Tree): ImportedDeclaration[] {
  const out: ImportedDeclaration[] = [];
  for (const [local, origin] of importedNames(tree)) {
    if (origin.name === '*' || !/^\w+$/.test(origin.name)) continue;
    const declaring = moduleText(ctx, origin.module);
    if (!declaring || declaring.path === ctx.file.relPath) continue;
    const kind = DECLARED.get(`${declaring.path}\u0000${origin.name}`, declaring.text, () => declaredContainer(declaring.text, origin.name));
    if (!kind) continue;
    if (touches(declaring.text, origin.name, true)) continue;
    if (touchedElsewhere(ctx, origin.name, declaring.path)) continue;
    out.push({ container: { local, label: local, ...kind }, declaredIn: declaring.path });
  }
  return out;
}

/** `name = {}` / `name: dict[str, T] = {}` at column 0, exactly once; undefined for anything else. */
export function declaredContainer(text: string, name: string): { type: ContainerType; bounded: boolean; autoVivify: boolean } | undefined {
  const re = new RegExp(String.raw`^${escapeRegExp(name)}[ \t]*(?::[^=\n]+)?=(?!=)[ \t]*([^\n#]*?)[ \t]*(?:#[^\n]*)?$`, 'gm');
  const matches = [...text.matchAll(re)];
  if (matches.length !== 1) return undefined;
  const value = matches[0][1];
  for (const [pattern, type, autoVivify] of CONTAINER_VALUES) if (pattern.test(value)) return { type, bounded: false, autoVivify };
  return undefined;
}

/**
 * The module's text grows, evicts, size-checks, rebinds or hands on the name. In the declaring module
 * (`declaring`), any use but the declaration counts; elsewhere, the removals and checks that bound it.
 */
function touches(text: string, name: string, declaring: boolean): boolean {
  const n = escapeRegExp(name);
  const bound = new RegExp(
    String.raw`\b${n}\s*\.\s*(pop|popitem|popleft|remove|discard|clear|difference_update|intersection_update)\s*\(|\bdel\s+${n}\b|\blen\(\s*${n}\s*\)|\bglobal\s+[\w, ]*\b${n}\b`,
  );
  if (bound.test(text)) return true;
  if (!declaring) return false;
  // Any other use in the declaring module (growth, a function of its own that trims it, passing it on).
  const uses = text.match(new RegExp(String.raw`\b${n}\b`, 'g'))?.length ?? 0;
  return uses > 1;
}

/** Another project module (not this one, not the declaring one) bounds it. */
function touchedElsewhere(ctx: RuleContext, name: string, declaredIn: string): boolean {
  const word = new RegExp(String.raw`\b${escapeRegExp(name)}\b`);
  for (const rel of ctx.project.files()) {
    if (!rel.endsWith('.py') || rel === ctx.file.relPath || rel === declaredIn) continue;
    const text = ctx.project.readFile(rel);
    if (text && word.test(text) && touches(text, name, false)) return true;
  }
  return false;
}
