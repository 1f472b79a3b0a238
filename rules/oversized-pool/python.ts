/**
 * oversized-pool: thread/process pools sized from the (host's) CPU count, above a threshold, or left at a
 * CPU-derived default.
 */
import { neverSubmittedTo } from '../../analysis/python/idle-executor';
import { clip } from '../shared/format';
import type { Node } from 'web-tree-sitter';
import { defineRule, type FixSpec, type OffsetEdit, type ReportSpec, type RuleContext, type TextTrigger } from '../api';
import { ancestor, callsNamed, captures, intValue, keywordArgument, mayCallNamed, positionalArguments, stringValue } from '../../analysis/python/ast';
import { callsNamedInModule } from '../../analysis/python/statements';
import { addImport } from '../shared/python-edits';
import { importsOf, type ImportMap } from '../../analysis/python/imports';
import { importsWebFramework } from '../../analysis/python/web-context';
import { perRequestScope } from '../../analysis/python/per-request';
import { envLookup, fallbackNumber } from '../../analysis/python/env-lookups';

type PoolKind = 'thread' | 'process';

interface PoolType {
  kind: PoolKind;
  /** The keyword that sizes it. */
  sizeKeyword: 'max_workers' | 'processes';
  label: string;
}

const POOL_TYPES: Record<string, PoolType> = {
  'concurrent.futures.ThreadPoolExecutor': { kind: 'thread', sizeKeyword: 'max_workers', label: 'ThreadPoolExecutor' },
  'concurrent.futures.thread.ThreadPoolExecutor': { kind: 'thread', sizeKeyword: 'max_workers', label: 'ThreadPoolExecutor' },
  'concurrent.futures.ProcessPoolExecutor': { kind: 'process', sizeKeyword: 'max_workers', label: 'ProcessPoolExecutor' },
  'concurrent.futures.process.ProcessPoolExecutor': { kind: 'process', sizeKeyword: 'max_workers', label: 'ProcessPoolExecutor' },
  'multiprocessing.Pool': { kind: 'process', sizeKeyword: 'processes', label: 'multiprocessing.Pool' },
  'multiprocessing.pool.Pool': { kind: 'process', sizeKeyword: 'processes', label: 'multiprocessing.Pool' },
  'multiprocessing.pool.ThreadPool': { kind: 'thread', sizeKeyword: 'processes', label: 'ThreadPool' },
  'multiprocessing.dummy.Pool': { kind: 'thread', sizeKeyword: 'processes', label: 'multiprocessing.dummy.Pool' },
};

const CPU_COUNT_CALLS = new Set(['os.cpu_count', 'os.process_cpu_count', 'multiprocessing.cpu_count', 'psutil.cpu_count']);
const ENV_VAR = 'POOL_WORKERS';

/** What a size expression amounts to. */
type Size =
  | { kind: 'default' }
  | { kind: 'cpu'; detail: string }
  | { kind: 'number'; n: number }
  /** Taken from what the client sent: a route parameter, `request.GET[...]`, `request.args.get(...)`. */
  | { kind: 'request'; detail: string }
  | { kind: 'bounded' };

/** Where sizes are read from: the file's imports, the limit, and whether the pool is built per request. */
interface SizeContext {
  imports: ImportMap;
  maxWorkers: number;
  /** The pool is created while serving a request, so the handler's parameters are client input. */
  perRequest: boolean;
}

const POOL_NAMES = ['ThreadPoolExecutor', 'ProcessPoolExecutor', 'Pool', 'ThreadPool'];
const POOL_CALLS = new RegExp(`\\b(?:${POOL_NAMES.join('|')})\\b`);
/** An import that binds a pool class to another name (`ThreadPoolExecutor as TPE`, `import m.Pool as P`). */
const POOL_ALIAS = new RegExp(`\\b(?:${POOL_NAMES.join('|')})\\s+as\\b`);
/**
 * Still a RegExp (answered per chunk on keystrokes). check() looks only at calls found by poolNamePattern(): a pool
 * class's own name or a name an import binds it to, so a text read once with neither call nor alias has no finding.
 */
const poolTrigger: TextTrigger = Object.assign(/Pool|Executor/, {
  strictTest: (text: string) => mayCallNamed(text, POOL_CALLS) || POOL_ALIAS.test(text),
});

export default defineRule({
  meta: {
    id: 'oversized-pool',
    kinds: ['python'],
    defaultSeverity: 'warning',
    fix: 'unsafe',
    messages: {
      'default-processes': '{{pool}}() starts a process per host CPU (16-64), each an app copy: cap it at {{suggested}}',
      'default-thread-pool-executor': 'ThreadPoolExecutor() starts up to 32 threads per web worker by default: cap it at {{suggested}}',
      'default-threads': '{{pool}}() starts one thread per host CPU in every web worker: cap it at {{suggested}}',
      'sized-from-cpus': "Sizes the {{kind}} pool from the host's CPU count (often 16-64 in a container): cap it at {{suggested}}",
      'too-many-processes': 'Starts up to {{n}} worker processes, each a copy of the app: cap it at {{suggested}}',
      'too-many-threads': 'Starts up to {{n}} worker threads: cap it at {{suggested}}',
      'sized-by-request': 'Sizes the {{kind}} pool from request input ({{input}}), so a client picks it: cap it at {{suggested}}',
    },
    trigger: poolTrigger,
    options: {
      maxWorkers: { type: 'number', default: 8, description: 'Pools sized above this many workers are reported.' },
      suggestedWorkers: { type: 'number', default: 4, description: 'The default worker count the fix writes (overridable with POOL_WORKERS).' },
    },
    docs: {
      summary: 'Thread and process pools sized from the CPU count, or larger than a small web instance can hold.',
      whatItDoes:
        'Finds `ThreadPoolExecutor`, `ProcessPoolExecutor`, `multiprocessing.Pool` and `ThreadPool` (through any import alias: ' +
        '`import multiprocessing as mp`, `from concurrent import futures`, `from concurrent.futures import ThreadPoolExecutor as TPE`) ' +
        'whose size comes from the CPU count (`os.cpu_count()`, `mp.cpu_count()`, `os.cpu_count() * 2`, `+ 4`), is a number above ' +
        '`maxWorkers` (default 8), or is missing where the default is CPU-derived: `Pool()` and `ProcessPoolExecutor()` always, ' +
        '`ThreadPoolExecutor()` (min(32, CPUs + 4) threads) in web code (files importing Django, Flask, FastAPI or Starlette), or, in a ' +
        'request handler, comes from the request (a route parameter, `request.args.get("n")`, `request.GET["n"]`, through variables ' +
        'and `int()`), so a client picks it; its fix caps it with `min(n, suggestedWorkers)`. ' +
        'Small literal sizes, sizes read from the environment or settings (`int(os.getenv("POOL_SIZE", 4))`, `settings.WORKERS`) and ' +
        'CPU counts capped with `min(4, os.cpu_count() or 1)` are not reported.',
      whyIsThisBad:
        'Inside a container `os.cpu_count()` returns the host\'s CPUs (often 16-64), not the instance\'s share. A process pool then ' +
        'forks dozens of copies of the app (each 100+ MB), and a thread pool keeps dozens of threads each holding its stack and the ' +
        'data it works on, per web worker. On a 512 MB instance that is an out-of-memory restart under the first real load.',
      example: {
        fileName: 'tasks.py',
        code: `import os
from concurrent.futures import ProcessPoolExecutor


def render_all(pages):
    with ProcessPoolExecutor(max_workers=os.cpu_count() * 2) as pool:
        return list(pool.map(render, pages))
`,
      },
      useInstead: {
        fileName: 'tasks.py',
        code: `import os
from concurrent.futures import ProcessPoolExecutor


def render_all(pages):
    with ProcessPoolExecutor(max_workers=int(os.getenv("POOL_WORKERS", "4"))) as pool:
        return list(pool.map(render, pages))
`,
      },
      fixSafety:
        'Unsafe: the pool gets fewer workers, so CPU-bound work may take longer. The fix writes ' +
        '`int(os.getenv("POOL_WORKERS", "4"))` (default from `suggestedWorkers`), adding `import os` when needed: a fixed default ' +
        'rather than `min(N, os.cpu_count() or 1)` because in a container the CPU count is the host\'s, and one environment ' +
        'variable to raise it where the instance is bigger. Sizes that go through a variable or constant are reported without a fix.',
      notes:
        'Also see `native-thread-env` (BLAS/OpenMP thread pools started by numpy and friends). `loop.run_in_executor(None, ...)` uses ' +
        'asyncio\'s default executor and is not reported. A `ProcessPoolExecutor` stored under a name nothing in the project submits ' +
        'work through (only stored, tested, returned by a property and shut down) is not reported: its processes start on the first submit.',
    },
  },
  check(ctx) {
    const tree = ctx.python();
    const imports = importsOf(tree);
    const isWeb = importsWebFramework(imports);
    const maxWorkers = ctx.options.maxWorkers as number;
    const suggested = Math.min(ctx.options.suggestedWorkers as number, maxWorkers);
    const contexts = getContextNames(tree, imports);

    // Pool constructors are found by name in the text: their own names, or what the file imported them as.
    for (const call of callsNamedInModule(tree, ctx.file.text, poolNamePattern(imports))) {
      const pool = poolType(call.childForFieldName('function')!, imports, contexts);
      if (!pool) continue;
      const arg = keywordArgument(call, pool.sizeKeyword) ?? positionalArguments(call)[0];
      const sizes: SizeContext = { imports, maxWorkers, perRequest: perRequestScope(ctx, call)?.kind === 'request' };
      const size = arg ? classify(arg, sizes, 0) : { kind: 'default' as const };
      if (size.kind === 'bounded') continue;
      if (size.kind === 'number' && size.n <= maxWorkers) continue;
      if (size.kind === 'default' && pool.kind === 'thread' && !isWeb) continue;
      // Its processes start on the first submit: a pool nothing submits to never starts one.
      if (pool.label === 'ProcessPoolExecutor' && neverSubmittedTo(ctx, call)) continue;
      const target = arg ?? call;
      ctx.report({
        start: target.startIndex,
        end: target.endIndex,
        ...message(pool, size, arg, maxWorkers, suggested),
        fixes: size.kind === 'request' && arg ? capFix(arg, suggested) : fixFor(ctx, call, pool, arg, suggested),
      });
    }
  },
});

/** Names bound to `multiprocessing.get_context(...)`, whose `.Pool` is a process pool. */
function getContextNames(tree: import('web-tree-sitter').Tree, imports: ImportMap): Set<string> {
  const names = new Set<string>();
  for (const call of callsNamed(tree, tree.rootNode.text, /\bget_context\b/g, tree.rootNode.startIndex)) {
    const assignment = call.parent;
    if (assignment?.type !== 'assignment' || assignment.childForFieldName('right')?.id !== call.id) continue;
    if (imports.is(call.childForFieldName('function'), 'multiprocessing.get_context')) names.add(assignment.childForFieldName('left')!.text);
  }
  return names;
}

function poolType(fn: Node, imports: ImportMap, contexts: ReadonlySet<string>): PoolType | undefined {
  const q = imports.resolve(fn);
  if (q && POOL_TYPES[q]) return POOL_TYPES[q];
  if (fn.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'Pool') {
    const obj = fn.childForFieldName('object')!;
    const fromContext = obj.type === 'call' ? imports.is(obj.childForFieldName('function'), 'multiprocessing.get_context') : contexts.has(obj.text);
    if (fromContext) return POOL_TYPES['multiprocessing.Pool'];
  }
  return undefined;
}

function isCpuCount(node: Node, imports: ImportMap): boolean {
  if (node.type !== 'call') return false;
  const fn = node.childForFieldName('function');
  const q = imports.resolve(fn);
  if (q && CPU_COUNT_CALLS.has(q)) return true;
  // len(os.sched_getaffinity(0)) is the affinity-aware count, but still the host's in most containers.
  if (fn?.text === 'len') {
    const inner = positionalArguments(node)[0];
    return inner?.type === 'call' && imports.is(inner.childForFieldName('function'), 'os.sched_getaffinity');
  }
  return false;
}

/** Classifies a size expression; `depth` limits how far names are followed to their assignment. */
function classify(node: Node, sizes: SizeContext, depth: number): Size {
  const { imports, maxWorkers } = sizes;
  if (node.type === 'none') return { kind: 'default' };
  const literal = intValue(node);
  if (literal !== undefined) return { kind: 'number', n: literal };
  if (isCpuCount(node, imports)) return { kind: 'cpu', detail: node.text };

  const env = envLookup(node, imports);
  if (env) {
    // The environment decides; only a default that is itself oversized is worth reporting.
    const fallback = env.fallback;
    if (!fallback) return { kind: 'bounded' };
    const n = fallbackNumber(fallback);
    const inner = n !== undefined ? { kind: 'number' as const, n } : classify(fallback, sizes, depth + 1);
    const variable = env.variable ?? 'the variable';
    if (inner.kind === 'cpu') return { kind: 'cpu', detail: `${variable} defaults to ${fallback.text}` };
    return inner.kind === 'number' && inner.n > maxWorkers ? inner : { kind: 'bounded' };
  }

  switch (node.type) {
    case 'parenthesized_expression':
      return node.namedChildren[0] ? classify(node.namedChildren[0], sizes, depth) : { kind: 'bounded' };
    case 'boolean_operator': {
      // `os.cpu_count() or 1`: the left side decides in practice.
      const left = node.childForFieldName('left');
      return left ? classify(left, sizes, depth) : { kind: 'bounded' };
    }
    case 'binary_operator': {
      const sides = [node.childForFieldName('left'), node.childForFieldName('right')].map((s) => (s ? classify(s, sizes, depth) : { kind: 'bounded' as const }));
      if (sides.some((s) => s.kind === 'cpu')) return { kind: 'cpu', detail: node.text };
      const fromRequest = sides.find((s) => s.kind === 'request');
      if (fromRequest) return fromRequest;
      return { kind: 'bounded' };
    }
    case 'conditional_expression': {
      const branches = node.namedChildren.filter((c, i): c is Node => c !== null && i !== 1).map((b) => classify(b, sizes, depth));
      return branches.find((b) => b.kind === 'cpu') ?? branches.find((b) => b.kind === 'request') ?? branches.find((b) => b.kind === 'number' && b.n > maxWorkers) ?? { kind: 'bounded' };
    }
    case 'call':
      return requestRead(node, sizes) ?? classifyConversion(node, sizes, depth) ?? classifyMinMax(node, sizes, depth);
    case 'subscript':
      return requestRead(node, sizes) ?? { kind: 'bounded' };
    case 'identifier':
      return classifyName(node, sizes, depth);
    default:
      return { kind: 'bounded' };
  }
}

/** `min(4, os.cpu_count() or 1)` is capped by its smallest literal; `max(...)` by nothing. */
function classifyMinMax(call: Node, sizes: SizeContext, depth: number): Size {
  const fn = call.childForFieldName('function')?.text;
  if (fn !== 'min' && fn !== 'max') return { kind: 'bounded' };
  const args = positionalArguments(call).map((a) => classify(a, sizes, depth));
  if (args.length === 0) return { kind: 'bounded' };
  const numbers = args.filter((a): a is { kind: 'number'; n: number } => a.kind === 'number').map((a) => a.n);
  if (fn === 'min') {
    if (numbers.length) return { kind: 'number', n: Math.min(...numbers) };
    if (args.some((a) => a.kind === 'bounded' || a.kind === 'default')) return { kind: 'bounded' };
    return args.find((a) => a.kind === 'cpu') ? { kind: 'cpu', detail: call.text } : args[0];
  }
  if (args.some((a) => a.kind === 'cpu')) return { kind: 'cpu', detail: call.text };
  const fromRequest = args.find((a) => a.kind === 'request');
  if (fromRequest) return fromRequest;
  return numbers.length === args.length ? { kind: 'number', n: Math.max(...numbers) } : { kind: 'bounded' };
}

/** A name assigned once in the enclosing function, else at module level: follow it to its value. */
function classifyName(name: Node, sizes: SizeContext, depth: number): Size {
  if (depth >= 3) return { kind: 'bounded' };
  const fn = ancestor(name, 'function_definition');
  if (fn && isParameter(fn, name.text)) {
    // A handler's own parameters (FastAPI query/path parameters, Django/Flask URL captures) come from the client.
    const clientInput = sizes.perRequest && !NOT_CLIENT_INPUT.has(name.text) && !ancestor(fn, 'function_definition');
    return clientInput ? { kind: 'request', detail: name.text } : { kind: 'bounded' };
  }
  const values = (fn && assignmentsIn(fn, name.text)) ?? assignmentsIn(rootOf(name), name.text) ?? [];
  if (values.length !== 1) return { kind: 'bounded' };
  const size = classify(values[0], sizes, depth + 1);
  if (size.kind === 'request') return { kind: 'request', detail: name.text };
  return size.kind === 'cpu' ? { kind: 'cpu', detail: `${name.text} = ${values[0].text}` } : size;
}

/** Handler parameters that are not values a client chose. */
const NOT_CLIENT_INPUT = new Set(['self', 'cls', 'request', 'req', 'db', 'session', 'background_tasks', 'settings', 'current_user', 'user']);
/** Where frameworks keep what the client sent: `request.GET`, `request.args`, `request.query_params`, ... */
const REQUEST_DATA = /^(request|req|self\.request)\.(GET|POST|data|query_params|args|form|values|json|headers|path_params)$/;

/** `request.GET["n"]`, `request.args.get("n", 4)`, `request.query_params.get("n")`: read from the request. */
function requestRead(node: Node, sizes: SizeContext): Size | undefined {
  if (!sizes.perRequest) return undefined;
  if (node.type === 'subscript') {
    const value = node.childForFieldName('value');
    return value && REQUEST_DATA.test(value.text.replace(/\s+/g, '')) ? { kind: 'request', detail: clip(node.text, 40) } : undefined;
  }
  const fn = node.childForFieldName('function');
  if (fn?.type !== 'attribute' || fn.childForFieldName('attribute')?.text !== 'get') return undefined;
  const source = fn.childForFieldName('object')?.text.replace(/\s+/g, '') ?? '';
  return REQUEST_DATA.test(source) ? { kind: 'request', detail: clip(node.text, 40) } : undefined;
}

/** `int(x)`, `float(x)`, `round(x)`, `abs(x)`: the size is x's. */
function classifyConversion(call: Node, sizes: SizeContext, depth: number): Size | undefined {
  if (!['int', 'float', 'round', 'abs'].includes(call.childForFieldName('function')?.text ?? '')) return undefined;
  const inner = positionalArguments(call)[0];
  if (!inner) return undefined;
  const size = classify(inner, sizes, depth);
  return size.kind === 'request' ? size : undefined;
}

/** `max_workers=n` -> `max_workers=min(n, 4)`: the client still chooses, up to the cap. */
function capFix(arg: Node, suggested: number): FixSpec[] {
  const newText = `min(${arg.text}, ${suggested})`;
  return [{ title: `Cap the pool at ${newText}`, edits: [{ start: arg.startIndex, end: arg.endIndex, newText }] }];
}

/** Values assigned to `name` by the scope's own statements (not nested functions); undefined when none. */
function assignmentsIn(scope: Node, name: string): Node[] | undefined {
  const scopeId = scope.type === 'function_definition' ? scope.id : -1;
  const values: Node[] = [];
  for (const { node } of captures(scope.tree, '(assignment left: (identifier) @left right: (_))', scope)) {
    if (node.text !== name) continue;
    const assignment = node.parent!;
    if ((ancestor(assignment, 'function_definition')?.id ?? -1) !== scopeId) continue;
    values.push(assignment.childForFieldName('right')!);
  }
  return values.length ? values : undefined;
}

function isParameter(fn: Node, name: string): boolean {
  return (fn.childForFieldName('parameters')?.namedChildren ?? []).some(
    (p) => p !== null && (p.type === 'identifier' ? p.text : (p.childForFieldName('name') ?? p.namedChildren[0])?.text) === name,
  );
}

function rootOf(node: Node): Node {
  let n = node;
  while (n.parent) n = n.parent;
  return n;
}

function message(pool: PoolType, size: Size, arg: Node | undefined, maxWorkers: number, suggested: number): Pick<ReportSpec, 'messageId' | 'data' | 'detail'> {
  const cap = `Cap it with int(os.getenv("${ENV_VAR}", "${suggested}")).`;
  const each = pool.kind === 'process' ? 'each a full copy of the app\'s memory' : 'each with its own stack and in-flight data';
  const unit = pool.kind === 'process' ? 'processes' : 'threads';
  switch (size.kind) {
    case 'default':
      if (pool.kind === 'process') {
        return {
          messageId: 'default-processes',
          data: { pool: clip(pool.label), suggested },
          detail: `With no size, it starts os.cpu_count() processes, and inside a container that is the host's CPU count, ${each}. ${cap}`,
        };
      }
      return pool.label === 'ThreadPoolExecutor'
        ? {
            messageId: 'default-thread-pool-executor',
            data: { suggested },
            detail: `With no max_workers it starts up to min(32, CPUs + 4) threads in every web worker, counting the host's CPUs inside a container, ${each}. ${cap}`,
          }
        : {
            messageId: 'default-threads',
            data: { pool: clip(pool.label), suggested },
            detail: `With no size it starts os.cpu_count() threads, and inside a container that is the host's CPU count, ${each}. ${cap}`,
          };
    case 'cpu':
      return {
        messageId: 'sized-from-cpus',
        data: { kind: pool.kind, suggested },
        detail: `${short(size.detail)}: inside a container the CPU count is the host's, so it can start dozens of ${unit}, ${each}. ${cap}`,
      };
    case 'number':
      return {
        messageId: pool.kind === 'process' ? 'too-many-processes' : 'too-many-threads',
        data: { n: size.n, suggested },
        detail: `${pool.sizeKeyword}=${short(arg?.text ?? '')} is above maxWorkers ${maxWorkers}: ${size.n} ${unit}, ${each}. ${cap}`,
      };
    case 'request':
      return {
        messageId: 'sized-by-request',
        data: { kind: pool.kind, input: clip(size.detail, 24), suggested },
        detail:
          `${pool.sizeKeyword}=${short(arg?.text ?? '')} comes from the request, so a client decides how many ${unit} this starts, ${each}: ` +
          `one request asking for 500 starts 500. Cap it: min(${short(arg?.text ?? size.detail)}, ${suggested}).`,
      };
    default:
      throw new Error(`no message for a pool of size kind ${size.kind}`);
  }
}

function short(s: string): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > 60 ? `${one.slice(0, 57)}...` : one;
}

/** Replaces the size (or adds the size keyword) with the env-overridable default; sizes behind a name are left alone. */
function fixFor(ctx: RuleContext, call: Node, pool: PoolType, arg: Node | undefined, suggested: number): FixSpec[] {
  const value = `int(os.getenv("${ENV_VAR}", "${suggested}"))`;
  const edits: OffsetEdit[] = [];
  if (arg && arg.type !== 'identifier' && !envLookup(arg, importsOf(call.tree))) {
    edits.push({ start: arg.startIndex, end: arg.endIndex, newText: value });
  } else if (!arg) {
    const args = call.childForFieldName('arguments');
    if (args?.type !== 'argument_list') return [];
    const open = args.startIndex + 1;
    const hasOthers = args.namedChildren.some((c) => c && c.type !== 'comment');
    edits.push({ start: open, end: open, newText: `${pool.sizeKeyword}=${value}${hasOthers ? ', ' : ''}` });
  } else {
    return [];
  }
  const importOs = addImport(call.tree, ctx.file.text, 'os');
  if (importOs) edits.push(importOs);
  return [{ title: `Cap the pool at ${value}`, edits }];
}


/** The bare names a pool constructor can be called by in this file (`TPE` for `ThreadPoolExecutor as TPE`). */
function poolNamePattern(imports: ImportMap): RegExp {
  const names = new Set(POOL_NAMES);
  for (const [local, qualified] of imports.names) if (POOL_NAMES.includes(qualified.split('.').pop()!)) names.add(local);
  return new RegExp(`\\b(?:${[...names].map((n) => n.replace(/[^\w]/g, '')).join('|')})\\b`, 'g');
}
