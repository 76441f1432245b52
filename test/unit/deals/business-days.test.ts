/**
 * Business-day arithmetic of the review target (UTC, weekends skipped, the
 * time of day kept), the queue's "time left" words, and which protection
 * warning is due.
 */
import { describe, expect, it } from "vitest";
import { addBusinessDays, nextBusinessMoment, reviewDueAt, timeLeft } from "~/modules/deals/business-days";
import { protectionDaysLeft, protectionStageDue } from "~/modules/deals/expiry";

const at = (iso: string) => new Date(iso);
const HOUR = 3_600_000;
const DAY = 86_400_000;

describe("addBusinessDays", () => {
  // 2026-03-02 is a Monday; 2026-03-06 a Friday.
  it.each([
    ["Monday 09:00 + 2", "2026-03-02T09:00:00Z", 2, "2026-03-04T09:00:00.000Z"],
    ["Wednesday 12:30 + 2", "2026-03-04T12:30:00Z", 2, "2026-03-06T12:30:00.000Z"],
    ["Thursday 10:00 + 2 (over the weekend)", "2026-03-05T10:00:00Z", 2, "2026-03-09T10:00:00.000Z"],
    ["Friday 17:00 + 2 = Tuesday 17:00", "2026-03-06T17:00:00Z", 2, "2026-03-10T17:00:00.000Z"],
    ["Friday 17:00 + 1 = Monday 17:00", "2026-03-06T17:00:00Z", 1, "2026-03-09T17:00:00.000Z"],
    ["Friday 23:59 + 5 = next Friday", "2026-03-06T23:59:00Z", 5, "2026-03-13T23:59:00.000Z"],
    ["Saturday 10:00 + 1 counts from Monday 00:00", "2026-03-07T10:00:00Z", 1, "2026-03-10T00:00:00.000Z"],
    ["Sunday 22:00 + 2 counts from Monday 00:00", "2026-03-08T22:00:00Z", 2, "2026-03-11T00:00:00.000Z"],
    ["Monday + 10 (two weekends)", "2026-03-02T08:00:00Z", 10, "2026-03-16T08:00:00.000Z"],
    ["+ 0 on a weekday is the moment itself", "2026-03-04T08:00:00Z", 0, "2026-03-04T08:00:00.000Z"],
    ["across a month end", "2026-01-30T15:00:00Z", 2, "2026-02-03T15:00:00.000Z"],
    ["across a year end", "2025-12-31T09:00:00Z", 3, "2026-01-05T09:00:00.000Z"],
  ])("%s", (_name, start, days, expected) => {
    expect(addBusinessDays(at(start), days).toISOString()).toBe(expected);
  });

  it("keeps milliseconds and does not change its argument", () => {
    const start = at("2026-03-06T17:00:00.123Z");
    expect(addBusinessDays(start, 2).toISOString()).toBe("2026-03-10T17:00:00.123Z");
    expect(start.toISOString()).toBe("2026-03-06T17:00:00.123Z");
  });

  it("refuses negative or fractional days", () => {
    expect(() => addBusinessDays(at("2026-03-02T00:00:00Z"), -1)).toThrow(RangeError);
    expect(() => addBusinessDays(at("2026-03-02T00:00:00Z"), 1.5)).toThrow(RangeError);
  });

  it("moves a weekend moment to Monday 00:00 UTC and leaves weekdays alone", () => {
    expect(nextBusinessMoment(at("2026-03-07T23:00:00Z")).toISOString()).toBe("2026-03-09T00:00:00.000Z");
    expect(nextBusinessMoment(at("2026-03-08T00:00:00Z")).toISOString()).toBe("2026-03-09T00:00:00.000Z");
    expect(nextBusinessMoment(at("2026-03-06T23:59:59Z")).toISOString()).toBe("2026-03-06T23:59:59.000Z");
  });

  it("reviewDueAt is the target in business days from the start of the round", () => {
    expect(reviewDueAt(at("2026-03-06T17:00:00Z"), 2).toISOString()).toBe("2026-03-10T17:00:00.000Z");
  });
});

describe("timeLeft", () => {
  const due = at("2026-03-10T17:00:00Z");
  const before = (ms: number) => new Date(due.getTime() - ms);
  const after = (ms: number) => new Date(due.getTime() + ms);

  it.each([
    ["3 h left", before(3 * HOUR + 20 * 60_000)],
    ["45 min left", before(45 * 60_000)],
    ["1 min left", before(10_000)],
    ["47 h left", before(47 * HOUR + 59 * 60_000)],
    ["2 days left", before(2 * DAY + 5 * HOUR)],
    ["4 days left", before(4 * DAY)],
  ])("%s", (label, now) => {
    expect(timeLeft(due, now)).toEqual({ overdue: false, label });
  });

  it.each([
    ["overdue by 1 min", due],
    ["overdue by 20 min", after(20 * 60_000)],
    ["overdue by 5 h", after(5 * HOUR + 30 * 60_000)],
    ["overdue by 23 h", after(23 * HOUR + 59 * 60_000)],
    ["overdue by 1 day", after(DAY + 3 * HOUR)],
    ["overdue by 3 days", after(3 * DAY + 23 * HOUR)],
  ])("%s", (label, now) => {
    expect(timeLeft(due, now)).toEqual({ overdue: true, label });
  });
});

describe("protection warnings", () => {
  const approvedAt = at("2026-01-01T10:00:00Z");
  const until = new Date(approvedAt.getTime() + 90 * DAY);
  const daysBefore = (n: number) => new Date(until.getTime() - n * DAY);
  const due = (now: Date, since = approvedAt) =>
    protectionStageDue({ protectedSince: since, protectedUntil: until }, now);

  it("is nothing before 14 days, then 14, then 3, and nothing from the end on", () => {
    expect(due(daysBefore(20))).toBeNull();
    expect(due(new Date(daysBefore(14).getTime() - 1))).toBeNull();
    expect(due(daysBefore(14))).toBe(14);
    expect(due(daysBefore(4))).toBe(14);
    expect(due(daysBefore(3))).toBe(3);
    expect(due(daysBefore(0.5))).toBe(3);
    expect(due(until)).toBeNull();
    expect(due(daysBefore(-1))).toBeNull();
  });

  it("sends only the nearest stage after missed runs", () => {
    expect(due(daysBefore(2))).toBe(3);
  });

  it("skips a stage that falls before the protection (re)started", () => {
    // The protection (re)started 10 days before its end: the 14-day moment lies before it, the grant mail covers it.
    expect(due(daysBefore(5), daysBefore(10))).toBeNull();
    expect(due(daysBefore(3), daysBefore(10))).toBe(3);
  });

  it("counts whole days left, rounded up", () => {
    expect(protectionDaysLeft(until, daysBefore(14))).toBe(14);
    expect(protectionDaysLeft(until, daysBefore(2.5))).toBe(3);
    expect(protectionDaysLeft(until, new Date(until.getTime() - HOUR))).toBe(1);
    expect(protectionDaysLeft(until, until)).toBe(0);
  });
});
