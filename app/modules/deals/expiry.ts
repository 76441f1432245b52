/**
 * Pure rules of deal protection expiry (no database): which warning is due.
 */
import { dueReminderStage } from "~/utils/reminder-stages";

const DAY_MS = 86_400_000;

/** Days before the protection ends at which the partner is warned. */
export const PROTECTION_WARNING_STAGES = [14, 3] as const;
export type ProtectionStage = (typeof PROTECTION_WARNING_STAGES)[number];

/**
 * The warning due at `now` for an approved deal protected until
 * `protectedUntil` since `protectedSince` (the approval, or the last granted
 * extension): the nearest of 14 and 3 days before whose moment has passed. A
 * run that missed the 14-day moment sends only the 3-day warning; a stage that
 * falls before the protection (re)started is skipped (the approval or grant
 * mail covers it). Null before the first stage and from the end on (then the
 * deal expires instead).
 */
export function protectionStageDue(
  deal: { protectedSince: Date; protectedUntil: Date },
  now: Date,
): ProtectionStage | null {
  return dueReminderStage(
    PROTECTION_WARNING_STAGES,
    { opensAt: deal.protectedSince, deadline: deal.protectedUntil },
    now,
  );
}

/** Whole days left until `until`, rounded up (1 on the last day); 0 once passed. */
export function protectionDaysLeft(until: Date, now: Date): number {
  return Math.max(0, Math.ceil((until.getTime() - now.getTime()) / DAY_MS));
}
