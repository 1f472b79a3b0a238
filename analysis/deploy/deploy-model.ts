/** The shape of a deploy target: what runs in one memory limit, the processes it starts, its environment. */
import type { EnvSetting, StartCommand } from './commands-build';
import type { BindMount } from './container-paths';
import type { SourceLocation } from './deploy-files';
import type { DeployCpus, MemoryLimit } from './platform-limits';

export type Platform = 'render' | 'heroku' | 'fly' | 'docker-compose' | 'kubernetes' | 'railway' | 'dockerfile' | 'procfile' | 'package-json' | 'pm2' | 'start-script';

/** A process a deploy starts, with the command as written and where. */
export interface DeployProcess {
  command: StartCommand;
  /** File holding the command. */
  file: string;
  /** Directory the command runs in (workspace-relative, `dirOf` form). */
  cwd: string;
  /** How it was reached: `render.yaml startCommand`, `package.json scripts.start`. */
  via: string[];
  /** Package managers that ran it and stay resident as its parents (`npm start`: npm and a shell). */
  launchers: string[];
  /** The command in the deploy file that started it (`npm start`, `honcho start`, `supervisord`), or itself. */
  root?: SourceLocation;
}

export interface DeployEnv {
  name: string;
  value: string;
  file: string;
  setting: EnvSetting;
}

export interface Deploy {
  id: string;
  label: string;
  platform: Platform;
  /** Directory of the app's code and requirement files. */
  dir: string;
  /** The service/process entry in its deploy file. */
  definedAt?: SourceLocation;
  limit?: MemoryLimit;
  processes: DeployProcess[];
  env: DeployEnv[];
  /** The Dockerfile that builds its image, if any. */
  dockerfile?: string;
  /** Workspace folders mounted into its container (compose `volumes: ['./backend:/usr/src/app']`). */
  mounts?: BindMount[];
  /** The folder its container starts in when the platform file says (compose `working_dir`). */
  workingDir?: string;
  /** Deploy files it reads. */
  files: string[];
  /** Shell scripts its start commands run through (an ENTRYPOINT script that exports variables, then `exec "$@"`). */
  scripts?: string[];
  /** Heroku dyno CPU count and memory (for the Python buildpack's default WEB_CONCURRENCY). */
  herokuDyno?: { mb: number; cores: number };
  /** The CPUs its processes see, when the platform's files say (Fly [[vm]], Heroku dyno size). */
  cpus?: DeployCpus;
  /** The platform's runtime, when its file says (render.yaml `runtime`: python, node, docker...). */
  runtime?: string;
  /** The first start command that led nowhere memlint can follow, and why (reported instead of a budget). */
  unfollowed?: { file: string; start: number; command: string; why: string };
}
