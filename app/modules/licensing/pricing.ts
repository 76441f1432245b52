/**
 * License pricing (pure; no database): list price × seats per line, the
 * partner's tier discount applied to each seat's price and rounded half up to
 * the currency's minor unit (cents; whole yen for JPY, whose minor unit is the
 * yen), so that every line is `discounted unit × seats` exactly, which is
 * what Stripe Checkout charges (unit amount × quantity). The discount shown is
 * subtotal − total.
 */
import type { Currency } from "~/modules/deals/schemas";

export interface PriceLineInput {
  /** List price per seat in minor units. */
  unitAmountMinor: number;
  seats: number;
}

export interface PricedLine extends PriceLineInput {
  /** Price per seat after the discount, in minor units. */
  discountedUnitAmountMinor: number;
  /** List price × seats. */
  listTotalMinor: number;
  /** discounted unit × seats: what the partner pays for the line. */
  lineTotalMinor: number;
}

export interface PricedOrder<L extends PriceLineInput = PriceLineInput> {
  lines: (L & PricedLine)[];
  discountPercent: number;
  subtotalMinor: number;
  discountMinor: number;
  totalMinor: number;
}

/** `unit` minor units less `percent` %, rounded half up to a whole minor unit (integer arithmetic). */
export function discountedUnit(unitAmountMinor: number, percent: number): number {
  if (!Number.isSafeInteger(unitAmountMinor) || unitAmountMinor < 0)
    throw new RangeError("unit amount must be a non-negative integer");
  if (!Number.isInteger(percent) || percent < 0 || percent > 100)
    throw new RangeError("percent must be an integer 0..100");
  return Math.floor((unitAmountMinor * (100 - percent) + 50) / 100);
}

/** Prices an order's lines with the tier discount `percent` (whole percent, 0..100). */
export function priceOrder<L extends PriceLineInput>(lines: readonly L[], percent: number): PricedOrder<L> {
  let subtotal = 0;
  let total = 0;
  const priced = lines.map((l) => {
    if (!Number.isInteger(l.seats) || l.seats < 1) throw new RangeError("seats must be a positive integer");
    const unit = discountedUnit(l.unitAmountMinor, percent);
    const listTotalMinor = l.unitAmountMinor * l.seats;
    const lineTotalMinor = unit * l.seats;
    subtotal += listTotalMinor;
    total += lineTotalMinor;
    return { ...l, discountedUnitAmountMinor: unit, listTotalMinor, lineTotalMinor };
  });
  if (!Number.isSafeInteger(subtotal)) throw new RangeError("order total too large");
  return {
    lines: priced,
    discountPercent: percent,
    subtotalMinor: subtotal,
    discountMinor: subtotal - total,
    totalMinor: total,
  };
}

/** Stripe's currency code (lowercase ISO 4217). */
export function stripeCurrency(currency: Currency): string {
  return currency.toLowerCase();
}

/** "1 mailbox", "250 mailboxes", "3 domains", "2 servers": seats for people (English plural of the seat unit). */
export function seatsText(seats: number, unit: string): string {
  const plural = seats === 1 ? unit : /(s|x|z|ch|sh)$/.test(unit) ? `${unit}es` : `${unit}s`;
  return `${seats.toLocaleString("en-US")} ${plural}`;
}
