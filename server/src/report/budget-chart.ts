/**
 * The memory budget as a picture: per deploy, a stacked horizontal bar of its items (workers, master,
 * libraries...) now and after memlint's fixes, against a line at the plan's memory limit. Plain inline SVG
 * (no script, no network, no library), used by the HTML report and the editor's report view. Accessible: the
 * SVG is an image with a title and a description that say the figures, every segment has a tooltip, and the
 * callers print the same figures as text next to it.
 * Plain data in, a string out: no engine, LSP or vscode types, so the client bundle can use it.
 */

export interface ChartSegment {
  label: string;
  mb: number;
  /** Stable key for the colour (the same item gets the same colour before and after). */
  key: string;
}

export interface ChartBar {
  /** The peak: what the verdict compares with the limit. */
  totalMb: number;
  /** At rest (the idle segments); the peak-only segments come after it. */
  idleMb?: number;
  segments: ChartSegment[];
}

export interface ChartDeploy {
  label: string;
  limitMb?: number;
  /** Where the limit comes from ("Render starter", "mem_limit 512m"). */
  limitLabel?: string;
  now: ChartBar;
  /** After memlint's fixes, when they change the estimate. */
  afterFixes?: ChartBar;
}

/** Layout of one chart, in SVG user units (the SVG scales to its container's width). */
export const CHART = {
  width: 640,
  labelWidth: 92,
  barHeight: 22,
  rowGap: 10,
  top: 22,
  bottom: 22,
  /** Room at the right for the total's text. */
  totalWidth: 86,
};

const COLORS = ['#0969da', '#8250df', '#1a7f37', '#bf8700', '#cf222e', '#57606a', '#0550ae', '#953800', '#116329', '#6639ba'];

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const mb = (n: number) => (n >= 1024 ? `${+(n / 1024).toFixed(2)} GB` : `${Math.round(n)} MB`);

/** The x scale of a deploy's chart: MB -> user units from the bars' left edge. */
export function chartScale(d: ChartDeploy): { maxMb: number; x: (mbValue: number) => number; barsLeft: number; barsWidth: number } {
  const maxMb = Math.max(d.now.totalMb, d.afterFixes?.totalMb ?? 0, d.limitMb ?? 0, 1) * 1.08;
  const barsLeft = CHART.labelWidth;
  const barsWidth = CHART.width - CHART.labelWidth - CHART.totalWidth;
  return { maxMb, barsLeft, barsWidth, x: (v: number) => barsLeft + (barsWidth * v) / maxMb };
}

/** One line that says what the chart shows, for screen readers and the SVG's <desc>. */
export function chartSummary(d: ChartDeploy): string {
  const limit = d.limitMb !== undefined ? `limit ${mb(d.limitMb)}${d.limitLabel ? ` (${d.limitLabel})` : ''}` : 'no known memory limit';
  const verdict = (b: ChartBar) => (d.limitMb === undefined ? '' : b.totalMb > d.limitMb ? `, ${mb(b.totalMb - d.limitMb)} over` : `, ${mb(d.limitMb - b.totalMb)} to spare`);
  const idle = (b: ChartBar) => (b.idleMb !== undefined && b.idleMb !== b.totalMb ? ` (${mb(b.idleMb)} idle)` : '');
  const parts = [`${d.label}: about ${mb(d.now.totalMb)} at peak now${idle(d.now)}${verdict(d.now)}`];
  if (d.afterFixes) parts.push(`about ${mb(d.afterFixes.totalMb)} at peak after memlint's fixes${idle(d.afterFixes)}${verdict(d.afterFixes)}`);
  parts.push(limit);
  return parts.join('; ') + '.';
}

/** The SVG of one deploy. `id` makes the title/desc ids unique on the page. */
export function budgetChartSvg(d: ChartDeploy, id: string): string {
  const rows: [string, ChartBar][] = [['now', d.now]];
  if (d.afterFixes) rows.push(['after fixes', d.afterFixes]);
  const { x, barsLeft } = chartScale(d);
  const height = CHART.top + rows.length * CHART.barHeight + (rows.length - 1) * CHART.rowGap + CHART.bottom;
  const colorOf = colorMap(d);
  const safeId = id.replace(/[^\w-]/g, '_');
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="budget-chart" viewBox="0 0 ${CHART.width} ${height}" width="100%" role="img" aria-labelledby="${safeId}-t ${safeId}-d" font-family="system-ui,-apple-system,Segoe UI,sans-serif" font-size="12">`,
    `<title id="${safeId}-t">Memory budget of ${escapeXml(d.label)}</title>`,
    `<desc id="${safeId}-d">${escapeXml(chartSummary(d))}</desc>`,
  ];
  rows.forEach(([name, bar], r) => {
    const y = CHART.top + r * (CHART.barHeight + CHART.rowGap);
    const over = d.limitMb !== undefined && bar.totalMb > d.limitMb;
    out.push(`<g class="bar" data-row="${escapeXml(name)}">`);
    out.push(`<text x="${barsLeft - 8}" y="${y + CHART.barHeight / 2 + 4}" text-anchor="end" fill="currentColor">${escapeXml(name)}</text>`);
    let left = 0;
    for (const s of bar.segments) {
      if (s.mb <= 0) continue;
      const x0 = x(left);
      const x1 = x(left + s.mb);
      out.push(
        `<rect class="segment" x="${fmt(x0)}" y="${y}" width="${fmt(x1 - x0)}" height="${CHART.barHeight}" fill="${colorOf(s.key)}" stroke="#fff" stroke-width="0.5" data-mb="${fmt(s.mb)}">` +
          `<title>${escapeXml(s.label)}: ${mb(s.mb)}</title></rect>`,
      );
      left += s.mb;
    }
    if (bar.idleMb !== undefined && bar.idleMb < bar.totalMb) {
      const ix = fmt(x(bar.idleMb));
      out.push(`<line class="idle" x1="${ix}" y1="${y - 3}" x2="${ix}" y2="${y + CHART.barHeight + 3}" stroke="currentColor" stroke-width="1.5"><title>idle: ${mb(bar.idleMb)}</title></line>`);
    }
    out.push(`<text class="total" x="${fmt(x(bar.totalMb) + 6)}" y="${y + CHART.barHeight / 2 + 4}" fill="${over ? '#cf222e' : 'currentColor'}" font-weight="600">~${mb(bar.totalMb)}</text>`);
    out.push('</g>');
  });
  if (d.limitMb !== undefined) {
    const lx = fmt(x(d.limitMb));
    const bottom = height - CHART.bottom + 4;
    out.push(
      `<g class="limit"><line x1="${lx}" y1="${CHART.top - 6}" x2="${lx}" y2="${bottom}" stroke="currentColor" stroke-width="2" stroke-dasharray="4 3"/>` +
        `<text x="${lx}" y="${CHART.top - 9}" text-anchor="middle" fill="currentColor">limit ${mb(d.limitMb)}</text></g>`,
    );
  }
  out.push('</svg>');
  return out.join('');
}

/** The colour of each item key, in order of first appearance (so "now" and "after" match). */
export function colorMap(d: ChartDeploy): (key: string) => string {
  const keys: string[] = [];
  for (const s of [...d.now.segments, ...(d.afterFixes?.segments ?? [])]) if (!keys.includes(s.key)) keys.push(s.key);
  return (key) => COLORS[Math.max(0, keys.indexOf(key)) % COLORS.length];
}

/** The legend under a chart: each item's colour, label and figure (the text figures of the picture). */
export function budgetLegendHtml(d: ChartDeploy): string {
  const colorOf = colorMap(d);
  const items = d.now.segments
    // An SVG swatch, not a style attribute: the editor's webview allows no inline styles (CSP).
    .map((s) => `<li><svg class="swatch" width="10" height="10" aria-hidden="true"><rect width="10" height="10" rx="2" fill="${colorOf(s.key)}"/></svg>${escapeXml(s.label)}: ${mb(s.mb)}</li>`)
    .join('');
  return `<ul class="budget-legend">${items}</ul>`;
}

export const BUDGET_CHART_CSS = `
.budget-chart{display:block;max-width:760px;margin:6px 0}
.budget-legend{list-style:none;padding:0;margin:4px 0;font-size:12px;display:flex;flex-wrap:wrap;gap:2px 14px}
.budget-legend .swatch{margin-right:5px;vertical-align:-1px}
`;

function fmt(n: number): string {
  return String(Math.round(n * 100) / 100);
}
