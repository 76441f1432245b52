/**
 * Programme tier rules (pure; no database): which tier a partner's figures
 * qualify for, its progress on each requirement, and what happens to its
 * tier at an evaluation (upgrade at once; downgrade only after the grace
 * period, "at risk" meanwhile; a pinned tier wins until its end date).
 * The same functions serve the evaluation, the what-if preview and the
 * scorecards, so a preview shows exactly what publishing does.
 */
import { z } from "zod";
import type { TierDefinitionJson, TierRulesJson } from "~db/schema";

/** A tier key: a slug from the rules' ladder (and the `tiers` catalogue), e.g. "registered", "gold", "silver-plus". */
export type Tier = string;
/** The base tier: first in every ladder, never removed, a new partner's tier. */
export const BASE_TIER: Tier = "registered";
export const DEFAULT_GRACE_DAYS = 60;
const DAY_MS = 86_400_000;

export type TierRules = TierRulesJson;
export type TierDefinition = TierDefinitionJson;
export type TierRequirements = TierDefinition["requirements"];
export type TierBenefits = TierDefinition["benefits"];

/** A tier's key and display name, in ladder order (lowest first): what labels, selects and comparisons read. */
export interface TierInfo {
  key: Tier;
  name: string;
}
export type TierLadder = readonly TierInfo[];

/** The ladder (keys and names, lowest first) of a rule set. */
export function ladderOf(rules: Pick<TierRules, "tiers">): TierInfo[] {
  return rules.tiers.map((t) => ({ key: t.key, name: t.name }));
}

/**
 * A tier's position in the ladder (0 = registered). A key the ladder does not
 * hold (a tier retired by a later version) ranks above every tier, so a
 * partner still holding it is "above what it qualifies for": at risk for the
 * grace period, then moved to the tier it qualifies for.
 */
export function tierRank(ladder: TierLadder, tier: Tier): number {
  const i = ladder.findIndex((t) => t.key === tier);
  return i === -1 ? Number.POSITIVE_INFINITY : i;
}

/** Each tier's rank by key (for code that compares many tiers, e.g. lead routing). */
export function tierRanks(ladder: TierLadder): Record<Tier, number> {
  return Object.fromEntries(ladder.map((t, i) => [t.key, i]));
}

/** A tier's display name in the ladder; a key it does not hold reads as the key, capitalised. */
export function tierName(ladder: TierLadder, tier: Tier): string {
  return ladder.find((t) => t.key === tier)?.name ?? tier.charAt(0).toUpperCase() + tier.slice(1).replace(/-/g, " ");
}

/** Key → display name of every tier of the ladder (for pages that label many rows). */
export function tierNames(ladder: TierLadder): Record<Tier, string> {
  return Object.fromEntries(ladder.map((t) => [t.key, t.name]));
}

/** A tier's definition (requirements and benefits) in the rules; undefined when the rules do not hold it. */
export function tierDefinition(rules: TierRules, tier: Tier): TierDefinition | undefined {
  return rules.tiers.find((t) => t.key === tier);
}

const count = (max: number) => z.coerce.number().int().min(0).max(max);

/** A tier key: a lowercase slug ("platinum", "silver-plus"). "new" is reserved (the admin form's new-tier fields). */
export const TIER_KEY_PATTERN = /^[a-z][a-z0-9-]{0,29}$/;
export const tierKeySchema = z
  .string()
  .trim()
  .regex(TIER_KEY_PATTERN, "Use lowercase letters, digits and dashes, starting with a letter (at most 30).")
  .refine((k) => k !== "new", "“new” is reserved; choose another key.");

const requirementsSchema = z.object({
  certifications: z
    .array(
      z.object({
        courseKey: z
          .string()
          .trim()
          .min(1)
          .max(100)
          .regex(/^[a-z0-9][a-z0-9-]*$/, "Use the course key (lowercase letters, digits and dashes)."),
        min: count(1000),
      }),
    )
    .max(20)
    .refine((l) => new Set(l.map((c) => c.courseKey)).size === l.length, "Each certification once."),
  revenueUsdMinor: count(1_000_000_000_000),
  wonDeals: count(100_000),
  acceptanceRate: z.number().min(0).max(1).nullable(),
});

const benefitsSchema = z.object({
  discountPercent: count(100),
  routingWeight: z.coerce.number().min(0).max(1),
  protectionDays: z.coerce.number().int().min(1).max(730),
});

const tierSchema = z.object({
  key: tierKeySchema,
  name: z.string().trim().min(1).max(40),
  requirements: requirementsSchema,
  benefits: benefitsSchema,
});

/** At most this many tiers in a ladder. */
export const MAX_TIERS = 10;

/** A rule set as stored and as published (the admin form builds one): the ladder lowest first, registered first. */
export const tierRulesSchema = z.object({
  graceDays: z.coerce.number().int().min(0).max(365),
  tiers: z
    .array(tierSchema)
    .min(1)
    .max(MAX_TIERS)
    .refine((l) => l[0]?.key === BASE_TIER, `The ladder starts with the base tier (${BASE_TIER}).`)
    .refine((l) => new Set(l.map((t) => t.key)).size === l.length, "Each tier key once.")
    .refine((l) => new Set(l.map((t) => t.name.toLowerCase())).size === l.length, "Each tier name once."),
}) satisfies z.ZodType<TierRules, z.ZodTypeDef, unknown>;

// ---------------------------------------------------------------------------------------------------------------
// Figures and progress

export interface NamedPerson {
  userId: string;
  name: string;
  expiresAt: Date;
}

/** What the evaluation knows about a partner at a moment. */
export interface PartnerFigures {
  /** Certified people per course key (valid at the moment: earned, not expired, not revoked; each person once). */
  certified: Record<string, NamedPerson[]>;
  /** Trailing-12-month license revenue in US cents (each order at the rate in force on its paid day). */
  revenueUsdMinor: number;
  /** Deals won in the trailing 12 months. */
  wonDeals: number;
  /** Lead acceptance rate over the trailing 12 months (0..1); null when no offer was decided. */
  acceptanceRate: number | null;
}

export type RequirementKind = "certification" | "revenue" | "wonDeals" | "acceptanceRate";

export interface RequirementProgress {
  kind: RequirementKind;
  /** The course key for certifications; the kind otherwise. */
  key: string;
  have: number;
  need: number;
  met: boolean;
  /** Named certified people (certifications only). */
  people?: NamedPerson[];
}

/**
 * Each requirement of `req` against the figures. An acceptance rate with no
 * decided offers yet (null) meets the requirement: a partner is not held back
 * for leads it was never offered.
 */
export function requirementProgress(figures: PartnerFigures, req: TierRequirements): RequirementProgress[] {
  const out: RequirementProgress[] = req.certifications.map((c) => {
    const people = figures.certified[c.courseKey] ?? [];
    return {
      kind: "certification",
      key: c.courseKey,
      have: people.length,
      need: c.min,
      met: people.length >= c.min,
      people,
    };
  });
  if (req.revenueUsdMinor > 0) {
    out.push({
      kind: "revenue",
      key: "revenue",
      have: figures.revenueUsdMinor,
      need: req.revenueUsdMinor,
      met: figures.revenueUsdMinor >= req.revenueUsdMinor,
    });
  }
  if (req.wonDeals > 0) {
    out.push({
      kind: "wonDeals",
      key: "wonDeals",
      have: figures.wonDeals,
      need: req.wonDeals,
      met: figures.wonDeals >= req.wonDeals,
    });
  }
  if (req.acceptanceRate !== null && req.acceptanceRate > 0) {
    out.push({
      kind: "acceptanceRate",
      key: "acceptanceRate",
      have: figures.acceptanceRate ?? 0,
      need: req.acceptanceRate,
      met: figures.acceptanceRate === null || figures.acceptanceRate >= req.acceptanceRate - 1e-9,
    });
  }
  return out;
}

export function meets(figures: PartnerFigures, req: TierRequirements): boolean {
  return requirementProgress(figures, req).every((p) => p.met);
}

/** The highest tier of the ladder whose requirements the figures meet (the base tier at least). */
export function qualifyingTier(rules: TierRules, figures: PartnerFigures): Tier {
  for (let i = rules.tiers.length - 1; i > 0; i--) {
    const t = rules.tiers[i]!;
    if (meets(figures, t.requirements)) return t.key;
  }
  return rules.tiers[0]?.key ?? BASE_TIER;
}

/** The tier above `tier` in the ladder (null at the top; for a key the ladder does not hold, null). */
export function nextTier(ladder: TierLadder, tier: Tier): Tier | null {
  const rank = tierRank(ladder, tier);
  return Number.isFinite(rank) ? (ladder[rank + 1]?.key ?? null) : null;
}

/** `a` ranks below `b` in the ladder. */
export const tierBelow = (ladder: TierLadder, a: Tier, b: Tier) => tierRank(ladder, a) < tierRank(ladder, b);

// ---------------------------------------------------------------------------------------------------------------
// Grace period and pinning

export interface Pin {
  tier: Tier;
  reason: string;
  until: Date;
}

/** A partner's tier standing between evaluations. */
export interface TierStanding {
  /** The tier in force (partners.tier). */
  tier: Tier;
  atRiskSince: Date | null;
  downgradeDueAt: Date | null;
  targetTier: Tier | null;
  pin: Pin | null;
}

export type ChangeKind = "upgrade" | "downgrade" | "at_risk" | "recovered" | "pin_ended";

export interface TierChangeDecision {
  kind: ChangeKind;
  from: Tier;
  to: Tier;
}

export interface TierDecision {
  standing: TierStanding;
  qualifying: Tier;
  /** What changed, in order (a pin ending can be followed by at risk or an upgrade); empty when nothing did. */
  changes: TierChangeDecision[];
}

/**
 * The evaluation at `at`, given the standing so far, the tier the figures
 * qualify for and the rules (their ladder orders the tiers; their grace period):
 * - a pin in force holds the pinned tier (nothing else changes, the partner is not at risk);
 *   a pin past its end date ends, and the rules apply from then on (a grace period starts if below);
 * - qualifying above the tier: upgrade at once (at risk cleared);
 * - qualifying equal: at risk cleared ("recovered") if it was;
 * - qualifying below: at risk from now with the downgrade due after `graceDays`;
 *   once due, down to the tier it qualifies for then.
 */
export function decideTier(
  prev: TierStanding,
  qualifying: Tier,
  rules: Pick<TierRules, "tiers" | "graceDays">,
  at: Date,
): TierDecision {
  const { graceDays } = rules;
  const ladder = rules.tiers;
  const changes: TierChangeDecision[] = [];
  let s: TierStanding = { ...prev };
  if (s.pin) {
    if (s.pin.until.getTime() > at.getTime()) {
      const held: TierStanding = {
        tier: s.pin.tier,
        atRiskSince: null,
        downgradeDueAt: null,
        targetTier: null,
        pin: s.pin,
      };
      if (held.tier !== prev.tier)
        changes.push({
          kind: tierBelow(ladder, prev.tier, held.tier) ? "upgrade" : "downgrade",
          from: prev.tier,
          to: held.tier,
        });
      return { standing: held, qualifying, changes };
    }
    changes.push({ kind: "pin_ended", from: s.tier, to: s.tier });
    s = { tier: s.tier, atRiskSince: null, downgradeDueAt: null, targetTier: null, pin: null };
  }
  if (tierBelow(ladder, s.tier, qualifying)) {
    changes.push({ kind: "upgrade", from: s.tier, to: qualifying });
    return {
      standing: { tier: qualifying, atRiskSince: null, downgradeDueAt: null, targetTier: null, pin: null },
      qualifying,
      changes,
    };
  }
  if (s.tier === qualifying) {
    if (s.atRiskSince) changes.push({ kind: "recovered", from: s.tier, to: s.tier });
    return {
      standing: { tier: s.tier, atRiskSince: null, downgradeDueAt: null, targetTier: null, pin: null },
      qualifying,
      changes,
    };
  }
  // Below its tier.
  if (!s.atRiskSince || !s.downgradeDueAt) {
    const due = new Date(at.getTime() + graceDays * DAY_MS);
    if (graceDays <= 0) {
      changes.push({ kind: "downgrade", from: s.tier, to: qualifying });
      return {
        standing: { tier: qualifying, atRiskSince: null, downgradeDueAt: null, targetTier: null, pin: null },
        qualifying,
        changes,
      };
    }
    changes.push({ kind: "at_risk", from: s.tier, to: qualifying });
    return {
      standing: { tier: s.tier, atRiskSince: at, downgradeDueAt: due, targetTier: qualifying, pin: null },
      qualifying,
      changes,
    };
  }
  if (s.downgradeDueAt.getTime() <= at.getTime()) {
    changes.push({ kind: "downgrade", from: s.tier, to: qualifying });
    return {
      standing: { tier: qualifying, atRiskSince: null, downgradeDueAt: null, targetTier: null, pin: null },
      qualifying,
      changes,
    };
  }
  return { standing: { ...s, targetTier: qualifying }, qualifying, changes };
}

/** How a partner would move under a rule set (the what-if preview's classes). */
export type Movement = "up" | "down" | "at_risk" | "recovered" | "unchanged";

export function movementOf(decision: TierDecision): Movement {
  const kinds = decision.changes.map((c) => c.kind);
  if (kinds.includes("upgrade")) return "up";
  if (kinds.includes("downgrade")) return "down";
  if (kinds.includes("at_risk")) return "at_risk";
  if (kinds.includes("recovered")) return "recovered";
  return "unchanged";
}

// ---------------------------------------------------------------------------------------------------------------
// Forecast: what expiring certifications would cost

export interface ExpiryForecast {
  person: NamedPerson;
  courseKey: string;
  /** The tier the partner would qualify for once this certification lapses (all else equal). */
  tierAfter: Tier;
}

/**
 * The certifications that lapse within `days` of `at`, each with the tier the
 * partner would qualify for after it (and every earlier one in the list)
 * lapsed, all else equal: "what it would cost".
 */
export function expiryForecast(rules: TierRules, figures: PartnerFigures, at: Date, days: number): ExpiryForecast[] {
  const horizon = at.getTime() + days * DAY_MS;
  const expiring = Object.entries(figures.certified)
    .flatMap(([courseKey, people]) => people.map((person) => ({ courseKey, person })))
    .filter((e) => e.person.expiresAt.getTime() <= horizon)
    .sort((a, b) => a.person.expiresAt.getTime() - b.person.expiresAt.getTime());
  const out: ExpiryForecast[] = [];
  for (const e of expiring) {
    const moment = e.person.expiresAt.getTime();
    const certified = Object.fromEntries(
      Object.entries(figures.certified).map(([k, people]) => [k, people.filter((p) => p.expiresAt.getTime() > moment)]),
    );
    out.push({ ...e, tierAfter: qualifyingTier(rules, { ...figures, certified }) });
  }
  return out;
}

/** "$12,345" from US cents. */
export function formatUsd(minor: number): string {
  return new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 }).format(
    minor / 100,
  );
}

/** One requirement in words: "2 of 3 certified (mail-relay-fundamentals)". */
export function requirementText(p: RequirementProgress, courseNames: Record<string, string> = {}): string {
  switch (p.kind) {
    case "certification":
      return `${courseNames[p.key] ?? p.key}: ${p.have} of ${p.need} certified`;
    case "revenue":
      return `License revenue (12 months): ${formatUsd(p.have)} of ${formatUsd(p.need)}`;
    case "wonDeals":
      return `Deals won (12 months): ${p.have} of ${p.need}`;
    case "acceptanceRate":
      return `Lead acceptance rate: ${Math.round(p.have * 100)}% of ${Math.round(p.need * 100)}%`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Revenue window

/** The trailing window of the revenue and won-deal requirements: 12 months (as licensing's licenseRevenue counts). */
export const TRAILING_MONTHS = 12;

/** `at` minus 12 months (UTC; the 31st falls back to the month's last day). */
export function trailingStart(at: Date): Date {
  const d = new Date(at.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - TRAILING_MONTHS);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d;
}
