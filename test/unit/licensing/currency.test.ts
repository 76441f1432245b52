import { describe, expect, it } from "vitest";
import { convertPaid, rateInForce, toBaseMinor, type RateRow } from "~/modules/licensing/currency";

const rates: RateRow[] = [
  { currency: "EUR", rateToBase: 1.1, effectiveDate: "2030-01-01" },
  { currency: "EUR", rateToBase: 1.2, effectiveDate: "2030-03-01" },
  { currency: "JPY", rateToBase: 0.0068, effectiveDate: "2030-01-01" },
  { currency: "AUD", rateToBase: 0.65, effectiveDate: "2030-02-15" },
];

describe("conversion to the base currency (USD)", () => {
  it("uses the rate in force on the day: the latest effective on or before it", () => {
    expect(rateInForce(rates, "EUR", "2030-02-28")).toBe(1.1);
    expect(rateInForce(rates, "EUR", "2030-03-01")).toBe(1.2);
    expect(rateInForce(rates, "EUR", "2029-12-31")).toBeNull();
    expect(rateInForce(rates, "USD", "1999-01-01")).toBe(1);
  });

  it("converts minor units: cents to cents, whole yen to cents", () => {
    expect(toBaseMinor(100_000, "EUR", 1.2)).toBe(120_000); // €1,000.00 → $1,200.00
    expect(toBaseMinor(1_000_000, "JPY", 0.0068)).toBe(680_000); // ¥1,000,000 → $6,800.00
    expect(toBaseMinor(333, "AUD", 0.65)).toBe(216); // 216.45 cents → 216
    expect(toBaseMinor(12345, "USD", 1)).toBe(12345);
  });

  it("converts each order at its own paid date and reports currencies without a rate", () => {
    const total = convertPaid(
      [
        { currency: "EUR", totalMinor: 100_000, paidAt: new Date("2030-02-10T12:00:00Z") }, // 1.1 → 110,000
        { currency: "EUR", totalMinor: 100_000, paidAt: new Date("2030-03-10T12:00:00Z") }, // 1.2 → 120,000
        { currency: "JPY", totalMinor: 500_000, paidAt: new Date("2030-03-10T00:00:00Z") }, // → 340,000
        { currency: "USD", totalMinor: 5_000, paidAt: new Date("2030-03-10T00:00:00Z") },
        { currency: "AUD", totalMinor: 10_000, paidAt: new Date("2030-01-10T00:00:00Z") }, // no AUD rate yet
      ],
      rates,
    );
    expect(total).toEqual({ totalBaseMinor: 110_000 + 120_000 + 340_000 + 5_000, missingRates: ["AUD"] });
  });
});
