/**
 * The budget marks and lens titles without a server (budget-view.ts, code-lens.ts, hover.ts): which lines of a
 * deploy file get a lens (worker and thread counts on one line give one, the limit line its own), compose
 * `mem_limit`, and the hover's table, all from the estimate's own figures.
 */
import * as assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { ProjectInfo } from '../../rules/api';
import { estimateDeploys } from '../../analysis/deploy/estimate';
import { marksIn } from '../../server/src/lsp/budget-view';
import { budgetCodeLenses } from '../../server/src/lsp/code-lens';
import { budgetHover } from '../../server/src/lsp/hover';

function project(files: Record<string, string>): ProjectInfo {
  return { files: () => Object.keys(files), readFile: (rel) => files[rel] };
}

function budgetOf(files: Record<string, string>, rel: string) {
  const doc = TextDocument.create(`file:///ws/${rel}`, 'yaml', 1, files[rel]);
  const estimates = estimateDeploys(project(files));
  return { estimates, budget: marksIn(rel, estimates, (o) => doc.positionAt(o), (f) => files[f]), lines: files[rel].split('\n') };
}

describe('memory budget marks, lenses and hovers', () => {
  it('render.yaml: one lens on the start command (workers and threads on one line) and one on the plan line', () => {
    const files = {
      'render.yaml': 'services:\n  - type: web\n    name: api\n    plan: starter\n    startCommand: gunicorn app:app -w 6 --threads 4\n',
      'requirements.txt': 'flask\ngunicorn\n',
      'app.py': 'from flask import Flask\napp = Flask(__name__)\n',
    };
    const { estimates, budget, lines } = budgetOf(files, 'render.yaml');
    const e = estimates.find((x) => x.id === 'render.yaml#api')!;
    assert.equal(e.processes[0].workers.n, 6);
    assert.equal(e.processes[0].threads.n, 4);
    assert.deepEqual(
      budget.marks.map((m) => [lines[m.range.start.line].trim(), m.kind]),
      [['plan: starter', 'memory limit'], ['startCommand: gunicorn app:app -w 6 --threads 4', 'worker count']],
    );
    // Idle: the workers and the master; the peak adds the threads and the requests in flight; the verdict uses the peak.
    const total = e.items.reduce((s, i) => s + i.count * i.eachMb, 0);
    const idle = e.items.filter((i) => i.phase === 'idle').reduce((s, i) => s + i.count * i.eachMb, 0);
    const diff = Math.round(total - 512);
    const verdict = `~${Math.round(idle)} MB idle, ~${Math.round(total)} MB at peak of 512 MB (Render starter) — ${diff > 0 ? `over by ${diff} MB at peak` : `${-diff} MB to spare at peak`}`;
    const lenses = budgetCodeLenses('file:///ws/render.yaml', budget);
    assert.deepEqual(lenses.map((l) => l.command!.title), [`memlint: ${verdict}`, `memlint: ${verdict}`]);
    assert.ok(e.items.some((i) => i.key === 'thread' && i.count === 6 * 4 && i.phase === 'peak'), 'threads are an item of 6 x 4, at peak');

    const hover = budgetHover(budget, { line: 4, character: 0 });
    const md = (hover!.contents as { value: string }).value;
    for (const i of e.items) assert.ok(md.includes(`| ${i.count} | ~${Math.round(i.eachMb)} MB | ${Math.round(i.count * i.eachMb)} MB |`), md);
    assert.match(md, /Threads per worker: 4/);
    assert.match(md, /Limit: 512 MB \(Render starter\), set in `render\.yaml:4`/);
    assert.equal(budgetHover(budget, { line: 0, character: 0 }), undefined);
  });

  it('docker-compose: a lens on mem_limit and on the command\'s worker count', () => {
    const files = {
      'docker-compose.yml': 'services:\n  web:\n    build: .\n    command: gunicorn app:app --workers 3\n    mem_limit: 256m\n',
      'requirements.txt': 'flask\ngunicorn\n',
      'Dockerfile': 'FROM python:3.12-slim\nCOPY . .\nRUN pip install -r requirements.txt\n',
    };
    const { estimates, budget, lines } = budgetOf(files, 'docker-compose.yml');
    const e = estimates.find((x) => x.id.startsWith('docker-compose.yml'))!;
    assert.equal(e.limit?.mb, 256);
    const kinds = budget.marks.map((m) => [lines[m.range.start.line].trim(), m.kind]);
    assert.deepEqual(kinds, [['command: gunicorn app:app --workers 3', 'worker count'], ['mem_limit: 256m', 'memory limit']]);
  });

  it('a file no deploy names has no marks', () => {
    const files = { 'render.yaml': 'services:\n  - type: web\n    name: api\n    startCommand: gunicorn app:app -w 2\n', 'other.yaml': 'a: 1\n' };
    assert.deepEqual(budgetOf(files, 'other.yaml').budget.marks, []);
  });
});
