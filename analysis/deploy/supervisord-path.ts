/** Which paths hold supervisord configs memlint analyses (the engine's classification, and rules that report in them). */

/**
 * `supervisord.conf`, `supervisor-celery.conf`, and any `.conf` under a folder named for supervisor: `supervisor/app.conf`,
 * `supervisord/conf.d/app.conf`, `supervisor.d/`, and the folders projects keep the files they copy into the image's
 * `/etc/supervisor/conf.d/` in (`supervisor-config/`, `supervisor_conf/`, `supervisord-configs/`).
 */
export function isSupervisordConfigPath(path: string): boolean {
  const lower = path.toLowerCase();
  return /(^|\/)supervisord?([.-][\w.-]+)?\.conf$/.test(lower) || /(^|\/)supervisor(d|\.d)?([-_][\w-]*)?\/([^/]+\/)*[^/]+\.conf$/.test(lower);
}
