/**
 * Memory-budget code lenses: above each worker count, thread count, plan/limit line (or, in a file that only
 * starts the process, its start command), the estimate of each deploy it belongs to against that deploy's
 * limit. Clicking one shows the full breakdown there (the hover), like a peek.
 */
import type { CodeLens } from 'vscode-languageserver/node';
import type { DeployEstimate } from '../../../analysis/deploy/estimate';
import { ShowBudgetCommand } from './protocol';
import { budgetVerdict } from './budget-text';
import type { BudgetMark, DocumentBudget } from './worker-protocol';

export function budgetCodeLenses(uri: string, budget: DocumentBudget): CodeLens[] {
  const byLine = new Map<number, BudgetMark[]>();
  for (const m of budget.marks) byLine.set(m.range.start.line, [...(byLine.get(m.range.start.line) ?? []), m]);
  const lenses: CodeLens[] = [];
  for (const marks of byLine.values()) {
    // Deploys over their limit first, then the ones with a limit; deploys with the same verdict share a lens
    // (a render.yaml service, its Dockerfile and its Procfile often start the same gunicorn config).
    const groups = new Map<string, { mark: BudgetMark; deploys: DeployEstimate[] }>();
    for (const m of [...marks].sort((a, b) => rank(budget.deploys[a.deploy]) - rank(budget.deploys[b.deploy]))) {
      const e = budget.deploys[m.deploy];
      const verdict = budgetVerdict(e);
      const group = groups.get(verdict) ?? groups.set(verdict, { mark: m, deploys: [] }).get(verdict)!;
      group.deploys.push(e);
    }
    let first = true;
    for (const [verdict, { mark, deploys }] of groups) {
      // One deploy on the line: its name is clear from the file; several: each lens says whose estimate it is.
      const what = marks.length > 1 ? `${deploys.map((e) => e.label).join(', ')}: ${verdict}` : verdict;
      lenses.push({
        range: mark.range,
        command: { title: first ? `memlint: ${what}` : what, command: ShowBudgetCommand, arguments: [uri, mark.range.start] },
      });
      first = false;
    }
  }
  return lenses;
}

function rank(e: DeployEstimate): number {
  return e.over ? 0 : e.limit ? 1 : 2;
}
