/**
 * Webhook verification on the raw body with the real SDK's signing: what is
 * accepted, and why each refusal is refused (the route answers 400 for all).
 */
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { StripeWebhookError, verifyWebhookEvent, WEBHOOK_TOLERANCE_SECONDS } from "~/modules/licensing/stripe.server";

const secret = "whsec_unitTestSecret0123456789";
const now = new Date("2026-03-01T12:00:00Z");
const nowSeconds = Math.floor(now.getTime() / 1000);

const event = {
  id: "evt_1UnitTest",
  object: "event",
  type: "checkout.session.completed",
  created: nowSeconds,
  livemode: false,
  data: { object: { id: "cs_test_abc", object: "checkout.session", metadata: { order_id: "o-1" } } },
};
const payload = JSON.stringify(event);
const sign = (body: string, opts: { timestamp?: number; secret?: string } = {}) =>
  Stripe.webhooks.generateTestHeaderString({
    payload: body,
    secret: opts.secret ?? secret,
    timestamp: opts.timestamp ?? nowSeconds,
  });

function refusal(body: string | Buffer, signature: string | null): StripeWebhookError {
  try {
    verifyWebhookEvent(body, signature, { secret, now });
  } catch (err) {
    if (err instanceof StripeWebhookError) return err;
    throw err;
  }
  throw new Error("the webhook was accepted");
}

describe("verifyWebhookEvent", () => {
  it("accepts a delivery signed with the secret, as a string or as bytes", () => {
    expect(verifyWebhookEvent(payload, sign(payload), { secret, now })).toMatchObject({
      id: "evt_1UnitTest",
      type: "checkout.session.completed",
      data: { object: { metadata: { order_id: "o-1" } } },
    });
    expect(verifyWebhookEvent(Buffer.from(payload), sign(payload), { secret, now }).id).toBe("evt_1UnitTest");
  });

  it("accepts a signature up to the tolerance old (300 s)", () => {
    expect(WEBHOOK_TOLERANCE_SECONDS).toBe(300);
    const atLimit = sign(payload, { timestamp: nowSeconds - 300 });
    expect(verifyWebhookEvent(payload, atLimit, { secret, now }).id).toBe("evt_1UnitTest");
  });

  it("refuses a genuine signature older than the tolerance as stale", () => {
    const err = refusal(payload, sign(payload, { timestamp: nowSeconds - 301 }));
    expect(err.reason).toBe("stale_signature");
    expect(err.status).toBe(400);
  });

  it("refuses a missing or empty signature header", () => {
    expect(refusal(payload, null).reason).toBe("missing_signature");
    expect(refusal(payload, "").reason).toBe("missing_signature");
  });

  it("refuses another secret's signature, an altered body and a garbled header as bad", () => {
    expect(refusal(payload, sign(payload, { secret: "whsec_someoneElse" })).reason).toBe("bad_signature");
    const altered = payload.replace('"o-1"', '"o-2"');
    expect(refusal(altered, sign(payload)).reason).toBe("bad_signature");
    expect(refusal(payload, "t=abc,v1=").reason).toBe("bad_signature");
    expect(refusal(payload, "nonsense").reason).toBe("bad_signature");
  });

  it("calls a forged signature bad even when its timestamp is also old", () => {
    const forged = sign(payload, { secret: "whsec_someoneElse", timestamp: nowSeconds - 3600 });
    expect(refusal(payload, forged).reason).toBe("bad_signature");
  });

  it("refuses a signed body that is not a Stripe event", () => {
    expect(refusal("not json", sign("not json")).reason).toBe("invalid_payload");
    const notEvent = JSON.stringify({ id: "cs_test_abc", object: "checkout.session" });
    expect(refusal(notEvent, sign(notEvent)).reason).toBe("invalid_payload");
    const noObject = JSON.stringify({ ...event, data: {} });
    expect(refusal(noObject, sign(noObject)).reason).toBe("invalid_payload");
  });

  it("never puts the secret in its messages", () => {
    for (const err of [
      refusal(payload, sign(payload, { secret: "whsec_someoneElse" })),
      refusal(payload, sign(payload, { timestamp: nowSeconds - 301 })),
    ]) {
      expect(err.message).not.toContain(secret);
    }
  });
});
