/** The built `memlint` command run as a user runs it, with a time limit: a hang fails the test instead of stalling it. */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const BIN = path.resolve(__dirname, '..', '..', 'bin', 'memlint.js');
export const BUILT = fs.existsSync(path.resolve(__dirname, '..', '..', 'dist', 'cli.js'));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the run was killed at the time limit. */
  timedOut: boolean;
}

export function memlint(cwd: string, args: string[], extra: SpawnSyncOptions = {}): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 15000, env: { ...process.env, NO_COLOR: '1' }, ...extra });
  return { code: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), timedOut: (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT' };
}

/** A Django pagination class: large-page-size flags line 5, with an (unsafe) fix to `page_size = 100`. */
export const BIG_PAGE = `from rest_framework.pagination import PageNumberPagination


class ExportPagination(PageNumberPagination):
    page_size = 10000
`;
export const BIG_PAGE_FIXED = BIG_PAGE.replace('10000', '100');
