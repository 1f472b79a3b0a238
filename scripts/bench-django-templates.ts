// Cost of the Django template links (n-plus-one in templates) on a real project, in-process:
//   npx tsx scripts/bench-django-templates.ts <project folder> <views file> <unrelated python file>
// 1. the first template analysed (builds the project's view -> template links: models, views, settings, templates);
// 2. the other templates (the links are cached: each only filters the findings);
// 3. a keystroke in the views file (its views are re-read, the links rebuilt from cached per-file facts);
// 4. a keystroke in an unrelated Python file (no view, model or settings: the links are reused).
// Each keystroke is a full analysis of the file by n-plus-one (no incremental reparse): an upper bound of the
// editor's. Prints medians in ms and the 1-minute load average.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Workspace } from '../server/src/engine/workspace';

const [root, viewsRel, otherRel] = process.argv.slice(2);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (fn: () => void) => {
  const t = performance.now();
  fn();
  return performance.now() - t;
};

(async () => {
  const ws = await Workspace.open({ root, filter: { select: ['n-plus-one'] } });
  const files = ws.discover();
  const templates = files.filter((f) => /\.(html?|txt|xml)$/.test(f.relPath));
  // Templates that hold tags are the ones n-plus-one analyses (a build without template support lists none).
  const withTags = templates.filter((f) => /\{[%{]/.test(fs.readFileSync(f.path, 'utf8')));
  const first = withTags.length ? time(() => ws.analyzeFile(withTags[0].path)) : 0;
  const rest = withTags.slice(1).map((f) => time(() => ws.analyzeFile(f.path)));
  const keystrokes = (rel: string) => {
    const abs = path.join(root, rel);
    const text = fs.readFileSync(abs, 'utf8');
    const at = text.lastIndexOf('\n', text.length - 2);
    return Array.from({ length: 15 }, (_, i) => time(() => ws.analyzeText(abs, `${text.slice(0, at)}\n# ${'x'.repeat(i + 1)}${text.slice(at)}`)));
  };
  const views = keystrokes(viewsRel);
  const other = keystrokes(otherRel);
  console.log(`| ${path.basename(root)} | ${templates.length} templates, ${files.length} files | first template ${first.toFixed(0)} | other templates ${(rest.length ? median(rest) : 0).toFixed(1)} | keystroke in ${viewsRel} ${median(views).toFixed(0)} | keystroke in ${otherRel} ${median(other).toFixed(0)} | load ${os.loadavg()[0].toFixed(1)} |`);
})();
