/**
 * A business's staff roster: the people it employs (a clinic's doctors, a restaurant's cooks, an agency's realtors, a
 * gym's trainers), rows its administrators enter one by one. People who sign themselves up (customers, patients,
 * students) grow with use; a roster grows only when the business hires.
 *
 * The code must show both halves:
 * - the model is a person the business employs: it carries what an employer keeps of its staff (a hire date, a
 *   salary, a designation, a specialisation, years of experience, an employee number), on its own or as the profile of
 *   a user account. A profile alone is not enough: a school's staff enter its students' profiles too, and those grow;
 * - only curators add its rows (model-writers.ts's onlyCuratorsWrite: the Django admin, staff-gated views, management
 *   commands, fixtures, seeds), some such writer exists, and nothing else relates it to users: a profile that a signup
 *   view, a signal or any signed-in user's request creates is every user's, and grows with them.
 *
 * A project fact asked per model: the writers are the project's (built once per project state by model-writers.ts).
 */
import type { ProjectInfo } from '../../rules/api';
import type { ModelIndex } from './django-models';
import { onlyCuratorsWrite, projectWriters } from './model-writers';

/** Fields an employer keeps of its staff, never of the customers who sign up. */
const EMPLOYMENT_FIELD =
  /^(hire_?date|hired_(on|at|date)|date_(of_)?(hire|hiring|employment)|(employment|hiring)_date|salary|monthly_salary|wage|hourly_rate|designation|job_title|speciali[sz]ations?|specialit(y|ies)|specialt(y|ies)|years?_(of_)?experience|experience_years|emp_no|employee_(no|number|code))$/i;

/** True when `name` is a project model holding the business's staff, which only curators add rows to (see above). */
export function staffRoster(project: ProjectInfo, current: { relPath: string; text: string }, models: ModelIndex, name: string): boolean {
  if (!rosterShaped(models, name)) return false;
  // A row keyed to a user by a foreign key is that user's record (a booking, a payment), not a member of staff.
  if (models.userRelations(name).length > 0) return false;
  return onlyCuratorsWrite(project, current, projectWriters(project, current), name, models.reverseAccessors(name));
}

/**
 * The model has a roster's shape: an employment field that is a column of its own (a `specialty` key to a subject
 * table, a `staff_id` key to the staff, are relations, not what an employer records). Worth asking its writers about.
 */
export function rosterShaped(models: ModelIndex, name: string): boolean {
  if (!models.has(name) || models.isUserModel(name)) return false;
  const relations = [...(models.relationsOf(name)?.keys() ?? [])].map((f) => f.replace(/\W/g, ''));
  const column = relations.length === 0 ? EMPLOYMENT_FIELD : new RegExp(`^(?!(?:${relations.join('|')})$)(?:${EMPLOYMENT_FIELD.source.slice(1, -1)})$`, 'i');
  return models.hasField(name, /(?!)/, column);
}

/** The project's staff rosters among the models `among` accepts, sorted (their writers are asked only for those). */
export function staffRosterNames(project: ProjectInfo, current: { relPath: string; text: string }, models: ModelIndex, among: (name: string) => boolean = () => true): string[] {
  return models.names().filter((name) => rosterShaped(models, name) && among(name) && staffRoster(project, current, models, name)).sort();
}
