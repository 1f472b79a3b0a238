/**
 * cpu-derived-workers in JavaScript/TypeScript: `cluster.fork()` once per `os.cpus()` /
 * `os.availableParallelism()` (loop bounds, `for...of os.cpus()`, `os.cpus().forEach`, through a variable),
 * and pm2 ecosystem files with `instances: "max"` / `0` / `-1` or a large number.
 */
import { ts } from 'ts-morph';
import { defineRule, type FixSpec, type ReportSpec, type RuleContext } from '../api';
import { CPU_COUNT_WHY, copiesCost, cpuEstimate, HOST_CPUS, estimatePhrase, type Derived, perWorkerCost, pm2PerCpuPhrase, totalCost } from './common';
import { sentence } from '../shared/format';
import { cpuDerivedWorkersDocs, cpuDerivedWorkersMeta } from './meta';

export default defineRule({
  meta: {
    ...cpuDerivedWorkersMeta,
    kinds: ['javascript', 'typescript'],
    trigger: /cluster|instances/,
    docs: cpuDerivedWorkersDocs.node,
  },
  check(ctx) {
    const pm2 = ctx.file.roles.has('pm2');
    const forks = /\bfork\s*\(/.test(ctx.file.text) && /cluster/.test(ctx.file.text);
    if (!pm2 && !forks) return;
    const checker = new ClusterCheck(ctx, ctx.typescript());
    if (pm2) checker.pm2Instances();
    if (forks) checker.forkLoops();
  },
});

class ClusterCheck {
  private readonly max: number;
  private readonly suggested: number;
  private readonly clusterNames = new Set<string>();
  private readonly osNames = new Set<string>();
  /** Names imported as the functions themselves: `import { cpus } from "os"`. */
  private readonly cpuFunctions = new Map<string, 'cpus' | 'availableParallelism'>();
  private readonly declarations = new Map<string, ts.VariableDeclaration>();

  constructor(
    private readonly ctx: RuleContext,
    private readonly sf: ts.SourceFile,
  ) {
    this.max = ctx.options.maxWorkers as number;
    this.suggested = ctx.options.suggestedWorkers as number;
    this.collectBindings();
  }

  private get replacement(): string {
    return `Number(process.env.WEB_CONCURRENCY) || ${this.suggested}`;
  }

  /** Names bound to the `cluster` and `os` modules (import/require), and variables by name. */
  private collectBindings(): void {
    const moduleOf = (spec: string) => spec.replace(/^node:/, '');
    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
        const mod = moduleOf(node.moduleSpecifier.text);
        const clause = node.importClause;
        if (clause?.name) this.bind(mod, clause.name.text);
        const bindings = clause?.namedBindings;
        if (bindings && ts.isNamespaceImport(bindings)) this.bind(mod, bindings.name.text);
        if (bindings && ts.isNamedImports(bindings) && mod === 'os') {
          for (const el of bindings.elements) {
            const imported = (el.propertyName ?? el.name).text;
            if (imported === 'cpus' || imported === 'availableParallelism') this.cpuFunctions.set(el.name.text, imported);
          }
        }
      } else if (ts.isVariableDeclaration(node)) {
        if (ts.isIdentifier(node.name)) {
          if (!this.declarations.has(node.name.text)) this.declarations.set(node.name.text, node);
          const mod = node.initializer && requiredModule(node.initializer);
          if (mod) this.bind(moduleOf(mod), node.name.text);
        } else if (ts.isObjectBindingPattern(node.name) && node.initializer && moduleOf(requiredModule(node.initializer) ?? '') === 'os') {
          for (const el of node.name.elements) {
            const imported = el.propertyName && ts.isIdentifier(el.propertyName) ? el.propertyName.text : ts.isIdentifier(el.name) ? el.name.text : '';
            if ((imported === 'cpus' || imported === 'availableParallelism') && ts.isIdentifier(el.name)) this.cpuFunctions.set(el.name.text, imported);
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(this.sf);
    if (this.clusterNames.size === 0) this.clusterNames.add('cluster');
    if (this.osNames.size === 0) this.osNames.add('os');
  }

  private bind(mod: string, name: string): void {
    if (mod === 'cluster') this.clusterNames.add(name);
    else if (mod === 'os') this.osNames.add(name);
  }

  forkLoops(): void {
    const seen = new Set<number>();
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && this.isClusterFork(node)) {
        const bound = this.loopBound(node);
        if (bound && !seen.has(bound.expression.getStart())) {
          seen.add(bound.expression.getStart());
          this.checkBound(bound.expression, bound.iterable);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(this.sf);
  }

  private isClusterFork(call: ts.CallExpression): boolean {
    const callee = call.expression;
    return (
      ts.isPropertyAccessExpression(callee) &&
      callee.name.text === 'fork' &&
      ts.isIdentifier(callee.expression) &&
      this.clusterNames.has(callee.expression.text)
    );
  }

  /** The expression that decides how many times the fork runs: a loop bound or the array iterated. */
  private loopBound(call: ts.Node): { expression: ts.Expression; iterable: boolean } | undefined {
    for (let node: ts.Node = call; node.parent && !ts.isSourceFile(node.parent); node = node.parent) {
      const parent = node.parent;
      if (ts.isForStatement(parent) && node === parent.statement && parent.condition && ts.isBinaryExpression(parent.condition)) {
        const c = parent.condition;
        const op = c.operatorToken.kind;
        if (op === ts.SyntaxKind.LessThanToken || op === ts.SyntaxKind.LessThanEqualsToken) return { expression: c.right, iterable: false };
        if (op === ts.SyntaxKind.GreaterThanToken || op === ts.SyntaxKind.GreaterThanEqualsToken) return { expression: c.left, iterable: false };
        return undefined;
      }
      if ((ts.isForOfStatement(parent) || ts.isForInStatement(parent)) && node === parent.statement) return { expression: parent.expression, iterable: true };
      if (ts.isCallExpression(parent) && (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) && parent.arguments.includes(node as ts.Expression)) {
        const callee = parent.expression;
        // os.cpus().forEach(() => cluster.fork())
        if (ts.isPropertyAccessExpression(callee) && ['forEach', 'map'].includes(callee.name.text)) return { expression: callee.expression, iterable: true };
        // Array.from({ length: n }, () => cluster.fork())
        const lengthOf = ts.isPropertyAccessExpression(callee) && callee.name.text === 'from' && parent.arguments[0];
        if (lengthOf && ts.isObjectLiteralExpression(lengthOf)) {
          const length = lengthOf.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText() === 'length');
          if (length) return { expression: length.initializer, iterable: false };
        }
        return undefined;
      }
      // Leaving a function: only a callback passed to a call (checked on the next step) can still loop.
      if (ts.isFunctionLike(parent) && !(ts.isCallExpression(parent.parent) && parent.parent.arguments.includes(parent as ts.Expression))) return undefined;
    }
    return undefined;
  }

  private checkBound(expression: ts.Expression, iterable: boolean): void {
    // Through a variable: report where the count is computed.
    let target = expression;
    if (ts.isIdentifier(expression)) {
      const decl = this.declarations.get(expression.text);
      if (decl?.initializer) target = decl.initializer;
    }
    const derived = iterable ? this.deriveIterable(target) : this.derive(target);
    const bounded = derived.cap !== undefined && derived.cap <= this.max;
    if (derived.cpu ? bounded : derived.cap === undefined || derived.cap <= this.max) return;

    const envDefault = this.envDefaultOf(target);
    const fixTarget = envDefault ?? target;
    const fixes: FixSpec[] = [];
    // An iterated array (`for (const _ of os.cpus())`) has no count to replace.
    if (!iterable) {
      const newText = envDefault ? String(this.suggested) : this.needsParentheses(fixTarget) ? `(${this.replacement})` : this.replacement;
      fixes.push({ title: envDefault ? `Default to ${this.suggested}` : 'Read WEB_CONCURRENCY', edits: [{ start: fixTarget.getStart(), end: fixTarget.getEnd(), newText }] });
    }
    const source = fixTarget.getText().replace(/\s+/g, ' ');
    const useInstead = iterable
      ? `fork ${this.replacement} workers instead of one per element of ${shorten(source)}`
      : envDefault ? `default to ${this.suggested}` : `use ${this.replacement}`;
    const shortUse = iterable ? `fork ${this.suggested}` : envDefault ? `default to ${this.suggested}` : 'read WEB_CONCURRENCY';
    const headline: Pick<ReportSpec, 'messageId' | 'data'> = derived.cpu
      ? { messageId: 'cluster-per-cpu', data: { estimate: cpuEstimate(derived.value, 'node'), advice: shortUse } }
      : { messageId: 'cluster-count', data: { n: derived.cap!, cost: copiesCost(derived.cap!, 'node'), advice: shortUse } };
    const detail = derived.cpu
      ? `${shorten(source)}: ${CPU_COUNT_WHY} (${perWorkerCost('node')}). ${sentence(useInstead)}`
      : `Each is a full copy of the app (${perWorkerCost('node')}, ${totalCost(derived.cap!, 'node')}). ${sentence(useInstead)}`;
    this.ctx.report({ start: fixTarget.getStart(), end: fixTarget.getEnd(), ...headline, detail, fixes });
  }

  private needsParentheses(node: ts.Node): boolean {
    const p = node.parent;
    return !(ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isCallExpression(p) || ts.isParenthesizedExpression(p) || ts.isReturnStatement(p));
  }

  /** `os.cpus()` iterated directly. */
  private deriveIterable(node: ts.Expression): Derived {
    return this.isCpusCall(node) ? { cpu: true, value: HOST_CPUS } : { cpu: false };
  }

  private isCpusCall(node: ts.Node): boolean {
    if (!ts.isCallExpression(node)) return false;
    const callee = node.expression;
    if (ts.isIdentifier(callee)) return this.cpuFunctions.get(callee.text) === 'cpus';
    if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 'cpus') return false;
    return this.isOsModule(callee.expression);
  }

  private isOsModule(node: ts.Expression): boolean {
    return (ts.isIdentifier(node) && this.osNames.has(node.text)) || requiredModule(node)?.replace(/^node:/, '') === 'os';
  }

  private derive(node: ts.Expression, depth = 0): Derived {
    if (depth > 8) return { cpu: false };
    if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isNonNullExpression(node)) return this.derive(node.expression, depth + 1);
    if (ts.isNumericLiteral(node)) {
      const v = Number(node.text);
      return { cpu: false, value: v, cap: v };
    }
    // os.cpus().length
    if (ts.isPropertyAccessExpression(node) && node.name.text === 'length' && this.isCpusCall(node.expression)) return { cpu: true, value: HOST_CPUS };
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      // os.availableParallelism() / availableParallelism()
      if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'availableParallelism' && this.isOsModule(callee.expression)) return { cpu: true, value: HOST_CPUS };
      if (ts.isIdentifier(callee) && this.cpuFunctions.get(callee.text) === 'availableParallelism') return { cpu: true, value: HOST_CPUS };
      const name = callee.getText();
      const args = node.arguments.map((a) => this.derive(a, depth + 1));
      if (name === 'Math.min' || name === 'Math.max') {
        const values = args.map((a) => a.value);
        const caps = args.map((a) => a.cap).filter((c): c is number => c !== undefined);
        const known = values.every((v) => v !== undefined) ? (values as number[]) : undefined;
        const min = name === 'Math.min';
        return {
          cpu: args.some((a) => a.cpu),
          value: known && (min ? Math.min(...known) : Math.max(...known)),
          cap: min ? (caps.length ? Math.min(...caps) : undefined) : caps.length === args.length && caps.length ? Math.max(...caps) : undefined,
        };
      }
      if (['Number', 'parseInt', 'Math.floor', 'Math.ceil', 'Math.round'].includes(name) && args.length) return args[0];
      return { cpu: false };
    }
    if (ts.isIdentifier(node)) {
      const decl = this.declarations.get(node.text);
      return decl?.initializer ? this.derive(decl.initializer, depth + 1) : { cpu: false };
    }
    if (ts.isBinaryExpression(node)) {
      const l = this.derive(node.left, depth + 1);
      const r = this.derive(node.right, depth + 1);
      const kind = node.operatorToken.kind;
      if (kind === ts.SyntaxKind.BarBarToken || kind === ts.SyntaxKind.QuestionQuestionToken) {
        return { cpu: l.cpu || r.cpu, value: r.value ?? l.value, cap: l.cap !== undefined && r.cap !== undefined ? Math.max(l.cap, r.cap) : r.cap };
      }
      const apply = (a?: number, b?: number) => {
        if (a === undefined || b === undefined) return undefined;
        if (kind === ts.SyntaxKind.PlusToken) return a + b;
        if (kind === ts.SyntaxKind.MinusToken) return a - b;
        if (kind === ts.SyntaxKind.AsteriskToken) return a * b;
        if (kind === ts.SyntaxKind.SlashToken) return b === 0 ? undefined : a / b;
        return undefined;
      };
      return { cpu: l.cpu || r.cpu, value: apply(l.value, r.value), cap: l.cpu || r.cpu ? undefined : apply(l.cap, r.cap) };
    }
    return { cpu: false };
  }

  /** `process.env.WEB_CONCURRENCY || os.cpus().length`: the fallback. */
  private envDefaultOf(node: ts.Expression): ts.Expression | undefined {
    let n: ts.Expression = node;
    while (ts.isParenthesizedExpression(n)) n = n.expression;
    if (ts.isCallExpression(n) && ['Number', 'parseInt'].includes(n.expression.getText()) && n.arguments.length) n = n.arguments[0];
    if (!ts.isBinaryExpression(n)) return undefined;
    const kind = n.operatorToken.kind;
    if (kind !== ts.SyntaxKind.BarBarToken && kind !== ts.SyntaxKind.QuestionQuestionToken) return undefined;
    return /process\.env\b/.test(n.left.getText()) ? n.right : undefined;
  }

  /** pm2 ecosystem: `instances: "max"`, `0`, `-1` (one per CPU, or all but one), or a large number. */
  pm2Instances(): void {
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAssignment(node) && node.name.getText().replace(/['"]/g, '') === 'instances' && ts.isObjectLiteralExpression(node.parent)) {
        this.checkInstances(node.initializer);
      }
      ts.forEachChild(node, visit);
    };
    visit(this.sf);
  }

  private checkInstances(value: ts.Expression): void {
    let n: number | undefined;
    let literal = value.getText();
    if (ts.isStringLiteral(value)) {
      literal = JSON.stringify(value.text);
      n = value.text === 'max' ? 0 : /^-?\d+$/.test(value.text) ? Number(value.text) : undefined;
    } else if (ts.isNumericLiteral(value)) n = Number(value.text);
    else if (ts.isPrefixUnaryExpression(value) && value.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(value.operand)) n = -Number(value.operand.text);
    if (n === undefined) return;
    const perCpu = n <= 0;
    if (!perCpu && n <= this.max) return;
    const fixes: FixSpec[] = [{ title: 'Read WEB_CONCURRENCY', edits: [{ start: value.getStart(), end: value.getEnd(), newText: this.replacement }] }];
    this.ctx.report({
      start: value.getStart(),
      end: value.getEnd(),
      ...(perCpu
        ? { messageId: 'pm2-per-cpu', data: { processes: pm2PerCpuPhrase(n), advice: 'read WEB_CONCURRENCY' } }
        : { messageId: 'pm2-count', data: { n, cost: copiesCost(n, 'node'), advice: 'read WEB_CONCURRENCY' } }),
      detail: perCpu
        ? `instances: ${literal}. ${CPU_COUNT_WHY} (${perWorkerCost('node')}). Use ${this.replacement}.`
        : `Each is a full copy of the app (${perWorkerCost('node')}, ${totalCost(n, 'node')}). Use ${this.replacement}.`,
      fixes,
    });
  }
}

/** `require("os")` -> "os". */
function requiredModule(node: ts.Node): string | undefined {
  if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require' && node.arguments.length === 1) {
    const arg = node.arguments[0];
    if (ts.isStringLiteral(arg)) return arg.text;
  }
  return undefined;
}

function shorten(text: string): string {
  return text.length > 50 ? `${text.slice(0, 47)}...` : text;
}
