/**
 * The routing engine's tier part comes from the tier rules in force at the
 * routing moment (each tier's `benefits.routingWeight`): a rules version that
 * weights Silver above Gold makes routing prefer the Silver partner, per lead
 * and in bulk, and the vendor's "route to" options rank the same way. Each
 * decision stores the tier weights it used and their rules version, and
 * replays from its record to the same partner.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Partner } from "~db/schema";
import { routeLead, routeLeads } from "~/modules/leads/route.server";
import { partsByName, replayDecision } from "~/modules/leads/routing";
import { routingOptions, vendorLeadDetail } from "~/modules/leads/vendor-detail.server";
import { createPartner, createUser, ctxFor, setupTestDb, unique, type TestUser } from "../../support/factories";
import { createTestLead } from "../../support/lead-factories";
import { routingDecisionsOf } from "~/modules/leads/decisions.server";
import { insertRules, testRules, tierIn } from "../tiers/tier-fixtures";

const db = setupTestDb();
const RULES_FROM = new Date("2031-06-01T00:00:00Z");
const AT = new Date("2031-06-02T08:00:00Z"); // a Monday
const BEFORE = new Date("2031-05-30T08:00:00Z");
const SILVER_FIRST = { registered: 0, silver: 1, gold: 0.2 };
let cm: TestUser;
let region: string;
let gold: Partner;
let silver: Partner;

beforeAll(async () => {
  cm = await createUser(db(), { role: "channel_manager" });
  const rules = testRules("relay", "tls");
  tierIn(rules, "registered").benefits.routingWeight = SILVER_FIRST.registered;
  tierIn(rules, "silver").benefits.routingWeight = SILVER_FIRST.silver;
  tierIn(rules, "gold").benefits.routingWeight = SILVER_FIRST.gold;
  await insertRules(db(), 70, RULES_FROM, rules);
  region = `NL-${unique("r")
    .replace(/[^a-z0-9]/gi, "")
    .slice(-8)
    .toUpperCase()}`;
  // Two partners alike but for their tier (no lead history: the other parts are neutral and equal).
  gold = await partnerIn("gold");
  silver = await partnerIn("silver");
});

async function partnerIn(tier: "gold" | "silver") {
  const partner = await createPartner(db(), { territories: [region], tier });
  await createUser(db(), { role: "partner_admin", partnerId: partner.id });
  return partner;
}

async function decisionOf(leadId: string) {
  const [d] = await routingDecisionsOf(db(), leadId);
  return d!;
}

describe("tier routing weights from the tier rules", () => {
  it("rules weighting Silver above Gold offer the lead to the Silver partner; the decision records the weights", async () => {
    const lead = await createTestLead(db(), { country: "NL", region });
    const out = await routeLead(ctxFor(db(), cm, AT), lead.id);
    expect(out).toMatchObject({ kind: "offered", partnerId: silver.id });

    const decision = await decisionOf(lead.id);
    expect(decision).toMatchObject({ tierRulesVersion: 70, tierWeights: SILVER_FIRST, chosenPartnerId: silver.id });
    const byId = new Map(decision.candidates.map((c) => [c.partnerId, c]));
    expect(partsByName(byId.get(silver.id)!.parts)!.tier).toBeGreaterThan(partsByName(byId.get(gold.id)!.parts)!.tier!);
    expect(replayDecision(decision)).toBe(silver.id);
    // "Why this partner" shows them.
    const view = await vendorLeadDetail(ctxFor(db(), cm, AT), lead.id);
    expect(view.decisions[0]).toMatchObject({ tierRulesVersion: 70, tierWeights: SILVER_FIRST });
    // In the ladder's order, with its names.
    expect(view.decisions[0]!.tierWeightList).toEqual([
      { key: "registered", name: "Registered", weight: 0 },
      { key: "silver", name: "Silver", weight: 1 },
      { key: "gold", name: "Gold", weight: 0.2 },
    ]);
  });

  it("before that version is in force the earlier rules apply: Gold is preferred", async () => {
    const lead = await createTestLead(db(), { country: "NL", region });
    const out = await routeLead(ctxFor(db(), cm, BEFORE), lead.id);
    expect(out).toMatchObject({ kind: "offered", partnerId: gold.id });
    const decision = await decisionOf(lead.id);
    expect(decision.tierRulesVersion).toBe(1);
    expect(decision.tierWeights).toEqual({ registered: 0, silver: 0.5, gold: 1 });
    expect(replayDecision(decision)).toBe(gold.id);
  });

  it("bulk routing and the vendor's route-to options use the same weights", async () => {
    const lead = await createTestLead(db(), { country: "NL", region });
    const options = await routingOptions(ctxFor(db(), cm, AT), lead);
    const eligible = options.options.filter((o) => o.partnerId === silver.id || o.partnerId === gold.id);
    expect(eligible.map((o) => o.partnerId)).toEqual([silver.id, gold.id]);
    expect(eligible[0]!.score).toBeGreaterThan(eligible[1]!.score);

    const bulk = await routeLeads(ctxFor(db(), cm, AT), [lead.id]);
    expect(bulk.offered).toBe(1);
    const decision = await decisionOf(lead.id);
    expect(decision).toMatchObject({ mode: "bulk", tierRulesVersion: 70, tierWeights: SILVER_FIRST });
    expect(decision.chosenPartnerId).toBe(silver.id);
    expect(replayDecision(decision)).toBe(silver.id);
  });
});
