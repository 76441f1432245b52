/**
 * The routing engine's rules on a table of partners × leads: territory (with
 * the rules' territory map and subdivisions), each exclusion reason, scoring
 * from the weights (the tier part from the tier rules' routing weights,
 * passed in), the seeded tie-break and its replay from the stored candidates
 * and seed.
 */
import { describe, expect, it } from "vitest";
import type { RoutingRulesJson } from "~db/schema";
import {
  requirementsFor,
  decide,
  exclusionWords,
  hashSeed,
  mulberry32,
  partsByName,
  pickWinner,
  replayDecision,
  scorePartner,
  servingAreas,
  timeToAcceptPart,
  type LeadFacts,
  type PartnerFacts,
  type TierRanks,
  type TierWeights,
} from "~/modules/leads/routing";

const PRODUCT_ARCHIVE = "00000000-0000-4000-8000-0000000000a1";
const PRODUCT_RELAY = "00000000-0000-4000-8000-0000000000a2";

const rules: RoutingRulesJson = {
  territoryMap: [
    { area: "NZ", servedBy: ["AU"] },
    { area: "LU", servedBy: ["BE", "NL"] },
    { area: "US-WY", servedBy: ["US-CO"] },
  ],
  productRules: [
    { productId: PRODUCT_ARCHIVE, specialization: "archiving", certification: "archive-pro", minimumTier: "silver" },
    { productId: PRODUCT_RELAY, specialization: null, certification: null, minimumTier: null },
  ],
  minimumTier: "registered",
  requiredCertification: null,
  defaultCapacity: 25,
  weights: { tier: 3, acceptanceRate: 3, timeToAccept: 2, winRate: 2 },
  slaBusinessDays: 2,
  workdayStartHour: 9,
  workdayEndHour: 17,
  maxOffers: 3,
};

/** The initial tier rules' routing weights (migration 0010). */
const TW: TierWeights = { registered: 0, silver: 0.5, gold: 1 };
/** The ladder of the tier rules in force: registered < silver < gold. */
const TR: TierRanks = { registered: 0, silver: 1, gold: 2 };

function partner(id: string, over: Partial<PartnerFacts> = {}): PartnerFacts {
  return {
    id,
    name: `P ${id}`,
    status: "active",
    agreementCurrent: true,
    paused: false,
    territories: ["NL"],
    specializations: [],
    tier: "silver",
    certifications: new Set(),
    capacity: 25,
    openLeads: 0,
    acceptanceRate: null,
    medianHoursToAccept: null,
    winRate: null,
    ...over,
  };
}

function lead(over: Partial<LeadFacts> = {}): LeadFacts {
  return { id: "lead-1", country: "NL", region: null, productId: null, previouslyOffered: new Set(), ...over };
}

// The table: one partner per row, with the reasons it gets (or its eligibility) for each lead column.
const P = {
  nlGold: partner("p01", {
    tier: "gold",
    territories: ["NL", "BE"],
    specializations: ["archiving"],
    certifications: new Set(["archive-pro"]),
  }),
  nlSilver: partner("p02", { tier: "silver", territories: ["NL"], specializations: ["archiving"] }),
  nlInactive: partner("p03", { status: "suspended" }),
  nlNoAgreement: partner("p04", { agreementCurrent: false }),
  nlPaused: partner("p05", { paused: true }),
  nlFull: partner("p06", { capacity: 3, openLeads: 3 }),
  nlRegistered: partner("p07", {
    tier: "registered",
    specializations: ["archiving"],
    certifications: new Set(["archive-pro"]),
  }),
  au: partner("p08", { territories: ["AU"] }),
  usWide: partner("p09", { territories: ["US"] }),
  usCo: partner("p10", { territories: ["US-CO"] }),
  jp: partner("p11", { territories: ["JP"] }),
  be: partner("p12", { territories: ["BE"] }),
};
const all = Object.values(P);

type Expect = Record<string, string[] | "eligible" | "outside">;
const cases: { name: string; lead: LeadFacts; expect: Expect }[] = [
  {
    name: "a plain lead in NL",
    lead: lead(),
    expect: {
      p01: "eligible",
      p02: "eligible",
      p03: ["not active"],
      p04: ["agreement not current"],
      p05: ["paused lead offers"],
      p06: ["capacity exhausted (3 of 3 open)"],
      p07: "eligible",
      p08: "outside",
      p09: "outside",
      p10: "outside",
      p11: "outside",
      p12: "outside",
    },
  },
  {
    name: "an archiving lead in NL (specialization, certification, silver)",
    lead: lead({ productId: PRODUCT_ARCHIVE }),
    expect: {
      p01: "eligible",
      p02: ["missing the required certification"],
      p03: ["not active", "missing the required specialization", "missing the required certification"],
      p07: ["below the minimum tier"],
    },
  },
  {
    name: "a lead in NZ goes to AU partners by the territory map",
    lead: lead({ country: "NZ" }),
    expect: { p08: "eligible", p01: "outside", p11: "outside" },
  },
  {
    name: "a lead in LU goes to BE and NL partners",
    lead: lead({ country: "LU" }),
    expect: { p01: "eligible", p02: "eligible", p12: "eligible", p08: "outside" },
  },
  {
    name: "a lead in US-CO: the US-wide partner and the Colorado one",
    lead: lead({ country: "US", region: "US-CO" }),
    expect: { p09: "eligible", p10: "eligible", p01: "outside" },
  },
  {
    name: "a lead in the US without a region: only the US-wide partner",
    lead: lead({ country: "US" }),
    expect: { p09: "eligible", p10: "outside" },
  },
  {
    name: "a lead in US-WY is served by Colorado (map) and US-wide partners",
    lead: lead({ country: "US", region: "US-WY" }),
    expect: { p09: "eligible", p10: "eligible" },
  },
  {
    name: "a lead offered to p01 before",
    lead: lead({ previouslyOffered: new Set(["p01"]) }),
    expect: { p01: ["offered this lead before"], p02: "eligible" },
  },
];

describe("eligibility on a table of partners × leads", () => {
  it.each(cases)("$name", ({ lead: l, expect: want }) => {
    const d = decide(l, all, rules, TW, "seed", { tierRanks: TR });
    const listed = new Map(d.candidates.map((c) => [c.partnerId, c]));
    for (const [id, w] of Object.entries(want)) {
      const c = listed.get(id);
      if (w === "outside") expect(c, `${id} is only counted`).toBeUndefined();
      else if (w === "eligible") {
        expect(c?.excluded, id).toEqual([]);
        expect(c?.score, id).toBeGreaterThanOrEqual(0);
      } else expect(c && exclusionWords(c), id).toEqual(w);
    }
    // Every partner is either listed or counted as outside the territory.
    expect(d.candidates.length + (d.excludedCounts.territory ?? 0)).toBe(all.length);
    const eligible = d.candidates.filter((c) => c.excluded.length === 0);
    expect(d.eligibleCount).toBe(eligible.length);
    if (eligible.length > 0) {
      const best = Math.max(...eligible.map((c) => c.score!));
      expect(eligible.find((c) => c.partnerId === d.chosenPartnerId)!.score).toBe(best);
    } else expect(d.chosenPartnerId).toBeNull();
  });

  it("counts exclusion reasons and writes a summary", () => {
    const d = decide(lead(), all, rules, TW, "seed", { tierRanks: TR });
    expect(d.excludedCounts).toEqual({ inactive: 1, agreement: 1, paused: 1, capacity: 1, territory: 5 });
    expect(d.summary).toMatch(
      /^Offered to P p01: highest score 0\.\d\d of 3 eligible; 4 excluded in the territory, 5 outside it\.$/,
    );
  });

  it("no eligible partner: nobody chosen and the summary says why", () => {
    const d = decide(lead({ country: "FR" }), all, rules, TW, "seed", { tierRanks: TR });
    expect(d.chosenPartnerId).toBeNull();
    expect(d.candidates).toEqual([]);
    expect(d.summary).toBe("No eligible partner: no partner serves FR.");
    const d2 = decide(lead({ country: "NL", productId: PRODUCT_ARCHIVE }), [P.nlSilver, P.nlPaused], rules, TW, "s", {
      tierRanks: TR,
    });
    expect(d2.chosenPartnerId).toBeNull();
    expect(d2.summary).toMatch(/^No eligible partner: all 2 in the territory excluded \(/);
  });

  it("servingAreas adds the map's entries and their countries", () => {
    expect([...servingAreas({ country: "US", region: "US-WY" }, rules)].sort()).toEqual(["US", "US-CO", "US-WY"]);
    expect([...servingAreas({ country: "LU", region: null }, rules)].sort()).toEqual(["BE", "LU", "NL"]);
  });

  it("the rule-wide certification and minimum tier apply to every lead", () => {
    const strict = { ...rules, requiredCertification: "archive-pro", minimumTier: "gold" as const };
    const d = decide(lead(), [P.nlGold, P.nlSilver], strict, TW, "seed", { tierRanks: TR });
    // Stored as codes (a decision lists every partner of the territory), read as words.
    const p02 = d.candidates.find((c) => c.partnerId === "p02")!;
    expect(p02.excluded).toEqual(["certification", "tier"]);
    expect(exclusionWords(p02)).toEqual(["missing the required certification", "below the minimum tier"]);
    expect(d.chosenPartnerId).toBe("p01");
  });

  it("compares minimum tiers on the ladder of the tier rules in force, a tier the vendor added included", () => {
    // Platinum above Gold: a Gold partner is below a Platinum minimum; a Platinum partner meets a Gold one.
    const ranks: TierRanks = { registered: 0, silver: 1, gold: 2, platinum: 3 };
    const weights: TierWeights = { ...TW, platinum: 1 };
    const platinum = {
      ...P.nlGold,
      id: "p99",
      name: "Platinum Mail",
      tier: "platinum",
      certifications: P.nlGold.certifications,
    };
    const needsPlatinum = { ...rules, minimumTier: "platinum" };
    const d = decide(lead(), [P.nlGold, platinum], needsPlatinum, weights, "seed", { tierRanks: ranks });
    expect(d.candidates.find((c) => c.partnerId === "p01")!.excluded).toContain("tier");
    expect(d.chosenPartnerId).toBe("p99");
    const needsGold = { ...rules, minimumTier: "gold" };
    const both = decide(lead(), [P.nlGold, platinum], needsGold, weights, "seed", { tierRanks: ranks });
    expect(both.candidates.every((c) => !c.excluded.includes("tier"))).toBe(true);
    // A product rule's higher minimum wins over the rule-wide one, compared on the same ladder.
    const withProduct = {
      ...needsGold,
      productRules: [{ productId: "px", specialization: null, certification: null, minimumTier: "platinum" }],
    };
    expect(requirementsFor({ productId: "px" }, withProduct, ranks).minimumTier).toBe("platinum");
    // A partner still holding a tier the ladder no longer has counts as the base tier.
    const retired = { ...P.nlGold, id: "p98", name: "Retired Mail", tier: "diamond" };
    const r = decide(lead(), [retired], needsGold, weights, "seed", { tierRanks: ranks });
    expect(r.candidates[0]!.excluded).toContain("tier");
    expect(decide(lead(), [retired], rules, weights, "seed", { tierRanks: ranks }).chosenPartnerId).toBe("p98");
  });

  it("stores candidates compactly and reads older decisions' words and part names as they were", () => {
    const d = decide(lead(), all, rules, TW, "seed", { tierRanks: TR });
    const full = d.candidates.find((c) => c.partnerId === "p06")!;
    expect(full).toEqual({ partnerId: "p06", excluded: ["capacity"], capacity: [3, 3] });
    const chosen = d.candidates.find((c) => c.partnerId === d.chosenPartnerId)!;
    expect(chosen).not.toHaveProperty("name");
    expect(chosen.parts).toHaveLength(4);
    expect(partsByName(chosen.parts)).toEqual(scorePartner(P.nlGold, rules.weights, TW).parts);
    // A decision stored before: name, sentences and named parts come back unchanged.
    const old = { partnerId: "x", name: "Old Co", excluded: ["tier silver below gold"] };
    expect(exclusionWords(old)).toEqual(["tier silver below gold"]);
    expect(partsByName({ tier: 0.3, winRate: 0.1 })).toEqual({ tier: 0.3, winRate: 0.1 });
    expect(partsByName(undefined)).toBeNull();
  });
});

describe("scoring", () => {
  it.each([
    ["gold, perfect history", { tier: "gold", acceptanceRate: 1, medianHoursToAccept: 0, winRate: 1 }, 1],
    ["registered, worst history", { tier: "registered", acceptanceRate: 0, medianHoursToAccept: 48, winRate: 0 }, 0],
    [
      "silver, unknown history (neutral)",
      { tier: "silver", acceptanceRate: null, medianHoursToAccept: null, winRate: null },
      0.5,
    ],
    // (3·1 + 3·0.5 + 2·0.5 + 2·0.25) / 10 = 0.6
    [
      "gold, half accepted, 24 h, a quarter won",
      { tier: "gold", acceptanceRate: 0.5, medianHoursToAccept: 24, winRate: 0.25 },
      0.6,
    ],
  ] as const)("%s → %d", (_name, facts, want) => {
    const s = scorePartner(facts, rules.weights, TW);
    expect(s.score).toBeCloseTo(want, 6);
    expect(Object.values(s.parts).reduce((a, b) => a + b, 0)).toBeCloseTo(s.score, 3);
  });

  it("time to accept: 1 at 0 h, 0 at 48 h and beyond", () => {
    expect(timeToAcceptPart(0)).toBe(1);
    expect(timeToAcceptPart(12)).toBe(0.75);
    expect(timeToAcceptPart(100)).toBe(0);
    expect(timeToAcceptPart(null)).toBe(0.5);
  });

  it("weights steer the choice: tier only picks gold, acceptance only picks the fast acceptor", () => {
    const gold = partner("g", { tier: "gold", acceptanceRate: 0.2 });
    const keen = partner("k", { tier: "registered", acceptanceRate: 1 });
    const tierOnly = { ...rules, weights: { tier: 1, acceptanceRate: 0, timeToAccept: 0, winRate: 0 } };
    const acceptOnly = { ...rules, weights: { tier: 0, acceptanceRate: 1, timeToAccept: 0, winRate: 0 } };
    expect(decide(lead(), [gold, keen], tierOnly, TW, "x", { tierRanks: TR }).chosenPartnerId).toBe("g");
    expect(decide(lead(), [gold, keen], acceptOnly, TW, "x", { tierRanks: TR }).chosenPartnerId).toBe("k");
  });

  it("the tier part is the tier rules' routing weight: rules weighting Silver above Gold prefer Silver", () => {
    const gold = partner("g", { tier: "gold" });
    const silver = partner("s", { tier: "silver" });
    const registered = partner("r", { tier: "registered" });
    const tierOnly = { ...rules, weights: { tier: 1, acceptanceRate: 0, timeToAccept: 0, winRate: 0 } };
    expect(decide(lead(), [gold, silver, registered], tierOnly, TW, "x", { tierRanks: TR }).chosenPartnerId).toBe("g");
    const silverFirst: TierWeights = { registered: 0.1, silver: 0.9, gold: 0.4 };
    const d = decide(lead(), [gold, silver, registered], tierOnly, silverFirst, "x", { tierRanks: TR });
    expect(d.chosenPartnerId).toBe("s");
    expect(d.candidates.map((c) => [c.partnerId, c.score])).toEqual([
      ["s", 0.9],
      ["g", 0.4],
      ["r", 0.1],
    ]);
    // With the usual weights, the tier part is the weight's share: 3/10 of 0.9 for a Silver partner.
    expect(scorePartner(silver, rules.weights, silverFirst).parts.tier).toBeCloseTo(0.27, 6);
    expect(scorePartner(silver, rules.weights, TW).parts.tier).toBeCloseTo(0.15, 6);
    // The same facts object scored under other tier weights is not served from the cache.
    expect(decide(lead(), [gold, silver, registered], tierOnly, TW, "x", { tierRanks: TR }).chosenPartnerId).toBe("g");
  });
});

describe("seeded tie-break", () => {
  const tied = Array.from({ length: 8 }, (_, i) => partner(`t${i}`, { tier: "gold" }));

  it("the PRNG is deterministic per seed", () => {
    const a = mulberry32(hashSeed("abc"));
    const b = mulberry32(hashSeed("abc"));
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
    expect(mulberry32(hashSeed("abd"))()).not.toBe(mulberry32(hashSeed("abc"))());
  });

  it("replaying a stored decision from its candidates and seed gives the same partner", () => {
    const winners = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const seed = `seed-${i}`;
      const d = decide(lead(), tied, rules, TW, seed, { tierRanks: TR });
      expect(d.summary).toContain("drawn among 8 tied");
      // What routing_decisions stores, through JSON and back.
      const stored = JSON.parse(JSON.stringify({ candidates: d.candidates, seed })) as Parameters<
        typeof replayDecision
      >[0];
      expect(replayDecision(stored)).toBe(d.chosenPartnerId);
      // The input order does not matter: ties are sorted by partner id before the draw.
      expect(decide(lead(), [...tied].reverse(), rules, TW, seed, { tierRanks: TR }).chosenPartnerId).toBe(
        d.chosenPartnerId,
      );
      winners.add(d.chosenPartnerId!);
    }
    // Different seeds spread the wins.
    expect(winners.size).toBeGreaterThan(3);
  });

  it("only candidates tied at the best score take part in the draw", () => {
    expect(
      pickWinner(
        [
          { partnerId: "a", score: 0.5 },
          { partnerId: "b", score: 0.7 },
          { partnerId: "c", score: 0.7 },
        ],
        "any",
      ),
    ).toMatch(/^[bc]$/);
    expect(pickWinner([], "any")).toBeNull();
  });
});
