/**
 * Business-day arithmetic for the deal review target (pure, no database).
 *
 * Business days are Monday to Friday in UTC; there is no holiday calendar.
 * Adding N business days keeps the time of day: Friday 17:00 + 2 business days
 * is Tuesday 17:00. A start on a weekend counts from the following Monday
 * 00:00 UTC (Saturday 10:00 + 1 business day is Tuesday 00:00).
 */

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

function isWeekend(d: Date): boolean {
  const day = d.getUTCDay();
  return day === 0 || day === 6;
}

/** The start of the next Monday (UTC) for a weekend moment; the moment itself on a weekday. */
export function nextBusinessMoment(at: Date): Date {
  if (!isWeekend(at)) return new Date(at.getTime());
  const daysToMonday = at.getUTCDay() === 6 ? 2 : 1;
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + daysToMonday));
}

/** `start` plus `days` whole business days (weekends skipped), the time of day kept. */
export function addBusinessDays(start: Date, days: number): Date {
  if (!Number.isInteger(days) || days < 0) throw new RangeError("days must be a whole number, 0 or more");
  let t = nextBusinessMoment(start).getTime();
  let left = days;
  while (left > 0) {
    t += DAY_MS;
    if (!isWeekend(new Date(t))) left--;
  }
  return new Date(t);
}

/** When a review that started at `since` is due, with a target of `targetDays` business days. */
export function reviewDueAt(since: Date, targetDays: number): Date {
  return addBusinessDays(since, targetDays);
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/** A span of wall-clock time in words: "45 min", "3 h", "2 days" (rounded down, at least 1 of the unit). */
function span(ms: number): string {
  if (ms < HOUR_MS) return `${Math.max(1, Math.floor(ms / MINUTE_MS))} min`;
  if (ms < 2 * DAY_MS) return `${Math.floor(ms / HOUR_MS)} h`;
  return plural(Math.floor(ms / DAY_MS), "day");
}

export interface TimeLeft {
  overdue: boolean;
  /** "3 h left", "2 days left", "overdue by 1 day", "overdue by 20 min". */
  label: string;
}

/**
 * The time between `now` and the review's due moment, as the queue shows it.
 * Under a day overdue counts in hours (or minutes); a day or more in days.
 */
export function timeLeft(due: Date, now: Date): TimeLeft {
  const ms = due.getTime() - now.getTime();
  if (ms > 0) return { overdue: false, label: `${span(ms)} left` };
  const late = -ms;
  const label = late < DAY_MS ? span(late) : plural(Math.floor(late / DAY_MS), "day");
  return { overdue: true, label: `overdue by ${label}` };
}
