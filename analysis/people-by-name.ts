/**
 * Tables of people, told by their name: a clinic's patients, a school's students, a shop's customers, a CRM's
 * clients, an event's participants. One row per person the business serves or who signs up, so the table grows with
 * the business however few columns the model declares: a `Patient(name, phone)` with no date and no relation is not
 * a lookup list an admin curates, whatever its shape says. The counterpart of few-by-name.ts (tables few by their
 * name), read the same way: by the name's head noun, its last word (`PetOwner` is an owner, `EmployeeProfile` a
 * profile, `ClientModel` a client), so `UserRole` (a role) or `CustomerGroup` (a group) are not people.
 */

import { singular, wordsOf } from './few-by-name';

/** Head nouns (singular, lower case) of tables with a row per person. */
const PEOPLE_HEADS = new Set([
  'user', 'account', 'profile', 'person', 'people', 'member', 'customer', 'client', 'patient', 'student', 'learner',
  'participant', 'attendee', 'subscriber', 'applicant', 'contractor', 'owner', 'buyer', 'seller', 'vendor', 'player',
  'contact', 'tenant', 'cliente', 'paciente', 'alumno', 'usuario',
  // People a business serves or enrols as they come: a hotel's guests, a school's guardians (one per family), an
  // airline's passengers, a site's visitors.
  'guest', 'guardian', 'passenger', 'visitor',
]);

/** True when the name says the table holds a row per person: `Patient`, `ClienteModel`, `EmployeeProfile`, `customers`. */
export function peopleByName(name: string): boolean {
  const words = wordsOf(name);
  return words.length > 0 && PEOPLE_HEADS.has(singular(words[words.length - 1]));
}
