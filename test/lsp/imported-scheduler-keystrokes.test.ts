/**
 * scheduler-in-web-process remembers, per project, whether the modules an open file imports construct a scheduler
 * (a views module imports hundreds of names, resolved on every keystroke otherwise). The answer must follow another
 * module changing between keystrokes, as an open document or on disk, and equal a fresh analysis.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Workspace } from '../../server/src/engine/workspace';
import { TrackedDocument } from '../../server/src/lsp/documents';
import { analyseKeystroke } from './keystroke-analysis';
import type { Finding } from '../../server/src/engine/types';

const MAIN = `from fastapi import FastAPI

from app.jobs import scheduler

app = FastAPI()
scheduler.start()
`;

const QUIET_JOBS = `class Jobs:
    def start(self):
        return None


scheduler = Jobs()
`;

const SCHEDULING_JOBS = `from apscheduler.schedulers.background import BackgroundScheduler

scheduler = BackgroundScheduler()
`;

function write(dir: string, rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
}

const schedulerFindings = (findings: readonly Finding[]) => findings.filter((f) => f.ruleId === 'scheduler-in-web-process').map((f) => `${f.start}-${f.end} ${f.message}`);

describe('keystrokes: a scheduler started through an imported module', function () {
  this.timeout(120000);
  let dir: string;
  let ws: Workspace;
  let doc: TrackedDocument;
  let version = 1;
  const overrides = new Map<string, string>();

  const analyse = () => schedulerFindings(analyseKeystroke(ws, doc, schedulerFindings, `after edit ${version}`));
  const type = (text: string) => {
    const end = doc.doc.positionAt(doc.text.length);
    doc.update([{ range: { start: end, end }, text }], ++version);
  };

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-imported-scheduler-'));
    write(dir, 'requirements.txt', 'fastapi\napscheduler\ngunicorn\n');
    write(dir, 'Dockerfile', 'FROM python:3.12-slim\nCOPY . .\nCMD gunicorn app.main:app -k uvicorn.workers.UvicornWorker\n');
    write(dir, 'app/__init__.py', '');
    write(dir, 'app/jobs.py', QUIET_JOBS);
    write(dir, 'app/main.py', MAIN);
    overrides.clear();
    ws = await Workspace.open({ root: dir, readOverride: (abs) => overrides.get(abs.split(path.sep).join('/')) });
    ws.discover();
    const file = path.join(dir, 'app/main.py').split(path.sep).join('/');
    doc = new TrackedDocument(`file://${file}`, file, 'python', 1, MAIN, undefined);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reports the start once the imported module constructs a scheduler, and not after it stops', () => {
    assert.deepEqual(analyse(), []);
    type('# a comment\n');
    assert.deepEqual(analyse(), []);
    // The imported module now constructs and starts a scheduler (an open document in another editor).
    const jobs = path.join(dir, 'app/jobs.py').split(path.sep).join('/');
    overrides.set(jobs, SCHEDULING_JOBS);
    ws.invalidate(jobs);
    type('#');
    assert.equal(analyse().length, 1);
    type('#');
    assert.equal(analyse().length, 1);
    // Saved back to the quiet version on disk.
    overrides.delete(jobs);
    ws.invalidate(jobs);
    type('#');
    assert.deepEqual(analyse(), []);
  });
});
