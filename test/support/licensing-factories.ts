/**
 * License fulfillment test data: partners with people and a tier, order
 * input for the catalog's products (prices from migration 0008), Stripe
 * event objects shaped as Stripe.Event (built here: signature verification
 * and HTTP are tested with the webhook route), and the queries the tests
 * assert with (an order's licenses, mails and audit events).
 */
import { generateKeyPairSync } from "node:crypto";
import type Stripe from "stripe";
import { afterAll, beforeAll } from "vitest";
import { forgetStripeClient } from "~/modules/licensing/stripe.server";
import { and, asc, eq, inArray, like } from "drizzle-orm";
import type { Db } from "../../db/client";
import {
  auditEvents,
  licenseOrders,
  licenses,
  mailMessages,
  mailRecipients,
  products,
  stripeEvents,
} from "../../db/schema";
import { createPartner, createUser, unique, type TestUser } from "./factories";
import { startStripeStub, type StripeStub } from "./stripe-stub";

/**
 * Test-only environment for licensing: a signing key generated for the
 * process (nothing written to DATA_DIR) and, when `stripe`, Stripe
 * configured (the key is never used to call Stripe in domain tests).
 * Call at the top of a test file, before anything reads the environment.
 */
export function licensingTestEnv(opts: { stripe?: boolean } = {}): void {
  process.env.LICENSE_SIGNING_KEY ??= generateKeyPairSync("ed25519")
    .privateKey.export({ type: "pkcs8", format: "pem" })
    .toString();
  if (opts.stripe) {
    process.env.STRIPE_SECRET_KEY = "sk_test_licensing_domain_tests";
    process.env.STRIPE_WEBHOOK_SECRET = "whsec_licensing_domain_tests";
  }
}

/**
 * Call at the top level of a test file: starts the local Stripe stub before
 * the file's tests and points the licensing module at it (STRIPE_* in the
 * environment, which env() reads on first use; the cached SDK client
 * forgotten), stops it after them. Returns the running stub.
 */
export function setupStripeStub(): () => StripeStub {
  let stub: StripeStub | undefined;
  beforeAll(async () => {
    stub = await startStripeStub();
    Object.assign(process.env, stub.env());
    forgetStripeClient();
  });
  afterAll(async () => {
    forgetStripeClient();
    await stub?.stop();
  });
  return () => {
    if (!stub) throw new Error("the Stripe stub runs from beforeAll on");
    return stub;
  };
}

export interface LicensingPartner {
  partner: Awaited<ReturnType<typeof createPartner>>;
  admin: TestUser;
  seller: TestUser;
}

/** An active partner of `tier` with an admin and a partner user (who orders). */
export async function licensingPartner(
  db: Db,
  opts: { tier?: "registered" | "silver" | "gold"; invoiceTerms?: boolean; country?: string } = {},
): Promise<LicensingPartner> {
  const partner = await createPartner(db, {
    tier: opts.tier ?? "silver",
    invoiceTermsAllowed: opts.invoiceTerms ?? false,
    country: opts.country ?? "NL",
  });
  const admin = await createUser(db, { role: "partner_admin", partnerId: partner.id });
  const seller = await createUser(db, { role: "partner_user", partnerId: partner.id });
  return { partner, admin, seller };
}

export async function productIdOf(db: Db, sku: string): Promise<string> {
  const [row] = await db.select({ id: products.id }).from(products).where(eq(products.sku, sku));
  if (!row) throw new Error(`no product ${sku}`);
  return row.id;
}

/** A valid createOrder input with a unique customer domain; lines by SKU. */
export async function orderInput(
  db: Db,
  over: Record<string, unknown> & { lines?: { sku: string; seats: number }[] } = {},
): Promise<Record<string, unknown>> {
  const slug = unique("cust");
  const { lines, ...rest } = over;
  const wanted = lines ?? [{ sku: "MSE-STD-12", seats: 100 }];
  return {
    customerCompany: `Customer ${slug} GmbH`,
    customerDomain: `${slug}.example.com`,
    customerCountry: "DE",
    technicalContactName: "Erika Mustermann",
    technicalContactEmail: `it@${slug}.example.com`,
    currency: "EUR",
    paymentMethod: "invoice",
    lines: await Promise.all(wanted.map(async (l) => ({ productId: await productIdOf(db, l.sku), seats: l.seats }))),
    ...rest,
  };
}

let eventCounter = 0;
const eventId = () => `evt_test_${++eventCounter}_${unique("e").replace(/-/g, "")}`;

type OrderRef = { id: string; totalMinor: number; currency: string; stripeCheckoutSessionId?: string | null };

/** A checkout.session.* event for `order` (amount and currency of the order unless overridden). */
export function sessionEvent(
  type:
    | "checkout.session.completed"
    | "checkout.session.async_payment_succeeded"
    | "checkout.session.async_payment_failed"
    | "checkout.session.expired",
  order: OrderRef,
  over: Partial<Stripe.Checkout.Session> = {},
): Stripe.Event {
  const session = {
    id: order.stripeCheckoutSessionId ?? `cs_test_${order.id.replace(/-/g, "")}`,
    object: "checkout.session",
    mode: "payment",
    status: type === "checkout.session.expired" ? "expired" : "complete",
    payment_status:
      type === "checkout.session.async_payment_failed" || type === "checkout.session.expired" ? "unpaid" : "paid",
    amount_subtotal: order.totalMinor,
    amount_total: order.totalMinor,
    currency: order.currency.toLowerCase(),
    client_reference_id: order.id,
    metadata: { order_id: order.id },
    payment_intent: `pi_test_${order.id.replace(/-/g, "").slice(0, 20)}`,
    livemode: false,
    ...over,
  } as unknown as Stripe.Checkout.Session;
  return {
    id: eventId(),
    object: "event",
    api_version: "2025-01-01",
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object: session },
  } as unknown as Stripe.Event;
}

/** charge.refunded for the payment intent `pi` (in full unless `refunded: false`). */
export function refundEvent(order: OrderRef, pi: string, over: Partial<Stripe.Charge> = {}): Stripe.Event {
  const charge = {
    id: `ch_test_${unique("c").replace(/-/g, "")}`,
    object: "charge",
    amount: order.totalMinor,
    amount_refunded: order.totalMinor,
    refunded: true,
    currency: order.currency.toLowerCase(),
    payment_intent: pi,
    metadata: {},
    ...over,
  } as unknown as Stripe.Charge;
  return {
    id: eventId(),
    object: "event",
    api_version: "2025-01-01",
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: "charge.refunded",
    data: { object: charge },
  } as unknown as Stripe.Event;
}

export async function orderRow(db: Db, id: string) {
  const [row] = await db.select().from(licenseOrders).where(eq(licenseOrders.id, id));
  return row!;
}

export async function licensesOf(db: Db, orderId: string) {
  return db.select().from(licenses).where(eq(licenses.orderId, orderId)).orderBy(asc(licenses.createdAt));
}

/** The outbox messages whose dedupe key starts with `prefix`, with their recipients' addresses. */
export async function mailsLike(db: Db, prefix: string) {
  const messages = await db
    .select()
    .from(mailMessages)
    .where(like(mailMessages.dedupeKey, `${prefix}%`))
    .orderBy(asc(mailMessages.dedupeKey));
  const recipients = messages.length
    ? await db
        .select()
        .from(mailRecipients)
        .where(
          inArray(
            mailRecipients.mailId,
            messages.map((m) => m.id),
          ),
        )
    : [];
  return messages.map((m) => ({
    ...m,
    to: recipients
      .filter((r) => r.mailId === m.id)
      .map((r) => r.address)
      .sort(),
  }));
}

export async function auditsOf(db: Db, subjectId: string) {
  return db.select().from(auditEvents).where(eq(auditEvents.subjectId, subjectId)).orderBy(asc(auditEvents.at));
}

export async function auditActions(db: Db, partnerId: string, action: string) {
  return db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.partnerId, partnerId), eq(auditEvents.action, action)));
}

export async function stripeEventRow(db: Db, id: string) {
  const [row] = await db.select().from(stripeEvents).where(eq(stripeEvents.eventId, id));
  return row;
}
