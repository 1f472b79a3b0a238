/**
 * Loaded logging config files (analysis/deploy/logging-configs.ts): a server's `--log-config` from the folder its
 * command runs in, a container path with its leading folders dropped, a module the deploy runs that hands a literal
 * path to dictConfig/fileConfig; never a development deploy's or a file nothing names.
 */
import * as assert from 'node:assert/strict';
import { loadedLoggingConfigs } from '../../analysis/deploy/logging-configs';
import type { ProjectInfo } from '../../rules/api';

function project(files: Record<string, string>): ProjectInfo {
  return { files: () => Object.keys(files), readFile: (rel: string) => files[rel] } as unknown as ProjectInfo;
}

const DOCKERFILE = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n';
const LOGGING = 'version: 1\nhandlers:\n  file:\n    class: logging.FileHandler\n    filename: app.log\nroot:\n  handlers: [file]\n';

describe('loaded logging config files', () => {
  it("follows uvicorn's and gunicorn's --log-config from the service's folder, and container paths", () => {
    const configs = loadedLoggingConfigs(
      project({
        'docker-compose.yml':
          'services:\n  api:\n    build: ./services/api\n    command: uvicorn main:app --log-config logger.yml\n' +
          '  web:\n    build: .\n    command: gunicorn app:app --log-config-json /app/config/log.json\n',
        'services/api/Dockerfile': DOCKERFILE,
        'services/api/main.py': 'from fastapi import FastAPI\napp = FastAPI()\n',
        'services/api/logger.yml': LOGGING,
        Dockerfile: DOCKERFILE,
        'app.py': 'from flask import Flask\napp = Flask(__name__)\n',
        'config/log.json': '{"version": 1, "handlers": {}}',
        'unused.yml': LOGGING,
      }),
    );
    assert.deepEqual([...configs.keys()].sort(), ['config/log.json', 'services/api/logger.yml']);
  });

  it('follows a literal path a deployed module passes to dictConfig, not a development deploy', () => {
    const configs = loadedLoggingConfigs(
      project({
        Procfile: 'web: gunicorn app:app\n',
        'app.py': 'import logging.config, yaml\nfrom flask import Flask\nlogging.config.dictConfig(yaml.safe_load(open("conf/logging.yaml")))\napp = Flask(__name__)\n',
        'conf/logging.yaml': LOGGING,
        'conf/other.yaml': 'name: not a logging config\n',
        'docker-compose.dev.yml': 'services:\n  web:\n    build: .\n    command: uvicorn app:app --reload --log-config dev.yaml\n',
        'dev.yaml': LOGGING,
      }),
    );
    assert.deepEqual([...configs.keys()], ['conf/logging.yaml']);
  });
});
