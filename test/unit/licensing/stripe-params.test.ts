/** What the portal asks Stripe for: Checkout parameters from an order, and the SDK's address from STRIPE_API_BASE. */
import { describe, expect, it } from "vitest";
import { checkoutSessionParams, stripeClientOptions } from "~/modules/licensing/stripe.server";

const base = {
  orderId: "8f0c2a9e-0000-4000-8000-000000000001",
  successUrl: "https://portal.test/licenses/orders/1?checkout=success",
  cancelUrl: "https://portal.test/licenses/orders/1",
};

describe("checkoutSessionParams", () => {
  it("builds a payment-mode session with price_data lines and the order id in every metadata", () => {
    const params = checkoutSessionParams({
      ...base,
      currency: "EUR",
      customerEmail: "it@customer.test",
      lines: [
        { name: "Platform Enterprise, 12 months", unitAmount: 45_000, quantity: 10 },
        { name: "Support add-on", unitAmount: 999, quantity: 1 },
      ],
    });
    expect(params).toEqual({
      mode: "payment",
      line_items: [
        {
          quantity: 10,
          price_data: {
            currency: "eur",
            unit_amount: 45_000,
            product_data: { name: "Platform Enterprise, 12 months" },
          },
        },
        { quantity: 1, price_data: { currency: "eur", unit_amount: 999, product_data: { name: "Support add-on" } } },
      ],
      metadata: { order_id: base.orderId },
      client_reference_id: base.orderId,
      payment_intent_data: { metadata: { order_id: base.orderId } },
      customer_email: "it@customer.test",
      success_url: base.successUrl,
      cancel_url: base.cancelUrl,
    });
  });

  it("sends JPY in whole yen and leaves out an absent email", () => {
    const params = checkoutSessionParams({
      ...base,
      currency: "JPY",
      lines: [{ name: "Seat", unitAmount: 12_000, quantity: 3 }],
    });
    expect(params.line_items?.[0]?.price_data).toMatchObject({ currency: "jpy", unit_amount: 12_000 });
    expect(params).not.toHaveProperty("customer_email");
  });

  it("asks Stripe Tax for tax on top of tax-exclusive prices only when automatic tax is on", () => {
    const lines = [{ name: "Seat", unitAmount: 12_000, quantity: 3 }];
    const taxed = checkoutSessionParams({ ...base, currency: "AUD", lines, automaticTax: true });
    expect(taxed.automatic_tax).toEqual({ enabled: true });
    expect(taxed.line_items?.[0]?.price_data).toMatchObject({ unit_amount: 12_000, tax_behavior: "exclusive" });
    const untaxed = checkoutSessionParams({ ...base, currency: "AUD", lines, automaticTax: false });
    expect(untaxed).not.toHaveProperty("automatic_tax");
    expect(untaxed.line_items?.[0]?.price_data).not.toHaveProperty("tax_behavior");
  });

  it("refuses lines Stripe would misread: fractions of a minor unit, no seats, none at all", () => {
    const lines = (unitAmount: number, quantity: number) => [{ name: "Seat", unitAmount, quantity }];
    expect(() => checkoutSessionParams({ ...base, currency: "USD", lines: lines(19.99, 1) })).toThrow(/unitAmount/);
    expect(() => checkoutSessionParams({ ...base, currency: "USD", lines: lines(-1, 1) })).toThrow(/unitAmount/);
    expect(() => checkoutSessionParams({ ...base, currency: "USD", lines: lines(100, 0) })).toThrow(/quantity/);
    expect(() => checkoutSessionParams({ ...base, currency: "USD", lines: [] })).toThrow(/at least one line/);
  });
});

describe("stripeClientOptions", () => {
  it("leaves Stripe's own address alone without STRIPE_API_BASE", () => {
    const options = stripeClientOptions({ STRIPE_API_BASE: undefined });
    expect(options).not.toHaveProperty("host");
    expect(options).not.toHaveProperty("port");
    expect(options).not.toHaveProperty("protocol");
    expect(options.maxNetworkRetries).toBeGreaterThan(0);
  });

  it("splits STRIPE_API_BASE into the SDK's protocol, host and port", () => {
    expect(stripeClientOptions({ STRIPE_API_BASE: "http://127.0.0.1:12111" })).toMatchObject({
      protocol: "http",
      host: "127.0.0.1",
      port: 12111,
    });
    expect(stripeClientOptions({ STRIPE_API_BASE: "https://stripe-mock.internal" })).toMatchObject({
      protocol: "https",
      host: "stripe-mock.internal",
      port: 443,
    });
    expect(stripeClientOptions({ STRIPE_API_BASE: "http://[::1]:8080/" })).toMatchObject({ host: "::1", port: 8080 });
  });
});
