/**
 * The real `stripe` SDK, configured the way the app configures it (the
 * STRIPE_* environment read by licensing/stripe.server.ts), talking HTTP to
 * the local stub: sessions are created once per idempotency key, a wrong key
 * is Stripe's authentication error, the invoice path makes a finalized
 * invoice, and the SDK's own retry after a 500 does not create twice.
 */
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import {
  createCheckoutSession,
  createOrderInvoice,
  expireCheckoutSession,
  PaymentProviderError,
  retrieveCheckoutSession,
  stripeClientOptions,
  stripeConfigured,
} from "~/modules/licensing/stripe.server";
import { setupStripeStub } from "../../support/licensing-factories";
import { parseStripeForm } from "../../support/stripe-stub";

const stub = setupStripeStub();

const order = (orderId: string) => ({
  orderId,
  currency: "USD" as const,
  customerEmail: "it@acme.test",
  successUrl: `http://portal.test/licenses/orders/${orderId}?checkout=success`,
  cancelUrl: `http://portal.test/licenses/orders/${orderId}`,
  lines: [
    { name: "Platform Enterprise (12 months)", unitAmount: 40_500, quantity: 10 },
    { name: "Edge Gateway (perpetual)", unitAmount: 120_000, quantity: 1 },
  ],
});

describe("Checkout Sessions through the SDK", () => {
  it("creates a session the stub records with the order's lines, amounts, metadata, key and idempotency key", async () => {
    expect(stripeConfigured()).toBe(true);
    const created = await createCheckoutSession({ ...order("order-1"), idempotencyKey: "checkout:order-1:1" });
    expect(created.id).toMatch(/^cs_test_/);
    expect(created.url).toBe(`${stub().url}/c/pay/${created.id}`);

    const recorded = stub().session(created.id);
    expect(recorded.authorization).toBe(`Bearer ${stub().secretKey}`);
    expect(recorded.idempotencyKey).toBe("checkout:order-1:1");
    expect(
      recorded.lineItems.map(({ name, currency, unitAmount, quantity }) => ({ name, currency, unitAmount, quantity })),
    ).toEqual([
      { name: "Platform Enterprise (12 months)", currency: "usd", unitAmount: 40_500, quantity: 10 },
      { name: "Edge Gateway (perpetual)", currency: "usd", unitAmount: 120_000, quantity: 1 },
    ]);
    expect(recorded).toMatchObject({
      mode: "payment",
      amount_total: 525_000,
      currency: "usd",
      metadata: { order_id: "order-1" },
      client_reference_id: "order-1",
      customer_email: "it@acme.test",
      paymentIntentMetadata: { order_id: "order-1" },
    });

    const fetched = await retrieveCheckoutSession(created.id);
    expect(fetched).toMatchObject({
      id: created.id,
      object: "checkout.session",
      status: "open",
      payment_status: "unpaid",
      amount_total: 525_000,
      metadata: { order_id: "order-1" },
    });
  });

  it("answers the same session to a retry with the same idempotency key, creating nothing", async () => {
    const first = await createCheckoutSession({ ...order("order-2"), idempotencyKey: "checkout:order-2:1" });
    const count = stub().sessions.length;
    const again = await createCheckoutSession({ ...order("order-2"), idempotencyKey: "checkout:order-2:1" });
    expect(again).toEqual(first);
    expect(stub().sessions.length).toBe(count);
    expect(
      stub()
        .requests.filter((r) => r.idempotencyKey === "checkout:order-2:1")
        .map((r) => r.replayed),
    ).toEqual([false, true]);
  });

  it("refuses the same idempotency key with other lines as Stripe's idempotency error", async () => {
    await createCheckoutSession({ ...order("order-3"), idempotencyKey: "checkout:order-3:1" });
    const count = stub().sessions.length;
    const changed = {
      ...order("order-3"),
      lines: [{ name: "Platform Enterprise (12 months)", unitAmount: 1, quantity: 1 }],
    };
    const err = await createCheckoutSession({ ...changed, idempotencyKey: "checkout:order-3:1" }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PaymentProviderError);
    expect((err as PaymentProviderError).status).toBe(409);
    expect((err as PaymentProviderError).stripeType).toBe("StripeIdempotencyError");
    expect((err as { cause?: unknown }).cause).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(stub().sessions.length).toBe(count);
  });

  it("survives a 500 by the SDK's own retry under the same key: one session", async () => {
    const count = stub().sessions.length;
    stub().failNext(500);
    const created = await createCheckoutSession({ ...order("order-4"), idempotencyKey: "checkout:order-4:1" });
    expect(stub().sessions.length).toBe(count + 1);
    const attempts = stub().requests.filter((r) => r.idempotencyKey === "checkout:order-4:1");
    expect(attempts.map((r) => r.status)).toEqual([500, 200]);
    expect(stub().session(created.id).metadata).toEqual({ order_id: "order-4" });
  });

  it("expires an open session, and refuses to expire it twice", async () => {
    const created = await createCheckoutSession({ ...order("order-5"), idempotencyKey: "checkout:order-5:1" });
    const expired = await expireCheckoutSession(created.id);
    expect(expired).toMatchObject({ id: created.id, status: "expired", url: null });
    const err = await expireCheckoutSession(created.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaymentProviderError);
    expect((err as PaymentProviderError).stripeType).toBe("StripeInvalidRequestError");
  });

  it("gets Stripe's authentication error for a wrong key, which never reaches a session", async () => {
    const count = stub().sessions.length;
    const wrong = new Stripe("sk_test_wrongKey0000000000001234", stripeClientOptions({ STRIPE_API_BASE: stub().url }));
    const err = await wrong.checkout.sessions
      .create({
        mode: "payment",
        success_url: "http://portal.test/ok",
        line_items: [{ quantity: 1, price_data: { currency: "usd", unit_amount: 100, product_data: { name: "x" } } }],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect((err as Error).message).toContain("Invalid API Key provided: sk_test_****1234");
    expect((err as Error).message).not.toContain("wrongKey");
    expect(stub().sessions.length).toBe(count);
  });
});

describe("Invoices through the SDK", () => {
  it("creates a customer, a draft with one item per line, and finalizes it, all keyed and tagged with the order", async () => {
    const invoice = await createOrderInvoice({
      orderId: "order-9",
      currency: "JPY",
      customer: { email: "billing@distributor.test", name: "Distributor KK", country: "JP" },
      daysUntilDue: 30,
      idempotencyKey: "invoice:order-9",
      lines: [
        { name: "Platform Enterprise (12 months)", unitAmount: 54_000, quantity: 5 },
        { name: "Support add-on", unitAmount: 9_900, quantity: 2 },
      ],
    });
    expect(invoice.id).toMatch(/^in_/);
    expect(invoice.number).toMatch(/^STUB-/);
    expect(invoice.hostedInvoiceUrl).toContain(invoice.id);

    const stored = stub().invoices.find((i) => i.id === invoice.id)!;
    expect(stored).toMatchObject({
      status: "open",
      currency: "jpy",
      collection_method: "send_invoice",
      days_until_due: 30,
      total: 54_000 * 5 + 9_900 * 2,
      metadata: { order_id: "order-9" },
      customer: invoice.customerId,
    });
    expect(stub().customers.find((c) => c.id === invoice.customerId)).toMatchObject({
      email: "billing@distributor.test",
      address: { country: "JP" },
    });
    const keys = stub()
      .requests.filter((r) => r.idempotencyKey?.startsWith("invoice:order-9"))
      .map((r) => r.idempotencyKey);
    expect(keys).toEqual([
      "invoice:order-9:customer",
      "invoice:order-9:invoice",
      "invoice:order-9:item:0",
      "invoice:order-9:item:1",
      "invoice:order-9:finalize",
    ]);
  });
});

describe("parseStripeForm", () => {
  it("reads the SDK's nested form keys into objects and arrays", () => {
    const body =
      "mode=payment&line_items[0][quantity]=2&line_items[0][price_data][currency]=eur&line_items[1][quantity]=1&metadata[order_id]=o-1";
    expect(parseStripeForm(new URLSearchParams(body).toString())).toEqual({
      mode: "payment",
      line_items: [{ quantity: "2", price_data: { currency: "eur" } }, { quantity: "1" }],
      metadata: { order_id: "o-1" },
    });
  });
});
