/**
 * Layout facts about Python scripts that only a person runs, for analysis/reach.ts:
 *
 * - which project modules some module outside the offline layout imports (a `tools/` or `scripts/` module the app
 *   imports runs in its workers, whatever its folder);
 * - stand-alone root scripts: a `.py` file at the project's root that is run by hand (a command-line parser under
 *   a `__main__` guard, or a top-level `django.setup()`), that no module imports, and that neither serves nor keeps running (no web, bot, queue or
 *   scheduler framework, no `app.run()`, no endless loop). `update_docs.py --run-tests`, `compare_exports.py`.
 *
 * Both are regular-expression facts over the module graph's cached per-module facts (no parse).
 */
import type { ProjectInfo } from '../../rules/api';
import { pythonModules } from './module-graph';
import { sameList } from '../cache';

const MAIN_GUARD = /^if[ \t]+(__name__[ \t]*==[ \t]*["']__main__["']|["']__main__["'][ \t]*==[ \t]*__name__)[ \t]*:/m;
const COMMAND_LINE = /\bArgumentParser\(|\bgetopt\.getopt\(|^[ \t]*@(click|typer|app)\.command\b|\btyper\.Typer\(|\bfire\.Fire\(/m;
/** Imports of what serves requests or keeps a process running: such a script is a process, not a one-off run. */
const SERVING_IMPORT = new RegExp(
  String.raw`^[ \t]*(?:from|import)[ \t]+(?:flask|flask_\w+|fastapi|django|starlette|streamlit|gradio|aiohttp|tornado|sanic|bottle|quart|falcon|dash|uvicorn|gunicorn|waitress|hypercorn|daphne|socketio|werkzeug|cherrypy|pyramid|twisted|panel|nicegui|chainlit|flet|litestar|telegram|telebot|aiogram|discord|pyrogram|telethon|slack_bolt|celery|rq|dramatiq|huey|arq|apscheduler|schedule|http\.server|socketserver|wsgiref|websockets|grpc|kafka|aiokafka|pika|aio_pika|paho|zmq|nats|redis\.asyncio|mcp|fastmcp)\b`,
  'm',
);
/** Calls that start a server or a loop that does not end. */
const SERVING_CALL =
  /\b(app|application|server|socketio|sio|bot|dp|client|demo|iface|interface|updater|application_builder)\.(run|run_polling|start_polling|infinity_polling|polling|serve_forever|launch|run_forever|idle)\(|\b(serve|run_simple|make_server|run_app|start_server|serve_forever)\(|^[ \t]*while[ \t]+(True|1)[ \t]*:|\.run_forever\(/m;

/**
 * A root-level module run by hand only: a command-line entry (argparse, click, typer, fire, getopt), not imported
 * (checked by the caller), not serving. A bare `__main__` guard is not enough: a batch job a cron line runs
 * (`nightly_etl.py`) has one too, and its memory is a production cost.
 */
export function standaloneScriptText(text: string): boolean {
  if (bootstrapsDjango(text)) return !servesOrLoops(text.replace(DJANGO_IMPORT, ''));
  return COMMAND_LINE.test(text) && MAIN_GUARD.test(text) && !servesOrLoops(text);
}

/** The script's own imports of Django (it sets Django up; that does not make it a server). */
const DJANGO_IMPORT = /^[ \t]*(?:from|import)[ \t]+django\b[^\n]*$/gm;

const DJANGO_SETUP = /^django\.setup\(\)/m;
const SETTINGS_MODULE = /\bDJANGO_SETTINGS_MODULE\b/;

/**
 * The module configures Django itself at its top level (`os.environ.setdefault('DJANGO_SETTINGS_MODULE', ...)` then
 * `django.setup()`): a script run against the project's database by hand. Served code is set up by the WSGI/ASGI
 * entry or manage.py and never calls `django.setup()` on import.
 */
function bootstrapsDjango(text: string): boolean {
  return text.includes('django.setup()') && DJANGO_SETUP.test(text) && SETTINGS_MODULE.test(text);
}

/** The module starts a server, a bot, a queue worker, a scheduler or a loop that does not end. */
export function servesOrLoops(text: string): boolean {
  return SERVING_IMPORT.test(text) || SERVING_CALL.test(text);
}

interface Memo {
  files: readonly string[];
  inputs: Map<string, string | undefined>;
  imported: Set<string>;
}
const memos = new WeakMap<ProjectInfo, Memo>();

/**
 * Project-relative Python files that some module outside the offline layout (`isOffline` false) imports, resolved
 * from the project's root and from the importing module's own folder (a flat app run from its folder). Computed once
 * per project view and reused while every module keeps its text.
 */
export function importedByOnlineModules(project: ProjectInfo, isOffline: (relPath: string) => boolean): ReadonlySet<string> {
  const files = project.files();
  const memo = memos.get(project);
  if (memo && sameList(memo.files, files) && [...memo.inputs].every(([f, text]) => project.readFile(f) === text)) return memo.imported;
  const modules = pythonModules(project, files);
  const inputs = new Map<string, string | undefined>();
  const read = (f: string) => {
    const text = project.readFile(f);
    inputs.set(f, text);
    return text;
  };
  const imported = new Set<string>();
  for (const file of files) {
    if (!file.endsWith('.py') || isOffline(file)) continue;
    const facts = modules.factsOf(file, read);
    if (!facts) continue;
    const slash = file.lastIndexOf('/');
    const index = modules.index(slash === -1 ? [''] : ['', file.slice(0, slash)]);
    for (const name of facts.imports) {
      const absolute = name.startsWith('.') ? index.absoluteName(file, name) : name;
      if (!absolute) continue;
      for (const f of index.withParents(absolute)) if (f !== file) imported.add(f);
    }
  }
  memos.set(project, { files, inputs, imported });
  return imported;
}

