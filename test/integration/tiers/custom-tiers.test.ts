/**
 * Tiers the vendor adds, against PostgreSQL: publishing a version with
 * Platinum above Gold upgrades a qualifying partner at once (what the preview
 * showed), and Platinum's benefits apply where every benefit is read (license
 * discount, deal protection, lead routing weight and rank); a tier is removed
 * only while nobody holds it, is pinned to it or is due to drop to it; the
 * database refuses a tier key that was never published; migration 0016
 * converted the stored three-tier versions to the ordered ladder.
 */
import { readFileSync } from "node:fs";
import { count, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditEvents, partners, tierRules, tiers } from "~db/schema";
import { approveDeal } from "~/modules/deals/review.server";
import { discountFor } from "~/modules/licensing/orders.server";
import { pinPartnerTier, previewRules, publishRules } from "~/modules/tiers/admin.server";
import { applyDueRules, evaluateAllTiers } from "~/modules/tiers/evaluate.server";
import { protectionDaysFor, routingWeightsInForce, rulesInForce } from "~/modules/tiers/in-force.server";
import { formValuesOf } from "~/modules/tiers/schemas";
import { ValidationError } from "~/utils/errors.server";
import { createUser, ctxFor, rejection, setupTestDb, type TestUser } from "../../support/factories";
import { insertDeal } from "../deals/deal-fixtures";
import {
  DAY,
  certifiedPerson,
  changesOf,
  paidOrder,
  platinumTier,
  testRules,
  tierOf,
  tierPartner,
  wonDeal,
  tierWorld,
  type TestCourse,
} from "./tier-fixtures";

const db = setupTestDb();
let relay: TestCourse;
let tls: TestCourse;
let admin: TestUser;
let manager: TestUser;
const T = new Date("2031-06-01T10:00:00Z");

beforeAll(async () => {
  ({ relay, tls } = await tierWorld(db(), 200));
  admin = await createUser(db(), { role: "vendor_admin" });
  manager = await createUser(db(), { role: "channel_manager" });
});

/** A Gold partner with Platinum figures: 3 relay + 2 tls engineers, $300,000, 4 won deals. */
async function platinumFigures() {
  const p = await tierPartner(db(), "gold");
  const valid = [new Date(T.getTime() - 50 * DAY), new Date(T.getTime() + 400 * DAY)] as const;
  for (let i = 0; i < 3; i++) await certifiedPerson(db(), p.partner.id, relay, ...valid);
  for (let i = 0; i < 2; i++) await certifiedPerson(db(), p.partner.id, tls, ...valid);
  await paidOrder(db(), { partnerId: p.partner.id, totalMinor: 30_000_000, paidAt: new Date(T.getTime() - 10 * DAY) });
  for (let i = 0; i < 4; i++) await wonDeal(db(), p.partner.id, new Date(T.getTime() - (9 - i) * DAY));
  return p;
}

/** The form the admin submits: the rules in force, plus Platinum above Gold in the "add a tier" column. */
async function withPlatinum(effectiveDate: string) {
  const { rules } = await rulesInForce(db(), T);
  const p = platinumTier(relay.key, tls.key);
  return {
    ...formValuesOf(rules),
    effectiveDate,
    note: "Platinum above Gold",
    newKey: "platinum",
    newName: "Platinum",
    newAbove: "gold",
    newCertifications: p.requirements.certifications.map((c) => `${c.courseKey}: ${c.min}`).join("\n"),
    newRevenueUsd: String(p.requirements.revenueUsdMinor / 100),
    newWonDeals: String(p.requirements.wonDeals),
    newAcceptancePercent: "",
    newDiscount: String(p.benefits.discountPercent),
    newRoutingWeight: String(p.benefits.routingWeight),
    newProtectionDays: String(p.benefits.protectionDays),
  };
}

const versions = async () => (await db().select({ n: count() }).from(tierRules))[0]!.n;

describe("a tier the vendor adds", () => {
  it("previewed, published in force today, upgrades a qualifying partner at once; its benefits apply", async () => {
    const star = await platinumFigures();
    const plainGold = await tierPartner(db(), "gold");
    const form = await withPlatinum("2031-06-01");

    const preview = await previewRules(ctxFor(db(), admin, T), form);
    expect(preview.find((r) => r.partnerId === star.partner.id)).toMatchObject({
      tier: "gold",
      qualifying: "platinum",
      after: "platinum",
      movement: "up",
    });

    const published = await publishRules(ctxFor(db(), admin, T), form);
    expect(published.changed).toBeGreaterThanOrEqual(1);
    // The catalogue names the new tier; the version's ladder has it above Gold.
    expect(await db().select().from(tiers).where(eq(tiers.key, "platinum"))).toMatchObject([
      { key: "platinum", name: "Platinum" },
    ]);
    const inForce = await rulesInForce(db(), T);
    expect(inForce.version).toBe(published.version);
    expect(inForce.rules.tiers.map((t) => t.key)).toEqual(["registered", "silver", "gold", "platinum"]);
    // Upgraded at once, as the preview said; the change is recorded and audited.
    expect(await tierOf(db(), star.partner.id)).toBe("platinum");
    expect((await changesOf(db(), star.partner.id)).map((c) => [c.kind, c.fromTier, c.toTier, c.reason])).toEqual([
      ["upgrade", "gold", "platinum", `rules-v${published.version}`],
    ]);
    // A Gold partner without the figures keeps Gold (no change, not at risk).
    expect(await tierOf(db(), plainGold.partner.id)).toBe("gold");
    const [audit] = await db()
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.subjectId, String(published.version)));
    expect(audit).toMatchObject({ action: "tier.rules_published" });

    // Its benefits, where licensing, deals and lead routing read them.
    expect(await discountFor(db(), "platinum", T)).toBe(40);
    expect(await protectionDaysFor(db(), "platinum", T)).toBe(120);
    const routing = await routingWeightsInForce(db(), T);
    expect(routing).toMatchObject({ version: published.version, weights: { platinum: 0.9, gold: 1 } });
    expect(routing.ranks).toEqual({ registered: 0, silver: 1, gold: 2, platinum: 3 });
    // A deal registration of the Platinum partner approved now is protected for 120 days.
    const seller = await createUser(db(), { role: "partner_user", partnerId: star.partner.id });
    const deal = await insertDeal(db(), { partnerId: star.partner.id, registeredBy: seller.id });
    const approved = await approveDeal(ctxFor(db(), manager, T), deal.id);
    expect(approved.protectedUntil).toEqual(new Date(T.getTime() + 120 * DAY));

    // The daily run changes nothing more: the partner stays Platinum.
    await evaluateAllTiers(db(), new Date(T.getTime() + DAY));
    expect(await tierOf(db(), star.partner.id)).toBe("platinum");
  });

  it("refuses removing a tier while a partner holds it, field by field, and changes nothing", async () => {
    const { rules } = await rulesInForce(db(), T);
    expect(rules.tiers.some((t) => t.key === "platinum")).toBe(true);
    const before = await versions();
    const err = await rejection(
      publishRules(ctxFor(db(), admin, T), {
        ...formValuesOf(rules),
        effectiveDate: "2031-06-02",
        platinumRemove: "on",
      }),
    );
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).fields).toEqual({
      platinumRemove: [expect.stringMatching(/^Platinum cannot be removed while 1 partner holds it/)],
    });
    expect(await versions()).toBe(before);
    // The preview refuses it the same way.
    expect(
      await rejection(
        previewRules(ctxFor(db(), admin, T), {
          ...formValuesOf(rules),
          effectiveDate: "2031-06-02",
          platinumRemove: "on",
        }),
      ),
    ).toBeInstanceOf(ValidationError);
  });

  it("refuses removing a tier a partner is pinned to; removes one nobody depends on", async () => {
    const { rules } = await rulesInForce(db(), T);
    // Bronze between Registered and Silver, held by nobody.
    const bronze = {
      ...formValuesOf(rules),
      effectiveDate: "2031-06-01",
      newKey: "bronze",
      newName: "Bronze",
      newAbove: "registered",
      newDiscount: "15",
      newRoutingWeight: "0.2",
      newProtectionDays: "60",
      newWonDeals: "1",
    };
    const added = await publishRules(ctxFor(db(), admin, T), bronze);
    const ladder = (await rulesInForce(db(), T)).rules.tiers.map((t) => t.key);
    expect(ladder).toEqual(["registered", "bronze", "silver", "gold", "platinum"]);

    const pinned = await tierPartner(db(), "registered");
    await pinPartnerTier(ctxFor(db(), admin, T), {
      partnerId: pinned.partner.id,
      tier: "bronze",
      reason: "Launch partner",
      until: "2031-12-31",
    });
    expect(await tierOf(db(), pinned.partner.id)).toBe("bronze");
    // Unpinning is not enough while it holds the tier; moving it back to Registered by a pin elsewhere is.
    const current = (await rulesInForce(db(), T)).rules;
    const removing = { ...formValuesOf(current), effectiveDate: "2031-06-03", bronzeRemove: "on" };
    const refused = await rejection(publishRules(ctxFor(db(), admin, T), removing));
    expect((refused as ValidationError).fields?.bronzeRemove?.[0]).toMatch(/Bronze cannot be removed .*\(.+\)\.$/);

    // Named as the lead routing rules' minimum tier: refused too, until the routing rules change.
    await db().update(partners).set({ tier: "registered" }).where(eq(partners.id, pinned.partner.id));
    await db().execute(
      sql`update partner_tier_states set pinned_tier = null, pinned_until = null where partner_id = ${pinned.partner.id}`,
    );
    const routingVersion = async (minimumTier: string) =>
      db().execute(
        sql`insert into routing_rules (version, rules, note) select version + 1, jsonb_set(rules, '{minimumTier}', to_jsonb(${minimumTier}::text)), 'test' from routing_rules order by version desc limit 1`,
      );
    await routingVersion("bronze");
    const named = await rejection(publishRules(ctxFor(db(), admin, T), removing));
    expect((named as ValidationError).fields).toEqual({
      bronzeRemove: ["Bronze is a minimum tier of the lead routing rules in force; change them first."],
    });
    await routingVersion("registered");

    await db().execute(
      sql`update partner_tier_states set pinned_tier = null, pinned_until = null where partner_id = ${pinned.partner.id}`,
    );
    const removed = await publishRules(ctxFor(db(), admin, T), removing);
    expect(removed.version).toBe(added.version + 1);
    const later = await rulesInForce(db(), new Date("2031-06-03T12:00:00Z"));
    expect(later.rules.tiers.map((t) => t.key)).toEqual(["registered", "silver", "gold", "platinum"]);
    // The catalogue keeps the key: history still names it.
    expect(await db().select({ key: tiers.key }).from(tiers).where(eq(tiers.key, "bronze"))).toHaveLength(1);
  });

  it("the database refuses a tier key that was never published", async () => {
    const p = await tierPartner(db(), "gold");
    await expect(db().update(partners).set({ tier: "diamond" }).where(eq(partners.id, p.partner.id))).rejects.toThrow();
    expect(await tierOf(db(), p.partner.id)).toBe("gold");
  });
});

describe("rules published for a later date", () => {
  it("take effect at their moment: the jobs apply them once, upgrading at once under the new ladder", async () => {
    const T2 = new Date("2031-07-01T10:00:00Z");
    const star = await platinumFigures(); // Gold, with figures for Platinum, not evaluated since
    const { rules } = await rulesInForce(db(), T2);
    const diamondForm = {
      ...formValuesOf(rules),
      effectiveDate: "2031-07-03",
      note: "Diamond from the 3rd",
      newKey: "diamond",
      newName: "Diamond",
      newAbove: "platinum",
      newCertifications: `${relay.key}: 3`,
      newDiscount: "45",
      newRoutingWeight: "1",
      newProtectionDays: "200",
    };
    const published = await publishRules(ctxFor(db(), admin, T2), diamondForm);
    expect(published).toMatchObject({ changed: 0, effectiveAt: new Date("2031-07-03T00:00:00Z") });
    expect(await tierOf(db(), star.partner.id)).toBe("gold");

    // Before its moment: only what was due (the earlier future version, in force since 3 June) is applied.
    const before = await applyDueRules(db(), new Date("2031-07-02T23:59:00Z"));
    expect(before.map((r) => r.version)).not.toContain(published.version);
    expect(await tierOf(db(), star.partner.id)).toBe("platinum");

    // At its moment (the jobs look every minute): every partner evaluated under it, once.
    const at = new Date("2031-07-03T00:00:30Z");
    const applied = await applyDueRules(db(), at);
    expect(applied).toEqual([
      { version: published.version, evaluated: expect.any(Number), changed: expect.any(Number) },
    ]);
    expect(applied[0]!.changed).toBeGreaterThanOrEqual(1);
    expect(await tierOf(db(), star.partner.id)).toBe("diamond");
    const last = (await changesOf(db(), star.partner.id)).at(-1)!;
    expect(last).toMatchObject({
      kind: "upgrade",
      fromTier: "platinum",
      toTier: "diamond",
      reason: `rules-v${published.version}`,
      at,
    });
    expect(await applyDueRules(db(), new Date(at.getTime() + 60_000))).toEqual([]);
    const [row] = await db().select().from(tierRules).where(eq(tierRules.version, published.version));
    expect(row!.appliedAt).toEqual(at);
  });
});

describe("migration 0016", () => {
  it("converted the stored three-tier version to the ordered ladder", async () => {
    const [v1] = await db().select().from(tierRules).where(eq(tierRules.version, 1));
    expect(v1!.rules.tiers.map((t) => [t.key, t.name])).toEqual([
      ["registered", "Registered"],
      ["silver", "Silver"],
      ["gold", "Gold"],
    ]);
    expect(v1!.rules.tiers[0]!.benefits).toMatchObject({ discountPercent: expect.any(Number) });
  });

  it("turns a version stored keyed by tier into the ladder, keeping every requirement and benefit", async () => {
    const legacy = {
      graceDays: 45,
      tiers: Object.fromEntries(testRules("relay", "tls").tiers.map(({ key, name: _name, ...rest }) => [key, rest])),
    };
    await db().execute(
      sql`insert into tier_rules (version, effective_at, rules, note) values (9001, '2040-01-01', ${JSON.stringify(legacy)}::jsonb, 'legacy')`,
    );
    const migration = readFileSync(new URL("../../../db/migrations/0016_tiers_catalogue.sql", import.meta.url), "utf8");
    const update = migration.slice(migration.indexOf('UPDATE "tier_rules"'));
    await db().execute(sql.raw(update));
    const [row] = await db().select().from(tierRules).where(eq(tierRules.version, 9001));
    expect(row!.rules).toEqual({ ...testRules("relay", "tls"), graceDays: 45 });
  });
});
