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
  const message = fillTemplate(template, data, report.messageId);
  const messageArguments = [...new Set(placeholdersOf(template))].map((name) => String(data[name]));
  return { message, messageId: report.messageId, messageArguments };
}
