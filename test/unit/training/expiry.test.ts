import { describe, expect, it } from "vitest";
import { daysLeft, expiryStageDue, expiryWarning, isExpiredAt, isValidAt } from "~/modules/training/expiry";
import { cellText, lastMonths, matrixCell } from "~/modules/training/reports.server";
import { dueReminderStage } from "~/utils/reminder-stages";

const DAY = 86_400_000;
const earnedAt = new Date("2024-03-10T09:30:00Z");
const expiresAt = new Date("2026-03-10T09:30:00Z");
const cert = { earnedAt, expiresAt };
const left = (days: number) => new Date(expiresAt.getTime() - days * DAY);

describe("expiryStageDue", () => {
  it("is nothing before the 60-day mark", () => {
    expect(expiryStageDue(cert, earnedAt)).toBeNull();
    expect(expiryStageDue(cert, left(300))).toBeNull();
    expect(expiryStageDue(cert, left(60.01))).toBeNull();
  });

  it("picks 60, 30 and 7 days before the expiry as each moment passes", () => {
    expect(expiryStageDue(cert, left(60))).toBe(60);
    expect(expiryStageDue(cert, left(45))).toBe(60);
    expect(expiryStageDue(cert, left(30))).toBe(30);
    expect(expiryStageDue(cert, left(8))).toBe(30);
    expect(expiryStageDue(cert, left(7))).toBe(7);
    expect(expiryStageDue(cert, left(0.001))).toBe(7);
  });

  it("sends only the nearest stage when runs were missed", () => {
    // The job did not run between 61 days and 5 days before the expiry: only the 7-day reminder is due.
    expect(expiryStageDue(cert, left(5))).toBe(7);
    expect(expiryStageDue(cert, left(20))).toBe(30);
  });

  it("is nothing at and after the expiry (the certification expires instead)", () => {
    expect(expiryStageDue(cert, expiresAt)).toBeNull();
    expect(expiryStageDue(cert, left(-1))).toBeNull();
    expect(expiryStageDue(cert, left(-400))).toBeNull();
  });

  it("skips stages that would fall before the certification was earned (short validity)", () => {
    const short = { earnedAt: new Date(expiresAt.getTime() - 40 * DAY), expiresAt };
    expect(expiryStageDue(short, left(39))).toBeNull();
    expect(expiryStageDue(short, left(30))).toBe(30);
    expect(expiryStageDue(short, left(3))).toBe(7);
    const tiny = { earnedAt: new Date(expiresAt.getTime() - 7 * DAY), expiresAt };
    expect(expiryStageDue(tiny, left(1))).toBeNull();
  });
});

describe("dueReminderStage (shared with the agreement reminders)", () => {
  it("takes the stages in any order and returns the nearest one due", () => {
    const window = { opensAt: earnedAt, deadline: expiresAt };
    expect(dueReminderStage([7, 60, 30], window, left(10))).toBe(30);
    expect(dueReminderStage([14, 7, 1], window, left(0.5))).toBe(1);
    expect(dueReminderStage([], window, left(0.5))).toBeNull();
  });
});

describe("dates", () => {
  it("counts whole days left, rounded up, and 0 once expired", () => {
    expect(daysLeft(expiresAt, left(30))).toBe(30);
    expect(daysLeft(expiresAt, left(29.2))).toBe(30);
    expect(daysLeft(expiresAt, left(0.1))).toBe(1);
    expect(daysLeft(expiresAt, expiresAt)).toBe(0);
    expect(daysLeft(expiresAt, left(-3))).toBe(0);
  });

  it("judges validity by dates, except for revoked certifications", () => {
    expect(isValidAt({ ...cert, status: "active" }, new Date(earnedAt.getTime() - 1))).toBe(false);
    expect(isValidAt({ ...cert, status: "active" }, earnedAt)).toBe(true);
    expect(isValidAt({ ...cert, status: "expired" }, left(1))).toBe(true);
    expect(isValidAt({ ...cert, status: "active" }, expiresAt)).toBe(false);
    expect(isValidAt({ ...cert, status: "revoked" }, left(100))).toBe(false);
    expect(isExpiredAt(cert, expiresAt)).toBe(true);
    expect(isExpiredAt(cert, left(0.0001))).toBe(false);
  });

  it("warns under 60 days left", () => {
    expect(expiryWarning(expiresAt, left(90))).toBeNull();
    expect(expiryWarning(expiresAt, left(60))).toBeNull();
    expect(expiryWarning(expiresAt, left(59))).toBe("expires in 59 days");
    expect(expiryWarning(expiresAt, left(0.5))).toBe("expires in 1 day");
    expect(expiryWarning(expiresAt, expiresAt)).toBeNull();
  });

  it("lists the last 12 months up to this one, across a year boundary", () => {
    expect(lastMonths(new Date("2026-02-15T00:00:00Z"), 12)).toEqual([
      "2025-03",
      "2025-04",
      "2025-05",
      "2025-06",
      "2025-07",
      "2025-08",
      "2025-09",
      "2025-10",
      "2025-11",
      "2025-12",
      "2026-01",
      "2026-02",
    ]);
  });
});

describe("matrixCell", () => {
  const now = left(20);
  const c = (id: string, status: string, earned: Date, expires: Date) => ({
    id,
    status,
    earnedAt: earned,
    expiresAt: expires,
  });

  it("is not started without enrollment or certification", () => {
    const cell = matrixCell({ certifications: [], open: null }, now);
    expect(cell).toEqual({ state: "not_started" });
    expect(cellText(cell)).toBe("Not started");
  });

  it("shows progress as completed modules of the enrolled version", () => {
    const cell = matrixCell({ certifications: [], open: { completedModules: 2, totalModules: 3 } }, now);
    expect(cell).toMatchObject({ state: "in_progress", percent: 66, expiredOn: null });
    expect(cellText(cell)).toBe("In progress (66%)");
    expect(matrixCell({ certifications: [], open: { completedModules: 0, totalModules: 0 } }, now)).toMatchObject({
      percent: 0,
    });
  });

  it("is certified until the latest valid expiry, with a warning under 60 days", () => {
    const later = new Date(expiresAt.getTime() + 700 * DAY);
    const cell = matrixCell(
      { certifications: [c("old", "active", earnedAt, expiresAt), c("new", "active", left(25), later)], open: null },
      now,
    );
    expect(cell).toMatchObject({ state: "certified", certificationId: "new", until: later, warning: null });
    const soon = matrixCell({ certifications: [c("old", "active", earnedAt, expiresAt)], open: null }, now);
    expect(soon).toMatchObject({ state: "certified", daysLeft: 20, warning: "expires in 20 days" });
    expect(cellText(soon)).toBe("Certified until 2026-03-10 (expires in 20 days)");
  });

  it("is expired on the lapsed date (by dates, even before the job marks it), unless in progress again", () => {
    const after = left(-3);
    const expired = matrixCell({ certifications: [c("a", "active", earnedAt, expiresAt)], open: null }, after);
    expect(expired).toEqual({ state: "expired", on: expiresAt });
    expect(cellText(expired)).toBe("Expired on 2026-03-10");
    const again = matrixCell(
      { certifications: [c("a", "expired", earnedAt, expiresAt)], open: { completedModules: 1, totalModules: 4 } },
      after,
    );
    expect(again).toMatchObject({ state: "in_progress", percent: 25, expiredOn: expiresAt });
    expect(cellText(again)).toBe("In progress (25%); expired on 2026-03-10");
  });

  it("ignores revoked certifications", () => {
    expect(matrixCell({ certifications: [c("r", "revoked", earnedAt, expiresAt)], open: null }, now)).toEqual({
      state: "not_started",
    });
    expect(matrixCell({ certifications: [c("r", "revoked", earnedAt, expiresAt)], open: null }, left(-1))).toEqual({
      state: "not_started",
    });
  });
});
