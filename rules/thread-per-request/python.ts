/**
 * thread-per-request: a request handler that starts a thread which then sleeps (or loops) for a long time, so
 * live threads grow with traffic: `threading.Thread(target=monitor).start()` whose target calls `time.sleep(180)`,
 * or `threading.Timer(180, fn).start()`.
 */
import type { Node, Tree } from 'web-tree-sitter';
import { defineRule, type RuleContext, type TextTrigger } from '../api';
import { ancestor, captures, intValue, keywordArgument, mayCallNamed, positionalArguments } from '../../analysis/python/ast';
import { callsNamedInModule } from '../../analysis/python/statements';
import { importsOf, type ImportMap } from '../../analysis/python/imports';
import { perRequestScope } from '../../analysis/python/per-request';

const THREAD_CLASSES = new Set(['threading.Thread', 'threading.Timer']);
/** The calls check() looks at, found by name in the text (callsNamedInModule). */
const THREAD_CALLS = /\b(?:Thread|Timer)/;
/**
 * Still a RegExp (answered per chunk on keystrokes). Every finding is a Thread/Timer call found by name, so a text
 * read once with no such call has none (a module that only mentions threads).
 */
export const threadTrigger: TextTrigger = Object.assign(/Thread|Timer/, { strictTest: (text: string) => mayCallNamed(text, THREAD_CALLS) });

export default defineRule({
  meta: {
    id: 'thread-per-request',
    kinds: ['python'],
    defaultSeverity: 'warning',
    fix: 'none',
    options: {
      minSeconds: {
        type: 'number',
        default: 30,
        description: 'A thread that sleeps or waits at least this many seconds after a request starts it is reported.',
      },
    },
    messages: {
      'sleeping-thread': 'Starts a thread per request that waits {{seconds}} s, so threads pile up with traffic: queue a delayed task',
      'endless-thread': 'Starts a thread per request that loops forever, so threads pile up with traffic: use one worker',
    },
    trigger: threadTrigger,
    docs: {
      summary: 'A request handler that starts a long-lived thread on every request.',
      whatItDoes:
        'Finds `threading.Thread(target=f).start()` in code that runs per request (routes, Django views, DRF views, FastAPI ' +
        'dependencies, and the functions of the same file they call) when `f`, defined in the same file, calls `time.sleep(N)` ' +
        'with N at or above `minSeconds` (default 30) or runs a `while True:` loop with no `break` or `return`; and ' +
        '`threading.Timer(N, f).start()` with such an N. A thread the handler joins before it returns is not reported, nor ' +
        'threads started at import, in startup hooks, management commands or scripts.',
      whyIsThisBad:
        'Each of these threads outlives its request: with a 180 s sleep, one request per second keeps 180 threads alive in ' +
        'every worker, and a burst keeps a thousand. Every thread holds its stack (tens to hundreds of KB resident, 8 MB ' +
        'reserved), its frames and the objects it was given, and glibc gives threads their own malloc arenas, so memory grows ' +
        'with traffic rather than with work. The delayed work is also lost when the worker is recycled or restarted.',
      example: {
        fileName: 'views.py',
        code: `import threading
import time

from django.http import JsonResponse


def accept_order(request, order_id):
    def cancel_if_unpaid(pk):
        time.sleep(180)
        cancel_unpaid_order(pk)

    threading.Thread(target=cancel_if_unpaid, args=(order_id,)).start()
    return JsonResponse({"msg": "accepted"})
`,
      },
      useInstead: {
        fileName: 'views.py',
        code: `from django.http import JsonResponse

from .tasks import cancel_unpaid_order


def accept_order(request, order_id):
    cancel_unpaid_order.apply_async(args=(order_id,), countdown=180)
    return JsonResponse({"msg": "accepted"})
`,
      },
      notes:
        'A thread started in a helper of another module counts when the project\'s call graph reaches the helper from a view. ' +
        'Only targets defined in the same file are read, and only literal sleeps. A thread pool with a fixed size ' +
        '(`ThreadPoolExecutor(max_workers=4)`) bounds the threads; see `oversized-pool` for pools sized from the CPU count.',
    },
  },
  check(ctx) {
    const tree = ctx.python();
    const imports = importsOf(tree);
    const minSeconds = ctx.options.minSeconds as number;
    // Only the calls named Thread/Timer (a text search first: most files that mention threads start none per request).
    for (const call of callsNamedInModule(tree, ctx.file.text, THREAD_CALLS)) {
      const cls = imports.resolve(call.childForFieldName('function'));
      if (!cls || !THREAD_CLASSES.has(cls) || !startedAndNotJoined(call)) continue;
      const life = cls === 'threading.Timer' ? timerLife(call, tree, imports, minSeconds) : targetLife(call, tree, imports, minSeconds);
      if (!life) continue;
      const scope = perRequestScope(ctx, call);
      if (!scope || scope.kind !== 'request') continue;
      report(ctx, call, life, scope.label);
    }
  },
});

type Life = { kind: 'sleeps'; seconds: number; at: Node } | { kind: 'loops'; at: Node };

function report(ctx: RuleContext, call: Node, life: Life, where: string): void {
  const line = life.at.startPosition.row + 1;
  ctx.report({
    start: call.startIndex,
    end: call.endIndex,
    messageId: life.kind === 'sleeps' ? 'sleeping-thread' : 'endless-thread',
    data: life.kind === 'sleeps' ? { seconds: life.seconds } : {},
    detail:
      `${where} starts this thread on every call, and the thread ${life.kind === 'sleeps' ? `waits ${life.seconds} s (line ${line})` : `loops forever (line ${line})`} ` +
      'after the response is sent: live threads, their stacks and what they hold grow with traffic, and the work is lost when the ' +
      'worker restarts. ' +
      (life.kind === 'sleeps'
        ? 'Queue a delayed task instead (Celery `apply_async(countdown=...)`, an RQ/Dramatiq delay, a scheduled job).'
        : 'Run one long-lived worker thread or process that takes jobs from a queue.'),
  });
}

/** `Thread(...).start()`, or `t = Thread(...)` then `t.start()` with no `t.join()` in the same function. */
function startedAndNotJoined(call: Node): boolean {
  const parent = call.parent;
  if (parent?.type === 'attribute' && parent.childForFieldName('attribute')?.text === 'start' && parent.parent?.type === 'call') return true;
  const assignment = parent?.type === 'assignment' ? parent : undefined;
  const name = assignment?.childForFieldName('left');
  if (!name || name.type !== 'identifier') return false;
  const scope = ancestor(call, 'function_definition');
  if (!scope) return false;
  const body = scope.text;
  const started = new RegExp(`(?<![\\w.])${name.text}\\.start\\(`).test(body);
  const joined = new RegExp(`(?<![\\w.])${name.text}\\.join\\(`).test(body) || new RegExp(`\\.append\\(\\s*${name.text}\\s*\\)`).test(body);
  return started && !joined;
}

/** `Timer(180, fn)`: the thread waits its interval before running. */
function timerLife(call: Node, _tree: Tree, _imports: ImportMap, minSeconds: number): Life | undefined {
  const interval = keywordArgument(call, 'interval') ?? positionalArguments(call)[0];
  const seconds = intValue(interval);
  return seconds !== undefined && seconds >= minSeconds ? { kind: 'sleeps', seconds, at: interval! } : undefined;
}

/** The `target=` function, defined in this file: a long `time.sleep` or an endless loop in its body. */
function targetLife(call: Node, tree: Tree, imports: ImportMap, minSeconds: number): Life | undefined {
  const target = keywordArgument(call, 'target');
  if (target?.type !== 'identifier') return undefined;
  const definition = definitionOf(call, tree, target.text);
  const body = definition?.childForFieldName('body');
  if (!body) return undefined;
  for (const { node: inner } of captures(tree, '(call function: [(identifier) (attribute)] @f) @call', body)) {
    if (inner.type !== 'call' || ancestor(inner, 'function_definition')?.id !== definition!.id) continue;
    if (imports.resolve(inner.childForFieldName('function')) !== 'time.sleep') continue;
    const seconds = intValue(positionalArguments(inner)[0] ?? keywordArgument(inner, 'secs'));
    if (seconds !== undefined && seconds >= minSeconds) return { kind: 'sleeps', seconds, at: inner };
  }
  for (const { node: loop } of captures(tree, '(while_statement) @loop', body)) {
    if (loop.type !== 'while_statement' || ancestor(loop, 'function_definition')?.id !== definition!.id) continue;
    if (loop.childForFieldName('condition')?.text !== 'True') continue;
    const exits = captures(tree, '[(break_statement) (return_statement) (raise_statement)] @exit', loop).some(
      ({ node }) => ancestor(node, 'function_definition')?.id === definition!.id,
    );
    if (!exits) return { kind: 'loops', at: loop };
  }
  return undefined;
}

/** The function named `name` that the call sees: nested in an enclosing function first, then at module level. */
function definitionOf(call: Node, tree: Tree, name: string): Node | undefined {
  const defs = captures(tree, '(function_definition name: (identifier) @name) @def')
    .map((c) => c.node)
    .filter((n) => n.type === 'function_definition' && n.childForFieldName('name')?.text === name);
  for (let scope = ancestor(call, 'function_definition'); scope; scope = ancestor(scope, 'function_definition')) {
    // Defined in this function (also inside its `if`/`with` blocks) before the call; the last such binding wins.
    const local = defs.filter((d) => ancestor(d, 'function_definition')?.id === scope!.id && d.startIndex < call.startIndex).pop();
    if (local) return local;
  }
  return defs.find((d) => d.parent?.type === 'module');
}
