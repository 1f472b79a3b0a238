/**
 * Values read from the environment, with the default production gets when the variable is unset:
 * `int(os.getenv("WEB_CONCURRENCY", "4"))`, `os.environ.get("X", 600)`, `os.environ["X"]`, `env.int("X", default=4)`,
 * `env("X", default=4)` (django-environ), `config("X", default=4, cast=int)` (python-decouple).
 */
import type { Node } from 'web-tree-sitter';
import { intValue, keywordArgument, positionalArguments, stringValue } from './ast';
import type { ImportMap } from './imports';

const ENV_CALLS = new Set(['os.getenv', 'os.environ.get', 'decouple.config', 'environ.Env']);
/** Receivers of django-environ / environs / decouple style readers: `env.int(...)`, `environ.str(...)`, `config(...)`. */
const ENV_RECEIVER = /^(env|environ|config)$/i;
const CONVERSIONS = new Set(['int', 'float', 'str', 'bool']);

export interface EnvLookup {
  /** The lookup itself: the call or `os.environ[...]` subscript. */
  node: Node;
  /** The variable's name when it is a literal. */
  variable?: string;
  /** The default expression, when the lookup has one. */
  fallback?: Node;
}

/** The environment lookup `node` is (through `int(...)`-style conversions), or undefined. */
export function envLookup(node: Node, imports: ImportMap): EnvLookup | undefined {
  let n = node;
  while (n.type === 'call' && CONVERSIONS.has(n.childForFieldName('function')?.text ?? '')) {
    const inner = positionalArguments(n)[0];
    if (!inner) return undefined;
    n = inner;
  }
  if (n.type === 'subscript' && imports.is(n.childForFieldName('value'), 'os.environ')) {
    return { node: n, variable: stringValue(n.childForFieldName('subscript')) };
  }
  if (n.type !== 'call') return undefined;
  const fn = n.childForFieldName('function');
  const q = imports.resolve(fn);
  const isEnvCall = (q !== undefined && ENV_CALLS.has(q)) || (fn?.type === 'attribute' && ENV_RECEIVER.test(fn.childForFieldName('object')?.text ?? ''));
  const isBareReader = fn?.type === 'identifier' && ENV_RECEIVER.test(fn.text) && !q?.startsWith('builtins');
  if (!isEnvCall && !isBareReader) return undefined;
  const args = positionalArguments(n);
  return { node: n, variable: stringValue(args[0]), fallback: keywordArgument(n, 'default') ?? args[1] };
}

/** The default as a whole number (`600`, `"600"`), or undefined. */
export function fallbackNumber(fallback: Node | undefined): number | undefined {
  if (!fallback) return undefined;
  const n = intValue(fallback);
  if (n !== undefined) return n;
  const s = stringValue(fallback);
  return s !== undefined && /^\s*\d+\s*$/.test(s) ? Number(s) : undefined;
}
