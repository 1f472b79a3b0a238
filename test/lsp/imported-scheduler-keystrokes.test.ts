/**
 * scheduler-in-web-process remembers, per project, whether the modules an open file imports construct a scheduler
 * (a views module imports hundreds of names, resolved on every keystroke otherwise). The answer must follow another
 * module changing between keystrokes, as an open document or on disk, and equal a fresh analysis.
 */
import * as assert from 'node:assert/strict';
import { KeystrokeProject } from './keystroke-project';
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

const schedulerFindings = (findings: readonly Finding[]) => findings.filter((f) => f.ruleId === 'scheduler-in-web-process').map((f) => `${f.start}-${f.end} ${f.message}`);

describe('keystrokes: a scheduler started through an imported module', function () {
  this.timeout(120000);
  let project: KeystrokeProject;

  const analyse = () => project.analyse(schedulerFindings);
  const type = (text: string) => project.append(text);

  beforeEach(async () => {
    project = await KeystrokeProject.open('imported-scheduler', {
      'requirements.txt': 'fastapi\napscheduler\ngunicorn\n',
      Dockerfile: 'FROM python:3.12-slim\nCOPY . .\nCMD gunicorn app.main:app -k uvicorn.workers.UvicornWorker\n',
      'app/__init__.py': '',
      'app/jobs.py': QUIET_JOBS,
      'app/main.py': MAIN,
    }, 'app/main.py');
  });
  afterEach(() => project.close());

  it('reports the start once the imported module constructs a scheduler, and not after it stops', () => {
    assert.deepEqual(analyse(), []);
    type('# a comment\n');
    assert.deepEqual(analyse(), []);
    // The imported module now constructs and starts a scheduler (an open document in another editor).
    project.setOpenText('app/jobs.py', SCHEDULING_JOBS);
    type('#');
    assert.equal(analyse().length, 1);
    type('#');
    assert.equal(analyse().length, 1);
    // Saved back to the quiet version on disk.
    project.setOpenText('app/jobs.py', undefined);
    type('#');
    assert.deepEqual(analyse(), []);
  });
});
