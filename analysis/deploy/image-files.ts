/**
 * Which workspace file an image's path comes from: `COPY ./compose/production/django/start /start` in the
 * Dockerfile that builds it makes `/start` (a compose `command: /start`, cookiecutter-django's layout) the script
 * `compose/production/django/start` of the build context; `COPY . /app` makes `/app/boot.sh` the context's `boot.sh`.
 * Only COPY/ADD from the build context count (`--from=stage` copies another image's files).
 */
import { dirOf, joinPath, type Workspace } from './deploy-files';

/** The workspace file the image built by `dockerfile` from `context` (a `dirOf` folder) has at `imagePath`. */
export function imageFileSource(ws: Workspace, dockerfile: string, context: string, imagePath: string): string | undefined {
  const text = ws.read(dockerfile);
  if (text === undefined || /[$`*?]/.test(imagePath)) return undefined;
  let found: string | undefined;
  // Later instructions overwrite earlier ones: the last copy that puts a file at the path wins.
  for (const { sources, dest, rawDest } of contextCopies(text)) {
    const source = sourceAt(ws, context, sources, dest, rawDest.endsWith('/') || sources.length > 1, absolute('/', imagePath));
    if (source !== undefined) found = source;
  }
  return found;
}

/**
 * The folder the image's processes start in: the last WORKDIR of the final stage (a stage built `FROM` an earlier one
 * keeps its WORKDIR), `/` without one. Undefined when it is written with a variable.
 */
export function imageWorkdir(ws: Workspace, dockerfile: string): string | undefined {
  const text = ws.read(dockerfile);
  if (text === undefined) return undefined;
  const stages = new Map<string, string | undefined>();
  let workdir: string | undefined = '/';
  let current: string | undefined;
  for (const line of instructions(text)) {
    const m = /^(FROM|WORKDIR)\s+(.*)$/is.exec(line);
    if (!m) continue;
    if (m[1].toUpperCase() === 'FROM') {
      const [, base, name] = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(m[2].trim()) ?? [];
      workdir = stages.has(base?.toLowerCase() ?? '') ? stages.get(base.toLowerCase()) : '/';
      if (name) stages.set(name.toLowerCase(), workdir);
      current = name?.toLowerCase();
    } else {
      const dir = m[2].trim();
      workdir = workdir === undefined || /[$`]/.test(dir) ? undefined : absolute(workdir, dir).replace(/(.)\/$/, '$1');
      if (current) stages.set(current, workdir);
    }
  }
  return workdir;
}
/**
 * The folders the image's `ENV PATH` puts before the base image's (`ENV PATH="/scripts:/py/bin:$PATH"`), in search
 * order, for the final stage: where a bare command name (`CMD ["run.sh"]`) is found. Entries written with a variable
 * other than `$PATH` itself, and relative ones, are left out; an unknown base keeps only what the Dockerfile names.
 */
export function imagePathFolders(ws: Workspace, dockerfile: string): string[] {
  const text = ws.read(dockerfile);
  if (text === undefined || !/\bPATH\b/.test(text)) return [];
  let folders: string[] = [];
  for (const line of instructions(text)) {
    const m = /^(FROM|ENV)\s+(.*)$/is.exec(line);
    if (!m) continue;
    if (m[1].toUpperCase() === 'FROM') {
      folders = [];
      continue;
    }
    const rest = m[2].trim();
    const value = /^PATH\s*=\s*("[^"]*"|'[^']*'|\S+)/.exec(rest)?.[1] ?? /^PATH\s+([^=\s].*)$/.exec(rest)?.[1] ?? /\sPATH\s*=\s*("[^"]*"|'[^']*'|\S+)/.exec(rest)?.[1];
    if (value === undefined) continue;
    const entries = value.replace(/^["']|["']$/g, '').split(':');
    const inherited = folders;
    folders = entries.flatMap((e) => (/^\$\{?PATH\}?$/.test(e) ? inherited : e.startsWith('/') && !/[$`]/.test(e) ? [e.replace(/(.)\/$/, '$1')] : []));
  }
  return [...new Set(folders)];
}

/** The COPY/ADD instructions from the build context, in order: their sources and their destination made absolute. */
function* contextCopies(text: string): Generator<{ sources: string[]; dest: string; rawDest: string }> {
  let workdir = '/';
  for (const line of instructions(text)) {
    const m = /^(FROM|WORKDIR|COPY|ADD)\s+(.*)$/is.exec(line);
    if (!m) continue;
    const keyword = m[1].toUpperCase();
    if (keyword === 'FROM') workdir = '/';
    else if (keyword === 'WORKDIR') workdir = absolute(workdir, m[2].trim());
    else {
      const words = argumentsOf(m[2]);
      if (words.some((w) => w.startsWith('--from'))) continue;
      const paths = words.filter((w) => !w.startsWith('--'));
      if (paths.length < 2) continue;
      const rawDest = paths[paths.length - 1];
      yield { sources: paths.slice(0, -1), dest: absolute(workdir, rawDest), rawDest };
    }
  }
}

/**
 * Every workspace file the image built by `dockerfile` from `context` copies in, with the path it gets there: a file
 * copied to a path or into a folder, a folder copied whole, `conf/*.conf` copied into a folder. Later copies to the
 * same path win.
 */
export function imageCopies(ws: Workspace, dockerfile: string, context: string): Map<string, string> {
  const text = ws.read(dockerfile);
  const out = new Map<string, string>();
  if (text === undefined) return out;
  for (const { sources, dest: target, rawDest } of contextCopies(text)) {
    if (/[$`]/.test(rawDest)) continue;
    const dest = target.replace(/\/$/, '');
    const intoFolder = rawDest.endsWith('/') || sources.length > 1 || sources.some((s) => s.includes('*'));
    for (const src of sources) {
      if (/[$?]/.test(src) || /^https?:/.test(src)) continue;
      const from = joinPath(context, src.replace(/^["']|["']$/g, ''));
      if (from.includes('*')) {
        const pattern = new RegExp(`^${from.split('*').map((p) => p.replace(/[.+^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
        for (const f of ws.files()) if (pattern.test(f)) out.set(`${dest}/${f.slice(f.lastIndexOf('/') + 1)}`, f);
      } else if (ws.exists(from)) {
        out.set(intoFolder ? `${dest}/${from.slice(from.lastIndexOf('/') + 1)}` : dest, from);
      } else {
        const prefix = from === '' ? '' : `${from}/`;
        for (const f of ws.files()) if (f.startsWith(prefix)) out.set(`${dest}/${f.slice(prefix.length)}`, f);
      }
    }
  }
  return out;
}

/** Where supervisord finds its config in an image with no `-c`, and the folders the distributions' default configs include. */
const SUPERVISORD_CONFIG = /^\/etc\/(supervisord\.conf|supervisor\/supervisord\.conf|supervisor\/conf\.d\/[^/]+\.conf|supervisor\.d\/[^/]+\.ini|supervisord\.d\/[^/]+\.(ini|conf))$/;

/** The workspace files an image copies to supervisord's default config places (`COPY app.conf /etc/supervisor/conf.d/`). */
export function imageSupervisordConfigs(ws: Workspace, dockerfile: string, context: string): string[] {
  const out: string[] = [];
  for (const [imagePath, source] of imageCopies(ws, dockerfile, context)) if (SUPERVISORD_CONFIG.test(imagePath) && !out.includes(source)) out.push(source);
  return out.sort();
}

/** The workspace file one COPY puts at `target`, if it does. */
function sourceAt(ws: Workspace, context: string, sources: string[], dest: string, destIsDir: boolean, target: string): string | undefined {
  for (const src of sources) {
    if (/[$*?]/.test(src) || /^https?:/.test(src)) continue;
    const from = joinPath(context, src);
    const name = from.slice(from.lastIndexOf('/') + 1);
    // A file copied to the path itself, or into a folder under its own name.
    if (!destIsDir && dest === target && ws.exists(from)) return from;
    if (dest.replace(/\/$/, '') + '/' + name === target && ws.exists(from)) return from;
    // A folder copied whole: its files keep their place under the destination.
    const root = dest.replace(/\/$/, '');
    if (target.startsWith(`${root}/`)) {
      const inside = joinPath(from, target.slice(root.length + 1));
      if (ws.exists(inside)) return inside;
    }
  }
  return undefined;
}

/** An image path made absolute against the WORKDIR (`/` joined forms without `.` or `..`). */
export function absolute(workdir: string, path: string): string {
  const unquoted = path.replace(/^["']|["']$/g, '');
  return '/' + (unquoted.startsWith('/') ? joinPath('', unquoted) : joinPath(dirOf(`${workdir.replace(/\/$/, '')}/`), unquoted));
}

/** The Dockerfile's instructions, one string each, with `\` continuations joined and comments dropped. */
function instructions(text: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#') && current === '') continue;
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    out.push(current + line);
    current = '';
  }
  if (current) out.push(current);
  return out;
}

/** The words of a COPY/ADD: the JSON form `["a", "b"]` or whitespace-separated. */
function argumentsOf(rest: string): string[] {
  const flags = [...rest.matchAll(/(?:^|\s)(--[\w-]+(?:=\S*)?)/g)].map((m) => m[1]);
  const body = rest.replace(/(?:^|\s)--[\w-]+(?:=\S*)?/g, ' ').trim();
  if (body.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(body);
      if (Array.isArray(parsed) && parsed.every((p) => typeof p === 'string')) return [...flags, ...(parsed as string[])];
    } catch {
      return flags;
    }
  }
  return [...flags, ...body.split(/\s+/).filter(Boolean)];
}

/**
 * The build context's folders an image copies whole into the folder its processes start in (the final WORKDIR):
 * `ARG APP_DIR=/home/app/project/`, `COPY service ${APP_DIR}`, `WORKDIR ${APP_DIR}` runs `uvicorn _main_:app` on
 * the context's `service/` folder. `ARG`/`ENV` values written in the Dockerfile are substituted; a value it does
 * not give leaves the copy out. Folders in `dirOf` form (`app/service/`).
 */
export function workdirSources(ws: Workspace, dockerfile: string, context: string): string[] {
  const text = ws.read(dockerfile);
  if (text === undefined) return [];
  let vars = new Map<string, string>();
  let workdir = '/';
  let copies: { dest: string; from: string }[] = [];
  const expand = (s: string): string | undefined => {
    let unknown = false;
    const out = s.replace(/\$\{(\w+)(?::?-([^}]*))?\}|\$(\w+)/g, (_, a: string, dflt: string | undefined, b: string) => {
      const v = vars.get(a ?? b) ?? dflt;
      if (v === undefined) unknown = true;
      return v ?? '';
    });
    return unknown || /[$`*?]/.test(out) ? undefined : out;
  };
  for (const line of instructions(text)) {
    const m = /^(FROM|WORKDIR|COPY|ADD|ARG|ENV)\s+(.*)$/is.exec(line);
    if (!m) continue;
    const keyword = m[1].toUpperCase();
    const rest = m[2].trim();
    if (keyword === 'FROM') {
      // Each stage starts over: only the last stage's copies make the image.
      [vars, workdir, copies] = [new Map(), '/', []];
    } else if (keyword === 'ARG' || keyword === 'ENV') {
      const pairs = /^\w+\s+[^=\s][^=]*$/.test(rest) && keyword === 'ENV' ? [rest.split(/\s+(.*)/s)] : rest.split(/\s+/).map((p) => p.split(/=(.*)/s));
      for (const [name, value] of pairs) {
        const v = value === undefined ? undefined : expand(value.replace(/^["']|["']$/g, ''));
        if (/^\w+$/.test(name) && v !== undefined) vars.set(name, v);
      }
    } else if (keyword === 'WORKDIR') {
      const dir = expand(rest);
      workdir = dir === undefined ? '?' : absolute(workdir, dir);
    } else {
      const words = argumentsOf(rest);
      if (words.some((w) => w.startsWith('--from'))) continue;
      const paths = words.filter((w) => !w.startsWith('--'));
      if (paths.length !== 2 || workdir === '?') continue;
      const [src, dest] = paths.map(expand);
      if (src === undefined || dest === undefined || /^https?:/.test(src)) continue;
      const from = joinPath(context, src);
      if (from !== joinPath(context, '') && ws.files().some((f) => f.startsWith(`${from}/`))) copies.push({ dest: absolute(workdir, dest), from });
    }
  }
  const final = workdir.replace(/\/$/, '') || '/';
  return [...new Set(copies.filter((c) => (c.dest.replace(/\/$/, '') || '/') === final).map((c) => `${c.from}/`))];
}
