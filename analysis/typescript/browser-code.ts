/**
 * Browser code: TS/JS that runs in a user's page, not in a server process. A module-level registry in a React
 * app lives as long as the tab, so server-memory rules (unbounded-cache) have nothing to say about it.
 *
 * A file is browser code when it sits in a folder of files served to browsers as they are (`static/`, `public/`,
 * `assets/`: a Django app's vendored pdf.js, an Express app's public/js), or when its package (the nearest
 * package.json above it) depends on a browser UI framework and on no server framework or server-rendering framework
 * (Next.js, Nuxt, Remix, SvelteKit, Astro run the same components on the server, so their packages are never
 * treated as browser-only), or when no package.json is above it and it is a templates folder's script or a
 * vendored bundle.
 */
import type { RuleContext } from '../../rules/api';

const BROWSER_FRAMEWORKS = /^(react|react-dom|vue|@angular\/core|svelte|preact|solid-js|@vue\/runtime-dom|ember-source|lit|jquery)$/;
const SERVER_FRAMEWORKS =
  /^(express|fastify|koa|@nestjs\/core|@hapi\/hapi|hapi|hono|restify|polka|@adonisjs\/core|sails|loopback|@loopback\/core|next|nuxt|@remix-run\/\w+|@sveltejs\/kit|astro|@builder\.io\/qwik-city|@trpc\/server|apollo-server(-\w+)?|@apollo\/server|graphql-yoga|socket\.io|ws|electron)$/;

const SERVED_AS_IS = /(^|\/)(static|staticfiles|public|assets|wwwroot)\//;
/**
 * Without any package.json above them, scripts in a server-side templates folder (a Django/Flask `templates/`
 * holding a vendored Bootstrap) and vendored bundles (`bootstrap.esm.js`, `chart.umd.js`, `app.bundle.js`) are
 * pages' scripts: a Node server always has a package.json.
 */
const PAGE_SCRIPT_WITHOUT_PACKAGE = /(^|\/)templates\/|\.(esm|umd|bundle|min)\.[cm]?js$/;

/** True when the file is served to browsers as it is, or its package is a browser-only front end. */
export function isBrowserCode(ctx: RuleContext): boolean {
  if (SERVED_AS_IS.test(ctx.file.relPath)) return true;
  const manifest = nearestPackageJson(ctx);
  if (!manifest) return PAGE_SCRIPT_WITHOUT_PACKAGE.test(ctx.file.relPath);
  const names = dependencyNames(manifest);
  return names.some((n) => BROWSER_FRAMEWORKS.test(n)) && !names.some((n) => SERVER_FRAMEWORKS.test(n));
}

function nearestPackageJson(ctx: RuleContext): string | undefined {
  const parts = ctx.file.relPath.split('/').slice(0, -1);
  for (let depth = parts.length; depth >= 0; depth--) {
    const dir = parts.slice(0, depth).join('/');
    const text = ctx.project.readFile(dir ? `${dir}/package.json` : 'package.json');
    if (text !== undefined) return text;
  }
  return undefined;
}

/** Dependency names per package.json text: every file of a front end asks about the same few manifests. */
const namesByManifest = new Map<string, string[]>();

function dependencyNames(manifestText: string): string[] {
  let names = namesByManifest.get(manifestText);
  if (!names) {
    if (namesByManifest.size >= 32) namesByManifest.clear();
    namesByManifest.set(manifestText, (names = readDependencyNames(manifestText)));
  }
  return names;
}

function readDependencyNames(manifestText: string): string[] {
  try {
    const manifest = JSON.parse(manifestText) as Record<string, unknown>;
    const names: string[] = [];
    for (const key of ['dependencies', 'devDependencies', 'peerDependencies']) {
      const deps = manifest[key];
      if (deps && typeof deps === 'object') names.push(...Object.keys(deps));
    }
    return names;
  } catch {
    return []; // an unreadable package.json says nothing about where the code runs
  }
}
