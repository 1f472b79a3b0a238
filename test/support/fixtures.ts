/**
 * Fixture conventions (semgrep-style), shared by the rule tests:
 * - test/fixtures/<rule-id>/ holds inputs; a sub-folder is a small workspace of its own (its root holds
 *   deploy files, an optional memlint.toml, and e.g. `.streamlit/config.toml`).
 * - `# ruleid: <id>` / `// ruleid: <id>` / `{# ruleid: <id> #}` (templates) on the line(s) before a line means "a finding of <id> starts on
 *   that line"; `# ok: <id>` documents a look-alike that must not be flagged. Every finding must be
 *   annotated and every `ruleid` annotation must be found. `# ruleid: <id>:<messageId>` also pins which of
 *   the rule's messages (`meta.messages`) the finding uses; a trailing `table=<name>` (or `table=-`, none) pins the
 *   table its rows come from (`Finding.table`, the `smallTables` setting).
 * - Files that cannot hold comments (JSON) list expectations in a sidecar `<name>.expect`: one
 *   `<line> <rule-id>` per line (1-based).
 * - A golden fixed output sits next to its input: `views.py` -> `views.fixed.py`, `Dockerfile` ->
 *   `Dockerfile.fixed`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const FIXTURES_ROOT = path.resolve(__dirname, '..', 'fixtures');

export interface FixtureFile {
  abs: string;
  /** Root of the small workspace the file belongs to. */
  root: string;
  /** Path shown in test names. */
  label: string;
}

export function isGolden(name: string): boolean {
  return /\.fixed(\.[^./]+)?$/.test(name);
}

export function goldenPathFor(abs: string): string {
  const dir = path.dirname(abs);
  const name = path.basename(abs);
  const dot = name.lastIndexOf('.');
  const fixedName = dot > 0 ? `${name.slice(0, dot)}.fixed${name.slice(dot)}` : `${name}.fixed`;
  return path.join(dir, fixedName);
}

export function listFixtures(ruleId: string): FixtureFile[] {
  const base = path.join(FIXTURES_ROOT, ruleId);
  const out: FixtureFile[] = [];
  const walk = (dir: string, root: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(abs, dir === base ? abs : root);
      else if (!isGolden(entry.name) && !entry.name.endsWith('.expect') && entry.name !== 'memlint.toml' && entry.name !== 'README.md') {
        out.push({ abs, root, label: path.relative(FIXTURES_ROOT, abs) });
      }
    }
  };
  if (fs.existsSync(base)) walk(base, base);
  return out;
}

export interface Expectations {
  /** 0-based line -> rule ids expected to start a finding there. */
  flagged: Map<number, Set<string>>;
  /** 0-based line -> rule id -> the message id pinned by `ruleid: <id>:<messageId>`. */
  messageIds: Map<number, Map<string, string>>;
  /** 0-based line -> the table pinned by `table=<name>` ('' for `table=-`: the finding carries none). */
  tables: Map<number, string>;
  okCount: number;
}

/** `# ruleid: id`, `// ruleid: id`, and in Django templates `{# ruleid: id #}`; `id:messageId` pins the message. */
const ID = String.raw`[\w-]+(?::[\w-]+)?`;
const ANNOTATION = new RegExp(String.raw`^\s*(?:#|\/\/|\{#)\s*(ruleid|ok):\s*(${ID}(?:\s*,\s*${ID})*)`);
/** `# ruleid: n-plus-one:fk table=Order`: the table the finding's rows come from. */
const TABLE = /\stable=([\w$]+|-)(?=\s|$)/;

export function readExpectations(abs: string, text: string): Expectations {
  const flagged = new Map<number, Set<string>>();
  const messageIds = new Map<number, Map<string, string>>();
  const tables = new Map<number, string>();
  let okCount = 0;
  const add = (line: number, annotated: string) => {
    const [id, messageId] = annotated.split(':');
    if (!flagged.has(line)) flagged.set(line, new Set());
    flagged.get(line)!.add(id);
    if (messageId) {
      if (!messageIds.has(line)) messageIds.set(line, new Map());
      messageIds.get(line)!.set(id, messageId);
    }
  };
  const sidecar = `${abs}.expect`;
  if (fs.existsSync(sidecar)) {
    for (const raw of fs.readFileSync(sidecar, 'utf8').split('\n')) {
      const m = /^\s*(\d+)\s+(ok|ruleid)?:?\s*([\w-]+(?::[\w-]+)?)\s*$/.exec(raw);
      if (!m) continue;
      if (m[2] === 'ok') okCount++;
      else add(Number(m[1]) - 1, m[3]);
    }
    return { flagged, messageIds, tables, okCount };
  }
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = ANNOTATION.exec(lines[i]);
    if (!m) continue;
    // The annotation applies to the next line that is not itself an annotation.
    let target = i + 1;
    while (target < lines.length && ANNOTATION.test(lines[target])) target++;
    for (const id of m[2].split(',').map((s) => s.trim())) {
      if (m[1] === 'ok') okCount++;
      else add(target, id);
    }
    const table = m[1] === 'ruleid' ? TABLE.exec(lines[i].slice(m[0].length)) : null;
    if (table) tables.set(target, table[1] === '-' ? '' : table[1]);
  }
  return { flagged, messageIds, tables, okCount };
}
