import { describe, expect, it } from "vitest";
import {
  decideTier,
  expiryForecast,
  movementOf,
  nextTier,
  qualifyingTier,
  requirementProgress,
  tierDefinition,
  tierName,
  tierRank,
  tierRulesSchema,
  trailingStart,
  type PartnerFigures,
  type TierRules,
  type TierStanding,
} from "~/modules/tiers/rules";
import { convertPaid } from "~/modules/licensing/currency";

const DAY = 86_400_000;
const AT = new Date("2031-03-01T12:00:00Z");
const later = (days: number) => new Date(AT.getTime() + days * DAY);

const rules: TierRules = {
  graceDays: 60,
  tiers: [
    {
      key: "registered",
      name: "Registered",
      requirements: { certifications: [], revenueUsdMinor: 0, wonDeals: 0, acceptanceRate: null },
      benefits: { discountPercent: 10, routingWeight: 0, protectionDays: 90 },
    },
    {
      key: "silver",
      name: "Silver",
      requirements: {
        certifications: [{ courseKey: "relay", min: 1 }],
        revenueUsdMinor: 2_000_000,
        wonDeals: 1,
        acceptanceRate: 0.5,
      },
      benefits: { discountPercent: 20, routingWeight: 0.5, protectionDays: 90 },
    },
    {
      key: "gold",
      name: "Gold",
      requirements: {
        certifications: [
          { courseKey: "relay", min: 2 },
          { courseKey: "tls", min: 1 },
        ],
        revenueUsdMinor: 10_000_000,
        wonDeals: 2,
        acceptanceRate: 0.7,
      },
      benefits: { discountPercent: 30, routingWeight: 1, protectionDays: 90 },
    },
  ],
};

/** A tier's definition in a rule set (the test rules hold every tier they name). */
const def = (r: TierRules, key: string) => tierDefinition(r, key)!;
/** The test ladder with a grace period of `graceDays`. */
const grace = (graceDays: number) => ({ tiers: rules.tiers, graceDays });

const person = (name: string, expiresInDays = 300) => ({ userId: `id-${name}`, name, expiresAt: later(expiresInDays) });

function figures(over: Partial<PartnerFigures> = {}): PartnerFigures {
  return { certified: {}, revenueUsdMinor: 0, wonDeals: 0, acceptanceRate: null, ...over };
}

const goldFigures = figures({
  certified: { relay: [person("Ann"), person("Bob")], tls: [person("Cy")] },
  revenueUsdMinor: 12_000_000,
  wonDeals: 3,
  acceptanceRate: 0.8,
});

describe("qualifying tier on a table of partner figures", () => {
  const table: [string, PartnerFigures, string][] = [
    ["nothing at all", figures(), "registered"],
    ["everything for gold", goldFigures, "gold"],
    [
      "gold but one relay engineer",
      { ...goldFigures, certified: { relay: [person("Ann")], tls: [person("Cy")] } },
      "silver",
    ],
    ["gold figures but revenue one cent short", { ...goldFigures, revenueUsdMinor: 9_999_999 }, "silver"],
    ["gold figures, acceptance 69%", { ...goldFigures, acceptanceRate: 0.69 }, "silver"],
    ["gold figures, no offers decided yet", { ...goldFigures, acceptanceRate: null }, "gold"],
    [
      "silver exactly",
      figures({ certified: { relay: [person("Ann")] }, revenueUsdMinor: 2_000_000, wonDeals: 1, acceptanceRate: 0.5 }),
      "silver",
    ],
    [
      "silver but no won deal",
      figures({ certified: { relay: [person("Ann")] }, revenueUsdMinor: 2_000_000, wonDeals: 0 }),
      "registered",
    ],
    [
      "silver but certified on another course only",
      figures({ certified: { tls: [person("Ann")] }, revenueUsdMinor: 2_000_000, wonDeals: 1 }),
      "registered",
    ],
    [
      "gold certifications and revenue without silver's acceptance",
      { ...goldFigures, acceptanceRate: 0.4 },
      "registered",
    ],
  ];
  it.each(table)("%s → %s", (_label, f, tier) => {
    expect(qualifyingTier(rules, f)).toBe(tier);
  });

  it("reports progress per requirement with the named people", () => {
    const progress = requirementProgress(
      figures({ certified: { relay: [person("Ann")] }, revenueUsdMinor: 500_000, wonDeals: 1, acceptanceRate: 0.75 }),
      def(rules, "gold").requirements,
    );
    expect(progress.map(({ kind, key, have, need, met }) => ({ kind, key, have, need, met }))).toEqual([
      { kind: "certification", key: "relay", have: 1, need: 2, met: false },
      { kind: "certification", key: "tls", have: 0, need: 1, met: false },
      { kind: "revenue", key: "revenue", have: 500_000, need: 10_000_000, met: false },
      { kind: "wonDeals", key: "wonDeals", have: 1, need: 2, met: false },
      { kind: "acceptanceRate", key: "acceptanceRate", have: 0.75, need: 0.7, met: true },
    ]);
    expect(progress[0]!.people!.map((p) => p.name)).toEqual(["Ann"]);
  });
});

const standing = (over: Partial<TierStanding> = {}): TierStanding => ({
  tier: "silver",
  atRiskSince: null,
  downgradeDueAt: null,
  targetTier: null,
  pin: null,
  ...over,
});

describe("grace period", () => {
  it("upgrades at once", () => {
    const d = decideTier(standing({ tier: "registered" }), "gold", grace(60), AT);
    expect(d.standing.tier).toBe("gold");
    expect(d.changes).toEqual([{ kind: "upgrade", from: "registered", to: "gold" }]);
    expect(movementOf(d)).toBe("up");
  });

  it("puts a partner below its tier at risk with the downgrade due after the grace period", () => {
    const d = decideTier(standing({ tier: "gold" }), "silver", grace(60), AT);
    expect(d.standing).toMatchObject({
      tier: "gold",
      atRiskSince: AT,
      downgradeDueAt: later(60),
      targetTier: "silver",
    });
    expect(d.changes).toEqual([{ kind: "at_risk", from: "gold", to: "silver" }]);
    expect(movementOf(d)).toBe("at_risk");
  });

  it("keeps the tier during the grace period, then downgrades to the tier it qualifies for then", () => {
    const atRisk = standing({ tier: "gold", atRiskSince: AT, downgradeDueAt: later(60), targetTier: "silver" });
    const during = decideTier(atRisk, "registered", grace(60), later(59));
    expect(during.changes).toEqual([]);
    expect(during.standing).toMatchObject({ tier: "gold", atRiskSince: AT, targetTier: "registered" });
    const due = decideTier(atRisk, "silver", grace(60), later(60));
    expect(due.standing).toMatchObject({ tier: "silver", atRiskSince: null, downgradeDueAt: null });
    expect(due.changes).toEqual([{ kind: "downgrade", from: "gold", to: "silver" }]);
  });

  it("clears the risk when the partner qualifies again", () => {
    const atRisk = standing({ tier: "gold", atRiskSince: AT, downgradeDueAt: later(60), targetTier: "silver" });
    const d = decideTier(atRisk, "gold", grace(60), later(10));
    expect(d.standing.atRiskSince).toBeNull();
    expect(d.changes).toEqual([{ kind: "recovered", from: "gold", to: "gold" }]);
  });

  it("downgrades at once with no grace period", () => {
    expect(decideTier(standing({ tier: "gold" }), "silver", grace(0), AT).standing.tier).toBe("silver");
  });
});

describe("pinning", () => {
  const pin = { tier: "gold" as const, reason: "Strategic account", until: later(30) };
  it("holds the pinned tier until its end, whatever the figures", () => {
    const d = decideTier(standing({ tier: "gold", pin }), "registered", grace(60), later(29));
    expect(d.standing).toMatchObject({ tier: "gold", atRiskSince: null, pin });
    expect(d.changes).toEqual([]);
  });
  it("applies the pin to a partner whose tier differs", () => {
    const d = decideTier(standing({ tier: "silver", pin }), "silver", grace(60), AT);
    expect(d.standing.tier).toBe("gold");
    expect(d.changes).toEqual([{ kind: "upgrade", from: "silver", to: "gold" }]);
  });
  it("ends at its end date; below the tier the grace period starts then", () => {
    const d = decideTier(standing({ tier: "gold", pin }), "silver", grace(60), later(30));
    expect(d.standing).toMatchObject({ tier: "gold", pin: null, atRiskSince: later(30), downgradeDueAt: later(90) });
    expect(d.changes.map((c) => c.kind)).toEqual(["pin_ended", "at_risk"]);
  });
});

describe("what expiring certifications would cost", () => {
  it("names the tier the partner would drop to after each lapse", () => {
    const f = {
      ...goldFigures,
      certified: { relay: [person("Ann", 20), person("Bob", 200)], tls: [person("Cy", 45)] },
    };
    const forecast = expiryForecast(rules, f, AT, 60);
    expect(forecast.map((e) => [e.person.name, e.courseKey, e.tierAfter])).toEqual([
      ["Ann", "relay", "silver"],
      ["Cy", "tls", "silver"],
    ]);
  });
});

describe("trailing revenue in US dollars", () => {
  const rates = [
    { currency: "EUR" as const, rateToBase: 1.1, effectiveDate: "2030-01-01" },
    { currency: "EUR" as const, rateToBase: 1.2, effectiveDate: "2031-01-01" },
    { currency: "JPY" as const, rateToBase: 0.0067, effectiveDate: "2030-01-01" },
  ];
  it("counts 12 months back from the evaluation (the 31st falls back to the month's end)", () => {
    expect(trailingStart(AT).toISOString()).toBe("2030-03-01T12:00:00.000Z");
    expect(trailingStart(new Date("2032-02-29T08:00:00Z")).toISOString()).toBe("2031-02-28T08:00:00.000Z");
  });
  it("converts each paid order at the rate in force on its paid day (licensing's convertPaid, as the evaluation uses it)", () => {
    const paid = [
      { currency: "EUR" as const, totalMinor: 100_000, paidAt: new Date("2030-12-31T23:00:00Z") }, // 1.1 → $1,100
      { currency: "EUR" as const, totalMinor: 100_000, paidAt: new Date("2031-01-01T00:30:00Z") }, // 1.2 → $1,200
      { currency: "JPY" as const, totalMinor: 1_000_000, paidAt: new Date("2031-02-01T00:00:00Z") }, // $6,700
      { currency: "USD" as const, totalMinor: 50_000, paidAt: new Date("2031-02-02T00:00:00Z") },
    ].filter((o) => o.paidAt > trailingStart(AT) && o.paidAt <= AT);
    const { totalBaseMinor } = convertPaid(paid, rates);
    expect(totalBaseMinor).toBe(110_000 + 120_000 + 670_000 + 50_000);
    // Silver needs $20,000: $9,500 is not enough.
    expect(qualifyingTier(rules, { ...goldFigures, revenueUsdMinor: totalBaseMinor })).toBe("registered");
  });
  it("leaves out a currency without a rate on the paid day (and names it)", () => {
    expect(convertPaid([{ currency: "AUD", totalMinor: 100, paidAt: AT }], rates)).toEqual({
      totalBaseMinor: 0,
      missingRates: ["AUD"],
    });
  });
});

describe("rule set validation", () => {
  it("accepts the rules and refuses a negative minimum or a rate above 100%", () => {
    expect(tierRulesSchema.safeParse(rules).success).toBe(true);
    const bad = structuredClone(rules);
    def(bad, "gold").requirements.wonDeals = -1;
    def(bad, "silver").requirements.acceptanceRate = 1.5;
    const r = tierRulesSchema.safeParse(bad);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join("."))).toEqual([
      "tiers.1.requirements.acceptanceRate",
      "tiers.2.requirements.wonDeals",
    ]);
  });
});

describe("a ladder the vendor extended", () => {
  // Platinum above Gold, and Silver Plus between Silver and Gold: five tiers, ordered by the rules.
  const platinum = {
    key: "platinum",
    name: "Platinum",
    requirements: {
      certifications: [
        { courseKey: "relay", min: 3 },
        { courseKey: "tls", min: 2 },
      ],
      revenueUsdMinor: 25_000_000,
      wonDeals: 5,
      acceptanceRate: 0.8,
    },
    benefits: { discountPercent: 40, routingWeight: 1, protectionDays: 180 },
  };
  const silverPlus = {
    key: "silver-plus",
    name: "Silver Plus",
    requirements: {
      certifications: [{ courseKey: "relay", min: 2 }],
      revenueUsdMinor: 5_000_000,
      wonDeals: 1,
      acceptanceRate: null,
    },
    benefits: { discountPercent: 25, routingWeight: 0.7, protectionDays: 120 },
  };
  const extended: TierRules = {
    graceDays: 60,
    tiers: [def(rules, "registered"), def(rules, "silver"), silverPlus, def(rules, "gold"), platinum],
  };
  const platinumFigures = figures({
    certified: { relay: [person("Ann"), person("Bob"), person("Dee")], tls: [person("Cy"), person("Eve")] },
    revenueUsdMinor: 30_000_000,
    wonDeals: 6,
    acceptanceRate: 0.9,
  });

  it("is valid and orders the tiers as listed", () => {
    expect(tierRulesSchema.safeParse(extended).success).toBe(true);
    expect(extended.tiers.map((t) => tierRank(extended.tiers, t.key))).toEqual([0, 1, 2, 3, 4]);
    expect(nextTier(extended.tiers, "silver")).toBe("silver-plus");
    expect(nextTier(extended.tiers, "gold")).toBe("platinum");
    expect(nextTier(extended.tiers, "platinum")).toBeNull();
    expect(tierName(extended.tiers, "silver-plus")).toBe("Silver Plus");
  });

  it("qualifies a partner for the added tiers", () => {
    expect(qualifyingTier(extended, platinumFigures)).toBe("platinum");
    expect(qualifyingTier(extended, goldFigures)).toBe("gold");
    // Gold figures without TLS: above Silver, short of Gold → the tier between them.
    expect(qualifyingTier(extended, { ...goldFigures, certified: { relay: goldFigures.certified.relay! } })).toBe(
      "silver-plus",
    );
    // Under the three-tier rules the same figures are Gold at most.
    expect(qualifyingTier(rules, platinumFigures)).toBe("gold");
  });

  it("upgrades to Platinum at once, and puts a Platinum partner below it at risk, then down through the ladder", () => {
    const up = decideTier(standing({ tier: "gold" }), "platinum", extended, AT);
    expect(up.changes).toEqual([{ kind: "upgrade", from: "gold", to: "platinum" }]);
    expect(movementOf(up)).toBe("up");

    const risk = decideTier(standing({ tier: "platinum" }), "gold", extended, AT);
    expect(risk.standing).toMatchObject({ tier: "platinum", targetTier: "gold", downgradeDueAt: later(60) });
    expect(movementOf(risk)).toBe("at_risk");
    // At the end of the grace period it drops to what it qualifies for then: Silver Plus, below Gold.
    const down = decideTier(risk.standing, "silver-plus", extended, later(60));
    expect(down.changes).toEqual([{ kind: "downgrade", from: "platinum", to: "silver-plus" }]);
    expect(down.standing.tier).toBe("silver-plus");
  });

  it("what-if: the same partner moves up under the extended rules and not under the current ones", () => {
    const now = standing({ tier: "gold" });
    expect(movementOf(decideTier(now, qualifyingTier(rules, platinumFigures), rules, AT))).toBe("unchanged");
    const d = decideTier(now, qualifyingTier(extended, platinumFigures), extended, AT);
    expect(movementOf(d)).toBe("up");
    expect(d.standing.tier).toBe("platinum");
  });

  it("forecasts a lapse that would cost Platinum", () => {
    const f = {
      ...platinumFigures,
      certified: { ...platinumFigures.certified, tls: [person("Cy", 10), person("Eve")] },
    };
    expect(expiryForecast(extended, f, AT, 60).map((e) => [e.person.name, e.tierAfter])).toEqual([["Cy", "gold"]]);
  });

  it("holds a partner whose tier a later version retired at risk for the grace period, then moves it down", () => {
    const retired: TierRules = { graceDays: 60, tiers: rules.tiers };
    expect(tierRank(retired.tiers, "platinum")).toBe(Number.POSITIVE_INFINITY);
    const d = decideTier(standing({ tier: "platinum" }), "gold", retired, AT);
    expect(d.changes).toEqual([{ kind: "at_risk", from: "platinum", to: "gold" }]);
    expect(decideTier(d.standing, "gold", retired, later(60)).standing.tier).toBe("gold");
  });

  it("refuses a ladder without the base tier first, a key twice or a name twice", () => {
    const paths = (r: TierRules) =>
      tierRulesSchema.safeParse(r).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];
    expect(paths({ ...extended, tiers: [platinum, ...rules.tiers] })).toEqual([
      "tiers: The ladder starts with the base tier (registered).",
    ]);
    expect(paths({ ...extended, tiers: [...rules.tiers, { ...platinum, key: "gold" }] })).toEqual([
      "tiers: Each tier key once.",
    ]);
    expect(paths({ ...extended, tiers: [...rules.tiers, { ...platinum, name: "gold" }] })).toEqual([
      "tiers: Each tier name once.",
    ]);
    expect(paths({ ...extended, tiers: [...rules.tiers, { ...platinum, key: "Platinum!" }] })[0]).toMatch(
      /^tiers\.3\.key: Use lowercase letters/,
    );
  });
});
