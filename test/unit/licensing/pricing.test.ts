import { describe, expect, it } from "vitest";
import { discountedUnit, priceOrder } from "~/modules/licensing/pricing";

describe("license pricing", () => {
  it("applies the tier discount per seat and totals the lines (USD, cents)", () => {
    const order = priceOrder(
      [
        { unitAmountMinor: 2400, seats: 250 }, // $24.00 × 250
        { unitAmountMinor: 120000, seats: 3 }, // $1,200.00 × 3
      ],
      30,
    );
    expect(order.lines.map((l) => l.discountedUnitAmountMinor)).toEqual([1680, 84000]);
    expect(order.lines.map((l) => l.lineTotalMinor)).toEqual([420000, 252000]);
    expect(order.subtotalMinor).toBe(600000 + 360000);
    expect(order.totalMinor).toBe(420000 + 252000);
    expect(order.discountMinor).toBe(order.subtotalMinor - order.totalMinor);
    expect(order.discountPercent).toBe(30);
  });

  it("keeps JPY in whole yen, rounding each seat's price half up", () => {
    expect(discountedUnit(3300, 30)).toBe(2310);
    // 3,333 × 0.9 = 2,999.7 → 3,000 yen; 3,335 × 0.9 = 3,001.5 → 3,002 (half up)
    expect(discountedUnit(3333, 10)).toBe(3000);
    expect(discountedUnit(3335, 10)).toBe(3002);
    const order = priceOrder([{ unitAmountMinor: 3333, seats: 7 }], 10);
    expect(order.totalMinor).toBe(21000);
    expect(Number.isInteger(order.totalMinor)).toBe(true);
    expect(order.subtotalMinor).toBe(23331);
    expect(order.discountMinor).toBe(2331);
  });

  it("rounds cents half up for EUR and AUD", () => {
    // €12.35 less 20 % = €9.88; A$0.05 less 10 % = 4.5 cents → 5
    expect(discountedUnit(1235, 20)).toBe(988);
    expect(discountedUnit(5, 10)).toBe(5);
    expect(discountedUnit(4, 10)).toBe(4); // 3.6 → 4
    expect(discountedUnit(1, 50)).toBe(1); // 0.5 → 1
  });

  it("every line is discounted unit × seats, as Checkout charges it", () => {
    for (const pct of [0, 10, 20, 30, 45]) {
      const order = priceOrder(
        [
          { unitAmountMinor: 999, seats: 13 },
          { unitAmountMinor: 13500, seats: 1 },
        ],
        pct,
      );
      for (const l of order.lines) expect(l.lineTotalMinor).toBe(l.discountedUnitAmountMinor * l.seats);
      expect(order.totalMinor).toBe(order.lines.reduce((s, l) => s + l.lineTotalMinor, 0));
    }
  });

  it("refuses nonsense", () => {
    expect(() => discountedUnit(100, 101)).toThrow(RangeError);
    expect(() => discountedUnit(1.5, 10)).toThrow(RangeError);
    expect(() => priceOrder([{ unitAmountMinor: 100, seats: 0 }], 10)).toThrow(RangeError);
  });
});
