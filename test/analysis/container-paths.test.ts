/**
 * Container paths (analysis/deploy/container-paths.ts): which workspace file a path in a container is, through
 * compose bind mounts, the image's COPY instructions and the folder the container starts in.
 */
import * as assert from 'node:assert/strict';
import { bindMount, containerFileSource } from '../../analysis/deploy/container-paths';
import { Workspace } from '../../analysis/deploy/deploy-files';
import { imageWorkdir } from '../../analysis/deploy/image-files';

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
});
