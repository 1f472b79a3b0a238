/**
 * Tables of records one owner keeps adding, told by their name: each order, booking, payment, visit, upload or
 * message makes a row that stays. One user's rows of such a table are their all-time history, not "a few": a
 * customer's orders, a patient's consultations, a doctor's appointments grow with every use of the app. The
 * counterpart of few-by-name.ts (tables few by their name) and people-by-name.ts (a row per person), read the same
 * way: by the name's head noun, its last word (`CustomerOrder` is an order, `OrderItem` an item of one order,
 * `PaymentMethod` a method, `BookingStatus` a status).
 *
 * Only nouns of what happens, once per use: not things a person keeps and edits (notes, tasks, addresses, settings,
 * bookmarks, favourites), not one record's parts (items, lines), not words that name a schedule or a slot, and not a
 * person's tie to another row (an enrollment in a course, an application to a job: one per pair, like a membership). The
 * callers ask the model too: a name alone never reports (a stamp or an uploaded file, no cap per owner).
 */

import { singular, wordsOf } from './few-by-name';

/** Head nouns (singular, lower case) of per-event records. */
const HISTORY_HEADS = new Set([
  // Commerce: what a customer or a business does, once per purchase.
  'order', 'purchase', 'sale', 'payment', 'transaction', 'invoice', 'receipt', 'deposit', 'withdrawal', 'transfer',
  'refund', 'donation', 'bid', 'expense', 'rental', 'shipment', 'delivery',
  // Services: each booking, appointment or visit of a client.
  'booking', 'reservation', 'appointment', 'visit', 'consultation',
  // Each sitting of use: a workout, study or chat session started per visit (one a day or more, kept).
  'session',
  // Conversation and feedback: each message, comment or review posted.
  'message', 'comment', 'reply', 'review', 'feedback', 'notification',
  // What users hand in and upload: each submission, attempt, upload.
  'submission', 'attempt', 'upload', 'image', 'photo', 'picture', 'file', 'document', 'attachment', 'recording',
  // Readings and records of what happened.
  'event', 'reading', 'measurement', 'log', 'entry', 'record', 'history', 'activity', 'inspection', 'ticket',
]);

/** The head noun of the name when it names a per-event record (`CustomerOrder` -> `order`), else undefined. */
export function historyHead(name: string): string | undefined {
  const words = wordsOf(name);
  const head = words.length > 0 ? singular(words[words.length - 1]) : undefined;
  return head && HISTORY_HEADS.has(head) ? head : undefined;
}

/** True when the name says each row records one event of its owner: `Order`, `TutoringReservation`, `FileModel`. */
export function historyByName(name: string): boolean {
  return historyHead(name) !== undefined;
}
