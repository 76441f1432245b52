/**
 * License revenue in the base currency (US dollars), for the tier rules:
 * a partner's paid orders over the trailing 12 months, each converted at the
 * rate in force on its paid date (exchange_rates, maintained by the vendor).
 * Refunded and unpaid orders do not count.
 */
import { and, asc, gt, inArray, lte } from "drizzle-orm";
import type { Db } from "~db/client";
import { exchangeRates, licenseOrders } from "~db/schema";
import { partnerScope, scopeWhere } from "~/modules/partners/scope.server";
import { addMonths } from "./fulfill.server";
import { BASE_CURRENCY, convertPaid, type RateRow } from "./currency";
import type { Currency } from "./schemas";

export interface LicenseRevenue {
  partnerId: string;
  currency: typeof BASE_CURRENCY;
  /** In US cents. */
  totalBaseMinor: number;
  orders: number;
  from: Date;
  to: Date;
  /** Currencies of orders left out because no rate was in force on their paid date (the vendor should add one). */
  missingRates: Currency[];
}

export async function exchangeRateRows(db: Db): Promise<RateRow[]> {
  return db
    .select({
      currency: exchangeRates.currency,
      rateToBase: exchangeRates.rateToBase,
      effectiveDate: exchangeRates.effectiveDate,
    })
    .from(exchangeRates)
    .orderBy(asc(exchangeRates.currency), asc(exchangeRates.effectiveDate));
}

/** A partner's license revenue over the 12 months up to `at` (paid after at − 12 months, on or before at). */
export async function licenseRevenue(db: Db, args: { partnerId: string; at: Date }): Promise<LicenseRevenue> {
  const from = addMonths(args.at, -12);
  const paid = await db
    .select({ currency: licenseOrders.currency, totalMinor: licenseOrders.totalMinor, paidAt: licenseOrders.paidAt })
    .from(licenseOrders)
    .where(
      scopeWhere(
        partnerScope(args.partnerId),
        licenseOrders,
        and(
          inArray(licenseOrders.status, ["paid", "fulfilled"]),
          gt(licenseOrders.paidAt, from),
          lte(licenseOrders.paidAt, args.at),
        ),
      ),
    );
  const converted = convertPaid(
    paid.map((p) => ({ currency: p.currency, totalMinor: p.totalMinor, paidAt: p.paidAt! })),
    await exchangeRateRows(db),
  );
  return {
    partnerId: args.partnerId,
    currency: BASE_CURRENCY,
    totalBaseMinor: converted.totalBaseMinor,
    orders: paid.length,
    from,
    to: args.at,
    missingRates: converted.missingRates,
  };
}

/** The same for several partners at once (tier reviews). */
export async function licenseRevenues(
  db: Db,
  args: { partnerIds: string[]; at: Date },
): Promise<Map<string, LicenseRevenue>> {
  const out = new Map<string, LicenseRevenue>();
  for (const partnerId of args.partnerIds) out.set(partnerId, await licenseRevenue(db, { partnerId, at: args.at }));
  return out;
}
