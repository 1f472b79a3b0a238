/**
 * Reading YAML deploy files (render.yaml, docker-compose, Kubernetes manifests) through aliases and `<<`
 * merge keys, with source ranges, as plain lookups: `get(map, 'services')`, `text(node)`.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type Node as YamlNode, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';

export type { YAMLMap, YAMLSeq, YamlNode };

export class YamlReader {
  constructor(private readonly doc: Document.Parsed) {}

  resolve(node: unknown): YamlNode | undefined {
    for (let i = 0; i < 8 && isAlias(node); i++) node = node.resolve(this.doc);
    return (node ?? undefined) as YamlNode | undefined;
  }

  map(node: unknown): YAMLMap | undefined {
    const n = this.resolve(node);
    return isMap(n) ? n : undefined;
  }

  seq(node: unknown): YAMLSeq | undefined {
    const n = this.resolve(node);
    return isSeq(n) ? n : undefined;
  }

  /** The scalar's value as a string (numbers and booleans as written), or undefined. */
  text(node: unknown): string | undefined {
    const n = this.resolve(node);
    if (!isScalar(n) || n.value === null || n.value === undefined) return undefined;
    return typeof n.value === 'string' ? n.value : String(n.value);
  }

  /** The node's [start, end) source range (the value, without trailing comments). */
  range(node: unknown): [number, number] | undefined {
    const n = this.resolve(node);
    const r = (n as { range?: [number, number, number] } | undefined)?.range;
    return r ? [r[0], r[1]] : undefined;
  }

  /** The map's own pairs, then those merged in with `<<: *anchor` (own keys win). */
  pairs(map: YAMLMap, depth = 0): Pair[] {
    const own: Pair[] = [];
    const merged: Pair[] = [];
    for (const pair of map.items) {
      if (this.text(pair.key) === '<<' && depth < 4) {
        const value = this.resolve(pair.value);
        const sources = isSeq(value) ? value.items.map((i) => this.resolve(i)) : [value];
        for (const src of sources) if (isMap(src)) merged.push(...this.pairs(src, depth + 1));
      } else own.push(pair);
    }
    const seen = new Set(own.map((p) => this.text(p.key)));
    return [...own, ...merged.filter((p) => !seen.has(this.text(p.key)))];
  }

  pair(map: YAMLMap | undefined, key: string): Pair | undefined {
    return map ? this.pairs(map).find((p) => this.text(p.key) === key) : undefined;
  }

  get(map: YAMLMap | undefined, key: string): YamlNode | undefined {
    return this.resolve(this.pair(map, key)?.value);
  }

  /** Follows a key path through maps. */
  path(map: YAMLMap | undefined, ...keys: string[]): YamlNode | undefined {
    let node: YamlNode | undefined = map;
    for (const key of keys) {
      const m = this.map(node);
      if (!m) return undefined;
      node = this.get(m, key);
    }
    return node;
  }

  entries(map: YAMLMap | undefined): [string, YamlNode | undefined, Pair][] {
    if (!map) return [];
    const out: [string, YamlNode | undefined, Pair][] = [];
    for (const pair of this.pairs(map)) {
      const key = this.text(pair.key);
      if (key !== undefined) out.push([key, this.resolve(pair.value), pair]);
    }
    return out;
  }

  items(node: unknown): YamlNode[] {
    const s = this.seq(node);
    return s ? s.items.map((i) => this.resolve(i)).filter((i): i is YamlNode => i !== undefined) : [];
  }
}

export function readersOf(docs: readonly Document.Parsed[] | undefined): { reader: YamlReader; root: YAMLMap }[] {
  const out: { reader: YamlReader; root: YAMLMap }[] = [];
  for (const doc of docs ?? []) {
    const reader = new YamlReader(doc);
    const root = reader.map(doc.contents);
    if (root) out.push({ reader, root });
  }
  return out;
}
