/**
 * The demo world (npm start) shows partners in every tier, one at risk with
 * its due date and one pinned, and evaluating it again changes nothing: this
 * runs the whole seed against a fresh PostgreSQL database.
 */
import { describe, expect, it } from "vitest";
import { seedDemo } from "~db/seed";
import { partners, partnerTierStates } from "~db/schema";
import { eq } from "drizzle-orm";
import { evaluateAllTiers } from "~/modules/tiers/evaluate.server";
import { partnerScorecard, vendorScorecard } from "~/modules/tiers/scorecard.server";
import { setupTestDb } from "../../support/factories";
import { users } from "~db/schema";

const getDb = setupTestDb();

describe("the demo seed's tiers", () => {
  it("has every tier, one partner at risk with a due date, one pinned, and stays as it is when evaluated", async () => {
    const db = getDb();
    expect(await seedDemo(db, { NODE_ENV: "test" })).toBe(true);
    const rows = await db
      .select({
        slug: partners.slug,
        tier: partners.tier,
        atRisk: partnerTierStates.atRiskSince,
        due: partnerTierStates.downgradeDueAt,
        pinned: partnerTierStates.pinnedTier,
      })
      .from(partners)
      .leftJoin(partnerTierStates, eq(partnerTierStates.partnerId, partners.id));
    const tiers = Object.fromEntries(rows.map((r) => [r.slug, r.tier]));
    expect(tiers).toEqual({
      "sakura-mail": "gold",
      "southern-cross": "silver",
      "polder-relay": "gold",
      "brussels-secure": "registered",
      "liberty-mailworks": "silver",
      rheinmail: "registered",
    });
    const atRisk = rows.filter((r) => r.atRisk);
    expect(atRisk.map((r) => r.slug)).toEqual(["liberty-mailworks"]);
    expect(atRisk[0]!.due!.getTime()).toBeGreaterThan(Date.now());
    expect(rows.filter((r) => r.pinned).map((r) => r.slug)).toEqual(["polder-relay"]);

    expect((await evaluateAllTiers(db, new Date())).changed).toBe(0);

    // The scorecards have something to show.
    const [owner] = await db.select().from(users).where(eq(users.email, "owner@southern-cross.test"));
    const card = await partnerScorecard({
      db,
      actor: { userId: owner!.id, label: owner!.email, role: owner!.role, partnerId: owner!.partnerId },
    });
    expect(card.expiring.some((e) => e.costsTier && e.tierAfter === "registered")).toBe(true);
    const [admin] = await db.select().from(users).where(eq(users.email, "admin@vendor.test"));
    const vendor = await vendorScorecard({
      db,
      actor: { userId: admin!.id, label: admin!.email, role: admin!.role, partnerId: null },
    });
    expect(vendor.byTier).toEqual({ registered: 2, silver: 2, gold: 2 });
    expect(vendor.atRisk).toHaveLength(1);
    expect(vendor.topByRevenue.length).toBeGreaterThan(0);
  });
});
