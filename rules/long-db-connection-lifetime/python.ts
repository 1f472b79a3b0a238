/**
 * long-db-connection-lifetime: database connections kept open for a long time (or forever) without health checks,
 * and SQLAlchemy pools that may hold many of them per process.
 */
import { clip } from '../shared/format';
import type { Node } from 'web-tree-sitter';
import { defineRule, type FixSpec, type OffsetEdit, type RuleContext } from '../api';
import { ancestor, captures, capturesNamed, indentOf, intValue, keywordArgument, stringValue } from '../../analysis/python/ast';
import { importsOf, type ImportMap } from '../../analysis/python/imports';
import { envLookup, fallbackNumber } from '../../analysis/python/env-lookups';
import { mayUse } from '../../analysis/python/requirements';

const ENGINE_FACTORIES = new Set([
  'sqlalchemy.create_engine',
  'sqlalchemy.engine.create_engine',
  'sqlalchemy.ext.asyncio.create_async_engine',
]);
const NON_POOLING = /\b(NullPool|StaticPool|SingletonThreadPool|AssertionPool)\b/;
/** SQLAlchemy's QueuePool defaults when the arguments are omitted. */
const DEFAULT_POOL_SIZE = 5;
const DEFAULT_MAX_OVERFLOW = 10;
const FIXED_MAX_AGE = 60;
const FIXED_RECYCLE = 300;

export default defineRule({
  meta: {
    id: 'long-db-connection-lifetime',
    kinds: ['python'],
    defaultSeverity: 'warning',
    fix: 'unsafe',
    messages: {
      'lifetime': '{{setting}} keeps connections open {{age}}{{unchecked}}: use {{fixed}} s{{withChecks}}',
      'django-heroku': 'django_heroku.settings() keeps DB connections open 600 s, unchecked: set CONN_MAX_AGE after it',
      'pool': 'Lets each process hold {{size}} never-recycled DB connections: add pool_recycle, keep <= {{max}}',
    },
    trigger: /CONN_MAX_AGE|conn_max_age|create_engine|create_async_engine|django_heroku/,
    options: {
      maxAgeSeconds: { type: 'number', default: 300, description: 'Django connection lifetimes (CONN_MAX_AGE / conn_max_age) at or above this many seconds are reported when health checks are off.' },
      maxPoolConnections: { type: 'number', default: 10, description: 'SQLAlchemy pools that may open more than pool_size + max_overflow connections per process are reported when they never recycle.' },
    },
    docs: {
      summary: 'Database connections that live for a long time, or forever, without health checks or recycling.',
      whatItDoes:
        'Finds Django `CONN_MAX_AGE` of `maxAgeSeconds` (default 300) or more, or `None` (never closed), in `DATABASES` ' +
        'entries and `DATABASES[...]["CONN_MAX_AGE"] = ...` (also as the default of an environment lookup: ' +
        '`int(os.getenv("CONN_MAX_AGE", 600))`, `env.int("CONN_MAX_AGE", default=600)`, whose fix lowers the default and ' +
        'leaves the variable in charge); `dj_database_url.config(...)` / `.parse(...)` with such a ' +
        '`conn_max_age` and without `conn_health_checks=True`; and SQLAlchemy `create_engine(...)` / `create_async_engine(...)` ' +
        'calls that set `pool_size` / `max_overflow` so that one process may hold more than `maxPoolConnections` (default 10) ' +
        'connections, with neither `pool_recycle` nor `pool_pre_ping`. (Omitted values count as SQLAlchemy\'s defaults: ' +
        'pool_size=5, max_overflow=10; `pool_size=0` or `max_overflow=-1` mean no limit.) `django_heroku.settings(locals())` ' +
        'is reported too (unless it gets `databases=False`, or a later statement sets the default database or its ' +
        '`CONN_MAX_AGE`): with `DATABASE_URL` set it configures the default database with `conn_max_age=600` and no health checks.',
      whyIsThisBad:
        'Every open connection costs memory on both sides: the client keeps buffers and cached statements per connection, ' +
        'and each PostgreSQL backend process grows (catalog and plan caches, work memory) for as long as it lives — often ' +
        '10-30 MB each after a day. Connections that never close accumulate that growth, and dead connections ' +
        '(a database restart, an idle timeout on a proxy) fail the next request unless they are checked first. ' +
        'Large pools multiply all of it by every worker process.',
      example: {
        fileName: 'settings.py',
        code: `DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "app",
        "CONN_MAX_AGE": None,
    }
}
`,
      },
      useInstead: {
        fileName: 'settings.py',
        code: `DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "app",
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
}
`,
      },
      fixSafety:
        'Django: setting the lifetime to 60 seconds and turning health checks on is unsafe — it changes how often ' +
        'connections are opened (a little more latency on some requests). SQLAlchemy: adding `pool_recycle=300, ' +
        'pool_pre_ping=True` is safe (connections are replaced transparently); lowering `pool_size`/`max_overflow` is ' +
        'offered as a separate, unsafe fix because requests may wait for a free connection.',
      notes:
        'A finite lifetime with `CONN_HEALTH_CHECKS: True` / `conn_health_checks=True` is not reported; `None` (never ' +
        'closed) is reported even with health checks, since checks do not bound how long a connection lives. Engines ' +
        'with `poolclass=NullPool` (or another non-queue pool) and calls that leave pool_size/max_overflow at their ' +
        'defaults are not reported. Values read from the environment are not evaluated. SQLite entries (`ENGINE` ' +
        'naming sqlite) are not reported: there is no database server whose memory a kept connection grows.',
    },
  },
  check(ctx) {
    const tree = ctx.python();
    const imports = importsOf(tree);
    const maxAge = ctx.options.maxAgeSeconds as number;
    const maxPool = ctx.options.maxPoolConnections as number;
    const text = ctx.file.text;
    const healthChecksElsewhere = /\[\s*["']CONN_HEALTH_CHECKS["']\s*\]\s*=\s*True\b/.test(text);
    // Health checks arrived in Django 4.1 (and dj-database-url 1.1): on older versions the fix only shortens the lifetime.
    const djangoChecks = mayUse(ctx.project, 'django', [4, 1]);
    const canAddChecks = (viaUrl: boolean) => djangoChecks && (!viaUrl || mayUse(ctx.project, 'dj-database-url', [1, 1]));

    // "CONN_MAX_AGE": N inside a DATABASES entry
    for (const { node } of captures(tree, '(pair key: (string) @k)')) {
      if (stringValue(node) !== 'CONN_MAX_AGE') continue;
      const pair = node.parent!;
      const dict = pair.parent;
      const value = pair.childForFieldName('value');
      if (dict?.type !== 'dictionary' || !value || !isDatabaseEntry(dict)) continue;
      // SQLite: the connection is a file handle in the worker, with no database server whose memory it grows.
      if (/sqlite/i.test(stringValue(dictEntry(dict, 'ENGINE')) ?? '')) continue;
      const health = dictEntry(dict, 'CONN_HEALTH_CHECKS');
      const healthOn = health?.type === 'true' || healthChecksElsewhere;
      const { age, edit, variable } = lifetime(value, imports);
      if (!isTooLong(age, maxAge, healthOn)) continue;
      const edits: OffsetEdit[] = [edit];
      if (canAddChecks(false) && health && health.type !== 'true') edits.push({ start: health.startIndex, end: health.endIndex, newText: 'True' });
      else if (canAddChecks(false) && !health) edits.push(insertPairAfter(text, pair, node.text[0] === "'" ? "'" : '"'));
      reportAge(ctx, value, age, 'CONN_MAX_AGE', healthOn, edits, canAddChecks(false), variable);
    }

    // DATABASES["default"]["CONN_MAX_AGE"] = N
    for (const node of capturesNamed(tree, '(assignment left: (subscript) @target right: (_) @value) @a', 'a')) {
      const target = node.childForFieldName('left')!;
      const value = node.childForFieldName('right')!;
      if (stringValue(target.childForFieldName('subscript')) !== 'CONN_MAX_AGE' || !/^(settings\.)?DATABASES\b/.test(target.text)) continue;
      const { age, edit, variable } = lifetime(value, imports);
      if (!isTooLong(age, maxAge, healthChecksElsewhere)) continue;
      const statement = node.parent;
      const edits: OffsetEdit[] = [edit];
      if (canAddChecks(false) && !healthChecksElsewhere && statement?.type === 'expression_statement') {
        const owner = target.childForFieldName('value')!.text;
        const quote = target.childForFieldName('subscript')!.text[0];
        edits.push(insertLineAfter(text, statement, `${owner}[${quote}CONN_HEALTH_CHECKS${quote}] = True`));
      }
      reportAge(ctx, value, age, 'CONN_MAX_AGE', healthChecksElsewhere, edits, canAddChecks(false), variable);
    }

    for (const node of capturesNamed(tree, '(call function: [(identifier) (attribute)] @fn) @call', 'call')) {
      const qualified = imports.resolve(node.childForFieldName('function'));
      if (qualified === 'dj_database_url.config' || qualified === 'dj_database_url.parse') checkDjDatabaseUrl(ctx, node, imports, maxAge, healthChecksElsewhere, canAddChecks(true));
      else if (qualified && ENGINE_FACTORIES.has(qualified)) checkEngine(ctx, node, maxPool);
      else if (qualified === 'django_heroku.settings' && maxAge <= DJANGO_HEROKU_MAX_AGE) checkDjangoHeroku(ctx, node, healthChecksElsewhere);
    }
  },
});

interface Lifetime {
  /** Seconds, Infinity for `None` (never closed), undefined when not known. */
  age: number | undefined;
  /** The edit to a 60-second lifetime: the literal, or the default of an environment lookup (the variable still wins). */
  edit: OffsetEdit;
  /** The environment variable that overrides the default, when the value is read from one. */
  variable?: string;
}

/** `600`, `None`, or `int(os.getenv("CONN_MAX_AGE", "600"))`: the lifetime production gets unless the variable is set. */
function lifetime(value: Node, imports: ImportMap): Lifetime {
  const literal = { start: value.startIndex, end: value.endIndex, newText: String(FIXED_MAX_AGE) };
  if (value.type === 'none') return { age: Infinity, edit: literal };
  const lookup = envLookup(value, imports);
  const fallback = lookup?.fallback;
  if (!lookup || !fallback) return { age: lookup ? undefined : intValue(value), edit: literal };
  const quote = fallback.type === 'string' ? fallback.text.match(/^[rbuRBU]*(['"])/)?.[1] ?? '' : '';
  const edit = { start: fallback.startIndex, end: fallback.endIndex, newText: `${quote}${FIXED_MAX_AGE}${quote}` };
  return { age: fallbackNumber(fallback), edit, variable: lookup.variable ?? 'the environment variable' };
}

function isTooLong(age: number | undefined, maxAge: number, healthChecksOn: boolean): age is number {
  if (age === undefined || age < maxAge) return false;
  return age === Infinity || !healthChecksOn;
}

function reportAge(ctx: RuleContext, value: Node, age: number, name: string, healthOn: boolean, edits: OffsetEdit[], canAddChecks: boolean, variable?: string): void {
  const setting = `${name}${name === 'conn_max_age' ? '=' : ' = '}${age === Infinity ? 'None' : age}`;
  const unlessSet = variable ? ` (the default when ${variable} is unset)` : '';
  const what = age === Infinity ? `${setting} keeps every connection open for the life of the worker` : `${setting} keeps connections open for ${age} seconds`;
  const checks = healthOn ? '' : ' without health checks';
  ctx.report({
    start: value.startIndex,
    end: value.endIndex,
    messageId: 'lifetime',
    data: {
      setting: clip(setting, 24),
      age: age === Infinity ? 'for good' : `${age} s`,
      unchecked: healthOn ? '' : ', unchecked',
      fixed: FIXED_MAX_AGE,
      withChecks: canAddChecks ? ' with health checks' : '',
    },
    detail:
      `${what}${unlessSet}${checks}, and each open connection keeps growing its client and database-server memory. ` +
      `Use ${FIXED_MAX_AGE}${canAddChecks ? ' with health checks on' : ' (health checks need Django 4.1+, which the requirements do not require)'}.`,
    fixes: [{ title: `Use a ${FIXED_MAX_AGE}-second lifetime${canAddChecks ? ' with health checks' : ''}`, safety: 'unsafe', edits }],
  });
}

/** django-heroku's fixed lifetime: with DATABASE_URL set, `settings(locals())` replaces DATABASES["default"] by
 * `dj_database_url.config(conn_max_age=600, ssl_require=True)`, without health checks. */
const DJANGO_HEROKU_MAX_AGE = 600;
/** A later statement that replaces the default database or its lifetime: the helper's value no longer counts. */
const DEFAULT_DB_OVERRIDE = /\bDATABASES\s*\[\s*["']default["']\s*\](\s*\[\s*["']CONN_MAX_AGE["']\s*\])?\s*=(?!=)|\bDATABASES\s*\[\s*["']default["']\s*\]\s*\.\s*update\s*\(/;

/**
 * `django_heroku.settings(locals())`: the helper sets the 600-second lifetime itself (the cause sits inside the library,
 * not in this file). Quiet when `databases=` is anything but `True` (False turns that part off; a name we cannot read
 * is the code's choice), when health checks are turned on elsewhere, or when a later statement sets the default
 * database or its CONN_MAX_AGE again. No fix: the lifetime belongs in a statement after the call, which the user writes.
 */
function checkDjangoHeroku(ctx: RuleContext, call: Node, healthChecksElsewhere: boolean): void {
  const databases = keywordArgument(call, 'databases');
  if ((databases && databases.type !== 'true') || healthChecksElsewhere) return;
  if (DEFAULT_DB_OVERRIDE.test(ctx.file.text.slice(call.endIndex))) return;
  const fn = call.childForFieldName('function')!;
  ctx.report({
    start: fn.startIndex,
    end: fn.endIndex,
    messageId: 'django-heroku',
    detail:
      `With DATABASE_URL set (every Heroku app with a database), django_heroku.settings() replaces DATABASES["default"] by ` +
      `dj_database_url.config(conn_max_age=${DJANGO_HEROKU_MAX_AGE}, ssl_require=True): connections stay open ${DJANGO_HEROKU_MAX_AGE} seconds ` +
      `without health checks, and each one keeps growing its client and database-server memory. Pass databases=False and ` +
      `configure DATABASES yourself, or set DATABASES["default"]["CONN_MAX_AGE"] = ${FIXED_MAX_AGE} and ` +
      `DATABASES["default"]["CONN_HEALTH_CHECKS"] = True after the call.`,
  });
}

function checkDjDatabaseUrl(ctx: RuleContext, call: Node, imports: ImportMap, maxAge: number, healthChecksElsewhere: boolean, canAddChecks: boolean): void {
  const value = keywordArgument(call, 'conn_max_age');
  if (!value) return;
  const health = keywordArgument(call, 'conn_health_checks');
  const healthOn = health?.type === 'true' || healthChecksElsewhere;
  const { age, edit, variable } = lifetime(value, imports);
  if (!isTooLong(age, maxAge, healthOn)) return;
  const edits: OffsetEdit[] = [edit];
  if (canAddChecks && health && health.type !== 'true') edits.push({ start: health.startIndex, end: health.endIndex, newText: 'True' });
  else if (canAddChecks && !health && !healthChecksElsewhere) edits.push(insertArgumentAfter(ctx.file.text, value.parent!, 'conn_health_checks=True'));
  reportAge(ctx, value, age, 'conn_max_age', healthOn, edits, canAddChecks, variable);
}

function checkEngine(ctx: RuleContext, call: Node, maxPool: number): void {
  const poolSize = keywordArgument(call, 'pool_size');
  const overflow = keywordArgument(call, 'max_overflow');
  if (!poolSize && !overflow) return; // SQLAlchemy's defaults: too common to report on every engine
  if (keywordArgument(call, 'pool_recycle') || keywordArgument(call, 'pool_pre_ping')) return;
  if (NON_POOLING.test(keywordArgument(call, 'poolclass')?.text ?? '')) return;
  if (call.childForFieldName('arguments')?.namedChildren.some((a) => a?.type === 'dictionary_splat')) return;
  const size = poolSize ? intValue(poolSize) : DEFAULT_POOL_SIZE;
  const extra = overflow ? intValue(overflow) : DEFAULT_MAX_OVERFLOW;
  if (size === undefined || extra === undefined) return;
  const unlimited = size === 0 || extra < 0;
  const total = size + extra;
  if (!unlimited && total <= maxPool) return;

  const sizeArgs = [poolSize, overflow].filter((v): v is Node => v !== undefined).map((v) => v.parent!); // keyword_arguments
  const text = ctx.file.text;
  const lastArgument = lastArgumentOf(call) ?? sizeArgs[0];
  const smallPool = Math.max(1, Math.ceil(maxPool / 2));
  const smallOverflow = Math.max(0, maxPool - smallPool);
  const shrink: OffsetEdit[] = [];
  const missing: string[] = [];
  if (poolSize) shrink.push({ start: poolSize.startIndex, end: poolSize.endIndex, newText: String(smallPool) });
  else missing.push(`pool_size=${smallPool}`);
  if (overflow) shrink.push({ start: overflow.startIndex, end: overflow.endIndex, newText: String(smallOverflow) });
  else missing.push(`max_overflow=${smallOverflow}`);
  if (missing.length) shrink.push(insertArgumentAfter(text, lastArgument, ...missing));

  const fixes: FixSpec[] = [
    { title: `Add pool_recycle=${FIXED_RECYCLE}, pool_pre_ping=True`, safety: 'safe', edits: [insertArgumentAfter(text, lastArgument, `pool_recycle=${FIXED_RECYCLE}`, 'pool_pre_ping=True')] },
    { title: `Limit the pool to ${smallPool} + ${smallOverflow} connections`, safety: 'unsafe', preferred: false, edits: shrink },
  ];
  const size_ = unlimited ? 'an unlimited number of' : `up to ${total}`;
  ctx.report({
    start: Math.min(...sizeArgs.map((a) => a.startIndex)),
    end: Math.max(...sizeArgs.map((a) => a.endIndex)),
    messageId: 'pool',
    data: { size: unlimited ? 'unlimited' : size_, max: maxPool },
    detail:
      `pool_size + max_overflow connections per process, never recycled or checked, each growing client and database-server memory. ` +
      `Add pool_recycle=${FIXED_RECYCLE}, pool_pre_ping=True and keep the pool at ${maxPool} or fewer.`,
    fixes,
  });
}

/** A dict that configures a database: has an "ENGINE" key, or sits inside a `DATABASES = ...` / `DATABASES[...] = ...` / `DATABASES[...].update(...)`. */
function isDatabaseEntry(dict: Node): boolean {
  if (dictEntry(dict, 'ENGINE')) return true;
  const assignment = ancestor(dict, 'assignment');
  if (assignment && /^(settings\.)?DATABASES\b/.test(assignment.childForFieldName('left')?.text ?? '')) return true;
  const call = ancestor(dict, 'call');
  return call !== undefined && /^(settings\.)?DATABASES\b/.test(call.childForFieldName('function')?.text ?? '');
}

/** The value of a string key in a dict literal. */
function dictEntry(dict: Node, key: string): Node | undefined {
  for (const pair of dict.namedChildren) {
    if (pair?.type === 'pair' && stringValue(pair.childForFieldName('key')) === key) return pair.childForFieldName('value') ?? undefined;
  }
  return undefined;
}

/** Inserts `"CONN_HEALTH_CHECKS": True` after a dict pair, on its own line when the dict is one pair per line. */
function insertPairAfter(text: string, pair: Node, quote: string): OffsetEdit {
  return insertItemAfter(text, pair, `${quote}CONN_HEALTH_CHECKS${quote}: True`);
}

/** Inserts keyword arguments after an argument of a call, matching one-line or one-argument-per-line layout. */
function insertArgumentAfter(text: string, argument: Node, ...items: string[]): OffsetEdit {
  return insertItemAfter(text, argument, ...items);
}

/**
 * Inserts items after an element of a bracketed list (call arguments, dict pairs). One-line lists get `, item`;
 * multi-line lists get each item on its own line at the element's indent, keeping the trailing-comma style.
 */
function insertItemAfter(text: string, element: Node, ...items: string[]): OffsetEdit {
  const next = element.nextSibling;
  const hasComma = next?.type === ',';
  const container = element.parent!;
  const multiline = text.slice(container.startIndex, element.startIndex).includes('\n');
  if (!multiline) {
    return { start: element.endIndex, end: element.endIndex, newText: items.map((i) => `, ${i}`).join('') };
  }
  const indent = indentOf(text, element.startIndex);
  if (hasComma) {
    // After the comma's line (keeping a trailing comment there) unless more elements follow on that line.
    const eol = text.indexOf('\n', next!.endIndex);
    const rest = text.slice(next!.endIndex, eol === -1 ? text.length : eol).trim();
    if (eol !== -1 && (rest === '' || rest.startsWith('#'))) {
      return { start: eol, end: eol, newText: items.map((i) => `\n${indent}${i},`).join('') };
    }
    return { start: next!.endIndex, end: next!.endIndex, newText: items.map((i) => ` ${i},`).join('') };
  }
  return { start: element.endIndex, end: element.endIndex, newText: items.map((i) => `,\n${indent}${i}`).join('') };
}

/** Inserts a line after a statement, at its indentation. */
function insertLineAfter(text: string, statement: Node, line: string): OffsetEdit {
  const eol = text.indexOf('\n', statement.endIndex);
  const at = eol === -1 ? text.length : eol + 1;
  return { start: at, end: at, newText: `${eol === -1 ? '\n' : ''}${indentOf(text, statement.startIndex)}${line}\n` };
}

function lastArgumentOf(call: Node): Node | undefined {
  const args = call.childForFieldName('arguments')?.namedChildren.filter((a): a is Node => a !== null && a.type !== 'comment') ?? [];
  return args[args.length - 1];
}
