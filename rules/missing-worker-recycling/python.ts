/**
 * missing-worker-recycling in gunicorn config files: no `max_requests` (or `max_requests = 0`) and no deploy
 * file passing `--max-requests` instead.
 */
import type { Node } from 'web-tree-sitter';
import { defineRule, type OffsetEdit, type RuleContext } from '../api';
import { indentOf, intValue } from '../../analysis/python/ast';
import { configAssignments, GUNICORN_SETTINGS, isGunicornConfigFile, otherDeployFiles, type ConfigAssignment } from '../../analysis/deploy/gunicorn-config';
import { noDeployLoadsConfig } from '../../analysis/deploy/unloaded-config';
import { missingWorkerRecyclingDocs, missingWorkerRecyclingMeta } from './meta';

const LEAK = 'Memory a worker leaks or fragments is only returned when the process exits, so it builds up until the instance runs out of memory.';

export default defineRule({
  meta: {
    ...missingWorkerRecyclingMeta,
    kinds: ['python'],
    trigger: /workers|bind|worker_class|max_requests|timeout/,
    docs: missingWorkerRecyclingDocs.python,
  },
  check(ctx) {
    if (!isGunicornConfigFile(ctx.file)) return;
    const assignments = configAssignments(ctx.python());
    const settings = assignments.filter((a) => GUNICORN_SETTINGS.has(a.name));
    if (settings.length === 0) return;
    // The deploys start gunicorn without it (no `-c`, and it is not ./gunicorn.conf.py): its settings never apply.
    if (noDeployLoadsConfig(ctx)) return;
    const maxRequests = ctx.options.maxRequests as number;
    const jitter = ctx.options.maxRequestsJitter as number;
    const hasJitter = assignments.some((a) => a.name === 'max_requests_jitter');
    const given = assignments.filter((a) => a.name === 'max_requests').pop();

    if (given) {
      if (intValue(given.value) !== 0) return;
      const edits: OffsetEdit[] = [{ start: given.value.startIndex, end: given.value.endIndex, newText: String(maxRequests) }];
      if (!hasJitter) edits.push(insertLinesAfter(ctx, given.statement, [`max_requests_jitter = ${jitter}`]));
      ctx.report({
        start: given.value.startIndex,
        end: given.value.endIndex,
        messageId: 'disabled-config',
        data: { maxRequests },
        detail: `max_requests = 0: gunicorn never replaces its workers. ${LEAK} Set max_requests = ${maxRequests}.`,
        fixes: [{ title: `Recycle workers every ${maxRequests} requests`, edits }],
      });
      return;
    }
    // A command line may pass it instead: `gunicorn -c gunicorn.conf.py --max-requests 1000`.
    if (otherDeployFiles(ctx).some((f) => /--max-requests\b/.test(f.text))) return;

    const anchor = anchorOf(settings);
    const lines = [`max_requests = ${maxRequests}`, ...(hasJitter ? [] : [`max_requests_jitter = ${jitter}`])];
    ctx.report({
      start: anchor.assignment.startIndex,
      end: anchor.assignment.endIndex,
      messageId: 'gunicorn-config',
      detail: `Without max_requests gunicorn never replaces its workers. ${LEAK} Add ${lines.join(' and ')}.`,
      fixes: [{ title: `Add ${lines.join(' and ')}`, edits: [insertLinesAfter(ctx, anchor.statement, lines)] }],
    });
  },
});

/** The `workers` setting if there is one at module level, else the first module-level setting. */
function anchorOf(settings: ConfigAssignment[]): ConfigAssignment {
  const topLevel = settings.filter((s) => s.topLevel);
  const pool = topLevel.length ? topLevel : settings;
  return pool.find((s) => s.name === 'workers') ?? pool[0];
}

/** Inserts lines after the statement's line, with its indentation. */
function insertLinesAfter(ctx: RuleContext, statement: Node, lines: string[]): OffsetEdit {
  const text = ctx.file.text;
  const indent = indentOf(text, statement.startIndex);
  const nl = text.indexOf('\n', statement.endIndex);
  const eol = nl > 0 && text[nl - 1] === '\r' ? '\r\n' : '\n';
  const at = nl === -1 ? text.length : nl + 1;
  const prefix = nl === -1 ? eol : '';
  return { start: at, end: at, newText: prefix + lines.map((l) => `${indent}${l}${eol}`).join('') };
}
