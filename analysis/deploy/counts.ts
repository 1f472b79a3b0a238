/**
 * Evaluating worker and thread counts as written: shell values (`4`, `${WEB_CONCURRENCY:-4}`,
 * `$(( $(nproc) * 2 + 1 ))`) and Python expressions in gunicorn configs (`multiprocessing.cpu_count() * 2 + 1`,
 * `int(os.environ.get("WEB_CONCURRENCY", 4))`, `min(4, cores)`). CPU probes evaluate to the CPU count the
 * container reports: the host's (`hostCpus`), not the plan's share.
 */

/** CPUs a container reports when nothing says otherwise: the host's, typically 8 on the platforms' shared hosts. */
export const DEFAULT_HOST_CPUS = 8;

export interface CountContext {
  /** The deploy's environment variable, if set. */
  env(name: string): string | undefined;
  hostCpus: number;
  /** The expression assigned to a module-level name earlier in the same file (Python only). */
  name?(identifier: string): string | undefined;
}

export interface Count {
  n: number;
  /** The count comes from the CPU count (`nproc`, `cpu_count()`). */
  cpuDerived: boolean;
  /** Environment variables it read and found set. */
  envUsed: string[];
}

/** A shell word's value as a count, or undefined when it cannot be known. */
export function shellCount(value: string, ctx: CountContext): Count | undefined {
  const envUsed: string[] = [];
  let cpuDerived = false;
  let unknown = false;
  const expanded = value
    .replace(/\$\(\s*nproc[^)]*\)|`\s*nproc[^`]*`|\$\(\s*getconf\s+_NPROCESSORS_ONLN\s*\)|\$\(\s*grep\s+-c\s+\^?processor\s+\/proc\/cpuinfo\s*\)/g, () => {
      cpuDerived = true;
      return String(ctx.hostCpus);
    })
    .replace(/\$\(\s*python[\d.]*\s+-c\s+(["'])(.*?)\1\s*\)/g, (_m, _q, code: string) => {
      const print = /print\(\s*(.*)\)\s*;?\s*$/.exec(code);
      const c = print ? pythonCount(print[1], ctx) : undefined;
      if (!c) {
        unknown = true;
        return '0';
      }
      cpuDerived ||= c.cpuDerived;
      return String(c.n);
    })
    .replace(/\$\{([A-Za-z_]\w*)(:?[-=])([^}]*)\}|\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)/g, (_m, name1, _op, fallback, name2, name3) => {
      const name = name1 ?? name2 ?? name3;
      const set = ctx.env(name);
      if (set !== undefined && /^\s*\d+\s*$/.test(set)) {
        envUsed.push(name);
        return set.trim();
      }
      if (name1 !== undefined && /^\s*\d+\s*$/.test(fallback)) return fallback.trim();
      unknown = true;
      return '0';
    });
  if (unknown) return undefined;
  const arithmetic = /^\$\(\((.*)\)\)$/s.exec(expanded.trim());
  const n = evalArithmetic(arithmetic ? arithmetic[1] : expanded);
  return n === undefined || n < 0 ? undefined : { n, cpuDerived, envUsed };
}

/** Integer arithmetic with + - * / // and parentheses. */
function evalArithmetic(expr: string): number | undefined {
  const tokens = expr.match(/\d+|\/\/|[-+*/()]|\S/g) ?? [];
  let i = 0;
  const primary = (): number | undefined => {
    const t = tokens[i++];
    if (t === '(') {
      const v = sum();
      return tokens[i++] === ')' ? v : undefined;
    }
    if (t === '-') {
      const v = primary();
      return v === undefined ? undefined : -v;
    }
    return t !== undefined && /^\d+$/.test(t) ? Number(t) : undefined;
  };
  const product = (): number | undefined => {
    let v = primary();
    while (v !== undefined && (tokens[i] === '*' || tokens[i] === '/' || tokens[i] === '//')) {
      const op = tokens[i++];
      const r = primary();
      if (r === undefined || (op !== '*' && r === 0)) return undefined;
      v = op === '*' ? v * r : Math.floor(v / r);
    }
    return v;
  };
  const sum = (): number | undefined => {
    let v = product();
    while (v !== undefined && (tokens[i] === '+' || tokens[i] === '-')) {
      const op = tokens[i++];
      const r = product();
      if (r === undefined) return undefined;
      v = op === '+' ? v + r : v - r;
    }
    return v;
  };
  const result = sum();
  return i === tokens.length ? result : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Python expressions

type Token = { kind: 'num' | 'str' | 'name' | 'op'; text: string };

function tokenize(expr: string): Token[] | undefined {
  const out: Token[] = [];
  const re = /\s+|(\d+(?:\.\d+)?)|([rbuRBU]?)("[^"]*"|'[^']*')|([A-Za-z_][\w.]*)|(\/\/|\*\*|[-+*/(),[\]%=])/gy;
  let m: RegExpExecArray | null;
  let last = 0;
  while (last < expr.length && (m = re.exec(expr))) {
    last = re.lastIndex;
    if (m[1] !== undefined) out.push({ kind: 'num', text: m[1] });
    else if (m[3] !== undefined) out.push({ kind: 'str', text: m[3].slice(1, -1) });
    else if (m[4] !== undefined) out.push({ kind: 'name', text: m[4] });
    else if (m[5] !== undefined) out.push({ kind: 'op', text: m[5] });
  }
  return last === expr.length ? out : undefined;
}

const CPU_CALLS = new Set(['multiprocessing.cpu_count', 'os.cpu_count', 'cpu_count', 'psutil.cpu_count', 'mp.cpu_count']);
const ENV_GETS = new Set(['os.environ.get', 'os.getenv', 'environ.get', 'getenv', 'env.int', 'env']);

/** A Python expression's value as a count, or undefined. */
export function pythonCount(expr: string, ctx: CountContext, depth = 0): Count | undefined {
  const tokens = tokenize(expr.replace(/#.*$/, '').trim());
  if (!tokens || depth > 4) return undefined;
  let cpuDerived = false;
  const envUsed: string[] = [];
  let i = 0;
  type V = number | string | undefined | null;

  const call = (fn: string, args: V[]): V => {
    if (CPU_CALLS.has(fn)) {
      cpuDerived = true;
      return ctx.hostCpus;
    }
    if (fn === 'len' && args.length === 1) return args[0];
    if (fn === 'os.sched_getaffinity') {
      cpuDerived = true;
      return ctx.hostCpus;
    }
    if (ENV_GETS.has(fn)) {
      const name = typeof args[0] === 'string' ? args[0] : undefined;
      const set = name ? ctx.env(name) : undefined;
      if (set !== undefined) {
        envUsed.push(name!);
        return set;
      }
      return args.length > 1 ? args[1] : null;
    }
    if (fn === 'int' || fn === 'float' || fn === 'round' || fn === 'math.floor' || fn === 'math.ceil') {
      const n = num(args[0]);
      return n === undefined ? undefined : fn === 'math.ceil' ? Math.ceil(n) : Math.floor(n);
    }
    if (fn === 'str') return args[0];
    if (fn === 'min' || fn === 'max') {
      const ns = args.map(num);
      if (ns.some((n) => n === undefined) || ns.length === 0) return undefined;
      return fn === 'min' ? Math.min(...(ns as number[])) : Math.max(...(ns as number[]));
    }
    return undefined;
  };
  const num = (v: V): number | undefined => (typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : undefined);

  const primary = (): V => {
    const t = tokens[i++];
    if (!t) return undefined;
    if (t.kind === 'num') return Number(t.text);
    if (t.kind === 'str') return t.text;
    if (t.kind === 'op' && t.text === '(') {
      const v = orExpr();
      return tokens[i++]?.text === ')' ? v : undefined;
    }
    if (t.kind === 'op' && t.text === '-') {
      const v = num(primary());
      return v === undefined ? undefined : -v;
    }
    if (t.kind === 'name') {
      if (tokens[i]?.text === '(') {
        i++;
        const args: V[] = [];
        while (tokens[i] && tokens[i].text !== ')') {
          // keyword arguments: `default=4`
          if (tokens[i].kind === 'name' && tokens[i + 1]?.text === '=') i += 2;
          args.push(orExpr());
          if (tokens[i]?.text === ',') i++;
          else break;
        }
        if (tokens[i++]?.text !== ')') return undefined;
        return call(t.text, args);
      }
      if (tokens[i]?.text === '[') {
        i++;
        const key = orExpr();
        if (tokens[i++]?.text !== ']') return undefined;
        if ((t.text === 'os.environ' || t.text === 'environ') && typeof key === 'string') {
          const set = ctx.env(key);
          if (set !== undefined) envUsed.push(key);
          return set;
        }
        return undefined;
      }
      if (t.text === 'None') return null;
      if (t.text === 'True') return 1;
      const assigned = ctx.name?.(t.text);
      if (assigned !== undefined) {
        const inner = pythonCount(assigned, ctx, depth + 1);
        if (!inner) return undefined;
        cpuDerived ||= inner.cpuDerived;
        envUsed.push(...inner.envUsed);
        return inner.n;
      }
      return undefined;
    }
    return undefined;
  };
  const product = (): V => {
    let v = primary();
    while (tokens[i]?.kind === 'op' && ['*', '/', '//', '%'].includes(tokens[i].text)) {
      const op = tokens[i++].text;
      const a = num(v);
      const b = num(primary());
      if (a === undefined || b === undefined || (op !== '*' && b === 0)) return undefined;
      v = op === '*' ? a * b : op === '%' ? a % b : op === '/' ? a / b : Math.floor(a / b);
    }
    return v;
  };
  const sum = (): V => {
    let v = product();
    while (tokens[i]?.kind === 'op' && (tokens[i].text === '+' || tokens[i].text === '-')) {
      const op = tokens[i++].text;
      const a = num(v);
      const b = num(product());
      if (a === undefined || b === undefined) return undefined;
      v = op === '+' ? a + b : a - b;
    }
    return v;
  };
  const orExpr = (): V => {
    let v = sum();
    while (tokens[i]?.kind === 'name' && tokens[i].text === 'or') {
      i++;
      const r = sum();
      if (v === null || v === undefined || v === '' || v === 0) v = r;
    }
    return v;
  };

  const value = num(orExpr());
  if (value === undefined || i !== tokens.length || value < 0) return undefined;
  return { n: Math.floor(value), cpuDerived, envUsed };
}
