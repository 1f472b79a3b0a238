/**
 * multiple-servers-per-instance in Python: a deploy that starts the app with `python run.py` (Dockerfile CMD,
 * Procfile `web: python3 app.py`) where the script calls `app.run(debug=True)`. Werkzeug's reloader then keeps two
 * processes: the one that imported the whole app and watches the files, and the child it restarts that imports it
 * again and serves. Two copies of the app in one instance, and the debugger on besides.
 *
 * In a project with no deploy file memlint can follow, a script serving on `0.0.0.0` and the platform's `PORT` is
 * taken as the one a platform's dashboard command runs.
 *
 * Only the script a deploy runs is read (a module gunicorn imports never reaches its `if __name__ == "__main__"`
 * block), and only a literal `debug=True` / `use_reloader=True` counts: `debug=False`, a debug flag read from the
 * environment or a setting, and `use_reloader=False` are left alone.
 */
import type { Node } from 'web-tree-sitter';
import { defineRule, type RuleContext } from '../api';
import { callsNamed, keywordArgument } from '../../analysis/python/ast';
import { joinPath, Workspace } from '../../analysis/deploy/deploy-files';
import { deploysNotFollowed, findDeploys } from '../../analysis/deploy/deploys';
import { resolveInWorkspace } from '../../analysis/deploy/process-chain';
import { multipleServersMeta } from './meta';

const PYTHON = /^python(\d+(\.\d+)?)?$/;
/** Interpreter options that take a value (`python -W ignore app.py`). */
const OPTIONS_WITH_VALUE = new Set(['-W', '-X', '-c', '-Q']);

export default defineRule({
  meta: {
    ...multipleServersMeta,
    kinds: ['python'],
    fix: 'none',
    trigger: /\b(debug|use_reloader|reload)\s*=\s*True\b/,
    docs: {
      summary: 'One instance whose start command runs several Node or Python app processes side by side.',
      whatItDoes:
        'Finds `app.run(debug=True)` (or `use_reloader=True`), and `uvicorn.run(..., reload=True)`, in the Python script a deploy starts directly: a ' +
        'Dockerfile `CMD ["python", "run.py"]`, a Procfile `web: python3 app.py`, a compose or render.yaml command ' +
        'running the script. The call must run when the script is started: at module level or under ' +
        '`if __name__ == "__main__":`. In a project with no deploy file memlint can follow (the start command is in a ' +
        'platform\'s dashboard), a script counts when it serves the way a platform runs it: `host="0.0.0.0"` and a port ' +
        'read from `PORT` (`port=int(os.environ.get("PORT", 5000))`).',
      whyIsThisBad:
        'With debug on, Flask\'s development server (Werkzeug) starts its reloader: the process that imported the ' +
        'whole app stays to watch the source files, and a child process imports it all again to serve requests. ' +
        'The instance holds two copies of the app and its libraries (pandas, a model, an ORM), so its baseline ' +
        'doubles; the interactive debugger is on too, which no public server should expose.',
      example: {
        fileName: 'run.py',
        code: `import os

from project import create_app

app = create_app()

if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", 5000)), debug=True)
`,
      },
      useInstead: {
        fileName: 'run.py',
        code: `import os

from project import create_app

app = create_app()

if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", 5000)), debug=os.environ.get("FLASK_DEBUG") == "1")
`,
      },
      fixSafety:
        'No automatic fix: turning debug off also changes error pages and logging, and a production server ' +
        '(`gunicorn run:app`) is the better change; both are the project\'s decision.',
      notes:
        'A module a gunicorn/uvicorn deploy imports is not reported (its `__main__` block never runs there), nor a ' +
        'script only a development deploy file starts (`docker-compose.dev.yml`, `Procfile.dev`). `debug=False`, a ' +
        'debug flag read from the environment or a setting, and `use_reloader=False` are not reported, nor, in a project ' +
        'without deploy files, a script that serves on localhost or a fixed port (a developer\'s way to run it).',
    },
  },
  check(ctx) {
    const started = startedByDeploy(ctx);
    if (started === 'no') return;
    const tree = ctx.python();
    for (const call of callsNamed(tree, ctx.file.text, /\brun\b/g)) {
      if (!runsWhenStarted(call)) continue;
      const callee = call.childForFieldName('function');
      if (callee?.type !== 'attribute') continue;
      // With no deploy file to say how the app runs, only a script written for a platform counts.
      if (started === 'no-deploy-files' && !servesPlatformPort(call)) continue;
      // `uvicorn.run("main:app", reload=True)`: the script that imported the app stays as the reloader's supervisor.
      if (/^uvicorn\s*\.\s*run$/.test(callee.text)) {
        if (keywordArgument(call, 'reload')?.type !== 'true') continue;
        ctx.report({
          start: call.startIndex,
          end: call.endIndex,
          messageId: 'debug-reloader',
          detail:
            `${callee.text}(reload=True) starts uvicorn's reloader: the script's process, which has imported the app, stays to watch ` +
            'the files, and a child imports the app again to serve, so the instance holds two copies of it. Drop reload=True ' +
            '(or read it from the environment).',
        });
        continue;
      }
      const debug = keywordArgument(call, 'debug');
      const reloader = keywordArgument(call, 'use_reloader');
      const on = reloader ? reloader.type === 'true' : debug?.type === 'true';
      if (!on) continue;
      const flag = reloader?.type === 'true' ? reloader : debug!;
      const what = flag === reloader ? 'use_reloader=True' : 'debug=True';
      ctx.report({
        start: call.startIndex,
        end: call.endIndex,
        messageId: 'debug-reloader',
        detail:
          `${callee.text}(${what}) starts Werkzeug's reloader: the process that imported the whole app stays to watch the files, and a ` +
          'child imports it all again to serve, so the instance holds two copies of the app (and exposes the debugger). ' +
          'Pass debug=False (or read it from the environment), or serve with gunicorn.',
      });
    }
  },
});

/**
 * Whether a deploy starts this file as its script (`python run.py`, `python -m app`): 'yes', 'no', or
 * 'no-deploy-files' when the project has no deploy memlint can follow (a platform's dashboard holds the command).
 */
function startedByDeploy(ctx: RuleContext): 'yes' | 'no' | 'no-deploy-files' {
  const ws = Workspace.of(ctx);
  const deploys = findDeploys(ws);
  if (deploys.length === 0) return deploysNotFollowed(ws).length === 0 ? 'no-deploy-files' : 'no';
  for (const deploy of deploys) {
    for (const proc of deploy.processes) {
      if (!PYTHON.test(proc.command.program)) continue;
      const values = proc.command.args.map((a) => a.value);
      let script: string | undefined;
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (v === '-m') {
          script = values[i + 1] === undefined ? undefined : `${values[i + 1].replace(/\./g, '/')}.py`;
          break;
        }
        if (OPTIONS_WITH_VALUE.has(v)) i++;
        else if (!v.startsWith('-')) {
          script = v;
          break;
        }
      }
      if (script === undefined || !script.endsWith('.py')) continue;
      const file = ws.exists(joinPath(proc.cwd, script)) ? joinPath(proc.cwd, script) : resolveInWorkspace(ws, proc.cwd, script);
      // (Commands of development deploy files, `docker-compose.dev.yml` or `Procfile.dev`, are no processes of a deploy.)
      if (file === ctx.file.relPath) return 'yes';
    }
  }
  return 'no';
}

/**
 * `app.run(host="0.0.0.0", port=int(os.environ.get("PORT", 5000)), ...)`: every interface, on the port a platform
 * (Render, Heroku, Railway) assigns in `PORT`, the way a script run by a platform's start command serves.
 */
function servesPlatformPort(call: Node): boolean {
  const host = keywordArgument(call, 'host');
  const port = keywordArgument(call, 'port');
  if (!host || !port || !/^["']0\.0\.0\.0["']$/.test(host.text)) return false;
  return /\b(environ\s*\.\s*get|getenv|environ)\s*[(\[]\s*["']PORT["']/.test(port.text) || portVariableFromEnv(call, port);
}

/** `port = int(os.environ.get("PORT", 5000))` earlier in the module, passed as `port=port`. */
function portVariableFromEnv(call: Node, port: Node): boolean {
  if (port.type !== 'identifier') return false;
  const text = call.tree.rootNode.text.slice(0, call.startIndex);
  const assigned = new RegExp(`^[ \\t]*${port.text}\\s*=\\s*[^\\n]*\\b(environ\\s*\\.\\s*get|getenv|environ)\\s*[(\\[]\\s*["']PORT["']`, 'm');
  return assigned.test(text);
}

/** At module level, or in module-level `if __name__ == "__main__":` blocks (not in a function, class or other branch). */
function runsWhenStarted(call: Node): boolean {
  for (let n = call.parent; n; n = n.parent) {
    if (n.type === 'module') return true;
    if (n.type === 'function_definition' || n.type === 'class_definition' || n.type === 'lambda') return false;
    if (n.type === 'if_statement') {
      const condition = n.childForFieldName('condition')?.text.replace(/\s+/g, '') ?? '';
      if (!/^__name__==["']__main__["']$|^["']__main__["']==__name__$/.test(condition)) return false;
      // the else branch of the main check does not run
      if (call.startIndex >= (n.childForFieldName('consequence')?.endIndex ?? Infinity)) return false;
    }
  }
  return false;
}
