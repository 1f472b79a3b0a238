/**
 * Start wrappers a Dockerfile writes itself (analysis/deploy/generated-scripts.ts): the workspace script the wrapper
 * hands over to, through `cd`, echo/printf redirections and heredocs.
 */
import * as assert from 'node:assert/strict';
import { Workspace } from '../../analysis/deploy/deploy-files';
import { wrappedScript } from '../../analysis/deploy/generated-scripts';

function workspace(files: Record<string, string>): Workspace {
  return new Workspace({ files: () => Object.keys(files), readFile: (rel) => files[rel] });
}

const scripts = { 'backend/commands/start.sh': 'gunicorn app.wsgi\n', 'backend/run.sh': 'celery -A app worker\n' };

describe('generated start wrappers', () => {
  it('follows echo lines appended to the wrapper, after its cd', () => {
    const ws = workspace({
      ...scripts,
      'backend/Dockerfile': "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN echo '#!/bin/bash' > /start-wrapper.sh && \\\n    echo 'cd /app && bash ./commands/start.sh' >> /start-wrapper.sh\nCMD [\"/start-wrapper.sh\"]\n",
    });
    assert.equal(wrappedScript(ws, { dockerfile: 'backend/Dockerfile', context: 'backend/' }, '/start-wrapper.sh'), 'backend/commands/start.sh');
  });

  it('reads printf escapes and heredocs, the last command winning', () => {
    const ws = workspace({
      ...scripts,
      'backend/Dockerfile': "FROM python:3.12\nCOPY . /srv\nRUN printf '#!/bin/sh\\ncd /srv\\nsh ./commands/start.sh\\nexec ./run.sh\\n' > /entry.sh\n",
      'backend/Dockerfile.heredoc': 'FROM python:3.12\nCOPY . /srv\nRUN cat <<EOF > /entry.sh\ncd /srv/commands\nexec bash start.sh\nEOF\n',
    });
    assert.equal(wrappedScript(ws, { dockerfile: 'backend/Dockerfile', context: 'backend/' }, '/entry.sh'), 'backend/run.sh');
    assert.equal(wrappedScript(ws, { dockerfile: 'backend/Dockerfile.heredoc', context: 'backend/' }, '/entry.sh'), 'backend/commands/start.sh');
  });

  it('stays quiet for another path, an overwritten wrapper, or a wrapper that starts no workspace script', () => {
    const ws = workspace({
      ...scripts,
      'backend/Dockerfile': "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN echo 'sh ./run.sh' > /other.sh\nRUN echo 'sh ./run.sh' > /entry.sh && echo 'exec gunicorn app.wsgi' > /entry.sh\nRUN echo 'cd $HOME && sh ./run.sh' > /home.sh\n",
    });
    const image = { dockerfile: 'backend/Dockerfile', context: 'backend/' };
    assert.equal(wrappedScript(ws, image, '/missing.sh'), undefined);
    assert.equal(wrappedScript(ws, image, '/entry.sh'), undefined);
    assert.equal(wrappedScript(ws, image, '/home.sh'), undefined);
    assert.equal(wrappedScript(ws, image, '/other.sh'), 'backend/run.sh');
  });
});
