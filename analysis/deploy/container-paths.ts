/**
 * Which workspace file a path inside a container is: a compose bind mount (`./backend:/usr/src/app` makes
 * `/usr/src/app/run.sh` the workspace's `backend/run.sh`; the mount hides what the image has there), else the
 * file the image's Dockerfile copies to it (image-files.ts). A relative path (`./entrypoint.sh`, `sh start.sh`)
 * is taken from the folder the container starts in: compose's `working_dir`, else the image's last WORKDIR.
 */
import { dirOf, joinPath, type Workspace } from './deploy-files';
import { imageFileSource, imagePathFolders, imageWorkdir } from './image-files';

/** A workspace folder or file mounted into a container (compose `volumes:` of a host path). */
export interface BindMount {
  /** Workspace path of the mounted folder or file (`dirOf`-less: `backend`, `` for the compose file's folder). */
  source: string;
  /** Absolute path in the container, without a trailing slash. */
  target: string;
}

/** What a command in a container sees: the image (its Dockerfile and build context, a `dirOf` folder) and the mounts. */
export interface ContainerFiles {
  dockerfile?: string;
  context: string;
  mounts?: readonly BindMount[];
  /** compose's `working_dir`, absolute. */
  workingDir?: string;
}

/** The workspace file at `path` in the container (absolute, or relative to the folder it starts in). */
export function containerFileSource(ws: Workspace, c: ContainerFiles, path: string): string | undefined {
  if (/[$`*?]/.test(path)) return undefined;
  const from = path.startsWith('/') ? '' : startFolder(ws, c);
  if (from === undefined) return undefined;
  const absolute = normalize(`${from}/${path}`);
  // The deepest mount covering the path wins; a mounted folder hides the image's files under it.
  const mount = [...(c.mounts ?? [])].filter((m) => absolute === m.target || absolute.startsWith(`${m.target}/`)).sort((a, b) => b.target.length - a.target.length)[0];
  if (mount) {
    const file = absolute === mount.target ? mount.source : joinPath(mount.source, absolute.slice(mount.target.length + 1));
    return ws.exists(file) ? file : undefined;
  }
  return c.dockerfile ? imageFileSource(ws, c.dockerfile, c.context, absolute) : undefined;
}

/**
 * The workspace file a bare command name (`run.sh`, `entrypoint`) runs in the container: exec looks a name without a
 * `/` up in PATH, so the first folder of the image's `ENV PATH` holding a workspace file of that name (a mount or a
 * copy: `COPY ./scripts /scripts` + `ENV PATH="/scripts:$PATH"`).
 */
export function containerCommandSource(ws: Workspace, c: ContainerFiles, name: string): string | undefined {
  if (name.includes('/') || !c.dockerfile || /[$`*?]/.test(name)) return undefined;
  for (const folder of imagePathFolders(ws, c.dockerfile)) {
    const file = containerFileSource(ws, c, `${folder}/${name}`);
    if (file !== undefined) return file;
  }
  return undefined;
}

function startFolder(ws: Workspace, c: ContainerFiles): string | undefined {
  return c.workingDir ?? (c.dockerfile ? imageWorkdir(ws, c.dockerfile) : undefined);
}

/** `/a/./b/../c/` -> `/a/c`. */
function normalize(path: string): string {
  return `/${joinPath('', path)}`;
}

/**
 * The host folders a compose service mounts (short syntax `./src:/app[:ro]`, long syntax `type: bind` with
 * `source`/`target`), with workspace paths: only paths relative to the compose file (`.`, `./x`, `../x`); named
 * volumes and absolute host paths are not the workspace.
 */
export function bindMount(composeFile: string, spec: string | { type?: string; source?: string; target?: string }): BindMount | undefined {
  let source: string | undefined;
  let target: string | undefined;
  if (typeof spec === 'string') {
    const m = /^(\.{1,2}(?:\/[^:]*)?):(\/[^:]*)(?::[\w,]+)?$/.exec(spec.trim());
    if (!m) return undefined;
    [source, target] = [m[1], m[2]];
  } else {
    if (spec.type !== 'bind' || !spec.source || !spec.target || !/^\.{1,2}(\/|$)/.test(spec.source) || !spec.target.startsWith('/')) return undefined;
    [source, target] = [spec.source, spec.target];
  }
  if (/[$`*?]/.test(source + target)) return undefined;
  const base = dirOf(composeFile);
  // `..` above the workspace is not the workspace.
  if (source.split('/').filter((p) => p === '..').length > base.split('/').filter(Boolean).length) return undefined;
  return { source: joinPath(base, source), target: normalize(target) };
}
