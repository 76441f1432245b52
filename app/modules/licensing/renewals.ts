/**
 * Pure rules of license renewal reminders (no database): which reminder is
 * due before a term license ends.
 */
import { dueReminderStage } from "~/utils/reminder-stages";

const DAY_MS = 86_400_000;

/** Days before a term license ends at which its partner is reminded to renew. */
export const RENEWAL_REMINDER_STAGES = [60, 30, 7] as const;
export type RenewalStage = (typeof RENEWAL_REMINDER_STAGES)[number];

/**
 * The reminder due at `now` for a license valid from `validFrom` until
 * `validUntil`: the nearest of 60, 30 and 7 days before the end whose moment
 * has passed (a run that missed stages sends only the nearest); a stage
 * before the license began is skipped (the key mail covers it). Null before
 * the 60-day mark and from the end on (then the license expires instead).
 */
export function renewalStageDue(license: { validFrom: Date; validUntil: Date }, now: Date): RenewalStage | null {
  return dueReminderStage(RENEWAL_REMINDER_STAGES, { opensAt: license.validFrom, deadline: license.validUntil }, now);
}

/** Whole days left until `until`, rounded up (1 on the last day); 0 once passed. */
export function daysUntil(until: Date, now: Date): number {
  return Math.max(0, Math.ceil((until.getTime() - now.getTime()) / DAY_MS));
}
