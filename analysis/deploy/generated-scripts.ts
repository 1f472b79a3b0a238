/**
 * Start scripts a Dockerfile writes itself instead of copying from the build context:
 * `RUN echo 'cd /app && bash ./commands/start.sh' >> /start-wrapper.sh`, `RUN printf '#!/bin/sh\nexec ./run.sh\n' > /entrypoint.sh`,
 * `RUN cat <<EOF > /start.sh ... EOF`, `COPY <<EOF /start.sh ... EOF`. A CMD that runs such a wrapper runs the workspace
 * script the wrapper hands over to; the wrapper's own lines only set the shell up (`cd /app`).
 */
import type { Workspace } from './deploy-files';
import { containerFileSource, type ContainerFiles } from './container-paths';
import { absolute, imageWorkdir } from './image-files';

/**
 * The workspace script a wrapper the image's Dockerfile writes at `path` runs last (`bash ./commands/start.sh` after
 * `cd /app`), taken from the folder the wrapper changed to, else the container's. Undefined when the Dockerfile writes
 * no script there, or the wrapper's last command runs no workspace script.
 */
export function wrappedScript(ws: Workspace, image: ContainerFiles, path: string): string | undefined {
  if (!image.dockerfile || /[$`*?]/.test(path)) return undefined;
  const dockerfile = ws.read(image.dockerfile);
  if (dockerfile === undefined || !/(>>?|<<)/.test(dockerfile)) return undefined;
  const start = image.workingDir ?? imageWorkdir(ws, image.dockerfile);
  const target = path.startsWith('/') ? absolute('/', path) : start === undefined ? undefined : absolute(start, path);
  const text = target === undefined ? undefined : writtenScript(dockerfile, target);
  if (text === undefined) return undefined;
  let cwd = start;
  let script: string | undefined;
  for (const command of shellCommands(text)) {
    const words = command.split(/\s+/).filter(Boolean);
    if (words[0] === 'exec') words.shift();
    if (words.length === 0 || /^(echo|printf|set|export|#)/.test(words[0])) continue;
    if (words[0] === 'cd') {
      cwd = words[1] === undefined || /[$`~]/.test(words[1]) || cwd === undefined ? undefined : absolute(cwd, words[1]);
      continue;
    }
    const runs = /^(ba|da)?sh$/.test(words[0]) ? words.slice(1).find((w) => !w.startsWith('-')) : words[0];
    script = runs !== undefined && /\.(sh|bash)$/.test(runs) && cwd !== undefined ? containerFileSource(ws, { ...image, workingDir: cwd }, runs) : undefined;
  }
  return script;
}

/** The text the Dockerfile writes to the absolute `target` path: echo/printf redirections, `cat` and COPY heredocs. */
function writtenScript(dockerfile: string, target: string): string | undefined {
  const lines: string[] = [];
  let workdir = '/';
  const raw = dockerfile.split(/\r?\n/);
  for (let i = 0; i < raw.length; i++) {
    let line = raw[i].trim();
    while (line.endsWith('\\') && i + 1 < raw.length) line = line.slice(0, -1) + ' ' + raw[++i].trim();
    const workdirMatch = /^WORKDIR\s+(\S+)/i.exec(line);
    if (workdirMatch) workdir = absolute(workdir, workdirMatch[1]);
    if (/^FROM\s/i.test(line)) workdir = '/';
    if (!/^(RUN|COPY)\s/i.test(line)) continue;
    const heredoc = /<<-?\s*['"]?(\w+)['"]?/.exec(line);
    if (heredoc) {
      const body: string[] = [];
      while (i + 1 < raw.length && raw[i + 1].trim() !== heredoc[1]) body.push(raw[++i]);
      i++;
      const dest = /^COPY\s/i.test(line) ? line.split(/\s+/).filter((w) => !w.startsWith('-') && !w.startsWith('<<')).slice(1).pop() : /\bcat\b[^>]*>\s*(\S+)/.exec(line)?.[1] ?? /\btee\s+(?:-a\s+)?(\S+)/.exec(line)?.[1];
      if (dest !== undefined && absolute(workdir, dest) === target) lines.push(...body);
      continue;
    }
    for (const m of line.matchAll(/\b(echo|printf)\s+(?:-[ne]+\s+)*('([^']*)'|"([^"]*)")\s*(>>?)\s*(\S+?)(?=\s|&|;|$)/g)) {
      if (absolute(workdir, m[6]) !== target) continue;
      if (m[5] === '>') lines.length = 0;
      const content = m[3] ?? m[4];
      lines.push(...(m[1] === 'printf' || /-\w*e/.test(m[0].slice(0, m[0].indexOf(m[2]))) ? content.split('\\n') : [content]));
    }
  }
  return lines.length ? lines.join('\n') : undefined;
}

/** A wrapper's commands in order: its lines split at `&&`, `||` and `;`, comments dropped. */
function shellCommands(text: string): string[] {
  return text.split('\n').map((l) => l.replace(/(^|\s)#.*$/, '')).flatMap((l) => l.split(/&&|\|\||;/)).map((c) => c.trim()).filter(Boolean);
}
