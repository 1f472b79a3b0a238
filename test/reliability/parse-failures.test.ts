/**
 * A file too deep for a parser or for memlint's own tree walks is not analysed, with a note, and every other file
 * of the run keeps its findings (issue 10, item 1).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defineRule } from '../../rules/api';
import { allRules } from '../../rules/index';
import { pythonNestingProblem, MAX_PYTHON_INDENT_LEVELS } from '../../server/src/engine/nesting';
import { Workspace } from '../../server/src/engine/workspace';
import { removeTempWorkspaces, tempWorkspace } from '../support/tmp';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'memlint.js');
const READ_CSV = `import pandas as pd\n\n\ndef report(request):\n    df = pd.read_csv("big.csv")\n    return df\n`;
const TS_DOWNLOADS = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'whole-file-read', 'downloads.ts'), 'utf8');

/** `depth` nested `if` blocks around a pandas read: tree-sitter's wasm runs out of memory from ~550. */
function nestedIfs(depth: number): string {
  let s = 'import pandas as pd\n';
  for (let i = 0; i < depth; i++) s += '    '.repeat(i) + 'if x:\n';
  return s + '    '.repeat(depth) + 'df = pd.read_csv("f.csv")\n';
}

const keys = (ws: Workspace, file: string) => ws.analyzeFile(file).findings.map((f) => `${f.ruleId}@${f.start}`);

after(removeTempWorkspaces);

describe('reliability: parser and tree-walk failures stay in their file', function () {
  this.timeout(60_000);

  it('a Python file nested too deep is noted, and the files after it keep their findings (CLI)', function () {
    if (!fs.existsSync(path.resolve(__dirname, '..', '..', 'dist', 'cli.js'))) this.skip();
    const root = tempWorkspace({ 'a_deep.py': nestedIfs(600), 'b_report.py': READ_CSV, 'c_report.py': READ_CSV });
    const r = spawnSync(process.execPath, [BIN, '.'], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /a_deep\.py: note: not analysed: nesting too deep \(over 100 indentation levels/);
    assert.match(r.stdout, /^b_report\.py:5:10: dataframe-full-load /m);
    assert.match(r.stdout, /^c_report\.py:5:10: dataframe-full-load /m);
  });

  it('the summary does not say "no problems" without naming the files that were not analysed (CLI)', function () {
    if (!fs.existsSync(path.resolve(__dirname, '..', '..', 'dist', 'cli.js'))) this.skip();
    const root = tempWorkspace({ 'a_deep.py': nestedIfs(600), 'b_ok.py': 'x = 1\n' });
    const r = spawnSync(process.execPath, [BIN, '.'], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /No memory problems found in \d+ files; 1 file was not analysed \(see the notes above\)\./);
  });

  it('a tree-sitter parser that failed is replaced and says so (its thread is then retired)', () => {
    // In a child process: the failed parse may damage the wasm memory of the process it runs in.
    const script = `
      const { initParsers, parsePython, pythonParserFailed } = require('./server/src/engine/parsers');
      initParsers().then(() => {
        let error = '';
        let deep = 'import pandas as pd\\n';
        for (let i = 0; i < 600; i++) deep += '    '.repeat(i) + 'if x:\\n';
        try { parsePython(deep + '    '.repeat(600) + 'df = pd.read_csv("f.csv")\\n'); } catch (e) { error = String(e); }
        const tree = parsePython(${JSON.stringify(READ_CSV)});
        process.stdout.write(JSON.stringify({ error, type: tree.rootNode.type, statements: tree.rootNode.namedChildCount, hasError: tree.rootNode.hasError, failed: pythonParserFailed() }));
      });`;
    const r = spawnSync(process.execPath, ['-r', 'tsx/cjs', '-e', script], { cwd: path.resolve(__dirname, '..', '..'), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.match(out.error, /memory access out of bounds/);
    assert.deepEqual({ ...out, error: undefined }, { error: undefined, type: 'module', statements: 2, hasError: false, failed: true });
  });

  it('the Python guard follows CPython limits and ignores brackets in strings and comments', () => {
    const levels = (n: number) => Array.from({ length: n + 1 }, (_, i) => ' '.repeat(i) + (i < n ? 'if x:' : 'pass')).join('\n');
    assert.equal(pythonNestingProblem(levels(MAX_PYTHON_INDENT_LEVELS)), undefined);
    assert.match(pythonNestingProblem(levels(MAX_PYTHON_INDENT_LEVELS + 1)) ?? '', /indentation levels/);
    assert.equal(pythonNestingProblem(`s = "${'('.repeat(500)}"\n# ${'['.repeat(500)}\nt = '''\n${'{'.repeat(500)}\n'''\n`), undefined);
    assert.match(pythonNestingProblem(`x = ${'('.repeat(201)}1${')'.repeat(201)}\n`) ?? '', /nested brackets/);
    // Continuation lines inside brackets do not count as indentation.
    assert.equal(pythonNestingProblem(`x = f(\n${Array.from({ length: 300 }, (_, i) => ' '.repeat(i + 1) + `${i},`).join('\n')}\n)\n`), undefined);
  });

  it('a TS file deeper than the tree walks allow (a 3,000-term concatenation) is noted; another file keeps its findings', async () => {
    const alone = await Workspace.open({ root: tempWorkspace({ 'downloads.ts': TS_DOWNLOADS }) });
    const expected = keys(alone, path.join(alone.root, 'downloads.ts'));
    assert.ok(expected.length > 0);
    // A request read (whole-file-read parses only files that name a request); one term a line: not a minified line.
    const deep = `import fs from 'fs';\nexport const s = (req) => fs.readFileSync(req.query.name, 'utf8') + ${Array.from({ length: 3000 }, (_, i) => `'a${i}'`).join(' +\n')};\n`;
    const root = tempWorkspace({ 'a.ts': deep, 'downloads.ts': TS_DOWNLOADS });
    const ws = await Workspace.open({ root });
    const a = ws.analyzeFile(path.join(root, 'a.ts'));
    assert.deepEqual(a.notes.map((n) => n.message), ['not analysed: nesting too deep (a syntax tree over 1000 levels deep)']);
    assert.deepEqual(keys(ws, path.join(root, 'downloads.ts')), expected);
  });

  it('a rule whose walk overflows the stack is noted on every such file, and still runs on the others', async () => {
    const real = allRules.find((r) => r.meta.id === 'dataframe-full-load')!;
    const overflowing = defineRule({
      ...real,
      meta: { ...real.meta, id: 'dataframe-full-load' },
      check(ctx) {
        if (ctx.file.relPath.startsWith('deep')) {
          const recurse = (n: number): number => recurse(n + 1) + 1;
          recurse(0);
        }
        real.check(ctx);
      },
    });
    const root = tempWorkspace({ 'deep1.py': READ_CSV, 'deep2.py': READ_CSV, 'fine.py': READ_CSV });
    const ws = await Workspace.open({ root, rules: [overflowing] });
    for (const name of ['deep1.py', 'deep2.py']) {
      const r = ws.analyzeFile(path.join(root, name));
      assert.deepEqual(r.notes.map((n) => `${n.kind}: ${n.message}`), ['not-analysed: not analysed by dataframe-full-load: nesting too deep']);
    }
    const plain = await Workspace.open({ root, rules: [real] });
    assert.deepEqual(keys(ws, path.join(root, 'fine.py')), keys(plain, path.join(root, 'fine.py')));
    assert.equal(keys(plain, path.join(root, 'fine.py')).length, 1);
  });
});
