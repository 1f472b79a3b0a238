/**
 * A SQLAlchemy model whose rows are parts of one parent row: a recipe's ingredients, a form's fields, a survey's
 * questions. Such a row names its parent and nothing else (its one foreign key, to the parent's table) and carries no
 * time: what one author composed with the parent, a few rows per parent. A record of what happens to the parent (a
 * post's comments, a recipe's ratings, an order's events) names who did it or when, and grows with use.
 */
import type { Model } from './sqlalchemy-models';

/** A column stamping a row with a time (`created_at`, `date`, `timestamp`, `sent_on`, `expires`). */
const TIME_COLUMN = /^(date|time|timestamp|created|updated|when|day|expires?)$|(^|_)(date|time|timestamp|datetime|day)$|_(at|on)$|^(created|posted|sent|uploaded|logged|added)_/i;

/** `child` rows are parts of one `parent` row: its one foreign key references the parent's table, and it has no time. */
export function partOfParent(child: Model, parent: Model): boolean {
  // (Keys declared as `ForeignKey(User.id)` are not in foreignKeys: every `*_id` column counts as a key too.)
  const keyColumns = [...child.columns].filter((c) => /_id$/.test(c) || child.foreignKeys.has(c));
  if (child.foreignKeys.size !== 1 || keyColumns.length !== 1) return false;
  const [referenced] = [...child.foreignKeys.values()];
  if (referenced.split('.')[0] !== parent.table) return false;
  return ![...child.columns].some((c) => TIME_COLUMN.test(c));
}
