// `node scripts/measure-baselines.mjs`: the "measured here" per-worker figures of rules/budget/baselines.ts for
// frameworks the example workspace does not run (validate-budget measures Django + DRF and Express).
//
// Each small app (one SQLAlchemy model, psycopg2 imported, as a typical small service has) runs under gunicorn
// with 3 workers on loopback, serves 30 requests, and once its memory settles the script prints what one more
// worker adds: (distinct resident memory of the process group - the master's RSS) / workers, the same measure
// validate-budget uses. Installs Debian's python3-flask, python3-fastapi, python3-uvicorn, python3-sqlalchemy,
// python3-psycopg2 and gunicorn when missing (needs root, like validate-budget).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { request } from './validate-budget/http.mjs';
import { MB, freePort, processTree, startGroup, stopAllGroups, stopGroup, uniqueResident, waitForPort, waitSettled } from './validate-budget/proc.mjs';

const PYTHON = '/usr/bin/python3';
const PACKAGES = ['python3-flask', 'python3-fastapi', 'python3-uvicorn', 'python3-sqlalchemy', 'python3-psycopg2', 'gunicorn'];
const WORKERS = 3;
const REQUESTS = 30;

const MODEL = `import psycopg2, sqlalchemy, sqlalchemy.orm
engine = sqlalchemy.create_engine("sqlite://")
Base = sqlalchemy.orm.declarative_base()
class Row(Base):
    __tablename__ = "rows"
    id = sqlalchemy.Column(sqlalchemy.Integer, primary_key=True)
Base.metadata.create_all(engine)
`;

const APPS = [
  {
    key: 'flask',
    module: 'flask_app:app',
    args: [],
    code: `${MODEL}from flask import Flask, jsonify
app = Flask(__name__)
@app.get("/health")
def health():
    return jsonify(ok=True)
`,
  },
  {
    key: 'fastapi',
    module: 'fastapi_app:app',
    args: ['-k', 'uvicorn.workers.UvicornWorker'],
    code: `${MODEL}from fastapi import FastAPI
from pydantic import BaseModel
app = FastAPI()
class Item(BaseModel):
    name: str
@app.get("/health")
def health():
    return {"ok": True}
`,
  },
];

function importsOk() {
  return spawnSync(PYTHON, ['-c', 'import flask, fastapi, uvicorn, sqlalchemy, psycopg2, gunicorn'], { encoding: 'utf8' }).status === 0;
}

function ensurePackages() {
  if (importsOk()) return;
  if (process.getuid?.() !== 0) throw new Error(`install first: sudo apt-get install ${PACKAGES.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { env, stdio: 'inherit' });
  spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...PACKAGES], { env, stdio: 'inherit' });
  if (!importsOk()) throw new Error('apt-get install did not make the packages importable');
}

function rssMb(pid) {
  const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function measure(app, dir) {
  fs.writeFileSync(path.join(dir, `${app.module.split(':')[0]}.py`), app.code);
  const port = await freePort();
  const args = ['-m', 'gunicorn', app.module, ...app.args, '--workers', String(WORKERS), '--bind', `127.0.0.1:${port}`];
  const group = startGroup(app.key, PYTHON, args, { cwd: dir, env: { PATH: process.env.PATH }, log: path.join(dir, `${app.key}.log`) });
  try {
    if (!(await waitForPort(port, 60000, () => group.exit === undefined))) throw new Error(`${app.key} did not start: see ${dir}/${app.key}.log`);
    await waitSettled(group.pgid, { minProcs: WORKERS + 1 });
    for (let i = 0; i < REQUESTS; i++) {
      const r = await request(port, { path: '/health', timeoutMs: 10000 });
      if (r.status !== 200) throw new Error(`${app.key}: GET /health answered ${r.status} ${r.error ?? ''}`);
    }
    await waitSettled(group.pgid, { minProcs: WORKERS + 1 });
    const pids = processTree(group.pgid);
    const distinct = uniqueResident(pids);
    if (distinct === undefined) throw new Error('/proc/<pid>/pagemap gives no frame numbers here (run as root)');
    const master = rssMb(group.pgid);
    return { key: app.key, workers: pids.length - 1, distinct: distinct / MB, master, perWorker: (distinct / MB - master) / (pids.length - 1) };
  } finally {
    await stopGroup(group);
  }
}

function versions() {
  const code = 'import flask, fastapi, uvicorn, pydantic, sqlalchemy, gunicorn, sys; print(sys.version.split()[0], flask.__version__, fastapi.__version__, uvicorn.__version__, pydantic.VERSION, sqlalchemy.__version__, gunicorn.__version__)';
  const [python, flask, fastapi, uvicorn, pydantic, sqlalchemy, gunicorn] = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8' }).stdout.trim().split(' ');
  return `Python ${python}, Flask ${flask}, FastAPI ${fastapi}, uvicorn ${uvicorn}, pydantic ${pydantic}, SQLAlchemy ${sqlalchemy}, gunicorn ${gunicorn}`;
}

try {
  ensurePackages();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-baselines-'));
  console.log(`${versions()}; ${WORKERS} workers, ${REQUESTS} requests each`);
  console.log('| app | workers | group distinct MB | master RSS MB | per worker MB |\n|---|---|---|---|---|');
  for (const app of APPS) {
    const m = await measure(app, dir);
    console.log(`| ${m.key} | ${m.workers} | ${m.distinct.toFixed(1)} | ${m.master.toFixed(1)} | **${m.perWorker.toFixed(1)}** |`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
} catch (e) {
  console.error(`measure-baselines: ${e.message}`);
  process.exitCode = 1;
} finally {
  await stopAllGroups();
}
