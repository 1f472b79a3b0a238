/**
 * Time columns and windows of time in SQLAlchemy filters: `LogEntry.timestamp >= since`, `Visit.day == today`,
 * `Order.created_at.between(a, b)` keep one stretch of time's rows, not a table's (or one owner's) whole history.
 */

/** A column that stamps each row with a time (`created_at`, `date`, `timestamp`, `sent_on`, `start_time`). */
export const TIME_COLUMN = /^(date|time|timestamp|created|updated|day)$|(^|_)(date|time|timestamp|day)$|_(at|on)$|^(created|posted|sent|uploaded)_/;

/** A lower bound or an equality on a column, or a `between`. */
const BOUND = /\.(\w+)\s*(?:>=?|==)(?!=)|\.(\w+)\.between\(/g;

/** True when the query text keeps a window of time: a time column bounded from below, pinned, or between two values. */
export function keepsTimeWindow(text: string): boolean {
  for (const m of text.matchAll(BOUND)) if (TIME_COLUMN.test(m[1] ?? m[2] ?? '')) return true;
  return false;
}
