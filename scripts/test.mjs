// `npm test`: every test, in order of speed — type check, the mocha suite (rules, engine, CLI, language
// server over stdio), then the end-to-end suite and UI check in a real VS Code (their dependencies installed
// first when missing). Ends with one line
// "tests: N passed, N failed" over all of them; exits non-zero when anything failed.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const npx = (bin) => path.join(root, 'node_modules', '.bin', bin);
let passed = 0;
let failed = 0;

/** Runs a step, echoing its output; `count` reads "passed"/"failed" numbers from it. */
function step(name, command, args, count) {
  process.stdout.write(`\n== ${name}\n`);
  const r = spawnSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
  process.stdout.write(r.stdout ?? '');
  process.stderr.write(r.stderr ?? '');
  const counted = count(`${r.stdout}\n${r.stderr}`);
  passed += counted.passed;
  failed += counted.failed;
  if (r.status !== 0 && counted.failed === 0) failed += 1; // the step itself broke (build error, crash)
}

const single = (output, ok) => (ok ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 });
const mochaCounts = (output) => {
  const summary = [...output.matchAll(/tests: (\d+) passed, (\d+) failed/g)].pop();
  if (summary) return { passed: Number(summary[1]), failed: Number(summary[2]) };
  const p = [...output.matchAll(/(\d+) passing/g)].pop();
  const f = [...output.matchAll(/(\d+) failing/g)].pop();
  return { passed: p ? Number(p[1]) : 0, failed: f ? Number(f[1]) : 0 };
};

step('build', process.execPath, [path.join(root, 'scripts', 'build.mjs')], (out) => single(out, !/error/i.test(out)));
step('type check (tsc)', npx('tsc'), ['-p', '.', '--noEmit'], (out) => single(out, !/error TS/.test(out)));
// The end-to-end tests need code-server, chromium and playwright, the hook test pre-commit: installed here when
// missing (idempotent, under 1 s when present). Without root or passwordless sudo for the apt part, the script
// says in one line what to run.
process.stdout.write('\n== end-to-end dependencies (scripts/install-e2e-deps.sh)\n');
const deps = spawnSync('bash', [path.join(root, 'scripts', 'install-e2e-deps.sh')], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] });
if (deps.status === 0) process.stderr.write(deps.stderr);
step('mocha: rules, engine, CLI, language server', npx('mocha'), [], mochaCounts);
if (deps.status === 0) {
  step('end-to-end: mocha suite in a real VS Code', process.execPath, [path.join(root, 'test', 'e2e', 'suite', 'run.mjs')], mochaCounts);
  step('end-to-end: UI check in a real VS Code', npx('tsx'), [path.join(root, 'test', 'e2e', 'ui-check.ts')], (out) => single(out, !/\[ui\] failed/.test(out)));
} else {
  const said = deps.stderr.split('\n').filter((l) => l.startsWith('[e2e-deps]')).pop();
  process.stdout.write(`\n== end-to-end tests not run: ${said ?? `scripts/install-e2e-deps.sh failed (exit ${deps.status}): ${deps.stderr.trim().split('\n').pop()}`}\n`);
  failed += 1;
}

process.stdout.write(`\ntests: ${passed} passed, ${failed} failed\n`);
process.exitCode = failed ? 1 : 0;
