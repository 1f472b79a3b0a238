/** The memory-budget section of the text and HTML reports: each deploy's estimate against its limit. */
import { esc } from '../../../rules/shared/html-escape';
import type { DeployBudget } from '../engine/budget';
import type { DeployEstimate } from '../../../rules/budget/estimate';

const mb = (n: number) => `${Math.round(n)} MB`;

function verdict(e: DeployEstimate): string {
  if (!e.limit) return `~${mb(e.totalMb)} (no memory limit known; set memoryLimitMb)`;
  const diff = Math.round(e.totalMb - e.limit.mb);
  return `~${mb(e.totalMb)} of ${mb(e.limit.mb)} (${e.limit.label}): ${diff > 0 ? `${diff} MB over` : `${-diff} MB to spare`}`;
}

export function budgetText(budgets: readonly DeployBudget[]): string[] {
  if (!budgets.length) return [];
  const lines = ['Memory budget:'];
  for (const { before, after } of budgets) {
    lines.push(`  ${before.label}: ${verdict(before)}`);
    for (const item of before.items) {
      const what = item.count > 1 ? `${item.count} x ~${mb(item.eachMb)}` : `~${mb(item.eachMb)}`;
      lines.push(`    ${item.label.padEnd(44)} ${what.padStart(14)}  = ${mb(item.mb).padStart(7)}`);
    }
    if (after) lines.push(`    after memlint's fixes: ${verdict(after)}`);
  }
  lines.push('');
  return lines;
}

const COLORS = ['#0969da', '#8250df', '#1a7f37', '#bf8700', '#cf222e', '#57606a', '#0550ae', '#953800'];

export const BUDGET_CSS = `
.budget{background:#fff;border:1px solid #d1d9e0;border-radius:8px;padding:12px 16px;margin:12px 0}
.bar{position:relative;display:flex;height:22px;border-radius:4px;overflow:visible;background:#eef1f4;margin:6px 0 2px}
.bar span{height:100%;display:block}
.bar .limit{position:absolute;top:-4px;bottom:-4px;width:2px;background:#1f2328}
.legend{font-size:12px;color:#59636e}.legend i{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;border-radius:2px}
.over{color:#cf222e;font-weight:600}.fits{color:#1a7f37;font-weight:600}
`;

function bar(e: DeployEstimate, scaleMb: number): string {
  const segments = e.items.map((item, i) => `<span title="${esc(item.label)}: ${mb(item.mb)}" style="width:${(100 * item.mb) / scaleMb}%;background:${COLORS[i % COLORS.length]}"></span>`);
  const limit = e.limit ? `<div class="limit" title="limit ${mb(e.limit.mb)}" style="left:${(100 * e.limit.mb) / scaleMb}%"></div>` : '';
  return `<div class="bar">${segments.join('')}${limit}</div>`;
}

export function budgetHtml(budgets: readonly DeployBudget[]): string {
  if (!budgets.length) return '';
  const parts = ['<h2>Memory budget</h2>'];
  for (const { before, after } of budgets) {
    const scale = Math.max(before.totalMb, after?.totalMb ?? 0, before.limit?.mb ?? 0) * 1.05;
    const cls = before.limit ? (before.over ? 'over' : 'fits') : '';
    parts.push(`<section class="budget"><b>${esc(before.label)}</b> <span class="${cls}">${esc(verdict(before))}</span>`);
    parts.push(bar(before, scale));
    parts.push(`<div class="legend">${before.items.map((item, i) => `<i style="background:${COLORS[i % COLORS.length]}"></i>${esc(item.label)} ${item.count > 1 ? `${item.count} x ` : ''}~${mb(item.eachMb)}`).join('')}</div>`);
    if (after) {
      const afterCls = after.limit ? (after.over ? 'over' : 'fits') : '';
      parts.push(`<p>After memlint's fixes: <span class="${afterCls}">${esc(verdict(after))}</span></p>${bar(after, scale)}`);
    }
    if (before.advice) parts.push(`<p class="note">${esc(before.advice)}</p>`);
    parts.push(`<p class="note">Where the figures come from: ${before.items.map((i) => `${esc(i.label)}: ${esc(i.source)}`).join('; ')}</p></section>`);
  }
  return parts.join('');
}
