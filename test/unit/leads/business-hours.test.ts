/**
 * Business hours of the lead SLA: 09:00–17:00 local time in the partner's own
 * zone, Monday to Friday, minus its country's public holidays; a start outside
 * hours counts from the next opening; DST changes keep 09:00 local.
 * Dates: 2026-03-06 is a Friday; Europe's clocks go forward on Sunday 2026-03-29.
 */
import { describe, expect, it } from "vitest";
import {
  addBusinessHours,
  formatInZone,
  localDate,
  offerDeadlines,
  partnerTimeZone,
  zonedTimeToInstant,
  type WorkCalendar,
} from "~/modules/leads/business-hours";

const cal = (timeZone: string, holidays: string[] = []): WorkCalendar => ({
  timeZone,
  startHour: 9,
  endHour: 17,
  holidays: new Set(holidays),
});
const iso = (d: Date) => d.toISOString();
const SLA = 16; // 2 business days of 8 hours

describe("addBusinessHours", () => {
  it("Friday afternoon in Tokyo: 2 business days end on Tuesday afternoon (Tokyo time)", () => {
    // Fri 6 Mar 2026, 15:00 JST = 06:00Z: Fri 2 h + Mon 8 h + Tue 6 h.
    const start = new Date("2026-03-06T06:00:00Z");
    const due = addBusinessHours(start, SLA, cal("Asia/Tokyo"));
    expect(iso(due)).toBe("2026-03-10T06:00:00.000Z"); // Tue 15:00 JST
    expect(formatInZone(due, "Asia/Tokyo")).toBe("Tue 10 Mar 2026, 15:00 (Asia/Tokyo)");
    // The same moment is Friday morning in Amsterdam: the SLA there ends on Monday.
    expect(iso(addBusinessHours(start, SLA, cal("Europe/Amsterdam")))).toBe("2026-03-09T16:00:00.000Z");
  });

  it("a weekend start counts from Monday's opening", () => {
    const saturday = new Date("2026-03-07T01:00:00Z"); // Sat 10:00 JST
    expect(iso(addBusinessHours(saturday, SLA, cal("Asia/Tokyo")))).toBe("2026-03-10T08:00:00.000Z"); // Tue 17:00
    expect(iso(addBusinessHours(saturday, 1, cal("Asia/Tokyo")))).toBe("2026-03-09T01:00:00.000Z"); // Mon 10:00
  });

  it("skips a public holiday of the partner's country", () => {
    const start = new Date("2026-03-06T06:00:00Z"); // Fri 15:00 JST
    const due = addBusinessHours(start, SLA, cal("Asia/Tokyo", ["2026-03-09"]));
    expect(iso(due)).toBe("2026-03-11T06:00:00.000Z"); // Wed 15:00 JST (Mon is a holiday)
  });

  it("keeps 09:00 local across the DST change in Europe/Amsterdam", () => {
    // Fri 27 Mar 13:00 CET (12:00Z); clocks go forward on Sun 29 Mar.
    const start = new Date("2026-03-27T12:00:00Z");
    const due = addBusinessHours(start, SLA, cal("Europe/Amsterdam"));
    // Fri 4 h + Mon 8 h + Tue 4 h → Tue 31 Mar 13:00 CEST = 11:00Z (not 12:00Z).
    expect(iso(due)).toBe("2026-03-31T11:00:00.000Z");
    expect(formatInZone(due, "Europe/Amsterdam")).toBe("Tue 31 Mar 2026, 13:00 (Europe/Amsterdam)");
    // And back in autumn (25 Oct 2026): Friday 16:00 CEST + 2 h = Monday 10:00 CET = 09:00Z.
    expect(iso(addBusinessHours(new Date("2026-10-23T14:00:00Z"), 2, cal("Europe/Amsterdam")))).toBe(
      "2026-10-26T09:00:00.000Z",
    );
  });

  it("America/Denver, starting before opening, with and without Independence Day observed", () => {
    // Thu 2 Jul 2026 08:00 MDT = 14:00Z: counts from 09:00 MDT.
    const start = new Date("2026-07-02T14:00:00Z");
    expect(iso(addBusinessHours(start, SLA, cal("America/Denver")))).toBe("2026-07-03T23:00:00.000Z"); // Fri 17:00
    expect(iso(addBusinessHours(start, SLA, cal("America/Denver", ["2026-07-03"])))).toBe(
      "2026-07-06T23:00:00.000Z", // Mon 17:00 MDT
    );
  });

  it("a start after closing counts from the next morning; ending at closing time stays at closing", () => {
    const evening = new Date("2026-03-04T11:00:00Z"); // Wed 20:00 JST
    expect(iso(addBusinessHours(evening, 4, cal("Asia/Tokyo")))).toBe("2026-03-05T04:00:00.000Z"); // Thu 13:00
    const fridayMorning = new Date("2026-03-06T00:00:00Z"); // Fri 09:00 JST
    expect(iso(addBusinessHours(fridayMorning, 8, cal("Asia/Tokyo")))).toBe("2026-03-06T08:00:00.000Z"); // Fri 17:00
  });

  it("offerDeadlines: the reminder falls at half the business hours", () => {
    const start = new Date("2026-03-06T06:00:00Z"); // Fri 15:00 JST
    const d = offerDeadlines(start, 2, cal("Asia/Tokyo"));
    expect(iso(d.acceptBy)).toBe("2026-03-10T06:00:00.000Z");
    expect(iso(d.remindAt)).toBe("2026-03-09T06:00:00.000Z"); // 8 h: Fri 2 h + Mon 6 h → Mon 15:00
  });

  it("zero hours returns the start", () => {
    const start = new Date("2026-03-07T01:00:00Z");
    expect(iso(addBusinessHours(start, 0, cal("Asia/Tokyo")))).toBe(iso(start));
  });
});

describe("zone helpers", () => {
  it("converts local wall times to instants on both sides of a DST change", () => {
    expect(iso(zonedTimeToInstant(2026, 3, 27, 9, "Europe/Amsterdam"))).toBe("2026-03-27T08:00:00.000Z");
    expect(iso(zonedTimeToInstant(2026, 3, 30, 9, "Europe/Amsterdam"))).toBe("2026-03-30T07:00:00.000Z");
    expect(iso(zonedTimeToInstant(2026, 1, 15, 9, "America/Denver"))).toBe("2026-01-15T16:00:00.000Z");
    expect(localDate(new Date("2026-03-06T20:00:00Z"), "Asia/Tokyo")).toBe("2026-03-07");
  });

  it("formatInZone writes the partner's local time and zone", () => {
    expect(formatInZone(new Date("2026-12-01T06:00:00Z"), "Asia/Tokyo")).toBe("Tue 1 Dec 2026, 15:00 (Asia/Tokyo)");
  });

  it.each([
    [{ timeZone: "Europe/Berlin", country: "NL" }, "Europe/Berlin"],
    [{ timeZone: "Not/AZone", country: "NL" }, "Europe/Amsterdam"],
    [{ timeZone: null, country: "JP" }, "Asia/Tokyo"],
    [{ timeZone: null, country: "US", region: "US-CO" }, "America/Denver"],
    [{ timeZone: null, country: "US", region: "US-CA" }, "America/Los_Angeles"],
    [{ timeZone: null, country: "US", region: "US-TX" }, "America/Chicago"],
    [{ timeZone: null, country: "US", region: null }, "America/New_York"],
    [{ timeZone: null, country: "NZ" }, "Pacific/Auckland"],
    [{ timeZone: null, country: "AQ" }, "UTC"],
  ])("partnerTimeZone(%j) = %s", (p, zone) => {
    expect(partnerTimeZone(p)).toBe(zone);
  });
});
