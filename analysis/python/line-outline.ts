/**
 * The indentation outline of a Python module read as lines, for the text scans that place a line in its enclosing
 * `def`/`class` by indentation (model-writers.ts, request-created-models.ts): walking up line by line from every
 * write site costs the enclosing block's length per site, so a 1,000-line class with a few hundred sites was read
 * a few hundred times over. Built once per lines array, the walk is a few steps up the chain of parents.
 */
export interface LineOutline {
  /** Each line's indentation (`line.length - line.trimStart().length`). */
  indent: Int32Array;
  /**
   * Each line's parent: the nearest line above it that holds code (not blank, not a comment) and is indented less,
   * or -1. The upward walks step over exactly the lines in between.
   */
  up: Int32Array;
}

export function lineOutline(lines: readonly string[]): LineOutline {
  const indent = new Int32Array(lines.length);
  const up = new Int32Array(lines.length);
  // Code lines above the current one whose indentation no later code line has matched or undercut (strictly
  // increasing indentation): the parent of a line is the last of them indented less.
  const open: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const rest = lines[i].trimStart();
    indent[i] = lines[i].length - rest.length;
    let top = open.length;
    while (top > 0 && indent[open[top - 1]] >= indent[i]) top--;
    up[i] = top > 0 ? open[top - 1] : -1;
    if (rest !== '' && !rest.startsWith('#')) {
      open.length = top;
      open.push(i);
    }
  }
  return { indent, up };
}
