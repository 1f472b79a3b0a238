/**
 * session-memory-store: server-side session middleware left on its default in-process MemoryStore:
 * `express-session` (also through Nest's `app.use(session(...))`), `@fastify/session` / `fastify-session`
 * registered without `store`, and `koa-generic-session`; an explicit `new session.MemoryStore()` too.
 * Cookie-based sessions (`cookie-session`, `koa-session`, `@fastify/secure-session`) keep nothing in memory and
 * are not reported.
 */
import { ts } from 'ts-morph';
import { defineRule, type RuleContext } from '../api';
import { asObjectLiteral, hasSpread, indexOf, initializerOf, methodCall, objectProperty, objectPropertyValue, unwrap } from '../../analysis/typescript/ast';
import { isOfflineFile } from '../../analysis/typescript/handlers';
import { requiredModule, resolveImport } from '../../analysis/typescript/imports';

/** Session middlewares whose default store is process memory, by module. */
const MEMORY_DEFAULT: Record<string, string> = {
  'express-session': 'express-session',
  'koa-generic-session': 'koa-generic-session',
  '@fastify/session': '@fastify/session',
  'fastify-session': 'fastify-session',
};
const FASTIFY_PLUGINS = new Set(['@fastify/session', 'fastify-session']);
const STORES = 'connect-redis, connect-pg-simple, connect-mongo or another shared store';

export default defineRule({
  meta: {
    id: 'session-memory-store',
    kinds: ['typescript', 'javascript'],
    defaultSeverity: 'warning',
    fix: 'none',
    messages: {
      'memory-store': '{{module}} with MemoryStore keeps every session in process memory: use a shared store',
      'default-store': '{{module}} without a store keeps every session in process memory: use a shared store',
    },
    trigger: /express-session|koa-generic-session|fastify-session|@fastify\/session/,
    docs: {
      summary: 'Session middleware that keeps every session in process memory (its default MemoryStore).',
      whatItDoes:
        'Finds `express-session` (`session({...})`, also in a Nest `main.ts`), `@fastify/session` / `fastify-session` ' +
        '(`app.register(fastifySession, {...})`) and `koa-generic-session` set up without a `store`, and an explicit ' +
        '`store: new session.MemoryStore()`, in server code (tests, scripts, migrations and seeds are left out). The ' +
        'libraries are recognised from imports and `require`s, however renamed.',
      whyIsThisBad:
        'Without a `store` these middlewares keep every session in a plain object inside the Node process. It grows ' +
        'with every visitor (with `saveUninitialized`, the default, bots and health checks each get one), expired ' +
        'sessions are only dropped when the same client comes back, and nothing caps it: on a 512 MB instance the heap ' +
        "grows until the process is killed, and every restart logs everyone out. express-session's own documentation " +
        'warns that MemoryStore "will leak memory under most conditions, does not scale past a single process, and is ' +
        'meant for debugging and developing". Several instances (or pm2/cluster processes) also each see different sessions.',
      example: {
        fileName: 'server.ts',
        code: `import express from 'express';
import session from 'express-session';

const app = express();
app.use(session({ secret: process.env.SESSION_SECRET!, resave: false, saveUninitialized: false }));

app.get('/', (req, res) => {
  res.send('ok');
});

app.listen(Number(process.env.PORT ?? 3000));
`,
      },
      useInstead: {
        fileName: 'server.ts',
        code: `import express from 'express';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';

const redis = createClient({ url: process.env.REDIS_URL });
void redis.connect();

const app = express();
app.use(session({ store: new RedisStore({ client: redis }), secret: process.env.SESSION_SECRET!, resave: false, saveUninitialized: false }));

app.get('/', (req, res) => {
  res.send('ok');
});

app.listen(Number(process.env.PORT ?? 3000));
`,
      },
      fixSafety:
        'No automatic fix: a store needs a service (Redis, Postgres) and its connection, which only the project can choose. ' +
        'The message names stores that fit.',
      notes:
        'Options passed as a variable or with a spread (`session(options)`, `{ ...base }`) are not reported: a store may ' +
        'be in them. Cookie sessions (`cookie-session`, `koa-session`, `@fastify/secure-session`) store the data in the ' +
        'cookie, not in memory, and are not reported; nor is the `memorystore` package, an LRU store with a size bound.',
    },
  },
  check(ctx) {
    if (isOfflineFile(ctx.file.relPath)) return;
    const sf = ctx.typescript();
    for (const call of indexOf(sf).calls) {
      const callee = unwrap(call.expression);
      // `session(...)`, `s.default(...)`, and `require('express-session')(...)` called in place.
      const module =
        ts.isIdentifier(callee) || ts.isPropertyAccessExpression(callee) ? resolveImport(call.expression)
        : ts.isCallExpression(callee) ? requiredModule(callee)
        : undefined;
      if (module && MEMORY_DEFAULT[module] && !FASTIFY_PLUGINS.has(module)) checkOptions(ctx, call.expression, call.arguments[0], module);
      const method = methodCall(call);
      if (method?.name === 'register' && call.arguments[0]) {
        const plugin = resolveImport(unwrap(call.arguments[0]));
        if (plugin && FASTIFY_PLUGINS.has(plugin)) checkOptions(ctx, call.arguments[0], call.arguments[1], plugin);
      }
    }
  },
});

/** Reports a session setup whose options give no store (or name MemoryStore), on `at` (the middleware or plugin). */
function checkOptions(ctx: RuleContext, at: ts.Node, arg: ts.Expression | undefined, module: string): void {
  let explicitMemory = false;
  if (arg) {
    const options = asObjectLiteral(arg);
    if (!options || hasSpread(options)) return; // a variable or a spread may hold a store
    const store = objectProperty(options, 'store');
    if (store) {
      const value = objectPropertyValue(options, 'store');
      if (!value || !isMemoryStore(value)) return;
      explicitMemory = true;
    }
  }
  const saveUninitialized = arg ? objectPropertyValue(asObjectLiteral(arg)!, 'saveUninitialized') : undefined;
  const bots =
    module !== 'express-session' || isFalse(saveUninitialized) ? ''
    : saveUninitialized ? ' (saveUninitialized creates one for every visitor, bots included)'
    : ' (saveUninitialized, true by default, creates one for every visitor, bots included)';
  ctx.report({
    start: at.getStart(),
    end: at.getEnd(),
    messageId: explicitMemory ? 'memory-store' : 'default-store',
    data: { module },
    detail:
      `Every session stays in this process's memory${bots}: it grows with every visitor, frees expired sessions only when their client returns, ` +
      `and is lost on restart. Use ${STORES}.`,
  });
}

/** `new session.MemoryStore()`, `new MemoryStore()` from express-session. */
function isMemoryStore(expr: ts.Expression): boolean {
  let e = unwrap(expr);
  // `const store = new session.MemoryStore(); session({ store })`
  if (ts.isIdentifier(e)) e = unwrap(initializerOf(e) ?? e);
  if (!ts.isNewExpression(e)) return false;
  const target = unwrap(e.expression);
  const name = ts.isIdentifier(target) ? target.text : ts.isPropertyAccessExpression(target) ? target.name.text : undefined;
  if (name !== 'MemoryStore') return false;
  // `memorystore`'s bounded LRU is often bound to the same name (`const MemoryStore = require('memorystore')(session)`):
  // only express-session's own class counts.
  const module = resolveImport(e.expression);
  return module !== undefined && /^(express-session|@fastify\/session|fastify-session|koa-generic-session)\.MemoryStore$/.test(module);
}

function isFalse(expr: ts.Expression | undefined): boolean {
  return expr !== undefined && unwrap(expr).kind === ts.SyntaxKind.FalseKeyword;
}
