/** Runs rules over fixture text the way the engine does, for tests. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProjectInfo, Rule } from '../../rules/api';
import { allRules } from '../../rules/index';
import { Analyzer } from '../../server/src/engine/analyzer';
import { defaultConfig, loadConfig } from '../../server/src/engine/config';
import { initParsers } from '../../server/src/engine/parsers';
import type { Finding, FileResult } from '../../server/src/engine/types';
import { FIXTURES_ROOT, isGolden } from './fixtures';

export { initParsers };

export function rulesWithId(id: string): Rule[] {
  return allRules.filter((r) => r.meta.id === id);
}

export function ruleIds(): string[] {
  return [...new Set(allRules.map((r) => r.meta.id))];
}

/** A project view of a fixture workspace folder. */
export function fixtureProject(root: string, memoryLimitMb?: number): ProjectInfo {
  // A rule's own fixture folder does not see its sub-folders: each of those is a workspace of its own.
  const isRuleFolder = path.dirname(path.resolve(root)) === FIXTURES_ROOT;
  const list = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) return isRuleFolder && dir === root ? [] : list(abs);
      // Golden outputs and expectation sidecars are test data, not part of the fixture workspace.
      if (isGolden(e.name) || e.name.endsWith('.expect')) return [];
      return [path.relative(root, abs).split(path.sep).join('/')];
    });
  return {
    memoryLimitMb,
    files: () => list(root),
    readFile: (rel) => {
      try {
        return fs.readFileSync(path.join(root, rel), 'utf8');
      } catch {
        return undefined;
      }
    },
    fileSize: (rel) => {
      try {
        const st = fs.statSync(path.join(root, rel));
        return st.isFile() ? st.size : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

/** An analyzer for one rule id, with the fixture folder's memlint.toml if it has one. */
export function analyzerFor(ruleId: string, root: string): Analyzer {
  const rules = rulesWithId(ruleId);
  const config = fs.existsSync(path.join(root, 'memlint.toml')) ? loadConfig(root, allRules) : defaultConfig();
  return new Analyzer(rules, config, fixtureProject(root, config.memoryLimitMb));
}

export function analyzeWith(analyzer: Analyzer, root: string, abs: string, text: string): FileResult {
  const rel = path.relative(root, abs).split(path.sep).join('/');
  return analyzer.analyzeText(abs.split(path.sep).join('/'), rel, text);
}

export function describeFinding(f: Finding): string {
  return `${f.ruleId} at ${f.range.start.line + 1}:${f.range.start.character + 1}: ${f.message}`;
}
