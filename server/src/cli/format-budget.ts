/**
 * The memory-budget section of the text and HTML reports: each deploy's estimate against its limit, before and
 * after memlint's fixes (a chart in HTML, with the figures as text too), and the deploys whose budget cannot be
 * computed, with the file and the reason.
 */
import { esc } from '../../../rules/shared/html-escape';
import type { DeployEstimate } from '../../../analysis/deploy/estimate';
import type { UnestimatedDeploy } from '../../../analysis/deploy/unestimated';
import type { DeployBudget } from '../engine/budget';
import { BUDGET_CHART_CSS, budgetChartSvg, budgetLegendHtml } from '../report/budget-chart';
import { chartOf } from '../report/chart-data';

const mb = (n: number) => `${Math.round(n)} MB`;

/** "~60 MB idle, ~85 MB at peak of 512 MB (Render starter): 427 MB to spare" (the verdict uses the peak). */
function verdict(e: DeployEstimate): string {
  const figures = `~${mb(e.idleMb)} idle, ~${mb(e.peakMb)} at peak`;
  if (!e.limit) return `${figures} (no memory limit known; set memoryLimitMb)`;
  const diff = Math.round(e.peakMb - e.limit.mb);
  return `${figures} of ${mb(e.limit.mb)} (${e.limit.label}): ${diff > 0 ? `${diff} MB over at peak` : `${-diff} MB to spare at peak`}`;
}

/** "render.yaml:5" or the label alone. */
export function whereOf(u: UnestimatedDeploy): string {
  return u.file ? `${u.file}${u.line ? `:${u.line}` : ''}` : '';
}

export function budgetText(budgets: readonly DeployBudget[], unestimated: readonly UnestimatedDeploy[] = []): string[] {
  if (!budgets.length && !unestimated.length) return [];
  const lines = ['Memory budget:'];
  for (const { before, after } of budgets) {
    lines.push(`  ${before.label}: ${verdict(before)}`);
    for (const item of before.items) {
      const what = item.count > 1 ? `${item.count} x ~${mb(item.eachMb)}` : `~${mb(item.eachMb)}`;
      lines.push(`    ${(item.phase === 'peak' ? `(peak) ${item.label}` : item.label).padEnd(44)} ${what.padStart(14)}  = ${mb(item.mb).padStart(7)}`);
    }
    for (const p of before.processes) if (p.fork.children > 1) lines.push(`    fork: ${p.fork.model}: parent ~${mb(p.fork.parentMb)} + ${p.fork.children} x ~${mb(p.fork.childMb)}; shared: ${p.fork.shared}`);
    for (const n of before.notes) lines.push(`    note: ${n}`);
    if (after) lines.push(`    after memlint's fixes: ${verdict(after)}`);
  }
  for (const u of unestimated) lines.push(`  ${u.label}: not estimated (${whereOf(u)}): ${u.reason}`);
  lines.push('');
  return lines;
}

export const BUDGET_CSS = `
.budget{background:#fff;border:1px solid #d1d9e0;border-radius:8px;padding:12px 16px;margin:12px 0}
.over{color:#cf222e;font-weight:600}.fits{color:#1a7f37;font-weight:600}
${BUDGET_CHART_CSS}`;

export function budgetHtml(budgets: readonly DeployBudget[], unestimated: readonly UnestimatedDeploy[] = []): string {
  if (!budgets.length && !unestimated.length) return '';
  const parts = ['<h2>Memory budget</h2>'];
  budgets.forEach((b, i) => {
    const { before, after } = b;
    const cls = (e: DeployEstimate) => (e.limit ? (e.over ? 'over' : 'fits') : '');
    const chart = chartOf(b);
    parts.push(`<section class="budget"><b>${esc(before.label)}</b> <span class="${cls(before)}">${esc(verdict(before))}</span>`);
    if (after) parts.push(`<br>After memlint's fixes: <span class="${cls(after)}">${esc(verdict(after))}</span>`);
    parts.push(budgetChartSvg(chart, `budget-${i}`));
    parts.push(budgetLegendHtml(chart));
    if (before.advice) parts.push(`<p class="note">To fit: ${esc(before.advice)}</p>`);
    for (const n of before.notes) parts.push(`<p class="note">${esc(n)}</p>`);
    parts.push(`<p class="note">Where the figures come from: ${before.items.map((x) => `${esc(x.label)}: ${esc(x.source)}`).join('; ')}</p></section>`);
  });
  for (const u of unestimated) {
    parts.push(`<section class="budget"><b>${esc(u.label)}</b> <span class="note">not estimated</span><p class="note"><code>${esc(whereOf(u))}</code>: ${esc(u.reason)}</p></section>`);
  }
  return parts.join('');
}
