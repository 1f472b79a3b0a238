/**
 * One party's open work items: a status column equal to a state rows leave as the work completes (`status: 'PENDING'`,
 * `BookingStatus.IN_PROGRESS`, `{ in: ['OPEN', 'ASSIGNED'] }`, `$in`, TypeORM `In([...])`) together with a key naming
 * one party the code holds (`{ driverId, status: 'PENDING' }`, `{ user: { id }, status: 'ACTIVE' }`): a rider's pending
 * bookings, a driver's assigned rides, a user's open reservations. They are a handful at a time however long the
 * history of that party grows, because completed, cancelled and delivered rows carry another status.
 *
 * Platform-wide reads of an open state (`find({ status: 'PENDING' })`) stay reported: nothing in the code says abandoned
 * rows ever leave it, and every user's rows are in it. So do terminal or lasting states (`COMPLETED`, `DELIVERED`,
 * `PAID`, `CONFIRMED`, `SCHEDULED`, `DRAFT`): they are the party's history.
 */
import { ts } from 'ts-morph';
import { asObjectLiteral, propertyName, unwrap } from '../../analysis/typescript/ast';

type Defined = (id: ts.Identifier) => boolean;

/** A column holding a row's workflow state. */
const STATUS_KEY = /^(status|state|stage|phase|\w+_?[sS]tatus)$/;
/** States a row leaves when its work completes or is abandoned (not terminal, not lasting). */
const OPEN_STATE = /^(pending|open|opened|active|in_?progress|ongoing|processing|queued|waiting|awaiting(_?\w+)?|requested|reserved|assigned|in_?cart|cart|searching|started)$/i;
/** A key naming the party the rows belong to or are assigned to: `driverId`, `user_id`, `assignee`, `rider`. */
const PARTY_KEY = /.(Id|_id|ID)$|^(user|owner|author|customer|driver|rider|client|member|account|assignee|seller|buyer|tenant|shop|store|restaurant|vendor|agent|employee|patient|doctor|student|teacher)$/;

/** The where selects open rows of one party (see the header). */
export function openItemsOfOneParty(where: ts.ObjectLiteralExpression, defined: Defined): boolean {
  let open = false;
  let party = false;
  for (const p of where.properties) {
    const key = p.name ? propertyName(p.name) ?? '' : '';
    if (ts.isShorthandPropertyAssignment(p)) {
      party ||= PARTY_KEY.test(key) && defined(p.name);
      continue;
    }
    if (!ts.isPropertyAssignment(p)) continue;
    const value = unwrap(p.initializer);
    if (STATUS_KEY.test(key)) open ||= openStates(value);
    else if (PARTY_KEY.test(key)) party ||= heldValue(value, defined);
  }
  return open && party;
}

/** `'PENDING'`, `Status.PENDING`, `{ in: [...] }`, `{ $in: [...] }`, `In([...])`: every state named is open. */
function openStates(value: ts.Expression): boolean {
  const states = statesOf(value);
  return states !== undefined && states.length > 0 && states.every((s) => OPEN_STATE.test(s));
}

function statesOf(value: ts.Expression): string[] | undefined {
  const v = unwrap(value);
  if (ts.isStringLiteralLike(v)) return [v.text];
  if (ts.isPropertyAccessExpression(v) && /^[A-Z]/.test(v.expression.getText())) return [v.name.text];
  if (ts.isArrayLiteralExpression(v)) return listOf(v);
  if (ts.isCallExpression(v) && /^In$/.test(v.expression.getText()) && v.arguments[0]) return statesOf(v.arguments[0]);
  const o = asObjectLiteral(v);
  if (o && o.properties.length === 1 && ts.isPropertyAssignment(o.properties[0])) {
    const op = o.properties[0].name.getText().replace(/^['"]|['"]$/g, '');
    if (/^(in|\$in|\[Op\.in\]|equals|\$eq|\[Op\.eq\])$/.test(op)) return statesOf(o.properties[0].initializer);
  }
  return undefined;
}

function listOf(list: ts.ArrayLiteralExpression): string[] | undefined {
  const out: string[] = [];
  for (const e of list.elements) {
    const states = statesOf(e);
    if (!states || states.length !== 1) return undefined;
    out.push(states[0]);
  }
  return out;
}

/** A value the code holds for one party: not a literal, not a list, not an operator object; a relation matched by its key. */
function heldValue(value: ts.Expression, defined: Defined): boolean {
  if (ts.isIdentifier(value)) return value.text !== 'undefined' && defined(value);
  if (ts.isPropertyAccessExpression(value) || ts.isElementAccessExpression(value) || ts.isCallExpression(value) || ts.isNonNullExpression(value)) {
    return !/^(In|Not|Any|Raw|IsNull|Like|ILike)\b/.test(value.getText());
  }
  const o = asObjectLiteral(value);
  // `user: { id: userId }`, `driver: { _id: id }`
  return (
    o !== undefined &&
    o.properties.length === 1 &&
    ts.isPropertyAssignment(o.properties[0]) &&
    /^_?id$/.test(propertyName(o.properties[0].name) ?? '') &&
    heldValue(unwrap(o.properties[0].initializer), defined)
  );
}
