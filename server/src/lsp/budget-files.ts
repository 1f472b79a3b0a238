/**
 * Which open documents can hold a memory-budget figure, decided on the server without asking a worker: the
 * hover is requested for every mouse rest in every Python/TypeScript file, and most source files hold none.
 * Conservative: anything that may be a deploy file or a settings file goes to the worker (budget-view.ts).
 */
import { classify } from '../engine/classify';

const SOURCE_KINDS = new Set(['python', 'typescript', 'javascript', 'requirements']);
const SETTING_ROLES = ['gunicorn-config', 'celery-config', 'pm2'] as const;

export function mayHoldBudgetFigures(path: string, kind: string, text: string): boolean {
  if (!SOURCE_KINDS.has(kind)) return true;
  if (/gunicorn/i.test(path)) return true;
  const roles = classify(path, text)?.roles;
  return !!roles && SETTING_ROLES.some((r) => roles.has(r));
}
