/**
 * Headlines from message ids: a report names one of its rule's `meta.messages` and gives the template's
 * `{{placeholders}}` in `data` (typescript-eslint's scheme). A mistake here is the rule's bug, so it throws
 * and the analyzer turns it into that rule's `rule-error` note.
 */
import type { ReportSpec, RuleMeta } from '../../../rules/api';
import { fillTemplate, placeholdersOf } from '../../../rules/shared/message-templates';

export { fillTemplate, placeholdersOf };

export interface Headline {
  message: string;
  messageId?: string;
  /** The template's placeholder values, in the order they first appear (SARIF's `message.arguments`). */
  messageArguments?: string[];
}

export function headlineOf(meta: RuleMeta, report: ReportSpec): Headline {
  if (report.messageId === undefined) {
    if (report.message === undefined) throw new Error('reported neither a messageId nor a message');
    if (meta.messages) throw new Error(`reported a bare message although the rule declares message ids: "${report.message}"`);
    return { message: report.message };
  }
  if (report.message !== undefined) throw new Error(`reported both messageId "${report.messageId}" and a message`);
  const template = meta.messages?.[report.messageId];
  if (template === undefined) throw new Error(`reported an unknown messageId "${report.messageId}"`);
  const data = report.data ?? {};
  const names = placeholderNames(template);
  if (names.length === 0) return { message: template, messageId: report.messageId, messageArguments: [] };
  // A report replayed from a per-statement cache shares its `data` object with the first: its headline is reused
  // while the values it was filled with are the same (a rule that changed the object gets a new one).
  const memo = report.data ? filled.get(report.data) : undefined;
  if (memo && memo.template === template && names.every((name, i) => data[name] === memo.values[i])) {
    return { message: memo.message, messageId: report.messageId, messageArguments: [...memo.messageArguments] };
  }
  const message = fillTemplate(template, data, report.messageId);
  const messageArguments = names.map((name) => String(data[name]));
  if (report.data) filled.set(report.data, { template, values: names.map((name) => data[name]), message, messageArguments });
  return { message, messageId: report.messageId, messageArguments: [...messageArguments] };
}

/** The last headline filled from each `data` object. */
const filled = new WeakMap<object, { template: string; values: unknown[]; message: string; messageArguments: string[] }>();

/** A template's distinct placeholder names, in order of first appearance. */
function placeholderNames(template: string): string[] {
  let names = namesOf.get(template);
  if (!names) namesOf.set(template, (names = [...new Set(placeholdersOf(template))]));
  return names;
}
const namesOf = new Map<string, string[]>();
