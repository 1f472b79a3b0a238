/**
 * Memory-budget code lenses: above each worker count, thread count, plan/limit line (or, in a file that only
 * starts the process, its start command), the estimate of each deploy it belongs to against that deploy's
 * limit. Clicking one shows the full breakdown there (the hover), like a peek.
 */
import type { CodeLens } from 'vscode-languageserver/node';
import { ShowBudgetCommand } from './protocol';
import { budgetVerdict } from './budget-text';
import type { DocumentBudget } from './worker-protocol';

export function budgetCodeLenses(uri: string, budget: DocumentBudget): CodeLens[] {
  const perLine = new Map<number, number>();
  for (const m of budget.marks) perLine.set(m.range.start.line, (perLine.get(m.range.start.line) ?? 0) + 1);
  const seen = new Map<number, number>();
  return budget.marks.map((m) => {
    const line = m.range.start.line;
    const index = seen.get(line) ?? 0;
    seen.set(line, index + 1);
    const e = budget.deploys[m.deploy];
    // One deploy on the line: its name is clear from the file; several: each lens says whose estimate it is.
    const what = (perLine.get(line) ?? 0) > 1 ? `${e.label}: ${budgetVerdict(e)}` : budgetVerdict(e);
    return {
      range: m.range,
      command: { title: index === 0 ? `memlint: ${what}` : what, command: ShowBudgetCommand, arguments: [uri, m.range.start] },
    };
  });
}
