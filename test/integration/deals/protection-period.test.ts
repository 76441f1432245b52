/**
 * The protection period of an approved registration is the partner tier's
 * `benefits.protectionDays` in the tier rules in force at approval (a new
 * rules version changes it for approvals from its date on);
 * DEAL_PROTECTION_DAYS (90 here) only when the rules give none. The review
 * page states the same number of days.
 */
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { approveDeal, getDealForReview } from "~/modules/deals/review.server";
import { ctxFor, setupTestDb, type TestUser } from "../../support/factories";
import { DAY, insertRules, testRules, tierIn } from "../tiers/tier-fixtures";
import { dealRow, insertDeal, partnerWithPeople, vendorStaff } from "./deal-fixtures";

const db = setupTestDb();
const RULES_FROM = new Date("2032-01-01T00:00:00Z");
const AT = new Date("2032-02-01T12:00:00Z");
let manager: TestUser;

beforeAll(async () => {
  ({ manager } = await vendorStaff(db()));
  const rules = testRules("relay", "tls");
  tierIn(rules, "registered").benefits.protectionDays = 30;
  tierIn(rules, "silver").benefits.protectionDays = 60;
  tierIn(rules, "gold").benefits.protectionDays = 120;
  await insertRules(db(), 50, RULES_FROM, rules);
});

async function pendingDeal(tier: "registered" | "silver" | "gold") {
  const { partner, seller } = await partnerWithPeople(db(), { tier });
  return insertDeal(db(), { partnerId: partner.id, registeredBy: seller.id });
}

describe("deal protection from the tier rules", () => {
  it("approval protects for the partner tier's days in the rules in force", async () => {
    for (const [tier, days] of [
      ["registered", 30],
      ["silver", 60],
      ["gold", 120],
    ] as const) {
      const deal = await pendingDeal(tier);
      expect((await getDealForReview(ctxFor(db(), manager, AT), deal.id)).protectionDays).toBe(days);
      const result = await approveDeal(ctxFor(db(), manager, AT), deal.id);
      const until = new Date(AT.getTime() + days * DAY);
      expect({ tier, protectedUntil: result.protectedUntil }).toEqual({ tier, protectedUntil: until });
      expect((await dealRow(db(), deal.id)).protectedUntil).toEqual(until);
    }
  });

  it("before that version is in force, the earlier rules' days apply (90 in the initial rules)", async () => {
    const before = new Date(RULES_FROM.getTime() - DAY);
    const deal = await pendingDeal("gold");
    const result = await approveDeal(ctxFor(db(), manager, before), deal.id);
    expect(result.protectedUntil).toEqual(new Date(before.getTime() + 90 * DAY));
  });

  it("rules without a protection period fall back to DEAL_PROTECTION_DAYS", async () => {
    const later = new Date("2033-01-01T00:00:00Z");
    const rules = testRules("relay", "tls");
    await insertRules(db(), 51, later, rules);
    // A stored version whose Silver benefits (the ladder's second tier) lack the period (written before it was a benefit, say).
    await db().execute(
      sql`update tier_rules set rules = rules #- '{tiers,1,benefits,protectionDays}' where version = 51`,
    );
    const at = new Date(later.getTime() + DAY);
    const deal = await pendingDeal("silver");
    expect((await getDealForReview(ctxFor(db(), manager, at), deal.id)).protectionDays).toBe(90);
    const result = await approveDeal(ctxFor(db(), manager, at), deal.id);
    expect(result.protectedUntil).toEqual(new Date(at.getTime() + 90 * DAY));
  });
});
