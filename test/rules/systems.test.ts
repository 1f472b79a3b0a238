/**
 * The five systems RULES.md was written from, recreated as small workspaces under test/systems/ (our own code, not
 * copies): every cause each incident report names must be found, scanning the workspace as a user would (all rules,
 * default configuration, cross-file facts), and nothing else may be reported. Causes are annotated in the files the
 * same way as rule fixtures (`# ruleid: <id>` on the line before).
 */
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Workspace } from '../../server/src/engine/workspace';
import { readExpectations } from '../support/fixtures';

const SYSTEMS_ROOT = path.resolve(__dirname, '..', 'systems');

function annotatedCauses(root: string, files: readonly string[]): string[] {
  const out: string[] = [];
  for (const rel of files) {
    const abs = path.join(root, rel);
    const { flagged } = readExpectations(abs, fs.readFileSync(abs, 'utf8'));
    for (const [line, ids] of flagged) for (const id of ids) out.push(`${rel}:${line + 1} ${id}`);
  }
  return out.sort();
}

describe('the five reported systems are found whole', () => {
  for (const system of fs.readdirSync(SYSTEMS_ROOT).sort()) {
    it(system, async () => {
      const root = path.join(SYSTEMS_ROOT, system);
      const ws = await Workspace.open({ root });
      const result = ws.scan();
      const found = result.files
        .flatMap((f) => f.findings.map((finding) => `${f.relPath}:${finding.range.start.line + 1} ${finding.ruleId}`))
        .sort();
      const files = [...new Set([...result.files.map((f) => f.relPath), ...ws.projectFiles.map((f) => f.relPath)])];
      assert.deepStrictEqual(found, annotatedCauses(root, files));
    });
  }
});
