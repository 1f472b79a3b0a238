/**
 * Whether the rows of one parent record are few or grow, read from the child model's declaration and the query: the
 * line between what a person or a workflow makes a handful at a time for one parent (an order's lines and vouchers,
 * a product's photos, a booking's payments, a tour's time slots) and what is a stream of activity on it (a room's
 * messages, a post's comments by its readers, a delivery's tracking points) or what many users add to it.
 *
 * - The child's own name, without the parent's words (`OrderVoucher` of an order is a `Voucher`): the parent's name
 *   in the child's says nothing of the child's growth.
 * - A parent that is itself one transaction (an order, a booking, a purchase, an invoice, a cart) bounds its
 *   children: the workflow of one purchase makes its lines, payments and status steps, a handful.
 * - A stamped child of another parent is few when nothing says it is a stream: no participant key (a user, author or
 *   sender field; `createdBy`/`updatedBy` audit columns are set on every table and say nothing), not read in time
 *   order (`orderBy: { createdAt: 'desc' }`, `.sort({ createdAt: -1 })`), and a parent that is no person nor account
 *   (named so, or a model with an email or password: one user's stamped rows are their history) and no space people post into or container made to fill up (a channel's videos,
 *   a group's posts, an album's photos).
 */
import { ts } from 'ts-morph';
import { prismaParentOf, type ModelShape } from './model-growth';

/** The parent stem names one transaction record (`orderId`, `booking`, `purchase_id`, `cartId`). */
const TRANSACTION_PARENT = /(order|booking|reservation|purchase|invoice|receipt|cart|checkout|quotation)$/i;
/** Children of a transaction that still pile up: its conversation, its log, a delivery's tracking points. */
const STREAM = /message|comment|chat|log|audit|notification|tracking|location|position|event|histor/i;
/**
 * Words naming people or accounts, as the last word of a parent or a key (`userId`, `check_out_librarian_id`): a
 * person parent's stamped rows are their history, a person key says who added each row.
 */
const PERSON_WORD = /(user|account|profile|member|student|pupil|teacher|employee|person|people|customer|client|patient|player|participant|attendee|admin|staff|doctor|author|driver|rider|owner|seller|buyer|creator|sender|receiver|recipient|tutor|host|guest|subscriber|follower|writer|reviewer|voter|poster|commenter|actor|submitter|uploader|renter|borrower|lender|tenant|visitor|applicant|reporter|assignee|librarian|agent)s?$/i;
/**
 * Spaces people post into or publish from (a channel's videos, a forum's threads, a room's or a group's messages) and
 * containers made to fill up (an album's photos, a bucket's assets, a gallery, an inbox, a queue).
 */
const CONTENT_SPACE = /(channel|blog|feed|board|forum|room|group|community|thread|topic|conversation|chat|space|server|guild|wall|timeline|album|bucket|gallery|collection|library|archive|drive|inbox|mailbox|queue|stream)s?$/i;
/** Audit columns every table may carry: not who takes part. */
const AUDIT_KEY = /^(created|updated|modified|deleted|changed)_?(by|By)(Id|_id|ID)?$/;

/** The words of a camelCase / snake_case / PascalCase name, lower case. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** The child's name without the parent's words (`RatingMaterial` of `ratingReply` -> `Material`), or the whole name. */
export function ownName(child: string, parent: string): string {
  const drop = new Set(words(parent));
  const kept = words(child).filter((w) => !drop.has(w) && !drop.has(w.replace(/s$/, '')));
  return kept.length > 0 ? kept.join('_') : child;
}

/** One transaction's children: `orderId` of an order's vouchers, not `orderId` of its tracking points. */
export function childOfTransaction(parent: string, child: string): boolean {
  return TRANSACTION_PARENT.test(parent) && !STREAM.test(ownName(child, parent));
}

/** The parent is a person or an account (`userId`, `driver`, `customer_id`). */
export function personParent(parent: string): boolean {
  return PERSON_WORD.test(parent);
}

/** A model of accounts whatever its name (a `Chanel` one signs in as): it holds an email or a password. */
export function accountModel(shape: ModelShape | undefined): boolean {
  return shape !== undefined && [...shape.fields].some((f) => /^(e_?mail|email_?address|password|password_?hash|hashed_?password)$/i.test(f));
}

/** The parent is a space people post into or a publisher's own page (`channelId`, `roomId`, `groupId`). */
export function contentSpace(parent: string): boolean {
  return CONTENT_SPACE.test(parent);
}

/**
 * The child model names who added each row (`userId`, `author`, a Prisma relation to a person model through a field
 * that is no audit column). `parentKey` is the field the query filters by (one owner, not another participant).
 */
export function participantKeyed(shape: ModelShape, parentKey: string): boolean {
  const own = (f: string): boolean => f !== parentKey && f.replace(/(Id|_id|ID)$/, '') !== parentKey.replace(/(Id|_id|ID)$/, '');
  // Scalar keys by name (Prisma relation fields, `User User`, are judged by the column they fill, below).
  const relationField = (f: string): boolean => shape.prisma?.schema.models.has(shape.prisma.model.fields.get(f)?.type ?? '') === true;
  for (const f of shape.fields) if (own(f) && !relationField(f) && PERSON_WORD.test(f.replace(/(Id|_id|ID|Ids|_ids)$/, '')) && !AUDIT_KEY.test(f)) return true;
  if (!shape.prisma) return false;
  const { schema, model } = shape.prisma;
  // A key filling a relation to a person model (`authorId` of `author User @relation(...)`), not an audit column.
  return [...model.fields.keys()].some((f) => own(f) && !AUDIT_KEY.test(f) && PERSON_WORD.test(prismaParentOf(schema, model, f)?.name ?? ''));
}

/** Sort keys that are times: `createdAt`, `created_at`, `date`, `timestamp`, `sentAt`. */
const TIME_KEY = /creat|date|time|stamp|[a-z]At\b|_at\b/;

/**
 * The query reads its rows in time order: `orderBy: { createdAt: 'desc' }`, Sequelize `order: [['createdAt', 'DESC']]`,
 * TypeORM `order: { createdAt: 'DESC' }`, Mongoose `.sort({ createdAt: -1 })` / `.sort('-createdAt')`, Drizzle
 * `.orderBy(desc(t.createdAt))`. A history is read that way; a recipe's steps are read by position.
 */
export function readInTimeOrder(call: ts.CallExpression): boolean {
  let top: ts.Node = call;
  while (ts.isPropertyAccessExpression(top.parent) || (ts.isCallExpression(top.parent) && top.parent.expression === top)) top = top.parent;
  const text = top.getText();
  for (const m of text.matchAll(/\b(orderBy|order|sort)\b['"]?\s*[:(]\s*/g)) {
    if (TIME_KEY.test(balanced(text, m.index + m[0].length))) return true;
  }
  return false;
}

/** The bracketed or plain value starting at `from`: `{ createdAt: 'desc' }`, `[['date', 'DESC']]`, `'-createdAt'`. */
function balanced(text: string, from: number): string {
  let depth = 0;
  for (let i = from; i < text.length && i < from + 300; i++) {
    const c = text[i];
    if ('{[('.includes(c)) depth++;
    else if ('}])'.includes(c)) {
      if (depth === 0) return text.slice(from, i);
      if (--depth === 0) return text.slice(from, i + 1);
    } else if (depth === 0 && (c === ',' || c === '\n')) return text.slice(from, i);
  }
  return text.slice(from, from + 300);
}
