/**
 * Where a Django project's templates live and which file a template name means: the folders of the TEMPLATES
 * setting's `DIRS` (read from the settings modules) first, then every `templates/` folder (app templates next to
 * models.py/apps.py, and project-level ones that DIRS names through a variable we cannot read).
 */

/** Extensions of files that may be Django templates. */
export const TEMPLATE_FILE = /\.(html?|txt|xml|djhtml|jinja2?|j2)$/i;

const DIRS_SETTING = /["']DIRS["']\s*:\s*\[([^\]]*)\]|\bDIRS\s*=\s*\[([^\]]*)\]/g;

function isSettingsFile(relPath: string, text: string): boolean {
  return /(^|\/)settings\.py$|(^|\/)settings\/[^/]+\.py$|_settings\.py$/.test(relPath) || /^\s*TEMPLATES\s*=/m.test(text);
}

/** Folder paths a DIRS list names, relative to some base: `BASE_DIR / "frontend" / "templates"` -> `frontend/templates`. */
function dirsEntries(list: string): string[] {
  const out: string[] = [];
  // Entries are separated by commas at depth 0.
  let depth = 0;
  let from = 0;
  const entries: string[] = [];
  for (let i = 0; i <= list.length; i++) {
    const c = list[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if ((c === ',' && depth === 0) || i === list.length) {
      entries.push(list.slice(from, i));
      from = i + 1;
    }
  }
  for (const entry of entries) {
    const strings = [...entry.matchAll(/["']([^"'\n]*)["']/g)].map((m) => m[1]);
    const joined = strings.join('/').replace(/\/+/g, '/').replace(/^\.?\//, '').replace(/\/$/, '');
    if (joined) out.push(joined);
  }
  return out;
}

export class TemplateFolders {
  /** Folders in lookup order, project-relative, without a trailing slash. */
  readonly roots: string[];
  private readonly files: ReadonlySet<string>;
  private readonly resolved = new Map<string, string | undefined>();

  constructor(files: readonly string[], read: (relPath: string) => string | undefined) {
    this.files = new Set(files);
    const dirs: string[] = [];
    const folders = new Set<string>();
    for (const f of files) {
      const at = f.lastIndexOf('templates/');
      if (at !== -1 && (at === 0 || f[at - 1] === '/') && TEMPLATE_FILE.test(f)) folders.add(f.slice(0, at + 'templates'.length));
    }
    for (const f of files) {
      if (!f.endsWith('.py') || !/settings/.test(f)) continue;
      const text = read(f);
      if (text === undefined || !isSettingsFile(f, text) || !/DIRS/.test(text)) continue;
      for (const m of text.matchAll(DIRS_SETTING)) {
        for (const entry of dirsEntries(m[1] ?? m[2] ?? '')) {
          const resolved = this.resolveDir(entry, f, files);
          if (resolved !== undefined && !dirs.includes(resolved)) dirs.push(resolved);
        }
      }
    }
    this.roots = [...dirs, ...[...folders].filter((f) => !dirs.includes(f)).sort()];
  }

  /** A DIRS entry relative to the project root, the settings folder or a folder above it: the first that holds files. */
  private resolveDir(entry: string, settingsFile: string, files: readonly string[]): string | undefined {
    const bases = [''];
    const parts = settingsFile.split('/').slice(0, -1);
    for (let i = parts.length; i >= 1; i--) bases.push(parts.slice(0, i).join('/'));
    for (const base of bases) {
      const dir = base ? `${base}/${entry}` : entry;
      if (files.some((f) => f.startsWith(`${dir}/`))) return dir;
    }
    return undefined;
  }

  /** The file a template name (`orders/list.html`) loads, or undefined when no folder holds it. */
  resolve(name: string): string | undefined {
    if (this.resolved.has(name)) return this.resolved.get(name);
    const clean = name.replace(/^\.?\//, '');
    let found: string | undefined;
    for (const root of this.roots) {
      const file = root ? `${root}/${clean}` : clean;
      if (this.files.has(file)) {
        found = file;
        break;
      }
    }
    this.resolved.set(name, found);
    return found;
  }

  /** The name a template file is loaded by, when it is under one of the folders. */
  nameOf(file: string): string | undefined {
    for (const root of this.roots) if (file.startsWith(`${root}/`)) return file.slice(root.length + 1);
    return undefined;
  }
}
