/**
 * cpu-derived-workers in Python: `workers = multiprocessing.cpu_count() * 2 + 1` in a gunicorn config (every
 * spelling: os/mp/psutil.cpu_count, `from multiprocessing import cpu_count`, len(os.sched_getaffinity(0)),
 * through variables and helper functions, in this module or the project module they are imported from),
 * `uvicorn.run(..., workers=...)`, gunicorn's programmatic
 * `{"workers": ...}` options, and celery's `worker_concurrency`; also literal counts above `maxWorkers`.
 */
import { Parser, type Node, type Tree } from 'web-tree-sitter';
import { defineRule, type FixSpec, type OffsetEdit, type ReportSpec, type RuleContext } from '../api';
import { ancestor, captures, keywordArgument, positionalArguments, stringValue } from '../../analysis/python/ast';
import { importsOf, type ImportMap } from '../../analysis/python/imports';
import { maySetWorkerCount } from '../../analysis/python/prefilters';
import { copiesCost, cpuEstimate, HOST_CPUS, estimatePhrase, type Derived, perWorkerCost, type Runtime, totalCost } from './common';
import { clip, sentence } from '../shared/format';
import { configAssignments, isGunicornConfigFile } from '../../analysis/deploy/gunicorn-config';
import { noDeployLoadsConfig } from '../../analysis/deploy/unloaded-config';
import { cpuDerivedWorkersDocs, cpuDerivedWorkersMeta } from './meta';
import { attributeBinding, importedBinding, type ModuleBinding } from '../../analysis/python/imported-values';
import { pythonModules } from '../../analysis/python/module-graph';

const CPU_FUNCTIONS = new Set([
  'multiprocessing.cpu_count', 'os.cpu_count', 'psutil.cpu_count', 'os.process_cpu_count', 'multiprocessing.process_cpu_count',
]);
const ENV_LOOKUPS = new Set(['os.getenv', 'os.environ.get', 'os.environ.setdefault']);
const PASS_THROUGH = new Set(['int', 'float', 'round', 'abs', 'math.floor', 'math.ceil', 'math.trunc']);
const CELERY_SETTINGS = new Set(['worker_concurrency', 'CELERY_WORKER_CONCURRENCY', 'CELERYD_CONCURRENCY']);

export default defineRule({
  meta: {
    ...cpuDerivedWorkersMeta,
    kinds: ['python'],
    trigger: /workers|concurrency|CONCURRENCY/,
    docs: cpuDerivedWorkersDocs.python,
  },
  check(ctx) {
    if (!maySetWorkerCount(ctx)) return; // before parsing: `workers` alone is common outside server configs
    const tree = ctx.python();
    const imports = importsOf(tree);
    const text = ctx.file.text;
    /** Worker-count expressions, with the variable the fix reads and what the workers are. */
    const counts: { value: Node; envVar: string; what: string }[] = [];
    // A gunicorn config no deploy loads sets no worker count anywhere (analysis/deploy/unloaded-config.ts).
    const gunicornConfig = isGunicornConfigFile(ctx.file) && !noDeployLoadsConfig(ctx);
    for (const a of configAssignments(tree)) {
      if (gunicornConfig && a.name === 'workers') counts.push({ value: a.value, envVar: 'WEB_CONCURRENCY', what: 'gunicorn workers' });
      else if (CELERY_SETTINGS.has(a.name)) counts.push({ value: a.value, envVar: 'CELERY_CONCURRENCY', what: 'celery worker processes' });
    }
    if (/uvicorn/.test(text)) {
      // uvicorn.run("main:app", workers=...)
      for (const { node } of captures(tree, '(call function: [(identifier) (attribute)] @f) @call')) {
        if (node.type !== 'call' || !imports.is(node.childForFieldName('function'), 'uvicorn.run')) continue;
        const workers = keywordArgument(node, 'workers');
        if (workers) counts.push({ value: workers, envVar: 'WEB_CONCURRENCY', what: 'uvicorn workers' });
      }
    }
    if (imports.importsModule('gunicorn')) {
      // StandaloneApplication(app, {"workers": number_of_workers()}) / options = {"workers": ...}
      for (const { node } of captures(tree, '(pair key: (string) @k value: (_) @v)')) {
        if (node.type !== 'string' || stringValue(node) !== 'workers') continue;
        counts.push({ value: node.parent!.childForFieldName('value')!, envVar: 'WEB_CONCURRENCY', what: 'gunicorn workers' });
      }
    }
    if (/worker_concurrency/.test(text)) {
      // app.conf.worker_concurrency = ...
      for (const { node } of captures(tree, '(assignment left: (attribute attribute: (identifier) @name) right: (_) @value)')) {
        if (node.type !== 'identifier' || node.text !== 'worker_concurrency') continue;
        const value = node.parent!.parent!.childForFieldName('right');
        if (value) counts.push({ value, envVar: 'CELERY_CONCURRENCY', what: 'celery worker processes' });
      }
      // app.conf.update(worker_concurrency=...)
      for (const { node } of captures(tree, '(keyword_argument name: (identifier) @name value: (_) @value)')) {
        if (node.type !== 'identifier' || node.text !== 'worker_concurrency') continue;
        const call = ancestor(node, 'call');
        if (!call || !/\bconf\.update$/.test(call.childForFieldName('function')?.text ?? '')) continue;
        counts.push({ value: node.parent!.childForFieldName('value')!, envVar: 'CELERY_CONCURRENCY', what: 'celery worker processes' });
      }
    }
    if (counts.length === 0) return;
    const values = new ProjectValues(ctx);
    try {
      const evaluator = new Evaluator(tree, imports, { file: ctx.file.relPath, text, values });
      for (const c of counts) checkCount(ctx, evaluator, c.value, c.envVar, c.what);
    } finally {
      values.dispose();
    }
  },
});

function checkCount(ctx: RuleContext, evaluator: Evaluator, value: Node, envVar: string, what: string): void {
  const max = ctx.options.maxWorkers as number;
  const suggested = ctx.options.suggestedWorkers as number;
  const derived = evaluator.derive(value);
  // Celery's pool processes are forked from its main process: priced as the budget prices them.
  const runtime: Runtime = envVar === 'CELERY_CONCURRENCY' ? 'celery' : 'python';
  const bounded = derived.cap !== undefined && derived.cap <= max;
  if (derived.cpu && bounded) return;
  if (!derived.cpu && (derived.cap === undefined || derived.cap <= max)) return;

  // `int(os.getenv("WEB_CONCURRENCY", cpu_count() * 2 + 1))`: only the default is the problem.
  const envDefault = evaluator.envDefaultOf(value);
  const target = envDefault ?? value;
  const replacement = envDefault ? (envDefault.type === 'string' || insideIntCall(envDefault) ? `"${suggested}"` : String(suggested)) : `int(os.getenv("${envVar}", "${suggested}"))`;
  const edits: OffsetEdit[] = [{ start: target.startIndex, end: target.endIndex, newText: replacement }];
  if (!envDefault) {
    const importOs = importOsEdit(ctx.python(), evaluator.imports);
    if (importOs) edits.push(importOs);
  }
  const fixes: FixSpec[] = [{ title: envDefault ? `Default to ${suggested}` : `Read ${envVar}, default ${suggested}`, edits }];
  const useInstead = envDefault ? `default to "${suggested}"` : `use ${replacement}`;
  const source = shorten(target.text) + (derived.from ? ` (computed in ${derived.from})` : '');
  const shortUse = envDefault ? `default to ${suggested}` : `read ${envVar}`;
  const headline: Pick<ReportSpec, 'messageId' | 'data'> = derived.cpu
    ? { messageId: 'cpu-count', data: { what: clip(what, 28), estimate: cpuEstimate(derived.value, runtime), advice: shortUse } }
    : envDefault
      ? { messageId: 'default-count', data: { n: derived.cap!, what: clip(what, 28), cost: copiesCost(derived.cap!, runtime), suggested } }
      : { messageId: 'count', data: { n: derived.cap!, what: clip(what, 28), cost: copiesCost(derived.cap!, runtime), advice: shortUse } };
  const detail = derived.cpu
    ? `${source}: in a container that is the host's CPU count, not the plan's share${estimatePhrase(derived.value)}, and each is a full copy of the app (${perWorkerCost(runtime)}). ${sentence(useInstead)}`
    : `Each is a full copy of the app (${perWorkerCost(runtime)}, ${totalCost(derived.cap!, runtime)}). ${sentence(`${useInstead} and raise it only as far as the plan's memory allows`)}`;
  ctx.report({ start: target.startIndex, end: target.endIndex, ...headline, detail, fixes });
}

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine;
}

function insideIntCall(node: Node): boolean {
  const call = ancestor(node, 'call');
  const outer = call && ancestor(call, 'call');
  return outer?.childForFieldName('function')?.text === 'int';
}

/**
 * `import os` placed as isort would within the first block of imports (plain imports sorted, before the
 * `from` imports), unless `os` is already bound to the module.
 */
export function importOsEdit(tree: Tree, imports: ImportMap): OffsetEdit | undefined {
  if (imports.names.get('os') === 'os') return undefined;
  const text = tree.rootNode.text;
  const top = tree.rootNode.namedChildren.filter((n): n is Node => n !== null);
  const lineStart = (n: Node) => n.startIndex - n.startPosition.column;
  const nextLine = (n: Node) => {
    const nl = text.indexOf('\n', n.endIndex);
    return nl === -1 ? text.length : nl + 1;
  };
  const before = (n: Node): OffsetEdit => ({ start: lineStart(n), end: lineStart(n), newText: 'import os\n' });
  const isImport = (n: Node) => n.type === 'import_statement' || n.type === 'import_from_statement';
  const first = top.findIndex(isImport);
  if (first !== -1) {
    // The first block: consecutive import lines with no blank line between them.
    const block = [top[first]];
    for (let i = first + 1; i < top.length && isImport(top[i]) && top[i].startPosition.row === block[block.length - 1].endPosition.row + 1; i++) block.push(top[i]);
    const later = block.find((n) => n.type === 'import_statement' && (n.childForFieldName('name')?.text ?? '') > 'os');
    const firstFrom = block.find((n) => n.type === 'import_from_statement');
    if (later ?? firstFrom) return before((later ?? firstFrom)!);
    const at = nextLine(block[block.length - 1]);
    return { start: at, end: at, newText: `${at === text.length && !text.endsWith('\n') ? '\n' : ''}import os\n` };
  }
  // No imports: after a module docstring and `from __future__` imports, else at the top.
  let at = 0;
  for (const n of top) {
    const isDocstring = n === top[0] && n.type === 'expression_statement' && n.namedChildren[0]?.type === 'string';
    if (isDocstring || n.type === 'future_import_statement') at = nextLine(n);
    else if (n.type !== 'comment') break;
  }
  return { start: at, end: at, newText: at > 0 ? '\nimport os\n' : 'import os\n\n' };
}

/** Where an Evaluator's module is, for names it imports from other project modules. */
interface ModuleSite {
  file: string;
  text: string;
  values: ProjectValues;
}

/**
 * Evaluates worker-count expressions, following module-level variables and helper functions, in this module
 * and in the project modules it imports them from (`from app.settings import WORKERS`, `settings.WORKERS`).
 */
class Evaluator {
  private readonly assignments = new Map<string, { value: Node; scope: Node | undefined }[]>();
  private readonly functions = new Map<string, Node>();
  private readonly visiting = new Set<number>();

  constructor(
    private readonly tree: Tree,
    readonly imports: ImportMap,
    private readonly site?: ModuleSite,
  ) {
    for (const { node } of captures(tree, '(assignment left: (identifier) @name right: (_) @value)')) {
      if (node.type !== 'identifier' || node.parent?.childForFieldName('left')?.id !== node.id) continue;
      const value = node.parent.childForFieldName('right')!;
      const list = this.assignments.get(node.text) ?? [];
      list.push({ value, scope: ancestor(node, 'function_definition') });
      this.assignments.set(node.text, list);
    }
    for (const { node } of captures(tree, '(module (function_definition name: (identifier) @name) @fn)')) {
      if (node.type === 'function_definition') this.functions.set(node.childForFieldName('name')!.text, node);
    }
  }

  derive(node: Node | null | undefined, depth = 0): Derived {
    if (!node || depth > 12 || this.visiting.has(node.id)) return { cpu: false };
    this.visiting.add(node.id);
    try {
      return this.deriveNode(node, depth + 1);
    } finally {
      this.visiting.delete(node.id);
    }
  }

  private deriveNode(node: Node, depth: number): Derived {
    switch (node.type) {
      case 'integer':
      case 'float': {
        const v = Number(node.text.replace(/_/g, ''));
        return Number.isFinite(v) ? { cpu: false, value: v, cap: v } : { cpu: false };
      }
      case 'string': {
        const s = stringValue(node);
        const v = s !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(s) ? Number(s) : undefined;
        return v === undefined ? { cpu: false } : { cpu: false, value: v, cap: v };
      }
      case 'parenthesized_expression':
        return this.derive(node.namedChildren[0], depth);
      case 'identifier': {
        const bound = (this.assignments.get(node.text) ?? []).filter((a) => a.scope === undefined || a.scope.id === ancestor(node, 'function_definition')?.id);
        if (bound.length === 0 && this.site) return this.site.values.derive(this.site.values.imported(this.site, node.text), depth);
        return this.combine(bound.map((a) => this.derive(a.value, depth)));
      }
      case 'attribute': {
        // `settings.WORKERS` of an imported project module
        const object = node.childForFieldName('object');
        const name = node.childForFieldName('attribute')?.text;
        if (object?.type !== 'identifier' || !name || !this.site || this.assignments.has(object.text)) return { cpu: false };
        return this.site.values.derive(this.site.values.attribute(this.site, object.text, name), depth);
      }
      case 'conditional_expression':
        return this.combine([this.derive(node.namedChildren[0], depth), this.derive(node.namedChildren[2], depth)]);
      case 'boolean_operator': {
        const parts = [this.derive(node.childForFieldName('left'), depth), this.derive(node.childForFieldName('right'), depth)];
        return this.combine(parts);
      }
      case 'binary_operator':
        return this.arithmetic(node, depth);
      case 'call':
        return this.call(node, depth);
      default:
        return { cpu: false };
    }
  }

  private call(node: Node, depth: number): Derived {
    const fn = node.childForFieldName('function');
    const qualified = this.imports.resolve(fn);
    const args = positionalArguments(node);
    if (qualified && CPU_FUNCTIONS.has(qualified)) return { cpu: true, value: HOST_CPUS };
    if (fn?.text === 'len' && args[0]?.type === 'call' && this.imports.is(args[0].childForFieldName('function'), 'os.sched_getaffinity')) {
      return { cpu: true, value: HOST_CPUS };
    }
    if (fn?.text === 'min' || fn?.text === 'max') {
      const parts = args.map((a) => this.derive(a, depth));
      const values = parts.map((p) => p.value);
      const caps = parts.map((p) => p.cap).filter((c): c is number => c !== undefined);
      const known = values.every((v) => v !== undefined) ? (values as number[]) : undefined;
      const from = parts.find((p) => p.from)?.from;
      if (fn.text === 'min') {
        return { cpu: parts.some((p) => p.cpu), value: known && Math.min(...known), cap: caps.length ? Math.min(...caps) : undefined, from };
      }
      return { cpu: parts.some((p) => p.cpu), value: known && Math.max(...known), cap: caps.length === parts.length && caps.length ? Math.max(...caps) : undefined, from };
    }
    if (PASS_THROUGH.has(fn?.text ?? '') || (qualified && PASS_THROUGH.has(qualified))) {
      const inner = this.derive(args[0], depth);
      const round = (v?: number) => (v === undefined ? undefined : fn?.text === 'int' || /floor|trunc/.test(qualified ?? '') ? Math.trunc(v) : v);
      return { cpu: inner.cpu, value: round(inner.value), cap: round(inner.cap), from: inner.from };
    }
    if (qualified && ENV_LOOKUPS.has(qualified)) {
      const fallback = args[1] ?? keywordArgument(node, 'default');
      return fallback ? this.derive(fallback, depth) : { cpu: false };
    }
    if (fn?.type === 'identifier' && !this.imports.names.has(fn.text)) {
      const def = this.functions.get(fn.text);
      if (def) return this.returnsOf(def, depth);
    }
    // A helper function of another project module (`from app.utils import default_workers`, `utils.workers()`).
    if (this.site && fn?.type === 'identifier' && !this.functions.has(fn.text)) return this.site.values.call(this.site.values.imported(this.site, fn.text), depth);
    const object = fn?.type === 'attribute' ? fn.childForFieldName('object') : undefined;
    if (this.site && object?.type === 'identifier' && !this.assignments.has(object.text)) {
      return this.site.values.call(this.site.values.attribute(this.site, object.text, fn!.childForFieldName('attribute')?.text ?? ''), depth);
    }
    return { cpu: false };
  }

  private returnsOf(def: Node, depth: number): Derived {
    const returns = captures(this.tree, '(return_statement (_) @value)', def)
      .filter(({ node: r }) => ancestor(r, 'function_definition')?.id === def.id)
      .map(({ node: r }) => this.derive(r, depth));
    return this.combine(returns);
  }

  /** The value of a module-level name of this module (its assignments outside functions). */
  moduleName(name: string, depth: number): Derived {
    return this.combine((this.assignments.get(name) ?? []).filter((a) => a.scope === undefined).map((a) => this.derive(a.value, depth)));
  }

  /** What calling this module's top-level function `name` returns. */
  callFunction(name: string, depth: number): Derived {
    const def = this.functions.get(name);
    return def ? this.returnsOf(def, depth) : { cpu: false };
  }

  private arithmetic(node: Node, depth: number): Derived {
    const l = this.derive(node.childForFieldName('left'), depth);
    const r = this.derive(node.childForFieldName('right'), depth);
    const op = node.childForFieldName('operator')?.text;
    const apply = (a?: number, b?: number): number | undefined => {
      if (a === undefined || b === undefined) return undefined;
      switch (op) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/': return b === 0 ? undefined : a / b;
        case '//': return b === 0 ? undefined : Math.floor(a / b);
        default: return undefined;
      }
    };
    return { cpu: l.cpu || r.cpu, value: apply(l.value, r.value), cap: l.cpu || r.cpu ? undefined : apply(l.cap, r.cap), from: l.from ?? r.from };
  }

  /** Several possible values (branches, reassignments): CPU-derived if any is; bounded only if all are. */
  private combine(parts: Derived[]): Derived {
    if (!parts.length) return { cpu: false };
    const values = parts.map((p) => p.value).filter((v): v is number => v !== undefined);
    const caps = parts.map((p) => p.cap);
    return {
      cpu: parts.some((p) => p.cpu),
      value: values.length ? Math.max(...values) : undefined,
      cap: caps.every((c) => c !== undefined) ? Math.max(...(caps as number[])) : undefined,
      from: parts.find((p) => p.from)?.from,
    };
  }

  /** For `int(os.getenv("X", <default>))` written as the value itself: the default argument. */
  envDefaultOf(value: Node): Node | undefined {
    let node: Node | null = value;
    while (node?.type === 'parenthesized_expression') node = node.namedChildren[0];
    if (node?.type === 'call' && PASS_THROUGH.has(node.childForFieldName('function')?.text ?? '')) node = positionalArguments(node)[0] ?? null;
    if (node?.type !== 'call' || !this.imports.is(node.childForFieldName('function'), ...ENV_LOOKUPS)) return undefined;
    return positionalArguments(node)[1] ?? keywordArgument(node, 'default');
  }
}

/**
 * The project modules a worker count is read from, parsed on demand (a config rarely imports its count, so
 * this costs nothing for most files); the trees are deleted when the check ends.
 */
class ProjectValues {
  private readonly evaluators = new Map<string, Evaluator | undefined>();
  private readonly trees: Tree[] = [];
  private parser: Parser | undefined;
  private depth = 0;

  constructor(private readonly ctx: RuleContext) {}

  private index() {
    const dir = this.ctx.file.relPath.includes('/') ? this.ctx.file.relPath.slice(0, this.ctx.file.relPath.lastIndexOf('/')) : '';
    return pythonModules(this.ctx.project).index([...new Set(['', dir])]);
  }

  private read = (file: string) => (file === this.ctx.file.relPath ? this.ctx.file.text : this.ctx.project.readFile(file));

  imported(site: ModuleSite, name: string): ModuleBinding | undefined {
    return site.text.includes('import') ? importedBinding(this.index(), site.file, site.text, name, this.read) : undefined;
  }

  attribute(site: ModuleSite, alias: string, name: string): ModuleBinding | undefined {
    return name && site.text.includes('import') ? attributeBinding(this.index(), site.file, site.text, alias, name, this.read) : undefined;
  }

  derive(binding: ModuleBinding | undefined, depth: number): Derived {
    return this.within(binding, (e) => e.moduleName(binding!.name, depth));
  }

  call(binding: ModuleBinding | undefined, depth: number): Derived {
    return this.within(binding, (e) => e.callFunction(binding!.name, depth));
  }

  private within(binding: ModuleBinding | undefined, evaluate: (e: Evaluator) => Derived): Derived {
    const evaluator = binding && this.depth < 4 ? this.evaluatorFor(binding) : undefined;
    if (!evaluator) return { cpu: false };
    this.depth++;
    try {
      const derived = evaluate(evaluator);
      return derived.cpu || derived.cap !== undefined ? { ...derived, from: derived.from ?? binding!.file } : derived;
    } finally {
      this.depth--;
    }
  }

  private evaluatorFor(binding: ModuleBinding): Evaluator | undefined {
    if (this.evaluators.has(binding.file)) return this.evaluators.get(binding.file);
    let evaluator: Evaluator | undefined;
    const language = this.ctx.pythonLanguage?.();
    if (language) {
      try {
        this.parser ??= new Parser();
        this.parser.setLanguage(language);
        const tree = this.parser.parse(binding.text);
        if (tree) {
          this.trees.push(tree);
          evaluator = new Evaluator(tree, importsOf(tree), { file: binding.file, text: binding.text, values: this });
        }
      } catch {
        evaluator = undefined; // an unparsable module gives no value
      }
    }
    this.evaluators.set(binding.file, evaluator);
    return evaluator;
  }

  dispose(): void {
    for (const tree of this.trees) tree.delete();
    this.parser?.delete();
  }
}
