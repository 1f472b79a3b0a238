/**
 * One-shot batch jobs: a script that a container of its own runs to completion (`ENTRYPOINT ["python", "main.py"]`
 * in a Dockerfile beside it) and that starts no server. It runs once per job, on a machine sized for that job, not
 * per request in a web or worker process.
 */
import type { RuleContext } from '../../rules/api';

/** A server, a worker loop or a scheduler the script itself starts: then it is a long-running process. */
const LONG_RUNNING = /\b(uvicorn|gunicorn|streamlit|waitress|hypercorn)\b|\.run\(\s*(host|port|debug|app)\b|\bapp\.run\(|\bserve(_forever)?\(|\bwhile\s+True\b|\brun_forever\(|\bBlockingScheduler\b|\bworker_main\(|\.start_consuming\(/;

export function batchJobScript(ctx: RuleContext): boolean {
  const rel = ctx.file.relPath;
  const slash = rel.lastIndexOf('/');
  const dir = rel.slice(0, slash + 1);
  const name = rel.slice(slash + 1);
  if (LONG_RUNNING.test(ctx.file.text)) return false;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // `ENTRYPOINT ["python", "main.py"]`, `CMD python -u main.py`: the container's one process is this script.
  const runs = new RegExp(`^[ \\t]*(ENTRYPOINT|CMD)\\b[^\\n]*\\bpython[\\d.]*["']?(\\s*,\\s*["']-u["'])?(\\s+-u)?(\\s*,\\s*|\\s+)["']?(\\./)?${escaped}["']?\\s*(\\]|$)`, 'im');
  return ctx.project.files().some((f) => {
    if (!f.startsWith(dir) || f.slice(dir.length).includes('/') || !/^Dockerfile$/i.test(f.slice(dir.length))) return false;
    const text = ctx.project.readFile(f) ?? '';
    // A Dockerfile with several stages or start commands may run something else too.
    return runs.test(text) && (text.match(/^[ \t]*(ENTRYPOINT|CMD)\b/gim) ?? []).length === 1;
  });
}
