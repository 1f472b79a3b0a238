/**
 * A unified diff of two texts (`--diff`), as `diff -u` / `git diff` print it: `---`/`+++` headers, `@@` hunks
 * with 3 lines of context. Lines are compared with Myers' O(ND) algorithm: fixes change few lines, so D is small
 * even in large files.
 */

const CONTEXT = 3;

type Op = { kind: ' ' | '-' | '+'; line: string };

export function unifiedDiff(oldName: string, newName: string, before: string, after: string): string {
  if (before === after) return '';
  // Lines keep their "\n", so a last line without one differs from the same text with one (as in diff).
  const ops = diffLines(splitLines(before), splitLines(after));
  const out = [`--- ${oldName}`, `+++ ${newName}`];
  for (const hunk of hunks(ops)) {
    out.push(`@@ -${range(hunk.oldStart, hunk.oldCount)} +${range(hunk.newStart, hunk.newCount)} @@`);
    for (let i = hunk.from; i < hunk.to; i++) {
      const { kind, line } = ops[i];
      if (line.endsWith('\n')) out.push(kind + line.slice(0, -1));
      else out.push(kind + line, '\\ No newline at end of file');
    }
  }
  return out.join('\n') + '\n';
}

function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function range(start: number, count: number): string {
  return count === 1 ? `${start}` : `${count === 0 ? start - 1 : start},${count}`;
}

/** The shortest edit script from `a` to `b` (Myers 1986), as a list of kept, deleted and inserted lines. */
export function diffLines(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let done = false;
  for (let d = 0; d <= max && !done; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        done = true;
        break;
      }
    }
  }
  // Walk back through the saved frontiers.
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d];
    const k = x - y;
    const prevK = k === -d || (k !== d && vd[offset + k - 1] < vd[offset + k + 1]) ? k + 1 : k - 1;
    const prevX = vd[offset + prevK];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ kind: ' ', line: a[--x] });
      y--;
    }
    if (d > 0) {
      if (x === prevX) ops.push({ kind: '+', line: b[--y] });
      else ops.push({ kind: '-', line: a[--x] });
    }
  }
  return ops.reverse();
}

interface Hunk {
  from: number;
  to: number;
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
}

/** Groups changes that are within 2 x CONTEXT lines of each other, with CONTEXT lines around. */
function hunks(ops: readonly Op[]): Hunk[] {
  const changed = ops.map((o, i) => (o.kind === ' ' ? -1 : i)).filter((i) => i >= 0);
  const out: Hunk[] = [];
  let i = 0;
  while (i < changed.length) {
    let last = changed[i];
    let j = i + 1;
    // Hunks merge when at most 2 x CONTEXT unchanged lines lie between them (as diff -u does).
    while (j < changed.length && changed[j] - last - 1 <= 2 * CONTEXT) last = changed[j++];
    const from = Math.max(0, changed[i] - CONTEXT);
    const to = Math.min(ops.length, last + CONTEXT + 1);
    const oldBefore = ops.slice(0, from).filter((o) => o.kind !== '+').length;
    const newBefore = ops.slice(0, from).filter((o) => o.kind !== '-').length;
    const body = ops.slice(from, to);
    const oldCount = body.filter((o) => o.kind !== '+').length;
    const newCount = body.filter((o) => o.kind !== '-').length;
    out.push({ from, to, oldStart: oldBefore + 1, oldCount, newStart: newBefore + 1, newCount });
    i = j;
  }
  return out;
}
