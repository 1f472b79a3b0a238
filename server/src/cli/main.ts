/** `memlint` command: the engine over files on disk, reported as text, JSON, SARIF or HTML. */
import { disableStatementCachesInThisThread } from '../../../analysis/cache';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../engine/config';
import { BUDGET_READS_TOPIC, budgetReads, workspaceBudgets, workspaceUnestimated } from '../engine/budget';
import { factsExchange } from '../../../analysis/shared-facts';
import { buildReport } from '../engine/report';
import { Workspace } from '../engine/workspace';
import { scanParallel } from '../engine/parallel-scan';
import { keepYoungGenerationSmall } from '../engine/batch-heap';
import { readRegularText } from '../engine/safe-read';
import { DEFAULT_FILE_TIME_LIMIT_MS, scanWithTimeLimit } from '../engine/time-limited-scan';
import type { FileResult } from '../engine/types';
import { applyFixesToFiles } from './apply-fixes';
import { parseCliArgs, UsageError, USAGE, type CliOptions } from './args';
import { displayPathFrom } from './display';
import { formatGithub } from './format-github';
import { formatHtml } from './format-html';
import { formatJson } from './format-json';
import { formatSarif } from './format-sarif';
import { formatStatistics } from './format-statistics';
import { formatText } from './format-text';
import { formatDiff, previewFixes } from './fix-preview';
import { watchAndRun } from './watch';
import { ProgressBar } from './progress';
import { VERSION } from './version';
import { mark, markThreadStart } from '../../../analysis/timeline';

export async function run(argv: string[], cwd = process.cwd()): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCliArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`memlint: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (options.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (options.version) {
    process.stdout.write(VERSION + '\n');
    return 0;
  }
  if (options.watch) {
    const once = argv.filter((a) => a !== '--watch' && a !== '-w');
    return watchAndRun(workspaceRoot(options.paths, cwd), () => run(once, cwd));
  }

  markThreadStart();
  mark('cli run');
  // Before the scan allocates anything: a batch scan's young generations stay small (batch-heap.ts).
  keepYoungGenerationSmall();
  // Read by docsUrl() in this thread and in the scan workers (they inherit the environment).
  if (options.docsUrl) process.env.MEMLINT_DOCS_URL = options.docsUrl;
  const root = workspaceRoot(options.paths, cwd);
  let workspace: Workspace;
  try {
    workspace = await Workspace.open({
      root,
      configFile: options.config ? path.resolve(cwd, options.config) : undefined,
      filter: { select: options.select, ignore: options.ignore },
    });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`memlint: configuration error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  mark('workspace open');
  for (const note of workspace.config.notes) process.stderr.write(`memlint: note: ${note}\n`);
  const unknown = [...options.select, ...options.ignore].filter((id) => !workspace.rules.some((r) => r.meta.id === id));
  if (unknown.length) {
    process.stderr.write(`memlint: unknown rule id${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}\n`);
    return 2;
  }

  let files: FileResult[];
  const started = performance.now();
  try {
    const targets = options.paths.map((p) => path.resolve(cwd, p));
    const progress = new ProgressBar(process.stderr);
    const onProgress = (p: { done: number; total: number }) => progress.update(p.done, p.total);
    const fileTimeoutMs = fileTimeLimitMs();
    files = fileTimeoutMs > 0
      ? await scanWithTimeLimit(workspace, { files: () => workspace.discover(targets), fileTimeoutMs, onProgress, whileScanning: options.diff ? undefined : () => warmBudgets(workspace) })
      : await scanParallel(workspace, targets, { onProgress });
    progress.done();
  } catch (e) {
    process.stderr.write(`memlint: ${(e as Error).message}\n`);
    return 2;
  }

  const display = displayPathFrom(cwd);
  if (options.diff) {
    const previews = previewFixes(workspace, files, { unsafe: options.unsafeFixes });
    process.stdout.write(formatDiff(previews, display));
    const count = previews.reduce((n, p) => n + p.applied.length, 0);
    process.stderr.write(
      count
        ? `Would fix ${count} problem${count === 1 ? '' : 's'} in ${previews.length} file${previews.length === 1 ? '' : 's'} (nothing was changed).\n`
        : 'No fixes to apply.\n',
    );
    return count > 0 ? 1 : 0;
  }
  if (options.fix) {
    const outcome = applyFixesToFiles(workspace, files, { unsafe: options.unsafeFixes });
    const count = outcome.changed.reduce((n, c) => n + c.fixes.length, 0);
    if (count) {
      process.stderr.write(`Fixed ${count} problem${count === 1 ? '' : 's'} in ${outcome.changed.length} file${outcome.changed.length === 1 ? '' : 's'}:\n`);
      for (const c of outcome.changed) {
        for (const f of c.fixes) process.stderr.write(`  ${display(c.path)}:${f.line}: ${f.ruleId}: ${f.title}\n`);
      }
    } else {
      process.stderr.write('No fixes applied.\n');
    }
    // Report what is left, from the files as they are now.
    const changed = new Set(outcome.changed.map((c) => c.path));
    files = files.map((f) => (changed.has(f.path) ? workspace.analyzeFile(f.path) : f));
    for (const n of outcome.notes) files.find((f) => f.path === n.path)?.notes.push(n);
  }

  mark('scan done');
  const report = buildReport(root, files, performance.now() - started, workspaceBudgets(workspace, files));
  report.unestimated = workspaceUnestimated(workspace);
  mark('report built');
  let output: string;
  switch (options.statistics ? 'statistics' : options.format) {
    case 'statistics':
      output = formatStatistics(report, options.format === 'json' ? 'json' : 'text');
      break;
    case 'json':
      output = formatJson(report, display, VERSION);
      break;
    case 'sarif':
      output = formatSarif(report, workspace.rules, cwd, VERSION, readTextOrUndefined);
      break;
    case 'github':
      output = formatGithub(report, display);
      break;
    case 'html':
      output = formatHtml(report, display, readTextOrUndefined, VERSION);
      break;
    default:
      output = formatText(report, display, options.color && !options.output && !!process.stdout.isTTY);
  }
  if (options.output) {
    const file = path.resolve(cwd, options.output);
    try {
      // A report folder that does not exist yet is created (as ESLint does for --output-file).
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, output);
    } catch (e) {
      process.stderr.write(`memlint: cannot write the report to ${options.output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return 2;
    }
    process.stderr.write(`Wrote ${options.format} report to ${options.output} (${report.totals.findings} problems).\n`);
  } else {
    process.stdout.write(output);
  }
  mark('output written');
  return report.totals.findings > 0 && !options.exitZero ? 1 : 0;
}

/**
 * The deploy search behind the report's budgets (compose, Dockerfiles, Procfiles...), done while the scan workers
 * start: it is cached until one of the files it read changes, so the report's budgets reuse it after the scan.
 */
function warmBudgets(workspace: Workspace): void {
  try {
    mark('deploy search');
    workspaceBudgets(workspace, []);
    mark('deploy search done');
    // The workers fix the files the estimates read as they analyse them, with their analysis warm.
    factsExchange()?.publish(BUDGET_READS_TOPIC, [[BUDGET_READS_TOPIC, budgetReads(workspace) ?? []]]);
    workspaceUnestimated(workspace);
  } catch {
    // the report's own call says what went wrong
  }
}

/** The per-file time limit (MEMLINT_FILE_TIME_LIMIT_MS overrides it; 0 analyses in-process, without a limit). */
function fileTimeLimitMs(): number {
  const env = process.env.MEMLINT_FILE_TIME_LIMIT_MS;
  const value = env === undefined || env === '' ? DEFAULT_FILE_TIME_LIMIT_MS : Number(env);
  return Number.isFinite(value) && value >= 0 ? value : DEFAULT_FILE_TIME_LIMIT_MS;
}

/** A single directory argument is the workspace (its config, its relative paths); otherwise the cwd. */
function workspaceRoot(paths: readonly string[], cwd: string): string {
  if (paths.length === 1) {
    const abs = path.resolve(cwd, paths[0]);
    try {
      if (fs.statSync(abs).isDirectory()) return abs;
    } catch {
      // reported when the scan starts
    }
  }
  return cwd;
}

function readTextOrUndefined(abs: string): string | undefined {
  // The HTML report quotes lines of files already analysed: the same limits as reading them.
  return readRegularText(abs, 64 * 1048576);
}

if (require.main === module) {
  // The command line analyses each file once (per save under --watch): per-statement answers, kept for the language
  // server's keystrokes, would only hold memory.
  disableStatementCachesInThisThread();
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`memlint: internal error: ${(e as Error).stack ?? e}\n`);
      process.exitCode = 2;
    },
  );
}
