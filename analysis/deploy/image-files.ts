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
  let workdir = '/';
  let found: string | undefined;
  // Later instructions overwrite earlier ones: the last copy that puts a file at the path wins.
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
      const sources = paths.slice(0, -1);
      const dest = paths[paths.length - 1];
      const source = sourceAt(ws, context, sources, absolute(workdir, dest), dest.endsWith('/') || sources.length > 1, absolute('/', imagePath));
      if (source !== undefined) found = source;
    }
  }
  return found;
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
function absolute(workdir: string, path: string): string {
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
