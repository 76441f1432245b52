/**
 * The Stripe calls of the licensing module against the local Stripe stub
 * (the real SDK): card checkout built from the stored order (discounted
 * price per seat × seats, order id in the metadata, one idempotency key per
 * attempt: asking again answers the same session; a new attempt after an
 * expiry makes a new one), and invoice billing through a Stripe Invoice
 * whose `invoice.paid` event fulfills the order.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { billOrderByStripeInvoice, createOrder, startCheckout } from "~/modules/licensing/orders.server";
import { handleStripeEvent } from "~/modules/licensing/webhook.server";
import { createUser, setupTestDb, type TestUser } from "../../support/factories";
import {
  licensesOf,
  licensingPartner,
  licensingTestEnv,
  orderInput,
  orderRow,
  setupStripeStub,
  type LicensingPartner,
} from "../../support/licensing-factories";
import { checkoutEvent, invoicePaidEvent } from "../../support/stripe-stub";

licensingTestEnv();
const db = setupTestDb();

const stub = setupStripeStub();
let vendorAdmin: TestUser;
let reseller: LicensingPartner;
beforeAll(async () => {
  vendorAdmin = await createUser(db(), { role: "vendor_admin" });
  reseller = await licensingPartner(db(), { tier: "gold", invoiceTerms: true });
});

const as = (u: TestUser) => ({ userId: u.id, label: u.email, role: u.role, partnerId: u.partnerId, ip: null });

describe("Stripe calls", () => {
  it("starts checkout from the stored order, once per attempt", async () => {
    const order = await createOrder(db(), {
      actor: as(reseller.seller),
      input: await orderInput(db(), {
        paymentMethod: "card",
        currency: "JPY",
        lines: [
          { sku: "MSE-STD-12", seats: 50 }, // ¥3,300 − 30 % = ¥2,310
          { sku: "SRL-PERP", seats: 1 }, // ¥660,000 − 30 % = ¥462,000
        ],
      }),
    });
    const first = await startCheckout(db(), {
      actor: as(reseller.seller),
      orderId: order.id,
      baseUrl: "https://portal.test",
    });
    const again = await startCheckout(db(), {
      actor: as(reseller.seller),
      orderId: order.id,
      baseUrl: "https://portal.test",
    });
    expect(again.sessionId).toBe(first.sessionId);
    expect(stub().sessions).toHaveLength(1);
    const session = stub().session(first.sessionId);
    expect(session.lineItems.map((l) => [l.currency, l.unitAmount, l.quantity])).toEqual([
      ["jpy", 2310, 50],
      ["jpy", 462_000, 1],
    ]);
    expect(session.amount_total).toBe(order.totalMinor);
    expect(session.metadata).toMatchObject({ order_id: order.id });
    expect(session.idempotencyKey).toBe(`license-order:${order.id}:checkout:1`);
    expect((await orderRow(db(), order.id)).stripeCheckoutSessionId).toBe(first.sessionId);

    // The checkout expires; paying again is a new attempt with a new session.
    expect((await handleStripeEvent(db(), checkoutEvent(session, "expired"))).outcome).toBe("applied");
    const retry = await startCheckout(db(), {
      actor: as(reseller.seller),
      orderId: order.id,
      baseUrl: "https://portal.test",
    });
    expect(retry.sessionId).not.toBe(first.sessionId);
    expect(stub().session(retry.sessionId).idempotencyKey).toBe(`license-order:${order.id}:checkout:2`);
    expect((await orderRow(db(), order.id)).status).toBe("awaiting_payment");
    expect((await handleStripeEvent(db(), checkoutEvent(stub().session(retry.sessionId), "completed"))).outcome).toBe(
      "applied",
    );
    expect(await licensesOf(db(), order.id)).toHaveLength(2);
  });

  it("bills an invoice order through a Stripe Invoice; invoice.paid fulfills it", async () => {
    const order = await createOrder(db(), {
      actor: as(reseller.seller),
      input: await orderInput(db(), { paymentMethod: "invoice", currency: "EUR" }),
    });
    const billed = await billOrderByStripeInvoice(db(), { actor: as(vendorAdmin), orderId: order.id });
    const invoice = stub().invoices.find((i) => i.id === billed.invoiceId)!;
    expect(invoice.metadata).toMatchObject({ order_id: order.id });
    expect((await orderRow(db(), order.id)).stripeInvoiceId).toBe(billed.invoiceId);
    const result = await handleStripeEvent(db(), invoicePaidEvent(invoice));
    expect(result.outcome).toBe("applied");
    expect(await orderRow(db(), order.id)).toMatchObject({ status: "fulfilled" });
    expect(await licensesOf(db(), order.id)).toHaveLength(1);
  });
});
