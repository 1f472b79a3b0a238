/**
 * The N+1 proof: runs the example apps (examples/django-shop-n1, examples/sqlalchemy-orders) for real with Debian's
 * Django, DRF and SQLAlchemy, counts the queries of every endpoint at two table sizes, applies `memlint --fix` to a
 * copy and counts again. Which endpoints memlint flags comes from its JSON report, mapped to endpoints through the
 * source ranges the driver (measure.py) reports for each one — never from a list written here.
 *
 * Used by test/realworld/n-plus-one-queries.test.ts (assertions) and scripts/n-plus-one-proof.ts (the table in
 * docs/PERFORMANCE.md).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const APPS = ['django-shop-n1', 'sqlalchemy-orders'] as const;
export const ROW_COUNTS = [50, 200] as const;
/** Debian's interpreter: the packages below install into it, not into a pyenv/virtualenv python3 on PATH. */
export const SYSTEM_PYTHON = '/usr/bin/python3';
export const DEBIAN_PACKAGES = ['python3-django', 'python3-djangorestframework', 'python3-sqlalchemy'];
export const INSTALL_HINT = `sudo apt-get install ${DEBIAN_PACKAGES.join(' ')} (or: sudo bash scripts/install-e2e-deps.sh)`;
/** After the fix, a flagged endpoint must run at most this many queries, whatever the number of rows. */
export const MAX_QUERIES_AFTER_FIX = 4;

interface CodeRange {
  file: string;
  startLine: number;
  endLine: number;
}

interface Measured {
  name: string;
  kind: 'django' | 'sqlalchemy';
  status: number | null;
  /** The exception a view or report raised (the end of its traceback). */
  error: string | null;
  queries: number;
  /** Peak traced memory of the call (tracemalloc), measured at the largest row count only. */
  peakBytes: number | null;
  body: string;
  code: CodeRange[];
}

interface Measurement {
  rows: number;
  versions: Record<string, string>;
  endpoints: Measured[];
}

interface JsonRange {
  start: { line: number; column: number };
  end: { line: number; column: number };
}

export interface JsonFinding {
  ruleId: string;
  message: string;
  file: string;
  range: JsonRange;
  fixes: { title: string; safety: string; edits: { file?: string; range: JsonRange; newText: string }[] }[];
}

/** What was measured and reported for one endpoint. */
export interface EndpointResult {
  name: string;
  kind: 'django' | 'sqlalchemy';
  /** memlint's n-plus-one findings mapped to this endpoint (before the fix). */
  findings: JsonFinding[];
  /** Query counts per row count, before and after `memlint --fix`. */
  before: Record<number, number>;
  after: Record<number, number>;
  /** Peak traced memory at the largest row count (tracemalloc doubles the run time, so only there). */
  peakBefore: number;
  peakAfter: number;
  status: { before: Record<number, number | null>; after: Record<number, number | null> };
  /** The first exception raised, before or after the fix. */
  error?: string;
  /** The response (or report rows) after the fix is byte for byte the one before, at every row count. */
  sameBody: boolean;
  /** First row count whose response differs, with the two bodies' first difference. */
  bodyDiff?: string;
}

export interface ProofResult {
  versions: Record<string, string>;
  endpoints: EndpointResult[];
  /** Findings that fall in no endpoint's code, or in several with no fix to tell which. */
  unmapped: { finding: JsonFinding; candidates: string[] }[];
  /** n-plus-one findings memlint still reports on the fixed copy. */
  remaining: JsonFinding[];
  /** memlint --fix's own summary (stderr). */
  fixLog: string;
  seconds: number;
}

/** The queries grow with the rows: the endpoint runs one more query per row (or per group of rows). */
export const growsWithRows = (q: Record<number, number>) => q[ROW_COUNTS[1]] > q[ROW_COUNTS[0]];

/** Throws with the install command when Debian's Python cannot import the three frameworks. */
export function checkPythonPackages(): void {
  const r = spawnSync(SYSTEM_PYTHON, ['-c', 'import django, rest_framework, sqlalchemy'], { encoding: 'utf8', env: pythonEnv() });
  if (r.error || r.status !== 0) {
    throw new Error(
      `${SYSTEM_PYTHON} cannot import django, rest_framework and sqlalchemy ` +
        `(${(r.error?.message ?? r.stderr.trim().split('\n').pop()) || 'unknown error'}). Install Debian's packages: ${INSTALL_HINT}`,
    );
  }
}

function pythonEnv(): NodeJS.ProcessEnv {
  // Not inherited: DJANGO_SETTINGS_MODULE, PYTHONPATH, DATABASE_URL... would change what the example runs.
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', TMPDIR: os.tmpdir(), PYTHONDONTWRITEBYTECODE: '1' };
}

function memlint(cwd: string, args: string[]) {
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'memlint.js'), ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status === null || r.status > 1) throw new Error(`memlint ${args.join(' ')} failed (exit ${r.status}): ${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

function nPlusOneFindings(cwd: string): JsonFinding[] {
  const out = memlint(cwd, ['.', '--format', 'json', '--select', 'n-plus-one', '--exit-zero']).stdout;
  return (JSON.parse(out).findings as JsonFinding[]).filter((f) => f.ruleId === 'n-plus-one');
}

/** Runs measure.py on one copy of the apps, asynchronously so two copies can be measured side by side. */
async function measure(root: string, rows: number): Promise<Measurement> {
  const args = [
    path.join(__dirname, 'measure.py'),
    '--root', root,
    '--django', path.join(root, 'django-shop-n1'),
    '--sqlalchemy', path.join(root, 'sqlalchemy-orders'),
    '--rows', String(rows),
    ...(rows === ROW_COUNTS[ROW_COUNTS.length - 1] ? ['--memory'] : []),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(SYSTEM_PYTHON, args, { cwd: root, env: pythonEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`measure.py --rows ${rows} in ${root} failed (exit ${code}):\n${stderr.slice(-4000)}`));
      else resolve(JSON.parse(stdout) as Measurement);
    });
  });
}

const inRange = (c: CodeRange, file: string, line: number) => c.file === file && line >= c.startLine && line <= c.endLine;

/**
 * The endpoints a finding is about. Its position names the code it sits in (a view, a serializer, a template, a
 * report function); a serializer or template shared by several endpoints is narrowed by where its fix edits the
 * code (the view whose queryset gets the select_related). Edits without a file are in the finding's file.
 */
export function endpointsOf(finding: JsonFinding, endpoints: Measured[]): string[] {
  const at = (file: string, line: number) => endpoints.filter((e) => e.code.some((c) => inRange(c, file, line))).map((e) => e.name);
  const located = at(finding.file, finding.range.start.line);
  const edited = new Set(finding.fixes.flatMap((f) => f.edits.flatMap((e) => at(e.file ?? finding.file, e.range.start.line))));
  const narrowed = located.filter((n) => edited.has(n));
  if (narrowed.length) return narrowed;
  return located.length ? located : [...edited];
}

function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const around = (s: string) => JSON.stringify(s.slice(Math.max(0, i - 60), i + 60));
  return `at character ${i}: before ${around(a)}, after ${around(b)}`;
}

/** Copies the apps twice, reports and fixes one copy with memlint, measures both at both row counts. */
export async function runProof(): Promise<ProofResult> {
  const started = Date.now();
  checkPythonPackages();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-n1-proof-'));
  try {
    const before = path.join(work, 'before');
    const fixed = path.join(work, 'fixed');
    for (const copy of [before, fixed]) {
      for (const app of APPS) fs.cpSync(path.join(REPO, 'examples', app), path.join(copy, app), { recursive: true });
    }
    const findings = nPlusOneFindings(before);
    const fixLog = memlint(fixed, ['.', '--fix', '--select', 'n-plus-one', '--exit-zero']).stderr;
    const remaining = nPlusOneFindings(fixed);

    const measuredBefore: Record<number, Measurement> = {};
    const measuredAfter: Record<number, Measurement> = {};
    for (const rows of ROW_COUNTS) {
      // Two processes at a time: the two copies at the same row count.
      [measuredBefore[rows], measuredAfter[rows]] = await Promise.all([measure(before, rows), measure(fixed, rows)]);
    }

    const reference = measuredBefore[ROW_COUNTS[0]].endpoints;
    const unmapped: ProofResult['unmapped'] = [];
    const byEndpoint = new Map<string, JsonFinding[]>(reference.map((e) => [e.name, []]));
    for (const finding of findings) {
      const names = endpointsOf(finding, reference);
      if (names.length !== 1) unmapped.push({ finding, candidates: names });
      else byEndpoint.get(names[0])!.push(finding);
    }

    const endpoints: EndpointResult[] = reference.map((ref) => {
      const get = (m: Record<number, Measurement>, rows: number) => {
        const e = m[rows].endpoints.find((x) => x.name === ref.name);
        if (!e) throw new Error(`${ref.name} was not measured at ${rows} rows`);
        return e;
      };
      const result: EndpointResult = {
        name: ref.name,
        kind: ref.kind,
        findings: byEndpoint.get(ref.name)!,
        before: {},
        after: {},
        peakBefore: get(measuredBefore, ROW_COUNTS[1]).peakBytes ?? NaN,
        peakAfter: get(measuredAfter, ROW_COUNTS[1]).peakBytes ?? NaN,
        status: { before: {}, after: {} },
        sameBody: true,
      };
      for (const rows of ROW_COUNTS) {
        const b = get(measuredBefore, rows);
        const a = get(measuredAfter, rows);
        result.before[rows] = b.queries;
        result.after[rows] = a.queries;
        result.status.before[rows] = b.status;
        result.status.after[rows] = a.status;
        result.error ??= b.error ? `before the fix, ${rows} rows: ${b.error}` : a.error ? `after the fix, ${rows} rows: ${a.error}` : undefined;
        if (b.body !== a.body && result.sameBody) {
          result.sameBody = false;
          result.bodyDiff = `${rows} rows: ${firstDifference(b.body, a.body)}`;
        }
      }
      return result;
    });
    return { versions: measuredBefore[ROW_COUNTS[0]].versions, endpoints, unmapped, remaining, fixLog, seconds: (Date.now() - started) / 1000 };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

const kb = (bytes: number) => `${Math.round(bytes / 1024).toLocaleString('en-US')} KB`;

/** What the proof says of one endpoint, in words. */
export function verdictOf(e: EndpointResult): string {
  const nPlusOne = growsWithRows(e.before);
  if (!e.findings.length) return nPlusOne ? 'missed' : 'not flagged, constant';
  if (!nPlusOne) return 'false positive';
  const fixed = !growsWithRows(e.after) && e.after[ROW_COUNTS[1]] <= MAX_QUERIES_AFTER_FIX;
  return `flagged (${e.findings.length}), ${fixed ? 'fixed' : 'NOT fixed'}`;
}

/** The Markdown table of docs/PERFORMANCE.md: one row per endpoint. */
export function formatTable(result: ProofResult): string {
  const [small, large] = ROW_COUNTS;
  const lines = [
    `| endpoint | memlint n-plus-one | queries before (${small} / ${large} orders) | queries after \`memlint --fix\` | peak Python memory at ${large} orders, before -> after | same response |`,
    '|---|---|---|---|---|---|',
  ];
  for (const e of result.endpoints) {
    lines.push(
      `| \`${e.name}\` | ${verdictOf(e)} | ${e.before[small]} / ${e.before[large]}${growsWithRows(e.before) ? ' (N+1)' : ''} | ` +
        `${e.after[small]} / ${e.after[large]}${growsWithRows(e.after) ? ' (N+1)' : ''} | ${kb(e.peakBefore)} -> ${kb(e.peakAfter)} | ${e.sameBody ? 'yes' : 'NO'} |`,
    );
  }
  return lines.join('\n');
}
