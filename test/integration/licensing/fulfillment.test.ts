/**
 * Stripe's events applied to card orders against PostgreSQL (Stripe
 * configured in this file; events are built as Stripe.Event objects, the
 * signature and HTTP are the webhook route's tests): exactly once under
 * repeated, concurrent and out-of-order delivery, amount and currency
 * checked, an unpaid completion waiting, expiry and failure marking the
 * order, a refund revoking the licenses, money after a cancellation refused.
 */
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { licenseOrders } from "~db/schema";
import { cancelOrder, createOrder, markOrderPaid } from "~/modules/licensing/orders.server";
import { handleStripeEvent, type StripeEventResult } from "~/modules/licensing/webhook.server";
import { createUser, setupTestDb, type TestUser } from "../../support/factories";
import {
  auditActions,
  licensesOf,
  licensingPartner,
  licensingTestEnv,
  mailsLike,
  orderInput,
  orderRow,
  refundEvent,
  sessionEvent,
  stripeEventRow,
  type LicensingPartner,
} from "../../support/licensing-factories";

licensingTestEnv({ stripe: true });
const db = setupTestDb();

let vendorAdmin: TestUser;
let reseller: LicensingPartner;
beforeAll(async () => {
  vendorAdmin = await createUser(db(), { role: "vendor_admin" });
  reseller = await licensingPartner(db(), { tier: "gold", invoiceTerms: true });
});

const as = (u: TestUser) => ({ userId: u.id, label: u.email, role: u.role, partnerId: u.partnerId, ip: null });

/** A card order with two lines, awaiting payment through a known checkout session. */
async function cardOrder() {
  const input = await orderInput(db(), {
    paymentMethod: "card",
    currency: "USD",
    lines: [
      { sku: "MSE-ADV-12", seats: 120 },
      { sku: "ASG-12", seats: 2 },
    ],
  });
  const created = await createOrder(db(), { actor: as(reseller.seller), input });
  return { ...(await orderRow(db(), created.id)), input };
}

const outcomes = (results: StripeEventResult[]) => results.map((r) => r.outcome).sort();

describe("fulfillment on Stripe's events", () => {
  it("checkout.session.completed (paid) fulfills: licenses, mails, audit, the event recorded", async () => {
    const order = await cardOrder();
    const event = sessionEvent("checkout.session.completed", order);
    const result = await handleStripeEvent(db(), event);
    expect(result).toMatchObject({ outcome: "applied", orderId: order.id });
    const row = await orderRow(db(), order.id);
    expect(row.status).toBe("fulfilled");
    expect(row.stripePaymentIntentId).toMatch(/^pi_test_/);
    expect(await licensesOf(db(), order.id)).toHaveLength(2);
    const mails = await mailsLike(db(), `license-keys:${order.id}`);
    expect(mails.map((m) => m.dedupeKey)).toEqual([
      `license-keys:${order.id}:customer`,
      `license-keys:${order.id}:partner`,
    ]);
    expect(await stripeEventRow(db(), event.id)).toMatchObject({ outcome: "applied", orderId: order.id });
    expect((await auditActions(db(), reseller.partner.id, "order.paid")).map((a) => a.subjectId)).toContain(order.id);
  });

  it("every event three times, concurrently and out of order, gives one set of licenses and one mail per recipient", async () => {
    const order = await cardOrder();
    const succeeded = sessionEvent("checkout.session.async_payment_succeeded", order);
    const completed = sessionEvent("checkout.session.completed", order);
    // async_payment_succeeded first, then both at once, each delivered three times.
    const first = await Promise.all([0, 1, 2].map(() => handleStripeEvent(db(), succeeded)));
    expect(outcomes(first)).toEqual(["applied", "duplicate", "duplicate"]);
    const rest = await Promise.all([
      ...[0, 1, 2].map(() => handleStripeEvent(db(), completed)),
      ...[0, 1, 2].map(() => handleStripeEvent(db(), succeeded)),
    ]);
    expect(outcomes(rest)).toEqual(["duplicate", "duplicate", "duplicate", "duplicate", "duplicate", "ignored"]);
    expect(await licensesOf(db(), order.id)).toHaveLength(2);
    const mails = await mailsLike(db(), `license-keys:${order.id}`);
    expect(mails).toHaveLength(2);
    const everyRecipient = mails.flatMap((m) => m.to);
    expect(everyRecipient.sort()).toEqual(
      [order.input.technicalContactEmail as string, reseller.admin.email, reseller.seller.email].sort(),
    );
  });

  it("completed and async_payment_succeeded arriving at the same moment, three times each, fulfill once", async () => {
    const order = await cardOrder();
    const completed = sessionEvent("checkout.session.completed", order);
    const succeeded = sessionEvent("checkout.session.async_payment_succeeded", order);
    const results = await Promise.all(
      [completed, succeeded, completed, succeeded, completed, succeeded].map((e) => handleStripeEvent(db(), e)),
    );
    expect(outcomes(results)).toEqual(["applied", "duplicate", "duplicate", "duplicate", "duplicate", "ignored"]);
    expect(await licensesOf(db(), order.id)).toHaveLength(2);
    expect(await mailsLike(db(), `license-keys:${order.id}`)).toHaveLength(2);
    expect(
      (await auditActions(db(), reseller.partner.id, "order.paid")).filter((a) => a.subjectId === order.id),
    ).toHaveLength(1);
  });

  it("a completed checkout whose payment is still pending does not fulfill; async success later does", async () => {
    const order = await cardOrder();
    const pending = await handleStripeEvent(
      db(),
      sessionEvent("checkout.session.completed", order, { payment_status: "unpaid" }),
    );
    expect(pending.outcome).toBe("ignored");
    expect((await orderRow(db(), order.id)).status).toBe("awaiting_payment");
    expect(await licensesOf(db(), order.id)).toHaveLength(0);
    expect(await mailsLike(db(), `license-keys:${order.id}`)).toHaveLength(0);
    expect(
      (await handleStripeEvent(db(), sessionEvent("checkout.session.async_payment_succeeded", order))).outcome,
    ).toBe("applied");
    expect(await licensesOf(db(), order.id)).toHaveLength(2);
  });

  it("refuses an amount or currency that is not the order's: rejected, audited, nothing issued", async () => {
    const order = await cardOrder();
    const lower = await handleStripeEvent(
      db(),
      sessionEvent("checkout.session.completed", order, {
        amount_subtotal: order.totalMinor - 100,
        amount_total: order.totalMinor - 100,
      }),
    );
    expect(lower).toMatchObject({ outcome: "rejected", orderId: order.id });
    expect(lower.reason).toMatch(/amount/);
    const euros = await handleStripeEvent(db(), sessionEvent("checkout.session.completed", order, { currency: "eur" }));
    expect(euros).toMatchObject({ outcome: "rejected" });
    expect(euros.reason).toMatch(/currency/);
    expect((await orderRow(db(), order.id)).status).toBe("awaiting_payment");
    expect(await licensesOf(db(), order.id)).toHaveLength(0);
    expect(
      (await auditActions(db(), reseller.partner.id, "order.payment_rejected")).filter((a) => a.subjectId === order.id),
    ).toHaveLength(2);
  });

  it("an expired checkout marks the order (and it can be paid later); an earlier session's expiry is ignored", async () => {
    const created = await cardOrder();
    // The order's current checkout session (startCheckout stores it).
    await db()
      .update(licenseOrders)
      .set({ stripeCheckoutSessionId: "cs_test_current" })
      .where(eq(licenseOrders.id, created.id));
    const order = { ...created, stripeCheckoutSessionId: "cs_test_current" };
    const stale = await handleStripeEvent(
      db(),
      sessionEvent("checkout.session.expired", { ...order, stripeCheckoutSessionId: "cs_test_earlier" }),
    );
    expect(stale.outcome).toBe("ignored");
    expect((await orderRow(db(), order.id)).status).toBe("awaiting_payment");
    expect((await handleStripeEvent(db(), sessionEvent("checkout.session.expired", order))).outcome).toBe("applied");
    expect(await orderRow(db(), order.id)).toMatchObject({ status: "checkout_expired" });
    expect(await mailsLike(db(), `license-order:${order.id}:checkout_expired`)).toHaveLength(1);
    // Money still arrives for it (a payment made just before the expiry): fulfilled.
    expect(
      (await handleStripeEvent(db(), sessionEvent("checkout.session.async_payment_succeeded", order))).outcome,
    ).toBe("applied");
    expect((await orderRow(db(), order.id)).status).toBe("fulfilled");
  });

  it("an async payment failure marks the order payment_failed and tells the partner", async () => {
    const order = await cardOrder();
    const event = sessionEvent("checkout.session.async_payment_failed", order);
    expect((await handleStripeEvent(db(), event)).outcome).toBe("applied");
    expect((await handleStripeEvent(db(), event)).outcome).toBe("duplicate");
    expect(await orderRow(db(), order.id)).toMatchObject({ status: "payment_failed" });
    const mails = await mailsLike(db(), `license-order:${order.id}:payment_failed`);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.to).toEqual([reseller.admin.email, reseller.seller.email].sort());
  });

  it("a full refund revokes the order's licenses, marks it refunded and tells the partner, once", async () => {
    const order = await cardOrder();
    await handleStripeEvent(db(), sessionEvent("checkout.session.completed", order));
    const pi = (await orderRow(db(), order.id)).stripePaymentIntentId!;
    const partial = await handleStripeEvent(db(), refundEvent(order, pi, { refunded: false, amount_refunded: 100 }));
    expect(partial.outcome).toBe("ignored");
    expect((await licensesOf(db(), order.id)).every((l) => l.status === "active")).toBe(true);

    const full = refundEvent(order, pi);
    const results = await Promise.all([
      handleStripeEvent(db(), full),
      handleStripeEvent(db(), full),
      handleStripeEvent(db(), refundEvent(order, pi)),
    ]);
    expect(outcomes(results)).toEqual(["applied", "duplicate", "ignored"]);
    expect(await orderRow(db(), order.id)).toMatchObject({ status: "refunded" });
    const revoked = await licensesOf(db(), order.id);
    expect(revoked.map((l) => [l.status, l.revokedReason])).toEqual([
      ["revoked", "Payment refunded."],
      ["revoked", "Payment refunded."],
    ]);
    expect(await mailsLike(db(), `license-order:${order.id}:refunded`)).toHaveLength(1);
    expect(
      (await auditActions(db(), reseller.partner.id, "license.revoked")).filter((a) =>
        revoked.some((l) => l.id === a.subjectId),
      ),
    ).toHaveLength(2);
  });

  it("money for a cancelled order is refused and audited for a refund; nothing is issued", async () => {
    const order = await cardOrder();
    await cancelOrder(db(), { actor: as(reseller.seller), orderId: order.id });
    const result = await handleStripeEvent(db(), sessionEvent("checkout.session.completed", order));
    expect(result).toMatchObject({ outcome: "rejected" });
    expect(result.reason).toMatch(/refund/);
    expect(await licensesOf(db(), order.id)).toHaveLength(0);
  });

  it("ignores events that are not about a license order", async () => {
    const order = await cardOrder();
    const foreign = sessionEvent("checkout.session.completed", order, { metadata: {}, client_reference_id: null });
    expect(await handleStripeEvent(db(), foreign)).toMatchObject({ outcome: "ignored" });
    expect(await stripeEventRow(db(), foreign.id)).toMatchObject({ outcome: "ignored" });
    const other = { ...foreign, id: `${foreign.id}_x`, type: "customer.created" } as unknown as typeof foreign;
    expect((await handleStripeEvent(db(), other)).outcome).toBe("ignored");
  });

  it("a card order is not marked paid by hand (invoice orders are)", async () => {
    const order = await cardOrder();
    await expect(
      markOrderPaid(db(), { actor: as(vendorAdmin), orderId: order.id, input: { reference: "manual" } }),
    ).rejects.toThrow(/Card orders/);
  });
});
