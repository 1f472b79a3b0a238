/**
 * Places a parent row declares: an event's `totalSeats`, a session's `capacity`, a course's `maxParticipants`, a
 * show's `tickets` quantities. The rows that take those places (its tickets, bookings, seats, registrations,
 * attendance) are bounded by that number, not by the app's use: one event's tickets are at most its seats, however
 * many events the app holds. Read from the parent model's declaration (Prisma schema, TypeORM entity, Sequelize or
 * Mongoose model) through model-growth.ts's shapes, built once per project state.
 */
import type { RuleContext } from '../../rules/api';
import { modelShape } from './model-growth';
import { ownName } from './child-rows';

/**
 * A field counting a parent's places: `capacity`, `totalSeats`, `maxAttendees`, `seatCount`, `ticketQuantity`,
 * `max_participants`, `availableSpots`, or `seats`/`tickets` held on the row itself (a Mongoose object of quantities,
 * a Prisma Int), not a relation to other rows.
 */
const CAPACITY_FIELD = /^(capacity|max_?capacity|(total|max|maximum|available|num|number_?of)_?(seats?|tickets?|spots?|places?|slots?|attendees|participants|guests|members|registrations|bookings)|(seat|ticket|spot|place)_?(count|quantity|limit|capacity)|(seats?|tickets?)_?(total|available))$/i;
const PLACES_ON_ROW = /^(seats|tickets)$/i;

/** Rows that take one of the parent's places: a ticket, a booking, a seat, a registration, an attendance. */
const PLACE_TAKER = /(ticket|booking|reservation|registration|seat|attendee|attendance|participant|enrol?lment|rsvp|sign_?up|check_?in)s?$/i;

/** A Prisma scalar type that counts: `Int`, `BigInt`, or a `Json` of quantities. */
const COUNT_TYPE = /^(Int|BigInt|Json|Decimal|Float)$/;

/**
 * The child rows of one parent row (`parentName`, from the where's key: `eventId` -> `event`) are place-takers of a
 * parent that declares its places.
 */
export function boundedByParentCapacity(ctx: RuleContext, orm: string, child: string, parentName: string): boolean {
  if (!PLACE_TAKER.test(ownName(child, parentName)) && !PLACE_TAKER.test(child)) return false;
  const parent = modelShape(ctx, orm, parentName);
  if (!parent) return false;
  for (const field of parent.fields) {
    if (!CAPACITY_FIELD.test(field) && !PLACES_ON_ROW.test(field)) continue;
    if (parent.prisma) {
      const declared = parent.prisma.model.fields.get(field);
      if (declared && !declared.list && COUNT_TYPE.test(declared.type)) return true;
      continue;
    }
    // a relation to other rows (`tickets: [{ type: ObjectId, ref }]`, `@OneToMany`) counts nothing
    if (!parent.refs.has(field) && !parent.toMany.has(field)) return true;
  }
  return false;
}
