/**
 * The portal's one door to Stripe: Checkout Sessions for card payment,
 * Stripe Invoices for partners on terms, and webhook verification.
 *
 * - One SDK client per process (singleton), configured from the environment:
 *   STRIPE_SECRET_KEY (unset = Stripe not configured), STRIPE_API_BASE (another
 *   address for the API: the stub in tests). Secrets are never logged and
 *   never put in an error message.
 * - Amounts are in the currency's minor unit (cents; whole yen for JPY), as
 *   Stripe takes them; they come from the server-side order, never from the
 *   browser.
 * - Every creating call carries an idempotency key, so a retried request
 *   (ours or the SDK's own network retry) never creates a second session.
 * - Webhook payloads are verified on the raw body with STRIPE_WEBHOOK_SECRET
 *   and a 300 s tolerance; failures are a typed StripeWebhookError (400).
 */
import Stripe from "stripe";
import { env, type Env } from "~/utils/env.server";
import { DomainError } from "~/utils/errors.server";
import { forgetSingleton, singleton } from "~/utils/singleton.server";

export type CheckoutCurrency = "USD" | "EUR" | "JPY" | "AUD";

/** How old a signed webhook may be, in seconds (Stripe's own default). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export interface PaymentLine {
  name: string;
  /** Price of one unit in the currency's minor unit (cents; whole yen for JPY). */
  unitAmount: number;
  quantity: number;
}

export interface CheckoutSessionInput {
  orderId: string;
  currency: CheckoutCurrency;
  lines: PaymentLine[];
  customerEmail?: string;
  successUrl: string;
  cancelUrl: string;
  /**
   * Stripe Tax adds tax on top of the lines (their prices are before tax): STRIPE_AUTOMATIC_TAX.
   * The webhook compares the order's total with the subtotal, before tax.
   */
  automaticTax?: boolean;
  /** Stripe's Idempotency-Key: the same key with the same request answers the same session. */
  idempotencyKey: string;
}

/** Card payment was asked for but this portal has no STRIPE_SECRET_KEY (the embedded default). */
export class StripeNotConfiguredError extends DomainError {
  constructor() {
    super("stripe_not_configured", "Card payment is not available: Stripe is not configured on this portal.", 503);
  }
}

/**
 * Stripe refused or could not be reached. `stripeType` is the SDK's error
 * class name (StripeAuthenticationError, StripeConnectionError, …); the
 * original error is the `cause`. The message names no secret.
 */
export class PaymentProviderError extends DomainError {
  constructor(
    message: string,
    public readonly stripeType: string,
    status: number,
    options?: { cause?: unknown },
  ) {
    super("payment_provider_error", message, status);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

export type WebhookFailure = "missing_signature" | "bad_signature" | "stale_signature" | "invalid_payload";

/** A webhook that must not be acted on: answered 400, nothing changed. */
export class StripeWebhookError extends DomainError {
  constructor(
    public readonly reason: WebhookFailure,
    message: string,
  ) {
    super(reason, message, 400);
  }
}

export function stripeConfigured(): boolean {
  return Boolean(env().STRIPE_SECRET_KEY);
}

/** Whether Stripe Tax adds tax to checkouts and invoices (STRIPE_AUTOMATIC_TAX). */
function automaticTax(): boolean {
  return env().STRIPE_AUTOMATIC_TAX === "on";
}

/**
 * The SDK's options for an environment: STRIPE_API_BASE becomes its
 * protocol, host and port (the SDK has no base-URL option).
 */
export function stripeClientOptions(e: Pick<Env, "STRIPE_API_BASE">): Stripe.StripeConfig {
  const options: Stripe.StripeConfig = {
    maxNetworkRetries: 2, // safe: every creating call carries an idempotency key
    timeout: 20_000,
    telemetry: false,
    appInfo: { name: "channel-portal" },
  };
  if (e.STRIPE_API_BASE) {
    const url = new URL(e.STRIPE_API_BASE);
    if (url.pathname !== "/" && url.pathname !== "") {
      throw new Error("STRIPE_API_BASE must be an origin without a path (the SDK's paths start at /v1)");
    }
    const protocol = url.protocol === "http:" ? "http" : "https";
    options.protocol = protocol;
    options.host = url.hostname.replace(/^\[(.*)\]$/, "$1"); // an IPv6 literal without its brackets
    options.port = url.port ? Number(url.port) : protocol === "http" ? 80 : 443;
  }
  return options;
}

const SINGLETON = "stripe-client";

/** The process's SDK client; throws StripeNotConfiguredError without STRIPE_SECRET_KEY. */
export function stripeClient(): Stripe {
  const e = env();
  const key = e.STRIPE_SECRET_KEY;
  if (!key) throw new StripeNotConfiguredError();
  return singleton(SINGLETON, () => new Stripe(key, stripeClientOptions(e)));
}

/** Drops the cached client (tests that change the environment). */
export function forgetStripeClient(): void {
  forgetSingleton(SINGLETON);
}

function assertLines(lines: PaymentLine[]): void {
  if (lines.length === 0) throw new Error("a payment needs at least one line");
  for (const l of lines) {
    if (!Number.isSafeInteger(l.unitAmount) || l.unitAmount < 0) {
      throw new Error(`unitAmount must be a whole number of minor units, got ${l.unitAmount}`);
    }
    if (!Number.isSafeInteger(l.quantity) || l.quantity < 1) {
      throw new Error(`quantity must be a whole number of at least 1, got ${l.quantity}`);
    }
    if (!l.name.trim()) throw new Error("a line needs a name");
  }
}

/** Stripe's errors as a DomainError the routes can answer; anything else goes through unchanged. */
function toProviderError(err: unknown): unknown {
  if (!(err instanceof Stripe.errors.StripeError)) return err;
  const type = err.constructor.name;
  if (err instanceof Stripe.errors.StripeIdempotencyError) {
    return new PaymentProviderError(
      "The payment was already started with different details; start it again.",
      type,
      409,
      { cause: err },
    );
  }
  if (err instanceof Stripe.errors.StripeInvalidRequestError) {
    return new PaymentProviderError(`Stripe refused the request: ${err.message}`, type, 502, { cause: err });
  }
  if (err instanceof Stripe.errors.StripeAuthenticationError || err instanceof Stripe.errors.StripePermissionError) {
    return new PaymentProviderError("Stripe refused the portal's API key; ask an administrator.", type, 502, {
      cause: err,
    });
  }
  return new PaymentProviderError("Stripe could not be reached; try again in a moment.", type, 502, { cause: err });
}

/** The Checkout Session parameters for an order (pure; exported for unit tests). */
export function checkoutSessionParams(
  input: Omit<CheckoutSessionInput, "idempotencyKey">,
): Stripe.Checkout.SessionCreateParams {
  assertLines(input.lines);
  const metadata = { order_id: input.orderId };
  return {
    mode: "payment",
    line_items: input.lines.map((l) => ({
      quantity: l.quantity,
      price_data: {
        currency: input.currency.toLowerCase(),
        unit_amount: l.unitAmount,
        product_data: { name: l.name },
        ...(input.automaticTax ? { tax_behavior: "exclusive" as const } : {}),
      },
    })),
    ...(input.automaticTax ? { automatic_tax: { enabled: true } } : {}),
    metadata,
    client_reference_id: input.orderId,
    payment_intent_data: { metadata },
    ...(input.customerEmail ? { customer_email: input.customerEmail } : {}),
    success_url: input.successUrl,
    cancel_url: input.cancelUrl,
  };
}

/** Starts a Stripe Checkout for an order: the page the buyer is sent to is `url`. */
export async function createCheckoutSession(input: CheckoutSessionInput): Promise<{ id: string; url: string }> {
  const params = checkoutSessionParams({ ...input, automaticTax: input.automaticTax ?? automaticTax() });
  let session: Stripe.Checkout.Session;
  try {
    session = await stripeClient().checkout.sessions.create(params, { idempotencyKey: input.idempotencyKey });
  } catch (err) {
    throw toProviderError(err);
  }
  if (!session.url) throw new PaymentProviderError("Stripe returned a Checkout Session without a URL.", "none", 502);
  return { id: session.id, url: session.url };
}

/** A Checkout Session as Stripe has it now (e.g. to reconcile an order whose webhook is late). */
export async function retrieveCheckoutSession(sessionId: string): Promise<Stripe.Checkout.Session> {
  try {
    return await stripeClient().checkout.sessions.retrieve(sessionId);
  } catch (err) {
    throw toProviderError(err);
  }
}

/** Expires an open Checkout Session (an order cancelled before payment): it can no longer be paid. */
export async function expireCheckoutSession(sessionId: string): Promise<Stripe.Checkout.Session> {
  try {
    return await stripeClient().checkout.sessions.expire(sessionId);
  } catch (err) {
    throw toProviderError(err);
  }
}

export interface InvoiceInput {
  orderId: string;
  currency: CheckoutCurrency;
  lines: PaymentLine[];
  /** Who is billed; its country is where Stripe Tax places it. */
  customer: { email: string; name: string; country: string };
  /** Days the partner has to pay (Stripe sends the invoice and collects by bank transfer or card). */
  daysUntilDue: number;
  /** Prefix of the idempotency keys of the four calls (customer, invoice, items, finalize). */
  idempotencyKey: string;
}

/**
 * Bills an order through a Stripe Invoice: a customer, a draft invoice, one
 * invoice item per line attached to it, then finalization. The order id is
 * in the invoice's metadata; payment arrives as an `invoice.paid` event.
 */
export async function createOrderInvoice(
  input: InvoiceInput,
): Promise<{ id: string; number: string | null; hostedInvoiceUrl: string | null; customerId: string }> {
  assertLines(input.lines);
  const stripe = stripeClient();
  const key = input.idempotencyKey;
  const currency = input.currency.toLowerCase();
  const metadata = { order_id: input.orderId };
  const taxed = automaticTax();
  try {
    const customer = await stripe.customers.create(
      {
        email: input.customer.email,
        name: input.customer.name,
        address: { country: input.customer.country },
        metadata,
      },
      { idempotencyKey: `${key}:customer` },
    );
    const draft = await stripe.invoices.create(
      {
        customer: customer.id,
        currency,
        collection_method: "send_invoice",
        days_until_due: input.daysUntilDue,
        pending_invoice_items_behavior: "exclude",
        auto_advance: false,
        ...(taxed ? { automatic_tax: { enabled: true } } : {}),
        metadata,
      },
      { idempotencyKey: `${key}:invoice` },
    );
    for (const [i, l] of input.lines.entries()) {
      await stripe.invoiceItems.create(
        {
          customer: customer.id,
          invoice: draft.id,
          currency,
          amount: l.unitAmount * l.quantity,
          description: `${l.name} × ${l.quantity}`,
          ...(taxed ? { tax_behavior: "exclusive" as const } : {}),
          metadata,
        },
        { idempotencyKey: `${key}:item:${i}` },
      );
    }
    const invoice = await stripe.invoices.finalizeInvoice(draft.id, {}, { idempotencyKey: `${key}:finalize` });
    return {
      id: invoice.id,
      number: invoice.number ?? null,
      hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
      customerId: customer.id,
    };
  } catch (err) {
    throw toProviderError(err);
  }
}

/**
 * Verifies a webhook's signature on its raw body and parses the event
 * (pure: the secret and the clock are arguments). A forged, altered or
 * missing signature, a timestamp older than the tolerance and a body that
 * is not an event each throw StripeWebhookError with their reason.
 */
export function verifyWebhookEvent(
  rawBody: string | Buffer,
  signature: string | null,
  opts: { secret: string; toleranceSeconds?: number; now?: Date },
): Stripe.Event {
  if (!signature) throw new StripeWebhookError("missing_signature", "The Stripe-Signature header is missing.");
  const tolerance = opts.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS;
  const receivedAt = (opts.now ?? new Date()).getTime();
  const payload = typeof rawBody === "string" ? rawBody : new Uint8Array(rawBody);
  const check = (toleranceSeconds: number): boolean => {
    try {
      return Stripe.webhooks.signature!.verifyHeader(
        payload,
        signature,
        opts.secret,
        toleranceSeconds,
        undefined,
        receivedAt,
      );
    } catch {
      return false; // StripeSignatureVerificationError, or the SDK choking on a garbled header
    }
  };
  if (!check(tolerance)) {
    // Tell a stale but genuine signature from a bad one: the same check without the age limit.
    throw check(0)
      ? new StripeWebhookError("stale_signature", `The webhook's signature is older than ${tolerance} seconds.`)
      : new StripeWebhookError("bad_signature", "The webhook's signature does not match its body.");
  }
  let event: unknown;
  try {
    event = JSON.parse(typeof rawBody === "string" ? rawBody : rawBody.toString("utf8"));
  } catch {
    throw new StripeWebhookError("invalid_payload", "The webhook's body is not JSON.");
  }
  const e = event as unknown as Record<string, unknown> | null;
  const data = e?.data as Record<string, unknown> | undefined;
  if (
    !e ||
    e.object !== "event" ||
    typeof e.id !== "string" ||
    typeof e.type !== "string" ||
    !data ||
    typeof data.object !== "object" ||
    data.object === null
  ) {
    throw new StripeWebhookError("invalid_payload", "The webhook's body is not a Stripe event.");
  }
  return event as Stripe.Event;
}

/** Verifies a webhook with STRIPE_WEBHOOK_SECRET (tolerance 300 s); see verifyWebhookEvent. */
export function constructWebhookEvent(rawBody: string | Buffer, signature: string | null): Stripe.Event {
  const secret = env().STRIPE_WEBHOOK_SECRET;
  if (!secret) throw new StripeNotConfiguredError();
  return verifyWebhookEvent(rawBody, signature, { secret });
}
