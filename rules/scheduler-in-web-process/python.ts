/**
 * scheduler-in-web-process: an in-process scheduler (APScheduler, `schedule`) started where every
 * gunicorn/uvicorn worker runs it: at import time of web modules or in app start hooks.
 */
import { Parser, type Node, type Tree } from 'web-tree-sitter';
import { defineRule, type FixSpec, type OffsetEdit, type RuleContext } from '../api';
import { ancestor, captures, intValue, keywordArgument, parents, positionalArguments, stringValue } from '../../analysis/python/ast';
import { addImport, guardStatement } from '../shared/python-edits';
import { importsOf, type ImportMap } from '../../analysis/python/imports';
import { FileVersionSlot, ProjectSlot, projectChanges, TreeSlot } from '../../analysis/cache';
import { CELERY_POOL_HOOK_WORDS, type HookProcess } from '../../analysis/python/worker-hooks';
import {
  appStartHooks,
  definitionsNamed,
  escapeRegExp,
  importedNames,
  importsWebFramework,
  inManagementCommandClass,
  isEntryModule,
  isManagementCommandFile,
  moduleText,
  procfileProcesses,
  runByOwnProcess,
  underMainGuard,
} from '../../analysis/python/web-context';
import { mayRunAtWorkerStart } from '../../analysis/python/prefilters';
import { moduleMatches } from '../../analysis/python/statements';
import { Workspace as DeployWorkspace } from '../../analysis/deploy/deploy-files';
import { modulesLoadedByWebWorkers } from '../../analysis/deploy/python-reach';

const GUARD = 'os.getenv("ENABLE_SCHEDULER") == "true"';
/** Files that conventionally run as their own process (Heroku's `clock`, a `worker`). */
const WORKER_SCRIPT_NAMES = new Set(['scheduler', 'worker', 'clock']);
const START_METHODS = new Set(['start', 'start_in_background']);
const JOB_METHODS = new Set(['add_job', 'scheduled_job', 'task', 'add_schedule']);
const FREQUENT_SECONDS = 60;

export default defineRule({
  meta: {
    id: 'scheduler-in-web-process',
    kinds: ['python'],
    defaultSeverity: 'warning',
    fix: 'unsafe',
    messages: {
      'scheduler-started': 'Starts a scheduler in every web worker, each running every job: run it in one process',
      'pool-scheduler-started': 'Starts a scheduler in every Celery pool process, each running every job: run it in one process',
      'schedule-job': 'Every web worker runs its own copy of this schedule job{{often}}: run it in one process',
      'pool-schedule-job': 'Each Celery pool process runs its own copy of this job{{often}}: run it in one process',
    },
    // `updater.start()` / `start_jobs()` / `init_scheduler()` may be all that points at a scheduler in another module.
    trigger: /[Ss]chedul|\.start(_in_background)?\s*\(|\b(?:start|init|setup|run|launch|boot)_\w+\s*\(/,
    docs: {
      summary: 'An in-process scheduler started in code that every web worker runs, so every worker runs every job.',
      whatItDoes:
        'Finds APScheduler schedulers (`BackgroundScheduler`, `AsyncIOScheduler`, Flask-APScheduler `APScheduler`, APScheduler 4 ' +
        '`AsyncScheduler`) whose `.start()` runs at import time of a web module (module level of `wsgi.py`/`asgi.py`/`app.py`/`main.py` ' +
        'or any module importing Django, Flask, FastAPI or Starlette, or any module the app a deploy\'s web server starts imports: ' +
        '`CMD gunicorn app.main:app` loads `app/main.py` and every project module it imports) or in an app start hook: FastAPI `@app.on_event("startup")` and ' +
        'lifespan functions, Starlette `on_startup`, Django `AppConfig.ready`, the Flask app factory `create_app`, `before_first_request`, ' +
        "gunicorn's `post_fork`; and in Celery `worker_process_init` handlers (`@worker_process_init.connect`), which every pool " +
        'process of a Celery worker runs (`worker_init`, `celeryd_init` and gunicorn\'s `on_starting`/`when_ready` run once, in the main ' +
        "process, and are not reported). It follows calls to functions of the same file and to an imported module's start function " +
        '(`from . import updater; updater.start()`), and reports `schedule.every(...)` jobs registered in the same places. Jobs that run ' +
        'every minute or more often (`\'interval\', seconds=5`, `CronTrigger(minute=\'*\')`) are named in the message. Not reported: starts ' +
        'behind an environment or settings flag (`if os.getenv("ENABLE_SCHEDULER") == "true":`, `if settings.RUN_SCHEDULER:`), under ' +
        '`if __name__ == "__main__":`, in Django management commands, and in worker scripts (`scheduler.py`, `worker.py`, `clock.py`, or any ' +
        'file a non-web Procfile process runs).',
      whyIsThisBad:
        'gunicorn and uvicorn start several worker processes and each one imports the app, so each starts its own scheduler: with 4 ' +
        'workers every job runs 4 times at once, each copy loading its own data and holding its own thread pool. A job that builds a ' +
        'report every minute then costs 4 reports of memory every minute, on top of the requests the workers are serving.',
      example: {
        fileName: 'apps.py',
        code: `from apscheduler.schedulers.background import BackgroundScheduler
from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"

    def ready(self):
        from .jobs import sync_prices

        scheduler = BackgroundScheduler()
        scheduler.add_job(sync_prices, "interval", minutes=15)
        scheduler.start()
`,
      },
      useInstead: {
        fileName: 'apps.py',
        code: `import os

from apscheduler.schedulers.background import BackgroundScheduler
from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"

    def ready(self):
        from .jobs import sync_prices

        scheduler = BackgroundScheduler()
        scheduler.add_job(sync_prices, "interval", minutes=15)
        if os.getenv("ENABLE_SCHEDULER") == "true":
            scheduler.start()
`,
      },
      fixSafety:
        'Unsafe: after the fix the scheduler runs nowhere until one process sets `ENABLE_SCHEDULER=true`: a single extra process ' +
        '(a Procfile `clock:` line running the app with `ENABLE_SCHEDULER=true`, or a management command such as django-apscheduler\'s ' +
        '`runapscheduler`), never the web process with several workers. The fix also puts `scheduler.shutdown()` calls of that scheduler ' +
        'under the same condition (shutting down a scheduler that never started raises), and adds `import os` when needed. ' +
        '`schedule.every(...)` registrations are reported without a fix.',
      notes:
        'Celery beat, RQ scheduler or the platform\'s cron (Render cron jobs, Heroku Scheduler) run each job once by design. ' +
        'A Procfile at the workspace root is read to recognise worker scripts.',
    },
  },
  check(ctx) {
    // A module a deploy's web workers import (through the module graph from its start command) runs in each of them.
    let loaded: boolean | undefined;
    const loadedByWeb = () => (loaded ??= loadedByWebWorkers(ctx));
    if (!mayRunAtWorkerStart(ctx) && !loadedByWeb()) return;
    if (isManagementCommandFile(ctx.file.relPath)) return;
    // A worker script runs in its own process, but a Celery worker's worker_process_init handlers run in each of its pool processes.
    const ownProcess = isWorkerScript(ctx) && !loadedByWeb();
    if (ownProcess && !CELERY_POOL_HOOK_WORDS.some((w) => ctx.file.text.includes(w))) return;
    const tree = ctx.python();
    const imports = importsOf(tree);
    if (!mayStartScheduler(ctx, tree, imports)) return;
    const schedulers = schedulersOf(ctx.file.text, tree, imports);
    const webModule =
      !ownProcess && (importsWebFramework(imports) || isEntryModule(ctx.file.relPath) || ctx.file.roles.has('django-settings') || loadedByWeb());

    const contexts = startContexts(ctx, tree, webModule).filter((c) => !ownProcess || c.process === 'celery-pool-process');
    for (const context of contexts) {
      for (const call of callsIn(tree, context.node)) {
        if (underMainGuard(call) || inManagementCommandClass(call) || isGuarded(call, context.node)) continue;
        const fn = call.childForFieldName('function')!;
        if (imports.is(fn, 'schedule.every')) {
          reportSchedule(ctx, call, context);
          continue;
        }
        const started = startedScheduler(ctx, call, schedulers, imports);
        if (started) reportStart(ctx, tree, call, started, context);
      }
    }
  },
});

interface Context {
  /** A function definition, or the module root for import time. */
  node: Node;
  label: string;
  /** The processes that run it, each its own copy. */
  process: HookProcess;
}

interface SchedulerInfo {
  label: string;
  /** Frequent jobs: "poll_prices every 5 seconds". */
  frequentJobs: string[];
  /** The receiver text (`scheduler`, `self.scheduler`) whose shutdown calls the fix guards, when local. */
  receiver?: string;
}

/** The file is the app module of a deploy's web server (gunicorn, uvicorn...) or a module it imports. */
function loadedByWebWorkers(ctx: RuleContext): boolean {
  return modulesLoadedByWebWorkers(DeployWorkspace.of(ctx))?.has(ctx.file.relPath) ?? false;
}

/** Whether an imported module's text constructs a scheduler: asked of the same modules on every keystroke. */
const CONSTRUCTS_SCHEDULER = new FileVersionSlot<boolean>('scheduler-in-web-process: module constructs a scheduler', 2000);

/**
 * The last answer per project view, with what it was asked about: a views module's imports resolve to the same
 * modules on every keystroke, and while no other file changed (projectChanges) their texts are the same too.
 */
const IMPORTED_SCHEDULER = new ProjectSlot<{ last?: { file: string; changes: number; modules: string; answer: boolean } }>('scheduler-in-web-process: imported scheduler', () => ({}));

/**
 * False when nothing in the file can be a scheduler start this rule reports: no `Scheduler` class named (every
 * class schedulerLabel accepts ends with it), no `schedule` import, and no imported name whose workspace module
 * constructs a scheduler (what importedStart needs). Walking every module-level call of a big views module,
 * decorators included, cost tens of ms per keystroke in files that never mention a scheduler.
 */
function mayStartScheduler(ctx: RuleContext, tree: Tree, imports: ImportMap): boolean {
  // Per top-level statement on keystrokes (a search of a 5,000-line two-byte text costs half a ms).
  if (moduleMatches(tree, ctx.file.text, SCHEDULER_WORD) || imports.importsModule('schedule')) return true;
  const join = (m: string, n: string) => (m.endsWith('.') ? `${m}${n}` : `${m}.${n}`);
  // Each module once: a views module imports dozens of names from each of a few modules.
  const modules = new Set<string>();
  for (const origin of importedNames(tree).values()) {
    modules.add(join(origin.module, origin.name));
    modules.add(origin.module);
  }
  const key = [...modules].join('\n');
  const changes = projectChanges(ctx.project, ctx.file.relPath);
  const slot = IMPORTED_SCHEDULER.get(ctx.project);
  const last = slot.last;
  if (changes !== undefined && last && last.file === ctx.file.relPath && last.changes === changes && last.modules === key) return last.answer;
  let answer = false;
  let readsOwnFile = false;
  for (const module of modules) {
    const source = moduleText(ctx, module);
    if (!source) continue;
    readsOwnFile ||= source.path === ctx.file.relPath;
    if (CONSTRUCTS_SCHEDULER.get(source.path, source.text, () => SCHEDULER_CTOR.test(source.text))) {
      answer = true;
      break;
    }
  }
  // An import of the checked file itself would read its changing text: not remembered.
  slot.last = changes !== undefined && !readsOwnFile ? { file: ctx.file.relPath, changes, modules: key, answer } : undefined;
  return answer;
}

/** A script a separate process runs: never loaded by web workers. */
function isWorkerScript(ctx: RuleContext): boolean {
  const rel = ctx.file.relPath;
  if (runByOwnProcess(ctx.project, rel)) return true;
  const base = rel.slice(rel.lastIndexOf('/') + 1).replace(/\.py$/, '');
  return WORKER_SCRIPT_NAMES.has(base) && procfileProcesses(ctx.project) === undefined;
}

/** Import time of a web module, app start hooks, and same-file functions they call (unguarded). */
function startContexts(ctx: RuleContext, tree: Tree, webModule: boolean): Context[] {
  const contexts: Context[] = [];
  if (webModule) contexts.push({ node: tree.rootNode, label: 'at import time', process: 'web-worker' });
  for (const hook of appStartHooks(ctx, tree)) contexts.push({ node: hook.fn, label: `in ${hook.label}`, process: hook.process });

  // Definitions of a called name, found by text on first need (a query over every function cost more).
  const functions = new Map<string, Node[]>();
  const definitionsOf = (name: string): Node[] => {
    let defs = functions.get(name);
    if (!defs) functions.set(name, (defs = definitionsNamed(tree, ctx.file.text, name)));
    return defs;
  };
  const seen = new Set(contexts.map((c) => c.node.id));
  for (let i = 0; i < contexts.length; i++) {
    for (const call of callsIn(tree, contexts[i].node)) {
      const fn = call.childForFieldName('function')!;
      const name = fn.type === 'identifier' ? fn.text : fn.type === 'attribute' && /^(self|cls)$/.test(fn.childForFieldName('object')!.text) ? fn.childForFieldName('attribute')!.text : undefined;
      if (!name || underMainGuard(call) || isGuarded(call, contexts[i].node)) continue;
      for (const def of definitionsOf(name)) {
        if (seen.has(def.id)) continue;
        seen.add(def.id);
        contexts.push({ node: def, label: contexts[i].label, process: contexts[i].process });
      }
    }
  }
  return contexts;
}

const NESTED_SCOPES = new Set(['function_definition', 'class_definition', 'lambda']);

/**
 * Calls that run directly in the context: not inside nested functions, classes or lambdas, in document order.
 * A cursor walk that never enters those scopes: a query over every call of the module, each climbing to its
 * scope, cost most of a keystroke in a 5,000-line module.
 */
function callsIn(tree: Tree, context: Node): Node[] {
  const calls: Node[] = [];
  const cursor = context.walk();
  const visit = (depth: number): void => {
    const type = cursor.nodeType;
    if (depth > 0 && NESTED_SCOPES.has(type)) return;
    if (type === 'call') calls.push(cursor.currentNode);
    if (cursor.gotoFirstChild()) {
      do visit(depth + 1);
      while (cursor.gotoNextSibling());
      cursor.gotoParent();
    }
  };
  visit(0);
  cursor.delete();
  return calls;
}

/** Flag-like names: ENABLE_SCHEDULER, RUN_SCHEDULER (but not the autoreloader's RUN_MAIN or DEBUG). */
function isGuardCondition(condition: Node): boolean {
  const text = condition.text;
  if (/\bsys\.argv\b/.test(text)) return true;
  const names: string[] = [];
  for (const { node } of captures(condition.tree, '[(string_content) (identifier)] @n', condition)) names.push(node.text);
  const flags = names.filter((n) => /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(n) && !/RUN_MAIN$/.test(n));
  if (flags.length) return true;
  const readsEnv = /\b(os\.environ|getenv|environ)\b/.test(text);
  const envNames = names.filter((n) => /^[A-Za-z_][A-Za-z0-9_.]*$/.test(n) && n === n.toUpperCase() && /[A-Z]/.test(n));
  if (readsEnv && envNames.some((n) => !/RUN_MAIN$/.test(n))) return true;
  return /\b(settings|config)\b/.test(text) && names.some((n) => /sched|cron|jobs?|worker|clock/i.test(n));
}

/** Behind `if <flag>:` up to the context, or after an early `if not <flag>: return` in an enclosing block. */
function isGuarded(call: Node, context: Node): boolean {
  // One list of ancestors: walking up with .parent (and again for each block) cost depth³ on nested loops.
  const chain = parents(call);
  for (let i = 0; i < chain.length && chain[i].id !== context.id; i++) {
    const p = chain[i];
    if ((p.type === 'if_statement' || p.type === 'elif_clause') && p.childForFieldName('condition') && isGuardCondition(p.childForFieldName('condition')!)) {
      return true;
    }
    if (p.type === 'block' || p.type === 'module') {
      // The direct child of the block that contains the call.
      const statement = i === 0 ? call : chain[i - 1];
      if (earlyExitGuards(p).some((start) => start < statement.startIndex)) return true;
    }
  }
  return false;
}

/** Per tree: block id -> start offsets of its early-exit flag guards. */
const EARLY_EXIT_GUARDS = new TreeSlot<Map<number, number[]>>('scheduler-in-web-process: early-exit guards');

/**
 * Start offsets of the block's `if <flag>: return/raise/sys.exit()` statements, once per block and tree: walking
 * back over the previous statements for every call was quadratic in a module of many decorated classes.
 */
function earlyExitGuards(block: Node): number[] {
  const byBlock = EARLY_EXIT_GUARDS.get(block.tree, () => new Map());
  let starts = byBlock.get(block.id);
  if (starts) return starts;
  starts = [];
  for (const s of block.namedChildren) {
    if (s?.type !== 'if_statement') continue;
    const condition = s.childForFieldName('condition');
    const exits = /\b(return|raise|sys\.exit)\b/.test(s.childForFieldName('consequence')?.text ?? '');
    if (condition && exits && isGuardCondition(condition)) starts.push(s.startIndex);
  }
  byBlock.set(block.id, starts);
  return starts;
}

function schedulerLabel(qualified: string | undefined): string | undefined {
  if (!qualified) return undefined;
  if (qualified === 'flask_apscheduler.APScheduler') return 'a Flask-APScheduler scheduler';
  if (!qualified.startsWith('apscheduler.')) return undefined;
  const cls = qualified.slice(qualified.lastIndexOf('.') + 1);
  return /Scheduler$/.test(cls) && cls !== 'BlockingScheduler' ? `an APScheduler ${cls}` : undefined;
}

/** Names (`scheduler`, `self.scheduler`, `app.scheduler`) bound to a scheduler in this file, with their jobs. */
function schedulersOf(text: string, tree: Tree, imports: ImportMap): Map<string, SchedulerInfo> {
  const found = new Map<string, SchedulerInfo>();
  // Every class schedulerLabel accepts ends with "Scheduler": without the word, no call needs resolving.
  if (!text.includes('Scheduler')) return found;
  for (const { node } of captures(tree, '(call function: [(identifier) (attribute)] @f) @call')) {
    if (node.type !== 'call') continue;
    const label = schedulerLabel(imports.resolve(node.childForFieldName('function')));
    if (!label) continue;
    const parent = node.parent;
    let name: string | undefined;
    if (parent?.type === 'assignment' && parent.childForFieldName('right')?.id === node.id) name = parent.childForFieldName('left')?.text;
    if (parent?.type === 'as_pattern') name = parent.childForFieldName('alias')?.text;
    if (name) found.set(name, { label, frequentJobs: [], receiver: name });
  }
  for (const [name, info] of found) info.frequentJobs = frequentJobs(tree, (receiver) => receiver === name);
  return found;
}

/** The scheduler a call starts: `scheduler.start()`, `BackgroundScheduler().start()`, an imported one, or an imported start function. */
function startedScheduler(ctx: RuleContext, call: Node, schedulers: ReadonlyMap<string, SchedulerInfo>, imports: ImportMap): SchedulerInfo | undefined {
  const fn = call.childForFieldName('function')!;
  if (fn.type === 'attribute' && START_METHODS.has(fn.childForFieldName('attribute')!.text)) {
    const receiver = fn.childForFieldName('object')!;
    const local = schedulers.get(receiver.text);
    if (local) return local;
    if (receiver.type === 'call') {
      const label = schedulerLabel(imports.resolve(receiver.childForFieldName('function')));
      if (label) return { label, frequentJobs: [] };
    }
  }
  return importedStart(ctx, call);
}

const SCHEDULER_WORD = /Scheduler/;
const SCHEDULER_CTOR = /\b((?:Background|AsyncIO|Gevent|Tornado|Twisted|Qt|Async)Scheduler|APScheduler)\s*\(/;

/** A call whose target lives in another workspace module that starts an APScheduler scheduler. */
function importedStart(ctx: RuleContext, call: Node): SchedulerInfo | undefined {
  const fn = call.childForFieldName('function')!;
  const imported = importedNames(call.tree);
  let origin: ReturnType<typeof imported.get>;
  let member: string;
  if (fn.type === 'identifier') {
    origin = imported.get(fn.text);
    member = fn.text;
  } else if (fn.type === 'attribute' && fn.childForFieldName('object')!.type === 'identifier') {
    origin = imported.get(fn.childForFieldName('object')!.text);
    member = fn.childForFieldName('attribute')!.text;
  } else {
    return undefined;
  }
  if (!origin) return undefined;
  const join = (m: string, n: string) => (m.endsWith('.') ? `${m}${n}` : `${m}.${n}`);
  // `updater.start()` with `from . import updater`: the module is `.updater`, the function `start`.
  // `scheduler.start()` with `from .jobs import scheduler`: the module is `.jobs`, the object `scheduler`.
  const asModule = fn.type === 'attribute' ? moduleText(ctx, join(origin.module, origin.name)) : undefined;
  const source = asModule ?? moduleText(ctx, origin.module);
  if (!source || !SCHEDULER_CTOR.test(source.text)) return undefined;
  const label = `the scheduler in ${source.path}`;
  if (asModule) {
    // A start function of that module: `def start(...)` that calls `.start()`.
    if (!new RegExp(`^\\s*(async\\s+)?def\\s+${escapeRegExp(member)}\\s*\\(`, 'm').test(source.text) && !START_METHODS.has(member)) return undefined;
    if (!/\.start(_in_background)?\s*\(/.test(source.text)) return undefined;
    return { label, frequentJobs: frequentJobsInText(call.tree, source.text) };
  }
  if (fn.type === 'attribute') {
    // `scheduler.start()` on an imported scheduler object.
    if (!START_METHODS.has(member) || !new RegExp(`^${escapeRegExp(origin.name)}\\s*=\\s*[\\w.]*${SCHEDULER_CTOR.source}`, 'm').test(source.text)) return undefined;
    return { label, frequentJobs: frequentJobsInText(call.tree, source.text) };
  }
  // `start_scheduler()` imported from a module that creates and starts one.
  if (!new RegExp(`^\\s*(async\\s+)?def\\s+${escapeRegExp(origin.name)}\\s*\\(`, 'm').test(source.text) || !/\.start(_in_background)?\s*\(/.test(source.text)) return undefined;
  return { label, frequentJobs: frequentJobsInText(call.tree, source.text) };
}

/** Parses another module with this file's language to read its job frequencies. */
function frequentJobsInText(tree: Tree, text: string): string[] {
  const parser = new Parser();
  try {
    parser.setLanguage(tree.language);
    const other = parser.parse(text);
    if (!other) return [];
    try {
      return frequentJobs(other, () => true);
    } finally {
      other.delete();
    }
  } catch {
    return [];
  } finally {
    parser.delete();
  }
}

/** Jobs added to matching schedulers that run every minute or more often, as "name every N seconds". */
function frequentJobs(tree: Tree, isScheduler: (receiver: string) => boolean): string[] {
  const out: string[] = [];
  for (const { node: call } of captures(tree, '(call function: (attribute object: (_) attribute: (identifier))) @call')) {
    const fn = call.childForFieldName('function')!;
    const method = fn.childForFieldName('attribute')!.text;
    if (!JOB_METHODS.has(method) || !isScheduler(fn.childForFieldName('object')!.text)) continue;
    const decorated = call.parent?.type === 'decorator' ? call.parent.parent?.childForFieldName('definition') : undefined;
    const args = positionalArguments(call);
    const triggerIndex = decorated ? 0 : 1;
    const job = decorated?.childForFieldName('name')?.text ?? (keywordArgument(call, 'func') ?? args[0])?.text ?? 'a job';
    const seconds = periodSeconds(call, keywordArgument(call, 'trigger') ?? args[triggerIndex]);
    if (seconds !== undefined && seconds <= FREQUENT_SECONDS) out.push(`${job} ${every(seconds)}`);
  }
  return out;
}

function every(seconds: number): string {
  if (seconds === 60) return 'every minute';
  if (seconds === 1) return 'every second';
  return `every ${seconds} seconds`;
}

const INTERVAL_UNITS: Record<string, number> = { weeks: 604800, days: 86400, hours: 3600, minutes: 60, seconds: 1 };

/** The period of an APScheduler trigger in seconds when it is simple enough to read, else undefined. */
function periodSeconds(jobCall: Node, trigger: Node | undefined): number | undefined {
  if (!trigger) return undefined;
  const kind = stringValue(trigger);
  if (kind === 'interval') return intervalSeconds(jobCall);
  if (kind === 'cron') return cronSeconds(jobCall);
  if (trigger.type !== 'call') return undefined;
  const ctor = trigger.childForFieldName('function')!.text;
  if (/IntervalTrigger$/.test(ctor)) return intervalSeconds(trigger);
  if (/CronTrigger$/.test(ctor)) return cronSeconds(trigger);
  if (/CronTrigger\.from_crontab$/.test(ctor)) {
    const minute = stringValue(positionalArguments(trigger)[0])?.trim().split(/\s+/)[0];
    return minute !== undefined && isEveryField(minute) ? 60 : undefined;
  }
  return undefined;
}

function intervalSeconds(call: Node): number | undefined {
  let total = 0;
  let any = false;
  for (const [unit, factor] of Object.entries(INTERVAL_UNITS)) {
    const v = intValue(keywordArgument(call, unit));
    if (v !== undefined) {
      total += v * factor;
      any = true;
    }
  }
  return any && total > 0 ? total : undefined;
}

// Step of a cron field: '*' -> 1, '*' followed by '/N' -> N (every N units), else undefined.
function stepOf(field: string): number | undefined {
  const f = field.trim();
  if (f === '*') return 1;
  const m = /^\*\/(\d+)$/.exec(f);
  return m ? Number(m[1]) : undefined;
}

function isEveryField(field: string): boolean {
  return stepOf(field) === 1;
}

function cronSeconds(call: Node): number | undefined {
  const second = keywordArgument(call, 'second');
  const secondText = second ? stringValue(second) ?? String(intValue(second) ?? '') : undefined;
  if (secondText !== undefined) {
    const step = stepOf(secondText);
    if (step !== undefined) return step;
    if (secondText.includes(',')) return Math.max(1, Math.floor(60 / secondText.split(',').length));
  }
  const minute = keywordArgument(call, 'minute');
  const minuteText = minute ? stringValue(minute) : undefined;
  if (minuteText !== undefined && isEveryField(minuteText)) return 60;
  return undefined;
}

const COPIES: Record<HookProcess, string> = {
  'web-worker': 'each gunicorn/uvicorn worker',
  'celery-pool-process': 'each pool process of the Celery worker (--concurrency, the CPU count by default)',
};

function reportStart(ctx: RuleContext, tree: Tree, call: Node, scheduler: SchedulerInfo, context: Context): void {
  const jobs = scheduler.frequentJobs.length ? ` (${scheduler.frequentJobs.slice(0, 2).join(', ')})` : '';
  ctx.report({
    start: call.startIndex,
    end: call.endIndex,
    messageId: context.process === 'celery-pool-process' ? 'pool-scheduler-started' : 'scheduler-started',
    detail:
      `Starts ${scheduler.label} ${context.label}, so ${COPIES[context.process]} runs its own copy of every job${jobs} with its own threads and data. ` +
      `Start it only where ENABLE_SCHEDULER=true, in one separate process (a Procfile clock: line, celery beat or a management command).`,
    fixes: guardFix(ctx, tree, call, scheduler.receiver),
  });
}

function reportSchedule(ctx: RuleContext, everyCall: Node, context: Context): void {
  const where = context.label;
  // Report the whole chain: schedule.every(5).seconds.do(job)
  let top = everyCall;
  for (let p = top.parent; p; p = top.parent) {
    const continues = (p.type === 'attribute' && p.childForFieldName('object')?.id === top.id) || (p.type === 'call' && p.childForFieldName('function')?.id === top.id);
    if (!continues) break;
    top = p;
  }
  const seconds = scheduleSeconds(everyCall);
  const often = seconds !== undefined && seconds <= FREQUENT_SECONDS ? ` ${every(seconds)}` : '';
  ctx.report({
    start: top.startIndex,
    end: top.endIndex,
    messageId: context.process === 'celery-pool-process' ? 'pool-schedule-job' : 'schedule-job',
    data: { often },
    detail:
      `Registers a schedule job ${where}, so ${COPIES[context.process]} that runs schedule.run_pending() runs its own copy${often}. ` +
      `Run the schedule loop in one separate process (a Procfile clock: line) instead of the ${context.process === 'web-worker' ? 'web workers' : 'pool processes'}.`,
  });
}

/** `schedule.every(5).seconds` -> 5, `.every().minute` -> 60. */
function scheduleSeconds(everyCall: Node): number | undefined {
  const unitNode = everyCall.parent?.type === 'attribute' ? everyCall.parent.childForFieldName('attribute') : undefined;
  const n = intValue(positionalArguments(everyCall)[0]) ?? 1;
  switch (unitNode?.text) {
    case 'second':
    case 'seconds':
      return n;
    case 'minute':
    case 'minutes':
      return n * 60;
    default:
      return undefined;
  }
}

/** Guards the start statement (and the scheduler's shutdown calls) with the ENABLE_SCHEDULER check. */
function guardFix(ctx: RuleContext, tree: Tree, call: Node, receiver: string | undefined): FixSpec[] {
  const text = ctx.file.text;
  const statement = call.parent?.type === 'await' ? call.parent.parent : call.parent;
  if (statement?.type !== 'expression_statement' || statement.namedChildCount !== 1) return [];
  const edits = guardStatement(text, statement, GUARD);
  if (!edits) return [];
  if (receiver) {
    const shutdown = new RegExp(`(^|[^\\w.])${escapeRegExp(receiver)}\\.shutdown\\s*\\(`);
    for (const { node } of captures(tree, '(expression_statement) @s')) {
      if (node.id === statement.id || !shutdown.test(node.text) || isGuarded(node, tree.rootNode)) continue;
      const more = guardStatement(text, node, GUARD);
      if (!more) return [];
      edits.push(...more);
    }
  }
  const importOs = addImport(tree, text, 'os');
  const all: OffsetEdit[] = importOs ? [...edits, importOs] : edits;
  return [{ title: 'Start the scheduler only when ENABLE_SCHEDULER=true', edits: all }];
}
