/**
 * POST /webhooks/stripe over HTTP against the running portal, with Stripe's
 * API played by the local stub and deliveries signed by the real SDK:
 * a missing, forged or stale signature is 400 and leaves no trace in
 * stripe_events; a genuine delivery is 200 with the domain's outcome; a
 * portal without Stripe answers 503.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DbHandle } from "~db/client";
import { createOrder, startCheckout } from "~/modules/licensing/orders.server";
import { startAppServer, type AppServer } from "../../support/app-server";
import { actorFor } from "../../support/factories";
import { get, query, serverErrorLines } from "../../support/http-client";
import { licensesOf, licensingPartner, mailsLike, orderInput, orderRow } from "../../support/licensing-factories";
import {
  chargeRefundedEvent,
  checkoutEvent,
  postSignedWebhook,
  signedWebhook,
  startStripeStub,
  stripeEvent,
  type StripeStub,
} from "../../support/stripe-stub";

let stub: StripeStub;
let server: AppServer;
let handle: DbHandle;

beforeAll(async () => {
  stub = await startStripeStub();
  // The test process starts checkouts through the domain function too: same stub, same keys as the server.
  Object.assign(process.env, stub.env());
  server = await startAppServer({ stripe: stub.env() });
  handle = await openDatabase({ url: server.databaseUrl, poolSize: 4 });
}, 120_000);

afterAll(async () => {
  await handle?.close();
  await server?.stop();
  await stub?.stop();
});

const stripeEventRows = async () =>
  (await query<{ n: number }>(server, "select count(*)::int as n from stripe_events"))[0]!.n;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** An event about a customer the portal has no business with: verified, then left alone by the domain. */
const unrelatedEvent = () =>
  stripeEvent("customer.created", { id: "cus_unrelated", object: "customer", email: "someone@else.test" });

function post(body: string, headers: Record<string, string>) {
  return fetch(`${server.url}/webhooks/stripe`, { method: "POST", body, headers, redirect: "manual" });
}

describe("POST /webhooks/stripe: signature", () => {
  it("refuses a delivery without a Stripe-Signature header: 400, nothing recorded", async () => {
    const before = await stripeEventRows();
    const res = await post(JSON.stringify(unrelatedEvent()), { "content-type": "application/json" });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: "missing_signature", message: expect.any(String) } });
    expect(await stripeEventRows()).toBe(before);
  });

  it("refuses a delivery signed with another secret, or whose body was changed after signing", async () => {
    const before = await stripeEventRows();
    const forged = await postSignedWebhook(server.url, unrelatedEvent(), "whsec_notThePortalsSecret");
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe("bad_signature");

    const { body, headers } = signedWebhook(unrelatedEvent(), stub.webhookSecret);
    const altered = await post(body.replace("someone@else.test", "me@evil.test"), headers);
    expect(altered.status).toBe(400);
    expect(((await altered.json()) as { error: { code: string } }).error.code).toBe("bad_signature");
    expect(await stripeEventRows()).toBe(before);
  });

  it("refuses a genuine signature older than 300 s as stale: 400, nothing recorded", async () => {
    const before = await stripeEventRows();
    const event = unrelatedEvent();
    const res = await postSignedWebhook(server.url, event, stub.webhookSecret, { timestamp: nowSeconds() - 301 });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("stale_signature");
    expect(await stripeEventRows()).toBe(before);
    expect(await query(server, "select 1 from stripe_events where event_id = $1", [event.id])).toEqual([]);
  });

  it("accepts a genuine delivery: 200 with the domain's outcome", async () => {
    const event = unrelatedEvent();
    const res = await postSignedWebhook(server.url, event, stub.webhookSecret);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { received: boolean; outcome: string };
    expect(body.received).toBe(true);
    expect(["applied", "duplicate", "ignored", "rejected"]).toContain(body.outcome);
    expect(body.outcome).not.toBe("applied"); // nothing in the portal is about this customer
  });

  it("answers an event for a session the portal never made without changing any order", async () => {
    const session = stub.session((await createStrangerSession()).id);
    const orders = await query(server, "select id, status from license_orders order by id");
    const res = await postSignedWebhook(server.url, checkoutEvent(session, "completed"), stub.webhookSecret);
    expect(res.status).toBe(200);
    expect(["ignored", "rejected"]).toContain(((await res.json()) as { outcome: string }).outcome);
    expect(await query(server, "select id, status from license_orders order by id")).toEqual(orders);
    expect(
      await query(server, "select 1 from licenses where order_id::text = $1", [session.metadata.order_id ?? ""]),
    ).toEqual([]);
  });

  it("takes only POST", async () => {
    const res = await get(server, "/webhooks/stripe");
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });
});

/** A session made directly on the stub for an order id the portal does not have. */
async function createStrangerSession(): Promise<{ id: string }> {
  const res = await fetch(`${stub.url}/v1/checkout/sessions`, {
    method: "POST",
    headers: { authorization: `Bearer ${stub.secretKey}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      mode: "payment",
      success_url: "http://elsewhere.test/ok",
      "line_items[0][quantity]": "1",
      "line_items[0][price_data][currency]": "usd",
      "line_items[0][price_data][unit_amount]": "100",
      "line_items[0][price_data][product_data][name]": "Not ours",
      "metadata[order_id]": "00000000-0000-4000-8000-00000000dead",
    }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { id: string };
}

describe("POST /webhooks/stripe without Stripe configured", () => {
  let bare: AppServer;
  beforeAll(async () => {
    bare = await startAppServer();
  }, 120_000);
  afterAll(async () => {
    await bare?.stop();
  });

  it("answers 503 stripe_not_configured and records nothing", async () => {
    const { body, headers } = signedWebhook(unrelatedEvent(), stub.webhookSecret);
    const res = await fetch(`${bare.url}/webhooks/stripe`, { method: "POST", body, headers });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("stripe_not_configured");
    expect((await query<{ n: number }>(bare, "select count(*)::int as n from stripe_events"))[0]!.n).toBe(0);
  });
});

describe("an order paid by card, end to end over HTTP", () => {
  type Outcome = { received: boolean; outcome: string };

  /** A Silver partner's card order for two products, with its Checkout started through the domain function. */
  async function cardOrderInCheckout() {
    const { partner, seller } = await licensingPartner(handle.db, { tier: "silver" });
    const actor = actorFor(seller);
    const input = await orderInput(handle.db, {
      paymentMethod: "card",
      currency: "EUR",
      lines: [
        { sku: "MSE-STD-12", seats: 100 },
        { sku: "MSE-ADV-12", seats: 25 },
      ],
    });
    const order = await createOrder(handle.db, { actor, input });
    const checkout = await startCheckout(handle.db, { actor, orderId: order.id, baseUrl: server.url });
    return { partner, seller, actor, input, order, checkout, session: stub.session(checkout.sessionId) };
  }

  it("charges the server-side order, fulfills once whatever the repeats, and revokes on refund", async () => {
    const { seller, actor, input, order, checkout, session } = await cardOrderInCheckout();

    // Checkout: line items and amounts come from the stored order, never from a browser.
    const lines = await query<{ seats: number; unit: string; total: string }>(
      server,
      `select seats, discounted_unit_amount_minor as unit, line_total_minor as total
         from license_order_lines where order_id = $1 order by position`,
      [order.id],
    );
    expect(
      session.lineItems.map((l) => ({ quantity: l.quantity, unitAmount: l.unitAmount, currency: l.currency })),
    ).toEqual(lines.map((l) => ({ quantity: l.seats, unitAmount: Number(l.unit), currency: "eur" })));
    expect(session.amount_total).toBe(order.totalMinor);
    expect(session.amount_total).toBe(lines.reduce((sum, l) => sum + Number(l.total), 0));
    expect(session).toMatchObject({
      metadata: { order_id: order.id },
      client_reference_id: order.id,
      paymentIntentMetadata: { order_id: order.id },
      idempotencyKey: `license-order:${order.id}:checkout:1`,
      authorization: `Bearer ${stub.secretKey}`,
      customer_email: seller.email,
    });
    expect(checkout.url).toBe(session.url);

    // Asking again for the open checkout answers the same session (same idempotency key), creating none.
    const sessionsBefore = stub.sessions.length;
    expect((await startCheckout(handle.db, { actor, orderId: order.id, baseUrl: server.url })).sessionId).toBe(
      session.id,
    );
    expect(stub.sessions.length).toBe(sessionsBefore);

    // Stripe delivers checkout.session.completed three times at once, and async_payment_succeeded alongside.
    const completed = checkoutEvent(session, "completed");
    const asyncSucceeded = checkoutEvent(session, "async_payment_succeeded");
    const answers = await Promise.all([
      postSignedWebhook(server.url, completed, stub.webhookSecret),
      postSignedWebhook(server.url, completed, stub.webhookSecret),
      postSignedWebhook(server.url, asyncSucceeded, stub.webhookSecret),
      postSignedWebhook(server.url, completed, stub.webhookSecret),
    ]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const outcomes = await Promise.all(answers.map(async (r) => ((await r.json()) as Outcome).outcome));
    expect(outcomes.filter((o) => o === "applied")).toHaveLength(1);
    expect(outcomes.filter((o) => o !== "applied").every((o) => o === "duplicate" || o === "ignored")).toBe(true);

    const issued = await licensesOf(handle.db, order.id);
    expect(issued).toHaveLength(2);
    expect(issued.every((l) => l.status === "active" && l.key.startsWith("MRL1."))).toBe(true);
    expect(new Set(issued.map((l) => l.seats))).toEqual(new Set([100, 25]));
    expect(await orderRow(handle.db, order.id)).toMatchObject({
      status: "fulfilled",
      stripePaymentIntentId: session.payment_intent,
    });
    const events = await query<{ event_id: string }>(server, "select event_id from stripe_events where order_id = $1", [
      order.id,
    ]);
    expect(events.map((e) => e.event_id).sort()).toEqual([completed.id, asyncSucceeded.id].sort());

    // One key delivery per recipient: the partner's people and the customer's technical contact.
    const deliveries = await mailsLike(handle.db, `license-keys:${order.id}:`);
    expect(deliveries.map((m) => m.dedupeKey).sort()).toEqual(
      [`license-keys:${order.id}:customer`, `license-keys:${order.id}:partner`].sort(),
    );
    const customerMail = deliveries.find((m) => m.dedupeKey.endsWith(":customer"))!;
    expect(customerMail.to).toEqual([(input.technicalContactEmail as string).toLowerCase()]);
    const partnerMail = deliveries.find((m) => m.dedupeKey.endsWith(":partner"))!;
    expect(partnerMail.to).toContain(seller.email.toLowerCase());
    expect(partnerMail.to.length).toBeGreaterThanOrEqual(1);

    // A later redelivery of the same event changes nothing.
    const again = await postSignedWebhook(server.url, completed, stub.webhookSecret);
    expect(((await again.json()) as Outcome).outcome).toBe("duplicate");
    expect(await licensesOf(handle.db, order.id)).toHaveLength(2);

    // The charge is refunded in full: every license of the order is revoked, once.
    const refunded = chargeRefundedEvent(session);
    const refundAnswers = await Promise.all([
      postSignedWebhook(server.url, refunded, stub.webhookSecret),
      postSignedWebhook(server.url, refunded, stub.webhookSecret),
    ]);
    expect(refundAnswers.map((r) => r.status)).toEqual([200, 200]);
    expect((await Promise.all(refundAnswers.map(async (r) => ((await r.json()) as Outcome).outcome))).sort()).toEqual([
      "applied",
      "duplicate",
    ]);
    expect((await licensesOf(handle.db, order.id)).map((l) => l.status)).toEqual(["revoked", "revoked"]);
    expect((await orderRow(handle.db, order.id)).status).toBe("refunded");
  });

  it("refuses a paid session whose amount is not the order's: 200 rejected, nothing issued", async () => {
    const { order, session } = await cardOrderInCheckout();
    const tampered = checkoutEvent(session, "completed", {
      overrides: { amount_total: 100, amount_subtotal: 100 },
    });
    const res = await postSignedWebhook(server.url, tampered, stub.webhookSecret);
    expect(res.status).toBe(200);
    expect(((await res.json()) as Outcome).outcome).toBe("rejected");
    expect(await licensesOf(handle.db, order.id)).toEqual([]);
    expect((await orderRow(handle.db, order.id)).status).toBe("awaiting_payment");
    const [audit] = await query<{ n: number }>(
      server,
      "select count(*)::int as n from audit_events where action = 'order.payment_rejected' and subject_id = $1",
      [order.id],
    );
    expect(audit!.n).toBe(1);
  });

  it("waits on an unpaid completed session (a delayed method) and fulfills on async_payment_succeeded", async () => {
    const { order, session } = await cardOrderInCheckout();
    const pending = await postSignedWebhook(
      server.url,
      checkoutEvent(session, "completed", { paymentStatus: "unpaid" }),
      stub.webhookSecret,
    );
    expect(((await pending.json()) as Outcome).outcome).toBe("ignored");
    expect(await licensesOf(handle.db, order.id)).toEqual([]);
    const paid = await postSignedWebhook(
      server.url,
      checkoutEvent(session, "async_payment_succeeded"),
      stub.webhookSecret,
    );
    expect(((await paid.json()) as Outcome).outcome).toBe("applied");
    expect(await licensesOf(handle.db, order.id)).toHaveLength(2);
  });

  it("marks an order whose checkout expired, without issuing anything", async () => {
    const { order, session } = await cardOrderInCheckout();
    const res = await postSignedWebhook(server.url, checkoutEvent(session, "expired"), stub.webhookSecret);
    expect(((await res.json()) as Outcome).outcome).toBe("applied");
    expect((await orderRow(handle.db, order.id)).status).toBe("checkout_expired");
    expect(await licensesOf(handle.db, order.id)).toEqual([]);
  });
});

describe("the server's error log", () => {
  it("is empty apart from the refused webhooks' warnings", () => {
    expect(serverErrorLines(server).filter((l) => !l.includes("[stripe] webhook refused"))).toEqual([]);
  });
});
