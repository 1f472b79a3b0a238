/**
 * One-off JavaScript/TypeScript scripts at a project's root (`fix-deployment-issues.js`, `update-test-users.js`,
 * `check-db.mjs`): a person runs them by hand with `node`, against the database or an API, and no deploy starts
 * them. The request-path rules do not report there.
 *
 * A root script counts as run by hand only when the project shows how it starts (a package.json `start` script or
 * another start file) and that start reaches nothing of it: no start file names it (package.json's `main` and
 * scripts, a Dockerfile, a Procfile), no other source file imports or requires it, it is not a file a framework or
 * tool loads by its name (`*.config.js`, `server.js`, `middleware.ts`, `instrumentation.ts`), and it neither serves
 * nor keeps running (`listen(`, `createServer(`, a cron schedule, a queue worker, an interval).
 */
import type { ProjectInfo } from '../rules/api';
import { listedFiles, sameList } from './cache';

const ROOT_SCRIPT = /^[^/]+\.[cm]?[jt]s$/;
/** Files a framework, runtime or tool loads by name, and the names a Node entry point conventionally has. */
const LOADED_BY_NAME =
  /^\.|\.d\.[cm]?ts$|(^|[.-])config\.[cm]?[jt]s$|rc\.[cm]?js$|^(server|index|app|main|start|bot|worker|worker[-_]\w+|cron|scheduler|instrumentation|instrumentation-client|middleware|proxy|sw|service-worker|gulpfile|gruntfile|jakefile|next-env)\.[cm]?[jt]s$/i;
/** Code that serves or keeps its process running: a process of its own, even when no file in view starts it. */
const SERVES_OR_LOOPS =
  /\.listen\(|\bcreateServer\(|\bcron\.schedule\(|\bnew\s+(?:CronJob|Worker|Queue)\b|\bsetInterval\(|\bstartStandaloneServer\(|\bserve\(\s*\{/;
const SOURCE = /\.(?:[cm]?[jt]sx?|vue|svelte|astro|html)$/;
const IGNORED = /(^|\/)(node_modules|dist|build|\.next|out|coverage)\//;

/**
 * The root JS/TS file `relPath` is a script run by hand. `startedByDeploy` says whether a start file of the project
 * names it (analysis/reach.ts's test), `startFiles` which files start processes (asked only for a candidate).
 */
export function handRunRootScript(
  relPath: string,
  project: ProjectInfo,
  text: string,
  startedByDeploy: () => boolean,
  startFiles: () => readonly string[],
): boolean {
  if (!ROOT_SCRIPT.test(relPath) || LOADED_BY_NAME.test(relPath) || SERVES_OR_LOOPS.test(text)) return false;
  const imported = importedRootScripts(project);
  if (imported === undefined || !showsItsStart(project, startFiles())) return false;
  if (startedByDeploy()) return false;
  return !imported.has(relPath.replace(/\.[^.]+$/, ''));
}

/** The project says how it starts: a package.json `start` script, or a start file other than package.json. */
function showsItsStart(project: ProjectInfo, startFiles: readonly string[]): boolean {
  if (startFiles.some((f) => !/(^|\/)package\.json$/.test(f))) return true;
  const pkg = project.readFile('package.json');
  return pkg !== undefined && /"start"\s*:/.test(pkg);
}

interface Memo {
  files: readonly string[];
  inputs: Map<string, string | undefined>;
  imported: Set<string>;
}
const memos = new WeakMap<ProjectInfo, Memo>();

/**
 * Stems of root scripts some other source file names in a quoted path (`require('./db-init')`, `'../check.js'`);
 * undefined when the file list cannot be read.
 */
function importedRootScripts(project: ProjectInfo): ReadonlySet<string> | undefined {
  const files = listedFiles(project);
  if (!files) return undefined;
  const memo = memos.get(project);
  if (memo && sameList(memo.files, files) && [...memo.inputs].every(([f, text]) => project.readFile(f) === text)) return memo.imported;
  const stems = files.filter((f) => ROOT_SCRIPT.test(f)).map((f) => f.replace(/\.[^.]+$/, ''));
  const inputs = new Map<string, string | undefined>();
  const imported = new Set<string>();
  if (stems.length > 0) {
    const quoted = /['"`]((?:\.{1,2}\/|[@~]\/|\/)(?:[^'"`\s]*\/)?)?([\w.-]+?)(?:\.[cm]?[jt]sx?)?['"`]/g;
    const wanted = new Set(stems);
    for (const f of files) {
      if (!SOURCE.test(f) || IGNORED.test(f)) continue;
      const text = project.readFile(f);
      inputs.set(f, text);
      if (text === undefined) continue;
      const own = f.replace(/\.[^.]+$/, '');
      for (const m of text.matchAll(quoted)) {
        // A bare name ('dotenv') is a package, unless it is a root file's stem (a require of a sibling by bare name
        // does not resolve in Node, but bundlers' baseUrl may): counting it keeps the file reached.
        if (wanted.has(m[2]) && m[2] !== own) imported.add(m[2]);
      }
    }
  }
  memos.set(project, { files, inputs, imported });
  return imported;
}
