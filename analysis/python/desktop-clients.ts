/**
 * Desktop clients: a Python project whose entry opens a window (Flet's `ft.app(target=main)`, Tkinter's
 * `root.mainloop()`, PyQt/PySide's `app.exec()`, wxPython's `MainLoop()`, Kivy's `App().run()`) runs on a user's
 * machine, not in a deploy: it serves no request, and one user's memory is not the server's. Its modules are code no
 * deploy runs.
 *
 * Claimed only when nothing in the project serves: no start file (Dockerfile, Procfile, compose, start script), no
 * module importing a web framework or server, and the GUI not run as a web app (Flet's `view=ft.AppView.WEB_BROWSER`,
 * a `port=`, `flet run --web`, `export_asgi_app`). Regular expressions over the project's texts, once per file list
 * and texts.
 */
import type { ProjectInfo } from '../../rules/api';
import { listedFiles, sameList } from '../cache';

const GUI_IMPORT = /^[ \t]*(?:from|import)[ \t]+(?:flet|tkinter|customtkinter|ttkbootstrap|PyQt[56]|PySide[26]|wx|kivy|kivymd|toga|dearpygui)\b/m;
/** The call that opens the window and runs its event loop. */
const GUI_LOOP = /^[ \t]*(?:ft|flet)\.(?:app|run)\([^\n]*\)|\.mainloop\(\)|\bapp\.exec_?\(\)|\.MainLoop\(\)|\b\w*App\(\)\.run\(\)/m;
/** A Flet app served to browsers is a web server. */
const GUI_AS_WEB = /WEB_BROWSER|\bport[ \t]*=|export_asgi_app|\bflet\s+run\s+--web\b/;
const SERVER_IMPORT = new RegExp(
  String.raw`^[ \t]*(?:from|import)[ \t]+(?:flask|fastapi|django|starlette|streamlit|gradio|aiohttp|tornado|sanic|bottle|quart|falcon|dash|uvicorn|gunicorn|waitress|hypercorn|daphne|werkzeug|cherrypy|pyramid|litestar|nicegui|panel|http\.server|socketserver|wsgiref|celery|rq|dramatiq|huey|apscheduler)\b`,
  'm',
);

interface Memo {
  files: readonly string[];
  inputs: Map<string, string | undefined>;
  value: boolean;
}
const memos = new WeakMap<ProjectInfo, Memo>();

/**
 * The project is a desktop client: some module opens a GUI window, none serves, no start file starts anything.
 * `isOffline`: the layout's tests and scripts (a test importing Flask does not make the client a server);
 * `startFiles`: the project's files that start processes.
 */
export function desktopClientProject(project: ProjectInfo, isOffline: (file: string) => boolean, startFiles: () => readonly string[]): boolean {
  const files = listedFiles(project);
  if (!files) return false;
  const memo = memos.get(project);
  if (memo && sameList(memo.files, files) && [...memo.inputs].every(([f, text]) => project.readFile(f) === text)) return memo.value;
  const inputs = new Map<string, string | undefined>();
  let gui = false;
  let serves = false;
  for (const f of files) {
    if (!f.endsWith('.py') || isOffline(f) || /(^|\/)(\.?venv|site-packages|node_modules)\//.test(f)) continue;
    const text = project.readFile(f);
    inputs.set(f, text);
    if (text === undefined) continue;
    if (SERVER_IMPORT.test(text) || GUI_AS_WEB.test(text)) {
      serves = true;
      break;
    }
    gui ||= GUI_IMPORT.test(text) && GUI_LOOP.test(text);
  }
  const value = gui && !serves && startFiles().length === 0;
  memos.set(project, { files, inputs, value });
  return value;
}
