/** The engine's deploy budgets as chart data (budget-chart.ts), for the HTML report and the report view. */
import type { DeployEstimate } from '../../../analysis/deploy/estimate';
import type { DeployBudget } from '../engine/budget';
import type { ChartBar, ChartDeploy } from './budget-chart';

const mb = (n: number) => `${Math.round(n)} MB`;

/** One segment per budget item; the key keeps an item's colour the same before and after the fixes. */
export function chartOf(budget: DeployBudget): ChartDeploy {
  const bar = (e: DeployEstimate): ChartBar => ({
    totalMb: e.totalMb,
    idleMb: e.idleMb,
    // Idle segments first, then what only the peak adds (threads, connections, requests in flight).
    segments: [...e.items.filter((i) => i.phase !== 'peak'), ...e.items.filter((i) => i.phase === 'peak')].map((i) => ({
      key: `${i.key}#${i.process}`,
      label: `${i.phase === 'peak' ? 'at peak: ' : ''}${i.count > 1 ? `${i.label} (${i.count} x ~${mb(i.eachMb)})` : i.label}`,
      mb: i.mb,
    })),
  });
  return {
    label: budget.before.label,
    limitMb: budget.before.limit?.mb,
    limitLabel: budget.before.limit?.label,
    now: bar(budget.before),
    afterFixes: budget.after ? bar(budget.after) : undefined,
  };
}
