/**
 * Container paths (analysis/deploy/container-paths.ts): which workspace file a path in a container is, through
 * compose bind mounts, the image's COPY instructions and the folder the container starts in.
 */
import * as assert from 'node:assert/strict';
import { bindMount, containerCommandSource, containerFileSource } from '../../analysis/deploy/container-paths';
import { Workspace } from '../../analysis/deploy/deploy-files';
import { imagePathFolders, imageWorkdir } from '../../analysis/deploy/image-files';
import { commandsFromLine } from '../../analysis/deploy/commands-build';
import { MappedText } from '../../analysis/deploy/commands-text';

function workspace(files: Record<string, string>): Workspace {
  return new Workspace({ files: () => Object.keys(files), readFile: (rel) => files[rel] });
}

describe('container paths', () => {
  it('reads short and long bind mounts relative to the compose file, not named volumes or host paths', () => {
    assert.deepEqual(bindMount('docker-compose.yml', './backend:/usr/src/app'), { source: 'backend', target: '/usr/src/app' });
    assert.deepEqual(bindMount('deploy/compose.yaml', '../api:/srv/project/:ro'), { source: 'api', target: '/srv/project' });
    assert.deepEqual(bindMount('docker-compose.yml', '.:/app'), { source: '', target: '/app' });
    assert.deepEqual(bindMount('docker-compose.yml', { type: 'bind', source: './worker', target: '/srv/worker' }), { source: 'worker', target: '/srv/worker' });
    assert.equal(bindMount('docker-compose.yml', 'static:/srv/static'), undefined);
    assert.equal(bindMount('docker-compose.yml', '/var/run/docker.sock:/var/run/docker.sock'), undefined);
    assert.equal(bindMount('docker-compose.yml', '../outside:/app'), undefined);
    assert.equal(bindMount('docker-compose.yml', { type: 'volume', source: 'data', target: '/data' }), undefined);
  });

  it('takes the final stage WORKDIR, inherited from the stage it builds on', () => {
    const ws = workspace({
      Dockerfile: 'FROM python:3.12 AS base\nWORKDIR /srv\nWORKDIR app\nFROM node:20 AS assets\nWORKDIR /build\nFROM base\nCOPY . .\n',
      'Dockerfile.var': 'FROM python:3.12\nWORKDIR ${APP_HOME}\n',
      'Dockerfile.none': 'FROM python:3.12\nCOPY . /app\n',
    });
    assert.equal(imageWorkdir(ws, 'Dockerfile'), '/srv/app');
    assert.equal(imageWorkdir(ws, 'Dockerfile.var'), undefined);
    assert.equal(imageWorkdir(ws, 'Dockerfile.none'), '/');
  });

  it('maps relative and absolute paths through mounts first, then the image copies', () => {
    const ws = workspace({
      'Dockerfile.backend': 'FROM python:3.12\nWORKDIR /usr/src/app\nCOPY ./backend .\n',
      'backend/entrypoint.sh': 'gunicorn app.wsgi\n',
      'api/run.sh': 'gunicorn core.wsgi\n',
    });
    const image = { dockerfile: 'Dockerfile.backend', context: '' };
    assert.equal(containerFileSource(ws, image, './entrypoint.sh'), 'backend/entrypoint.sh');
    assert.equal(containerFileSource(ws, image, '/usr/src/app/entrypoint.sh'), 'backend/entrypoint.sh');
    assert.equal(containerFileSource(ws, image, 'missing.sh'), undefined);
    const mounted = { ...image, mounts: [{ source: 'api', target: '/usr/src/app' }] };
    // The mount hides what the image copied there.
    assert.equal(containerFileSource(ws, mounted, './entrypoint.sh'), undefined);
    assert.equal(containerFileSource(ws, mounted, 'run.sh'), 'api/run.sh');
    assert.equal(containerFileSource(ws, { context: '', mounts: [{ source: 'api', target: '/srv' }], workingDir: '/srv' }, './run.sh'), 'api/run.sh');
    assert.equal(containerFileSource(ws, { context: '', mounts: [{ source: 'api', target: '/srv' }] }, './run.sh'), undefined);
  });
  it('finds a bare command name in the folders the image puts on PATH, in order, after copies and mounts', () => {
    const ws = workspace({
      Dockerfile: 'FROM python:3.10-alpine\nCOPY ./scripts /scripts\nCOPY ./app /app\nWORKDIR /app\nENV PATH="/scripts:/py/bin:$PATH"\nCMD ["run.sh"]\n',
      'Dockerfile.later': 'FROM python:3.12\nENV PATH=/opt/bin:$PATH\nENV PATH /scripts:$PATH\nCOPY scripts /scripts\n',
      'Dockerfile.stage': 'FROM python:3.12 AS build\nENV PATH=/scripts:$PATH\nFROM python:3.12\nCOPY scripts /scripts\n',
      'Dockerfile.var': 'FROM python:3.12\nENV PATH=$HOME/bin:relative:$PATH\n',
      'scripts/run.sh': 'uwsgi --module app.wsgi\n',
      'proxy/run.sh': 'nginx\n',
    });
    assert.deepEqual(imagePathFolders(ws, 'Dockerfile'), ['/scripts', '/py/bin']);
    assert.deepEqual(imagePathFolders(ws, 'Dockerfile.later'), ['/scripts', '/opt/bin']);
    assert.deepEqual(imagePathFolders(ws, 'Dockerfile.stage'), []);
    assert.deepEqual(imagePathFolders(ws, 'Dockerfile.var'), []);
    assert.equal(containerCommandSource(ws, { dockerfile: 'Dockerfile', context: '' }, 'run.sh'), 'scripts/run.sh');
    assert.equal(containerCommandSource(ws, { dockerfile: 'Dockerfile', context: '' }, './run.sh'), undefined);
    assert.equal(containerCommandSource(ws, { dockerfile: 'Dockerfile.stage', context: '' }, 'run.sh'), undefined);
    assert.equal(containerCommandSource(ws, { dockerfile: 'Dockerfile', context: '', mounts: [{ source: 'proxy', target: '/scripts' }] }, 'run.sh'), 'proxy/run.sh');
  });

  it('records the relative folder earlier cd commands of a line moved to', () => {
    const cds = (line: string) => commandsFromLine(MappedText.of(line, 0, line.length), 'shell', 'procfile').map((c) => `${c.program}:${c.cd ?? '-'}`);
    assert.deepEqual(cds('cd src && python3 main.py'), ['cd:-', 'python3:src']);
    assert.deepEqual(cds('bash -c "cd web && npm run build && cd ../api && gunicorn app:app"'), ['cd:-', 'npm:web', 'cd:web', 'gunicorn:web/../api']);
    assert.deepEqual(cds('cd /app && gunicorn app:app'), ['cd:-', 'gunicorn:-']);
    assert.deepEqual(cds('cd $APP_DIR && gunicorn app:app'), ['cd:-', 'gunicorn:-']);
  });
});
