import { describe, expect, it } from "vitest";
import { acceptanceDeadline, standingOf, type CurrentAgreement } from "~/modules/onboarding/agreement-standing.server";
import { reminderStageDue } from "~/modules/onboarding/agreements.server";
import { acceptAgreementSchema, publishAgreementSchema } from "~/modules/onboarding/agreement-schemas";

const DAY = 86_400_000;
const effectiveAt = new Date("2026-03-01T12:00:00Z");
const v2: CurrentAgreement = { id: "a2", version: 2, title: "Programme agreement 2026", effectiveAt, graceDays: 30 };
const deadline = new Date(effectiveAt.getTime() + 30 * DAY);
const at = (ms: number) => new Date(effectiveAt.getTime() + ms);

describe("standingOf", () => {
  it("is none while no agreement is published", () => {
    expect(standingOf(null, null, at(0))).toEqual({ state: "none" });
    expect(standingOf(null, 3, at(0))).toEqual({ state: "none" });
  });

  it("is ok when the current version or a later one is accepted", () => {
    expect(standingOf(v2, 2, at(0))).toMatchObject({ state: "ok", acceptedVersion: 2 });
    expect(standingOf(v2, 3, at(90 * DAY))).toMatchObject({ state: "ok", acceptedVersion: 3 });
  });

  it("is required at once for a partner that never accepted (no grace period)", () => {
    expect(standingOf(v2, null, at(0))).toEqual({
      state: "required",
      current: v2,
      acceptedVersion: null,
      deadline: null,
    });
  });

  it("gives a partner that accepted an earlier version the grace period", () => {
    const s = standingOf(v2, 1, at(DAY));
    expect(s).toEqual({ state: "grace", current: v2, acceptedVersion: 1, deadline });
    expect(acceptanceDeadline(v2)).toEqual(deadline);
  });

  it("ends the grace period exactly at the deadline", () => {
    expect(standingOf(v2, 1, new Date(deadline.getTime() - 1)).state).toBe("grace");
    expect(standingOf(v2, 1, deadline)).toEqual({ state: "required", current: v2, acceptedVersion: 1, deadline });
    expect(standingOf(v2, 1, new Date(deadline.getTime() + DAY)).state).toBe("required");
  });
});

describe("reminderStageDue", () => {
  const grace = { effectiveAt, deadline };
  const left = (days: number) => new Date(deadline.getTime() - days * DAY);

  it("is nothing before the first stage, before the effective date and from the deadline on", () => {
    expect(reminderStageDue(grace, new Date(effectiveAt.getTime() - DAY))).toBeNull();
    expect(reminderStageDue(grace, effectiveAt)).toBeNull();
    expect(reminderStageDue(grace, left(14.01))).toBeNull();
    expect(reminderStageDue(grace, deadline)).toBeNull();
    expect(reminderStageDue(grace, left(-3))).toBeNull();
  });

  it("picks the stage whose moment has passed: 14, 7, then 1 day before the deadline", () => {
    expect(reminderStageDue(grace, left(14))).toBe(14);
    expect(reminderStageDue(grace, left(10))).toBe(14);
    expect(reminderStageDue(grace, left(7))).toBe(7);
    expect(reminderStageDue(grace, left(2))).toBe(7);
    expect(reminderStageDue(grace, left(1))).toBe(1);
    expect(reminderStageDue(grace, left(0.01))).toBe(1);
  });

  it("gives a run that missed stages the nearest one only", () => {
    // The job did not run between 14 and 1 day(s) before the deadline: only the 1-day stage is due.
    expect(reminderStageDue(grace, left(0.5))).toBe(1);
    expect(reminderStageDue(grace, left(6))).toBe(7);
  });

  it("skips stages that would open before the effective date (short grace periods)", () => {
    const short = { effectiveAt, deadline: new Date(effectiveAt.getTime() + 10 * DAY) };
    expect(reminderStageDue(short, at(DAY))).toBeNull(); // 9 days left: the 14-day stage does not apply
    expect(reminderStageDue(short, at(3 * DAY))).toBe(7);
    const week = { effectiveAt, deadline: new Date(effectiveAt.getTime() + 7 * DAY) };
    expect(reminderStageDue(week, effectiveAt)).toBeNull();
    expect(reminderStageDue(week, at(6.5 * DAY))).toBe(1);
  });
});

describe("agreement form schemas", () => {
  it("accepts a complete publication and defaults the grace period to 30 days", () => {
    const r = publishAgreementSchema.parse({ title: " Terms ", body: "# Hi\r\nthere", effectiveDate: "2026-03-01" });
    expect(r).toEqual({ title: "Terms", body: "# Hi\nthere", effectiveDate: "2026-03-01", graceDays: 30 });
  });

  it.each([
    [{ title: "", body: "x", effectiveDate: "2026-03-01" }, "title"],
    [{ title: "x".repeat(201), body: "x", effectiveDate: "2026-03-01" }, "title"],
    [{ title: "T", body: "   ", effectiveDate: "2026-03-01" }, "body"],
    [{ title: "T", body: "x".repeat(100_001), effectiveDate: "2026-03-01" }, "body"],
    [{ title: "T", body: "x", effectiveDate: "2026-02-30" }, "effectiveDate"],
    [{ title: "T", body: "x", effectiveDate: "01/03/2026" }, "effectiveDate"],
    [{ title: "T", body: "x", effectiveDate: "2026-03-01", graceDays: "0" }, "graceDays"],
    [{ title: "T", body: "x", effectiveDate: "2026-03-01", graceDays: "366" }, "graceDays"],
    [{ title: "T", body: "x", effectiveDate: "2026-03-01", graceDays: "2.5" }, "graceDays"],
  ])("refuses %j (%s)", (input, field) => {
    const r = publishAgreementSchema.safeParse(input);
    expect(r.success).toBe(false);
    expect(Object.keys(r.error!.flatten().fieldErrors)).toEqual([field]);
  });

  it("needs the confirmation box ticked to accept", () => {
    expect(acceptAgreementSchema.parse({ version: "2", confirm: "on" })).toEqual({ version: 2, confirm: true });
    const r = acceptAgreementSchema.safeParse({ version: "2" });
    expect(r.error?.flatten().fieldErrors.confirm?.[0]).toMatch(/Tick the box/);
  });
});
