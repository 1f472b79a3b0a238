/**
 * Whether a Django ListView's template ever reads the list: a ListView with no paginate_by puts its queryset in the
 * context lazily (`object_list`, `<model>_list`, or `context_object_name`), so rows load only when a template reads
 * it. A view used as a generic page, whose template iterates only its own sliced context (`blog_obj[:5]`), never
 * evaluates `Blog.objects.all()`.
 *
 * A tag that only counts, tests or slices the queryset (`{{ qs.count }}`, `qs|slice:":6"`) does not read its rows.
 *
 * Read from the template the view names and every template it extends or includes (string names only), with the
 * project's template folders (analysis/django-templates/folders.ts). Any template not found, or an include by a
 * variable, leaves the answer unknown, and the caller reports as before.
 */
import type { ProjectInfo } from '../api';
import { TEMPLATE_FILE, TemplateFolders } from '../../analysis/django-templates/folders';
import { projectTexts } from '../../analysis/project-texts';
import { ProjectSlot } from '../../analysis/cache';
import { escapeRegExp } from '../../analysis/python/web-context';

/** What an answer read: each template file and the text it had (for the findings cache). */
export type TemplateReads = Array<[relPath: string, text: string | undefined]>;

const MAX_TEMPLATES = 12;
const LOADS = /\{%-?\s*(extends|include)\s+([^\s%]+)/g;

/** Folders per project, rebuilt when the file list or a settings text changes. */
const FOLDERS = new ProjectSlot<{ last?: { key: string; folders: TemplateFolders } }>('unbounded-queryset: template folders', () => ({}));

function templateFolders(project: ProjectInfo, current: { relPath: string; text: string }): TemplateFolders {
  const texts = projectTexts(project, current);
  const files = texts.files.filter((f) => TEMPLATE_FILE.test(f) || (f.endsWith('.py') && /settings/.test(f)));
  const key = files.map((f) => (f.endsWith('.py') ? `${f}\u0000${texts.text(f) ?? ''}` : f)).join('\u0001');
  const slot = FOLDERS.get(project);
  if (slot.last?.key === key) return slot.last.folders;
  const folders = new TemplateFolders(files, (rel) => texts.text(rel));
  slot.last = { key, folders };
  return folders;
}

/**
 * False when the template `name` and all it extends or includes are found and none reads any of `listNames`
 * (nor `page_obj`/`paginator`); true when one does; undefined when that cannot be told. `reads` collects the files.
 */
export function templateReadsList(project: ProjectInfo, current: { relPath: string; text: string }, name: string, listNames: string[], reads: TemplateReads): boolean | undefined {
  const texts = projectTexts(project, current);
  const folders = templateFolders(project, current);
  const names = new RegExp(`\\b(${[...listNames, 'page_obj', 'paginator', 'is_paginated'].map(escapeRegExp).join('|')})\\b`);
  const seen = new Set<string>();
  const pending = [name];
  while (pending.length > 0) {
    const next = pending.pop()!;
    const file = folders.resolve(next);
    if (!file) return undefined;
    if (seen.has(file)) continue;
    if (seen.size >= MAX_TEMPLATES) return undefined;
    seen.add(file);
    const text = texts.text(file);
    reads.push([file, text]);
    if (text === undefined) return undefined;
    // Only a tag reads a context variable: `href="/products"` in the page's HTML does not.
    if ([...text.matchAll(TEMPLATE_TAGS)].some((t) => loadsRows(t[0], names))) return true;
    for (const m of text.matchAll(LOADS)) {
      const quoted = /^["']([^"']+)["']$/.exec(m[2]);
      if (!quoted) return undefined; // a template chosen by a variable
      pending.push(quoted[1]);
    }
  }
  return false;
}

const TEMPLATE_TAGS = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;

/**
 * A use of a lazy queryset that never loads its rows: `{{ qs.count }}` (a COUNT), `{% if qs.exists %}` (an EXISTS),
 * `qs.first` / `qs.last` / `qs.0` (one row), `qs|slice:":6"` (a LIMIT). A loop, `|length`, `{% if qs %}` or any other
 * filter or attribute evaluates the whole queryset.
 */
const BOUNDED_USE = /^(?:\.(?:count|exists|first|last|\d+)\b|\|slice:\s*(["'])\d*:?\d+\1)/;

/** The tag reads one of the names in a way that loads its rows (a name inside a longer dotted path counts too). */
function loadsRows(tag: string, names: RegExp): boolean {
  const all = new RegExp(names.source, 'g');
  for (const m of tag.matchAll(all)) {
    if (!BOUNDED_USE.test(tag.slice(m.index! + m[0].length))) return true;
  }
  return false;
}

/** The reads still hold: every template file read has the same text now. */
export function templateReadsHold(project: ProjectInfo, current: { relPath: string; text: string }, reads: TemplateReads): boolean {
  const texts = projectTexts(project, current);
  return reads.every(([file, text]) => texts.text(file) === text);
}
