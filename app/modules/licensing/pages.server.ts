/**
 * Read-only queries for the order and license pages that the licensing
 * module's own files do not offer: the order form's options and its price
 * summary, the order list's partner filter, an order's history, and the
 * public verify page's revocation look-up. Nothing here writes; every partner-side read is scoped with
 * scopeWhere. Prices come from the catalog and the partner's tier, exactly as
 * createOrder computes them (pricing.ts), never from the browser.
 */
import { partnerScope, scopeWhere } from "~/modules/partners/scope.server";
import { and, asc, desc, eq, inArray, or } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~db/client";
import { auditEvents, licenses, partners, products } from "~db/schema";
import { nowOf, type Ctx } from "~/modules/auth/actor";
import { formatAmount } from "~/modules/deals/lifecycle-schemas";
import { ForbiddenError, NotFoundError } from "~/utils/errors.server";
import { assertOrderer, assertReader, isUuid } from "./access.server";
import { catalogLines, discountFor } from "./orders.server";
import { priceOrder } from "./pricing";
import { licenseListSchema, type CreateOrderInput, type Currency } from "./schemas";
import { stripeConfigured } from "./stripe.server";
import { tierLadderInForce } from "~/modules/tiers/in-force.server";
import { tierName } from "~/modules/tiers/rules";

async function orderingPartner(ctx: Ctx) {
  const partnerId = assertOrderer(ctx.actor);
  const [p] = await ctx.db
    .select({ tier: partners.tier, invoiceTermsAllowed: partners.invoiceTermsAllowed })
    .from(partners)
    .where(eq(partners.id, partnerId));
  if (!p) throw new ForbiddenError();
  return {
    partnerId,
    tier: p.tier,
    invoiceTermsAllowed: p.invoiceTermsAllowed,
    discountPercent: await discountFor(ctx.db, p.tier, nowOf(ctx)),
  };
}

/** What the order form offers: active products, which payment methods the partner has, and its tier discount. */
export async function orderFormOptions(ctx: Ctx) {
  const partner = await orderingPartner(ctx);
  const rows = await ctx.db
    .select({
      id: products.id,
      sku: products.sku,
      name: products.name,
      edition: products.edition,
      termMonths: products.termMonths,
      seatUnit: products.seatUnit,
    })
    .from(products)
    .where(eq(products.active, true))
    .orderBy(asc(products.name), asc(products.sku));
  return {
    products: rows.map((p) => ({
      id: p.id,
      label: `${p.name} ${p.edition}${p.termMonths ? `, ${p.termMonths} months` : ", perpetual"} (${p.sku}), per ${p.seatUnit}`,
    })),
    cardAvailable: stripeConfigured(),
    invoiceAllowed: partner.invoiceTermsAllowed,
    discountPercent: partner.discountPercent,
    tierLabel: tierName(await tierLadderInForce(ctx.db, nowOf(ctx)), partner.tier),
  };
}

export interface QuoteLine {
  productId: string;
  product: string;
  seats: number;
  unit: string;
  discountedUnit: string;
  lineTotal: string;
}

/**
 * The price summary of a validated order form, as createOrder will price it:
 * list prices in the currency, the partner's tier discount per seat
 * (pricing.ts). A retired product or one without a price in the currency is
 * a field error at its line. Nothing is stored.
 */
export async function quoteOrder(ctx: Ctx, input: CreateOrderInput) {
  const partner = await orderingPartner(ctx);
  const priced = await catalogLines(ctx.db, input);
  const order = priceOrder(priced, partner.discountPercent);
  const money = (minor: number) => formatAmount(minor, input.currency as Currency);
  return {
    currency: input.currency,
    discountPercent: order.discountPercent,
    subtotal: money(order.subtotalMinor),
    discount: money(order.discountMinor),
    total: money(order.totalMinor),
    lines: order.lines.map<QuoteLine>((l) => ({
      productId: l.productId,
      product: l.product,
      seats: l.seats,
      unit: money(l.unitAmountMinor),
      discountedUnit: money(l.discountedUnitAmountMinor),
      lineTotal: money(l.lineTotalMinor),
    })),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Orders and licenses: what the pages show beside queries.server.ts's reads

/** The partners a vendor license admin can filter the order list by. */
export async function partnerFilterOptions(ctx: Ctx): Promise<{ value: string; label: string }[]> {
  assertReader(ctx.actor);
  if (ctx.actor.partnerId) return [];
  return ctx.db.select({ value: partners.id, label: partners.name }).from(partners).orderBy(asc(partners.name));
}

const orderActionLabels: Record<string, string> = {
  "order.created": "Order placed",
  "order.checkout_started": "Card checkout started",
  "order.paid": "Paid and fulfilled",
  "order.cancelled": "Cancelled",
  "order.refunded": "Refunded",
  "order.payment_failed": "Payment failed",
  "order.checkout_expired": "Checkout expired",
  "order.invoice_sent": "Invoice sent",
  "license.issued": "License issued",
  "license.revoked": "License revoked",
  "license.keys_resent": "Keys sent again",
};

function historyNote(action: string, after: unknown): string | null {
  const a = (after ?? {}) as Record<string, unknown>;
  if (typeof a.reason === "string" && a.reason) return a.reason;
  if (action === "order.paid" && typeof a.reference === "string") return `Reference: ${a.reference}`;
  if (typeof a.note === "string") return a.note;
  return null;
}

/**
 * An order's history from the audit trail, oldest first: the order's own
 * events and those of its licenses. The order must be the actor's (callers
 * read it with getOrder first); the partner is part of the query as well.
 */
export async function orderHistory(ctx: Ctx, order: { id: string; partnerId: string }, licenseIds: string[]) {
  assertReader(ctx.actor);
  if (ctx.actor.partnerId && ctx.actor.partnerId !== order.partnerId) throw new NotFoundError("Order not found.");
  const rows = await ctx.db
    .select({
      id: auditEvents.id,
      at: auditEvents.at,
      action: auditEvents.action,
      actor: auditEvents.actorLabel,
      after: auditEvents.after,
    })
    .from(auditEvents)
    .where(
      scopeWhere(
        partnerScope(order.partnerId),
        auditEvents,
        or(
          and(eq(auditEvents.subjectType, "license_order"), eq(auditEvents.subjectId, order.id)),
          licenseIds.length
            ? and(eq(auditEvents.subjectType, "license"), inArray(auditEvents.subjectId, licenseIds))
            : undefined,
        ),
      ),
    )
    // Events of one transaction share its time: the order's own ("Paid") before its licenses' ("License issued").
    .orderBy(asc(auditEvents.at), desc(auditEvents.subjectType), asc(auditEvents.action));
  return rows.map((h) => ({
    id: h.id,
    at: h.at,
    actor: h.actor,
    label: orderActionLabels[h.action] ?? h.action,
    note: historyNote(h.action, h.after),
  }));
}

/**
 * The portal's own answer about a license id read from a key (the public
 * verify page): whether it was issued here and whether it is revoked. No
 * partner or customer data: the key itself carries what the page shows.
 */
export async function licenseStanding(db: Db, licenseId: string) {
  if (!isUuid(licenseId)) return { known: false as const };
  const [row] = await db
    .select({ status: licenses.status, revokedAt: licenses.revokedAt })
    .from(licenses)
    .where(eq(licenses.id, licenseId));
  if (!row) return { known: false as const };
  return { known: true as const, status: row.status, revokedAt: row.revokedAt };
}

/** The license list's and its CSV's query: search, status, page, and for the vendor one partner. */
export const licensePageFilterSchema = licenseListSchema.extend({
  partner: z.string().uuid().optional().catch(undefined),
});

/** The license list's query for listLicenses (a partner's own list ignores `partner`: scopeWhere decides). */
export function licenseQueryOf(url: string) {
  const { partner, ...query } = licensePageFilterSchema.parse(Object.fromEntries(new URL(url).searchParams));
  return { ...query, partnerId: partner };
}
