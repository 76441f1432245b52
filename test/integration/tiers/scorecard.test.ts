/**
 * Scorecards against PostgreSQL: a partner sees its own tier, progress toward
 * the next one with its named certified people and revenue, what expires
 * soon and what it would cost; never another partner's figures. The vendor
 * scorecard counts partners by tier and country, at-risk partners, movements
 * and top revenue; partners may not read it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { reevaluatePartnerTier } from "~/modules/tiers/evaluate.server";
import { partnerScorecard, vendorScorecard } from "~/modules/tiers/scorecard.server";
import { ForbiddenError } from "~/utils/errors.server";
import { createUser, ctxFor, rejection, setupTestDb } from "../../support/factories";
import { DAY, certifiedPerson, paidOrder, tierPartner, wonDeal, tierWorld, type TestCourse } from "./tier-fixtures";

const db = setupTestDb();
let relay: TestCourse;
let tls: TestCourse;
const T = new Date("2031-08-10T10:00:00Z");

beforeAll(async () => {
  ({ relay, tls } = await tierWorld(db()));
});

describe("partner scorecard", () => {
  it("shows progress toward the next tier with named people, and what an expiring certification would cost", async () => {
    const mine = await tierPartner(db(), "silver");
    const other = await tierPartner(db(), "gold");
    await certifiedPerson(
      db(),
      mine.partner.id,
      relay,
      new Date(T.getTime() - 300 * DAY),
      new Date(T.getTime() + 20 * DAY),
      "Ada Expiring",
    );
    await certifiedPerson(
      db(),
      mine.partner.id,
      tls,
      new Date(T.getTime() - 30 * DAY),
      new Date(T.getTime() + 700 * DAY),
      "Tom Tls",
    );
    await paidOrder(db(), {
      partnerId: mine.partner.id,
      totalMinor: 4_000_000,
      paidAt: new Date(T.getTime() - 3 * DAY),
    });
    await wonDeal(db(), mine.partner.id, new Date(T.getTime() - 5 * DAY));
    // The other partner's people and revenue must not show.
    await certifiedPerson(
      db(),
      other.partner.id,
      relay,
      new Date(T.getTime() - 30 * DAY),
      new Date(T.getTime() + 700 * DAY),
      "Other Person",
    );
    await paidOrder(db(), {
      partnerId: other.partner.id,
      totalMinor: 90_000_000,
      paidAt: new Date(T.getTime() - 3 * DAY),
    });

    const card = await partnerScorecard(ctxFor(db(), mine.admin, T));
    expect(card.tier).toBe("silver");
    expect(card.next!.tier).toBe("gold");
    const progress = Object.fromEntries(
      card.next!.progress.map((p) => [p.key, [p.have, p.need, p.people?.map((x) => x.name)]]),
    );
    expect(progress).toEqual({
      [relay.key]: [1, 2, ["Ada Expiring"]],
      [tls.key]: [1, 1, ["Tom Tls"]],
      revenue: [4_000_000, 10_000_000, undefined],
      wonDeals: [1, 2, undefined],
      acceptanceRate: [0, 0.7, undefined],
    });
    expect(card.revenue.usdMinor).toBe(4_000_000);
    expect(card.expiring).toEqual([
      expect.objectContaining({
        name: "Ada Expiring",
        certificationName: "Relay Engineer",
        tierAfter: "registered",
        costsTier: true,
      }),
    ]);
    expect(card.deals).toMatchObject({ won: 1 });
    expect(JSON.stringify(card)).not.toContain("Other Person");
  });

  it("shows the at-risk deadline and is not for vendor staff", async () => {
    const p = await tierPartner(db(), "gold");
    await db().transaction((tx) => reevaluatePartnerTier(tx, { partnerId: p.partner.id, at: T, reason: "test" }));
    const card = await partnerScorecard(ctxFor(db(), p.admin, T));
    expect(card.atRisk).toMatchObject({ due: new Date(T.getTime() + 60 * DAY), target: "registered" });
    expect(card.keep.filter((r) => !r.met).map((r) => r.key)).toContain(relay.key);
    const vendor = await createUser(db(), { role: "vendor_admin" });
    expect(await rejection(partnerScorecard(ctxFor(db(), vendor, T)))).toBeInstanceOf(ForbiddenError);
  });
});

describe("vendor scorecard", () => {
  it("counts partners by tier and country, lists those at risk and the top revenue; partners may not read it", async () => {
    const jp = await tierPartner(db(), "gold", "JP");
    await paidOrder(db(), { partnerId: jp.partner.id, totalMinor: 99_000_000, paidAt: new Date(T.getTime() - DAY) });
    await db().transaction((tx) => reevaluatePartnerTier(tx, { partnerId: jp.partner.id, at: T, reason: "test" }));
    const manager = await createUser(db(), { role: "channel_manager" });
    const card = await vendorScorecard(ctxFor(db(), manager, T));
    expect(card.byCountry.find((c) => c.country === "JP")!.tiers.gold).toBeGreaterThanOrEqual(1);
    expect(card.byTier.gold! + card.byTier.silver! + card.byTier.registered!).toBe(card.totalPartners);
    expect(card.atRisk.map((p) => p.partnerId)).toContain(jp.partner.id);
    expect(card.topByRevenue[0]).toMatchObject({ id: jp.partner.id, usdMinor: 99_000_000 });
    expect(card.movements.map((m) => [m.partnerId, m.kind])).toContainEqual([jp.partner.id, "at_risk"]);
    expect(await rejection(vendorScorecard(ctxFor(db(), jp.admin, T)))).toBeInstanceOf(ForbiddenError);
  });
});
