const DAY_MS = 86_400_000;

/**
 * The reminder stage due at `now` before a deadline, for reminders sent a
 * number of days ahead (e.g. 14, 7 and 1 day before an agreement's deadline,
 * 60, 30 and 7 days before a certification expires).
 *
 * The due stage is the nearest one (fewest days) whose moment (deadline minus
 * its days) has passed: a run that missed a stage (the job did not run) sends
 * only the nearest one, and the caller's dedupe key sends each stage once. A
 * stage whose moment falls on or before `opensAt` (the window is shorter than
 * the stage) is skipped: the mail that opened the window covers it. Null
 * before the first stage and from the deadline on.
 */
export function dueReminderStage<S extends number>(
  stages: readonly S[],
  window: { opensAt: Date; deadline: Date },
  now: Date,
): S | null {
  const t = now.getTime();
  const deadline = window.deadline.getTime();
  if (t >= deadline) return null;
  let due: S | null = null;
  for (const stage of stages) {
    const moment = deadline - stage * DAY_MS;
    if (moment <= window.opensAt.getTime() || t < moment) continue;
    if (due === null || stage < due) due = stage;
  }
  return due;
}
