/**
 * Pure rules of certification validity and expiry reminders (no database):
 * shared by the expiry job, the team matrix and the tier-rules query.
 */
import { dueReminderStage } from "~/utils/reminder-stages";

const DAY_MS = 86_400_000;

/** Days before expiry at which the holder is reminded. */
export const EXPIRY_REMINDER_STAGES = [60, 30, 7] as const;
export type ExpiryStage = (typeof EXPIRY_REMINDER_STAGES)[number];

/** Under this many days left, the team matrix warns that a certification expires soon. */
export const EXPIRY_WARNING_DAYS = 60;

export interface CertificationDates {
  earnedAt: Date;
  expiresAt: Date;
}

/**
 * The reminder stage due at `now` for an active certification: the nearest of
 * 60, 30 and 7 days before `expiresAt` whose moment has passed. A run that
 * missed stages sends only the nearest one; a stage that would fall before the
 * certification was earned (a short validity) is skipped, the earned mail
 * covers it. Null before the 60-day mark and from the expiry on (then the
 * certification expires instead).
 */
export function expiryStageDue(cert: CertificationDates, now: Date): ExpiryStage | null {
  return dueReminderStage(EXPIRY_REMINDER_STAGES, { opensAt: cert.earnedAt, deadline: cert.expiresAt }, now);
}

/** Whole days left until `expiresAt`, rounded up (1 for the last day); 0 once expired. */
export function daysLeft(expiresAt: Date, now: Date): number {
  return Math.max(0, Math.ceil((expiresAt.getTime() - now.getTime()) / DAY_MS));
}

/** Whether a certification is expired at `now` by its dates (the job may not have marked it yet). */
export function isExpiredAt(cert: { expiresAt: Date }, now: Date): boolean {
  return now.getTime() >= cert.expiresAt.getTime();
}

/**
 * Whether a certification was valid at `at`: earned by then, not yet expired,
 * and not revoked. Judged by dates, not by the `expired` status: a row marked
 * expired was valid before its expiry.
 */
export function isValidAt(cert: CertificationDates & { status: string }, at: Date): boolean {
  return (
    cert.status !== "revoked" && cert.earnedAt.getTime() <= at.getTime() && at.getTime() < cert.expiresAt.getTime()
  );
}

/** "expires in N days" under the warning threshold, null otherwise (and once expired). */
export function expiryWarning(expiresAt: Date, now: Date): string | null {
  if (isExpiredAt({ expiresAt }, now)) return null;
  const days = daysLeft(expiresAt, now);
  if (days >= EXPIRY_WARNING_DAYS) return null;
  return `expires in ${days} day${days === 1 ? "" : "s"}`;
}
