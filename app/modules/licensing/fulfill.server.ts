/**
 * Fulfillment: an order's payment turns into its licenses, exactly once.
 *
 * `fulfillOrder` runs in the caller's transaction (the Stripe event's, or the
 * vendor admin's "mark paid"), after the caller locked the order row (SELECT
 * … FOR UPDATE). Its UPDATE is conditional on the order still being payable,
 * so however many events (or people) try at once, one changes the row and
 * issues the licenses; the others see it fulfilled. A unique index on
 * licenses.order_line_id backs the rule up. In the same transaction: one
 * license per line with its signed key, the audit events (`order.paid`,
 * `license.issued`), the linked deal registration marked won, and the key
 * mails (critical) to the partner's people and to the end customer's
 * technical contact, each with a stable dedupe key.
 */
import { partnerScope, scopeWhere } from "~/modules/partners/scope.server";
import { seatsText } from "./pricing";
import { reevaluatePartnerTier } from "~/modules/tiers/evaluate.server";
import { randomUUID } from "node:crypto";
import { and, asc, eq, inArray, or } from "drizzle-orm";
import type { Db } from "~db/client";
import {
  deals,
  licenseOrderLines,
  licenseOrders,
  licenses,
  partners,
  products,
  users,
  type LicenseOrder,
} from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import type { Actor } from "~/modules/auth/actor";
import { recordDealChange } from "~/modules/deals/changes.server";
import { formatAmount } from "~/modules/deals/lifecycle-schemas";
import { closePendingExtension } from "~/modules/deals/lifecycle.server";
import { enqueueMail } from "~/modules/mail/enqueue.server";
import type { Recipient } from "~/modules/mail/transports.server";
import { orderUrl, verifyPageUrl } from "./access.server";
import { signLicense } from "./keys.server";
import { PAYABLE_STATUSES, orderRef, type Currency } from "./schemas";

type AuditActor = Pick<Actor, "userId" | "label" | "ip">;

export interface FulfillOptions {
  actor: AuditActor;
  now: Date;
  /** When the money arrived (Stripe's event time, or the vendor's "mark paid"). */
  paidAt: Date;
  /** The vendor's payment reference, or Stripe's payment intent / invoice number. */
  reference: string | null;
  stripePaymentIntentId?: string | null;
  stripeInvoiceId?: string | null;
}

export interface Fulfilled {
  fulfilled: boolean;
  licenseIds: string[];
}

/** `d` plus `months` calendar months (UTC), the day clamped to the target month's last day (31 Jan + 1 → 28/29 Feb). */
export function addMonths(d: Date, months: number): Date {
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(
    Date.UTC(
      y,
      m,
      Math.min(d.getUTCDate(), lastDay),
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
      d.getUTCMilliseconds(),
    ),
  );
}

export const mailDay = (d: Date) => new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: "UTC" }).format(d);

/** The partner's people told about an order: its active partner admins and whoever ordered (if still active there). */
export async function orderRecipients(tx: Db, partnerId: string, orderedBy: string | null): Promise<Recipient[]> {
  const rows = await tx
    .select({ email: users.email, name: users.name })
    .from(users)
    .where(
      and(
        eq(users.partnerId, partnerId),
        eq(users.status, "active"),
        or(eq(users.role, "partner_admin"), orderedBy ? eq(users.id, orderedBy) : undefined),
      ),
    )
    .orderBy(asc(users.email));
  return rows.map((r) => ({ address: r.email, name: r.name }));
}

/**
 * A license notice (order cancelled, payment failed, refunded, license
 * revoked) to the partner's admins and whoever ordered, queued in the
 * caller's transaction once per dedupe key.
 */
export async function notifyPartner(
  tx: Db,
  n: {
    partnerId: string;
    orderedBy: string | null;
    customerCompany: string;
    headline: string;
    message: string;
    url: string;
    dedupeKey: string;
    critical?: boolean;
  },
): Promise<void> {
  const to = await orderRecipients(tx, n.partnerId, n.orderedBy);
  if (to.length === 0) return;
  await enqueueMail(tx, {
    to,
    template: "license-notice",
    data: {
      partnerName: await partnerNameOf(tx, n.partnerId),
      customerCompany: n.customerCompany,
      headline: n.headline,
      message: n.message,
      url: n.url,
    },
    dedupeKey: n.dedupeKey,
    critical: n.critical ?? false,
    partnerId: n.partnerId,
  });
}

export async function partnerNameOf(tx: Db, partnerId: string): Promise<string> {
  const [p] = await tx.select({ name: partners.name }).from(partners).where(eq(partners.id, partnerId));
  return p?.name ?? "your company";
}

/**
 * Marks a locked, payable order paid and fulfilled and issues its licenses
 * (see the file's comment). Returns fulfilled: false when the order was not
 * payable any more (already fulfilled, cancelled, refunded): nothing changed.
 */
export async function fulfillOrder(tx: Db, orderId: string, opts: FulfillOptions): Promise<Fulfilled> {
  const [order] = await tx
    .update(licenseOrders)
    .set({
      status: "fulfilled",
      paidAt: opts.paidAt,
      fulfilledAt: opts.now,
      paidReference: opts.reference,
      ...(opts.stripePaymentIntentId ? { stripePaymentIntentId: opts.stripePaymentIntentId } : {}),
      ...(opts.stripeInvoiceId ? { stripeInvoiceId: opts.stripeInvoiceId } : {}),
      statusNote: null,
      updatedAt: opts.now,
    })
    .where(and(eq(licenseOrders.id, orderId), inArray(licenseOrders.status, [...PAYABLE_STATUSES])))
    .returning();
  if (!order) return { fulfilled: false, licenseIds: [] };

  const lines = await tx
    .select({
      id: licenseOrderLines.id,
      productId: licenseOrderLines.productId,
      seats: licenseOrderLines.seats,
      sku: products.sku,
      name: products.name,
      edition: products.edition,
      termMonths: products.termMonths,
      seatUnit: products.seatUnit,
    })
    .from(licenseOrderLines)
    .innerJoin(products, eq(products.id, licenseOrderLines.productId))
    .where(eq(licenseOrderLines.orderId, order.id))
    .orderBy(asc(licenseOrderLines.position));

  // A renewal continues from the renewed license's end when that is still ahead (paid early, nothing is lost).
  let renewedEnd: { productId: string; until: Date } | null = null;
  if (order.renewalOfLicenseId) {
    const [old] = await tx
      .select({ productId: licenses.productId, validUntil: licenses.validUntil })
      .from(licenses)
      .where(scopeWhere(partnerScope(order.partnerId), licenses, eq(licenses.id, order.renewalOfLicenseId)));
    if (old?.validUntil && old.validUntil > opts.paidAt)
      renewedEnd = { productId: old.productId, until: old.validUntil };
  }

  const issuedAt = opts.now.toISOString();
  const issued = lines.map((l) => {
    const id = randomUUID();
    const validFrom = renewedEnd && renewedEnd.productId === l.productId ? renewedEnd.until : opts.paidAt;
    const validUntil = l.termMonths ? addMonths(validFrom, l.termMonths) : null;
    const key = signLicense({
      licenseId: id,
      sku: l.sku,
      product: l.name,
      edition: l.edition,
      seats: l.seats,
      seatUnit: l.seatUnit,
      customer: { company: order.customerCompany, domain: order.customerDomain },
      validFrom: validFrom.toISOString(),
      validUntil: validUntil ? validUntil.toISOString() : null,
      issuedAt,
    });
    return { line: l, row: { id, validFrom, validUntil, key } };
  });
  await tx.insert(licenses).values(
    issued.map(({ line, row }) => ({
      id: row.id,
      partnerId: order.partnerId,
      orderId: order.id,
      orderLineId: line.id,
      productId: line.productId,
      customerCompany: order.customerCompany,
      customerDomain: order.customerDomain,
      customerCountry: order.customerCountry,
      technicalContactEmail: order.technicalContactEmail,
      seats: line.seats,
      key: row.key,
      validFrom: row.validFrom,
      validUntil: row.validUntil,
      status: "active" as const,
      createdAt: opts.now,
    })),
  );

  await recordAudit(tx, opts.actor, {
    action: "order.paid",
    subjectType: "license_order",
    subjectId: order.id,
    partnerId: order.partnerId,
    before: { status: "awaiting_payment" },
    after: {
      status: "fulfilled",
      reference: opts.reference,
      totalMinor: order.totalMinor,
      currency: order.currency,
      paidAt: opts.paidAt.toISOString(),
    },
  });
  for (const { line, row } of issued) {
    await recordAudit(tx, opts.actor, {
      action: "license.issued",
      subjectType: "license",
      subjectId: row.id,
      partnerId: order.partnerId,
      after: {
        orderId: order.id,
        sku: line.sku,
        seats: line.seats,
        customerDomain: order.customerDomain,
        validFrom: row.validFrom.toISOString(),
        validUntil: row.validUntil?.toISOString() ?? null,
      },
    });
  }

  if (order.dealId) await markLinkedDealWon(tx, order, opts);
  await queueKeyMails(tx, order, { kind: "delivery" });
  // The paid order counts toward the partner's license revenue: its tier follows at once.
  await reevaluatePartnerTier(tx, { partnerId: order.partnerId, at: opts.now, reason: "order-paid" });
  return { fulfilled: true, licenseIds: issued.map((i) => i.row.id) };
}

/** The partner's approved registration of this customer is won by the paid order (once: only while approved). */
async function markLinkedDealWon(tx: Db, order: LicenseOrder, opts: FulfillOptions): Promise<void> {
  const [deal] = await tx
    .update(deals)
    .set({ status: "won", closedAt: opts.now, updatedAt: opts.now })
    .where(scopeWhere(partnerScope(order.partnerId), deals, eq(deals.id, order.dealId!), eq(deals.status, "approved")))
    .returning();
  if (!deal) return;
  // The deal's final value is the order's when they are in the same currency.
  if (deal.currency === order.currency) {
    await tx.update(deals).set({ finalValueMinor: order.totalMinor }).where(eq(deals.id, deal.id));
  }
  const closed = await closePendingExtension(tx, deal.id, opts.now, "Closed: the deal was won.");
  const paid = formatAmount(order.totalMinor, order.currency as Currency);
  await recordDealChange(tx, deal, {
    kind: "won",
    note: `Licenses ordered and paid: order ${orderRef(order.id)}, ${paid}.`,
    at: opts.now,
    actor: opts.actor,
    audit: {
      before: { status: "approved" },
      after: {
        status: "won",
        orderId: order.id,
        totalMinor: order.totalMinor,
        currency: order.currency,
        extensionClosed: closed,
      },
    },
    partnerMail: {
      headline: "won: licenses paid",
      message: `Order ${orderRef(order.id)} (${paid}) for this customer was paid, so the registration is marked won.`,
    },
    reviewerMail: { headline: "Deal won (licenses paid)", message: `Order ${orderRef(order.id)}, ${paid}.` },
  });
}

export type KeyMailTarget = "partner" | "customer";

/**
 * Queues the key mails of a fulfilled order with its active licenses: to the
 * partner's people (admins and whoever ordered) and to the end customer's
 * technical contact. A delivery is keyed `license-keys:<order>:<target>` (a
 * repeated fulfillment never queues it twice); a resend carries its request
 * id (`license-keys:<order>:<target>:resend:<request>`) and may carry one
 * license's key only. Returns the number of messages queued.
 */
export async function queueKeyMails(
  tx: Db,
  order: LicenseOrder,
  opts: { kind: "delivery" } | { kind: "resend"; requestId: string; targets: KeyMailTarget[]; licenseId?: string },
): Promise<number> {
  const rows = await tx
    .select({
      key: licenses.key,
      seats: licenses.seats,
      validUntil: licenses.validUntil,
      name: products.name,
      edition: products.edition,
      seatUnit: products.seatUnit,
    })
    .from(licenses)
    .innerJoin(products, eq(products.id, licenses.productId))
    .innerJoin(licenseOrderLines, eq(licenseOrderLines.id, licenses.orderLineId))
    .where(
      and(
        eq(licenses.orderId, order.id),
        eq(licenses.status, "active"),
        opts.kind === "resend" && opts.licenseId ? eq(licenses.id, opts.licenseId) : undefined,
      ),
    )
    .orderBy(asc(licenseOrderLines.position));
  if (rows.length === 0) return 0;
  const partnerName = await partnerNameOf(tx, order.partnerId);
  const list = rows.map((r) => ({
    product: `${r.name} ${r.edition}`,
    seats: seatsText(r.seats, r.seatUnit),
    validUntil: r.validUntil ? `valid until ${mailDay(r.validUntil)}` : "perpetual",
    key: r.key,
  }));
  const targets: KeyMailTarget[] = opts.kind === "delivery" ? ["partner", "customer"] : opts.targets;
  const suffix = opts.kind === "delivery" ? "" : `:resend:${opts.requestId}`;
  let queued = 0;
  for (const target of targets) {
    const to: Recipient[] =
      target === "partner"
        ? await orderRecipients(tx, order.partnerId, order.orderedBy)
        : [{ address: order.technicalContactEmail, name: order.technicalContactName }];
    if (to.length === 0) continue;
    await enqueueMail(tx, {
      to,
      template: "license-keys",
      data: {
        audience: target,
        partnerName,
        customerCompany: order.customerCompany,
        orderRef: orderRef(order.id),
        licenses: list,
        orderUrl: target === "partner" ? orderUrl(order.id) : null,
        verifyUrl: verifyPageUrl(),
        resent: opts.kind === "resend",
      },
      dedupeKey: `license-keys:${order.id}:${target}${suffix}`,
      critical: true,
      partnerId: order.partnerId,
    });
    queued++;
  }
  return queued;
}

/** Locks an order row for a change (no scope: callers scope first, or act for Stripe/the vendor explicitly). */
export async function lockOrder(tx: Db, orderId: string): Promise<LicenseOrder | undefined> {
  const [row] = await tx.select().from(licenseOrders).where(eq(licenseOrders.id, orderId)).for("update");
  return row;
}
