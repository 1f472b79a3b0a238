/**
 * Is a function of the analysed file request code because another module's request code calls it? A server-only
 * helper (`lib/server/responses.ts`, `services/items.js`, `models/item.js`) is not request code by its own file, but
 * an API route, a Next.js page or route handler, a server action or an Express/Nest handler that imports it and calls
 * it runs it per request. Asked only for candidates a rule found outside its own file's request code.
 */
import { ts } from 'ts-morph';
import type { RuleContext } from '../../rules/api';
import { TreeSlot } from '../cache';
import { exportPaths, localClosure, requestCallerOf, type RequestCaller } from './import-graph';
import { isOfflineFile } from './handlers';
import { moduleFacts, unitOf, type ModuleFacts } from './module-facts';

const ownFacts = new TreeSlot<ModuleFacts>('ts-own-module-facts');

/** The request code in another module that reaches the function around `node`, or undefined. */
export function reachedFromRequests(ctx: RuleContext, node: ts.Node): RequestCaller | undefined {
  const relPath = ctx.file.relPath;
  if (isOfflineFile(relPath)) return undefined;
  const sf = node.getSourceFile();
  const unit = unitOf(node);
  if (unit === '') return undefined;
  const facts = ownFacts.get(sf, () => moduleFacts(sf, relPath, false));
  if (facts.client) return undefined;
  const paths = exportPaths(facts, localClosure(facts, unit));
  return requestCallerOf(ctx.project, relPath, sf.text, paths);
}
