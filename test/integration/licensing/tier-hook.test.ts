/**
 * A paid license order counts toward the partner's tier at once, in the
 * payment's own transaction (licensing calls the tier evaluation on
 * fulfillment); a refund takes the revenue back, and the drop waits out the
 * grace period as any downgrade does.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { handleStripeEvent } from "~/modules/licensing/webhook.server";
import { createOrder, markOrderPaid } from "~/modules/licensing/orders.server";
import { licenseOrders } from "~db/schema";
import { eq } from "drizzle-orm";
import { createUser, setupTestDb, type TestUser } from "../../support/factories";
import { licensingPartner, licensingTestEnv, orderInput, refundEvent } from "../../support/licensing-factories";
import {
  DAY,
  certifiedPerson,
  changesOf,
  insertRules,
  stateOf,
  testRules,
  tierCourses,
  tierOf,
  wonDeal,
} from "../tiers/tier-fixtures";

licensingTestEnv();
const db = setupTestDb();
const as = (u: TestUser) => ({ userId: u.id, label: u.email, role: u.role, partnerId: u.partnerId, ip: null });
let vendorAdmin: TestUser;

beforeAll(async () => {
  const { relay, tls } = await tierCourses(db());
  await insertRules(db(), 200, new Date("2040-01-01T00:00:00Z"), testRules(relay.key, tls.key));
  vendorAdmin = await createUser(db(), { role: "vendor_admin" });
  tierRelay = relay;
});
let tierRelay: Awaited<ReturnType<typeof tierCourses>>["relay"];

describe("license revenue and the tier", () => {
  it("a paid order lifts a registered partner to Silver in the payment's transaction; a refund puts it at risk", async () => {
    const T = new Date("2041-03-02T09:00:00Z");
    const p = await licensingPartner(db(), { tier: "registered", invoiceTerms: true });
    // Everything Silver needs but the revenue ($20,000).
    await certifiedPerson(
      db(),
      p.partner.id,
      tierRelay,
      new Date(T.getTime() - 30 * DAY),
      new Date(T.getTime() + 300 * DAY),
    );
    await wonDeal(db(), p.partner.id, new Date(T.getTime() - 10 * DAY));

    // 5 × $4,800 less the Registered discount (10 %) = $21,600.
    const order = await createOrder(db(), {
      actor: as(p.seller),
      input: await orderInput(db(), { currency: "USD", lines: [{ sku: "SRL-PERP", seats: 5 }] }),
      now: T,
    });
    expect(order.totalMinor).toBe(2_160_000);
    expect(await tierOf(db(), p.partner.id)).toBe("registered");

    await markOrderPaid(db(), { actor: as(vendorAdmin), orderId: order.id, input: { reference: "WIRE-77" }, now: T });
    expect(await tierOf(db(), p.partner.id)).toBe("silver");
    expect((await changesOf(db(), p.partner.id)).map((c) => [c.kind, c.toTier])).toEqual([["upgrade", "silver"]]);

    // Refunded through Stripe a week later: the revenue is gone, the partner is at risk, still Silver.
    await db()
      .update(licenseOrders)
      .set({ stripePaymentIntentId: "pi_tier_hook" })
      .where(eq(licenseOrders.id, order.id));
    const refund = refundEvent(order, "pi_tier_hook");
    const result = await handleStripeEvent(db(), refund, { now: new Date(T.getTime() + 7 * DAY) });
    expect(result.outcome).toBe("applied");
    expect(await tierOf(db(), p.partner.id)).toBe("silver");
    const state = await stateOf(db(), p.partner.id);
    expect(state?.atRiskSince?.toISOString()).toBe(new Date(T.getTime() + 7 * DAY).toISOString());
  });
});
