/**
 * The memory budget chart (inline SVG) as a reader checks it: each bar's segments add up to the deploy's
 * total on the chart's own scale, the limit line sits at the limit, labels from files are escaped, the
 * picture has a title and a description with the figures; and the HTML report of examples/ draws one chart
 * per deploy the budget estimates, with the same figures as the JSON report.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { removeTempWorkspaces, tempWorkspace } from '../support/tmp';
import { budgetChartSvg, budgetLegendHtml, chartScale, type ChartDeploy } from '../../server/src/report/budget-chart';

const REPO = path.resolve(__dirname, '..', '..');

const DEPLOY: ChartDeploy = {
  label: 'Render service "api" <web> & co',
  limitMb: 512,
  limitLabel: 'Render starter',
  now: {
    totalMb: 622,
    segments: [
      { key: 'workers', label: '12 gunicorn workers', mb: 564 },
      { key: 'master', label: 'gunicorn master', mb: 29 },
      { key: 'db', label: '12 DB connections', mb: 29 },
    ],
  },
  afterFixes: {
    totalMb: 123,
    segments: [
      { key: 'workers', label: '2 gunicorn workers', mb: 94 },
      { key: 'master', label: 'gunicorn master', mb: 29 },
    ],
  },
};

/** The rects of each row (`now`, `after fixes`): x, width, fill. */
function rows(svg: string): Map<string, { x: number; width: number; fill: string }[]> {
  const out = new Map<string, { x: number; width: number; fill: string }[]>();
  for (const g of svg.matchAll(/<g class="bar" data-row="([^"]+)">(.*?)<\/g>/g)) {
    const rects = [...g[2].matchAll(/<rect class="segment" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*fill="([^"]+)"/g)];
    out.set(g[1], rects.map((m) => ({ x: Number(m[1]), width: Number(m[2]), fill: m[3] })));
  }
  return out;
}

describe('memory budget chart (SVG)', () => {
  const svg = budgetChartSvg(DEPLOY, 'b1');
  const scale = chartScale(DEPLOY);

  it('stacks each bar from the left edge, its segments adding up to the total', () => {
    const bars = rows(svg);
    assert.deepEqual([...bars.keys()], ['now', 'after fixes']);
    for (const [row, bar] of [['now', DEPLOY.now], ['after fixes', DEPLOY.afterFixes!]] as const) {
      const rects = bars.get(row)!;
      assert.equal(rects.length, bar.segments.length);
      assert.ok(Math.abs(rects[0].x - scale.barsLeft) < 0.01, 'the first segment starts at the left edge');
      for (let i = 1; i < rects.length; i++) assert.ok(Math.abs(rects[i].x - (rects[i - 1].x + rects[i - 1].width)) < 0.02, 'segments touch');
      const width = rects.reduce((s, r) => s + r.width, 0);
      assert.ok(Math.abs(width - (scale.x(bar.totalMb) - scale.barsLeft)) < 0.05, `${row}: ${width} wide for ${bar.totalMb} MB`);
    }
  });

  it('gives an item the same colour now and after the fixes', () => {
    const bars = rows(svg);
    assert.equal(bars.get('now')![0].fill, bars.get('after fixes')![0].fill);
    assert.equal(bars.get('now')![1].fill, bars.get('after fixes')![1].fill);
    assert.notEqual(bars.get('now')![0].fill, bars.get('now')![1].fill);
  });

  it('draws the limit line at the limit, over both bars, and labels it', () => {
    const line = /<g class="limit"><line x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)"/.exec(svg);
    assert.ok(line, svg);
    assert.equal(line[1], line[3], 'vertical');
    assert.ok(Math.abs(Number(line[1]) - scale.x(512)) < 0.01);
    // 622 MB ends right of the line, 123 MB left of it.
    const bars = rows(svg);
    const end = (row: string) => bars.get(row)!.reduce((s, r) => s + r.width, scale.barsLeft);
    assert.ok(end('now') > Number(line[1]) && end('after fixes') < Number(line[1]));
    assert.match(svg, />limit 512 MB<\/text>/);
    assert.ok(!budgetChartSvg({ ...DEPLOY, limitMb: undefined }, 'b2').includes('class="limit"'), 'no line without a known limit');
  });

  it('is an accessible image whose title and description say the figures', () => {
    assert.match(svg, /^<svg [^>]*role="img" aria-labelledby="b1-t b1-d"/);
    assert.match(svg, /<title id="b1-t">Memory budget of Render service &quot;api&quot; &lt;web&gt; &amp; co<\/title>/);
    const desc = /<desc id="b1-d">(.*?)<\/desc>/.exec(svg)![1];
    assert.match(desc, /about 622 MB at peak now, 110 MB over; about 123 MB at peak after memlint&#39;s fixes, 389 MB to spare; limit 512 MB \(Render starter\)/);
    assert.match(svg, /<title>12 gunicorn workers: 564 MB<\/title>/);
    assert.match(svg, />~622 MB<\/text>/);
  });

  it('escapes labels from files', () => {
    const evil: ChartDeploy = { label: '</svg><script>alert(1)</script>', now: { totalMb: 10, segments: [{ key: 'x', label: '"><img src=x onerror=alert(1)>', mb: 10 }] } };
    const out = budgetChartSvg(evil, 'e') + budgetLegendHtml(evil);
    assert.ok(!/<script|<img/i.test(out), out);
    assert.match(out, /&lt;\/svg&gt;&lt;script&gt;/);
    assert.equal((out.match(/<svg/g) ?? []).length, 2, 'the chart and one legend swatch, nothing injected');
  });
});

describe('HTML report: memory budget charts', function () {
  this.timeout(60_000);
  before(function () {
    if (!fs.existsSync(path.join(REPO, 'dist', 'cli.js'))) this.skip();
  });

  it('draws one chart per estimated deploy of examples/, with the JSON report figures', () => {
    const run = (format: string) => spawnSync(process.execPath, [path.join(REPO, 'bin', 'memlint.js'), 'examples', '--format', format, '--exit-zero'], { cwd: REPO, encoding: 'utf8' }).stdout;
    const json = JSON.parse(run('json'));
    const html = run('html');
    const charts = [...html.matchAll(/<svg [^>]*class="budget-chart"[^]*?<\/svg>/g)].map((m) => m[0]);
    assert.equal(charts.length, json.budgets.length);
    assert.ok(charts.length > 0);
    json.budgets.forEach((b: { deploy: string; totalMb: number; limitMb?: number; afterFixes?: { totalMb: number } }, i: number) => {
      const title = /<title id="[^"]+">Memory budget of (.*?)<\/title>/.exec(charts[i])![1];
      assert.equal(title, b.deploy.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
      const total = b.totalMb >= 1024 ? `${+(b.totalMb / 1024).toFixed(2)} GB` : `${Math.round(b.totalMb)} MB`;
      assert.match(charts[i], new RegExp(`>~${total.replace('.', '\\.')}</text>`));
      assert.equal(charts[i].includes('data-row="after fixes"'), b.afterFixes !== undefined);
      assert.equal(charts[i].includes('class="limit"'), b.limitMb !== undefined);
    });
    assert.ok(!/https?:\/\/(?!www\.w3\.org\/2000\/svg)[^"]*\.(js|css)/.test(html), 'no network resources');
  });
});

describe('reports: deploys whose budget cannot be computed', function () {
  this.timeout(60_000);
  before(function () {
    if (!fs.existsSync(path.join(REPO, 'dist', 'cli.js'))) this.skip();
  });
  after(removeTempWorkspaces);

  it('names the deploy, the file and line of its start command, and why (text, JSON, HTML)', () => {
    const root = tempWorkspace({
      'render.yaml': 'services:\n  - type: web\n    name: api\n    plan: starter\n    startCommand: ./bin/start.sh\n  - type: web\n    name: ok\n    plan: starter\n    startCommand: gunicorn app:app -w 2\n',
      'requirements.txt': 'flask\ngunicorn\n',
      'app.py': 'from flask import Flask\napp = Flask(__name__)\n',
    });
    const run = (...args: string[]) => spawnSync(process.execPath, [path.join(REPO, 'bin', 'memlint.js'), ...args, '--exit-zero'], { cwd: root, encoding: 'utf8' }).stdout;
    const json = JSON.parse(run('--format', 'json'));
    assert.deepEqual(json.budgets.map((b: { deploy: string }) => b.deploy), ['Render service "ok"']);
    assert.equal(json.unestimated.length, 1);
    const [u] = json.unestimated;
    assert.deepEqual([u.deploy, u.file, u.line], ['Render service "api"', 'render.yaml', 5]);
    assert.match(u.reason, /`\.\/bin\/start\.sh` cannot be followed: the script it runs is not in the workspace/);
    assert.ok(run().includes(`Render service "api": not estimated (render.yaml:5): ${u.reason}`));
    const html = run('--format', 'html');
    assert.match(html, /<b>Render service &quot;api&quot;<\/b> <span class="note">not estimated<\/span><p class="note"><code>render.yaml:5<\/code>: its start command `\.\/bin\/start\.sh`/);
  });
});
