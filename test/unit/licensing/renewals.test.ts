import { describe, expect, it } from "vitest";
import { daysUntil, renewalStageDue } from "~/modules/licensing/renewals";

const DAY = 86_400_000;
const validFrom = new Date("2030-01-01T00:00:00Z");
const validUntil = new Date("2031-01-01T00:00:00Z");
const before = (days: number, extraMs = 0) => new Date(validUntil.getTime() - days * DAY + extraMs);

describe("license renewal reminder stages", () => {
  it("is due 60, 30 and 7 days before the end, the nearest passed stage", () => {
    expect(renewalStageDue({ validFrom, validUntil }, before(61))).toBeNull();
    expect(renewalStageDue({ validFrom, validUntil }, before(60))).toBe(60);
    expect(renewalStageDue({ validFrom, validUntil }, before(31))).toBe(60);
    expect(renewalStageDue({ validFrom, validUntil }, before(30))).toBe(30);
    expect(renewalStageDue({ validFrom, validUntil }, before(8))).toBe(30);
    expect(renewalStageDue({ validFrom, validUntil }, before(7))).toBe(7);
    expect(renewalStageDue({ validFrom, validUntil }, before(0, -1))).toBe(7);
  });

  it("stops at the end (the license expires instead) and skips stages before the license began", () => {
    expect(renewalStageDue({ validFrom, validUntil }, validUntil)).toBeNull();
    const short = { validFrom: before(20), validUntil };
    expect(renewalStageDue(short, before(19))).toBeNull();
    expect(renewalStageDue(short, before(7))).toBe(7);
  });

  it("counts whole days left, rounded up", () => {
    expect(daysUntil(validUntil, before(30))).toBe(30);
    expect(daysUntil(validUntil, before(29, 1))).toBe(29);
    expect(daysUntil(validUntil, new Date(validUntil.getTime() + 1))).toBe(0);
  });
});
