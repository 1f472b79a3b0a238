/**
 * Dependencies declared outside a plain requirements.txt (issue 13): a conda environment.yml (conda names and its
 * `pip:` list), `conda install` / `pip install` lines of the shell scripts beside the app (a Render build.sh), and
 * requirements files saved as Latin-1 feed native-thread-env and the budget's heavy libraries.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { condaPackages, dockerfilePipInstalls } from '../../analysis/deploy/app-facts';
import { estimateDeploys } from '../../analysis/deploy/estimate';
import { Workspace } from '../../server/src/engine/workspace';
import { analyzerFor, analyzeWith, fixtureProject, initParsers } from '../support/analyze';
import { FIXTURES_ROOT } from '../support/fixtures';
import { removeTempWorkspaces, tempWorkspace } from '../support/tmp';

function libraries(files: Record<string, string | Buffer>): string[] {
  return estimateDeploys(fixtureProject(tempWorkspace(files))).flatMap((e) => e.processes.flatMap((p) => p.libraries));
}

const APP = { Procfile: 'web: gunicorn app:app --workers 2\n', 'app.py': 'import torch\nfrom flask import Flask\napp = Flask(__name__)\n' };

describe('dependencies declared outside requirements.txt', () => {
  before(() => initParsers());
  after(removeTempWorkspaces);

  it('reads conda names, channel prefixes and the pip: list of an environment.yml', () => {
    const text = 'name: x\nchannels:\n  - pytorch\ndependencies:\n  - python=3.11\n  - pytorch::pytorch=2.3\n  - py-opencv\n  - numpy>=1.26\n  - pip\n  - pip:\n      - sentence-transformers==3.0\n      - "fastapi[standard]>=0.110"\nvariables:\n  - notapackage\n';
    assert.deepEqual(condaPackages(text), ['torch', 'opencv-python', 'numpy', 'sentence-transformers', 'fastapi']);
  });

  it('reads conda install and pip install lines of a script, not commented ones', () => {
    const script = '#!/bin/sh\nconda install -y -c conda-forge faiss numpy=1.26\npip install -r requirements/prod.txt torch==2.3 --index-url https://x\n';
    assert.deepEqual(dockerfilePipInstalls(script, ''), { packages: ['torch', 'faiss-cpu', 'numpy'], requirementFiles: ['requirements/prod.txt'], imagePaths: [] });
  });

  it('counts torch for the budget from environment.yml and from a build script, not when only a comment names it', () => {
    assert.deepEqual(libraries({ ...APP, 'environment.yml': 'dependencies:\n  - pytorch\n  - pip:\n      - flask\n      - gunicorn\n' }), ['torch']);
    assert.deepEqual(libraries({ ...APP, 'requirements.txt': 'flask\ngunicorn\n', 'build.sh': 'pip install -r requirements.txt\npip install torch\n' }), ['torch']);
    assert.deepEqual(libraries({ ...APP, 'requirements.txt': 'flask\ngunicorn\n', 'build.sh': 'pip install -r requirements.txt\n# pip install torch\n' }), []);
  });

  it('counts TensorFlow (environment.yml pip list) and torch behind transformers, only where the code imports them', () => {
    const tf = { Procfile: 'web: gunicorn app:app\n', 'app.py': 'import tensorflow as tf\nfrom flask import Flask\napp = Flask(__name__)\n' };
    assert.deepEqual(libraries({ ...tf, 'environment.yml': 'dependencies:\n  - python=3.11\n  - pip:\n      - tensorflow-cpu==2.16.1\n      - flask\n      - gunicorn\n' }), ['tensorflow']);
    const hf = { Procfile: 'web: gunicorn app:app\n', 'app.py': 'from transformers import pipeline\nfrom flask import Flask\napp = Flask(__name__)\n' };
    assert.deepEqual(libraries({ ...hf, 'requirements.txt': 'flask\ngunicorn\ntransformers\ntorch\n' }), ['torch']);
    // transformers without torch installed (a TensorFlow or tokenizer-only app): no PyTorch figure.
    assert.deepEqual(libraries({ ...hf, 'requirements.txt': 'flask\ngunicorn\ntransformers\n' }), []);
  });

  it('native-thread-env names the library an environment.yml or a build script installs', () => {
    for (const [workspace, file] of [['conda-environment', 'Dockerfile'], ['render-build-script', 'render.yaml']]) {
      const root = path.join(FIXTURES_ROOT, 'native-thread-env', workspace);
      const abs = path.join(root, file);
      const [finding, ...rest] = analyzeWith(analyzerFor('native-thread-env', root), root, abs, fs.readFileSync(abs, 'utf8')).findings;
      assert.equal(rest.length, 0, workspace);
      assert.match(`${finding.message} ${finding.detail}`, /torch/, workspace);
    }
  });

  it('reads a Latin-1 requirements.txt (a Windows editor\'s "café" comment) like a UTF-8 one', async () => {
    const requirements = (encoding: BufferEncoding) => Buffer.from('# Dépendances du café\nflask==3.0\ntorch==2.3\ngunicorn\n', encoding);
    const scan = async (bytes: Buffer) => {
      const ws = await Workspace.open({ root: tempWorkspace({ ...APP, 'requirements.txt': bytes }) });
      ws.discover();
      return ws.project.readFile('requirements.txt');
    };
    assert.equal(await scan(requirements('latin1')), await scan(requirements('utf8')));
  });
});
