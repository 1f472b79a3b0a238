/**
 * dataframe-full-load, the growing shape: a DataFrame grown one piece per pass of a loop over input of unknown
 * size (`df = df.append(row)`, `df = pd.concat([df, new])`). Each pass copies the whole frame so far: the work is
 * quadratic and, while a pass copies, both the old and the new frame are held.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RuleContext } from '../api';
import { callsNamed, intValue, keywordArgument, positionalArguments } from '../../analysis/python/ast';
import type { ImportMap } from '../../analysis/python/imports';
import { clip } from '../shared/format';

/** A loop over at most this many literal items (`for i in range(3)`, `for name in ["a", "b"]`) is small. */
const SMALL_LOOP = 20;

export function checkGrowthInLoops(ctx: RuleContext, tree: Tree, imports: ImportMap): void {
  for (const call of callsNamed(tree, ctx.file.text, /\b(?:append|concat)\b/g)) {
    const grown = grownFrame(call, imports);
    if (!grown) continue;
    const loop = enclosingLoop(call);
    if (!loop || smallLoop(loop) || !growsWithData(loop, ctx.file.text, tree)) continue;
    ctx.report({
      start: call.startIndex,
      end: call.endIndex,
      messageId: 'grown-in-loop',
      data: { frame: clip(grown.frame, 24), call: clip(grown.how, 28) },
      detail:
        'Each pass builds a new DataFrame holding every row so far and drops the old one: the loop does quadratic work, ' +
        'and the frame (twice, while it is copied) stays in memory until the loop ends. Collect the rows in a list ' +
        '(of dicts, or of DataFrames) and build the frame once after the loop with pd.DataFrame(rows) or pd.concat(frames).',
    });
  }
}

/** `x = x.append(...)` / `x = pd.concat([x, ...])` (rows, not axis=1 columns): the name it grows and how. */
function grownFrame(call: Node, imports: ImportMap): { frame: string; how: string } | undefined {
  const assignment = call.parent;
  if (assignment?.type !== 'assignment' || assignment.childForFieldName('right')?.id !== call.id) return undefined;
  const target = assignment.childForFieldName('left');
  if (!target || (target.type !== 'identifier' && target.type !== 'attribute')) return undefined;
  const fn = call.childForFieldName('function');
  if (fn?.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'append') {
    // A list's append returns None: only a pandas object is rebound to its own `.append(...)`.
    return fn.childForFieldName('object')?.text === target.text ? { frame: target.text, how: fn.text } : undefined;
  }
  if (!/^(pandas|modin\.pandas)\.concat$/.test(imports.resolve(fn) ?? '')) return undefined;
  const axis = keywordArgument(call, 'axis') ?? positionalArguments(call)[1];
  if (axis && !(intValue(axis) === 0 || /^["']index["']$/.test(axis.text))) return undefined;
  const frames = positionalArguments(call)[0] ?? keywordArgument(call, 'objs');
  if (frames?.type !== 'list' && frames?.type !== 'tuple') return undefined;
  return frames.namedChildren.some((f) => f?.text === target.text) ? { frame: target.text, how: fn!.text } : undefined;
}

/** The innermost loop around the call in its own function. */
function enclosingLoop(node: Node): Node | undefined {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'for_statement' || p.type === 'while_statement') return p;
    if (p.type === 'function_definition' || p.type === 'class_definition' || p.type === 'lambda') return undefined;
  }
  return undefined;
}

/** Iterating a frame's rows or groups: `df.iterrows()`, `df.itertuples()`, `df.groupby(...)`. */
const ROW_ITERATION = /\.(iterrows|itertuples|groupby)\s*\(/;

/**
 * The code shows that the passes grow with the data: a `while` loop (a cursor or a paged API read until it runs
 * out), a loop over a frame's rows or groups, a loop nested in another loop of the function, or a loop in a
 * function or method that this module calls from inside a loop (a parser called per scraped page). A loop over a
 * list the caller passes (`for tag_id in tag_ids`, a few rows each) is not enough: such lists are usually short.
 */
function growsWithData(loop: Node, text: string, tree: Tree): boolean {
  if (loop.type === 'while_statement') return true;
  if (ROW_ITERATION.test(loop.childForFieldName('right')?.text ?? '')) return true;
  let fn: Node | undefined;
  for (let p = loop.parent; p; p = p.parent) {
    if (p.type === 'for_statement' || p.type === 'while_statement') return true;
    if (p.type === 'function_definition') {
      fn = p;
      break;
    }
  }
  const name = fn?.childForFieldName('name')?.text;
  return !!name && calledInLoop(name, fn!, text, tree);
}

/** `name(...)` or `self.name(...)` is called inside a loop elsewhere in the module. */
function calledInLoop(name: string, fn: Node, text: string, tree: Tree): boolean {
  for (const call of callsNamed(tree, text, new RegExp(`\\b${name}\\b`, 'g'))) {
    if (call.startIndex >= fn.startIndex && call.endIndex <= fn.endIndex) continue;
    const callee = call.childForFieldName('function');
    if (callee?.type === 'attribute' && callee.childForFieldName('object')?.text !== 'self') continue;
    for (let p = call.parent; p && p.type !== 'function_definition'; p = p.parent) {
      if (p.type === 'for_statement' || p.type === 'while_statement') return true;
    }
  }
  return false;
}

/** `for x in ["a", "b"]`, `for i in range(5)`: a few passes written in the code. */
function smallLoop(loop: Node): boolean {
  if (loop.type !== 'for_statement') return false;
  const iterable = loop.childForFieldName('right');
  if (!iterable) return false;
  if (iterable.type === 'list' || iterable.type === 'tuple' || iterable.type === 'set') return iterable.namedChildren.length <= SMALL_LOOP;
  if (iterable.type === 'call' && iterable.childForFieldName('function')?.text === 'range') {
    const bounds = positionalArguments(iterable).map((a) => intValue(a));
    const [start, stop, step] = bounds.length === 1 ? [0, bounds[0], 1] : [bounds[0], bounds[1], bounds[2] ?? 1];
    return start !== undefined && stop !== undefined && step !== undefined && step > 0 && (stop - start) / step <= SMALL_LOOP;
  }
  return false;
}
