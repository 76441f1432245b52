import type { ActionFunctionArgs } from "@remix-run/node";
import { handleStripeEvent } from "~/modules/licensing/webhook.server";
import {
  constructWebhookEvent,
  StripeNotConfiguredError,
  stripeConfigured,
  StripeWebhookError,
} from "~/modules/licensing/stripe.server";
import { getDb } from "~/utils/db.server";
import { apiError, DomainError } from "~/utils/errors.server";
import { errorSummary } from "~/utils/db-errors.server";

/** Stripe's events are a few kilobytes; anything far bigger is not one. */
const MAX_BODY_BYTES = 512 * 1024;

/**
 * POST /webhooks/stripe: Stripe's event deliveries.
 *
 * - The signature is checked on the raw body (read once, as text: nothing in
 *   server/app.ts parses bodies, and /webhooks/ is exempt from the CSRF
 *   Origin check); a missing, forged or stale (over 300 s) signature is 400
 *   `{"error": {"code", "message"}}` and changes nothing.
 * - A verified event goes to the licensing module, which records its id in
 *   the same transaction as its effect: 200 `{"received": true, "outcome"}`
 *   for applied, duplicate, ignored and rejected alike (a rejected event,
 *   e.g. an amount that does not match the order, is audited there; Stripe
 *   retrying it would not change the answer).
 * - Stripe not configured (no STRIPE_SECRET_KEY or STRIPE_WEBHOOK_SECRET):
 *   503 `stripe_not_configured`. Not 404: the endpoint exists, the portal is
 *   misconfigured, and Stripe keeps retrying a 5xx for three days, so events
 *   sent before the secret is set are delivered once it is.
 * - A failure while applying the event is 500 and Stripe retries; the
 *   transaction rolled back, so the retry starts clean.
 */
export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed();
  if (!stripeConfigured()) return apiError(new StripeNotConfiguredError());
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) {
    return apiError(new DomainError("payload_too_large", "A Stripe event is never this large.", 413));
  }

  const rawBody = await request.text();
  let event;
  try {
    event = constructWebhookEvent(rawBody, request.headers.get("stripe-signature"));
  } catch (err) {
    if (err instanceof StripeWebhookError) {
      console.warn("[stripe] webhook refused: %s", err.reason);
      return apiError(err);
    }
    if (err instanceof DomainError) return apiError(err);
    throw err;
  }

  try {
    const result = await handleStripeEvent(await getDb(), event);
    return Response.json({ received: true, outcome: result.outcome });
  } catch (err) {
    console.error("[stripe] applying %s (%s) failed: %s", event.id, event.type, errorSummary(err));
    return apiError(new DomainError("webhook_failed", "The event could not be applied; Stripe will retry it.", 500));
  }
}

/** GET and the rest: this endpoint only takes Stripe's POSTs. */
export function loader() {
  return methodNotAllowed();
}

function methodNotAllowed(): Response {
  const res = apiError(new DomainError("method_not_allowed", "Stripe posts events here.", 405));
  res.headers.set("allow", "POST");
  return res;
}
