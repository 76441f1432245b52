/**
 * Currency conversion to the base currency (US dollars) for license revenue
 * (pure; no database). A rate says how many dollars one unit of a currency is
 * worth from its effective date on; the rate in force on a day is the latest
 * one effective on or before it. Amounts are in minor units: JPY has none,
 * USD, EUR and AUD have cents.
 */
import { MINOR_DIGITS, type Currency } from "~/modules/deals/schemas";

export const BASE_CURRENCY = "USD" as const;

export interface RateRow {
  currency: Currency;
  rateToBase: number;
  /** YYYY-MM-DD */
  effectiveDate: string;
}

/** The rate in force for `currency` on `day` (YYYY-MM-DD): 1 for USD, null when no rate was effective yet. */
export function rateInForce(rates: readonly RateRow[], currency: Currency, day: string): number | null {
  if (currency === BASE_CURRENCY) return 1;
  let best: RateRow | null = null;
  for (const r of rates) {
    if (r.currency !== currency || r.effectiveDate > day) continue;
    if (!best || r.effectiveDate > best.effectiveDate) best = r;
  }
  return best ? best.rateToBase : null;
}

/** `amountMinor` of `currency` in US cents at `rate` (dollars per unit), rounded half up to a cent. */
export function toBaseMinor(amountMinor: number, currency: Currency, rate: number): number {
  const scale = 10 ** (MINOR_DIGITS[BASE_CURRENCY] - MINOR_DIGITS[currency]);
  // Rounding the product of two decimals: a tiny epsilon keeps 0.5 cases (e.g. 1.005) from flooring.
  const cents = amountMinor * rate * scale;
  return Math.sign(cents) * Math.round(Math.abs(cents) + 1e-9);
}

/** `at`'s UTC day as YYYY-MM-DD. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export interface PaidAmount {
  currency: Currency;
  totalMinor: number;
  paidAt: Date;
}

export interface Converted {
  /** Sum in US cents of the amounts that had a rate. */
  totalBaseMinor: number;
  /** Currencies of amounts left out because no rate was in force on their paid day. */
  missingRates: Currency[];
}

/** Each amount converted at the rate in force on its paid day (UTC), summed. */
export function convertPaid(amounts: readonly PaidAmount[], rates: readonly RateRow[]): Converted {
  let total = 0;
  const missing = new Set<Currency>();
  for (const a of amounts) {
    const rate = rateInForce(rates, a.currency, utcDay(a.paidAt));
    if (rate === null) {
      missing.add(a.currency);
      continue;
    }
    total += toBaseMinor(a.totalMinor, a.currency, rate);
  }
  return { totalBaseMinor: total, missingRates: [...missing] };
}
