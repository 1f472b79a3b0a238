/**
 * A file's content attached to one email: Django's `mail.attach(name, f.read(), "application/pdf")`, the standard
 * library's `msg.add_attachment(f.read(), ...)`, `MIMEApplication(f.read())`. The message holds the attachment whole
 * (it is base64-encoded into the message before it is sent), so reading the file in chunks saves nothing, and mail
 * servers refuse messages past a few tens of MB: one attached file is a bounded read.
 *
 * Not so in a loop: a message that attaches a file per pass (every report of a schedule, every document of a case)
 * holds all of them at once, a sum that grows with the files. Uploads are the caller's to judge (their size is the
 * client's).
 */
import type { Node } from 'web-tree-sitter';
import { positionalArguments } from './ast';

/** Email attachment calls by name, and which positional argument is the content. */
const CONTENT_SLOT = new Map([['attach', 1], ['add_attachment', 0], ['MIMEApplication', 0]]);

/** `value` (a read, or the name bound to one) is the content of one email attachment made outside any loop. */
export function attachedToOneEmail(value: Node): boolean {
  const args = value.parent;
  const call = args?.type === 'argument_list' && args.parent?.type === 'call' ? args.parent : undefined;
  const fn = call?.childForFieldName('function');
  const name = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : fn?.text.replace(/^.*\./, '');
  const slot = name === undefined ? undefined : CONTENT_SLOT.get(name);
  if (!call || slot === undefined || !positionalArguments(call)[slot]?.equals(value)) return false;
  return !insideLoop(call);
}

/** The node sits in a loop or comprehension of its own function. */
function insideLoop(node: Node): boolean {
  for (let n = node.parent; n && n.type !== 'function_definition' && n.type !== 'lambda'; n = n.parent) {
    if (n.type === 'for_statement' || n.type === 'while_statement' || /comprehension$|^generator_expression$/.test(n.type)) return true;
  }
  return false;
}
