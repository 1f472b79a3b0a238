/**
 * Renders a rule id's documentation page (docs/rules/<id>.md) from the rule files' `docs`, merging the
 * implementations that share an id (e.g. n-plus-one for Python and for TypeScript) into one page.
 */
import type { FileKind, Rule, RuleMeta } from './api';

const LANGUAGE_NAMES: Partial<Record<FileKind, string>> = {
  python: 'Python',
  typescript: 'TypeScript/JavaScript',
  javascript: 'TypeScript/JavaScript',
  dockerfile: 'Deploy configuration',
  procfile: 'Deploy configuration',
  yaml: 'Deploy configuration',
  toml: 'Deploy configuration',
  json: 'Deploy configuration',
  env: 'Deploy configuration',
  requirements: 'Deploy configuration',
  shell: 'Deploy configuration',
  ini: 'uWSGI and supervisord configs',
  'django-template': 'Django templates',
};

function fenceLanguage(fileName: string): string {
  if (fileName.endsWith('.py')) return 'python';
  if (/\.(ts|tsx|mts|cts)$/.test(fileName)) return 'ts';
  if (/\.(js|mjs|cjs|jsx)$/.test(fileName)) return 'js';
  if (/\.ya?ml$/.test(fileName)) return 'yaml';
  if (fileName.endsWith('.toml')) return 'toml';
  if (fileName.endsWith('.sh')) return 'sh';
  if (fileName.endsWith('.ini') || fileName.endsWith('.conf')) return 'ini';
  if (fileName.endsWith('.json')) return 'json';
  if (/dockerfile/i.test(fileName)) return 'dockerfile';
  return 'text';
}

export function sectionTitle(rule: Rule): string {
  const names = [...new Set(rule.meta.kinds.map((k) => LANGUAGE_NAMES[k] ?? k))];
  return names.join(', ');
}

export function renderRuleDocs(id: string, implementations: readonly Rule[]): string {
  const first = implementations[0].meta;
  const out: string[] = [];
  out.push(`# ${id}`, '');
  out.push(`${first.docs.summary}`, '');
  out.push('| | |', '|---|---|');
  out.push(`| Default severity | ${first.defaultSeverity} |`);
  out.push(`| Languages | ${[...new Set(implementations.map(sectionTitle))].join('; ')} |`);
  out.push(`| Fix | ${[...new Set(implementations.map((r) => r.meta.fix))].join(' / ')} |`, '');
  const multi = implementations.length > 1;
  for (const rule of implementations) {
    const d = rule.meta.docs;
    const h = multi ? '###' : '##';
    if (multi) out.push(`## ${sectionTitle(rule)}`, '');
    if (multi && d.summary !== first.docs.summary) out.push(d.summary, '');
    out.push(`${h} What it does`, '', d.whatItDoes, '');
    out.push(`${h} Why is this bad?`, '', d.whyIsThisBad, '');
    out.push(`${h} Example`, '', `\`${d.example.fileName}\`:`, '', '```' + fenceLanguage(d.example.fileName), d.example.code.trimEnd(), '```', '');
    out.push(`${h} Use instead`, '', `\`${d.useInstead.fileName}\`:`, '', '```' + fenceLanguage(d.useInstead.fileName), d.useInstead.code.trimEnd(), '```', '');
    if (!multi) pushOptions(out, h, rule.meta.options);
    if (d.fixSafety) out.push(`${h} Fix safety`, '', d.fixSafety, '');
    if (d.notes) out.push(`${h} Notes`, '', d.notes, '');
  }
  // An id's implementations share their options (its folder's meta.ts): one table for them all.
  if (multi) pushOptions(out, '##', first.options);
  // One table for the id: implementations in several languages share their message ids.
  const messages = new Map(implementations.flatMap((r) => Object.entries(r.meta.messages ?? {})));
  if (messages.size) {
    out.push('## Messages', '', 'Each kind of finding has an id, carried in JSON (`messageId`) and SARIF (`message.id`).', '');
    out.push('| id | headline |', '|---|---|');
    for (const [messageId, template] of messages) out.push(`| \`${messageId}\` | ${template.replace(/\{\{\s*(\w+)\s*\}\}/g, '{$1}').replace(/\|/g, '\\|')} |`);
    out.push('');
  }
  out.push('## Configuration', '');
  out.push('```toml', '# memlint.toml', '[rules]', `${id} = "error"        # or "warning", "info", "hint", "off"`, '```', '');
  out.push('Suppress one line with a comment on it or on the line above:', '');
  out.push('```python', `# memlint: ignore[${id}]`, '```', '');
  return out.join('\n');
}

export function rulesById(rules: readonly Rule[]): Map<string, Rule[]> {
  const map = new Map<string, Rule[]>();
  for (const r of rules) {
    if (!map.has(r.meta.id)) map.set(r.meta.id, []);
    map.get(r.meta.id)!.push(r);
  }
  return map;
}

export function renderRuleIndex(byId: ReadonlyMap<string, readonly Rule[]>): string {
  const out = ['# memlint rules', '', '| rule | languages | severity | fix | finds |', '|---|---|---|---|---|'];
  for (const [id, impls] of [...byId].sort(([a], [b]) => a.localeCompare(b))) {
    const m = impls[0].meta;
    out.push(
      `| [\`${id}\`](${id}.md) | ${[...new Set(impls.map(sectionTitle))].join('; ')} | ${m.defaultSeverity} | ${[...new Set(impls.map((r) => r.meta.fix))].join(' / ')} | ${m.docs.summary} |`,
    );
  }
  return out.join('\n') + '\n';
}

function pushOptions(out: string[], heading: string, options: RuleMeta['options']): void {
  const entries = Object.entries(options ?? {});
  if (!entries.length) return;
  out.push(`${heading} Options`, '', '| option | default | meaning |', '|---|---|---|');
  for (const [name, o] of entries) out.push(`| \`${name}\` | \`${JSON.stringify(o.default)}\` | ${o.description} |`);
  out.push('');
}
