/**
 * STRIPE_AUTOMATIC_TAX=on: the portal asks Stripe Tax for tax on top of its
 * tax-exclusive prices, and never computes tax itself. The stub adds 10 %
 * (STUB_TAX_RATE) as Stripe would; the order's total is compared with the
 * amount before tax, so a taxed payment fulfills the order and a full
 * refund (tax included) revokes it.
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
import { chargeRefundedEvent, checkoutEvent, invoicePaidEvent, STUB_TAX_RATE } from "../../support/stripe-stub";

process.env.STRIPE_AUTOMATIC_TAX = "on"; // before anything reads the environment
licensingTestEnv();
const db = setupTestDb();

const stub = setupStripeStub();
let vendorAdmin: TestUser;
let reseller: LicensingPartner;
beforeAll(async () => {
  vendorAdmin = await createUser(db(), { role: "vendor_admin" });
  reseller = await licensingPartner(db(), { tier: "silver", invoiceTerms: true, country: "AU" });
});

const as = (u: TestUser) => ({ userId: u.id, label: u.email, role: u.role, partnerId: u.partnerId, ip: null });

describe("Stripe Tax on", () => {
  it("checkout asks for automatic tax on tax-exclusive lines; the taxed payment fulfills, a full refund revokes", async () => {
    const order = await createOrder(db(), {
      actor: as(reseller.seller),
      input: await orderInput(db(), { paymentMethod: "card", currency: "AUD" }),
    });
    const { sessionId } = await startCheckout(db(), {
      actor: as(reseller.seller),
      orderId: order.id,
      baseUrl: "https://portal.test",
    });
    const session = stub().session(sessionId);
    expect(session.params.automatic_tax).toEqual({ enabled: "true" });
    expect(session.lineItems.length).toBeGreaterThan(0);
    for (const item of session.params.line_items as { price_data: Record<string, unknown> }[]) {
      expect(item.price_data.tax_behavior).toBe("exclusive");
    }
    const tax = Math.round(order.totalMinor * STUB_TAX_RATE);
    expect(tax).toBeGreaterThan(0);
    expect(session.amount_subtotal).toBe(order.totalMinor);
    expect(session.amount_total).toBe(order.totalMinor + tax);

    expect((await handleStripeEvent(db(), checkoutEvent(session, "completed"))).outcome).toBe("applied");
    expect(await orderRow(db(), order.id)).toMatchObject({ status: "fulfilled", totalMinor: order.totalMinor });
    expect(await licensesOf(db(), order.id)).toHaveLength(1);

    expect((await handleStripeEvent(db(), chargeRefundedEvent(session))).outcome).toBe("applied");
    expect(await orderRow(db(), order.id)).toMatchObject({ status: "refunded" });
    expect((await licensesOf(db(), order.id)).map((l) => l.status)).toEqual(["revoked"]);
  });

  it("a Stripe invoice asks for automatic tax, places the partner in its country, and its taxed payment fulfills", async () => {
    const order = await createOrder(db(), {
      actor: as(reseller.seller),
      input: await orderInput(db(), { paymentMethod: "invoice", currency: "AUD" }),
    });
    const billed = await billOrderByStripeInvoice(db(), { actor: as(vendorAdmin), orderId: order.id });
    const invoice = stub().invoices.find((i) => i.id === billed.invoiceId)!;
    expect(invoice.automatic_tax).toEqual({ enabled: true, status: "complete" });
    expect(invoice.subtotal).toBe(order.totalMinor);
    expect(invoice.total).toBe(order.totalMinor + Math.round(order.totalMinor * STUB_TAX_RATE));
    expect(stub().customers.find((c) => c.id === invoice.customer)).toMatchObject({ address: { country: "AU" } });
    const items = stub().requests.filter((r) => r.path === "/v1/invoiceitems" && r.params.invoice === invoice.id);
    expect(items.map((r) => r.params.tax_behavior)).toEqual(items.map(() => "exclusive"));
    expect(items.length).toBeGreaterThan(0);

    expect((await handleStripeEvent(db(), invoicePaidEvent(invoice))).outcome).toBe("applied");
    expect(await orderRow(db(), order.id)).toMatchObject({ status: "fulfilled" });
  });
});
