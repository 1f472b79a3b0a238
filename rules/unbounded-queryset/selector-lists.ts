/**
 * unbounded-queryset, a view listing the queryset a selector, service or repository of another module returns:
 * `users = list_user()` then `UserOutputSerializer(users, many=True)` (HackSoft's styleguide layout: selectors.py,
 * services.py), `OrderSerializer(OrderService.for_shop(shop), many=True)`, `list(selectors.active_users())` in a view.
 * The checks of python.ts read helpers of the view's own module; this one follows the call into the module that
 * defines it (analysis/python/imported-querysets.ts) and judges the rows as python.ts does: unsliced, unstreamed, not a
 * few keys, not grouped, not one owner's rows of a table that stays small, not a curated lookup table.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { ReportSpec, RuleContext } from '../api';
import { callsNamed, keywordArgument, positionalArguments } from '../../analysis/python/ast';
import { calleeName, outsideReadsHold, querysetOf, recordingOutsideReads, OutsideReads, type QuerysetInfo } from '../../analysis/python/django-querysets';
import { classMethods } from '../../analysis/python/class-methods';
import { findingsByMethod } from '../../analysis/python/method-findings';
import { importedQuerysetOf } from '../../analysis/python/imported-querysets';
import { calleesStamp } from '../../analysis/python/call-graph';
import { importsOf } from '../../analysis/python/imports';
import { StatementFindingsCache, statementCachesEnabled, statementMatches, topLevelStatements, type TopLevelStatement } from '../../analysis/python/statements';
import { boundedByOwner, growthNote, type OwnerGrowth } from './owner-growth';
import { rowsOf } from './rows-of';
import { tableOf } from '../shared/table-names';

/** A serializer class (`UserOutputSerializer`) or a view's own (`self.get_serializer`), and list()/tuple(). */
const LIST_CALLS = /\b(?:\w*Serializer\w*|get_serializer|list|tuple)\b/g;
/** LIST_CALLS as a test of a statement's text (no `g`). */
const LIST_CALL_WORDS = /Serializer|get_serializer|\blist\b|\btuple\b/;
const SERIALIZER_CLASS = /^[A-Z]\w*Serializer\w*$/;

/** Findings per top-level statement, kept across keystrokes: an edit re-checks the statement it changed. */
const selectorFindings = new StatementFindingsCache<OutsideReads>('unbounded-queryset: selector lists per statement');

/**
 * Calls in a module of views (`viewFile`), or where `servesRequest` says a request runs them: it must read nothing of
 * the module outside the top-level statement holding the node (the answers are replayed per statement).
 */
export function checkSelectorLists(ctx: RuleContext, tree: Tree, growth: OwnerGrowth, viewFile: boolean, servesRequest: (node: Node) => boolean): void {
  const context = selectorContext(ctx, tree, growth, viewFile);
  const requestPath = (node: Node) => viewFile || servesRequest(node);
  for (const statement of topLevelStatements(tree)) {
    if (!statementMatches(statement, LIST_CALL_WORDS)) continue;
    const analyse = (unit: TopLevelStatement) => (report: (spec: ReportSpec) => void): OutsideReads | undefined => {
      const [, reads] = recordingOutsideReads(() => checkStatement(ctx, tree, unit, growth, requestPath, report));
      return reads.unknown ? undefined : reads;
    };
    if (context === undefined) {
      analyse(statement)((spec) => ctx.report(spec));
      continue;
    }
    // A class is answered method by method: typing in one method of a big view class re-checks that method.
    selectorFindings.check(ctx, statement, context, (reads) => outsideReadsHold(tree, reads), (report) => {
      const split = statementCachesEnabled() ? classMethods(statement, SPLIT_LITERALS) : undefined;
      return split ? findingsByMethod(tree, split, methodFindings, context, report, analyse) : analyse(statement)(report);
    });
  }
}

/** Every match of LIST_CALL_WORDS holds one of these literals: classMethods checks each lies inside a unit. */
const SPLIT_LITERALS = /serializer|list|tuple/gi;
const methodFindings = new StatementFindingsCache<OutsideReads>('unbounded-queryset: selector lists per method', 8000);

/**
 * What a statement's answer depends on outside its text: the file (relative imports resolve from it), the imports and
 * the names the module binds at line starts (which shadow an import), the project's other files (the callee's
 * module), the models' growth; undefined when one of them cannot be named (no change count, a statement not cacheable).
 */
function selectorContext(ctx: RuleContext, tree: Tree, growth: OwnerGrowth, viewFile: boolean): string | undefined {
  const callees = calleesStamp(ctx.project, ctx.file.relPath, tree);
  return callees === undefined ? undefined : `${ctx.file.relPath}\u0000${viewFile}\u0000${growth.version}\u0000${callees}`;
}

function checkStatement(ctx: RuleContext, tree: Tree, statement: TopLevelStatement, growth: OwnerGrowth, requestPath: (node: Node) => boolean, report: (spec: ReportSpec) => void): void {
  for (const call of callsNamed(tree, statement.text, LIST_CALLS, statement.start)) {
    const name = calleeName(call) ?? '';
    const builtin = call.childForFieldName('function')?.type === 'identifier' && (name === 'list' || name === 'tuple');
    const serializer = SERIALIZER_CLASS.test(name) || name === 'get_serializer';
    if (!builtin && !serializer) continue;
    if (serializer && keywordArgument(call, 'many')?.text !== 'True') continue;
    const data = serializer ? positionalArguments(call)[0] ?? keywordArgument(call, 'instance') : positionalArguments(call).length === 1 ? positionalArguments(call)[0] : undefined;
    // What the module's own helpers return is python.ts' to judge.
    if (!data || !requestPath(call)) continue;
    // (The import is asked first: reading the argument as a queryset of this module costs far more, per keystroke.)
    const imported = importedQuerysetOf(ctx.project, tree, ctx.file.relPath, data);
    if (!imported || imported.fromTime || !wholeList(imported.info, growth)) continue;
    if (querysetOf(data)) continue;
    report({
      start: data.startIndex,
      end: data.endIndex,
      messageId: serializer ? 'many-serializer' : 'list',
      data: { rows: rowsOf(imported.info) },
      table: tableOf(imported.info),
      detail: `${imported.where} returns an unpaginated queryset, and this view ${serializer ? 'serializes every row of it into one response' : 'loads every row of it into one list'}. Paginate it (self.paginate_queryset(queryset)), or slice it.${growthNote(imported.info, growth)}`,
    });
  }
}

/** Every row of the table, as python.ts judges a serializer's queryset. */
function wholeList(info: QuerysetInfo, growth: OwnerGrowth): boolean {
  if (info.sliced || info.iterator !== 'none' || info.singleRow || info.relatedManager || info.upcoming || info.recentWindow || info.materialized || info.compact) return false;
  return info.models.length > 0 && !boundedByOwner(info, growth) && !growth.curated(info);
}
