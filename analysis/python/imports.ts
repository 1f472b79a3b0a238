/**
 * Import resolution for Python rules: maps local names to the qualified names they were imported as,
 * so `import functools as ft; @ft.lru_cache` and `from functools import lru_cache as memo; @memo` both
 * resolve to `functools.lru_cache`.
 */
import type { Node, Tree } from 'web-tree-sitter';
import { nodesAtText } from './ast';

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
}

/**
 * Import statements, found from the `import` keywords in the text (a whole-tree query costs 10-20 ms on a
 * 3,000-line file; this costs microseconds per import).
 */
export function importStatements(tree: Tree): Node[] {
  const out: Node[] = [];
  const seen = new Set<number>();
  // The module node starts after leading blank lines: its text begins at rootNode.startIndex.
  for (const keyword of nodesAtText(tree, tree.rootNode.text, /\bimport\b/g, tree.rootNode.startIndex)) {
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

const cache = new WeakMap<Tree, ImportMap>();

export function importsOf(tree: Tree): ImportMap {
  let map = cache.get(tree);
  if (!map) {
    map = buildImportMap(tree);
    cache.set(tree, map);
  }
  return map;
}

function buildImportMap(tree: Tree): ImportMap {
  const names = new Map<string, string>();
  const origins = new Map<string, ImportedName>();
  const modules = new Set<string>();
  for (const node of importStatements(tree)) {
    if (node.type === 'import_statement') {
      for (const child of node.childrenForFieldName('name')) {
        if (!child) continue;
        if (child.type === 'aliased_import') {
          const mod = child.childForFieldName('name')!.text;
          const alias = child.childForFieldName('alias')!.text;
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
    } else if (node.type === 'import_from_statement') {
      const moduleNode = node.childForFieldName('module_name');
      if (!moduleNode) continue;
      for (const child of node.childrenForFieldName('name')) {
        if (!child) continue;
        const aliased = child.type === 'aliased_import';
        const name = aliased ? child.childForFieldName('name')!.text : child.text;
        origins.set(aliased ? child.childForFieldName('alias')!.text : child.text, { module: moduleNode.text, name });
      }
      if (moduleNode.type === 'relative_import') {
        modules.add(moduleNode.text);
        continue;
      }
      const mod = moduleNode.text;
      modules.add(mod);
      for (const child of node.childrenForFieldName('name')) {
        if (!child) continue;
        if (child.type === 'aliased_import') {
          names.set(child.childForFieldName('alias')!.text, `${mod}.${child.childForFieldName('name')!.text}`);
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
    resolve,
    is: (node, ...qualified) => {
      const q = resolve(node);
      return q !== undefined && qualified.includes(q);
    },
    importsModule: (prefix) => [...modules].some((m) => m === prefix || m.startsWith(prefix + '.')),
  };
}
