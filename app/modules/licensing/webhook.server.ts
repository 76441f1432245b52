/**
 * Stripe's events, applied exactly once (POST /webhooks/stripe verifies the
 * signature and calls handleStripeEvent).
 *
 * In ONE transaction: the event id is inserted into stripe_events (ON
 * CONFLICT DO NOTHING: a repeated delivery finds the row and changes
 * nothing; a concurrent one waits on the primary key until the first
 * commits), then its effect is applied and the row gets its outcome. The
 * order row is locked (FOR UPDATE) before any transition, and every
 * transition is a conditional UPDATE on the order's status, so two different
 * events for one order arriving at once (checkout.session.completed and
 * async_payment_succeeded) still issue one set of licenses. An effect that
 * throws rolls the event row back with it: Stripe's retry starts clean.
 *
 * - checkout.session.completed: fulfills when payment_status is "paid"
 *   (a delayed method, "unpaid", waits for async_payment_succeeded);
 * - checkout.session.async_payment_succeeded and invoice.paid: fulfill;
 * - checkout.session.async_payment_failed / checkout.session.expired: the
 *   order is marked payment_failed / checkout_expired (it can be paid again
 *   with a new checkout) and the partner is told;
 * - charge.refunded (in full): the order's licenses are revoked, the order is
 *   refunded and the partner is told; a partial refund is recorded only.
 * Amount and currency are checked against the order before fulfilling: a
 * mismatch is `rejected`, audited, and nothing is issued. The amount compared
 * is the session's subtotal (after our per-seat discount, before any tax
 * Stripe Tax adds), or its total when Stripe gives no subtotal.
 */
import { reevaluatePartnerTier } from "~/modules/tiers/evaluate.server";
import type Stripe from "stripe";
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "~db/client";
import { licenseOrders, licenses, stripeEvents, type LicenseOrder } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import { isUuid, orderUrl, STRIPE_ACTOR } from "./access.server";
import { fulfillOrder, lockOrder, notifyPartner } from "./fulfill.server";
import { PAYABLE_STATUSES, orderRef } from "./schemas";

export type StripeEventOutcome = "applied" | "duplicate" | "ignored" | "rejected";
export interface StripeEventResult {
  outcome: StripeEventOutcome;
  reason?: string;
  orderId?: string;
}

/** Applies one verified Stripe event at most once (see the file's comment). */
export async function handleStripeEvent(
  db: Db,
  event: Stripe.Event,
  opts: { now?: Date } = {},
): Promise<StripeEventResult> {
  const now = opts.now ?? new Date();
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(stripeEvents)
      .values({ eventId: event.id, type: event.type, outcome: "processing", receivedAt: now })
      .onConflictDoNothing({ target: stripeEvents.eventId })
      .returning({ eventId: stripeEvents.eventId });
    if (inserted.length === 0) return { outcome: "duplicate", reason: "event already received" } as StripeEventResult;
    const result = await apply(tx, event, now);
    await tx
      .update(stripeEvents)
      .set({ outcome: result.outcome, reason: result.reason ?? null, orderId: result.orderId ?? null })
      .where(eq(stripeEvents.eventId, event.id));
    return result;
  });
}

async function apply(tx: Db, event: Stripe.Event, now: Date): Promise<StripeEventResult> {
  const eventAt = new Date(event.created * 1000);
  switch (event.type) {
    case "checkout.session.completed": {
      const session = event.data.object;
      if (session.payment_status !== "paid") {
        return withOrder(tx, sessionOrderId(session), async (order) => ({
          outcome: "ignored",
          reason: `payment not complete (payment_status ${session.payment_status}): waiting for async_payment_succeeded`,
          orderId: order.id,
        }));
      }
      return withOrder(tx, sessionOrderId(session), (order) => paySession(tx, event, order, session, eventAt, now));
    }
    case "checkout.session.async_payment_succeeded": {
      const session = event.data.object;
      return withOrder(tx, sessionOrderId(session), (order) => paySession(tx, event, order, session, eventAt, now));
    }
    case "checkout.session.async_payment_failed":
    case "checkout.session.expired": {
      const session = event.data.object;
      const failed = event.type === "checkout.session.async_payment_failed";
      return withOrder(tx, sessionOrderId(session), (order) =>
        markUnpaid(tx, event.id, order, session.id, failed ? "payment_failed" : "checkout_expired", now),
      );
    }
    case "invoice.paid": {
      const invoice = event.data.object;
      const orderId = invoice.metadata?.order_id ?? null;
      return withOrder(tx, orderId, async (order) => {
        // Before tax, like a session's subtotal (a minimal invoice object may carry only its total).
        const mismatch = amountMismatch(
          order,
          invoice.currency,
          (invoice.subtotal as number | undefined) ?? invoice.total,
        );
        if (mismatch) return reject(tx, event, order, mismatch, now);
        return payOrder(tx, order, {
          eventAt,
          now,
          reference: `Stripe invoice ${invoice.number ?? invoice.id}`,
          stripeInvoiceId: invoice.id ?? null,
        });
      });
    }
    case "charge.refunded":
      return refund(tx, event, event.data.object, now);
    default:
      return { outcome: "ignored", reason: `event type ${event.type} is not used` };
  }
}

function sessionOrderId(session: Stripe.Checkout.Session): string | null {
  return session.metadata?.order_id ?? session.client_reference_id ?? null;
}

/** Runs `fn` with the order locked; an event naming no order of ours is ignored. */
async function withOrder(
  tx: Db,
  orderId: string | null,
  fn: (order: LicenseOrder) => Promise<StripeEventResult>,
): Promise<StripeEventResult> {
  if (!isUuid(orderId)) return { outcome: "ignored", reason: "no license order in the event's metadata" };
  // Cross-partner on purpose: Stripe acts for the vendor, the order id comes from our own metadata.
  const order = await lockOrder(tx, orderId);
  if (!order) return { outcome: "ignored", reason: `unknown order ${orderId}` };
  return fn(order);
}

/** A mismatch description, or null when `currency` and `amount` are the order's. */
function amountMismatch(order: LicenseOrder, currency: string | null, amount: number | null): string | null {
  if (!currency || currency.toUpperCase() !== order.currency) {
    return `currency ${currency?.toUpperCase() ?? "none"} does not match the order's ${order.currency}`;
  }
  if (amount !== order.totalMinor) {
    return `amount ${amount ?? "none"} does not match the order's total ${order.totalMinor} (minor units)`;
  }
  return null;
}

async function reject(
  tx: Db,
  event: Stripe.Event,
  order: LicenseOrder,
  reason: string,
  now: Date,
): Promise<StripeEventResult> {
  await recordAudit(tx, STRIPE_ACTOR, {
    action: "order.payment_rejected",
    subjectType: "license_order",
    subjectId: order.id,
    partnerId: order.partnerId,
    after: { eventId: event.id, type: event.type, reason, at: now.toISOString() },
  });
  return { outcome: "rejected", reason, orderId: order.id };
}

async function paySession(
  tx: Db,
  event: Stripe.Event,
  order: LicenseOrder,
  session: Stripe.Checkout.Session,
  eventAt: Date,
  now: Date,
): Promise<StripeEventResult> {
  const mismatch = amountMismatch(order, session.currency, session.amount_subtotal ?? session.amount_total);
  if (mismatch) return reject(tx, event, order, mismatch, now);
  const pi = typeof session.payment_intent === "string" ? session.payment_intent : (session.payment_intent?.id ?? null);
  return payOrder(tx, order, {
    eventAt,
    now,
    reference: `Stripe ${pi ?? session.id}`,
    stripePaymentIntentId: pi,
    event,
  });
}

async function payOrder(
  tx: Db,
  order: LicenseOrder,
  p: {
    eventAt: Date;
    now: Date;
    reference: string;
    stripePaymentIntentId?: string | null;
    stripeInvoiceId?: string | null;
    event?: Stripe.Event;
  },
): Promise<StripeEventResult> {
  if (order.status === "fulfilled" || order.status === "paid") {
    return { outcome: "ignored", reason: "order already fulfilled", orderId: order.id };
  }
  if (!(PAYABLE_STATUSES as readonly string[]).includes(order.status)) {
    // Money for an order that was cancelled or refunded: nothing is issued; the audit event asks for a refund.
    const reason = `payment received for an order that is ${order.status}: refund it`;
    await recordAudit(tx, STRIPE_ACTOR, {
      action: "order.payment_rejected",
      subjectType: "license_order",
      subjectId: order.id,
      partnerId: order.partnerId,
      after: { reason, reference: p.reference, eventId: p.event?.id ?? null },
    });
    return { outcome: "rejected", reason, orderId: order.id };
  }
  const result = await fulfillOrder(tx, order.id, {
    actor: STRIPE_ACTOR,
    now: p.now,
    paidAt: p.eventAt,
    reference: p.reference,
    stripePaymentIntentId: p.stripePaymentIntentId ?? null,
    stripeInvoiceId: p.stripeInvoiceId ?? null,
  });
  return result.fulfilled
    ? { outcome: "applied", reason: `fulfilled: ${result.licenseIds.length} license(s)`, orderId: order.id }
    : { outcome: "ignored", reason: "order no longer payable", orderId: order.id };
}

/**
 * A failed asynchronous payment or an expired checkout: the order (still
 * awaiting payment through this very session) is marked, audited and the
 * partner told; it can be paid again with a new checkout. An event about an
 * older session, or an order in another state, is ignored.
 */
async function markUnpaid(
  tx: Db,
  eventId: string,
  order: LicenseOrder,
  sessionId: string,
  status: "payment_failed" | "checkout_expired",
  now: Date,
): Promise<StripeEventResult> {
  if (order.stripeCheckoutSessionId && order.stripeCheckoutSessionId !== sessionId) {
    return { outcome: "ignored", reason: "about an earlier checkout session of the order", orderId: order.id };
  }
  const note =
    status === "payment_failed"
      ? "The payment failed at Stripe (the bank refused the delayed payment)."
      : "The checkout expired before it was paid.";
  const [changed] = await tx
    .update(licenseOrders)
    .set({ status, statusNote: note, updatedAt: now })
    .where(and(eq(licenseOrders.id, order.id), eq(licenseOrders.status, "awaiting_payment")))
    .returning({ id: licenseOrders.id });
  if (!changed) return { outcome: "ignored", reason: `order is ${order.status}`, orderId: order.id };
  await recordAudit(tx, STRIPE_ACTOR, {
    action: status === "payment_failed" ? "order.payment_failed" : "order.checkout_expired",
    subjectType: "license_order",
    subjectId: order.id,
    partnerId: order.partnerId,
    before: { status: "awaiting_payment" },
    after: { status, sessionId, eventId },
  });
  await notifyPartner(tx, {
    partnerId: order.partnerId,
    orderedBy: order.orderedBy,
    customerCompany: order.customerCompany,
    headline:
      status === "payment_failed"
        ? `payment of order ${orderRef(order.id)} failed`
        : `checkout of order ${orderRef(order.id)} expired`,
    message: `${note} Open the order to pay it again or cancel it.`,
    url: orderUrl(order.id),
    dedupeKey: `license-order:${order.id}:${status}:${eventId}`,
  });
  return { outcome: "applied", reason: status, orderId: order.id };
}

/**
 * charge.refunded: the order paid by this charge's payment intent is
 * refunded once refunded in full: its licenses are revoked (the online check
 * says so; keys already installed verify offline until their expiry), the
 * order is marked refunded, audited, and the partner told.
 */
async function refund(tx: Db, event: Stripe.Event, charge: Stripe.Charge, now: Date): Promise<StripeEventResult> {
  const pi = typeof charge.payment_intent === "string" ? charge.payment_intent : (charge.payment_intent?.id ?? null);
  let orderId: string | null = charge.metadata?.order_id ?? null;
  if (!isUuid(orderId) && pi) {
    const [row] = await tx
      .select({ id: licenseOrders.id })
      .from(licenseOrders)
      .where(eq(licenseOrders.stripePaymentIntentId, pi));
    orderId = row?.id ?? null;
  }
  return withOrder(tx, orderId, async (order) => {
    if (pi && order.stripePaymentIntentId && order.stripePaymentIntentId !== pi) {
      return reject(tx, event, order, "the refunded charge is not this order's payment", now);
    }
    if (charge.currency.toUpperCase() !== order.currency) {
      return reject(
        tx,
        event,
        order,
        `currency ${charge.currency.toUpperCase()} does not match the order's ${order.currency}`,
        now,
      );
    }
    if (!charge.refunded) {
      await recordAudit(tx, STRIPE_ACTOR, {
        action: "order.partially_refunded",
        subjectType: "license_order",
        subjectId: order.id,
        partnerId: order.partnerId,
        after: { amountRefunded: charge.amount_refunded, eventId: event.id },
      });
      return { outcome: "ignored", reason: "partial refund: the licenses stay active", orderId: order.id };
    }
    const [changed] = await tx
      .update(licenseOrders)
      .set({ status: "refunded", refundedAt: now, statusNote: "Payment refunded.", updatedAt: now })
      .where(and(eq(licenseOrders.id, order.id), inArray(licenseOrders.status, ["fulfilled", "paid"])))
      .returning({ id: licenseOrders.id });
    if (!changed) return { outcome: "ignored", reason: `order is ${order.status}`, orderId: order.id };
    const revoked = await tx
      .update(licenses)
      .set({ status: "revoked", revokedAt: now, revokedReason: "Payment refunded." })
      .where(and(eq(licenses.orderId, order.id), inArray(licenses.status, ["active", "expired"])))
      .returning({ id: licenses.id });
    await recordAudit(tx, STRIPE_ACTOR, {
      action: "order.refunded",
      subjectType: "license_order",
      subjectId: order.id,
      partnerId: order.partnerId,
      before: { status: order.status },
      after: { status: "refunded", amountRefunded: charge.amount_refunded, eventId: event.id },
    });
    for (const l of revoked) {
      await recordAudit(tx, STRIPE_ACTOR, {
        action: "license.revoked",
        subjectType: "license",
        subjectId: l.id,
        partnerId: order.partnerId,
        after: { status: "revoked", reason: "Payment refunded.", orderId: order.id },
      });
    }
    await notifyPartner(tx, {
      partnerId: order.partnerId,
      orderedBy: order.orderedBy,
      customerCompany: order.customerCompany,
      headline: `order ${orderRef(order.id)} refunded`,
      message:
        `The payment was refunded, so the order's ${revoked.length} license${revoked.length === 1 ? " is" : "s are"} revoked. ` +
        "Installed keys stop passing the online license check.",
      url: orderUrl(order.id),
      dedupeKey: `license-order:${order.id}:refunded`,
      critical: true,
    });
    // The refunded order no longer counts toward license revenue (a downgrade waits out the grace period).
    await reevaluatePartnerTier(tx, { partnerId: order.partnerId, at: now, reason: "order-refunded" });
    return { outcome: "applied", reason: `refunded: ${revoked.length} license(s) revoked`, orderId: order.id };
  });
}
