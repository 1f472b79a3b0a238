/**
 * The memory-budget hover on the same places as the code lenses: for each deploy the line belongs to, the
 * estimate against its limit, every item of the breakdown (count x each = total), where the limit and the
 * worker count are set, where each figure comes from, and what to change when it is over.
 */
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver/node';
import type { DeployEstimate, SourceLocation } from '../../../analysis/deploy/estimate';
import { budgetVerdict, mb } from './budget-text';
import type { DocumentBudget } from './worker-protocol';

export function budgetHover(budget: DocumentBudget, position: Position): Hover | undefined {
  const marks = budget.marks.filter((m) => m.range.start.line <= position.line && position.line <= m.range.end.line);
  if (marks.length === 0) return undefined;
  const deploys = [...new Set(marks.map((m) => m.deploy))].map((i) => budget.deploys[i]);
  const tables: string[] = [];
  const sections = deploys.map((e) => {
    // Deploys that start the same processes (a render.yaml service, its Dockerfile, its Procfile) share one table.
    const table = breakdownTable(e);
    const same = tables.includes(table);
    tables.push(table);
    return deploySection(e, budget, same ? '_Same breakdown as above._' : table);
  });
  const value = [...sections, sourcesSection(deploys, budget)].join('\n\n---\n\n');
  return { contents: { kind: MarkupKind.Markdown, value }, range: marks[0].range };
}

function breakdownTable(e: DeployEstimate): string {
  const rows = ['| | count | each | total |', '|---|--:|--:|--:|'];
  for (const item of e.items.filter((i) => i.phase !== 'peak')) rows.push(`| ${md(item.label)} | ${item.count} | ~${mb(item.eachMb)} | ${mb(item.mb)} |`);
  rows.push(`| **idle** | | | **~${mb(e.idleMb)}** |`);
  for (const item of e.items.filter((i) => i.phase === 'peak')) rows.push(`| ${md(item.label)} | ${item.count} | ~${mb(item.eachMb)} | ${mb(item.mb)} |`);
  rows.push(`| **peak** | | | **~${mb(e.peakMb)}** |`);
  return rows.join('\n');
}

function deploySection(e: DeployEstimate, budget: DocumentBudget, table: string): string {
  const where = (at: SourceLocation | undefined) => {
    const line = at ? budget.lines[`${at.file}:${at.start}`] : undefined;
    return at && line ? `\`${at.file}:${line}\`` : undefined;
  };
  const facts: string[] = [];
  if (e.limit) facts.push(`Limit: ${mb(e.limit.mb)} (${md(e.limit.label)})${where(e.limit.at) ? `, set in ${where(e.limit.at)}` : ''}`);
  else facts.push('Limit: none known (set `memoryLimitMb` in memlint.toml)');
  for (const p of e.processes) {
    const who = e.processes.length > 1 ? ` (${md(p.name ?? p.program)})` : '';
    const set = where(p.workers.at);
    facts.push(`Workers${who}: ${p.workers.n}, from ${md(p.workers.how)}${set ? ` (${set})` : ''}`);
    if (p.threads.n > 1) facts.push(`Threads per worker${who}: ${p.threads.n}, from ${md(p.threads.how)}`);
    if (p.via.length) facts.push(`Started by${who}: ${p.via.map(md).join(' → ')}`);
    if (p.fork.children > 1) facts.push(`Processes${who}: parent ~${mb(p.fork.parentMb)} + ${p.fork.children} x ~${mb(p.fork.childMb)} (${p.fork.model}; shared with the parent: ${md(p.fork.shared)})`);
  }
  for (const n of e.notes) facts.push(md(n));
  const out = [`**memlint memory budget of ${md(e.label)}**: ${md(budgetVerdict(e))}`, '', table, '', facts.map((f) => `- ${f}`).join('\n')];
  if (e.advice) out.push('', `**To fit**: ${md(e.advice)}`);
  return out.join('\n');
}

/** Where each figure comes from, once per figure across the deploys shown. */
function sourcesSection(deploys: readonly DeployEstimate[], budget: DocumentBudget): string {
  const out = [`Where the figures come from ([baselines](${budget.docs.baselines}); override them with the \`baselines\` option of memory-budget):`];
  const seen = new Set<string>();
  for (const item of deploys.flatMap((e) => e.items)) {
    if (seen.has(item.key)) continue;
    seen.add(item.key);
    out.push(`- \`${item.key}\` ~${mb(item.eachMb)}: ${md(item.source)}`);
  }
  out.push('', `[memory-budget rule](${budget.docs.rule})`);
  return out.join('\n');
}

/** Markdown-escapes text from files and figures (labels, commands, sources). */
function md(text: string): string {
  return text.replace(/[\\`*_{}[\]<>|#]/g, (c) => `\\${c}`);
}
