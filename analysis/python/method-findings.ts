/**
 * A class's findings method by method: each method's answer kept by its text, its column and the class's text outside
 * its methods (classMethods), and replayed while what it read of the module and of the class still holds; the
 * class's other units analysed every time. What per-statement caches of Django checks share.
 */
import type { Tree } from 'web-tree-sitter';
import type { ReportSpec } from '../../rules/api';
import type { ClassMethods } from './class-methods';
import { classMembersHold, outsideReadsHold, OutsideReads } from './django-querysets';
import type { StatementFindingsCache, TopLevelStatement } from './statements';

type Analyse = (unit: TopLevelStatement, method: boolean) => (report: (spec: ReportSpec) => void) => OutsideReads | undefined;

/** The outside reads of every unit merged, or undefined when one of them read something it cannot name. */
export function findingsByMethod(
  tree: Tree,
  split: ClassMethods,
  cache: StatementFindingsCache<OutsideReads>,
  context: string,
  report: (spec: ReportSpec) => void,
  analyse: Analyse,
  canFix = true,
  skip: (unit: TopLevelStatement) => boolean = () => false,
): OutsideReads | undefined {
  const all = new OutsideReads();
  let unknown = false;
  for (const { unit, method } of split.children) {
    if (skip(unit)) continue;
    const reads = method
      ? cache.check(
          { report },
          unit,
          `${context}\u0000${unit.node.startPosition.column}\u0000${split.classText}`,
          (d) => outsideReadsHold(tree, d) && classMembersHold(split.cls, d),
          analyse(unit, true),
          canFix,
        )
      : analyse(unit, false)(report);
    if (reads) all.merge(reads);
    else unknown = true;
  }
  return unknown ? undefined : all;
}
