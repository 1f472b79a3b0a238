/**
 * A class's own findings (judged from its header, class attributes and the methods the analysis looks up by name,
 * such as a DRF view's `queryset`, `get_queryset` and `get_serializer_class`), kept across keystrokes that touch none
 * of what they read: an edit inside another method of a 1,000-line ViewSet replays them. Keyed by the class's text
 * outside its methods (classMethods) and the caller's context; the module functions and class members the analysis
 * read (OutsideReads, readClassMember) are checked on reuse. A finding's offsets are kept relative to the member it
 * lies in (the header, the k-th non-method child, or the method of its name), so methods edited before it move it.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { ReportSpec } from '../../rules/api';
import { StatementSlot, statementTextId } from '../cache';
import type { ClassMethods } from './class-methods';
import { classMembersHold, outsideReadsHold, type OutsideReads } from './django-querysets';
import type { TopLevelStatement } from './statements';

/** What an analysis of the class gives besides its findings: its reads, and a value the caller keeps with them. */
export interface ClassAnswer<V> {
  readonly reads: OutsideReads;
  readonly value: V;
}

interface Entry<V> extends ClassAnswer<V> {
  /** Findings with each offset relative to its anchor (anchors[i] for the i-th offset, see offsetsOf). */
  readonly reports: { spec: ReportSpec; anchors: string[] }[];
  readonly withFixes: boolean;
}

export class ClassMemberFindingsCache<V> {
  private readonly slot: StatementSlot<Entry<V>>;

  constructor(name: string, limit = 2000) {
    this.slot = new StatementSlot(name, limit);
  }

  /**
   * The class's findings reported through `report`, replayed or from `analyse` (which reports through the function
   * it is given and returns its reads and value, undefined when what it read cannot be named: not kept).
   * `canFix` as in StatementFindingsCache.check.
   */
  check(
    tree: Tree,
    statement: TopLevelStatement,
    split: ClassMethods,
    context: string,
    report: (spec: ReportSpec) => void,
    canFix: boolean,
    analyse: (report: (spec: ReportSpec) => void) => ClassAnswer<V> | undefined,
  ): ClassAnswer<V> | undefined {
    const places = memberPlaces(statement, split);
    const unit = { type: 'class outside its methods', textId: statementTextId(split.classText), cacheable: places !== undefined && outsideMethodsParse(statement, split) };
    const key = this.slot.key(unit, context);
    const cached = this.slot.get(key);
    if (cached && places && (cached.withFixes || !canFix) && outsideReadsHold(tree, cached.reads) && classMembersHold(split.cls, cached.reads)) {
      const replayed = cached.reports.map((r) => placed(r.spec, r.anchors, places, !canFix));
      if (replayed.every((r) => r !== undefined)) {
        for (const spec of replayed) report(spec!);
        return cached;
      }
    }
    const specs: ReportSpec[] = [];
    const answer = analyse((spec) => {
      specs.push(spec);
      report(spec);
    });
    if (key === undefined || answer === undefined || !places) return answer;
    const reports: Entry<V>['reports'] = [];
    for (const spec of specs) {
      const kept = anchored(spec, places, statement);
      if (!kept) return answer;
      reports.push(kept);
    }
    this.slot.set(key, { ...answer, reports, withFixes: canFix });
    return answer;
  }
}

/** Where each member starts now, by anchor: `h` the header, `a<k>` the k-th non-method child, `m<name>` a method. */
type Places = Map<string, { start: number; end: number }>;

/** The class's members by anchor, or undefined when two methods share a name (a method's place would be ambiguous). */
function memberPlaces(statement: TopLevelStatement, split: ClassMethods): Places | undefined {
  const places: Places = new Map();
  let attributes = 0;
  for (const { unit, method } of split.children) {
    if (unit.type === 'class header') places.set('h', { start: statement.start, end: unit.end });
    else if (!method) places.set(`a${attributes++}`, { start: unit.start, end: unit.end });
    else {
      const name = methodName(unit.node);
      const anchor = `m${name}`;
      if (name === undefined || places.has(anchor)) return undefined;
      places.set(anchor, { start: unit.start, end: unit.end });
    }
  }
  return places;
}

function methodName(node: Node): string | undefined {
  const def = node.type === 'decorated_definition' ? node.childForFieldName('definition') : node;
  return def?.childForFieldName('name')?.text;
}

/**
 * The header and the non-method children parse without error (their texts are the key): a syntax error being typed
 * inside a method leaves the class's own answer reusable; the methods read are checked on reuse (with errors: unknown).
 */
function outsideMethodsParse(statement: TopLevelStatement, split: ClassMethods): boolean {
  if (!statement.node.tree.rootNode.hasError) return true;
  const body = split.cls.childForFieldName('body');
  for (const child of statement.node.children) if (child && child.id !== split.cls.id && child.hasError) return false;
  for (const child of split.cls.children) if (child && child.id !== body?.id && child.hasError) return false;
  return split.children.every(({ unit, method }) => method || unit.type === 'class header' || !unit.node.hasError);
}

/** The finding's offsets in a fixed order: its range, its fixes' edits, its places in this file. */
function offsetsOf(spec: ReportSpec): number[] {
  const out = [spec.start, spec.end];
  for (const fix of spec.fixes ?? []) for (const edit of fix.edits) out.push(edit.start, edit.end);
  for (const related of spec.related ?? []) if (related.relPath === undefined) out.push(related.start, related.end);
  return out;
}

/** The finding with offsets set from `offsets` (in offsetsOf's order); copies, so a cached entry stays unshared. */
function withOffsets(spec: ReportSpec, offsets: readonly number[], withoutFixes = false): ReportSpec {
  let i = 2;
  const out: ReportSpec = { ...spec, start: offsets[0], end: offsets[1] };
  if (spec.fixes) {
    const fixes = spec.fixes.map((f) => ({ ...f, edits: f.edits.map((e) => ({ ...e, start: offsets[i++], end: offsets[i++] })) }));
    out.fixes = withoutFixes ? [] : fixes;
  }
  if (spec.related) out.related = spec.related.map((r) => (r.relPath === undefined ? { ...r, start: offsets[i++], end: offsets[i++] } : r));
  return out;
}

/** The finding with each offset relative to the member it lies in, or undefined when one lies in none. */
function anchored(spec: ReportSpec, places: Places, statement: TopLevelStatement): { spec: ReportSpec; anchors: string[] } | undefined {
  const anchors: string[] = [];
  const relative: number[] = [];
  for (const offset of offsetsOf(spec)) {
    if (offset < statement.start || offset > statement.end) return undefined;
    let found: string | undefined;
    for (const [anchor, place] of places) {
      if (offset >= place.start && offset <= place.end) {
        found = anchor;
        break;
      }
    }
    if (found === undefined) return undefined;
    anchors.push(found);
    relative.push(offset - places.get(found)!.start);
  }
  return { spec: withOffsets(spec, relative), anchors };
}

/** A kept finding placed where its members are now, or undefined when one of them is gone. */
function placed(spec: ReportSpec, anchors: readonly string[], places: Places, withoutFixes: boolean): ReportSpec | undefined {
  const relative = offsetsOf(spec);
  const offsets: number[] = [];
  for (let i = 0; i < relative.length; i++) {
    const place = places.get(anchors[i]);
    if (!place) return undefined;
    offsets.push(place.start + relative[i]);
  }
  return withOffsets(spec, offsets, withoutFixes);
}
