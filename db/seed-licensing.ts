import { randomUUID } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "./client";
import {
  auditEvents,
  deals,
  exchangeRates,
  licenseOrderLines,
  licenseOrders,
  licenses,
  partners,
  productPrices,
  products,
} from "./schema";
import { signLicense } from "../app/modules/licensing/keys.server";
import { addMonths } from "../app/modules/licensing/fulfill.server";
import { priceOrder } from "../app/modules/licensing/pricing";
import { discountFor } from "../app/modules/licensing/orders.server";

/**
 * The demo world's license orders: Polder Relay (the distributor) on payment
 * terms with an invoice order awaiting payment and a paid one linked to its
 * won registration of Brouwerij De Molen; fulfilled orders in JPY, AUD, EUR
 * and USD with real signed keys (signed with this portal's key, so
 * `npm run license:verify` accepts them); a Southern Cross license ending
 * within 30 days (renewal reminders); a refunded Liberty Mailworks order with
 * its licenses revoked; a cancelled one; and 18 months of exchange rates.
 * Prices and discounts come from the catalog (migration 0008) as createOrder
 * computes them. Called by seed.ts inside its transaction; no mails.
 */

const DAY = 86_400_000;

type Cur = "USD" | "EUR" | "JPY" | "AUD";

interface SeedOrder {
  partner: string;
  company: string;
  domain: string;
  country: string;
  contact: [name: string, email: string];
  currency: Cur;
  method: "card" | "invoice";
  lines: [sku: string, seats: number][];
  createdAgo: number;
  /** Paid this long ago (fulfilled), unless the order stays unpaid. */
  paidAgo?: number;
  status: "awaiting_payment" | "fulfilled" | "refunded" | "cancelled";
  reference?: string;
  /** Link the partner's registration of this domain (marked won already by the deal seed). */
  linkDeal?: boolean;
}

const demoOrders: SeedOrder[] = [
  {
    partner: "polder-relay",
    company: "Brouwerij De Molen B.V.",
    domain: "brouwerij-demolen.test",
    country: "NL",
    contact: ["Menno Olivier", "menno@brouwerij-demolen.test"],
    currency: "EUR",
    method: "invoice",
    lines: [["MSE-STD-12", 120]],
    createdAgo: 7 * DAY,
    paidAgo: 6 * DAY,
    status: "fulfilled",
    reference: "SEPA NL91-2026-00417",
    linkDeal: true,
  },
  {
    partner: "polder-relay",
    company: "Gemeente Zaanstad",
    domain: "zaanstad-gemeente.test",
    country: "NL",
    contact: ["Pieter de Boer", "ict-beheer@zaanstad-gemeente.test"],
    currency: "EUR",
    method: "invoice",
    lines: [
      ["MSE-ADV-12", 900],
      ["ASG-12", 4],
    ],
    createdAgo: 3 * DAY,
    status: "awaiting_payment",
  },
  {
    partner: "sakura-mail",
    company: "Hokkaido Dairy Cooperative",
    domain: "hokkaido-dairy-coop.test",
    country: "JP",
    contact: ["Takeshi Kobayashi", "it-admin@hokkaido-dairy-coop.test"],
    currency: "JPY",
    method: "card",
    lines: [
      ["MSE-ADV-12", 300],
      ["SRL-PERP", 2],
    ],
    createdAgo: 40 * DAY,
    paidAgo: 40 * DAY - 3_600_000,
    status: "fulfilled",
  },
  {
    partner: "southern-cross",
    company: "Koala Freight Pty Ltd",
    domain: "koala-freight-au.test",
    country: "AU",
    contact: ["Mia Thompson", "sysadmin@koala-freight-au.test"],
    currency: "AUD",
    method: "card",
    // A 12-month license paid 340 days ago: it ends within 30 days (renewal reminders).
    lines: [["ASG-12", 6]],
    createdAgo: 341 * DAY,
    paidAgo: 340 * DAY,
    status: "fulfilled",
  },
  {
    partner: "rheinmail",
    company: "Stadtwerke Bielefeld Netz GmbH",
    domain: "stadtwerke-bielefeld-netz.test",
    country: "DE",
    contact: ["Jonas Becker", "mail-admin@stadtwerke-bielefeld-netz.test"],
    currency: "EUR",
    method: "card",
    lines: [["MSE-STD-12", 450]],
    createdAgo: 120 * DAY,
    paidAgo: 120 * DAY - 1_800_000,
    status: "fulfilled",
  },
  {
    partner: "liberty-mailworks",
    company: "Granite Peak Outfitters Inc.",
    domain: "granitepeak-outfitters.test",
    country: "US",
    contact: ["Dana Whitfield", "it@granitepeak-outfitters.test"],
    currency: "USD",
    method: "card",
    lines: [["MSE-ADV-36", 75]],
    createdAgo: 25 * DAY,
    paidAgo: 25 * DAY - 900_000,
    status: "refunded",
  },
  {
    partner: "liberty-mailworks",
    company: "Cascade Trails Co.",
    domain: "cascade-trails.test",
    country: "US",
    contact: ["Ray Olsen", "ray@cascade-trails.test"],
    currency: "USD",
    method: "card",
    lines: [["MSE-STD-12", 60]],
    createdAgo: 9 * DAY,
    status: "cancelled",
  },
];

/** Monthly rates (dollars per unit) for the last 18 months, gently drifting. */
function demoRates(now: number): { currency: Cur; rateToBase: number; effectiveDate: string }[] {
  const base: Record<Exclude<Cur, "USD">, number> = { EUR: 1.08, JPY: 0.0067, AUD: 0.655 };
  const out: { currency: Cur; rateToBase: number; effectiveDate: string }[] = [];
  const start = new Date(now);
  for (let i = 18; i >= 0; i--) {
    const d = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() - i, 1));
    const day = d.toISOString().slice(0, 10);
    const wobble = 1 + Math.sin(i / 3) * 0.02;
    out.push({ currency: "EUR", rateToBase: Number((base.EUR * wobble).toFixed(4)), effectiveDate: day });
    out.push({ currency: "JPY", rateToBase: Number((base.JPY * wobble).toFixed(6)), effectiveDate: day });
    out.push({ currency: "AUD", rateToBase: Number((base.AUD * wobble).toFixed(4)), effectiveDate: day });
  }
  return out;
}

export async function seedLicensing(
  tx: Db,
  opts: { now: Date; partners: { id: string; slug: string; ownerId: string }[]; vendorAdminId: string },
): Promise<void> {
  const now = opts.now.getTime();
  const bySlug = new Map(opts.partners.map((p) => [p.slug, p]));
  const distributor = bySlug.get("polder-relay");
  if (distributor) await tx.update(partners).set({ invoiceTermsAllowed: true }).where(eq(partners.id, distributor.id));
  await tx.insert(exchangeRates).values(demoRates(now)).onConflictDoNothing();

  const productRows = await tx.select().from(products);
  const product = new Map(productRows.map((p) => [p.sku, p]));
  const prices = await tx.select().from(productPrices);
  const priceOf = (productId: string, c: Cur) =>
    prices.find((p) => p.productId === productId && p.currency === c)?.unitAmountMinor;
  const partnerRows = await tx
    .select({ id: partners.id, tier: partners.tier })
    .from(partners)
    .where(
      inArray(
        partners.id,
        opts.partners.map((p) => p.id),
      ),
    );
  const tierOf = new Map(partnerRows.map((p) => [p.id, p.tier]));

  for (const o of demoOrders) {
    const partner = bySlug.get(o.partner);
    if (!partner) continue;
    const tier = tierOf.get(partner.id) ?? "registered";
    const lines = o.lines.map(([sku, seats]) => {
      const p = product.get(sku);
      const unit = p ? priceOf(p.id, o.currency) : undefined;
      if (!p || unit === undefined) throw new Error(`seed licensing: no ${o.currency} price for ${sku}`);
      return { productId: p.id, seats, unitAmountMinor: unit, product: p };
    });
    const createdAt = new Date(now - o.createdAgo);
    // The discount of the partner's tier in the tier rules in force when it ordered, as createOrder prices it.
    const priced = priceOrder(lines, await discountFor(tx, tier, createdAt));
    const paidAt = o.paidAgo !== undefined ? new Date(now - o.paidAgo) : null;
    let dealId: string | null = null;
    if (o.linkDeal) {
      const [deal] = await tx
        .select({ id: deals.id })
        .from(deals)
        .where(and(eq(deals.partnerId, partner.id), eq(deals.customerDomain, o.domain)));
      dealId = deal?.id ?? null;
    }
    const pi = o.method === "card" && paidAt ? `pi_demo_${o.domain.replace(/[^a-z]/g, "").slice(0, 16)}` : null;
    const [order] = await tx
      .insert(licenseOrders)
      .values({
        partnerId: partner.id,
        orderedBy: partner.ownerId,
        customerCompany: o.company,
        customerDomain: o.domain,
        customerCountry: o.country,
        technicalContactName: o.contact[0],
        technicalContactEmail: o.contact[1],
        currency: o.currency,
        subtotalMinor: priced.subtotalMinor,
        discountPercent: priced.discountPercent,
        discountMinor: priced.discountMinor,
        totalMinor: priced.totalMinor,
        tierAtOrder: tier,
        status: o.status,
        paymentMethod: o.method,
        dealId,
        checkoutAttempts: o.method === "card" ? 1 : 0,
        stripeCheckoutSessionId: o.method === "card" ? `cs_demo_${o.domain.replace(/[^a-z]/g, "").slice(0, 20)}` : null,
        stripePaymentIntentId: pi,
        paidReference: paidAt ? (o.reference ?? `Stripe ${pi}`) : null,
        paidAt,
        fulfilledAt: paidAt,
        cancelledAt: o.status === "cancelled" ? new Date(createdAt.getTime() + 2 * 3_600_000) : null,
        refundedAt: o.status === "refunded" ? new Date(now - 20 * DAY) : null,
        statusNote:
          o.status === "refunded"
            ? "Payment refunded."
            : o.status === "cancelled"
              ? "The customer chose the 36-month term instead."
              : null,
        createdAt,
        updatedAt: createdAt,
      })
      .returning();
    const lineRows = await tx
      .insert(licenseOrderLines)
      .values(
        priced.lines.map((l, i) => ({
          orderId: order!.id,
          partnerId: partner.id,
          position: i + 1,
          productId: l.productId,
          seats: l.seats,
          unitAmountMinor: l.unitAmountMinor,
          discountedUnitAmountMinor: l.discountedUnitAmountMinor,
          lineTotalMinor: l.lineTotalMinor,
        })),
      )
      .returning();
    await tx.insert(auditEvents).values({
      actorUserId: partner.ownerId,
      actorLabel: `owner@${partner.slug}.test`,
      action: "order.created",
      subjectType: "license_order",
      subjectId: order!.id,
      partnerId: partner.id,
      after: {
        customerCompany: o.company,
        currency: o.currency,
        totalMinor: priced.totalMinor,
        paymentMethod: o.method,
      },
      at: createdAt,
    });
    if (!paidAt) continue;
    for (const [i, line] of lineRows.entries()) {
      const p = priced.lines[i]!.product;
      const id = randomUUID();
      const validUntil = p.termMonths ? addMonths(paidAt, p.termMonths) : null;
      const key = signLicense({
        licenseId: id,
        sku: p.sku,
        product: p.name,
        edition: p.edition,
        seats: line.seats,
        seatUnit: p.seatUnit,
        customer: { company: o.company, domain: o.domain },
        validFrom: paidAt.toISOString(),
        validUntil: validUntil?.toISOString() ?? null,
        issuedAt: paidAt.toISOString(),
      });
      const refunded = o.status === "refunded";
      await tx.insert(licenses).values({
        id,
        partnerId: partner.id,
        orderId: order!.id,
        orderLineId: line.id,
        productId: line.productId,
        customerCompany: o.company,
        customerDomain: o.domain,
        customerCountry: o.country,
        technicalContactEmail: o.contact[1],
        seats: line.seats,
        key,
        validFrom: paidAt,
        validUntil,
        status: refunded ? "revoked" : "active",
        revokedAt: refunded ? new Date(now - 20 * DAY) : null,
        revokedReason: refunded ? "Payment refunded." : null,
        createdAt: paidAt,
      });
    }
    await tx.insert(auditEvents).values({
      actorUserId: o.method === "invoice" ? opts.vendorAdminId : null,
      actorLabel: o.method === "invoice" ? "admin@vendor.test" : "stripe-webhook",
      action: "order.paid",
      subjectType: "license_order",
      subjectId: order!.id,
      partnerId: partner.id,
      after: { status: "fulfilled", reference: o.reference ?? pi, totalMinor: priced.totalMinor, currency: o.currency },
      at: paidAt,
    });
  }
}
