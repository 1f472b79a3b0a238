/**
 * Django models whose rows pile up with time for each owner: pings, flips, hits, sessions, feedings, log entries.
 * One owner's rows of such a table are not "a few": a check receives a ping a minute, a site a hit per page view.
 * Read from the model class as written (no repository names, no import of the app):
 *
 * - a creation timestamp: a DateTimeField set when the row is made (`auto_now_add=True`, `default=timezone.now`),
 *   or named like one (`created`, `start_time`, `timestamp`); `auto_now` (a modification time) does not count;
 * - that the table is read by that time: the timestamp leads `Meta.ordering`, is `get_latest_by`, or is indexed
 *   (`db_index=True`, `Meta.indexes`, `index_together`), or the model is named as a record of something that
 *   happened (`...Log`, `...Event`, `Ping`, `Hit`, `...Entry`, `...Record`, `...History`);
 * - and nothing caps the rows per owner: no unique constraint involving a relation (`unique_together =
 *   ("user", "date")` is one row a day, a membership is one row per pair) and no method deleting the row itself
 *   (a running timer removed when stopped).
 * A date (DateField) is not a timestamp: weekly measurements, daily entries stay small.
 *
 * Rows a foreign key ties to a user (see `growthTimestamp`) also grow with use: when a DateTimeField the app sets
 * says when their event happens (an order, a booking), and, for rows stamped when created, when the rows asked for
 * are a parent's that many users add to (a post's comments, a room's messages).
 */
import type { Node } from 'web-tree-sitter';
import { keywordArgument, stringValue } from './ast';

/** What a model class body shows about how its rows accumulate (JSON-friendly: it is part of the models' version). */
export interface GrowthFacts {
  /** DateTimeFields set once when the row is made (or named like it), by attribute. */
  creationTimestamps: string[];
  /** Fields the table is read in the order of: the first `Meta.ordering` entry and `get_latest_by`. */
  orderedBy: string[];
  /** Fields indexed alone or in a composite index. */
  indexed: string[];
  /** Field lists of unique constraints (`unique_together`, `UniqueConstraint`), and fields declared `unique=True`. */
  unique: string[][];
  /** Fields declared `unique=True` or `primary_key=True` on their own: a lookup on one matches at most one row. */
  uniqueColumns: string[];
  /** A method calls `self.delete()`: rows are removed by the model's own workflow. */
  deletesItself: boolean;
  /**
   * DateTimeFields the app sets itself (not on create, not on save) that say when the row's event happens: an
   * order's `order_time`, a booking's `start_date_time`, a message's `sent_at`. Not expiries, deadlines, modification
   * or deletion times, nor dates of birth.
   */
  eventTimes: string[];
}

/** Callee names of timestamp fields. django-extensions' and model_utils' creation fields count as set-on-create. */
const DATETIME_FIELDS = /^(DateTimeField|CreationDateTimeField|AutoCreatedField)$/;
const CREATION_FIELDS = /^(CreationDateTimeField|AutoCreatedField)$/;
/**
 * Times that bound or describe a row rather than place it in a history: expiries, deadlines, edits, deletions,
 * birth, the last access or check (state that moves, not the row's event).
 */
const NOT_EVENT_TIME = /expir|deadline|due|until|valid|deleted|updated|modified|edited|changed|last|birth|^dob$|_by$|^(end|stop|finish|close)|verified|accessed|seen|login|opened|synced|checked|refreshed|fetched|notified|reminded|read_at|^read$/;
/** `default=timezone.now`, `default=now`, `default=datetime.utcnow`, `default=timezone.localtime`. */
const NOW_DEFAULT = /^([\w.]*\.)?(now|utcnow|localtime)$/;
/** Names of creation timestamps. */
const CREATION_NAME = /^(created|created_(at|on|time|date)|creation_(date|time)|date_created|date_added|added(_at|_on)?|timestamp|time_?stamp|ts|start|start_time|started(_at)?|occurred(_at)?|logged(_at)?|recorded(_at)?|sent(_at)?|received(_at)?|time|datetime|when)$/;
/** Model names of records of something that happened. */
export const EVENT_MODEL_NAME = /(Log|Logs|Event|Events|Ping|Hit|Hits|Entry|Record|History|Visit|Flip|Activity|Audit|Click|Pageview|PageView|Heartbeat)$/;

function lastName(node: Node | null | undefined): string | undefined {
  if (node?.type === 'identifier') return node.text;
  if (node?.type === 'attribute') return node.childForFieldName('attribute')?.text;
  return undefined;
}

/** String elements of a list/tuple literal (`["-start", "id"]`), signs stripped. */
function fieldNames(node: Node | null | undefined): string[] {
  if (!node) return [];
  const s = stringValue(node);
  if (s !== undefined) return [s.replace(/^[-+?]/, '')];
  if (node.type !== 'list' && node.type !== 'tuple') return [];
  return node.namedChildren.flatMap((c) => (c ? (stringValue(c) !== undefined ? [stringValue(c)!.replace(/^[-+?]/, '')] : []) : []));
}

/** Lists of field lists: `("a", "b")` or `(("a", "b"), ("c", "d"))`. */
function fieldGroups(node: Node | null | undefined): string[][] {
  if (!node || (node.type !== 'list' && node.type !== 'tuple')) return [];
  const nested = node.namedChildren.filter((c) => c?.type === 'list' || c?.type === 'tuple');
  return nested.length > 0 ? nested.map((c) => fieldNames(c)) : [fieldNames(node)];
}

/** The `fields=[...]` of each `Index(...)` / `UniqueConstraint(...)` call in a list, by callee name. */
function callsFields(list: Node | null | undefined, callee: RegExp): string[][] {
  if (!list || (list.type !== 'list' && list.type !== 'tuple')) return [];
  const out: string[][] = [];
  for (const c of list.namedChildren) {
    if (c?.type !== 'call' || !callee.test(lastName(c.childForFieldName('function')) ?? '')) continue;
    out.push(fieldNames(keywordArgument(c, 'fields')));
  }
  return out;
}

/** The growth facts of a model class body. */
export function growthFactsOf(body: Node): GrowthFacts {
  const facts: GrowthFacts = { creationTimestamps: [], orderedBy: [], indexed: [], unique: [], uniqueColumns: [], deletesItself: false, eventTimes: [] };
  for (const statement of body.namedChildren) {
    if (!statement) continue;
    if (statement.type === 'class_definition' && statement.childForFieldName('name')?.text === 'Meta') {
      readMeta(statement, facts);
      continue;
    }
    const fn = statement.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
    if (fn?.type === 'function_definition') {
      if (/\bself\.delete\(\s*\)/.test(fn.text)) facts.deletesItself = true;
      continue;
    }
    const assignment = statement.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    const left = assignment?.type === 'assignment' ? assignment.childForFieldName('left') : undefined;
    const right = assignment?.childForFieldName('right');
    if (left?.type !== 'identifier' || right?.type !== 'call') continue;
    const callee = lastName(right.childForFieldName('function')) ?? '';
    if (keywordArgument(right, 'unique')?.text === 'True') facts.unique.push([left.text]);
    if (keywordArgument(right, 'unique')?.text === 'True' || keywordArgument(right, 'primary_key')?.text === 'True') facts.uniqueColumns.push(left.text);
    if (keywordArgument(right, 'db_index')?.text === 'True') facts.indexed.push(left.text);
    if (!DATETIME_FIELDS.test(callee) || keywordArgument(right, 'auto_now')?.text === 'True') continue;
    const setOnCreate =
      CREATION_FIELDS.test(callee) || keywordArgument(right, 'auto_now_add')?.text === 'True' || NOW_DEFAULT.test(keywordArgument(right, 'default')?.text ?? '');
    if (setOnCreate || CREATION_NAME.test(left.text)) facts.creationTimestamps.push(left.text);
    else if (callee === 'DateTimeField' && !keywordArgument(right, 'default') && !NOT_EVENT_TIME.test(left.text)) facts.eventTimes.push(left.text);
  }
  return facts;
}

function readMeta(meta: Node, facts: GrowthFacts): void {
  for (const statement of meta.childForFieldName('body')?.namedChildren ?? []) {
    const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    if (assignment?.type !== 'assignment') continue;
    const name = assignment.childForFieldName('left')?.text;
    const value = assignment.childForFieldName('right');
    switch (name) {
      case 'ordering':
        facts.orderedBy.push(...fieldNames(value).slice(0, 1));
        break;
      case 'get_latest_by':
        facts.orderedBy.push(...fieldNames(value));
        break;
      case 'indexes':
        facts.indexed.push(...callsFields(value, /Index$/).flat());
        break;
      case 'index_together':
        facts.indexed.push(...fieldGroups(value).flat());
        break;
      case 'unique_together':
        facts.unique.push(...fieldGroups(value));
        break;
      case 'constraints':
        facts.unique.push(...callsFields(value, /^UniqueConstraint$/));
        break;
    }
  }
}

/**
 * The creation timestamp by which a model's rows accumulate, or undefined when the model shows no such growth.
 * `relations` are the model's own and inherited relation fields (a unique constraint over one caps rows per owner).
 * Rows a foreign key ties to a user grow with use when they record when their event happens (an order's
 * `order_time`, a booking's `start_date_time`: a history), where a user's settings, team or languages carry no such
 * time; and rows stamped when created grow when many users add them to one shared parent (a post's comments, a
 * room's messages), while one user's own stamped rows (routines, bookmarks) are bounded by what one person makes.
 */
export function growthTimestamp(name: string, facts: GrowthFacts, relations: ReadonlySet<string>, owned: Ownership = {}): string | undefined {
  if (facts.deletesItself) return undefined;
  if (facts.unique.some((fields) => fields.some((f) => relations.has(f) || relations.has(f.replace(/_id$/, ''))))) return undefined;
  const eventName = EVENT_MODEL_NAME.test(name);
  // The query itself reads the newest first (`order_by('-id')`, `order_by('-created')`): a history, like Meta.ordering.
  // Not rows with a unique value of their own (an API token's key, a slug): named things a user manages by hand.
  const newestFirst = facts.uniqueColumns.length > 0 ? [] : (owned.newestFirst ?? []).map((f) => f.replace(/^-/, ''));
  const read =
    facts.creationTimestamps.find((t) => eventName || facts.orderedBy.includes(t) || facts.indexed.includes(t) || newestFirst.includes(t)) ??
    (newestFirst.some((f) => f === 'id' || f === 'pk') ? facts.creationTimestamps[0] : undefined);
  if (read || !owned.byUser) return read;
  return facts.eventTimes[0] ?? (owned.sharedParent ? facts.creationTimestamps[0] : undefined);
}

/**
 * How the rows of a model belong to users. `byUser`: a foreign key leads to a user. `sharedParent`: the rows asked
 * for are those of a parent many users add to (a post's comments, a room's messages), not one user's own rows.
 */
export interface Ownership {
  byUser?: boolean;
  sharedParent?: boolean;
  /** The fields the query orders by descending (`order_by('-id')`), without the minus. */
  newestFirst?: string[];
}
