/**
 * License revenue in the base currency (US dollars), for the tier rules:
 * a partner's paid orders over the trailing 12 months, each converted at the
 * rate in force on its paid date (exchange_rates, maintained by the vendor).
 * Refunded and unpaid orders do not count.
 */
import { asc, gt, inArray, lte } from "drizzle-orm";
import type { Db } from "~db/client";
import { exchangeRates, licenseOrders } from "~db/schema";
import { partnersWhere } from "~/modules/partners/scope.server";
import { addMonths } from "./fulfill.server";
import { BASE_CURRENCY, convertPaid, type PaidAmount, type RateRow } from "./currency";
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
  return (await licenseRevenues(db, { partnerIds: [args.partnerId], at: args.at })).get(args.partnerId)!;
}

/**
 * The same for several partners at once (tier evaluation, what-if, the vendor
 * scorecard): two queries whatever their number (the paid orders of all of
 * them, the exchange rates), each partner's total converted as licenseRevenue
 * converts it. Every partner asked for is in the map (no orders: zero).
 */
export async function licenseRevenues(
  db: Db,
  args: { partnerIds: readonly string[]; at: Date },
): Promise<Map<string, LicenseRevenue>> {
  const out = new Map<string, LicenseRevenue>();
  if (args.partnerIds.length === 0) return out;
  const from = addMonths(args.at, -12);
  const paid = await db
    .select({
      partnerId: licenseOrders.partnerId,
      currency: licenseOrders.currency,
      totalMinor: licenseOrders.totalMinor,
      paidAt: licenseOrders.paidAt,
    })
    .from(licenseOrders)
    .where(
      partnersWhere(
        args.partnerIds,
        licenseOrders,
        inArray(licenseOrders.status, ["paid", "fulfilled"]),
        gt(licenseOrders.paidAt, from),
        lte(licenseOrders.paidAt, args.at),
      ),
    )
    // Paid order first: the currencies missing a rate are listed in the order their orders were paid.
    .orderBy(asc(licenseOrders.partnerId), asc(licenseOrders.paidAt), asc(licenseOrders.id));
  const byPartner = new Map<string, PaidAmount[]>(args.partnerIds.map((id) => [id, []]));
  for (const p of paid) {
    byPartner.get(p.partnerId)?.push({ currency: p.currency, totalMinor: p.totalMinor, paidAt: p.paidAt! });
  }
  const rates = await exchangeRateRows(db);
  for (const [partnerId, amounts] of byPartner) {
    const converted = convertPaid(amounts, rates);
    out.set(partnerId, {
      partnerId,
      currency: BASE_CURRENCY,
      totalBaseMinor: converted.totalBaseMinor,
      orders: amounts.length,
      from,
      to: args.at,
      missingRates: converted.missingRates,
    });
  }
  return out;
}
