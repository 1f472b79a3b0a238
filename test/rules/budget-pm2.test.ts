/**
 * pm2 ecosystem files that start Python programs (issue 13): `script: "venv/bin/gunicorn", args: "-w 17 ..."` is a
 * gunicorn with 17 workers (the count read from `args`, located on its characters), `celery` with its args a
 * Celery worker, one pm2 daemon for all; started by `pm2 start` on a VM (the ecosystem file alone) or by
 * `pm2-runtime` in a Dockerfile. An ecosystem of Node scripts stays pm2's own cluster.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { estimateDeploys } from '../../analysis/deploy/estimate';
import { ecosystemApps } from '../../analysis/deploy/pm2-ecosystem';
import { fixtureProject } from '../support/analyze';
import { FIXTURES_ROOT } from '../support/fixtures';
import { removeTempWorkspaces, tempWorkspace } from '../support/tmp';

const FIXTURE = path.join(FIXTURES_ROOT, 'memory-budget', 'pm2-gunicorn');
const ECOSYSTEM = fs.readFileSync(path.join(FIXTURE, 'ecosystem.config.js'), 'utf8');

function processes(root: string, limitMb?: number) {
  return estimateDeploys(fixtureProject(root, limitMb)).map((e) => ({
    id: e.id,
    processes: e.processes.map((p) => `${p.server} x${p.workers.n}`),
    items: e.items.map((i) => `${i.count} ${i.key}`),
    totalMb: e.totalMb,
  }));
}

describe('budget: pm2 ecosystem files that start gunicorn and celery', () => {
  after(removeTempWorkspaces);

  it('counts gunicorn workers from args and one pm2 daemon, for an ecosystem file started on a VM', () => {
    const [e] = estimateDeploys(fixtureProject(FIXTURE, 512));
    assert.equal(e.id, 'ecosystem.config.js');
    const web = e.processes.find((p) => p.server === 'gunicorn')!;
    assert.equal(web.workers.n, 17);
    assert.equal(ECOSYSTEM.slice(web.workers.at!.start, web.workers.at!.end), '17');
    assert.deepEqual(e.processes.map((p) => `${p.server} x${p.workers.n}`), ['gunicorn x17', 'celery-worker x2']);
    assert.equal(e.items.filter((i) => i.key === 'pm2-daemon').length, 1);
    assert.ok(e.over, `17 Django workers fit 512 MB? ${e.totalMb}`);
  });

  it('follows pm2-runtime in a Dockerfile into the ecosystem file', () => {
    const root = tempWorkspace({
      Dockerfile: 'FROM python:3.12-slim\nRUN apt-get update && apt-get install -y nodejs npm && npm install -g pm2\nCMD ["pm2-runtime", "start", "ecosystem.config.js"]\n',
      'ecosystem.config.js': 'module.exports = { apps: [{ name: "api", script: "gunicorn", args: "--workers 3 main:app -k uvicorn.workers.UvicornWorker" }] };\n',
      'requirements.txt': 'fastapi\ngunicorn\nuvicorn\n',
      'main.py': 'from fastapi import FastAPI\napp = FastAPI()\n',
    });
    assert.deepEqual(processes(root).map((e) => [e.id, e.processes]), [['Dockerfile', ['gunicorn x3']]]);
  });

  it('leaves Node ecosystems (and mixed ones) to pm2, and reads python scripts run by an interpreter', () => {
    const mixed = 'module.exports = { apps: [{ name: "ui", script: "server.js", instances: 2 }, { name: "api", script: "gunicorn", args: "-w 4 app:app" }] };';
    assert.deepEqual(ecosystemApps('ecosystem.config.js', mixed).map((a) => a.python), [false, true]);
    const root = tempWorkspace({ Dockerfile: 'FROM node:20\nCMD ["pm2-runtime", "ecosystem.config.js"]\n', 'ecosystem.config.js': mixed, 'package.json': '{"dependencies":{"express":"4"}}' });
    // pm2 runs both apps itself: 2 instances of server.js and the gunicorn app, as before
    assert.deepEqual(processes(root).map((e) => e.processes), [['pm2 x3']]);
    const interpreted = ecosystemApps('ecosystem.config.js', 'module.exports = { apps: [{ script: "bot.py", interpreter: "/srv/venv/bin/python3", args: ["--poll", "5"] }] };');
    assert.deepEqual(interpreted[0].commands.map((c) => [c.program, c.args.map((a) => a.value)]), [['python3', ['bot.py', '--poll', '5']]]);
  });

  it('reads no command from computed or escaped literals (no wrong offsets)', () => {
    const apps = ecosystemApps('ecosystem.config.js', 'const w = 4;\nmodule.exports = { apps: [{ script: "gunicorn", args: `-w ${w} app:app` }, { script: "gunicorn", args: "-w 4 \\u0061pp:app" }] };');
    assert.deepEqual(apps.map((a) => a.commands.length), [0, 0]);
  });
});
