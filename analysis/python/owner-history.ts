/**
 * One person's all-time history: the rows of a table that records one event per use (an order, a booking, a payment,
 * a visit, an upload: analysis/history-by-name.ts) picked by the person they belong to (`filter(user=request.user)`,
 * `filter(customer=customer)`, `filter(patient__user=request.user)`). model-growth.ts keeps one user's own stamped
 * rows quiet (routines, bookmarks: what one person makes stays few); a record made once per purchase, booking or
 * upload is not such a row: a customer's orders grow with every order, whatever the model's Meta says.
 *
 * Read from the model as written, never from the name alone: the rows carry a date or time (when the event happened,
 * when the row was made) or an uploaded file, no unique constraint over a relation caps them per owner (one rating
 * per user and product, one reservation per slot; one visit per doctor, clinic and time is no cap), the model does
 * not delete its own rows (a running timer), and the owner's key is a foreign key (a one-to-one is one row per person).
 */
import type { ModelIndex } from './django-models';
import { historyHead } from '../history-by-name';
import { peopleByName } from '../people-by-name';
import { singular, wordsOf } from '../few-by-name';

/**
 * Fields that say when a row's event happened or that it holds one uploaded file; not modification times or durations
 * (django-models.ts's TIME_FIELD, which `isTimeField` reads, is any date or time).
 */
const EVENT_TIME_FIELD = /^(DateTimeField|DateField|CreationDateTimeField|AutoCreatedField)$/;
const FILE_FIELD = /^(FileField|ImageField|FilerFileField|FilerImageField|CloudinaryField|S3FileField)$/;

/**
 * The field by which one person's rows of `model` make an all-time history (its stamp, else its file), or undefined
 * when the model is not a per-event record, is capped per owner, or carries neither.
 */
export function historyStamp(models: ModelIndex, model: string): string | undefined {
  const head = historyHead(model);
  if (!head || cappedPerOwner(models, model)) return undefined;
  // A session is a sitting when the row is stamped as it starts (a workout begun); one the app schedules for a time
  // (a trainer's class, a cinema's screening) is a timetable slot, not someone's history.
  if (SITTINGS.has(head)) return models.hasEventTime(model) ? undefined : models.creationStampsOf(model)[0];
  return models.lastingFieldsOf(model, EVENT_TIME_FIELD)[0] ?? models.lastingFieldsOf(model, FILE_FIELD)[0];
}

/** History heads that are a history only as sittings begun by their owner, not as slots of a timetable. */
const SITTINGS = new Set(['session']);

/**
 * A unique constraint over a relation caps one owner's rows (one reservation per user and slot, one entry per user
 * and day), unless it names a slot of time among three fields or more: one visit per doctor, clinic and start time
 * keeps a slot from being booked twice, and slots keep coming.
 */
function cappedPerOwner(models: ModelIndex, model: string): boolean {
  return models.uniqueOverRelations(model).some((fields) => fields.length < 3 || !fields.some((f) => models.isTimeField(model, f)));
}

/**
 * The filter key `key` of `model` leads through a foreign key (or a many-to-many) to a person: the user table, a
 * profile of a user (a `Customer`, `Doctor` or `Tutor`), or a table of people by name (`Patient`).
 */
export function personKey(models: ModelIndex, model: string, key: string): boolean {
  const relation = models.relationsOf(model)?.get(key);
  if (!relation?.target || (relation.kind !== 'fk' && relation.kind !== 'm2m')) return false;
  return personModel(models, relation.target);
}

/**
 * People who serve clients, by the head noun of their table: a doctor's appointments, a tutor's reservations, a
 * driver's trips are that person's history as much as a patient's own (people-by-name.ts names those served).
 */
const PROVIDER_HEADS = new Set(['doctor', 'dentist', 'therapist', 'nurse', 'physician', 'specialist', 'tutor', 'teacher', 'instructor', 'trainer', 'coach', 'mentor', 'driver', 'courier', 'guide', 'chef', 'employee', 'staff', 'agent', 'lawyer', 'technician']);

/**
 * The user table, a profile of a user (a one-to-one to one: a `Doctor`, a `Customer`), a table of people by name, or
 * of people who serve them (`Doctor`, `Tutor`). Not a row a user merely owns (a post, a shop): its rows are that
 * row's, shared by whoever adds to it.
 */
export function personModel(models: ModelIndex, name: string): boolean {
  if (models.isUserModel(name) || peopleByName(name) || PROVIDER_HEADS.has(singular(wordsOf(name).pop() ?? ''))) return true;
  for (const relation of models.relationsOf(name)?.values() ?? []) {
    if (relation.kind === 'o2o' && relation.target && models.isUserModel(relation.target)) return true;
  }
  return false;
}

/** The owner key of `model` is a one-to-one: one row per person, however the table is named. */
export function oneRowPerOwner(models: ModelIndex, model: string, key: string): boolean {
  const kind = models.relationsOf(model)?.get(key)?.kind;
  return kind === 'o2o' || kind === 'reverse-o2o';
}
