/**
 * Import resolution for Python rules: maps local names to the qualified names they were imported as,
 * so `import functools as ft; @ft.lru_cache` and `from functools import lru_cache as memo; @memo` both
 * resolve to `functools.lru_cache`.
 */
import type { Node, Tree } from 'web-tree-sitter';
import { nodesAtText } from './ast';
import { StatementSlot, TreeSlot } from '../cache';
import { statementMatches, topLevelStatements } from './statements';

/** Where a local name comes from, as written: `from .jobs import scheduler` -> { module: '.jobs', name: 'scheduler' }. */
export interface ImportedName {
  /** Module as written, with leading dots for relative imports. */
  module: string;
  name: string;
}

export interface ImportMap {
  /** Local name -> qualified name (`pd` -> `pandas`, `memo` -> `functools.lru_cache`). */
  readonly names: ReadonlyMap<string, string>;
  /**
   * Local names bound by `from m import x [as y]` (relative ones too) and `import a.b as c`, to the module and
   * name they come from: what rules follow into another project module.
   */
  readonly origins: ReadonlyMap<string, ImportedName>;
  /** Qualified name of a dotted expression (`ft.lru_cache` -> `functools.lru_cache`), or undefined. */
  resolve(node: Node | null | undefined): string | undefined;
  /** True when the expression resolves to one of the qualified names. */
  is(node: Node | null | undefined, ...qualified: string[]): boolean;
  /** True when any import mentions the module (`django`, `pandas`, ...). */
  importsModule(prefix: string): boolean;
  /** The import statements read, as one string: two trees with the same key have the same map (a cache key part). */
  readonly key: string;
}

/**
 * Import statements, found from the `import` keywords in the text (a whole-tree query costs 10-20 ms on a
 * 3,000-line file; this costs microseconds per import).
 */
export function importStatements(tree: Tree): Node[] {
  // The module node starts after leading blank lines: its text begins at rootNode.startIndex.
  return importNodes(tree, tree.rootNode.text, tree.rootNode.startIndex);
}

/** The import statements of a slice of the text (a top-level statement's, starting at `offset`). */
function importNodes(tree: Tree, text: string, offset: number): Node[] {
  const out: Node[] = [];
  const seen = new Set<number>();
  for (const keyword of nodesAtText(tree, text, /\bimport\b/g, offset)) {
    let node: Node | null = keyword;
    while (node && node.type !== 'import_statement' && node.type !== 'import_from_statement' && node.type !== 'future_import_statement') {
      if (node.type === 'module' || node.type === 'block' || /statement$|definition$/.test(node.type)) {
        node = null;
        break;
      }
      node = node.parent;
    }
    if (node && !seen.has(node.id)) {
      seen.add(node.id);
      out.push(node);
    }
  }
  return out;
}

const IMPORT_MAPS = new TreeSlot<ImportMap>('python import map');

export function importsOf(tree: Tree): ImportMap {
  return IMPORT_MAPS.get(tree, () => buildImportMap(tree));
}

/** One import statement as data (no nodes): what the import map is built from, cached per top-level statement. */
interface ImportData {
  /** `from <module> import ...`; undefined for `import a.b [as c]`. */
  from?: string;
  relative?: boolean;
  names: { text: string; name?: string; alias?: string }[];
}

/** The import statements inside each top-level statement, per statement text: a keystroke re-reads one statement. */
const STATEMENT_IMPORTS = new StatementSlot<readonly ImportData[]>('python imports per statement');

function importData(node: Node): ImportData | undefined {
  const names = (parent: Node) =>
    parent.childrenForFieldName('name').flatMap((child) =>
      !child ? [] : child.type === 'aliased_import' ? [{ text: child.text, name: child.childForFieldName('name')!.text, alias: child.childForFieldName('alias')!.text }] : [{ text: child.text }],
    );
  if (node.type === 'import_statement') return { names: names(node) };
  if (node.type !== 'import_from_statement') return undefined;
  const moduleNode = node.childForFieldName('module_name');
  if (!moduleNode) return undefined;
  return { from: moduleNode.text, relative: moduleNode.type === 'relative_import', names: names(node) };
}

const IMPORT_WORD = /\bimport\b/;

function importsIn(tree: Tree): ImportData[] {
  const out: ImportData[] = [];
  for (const statement of topLevelStatements(tree)) {
    // (Tested once per statement text: the test over every statement costs a keystroke a search of the whole module.)
    if (!statementMatches(statement, IMPORT_WORD)) continue;
    const data = STATEMENT_IMPORTS.answer(statement, '', () => {
      const found: ImportData[] = [];
      for (const node of importNodes(tree, statement.text, statement.start)) {
        const d = importData(node);
        if (d) found.push(d);
      }
      return found;
    });
    out.push(...data);
  }
  return out;
}

function buildImportMap(tree: Tree): ImportMap {
  const names = new Map<string, string>();
  const origins = new Map<string, ImportedName>();
  const modules = new Set<string>();
  const imports = importsIn(tree);
  for (const data of imports) {
    if (data.from === undefined) {
      for (const child of data.names) {
        if (child.alias !== undefined) {
          const mod = child.name!;
          const alias = child.alias;
          names.set(alias, mod);
          modules.add(mod);
          const dot = mod.lastIndexOf('.');
          origins.set(alias, { module: dot > 0 ? mod.slice(0, dot) : '', name: mod.slice(dot + 1) });
        } else {
          // `import a.b` binds `a`; the full dotted name resolves through attribute access.
          const mod = child.text;
          names.set(mod.split('.')[0], mod.split('.')[0]);
          modules.add(mod);
        }
      }
    } else {
      for (const child of data.names) {
        const aliased = child.alias !== undefined;
        const name = aliased ? child.name! : child.text;
        origins.set(aliased ? child.alias! : child.text, { module: data.from, name });
      }
      if (data.relative) {
        modules.add(data.from);
        continue;
      }
      const mod = data.from;
      modules.add(mod);
      for (const child of data.names) {
        if (child.alias !== undefined) {
          names.set(child.alias, `${mod}.${child.name}`);
        } else {
          names.set(child.text, `${mod}.${child.text}`);
        }
      }
    }
  }

  const resolve = (node: Node | null | undefined): string | undefined => {
    if (!node) return undefined;
    if (node.type === 'identifier') return names.get(node.text);
    if (node.type === 'attribute') {
      const base = resolve(node.childForFieldName('object'));
      const attr = node.childForFieldName('attribute')?.text;
      return base && attr ? `${base}.${attr}` : undefined;
    }
    return undefined;
  };

  return {
    names,
    origins,
    key: JSON.stringify(imports),
    resolve,
    is: (node, ...qualified) => {
      const q = resolve(node);
      return q !== undefined && qualified.includes(q);
    },
    importsModule: (prefix) => [...modules].some((m) => m === prefix || m.startsWith(prefix + '.')),
  };
}
