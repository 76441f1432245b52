/**
 * What the vendor's licensing pages read: the catalog (products with their
 * prices per currency, the tier discounts in force, partners with payment terms), the
 * exchange rates, and license revenue by month, product and country in the
 * base currency (US dollars), each order converted at the rate in force on
 * the day it was paid. Cross-partner reads, explicit and for vendor admins
 * only. Changes go through the catalog's own functions.
 */
import { and, asc, desc, eq, gte, inArray, lt, ne, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { exchangeRates, licenseOrderLines, licenseOrders, partners, products } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import { nowOf, type Ctx } from "~/modules/auth/actor";
import { countryName, isCountryCode } from "~/utils/countries";
import { CSV_BOM, toCsv, type CsvColumn } from "~/utils/csv";
import { NotFoundError, ValidationError } from "~/utils/errors.server";
import { fieldErrorsOf } from "~/utils/field-errors";
import { minorToDecimal } from "~/modules/deals/schemas";
import { benefitsInForce, tierLadderInForce } from "~/modules/tiers/in-force.server";
import { tierNames } from "~/modules/tiers/rules";
import { assertCatalogAdmin, assertId, assertLicenseAdmin } from "./access.server";
import { listCatalog, type CatalogEntry } from "./catalog.server";
import { BASE_CURRENCY, rateInForce, toBaseMinor, utcDay, type RateRow } from "./currency";
import { exchangeRateRows } from "./revenue.server";
import { currencies, orderRef, type Currency } from "./schemas";
import { invoiceTermsSchema } from "./vendor-schemas";

// ---------------------------------------------------------------------------------------------------------------
// Catalog

/**
 * The /catalog page: every product with its prices, the tier discounts in
 * force (read-only: they are the tier rules' benefits, edited on /tiers) and
 * the partners' payment terms.
 */
export async function catalogPageData(ctx: Ctx) {
  assertCatalogAdmin(ctx.actor);
  const list = await listCatalog(ctx.db, { actor: ctx.actor });
  const inForce = await benefitsInForce(ctx.db, nowOf(ctx));
  const partnerRows = await ctx.db
    .select({
      id: partners.id,
      name: partners.name,
      country: partners.country,
      tier: partners.tier,
      invoiceTermsAllowed: partners.invoiceTermsAllowed,
    })
    .from(partners)
    .where(ne(partners.status, "terminated"))
    .orderBy(asc(partners.name));
  return {
    // Active products first, then by SKU.
    products: [...list].sort((a, b) => Number(b.active) - Number(a.active) || a.sku.localeCompare(b.sku)),
    discounts: inForce.ladder.map((t) => ({
      tier: t.key,
      label: t.name,
      percent: inForce.benefits[t.key]?.discountPercent ?? 0,
    })),
    tierNames: tierNames(inForce.ladder),
    rulesVersion: inForce.version,
    onTerms: partnerRows
      .filter((p) => p.invoiceTermsAllowed)
      .map((p) => ({ ...p, countryName: countryName(p.country) })),
    withoutTerms: partnerRows
      .filter((p) => !p.invoiceTermsAllowed)
      .map((p) => ({ id: p.id, name: p.name, countryName: countryName(p.country) })),
  };
}

/** One product with its prices (for its edit page); a missing or malformed id is a 404. */
export async function catalogProduct(ctx: Ctx, productId: string): Promise<CatalogEntry> {
  assertCatalogAdmin(ctx.actor);
  assertId(productId, "Product");
  const found = (await listCatalog(ctx.db, { actor: ctx.actor })).find((p) => p.id === productId);
  if (!found) throw new NotFoundError("Product not found.");
  return found;
}

// ---------------------------------------------------------------------------------------------------------------
// Payment terms (invoice payment for distributors on terms)

/**
 * Allows or withdraws invoice payment for a partner (a distributor on terms),
 * with the `partner.invoice_terms_changed` audit event. Orders already placed
 * keep their payment method. No change, no event.
 */
export async function setInvoiceTerms(ctx: Ctx, raw: unknown): Promise<{ changed: boolean }> {
  assertLicenseAdmin(ctx.actor);
  const parsed = invoiceTermsSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const allowed = parsed.data.allowed === "yes";
  return ctx.db.transaction(async (tx) => {
    const [before] = await tx
      .select({ id: partners.id, allowed: partners.invoiceTermsAllowed })
      .from(partners)
      .where(eq(partners.id, parsed.data.partnerId))
      .for("update");
    if (!before) throw new ValidationError({ partnerId: ["Choose a partner from the list."] });
    if (before.allowed === allowed) return { changed: false };
    await tx
      .update(partners)
      .set({ invoiceTermsAllowed: allowed, updatedAt: nowOf(ctx) })
      .where(eq(partners.id, before.id));
    await recordAudit(tx, ctx.actor, {
      action: "partner.invoice_terms_changed",
      subjectType: "partner",
      subjectId: before.id,
      partnerId: before.id,
      before: { invoiceTermsAllowed: before.allowed },
      after: { invoiceTermsAllowed: allowed },
    });
    return { changed: true };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Exchange rates

/** Every rate, newest first per currency, and the one in force today for each currency. */
export async function ratesPageData(ctx: Ctx) {
  assertLicenseAdmin(ctx.actor);
  const rows = await ctx.db
    .select({
      id: exchangeRates.id,
      currency: exchangeRates.currency,
      rateToBase: exchangeRates.rateToBase,
      effectiveDate: exchangeRates.effectiveDate,
      createdAt: exchangeRates.createdAt,
    })
    .from(exchangeRates)
    .orderBy(desc(exchangeRates.effectiveDate), asc(exchangeRates.currency));
  const today = utcDay(nowOf(ctx));
  const inForce = currencies
    .filter((c) => c !== BASE_CURRENCY)
    .map((c) => ({ currency: c, rate: rateInForce(rows, c, today) }));
  return { base: BASE_CURRENCY, today, rates: rows, inForce };
}

// ---------------------------------------------------------------------------------------------------------------
// Revenue

export const REVENUE_MONTHS = 12;
/** Orders that brought in money: paid (fulfillment under way) or fulfilled. Refunded ones do not count. */
const EARNING = ["paid", "fulfilled"] as const;

export const revenueQuerySchema = z.object({
  currency: z.enum(currencies).optional().catch(undefined),
  country: z.string().trim().toUpperCase().refine(isCountryCode).optional().catch(undefined),
});
export type RevenueQuery = z.infer<typeof revenueQuerySchema>;

export function parseRevenueQuery(search: URLSearchParams): RevenueQuery {
  const raw = Object.fromEntries([...search].filter(([, v]) => v !== ""));
  return revenueQuerySchema.parse(raw);
}

/** "2025-03" for the month `back` months before `now`'s (UTC). */
function monthKey(now: Date, back: number): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
  return d.toISOString().slice(0, 7);
}

interface EarnedOrder {
  id: string;
  partnerId: string;
  partnerName: string;
  customerCompany: string;
  customerCountry: string;
  currency: Currency;
  totalMinor: number;
  paymentMethod: "card" | "invoice";
  paidAt: Date;
  /** Null when no rate was in force on the paid day (left out of the sums, named on the page). */
  rate: number | null;
  baseMinor: number | null;
}

function windowStart(now: Date): Date {
  return new Date(`${monthKey(now, REVENUE_MONTHS - 1)}-01T00:00:00Z`);
}

function orderFilter(query: RevenueQuery, now: Date): SQL {
  return and(
    inArray(licenseOrders.status, [...EARNING]),
    gte(licenseOrders.paidAt, windowStart(now)),
    lt(licenseOrders.paidAt, new Date(`${monthKey(now, -1)}-01T00:00:00Z`)),
    query.currency ? eq(licenseOrders.currency, query.currency) : undefined,
    query.country ? eq(licenseOrders.customerCountry, query.country) : undefined,
  )!;
}

async function earnedOrders(ctx: Ctx, query: RevenueQuery, rates: RateRow[]): Promise<EarnedOrder[]> {
  const rows = await ctx.db
    .select({
      id: licenseOrders.id,
      partnerId: licenseOrders.partnerId,
      partnerName: partners.name,
      customerCompany: licenseOrders.customerCompany,
      customerCountry: licenseOrders.customerCountry,
      currency: licenseOrders.currency,
      totalMinor: licenseOrders.totalMinor,
      paymentMethod: licenseOrders.paymentMethod,
      paidAt: licenseOrders.paidAt,
    })
    .from(licenseOrders)
    .innerJoin(partners, eq(partners.id, licenseOrders.partnerId))
    .where(orderFilter(query, nowOf(ctx)))
    .orderBy(desc(licenseOrders.paidAt));
  return rows.map((r) => {
    const paidAt = r.paidAt!;
    const rate = rateInForce(rates, r.currency, utcDay(paidAt));
    return { ...r, paidAt, rate, baseMinor: rate === null ? null : toBaseMinor(r.totalMinor, r.currency, rate) };
  });
}

function addTo<K>(m: Map<K, number>, k: K, v: number) {
  m.set(k, (m.get(k) ?? 0) + v);
}

/**
 * The vendor's license revenue over the last 12 calendar months (this one
 * included), in US cents: per month, per product and per customer country;
 * the partners on invoice terms with their revenue and unpaid invoice
 * orders; and the currencies left out because no rate was in force.
 */
export async function revenueReport(ctx: Ctx, query: RevenueQuery) {
  assertLicenseAdmin(ctx.actor);
  const now = nowOf(ctx);
  const rates = await exchangeRateRows(ctx.db);
  const orders = await earnedOrders(ctx, query, rates);
  const converted = orders.filter((o) => o.baseMinor !== null);
  const missingRates = [...new Set(orders.filter((o) => o.rate === null).map((o) => o.currency))];

  const perMonth = new Map<string, number>();
  const perCountry = new Map<string, number>();
  const perPartner = new Map<string, number>();
  for (const o of converted) {
    addTo(perMonth, utcDay(o.paidAt).slice(0, 7), o.baseMinor!);
    addTo(perCountry, o.customerCountry, o.baseMinor!);
    addTo(perPartner, o.partnerId, o.baseMinor!);
  }
  const months = Array.from({ length: REVENUE_MONTHS }, (_, i) => monthKey(now, REVENUE_MONTHS - 1 - i));

  // Per product: each order's lines converted at the order's rate (lines sum to the order's total).
  const rateOf = new Map(converted.map((o) => [o.id, o]));
  const lines = converted.length
    ? await ctx.db
        .select({
          orderId: licenseOrderLines.orderId,
          productId: licenseOrderLines.productId,
          sku: products.sku,
          name: products.name,
          lineTotalMinor: licenseOrderLines.lineTotalMinor,
          seats: licenseOrderLines.seats,
        })
        .from(licenseOrderLines)
        .innerJoin(products, eq(products.id, licenseOrderLines.productId))
        .where(inArray(licenseOrderLines.orderId, [...rateOf.keys()]))
    : [];
  const perProduct = new Map<string, { sku: string; name: string; baseMinor: number; seats: number }>();
  for (const l of lines) {
    const o = rateOf.get(l.orderId)!;
    const p = perProduct.get(l.productId) ?? { sku: l.sku, name: l.name, baseMinor: 0, seats: 0 };
    p.baseMinor += toBaseMinor(l.lineTotalMinor, o.currency, o.rate!);
    p.seats += l.seats;
    perProduct.set(l.productId, p);
  }

  const termsPartners = await ctx.db
    .select({
      id: partners.id,
      name: partners.name,
      country: partners.country,
      tier: partners.tier,
      awaitingInvoices: sql<number>`(select count(*)::int from ${licenseOrders}
        where ${licenseOrders.partnerId} = ${partners.id} and ${licenseOrders.paymentMethod} = 'invoice'
          and ${licenseOrders.status} = 'awaiting_payment')`,
    })
    .from(partners)
    .where(eq(partners.invoiceTermsAllowed, true))
    .orderBy(asc(partners.name));

  const countries = await ctx.db
    .selectDistinct({ country: licenseOrders.customerCountry })
    .from(licenseOrders)
    .where(inArray(licenseOrders.status, [...EARNING]));

  return {
    query,
    base: BASE_CURRENCY,
    /** Tier key → name in the rules in force (the partners' tier labels). */
    tierNames: tierNames(await tierLadderInForce(ctx.db, now)),
    months: months.map((month) => ({ month, baseMinor: perMonth.get(month) ?? 0 })),
    totals: {
      baseMinor: converted.reduce((n, o) => n + o.baseMinor!, 0),
      orders: orders.length,
      partners: new Set(orders.map((o) => o.partnerId)).size,
    },
    byProduct: [...perProduct.entries()]
      .map(([productId, p]) => ({ productId, ...p }))
      .sort((a, b) => b.baseMinor - a.baseMinor || a.sku.localeCompare(b.sku)),
    byCountry: [...perCountry.entries()]
      .map(([country, baseMinor]) => ({ country, countryName: countryName(country), baseMinor }))
      .sort((a, b) => b.baseMinor - a.baseMinor || a.country.localeCompare(b.country)),
    termsPartners: termsPartners.map((p) => ({
      ...p,
      countryName: countryName(p.country),
      baseMinor: perPartner.get(p.id) ?? 0,
    })),
    missingRates,
    options: {
      currencies: currencies.map((c) => ({ value: c, label: c })),
      countries: countries
        .map((c) => ({ value: c.country, label: countryName(c.country) }))
        .sort((a, b) => a.label.localeCompare(b.label)),
    },
  };
}

const csvColumns: CsvColumn<EarnedOrder>[] = [
  { header: "order", value: (o) => orderRef(o.id) },
  { header: "paid_at", value: (o) => o.paidAt },
  { header: "partner", value: (o) => o.partnerName },
  { header: "customer", value: (o) => o.customerCompany },
  { header: "customer_country", value: (o) => o.customerCountry },
  { header: "payment", value: (o) => o.paymentMethod },
  { header: "currency", value: (o) => o.currency },
  { header: "total", value: (o) => minorToDecimal(o.totalMinor, o.currency) },
  { header: "rate_to_usd", value: (o) => o.rate },
  { header: "total_usd", value: (o) => (o.baseMinor === null ? null : minorToDecimal(o.baseMinor, BASE_CURRENCY)) },
];

/** The revenue page's orders (same filters and months) as CSV: one row per order, with its rate and dollars. */
export async function exportRevenueCsv(ctx: Ctx, url: URL | string): Promise<{ body: string; filename: string }> {
  assertLicenseAdmin(ctx.actor);
  const query = parseRevenueQuery(new URL(url, "http://portal.invalid").searchParams);
  const orders = await earnedOrders(ctx, query, await exchangeRateRows(ctx.db));
  return {
    body: CSV_BOM + toCsv(orders, csvColumns),
    filename: `license-revenue-${utcDay(nowOf(ctx))}.csv`,
  };
}
