/**
 * The routing engine's rules (pure, no database): which partners may receive a
 * lead, how the eligible ones score, and the seeded tie-break.
 *
 * Candidate facts in, decision out. The decision carries everything needed to
 * explain and replay it: every partner inside the lead's territory with its
 * exclusion reasons or its score (partners outside the territory are only
 * counted, to keep the stored explanation small), and the seed of the draw
 * that breaks ties. replayDecision() on the stored candidates and seed gives
 * the same partner.
 */
import type { RoutingCandidateJson, RoutingRulesJson } from "~db/schema";

/** A programme tier key (the tier rules' ladder orders them; a vendor can add tiers). */
export type Tier = string;
/**
 * Each tier's rank in the ladder of the tier rules in force (0 = registered),
 * loaded by the caller with the weights: a rule's minimum tier compares with
 * it. A tier the ladder does not hold (retired by a later version) counts as
 * the base tier.
 */
export type TierRanks = Readonly<Record<Tier, number>>;
const rankOf = (ranks: TierRanks, tier: Tier) => ranks[tier] ?? 0;

/**
 * The tier part of a score per tier (0..1): each tier's `routingWeight` in the
 * tier rules in force, loaded by the caller with the other facts and passed in
 * (this module reads no database). Each decision records the ones it used.
 */
export type TierWeights = Readonly<Record<Tier, number>>;

/** What the engine knows about a partner when it routes. */
export interface PartnerFacts {
  id: string;
  name: string;
  /** partners.status */
  status: string;
  /** The partner accepted the agreement in force (or is within its grace period, or none is published). */
  agreementCurrent: boolean;
  paused: boolean;
  territories: readonly string[];
  specializations: readonly string[];
  tier: Tier;
  /** Course keys of which at least one of the partner's people holds a valid certification. */
  certifications: ReadonlySet<string>;
  /** partner_lead_settings.capacity ?? rules.defaultCapacity */
  capacity: number;
  /** Open leads now: offered + working. */
  openLeads: number;
  acceptanceRate: number | null;
  medianHoursToAccept: number | null;
  winRate: number | null;
}

export interface LeadFacts {
  id: string;
  country: string;
  region: string | null;
  productId: string | null;
  /** Partners offered this lead before (declined, expired, recalled): each partner gets a lead at most once. */
  previouslyOffered: ReadonlySet<string>;
}

/** Exclusion reason codes (the keys of excludedCounts). */
export type ExclusionCode =
  | "territory"
  | "inactive"
  | "agreement"
  | "paused"
  | "specialization"
  | "certification"
  | "tier"
  | "capacity"
  | "previouslyOffered";

export const exclusionLabels: Record<ExclusionCode, string> = {
  territory: "outside the territory",
  inactive: "not active",
  agreement: "agreement not current",
  paused: "paused lead offers",
  specialization: "missing the required specialization",
  certification: "missing the required certification",
  tier: "below the minimum tier",
  capacity: "capacity exhausted",
  previouslyOffered: "offered this lead before",
};

export interface RoutingDecisionResult {
  chosenPartnerId: string | null;
  candidates: RoutingCandidateJson[];
  excludedCounts: Record<string, number>;
  eligibleCount: number;
  summary: string;
}

/** The rules' part that routing needs (a RoutingRulesJson satisfies it). */
export type RoutingRules = Pick<
  RoutingRulesJson,
  "territoryMap" | "productRules" | "minimumTier" | "requiredCertification" | "weights"
>;

/** The country of a territory code: "US-CO" → "US", "JP" → "JP". */
export function countryOf(area: string): string {
  return area.slice(0, 2);
}

/**
 * The territory codes whose partners serve a lead: the lead's subdivision and
 * country, and whatever the rules' territory map says serves either of them
 * (a subdivision named there brings its country too: a partner with "US"
 * serves "US-CO").
 */
export function servingAreas(lead: Pick<LeadFacts, "country" | "region">, rules: Pick<RoutingRules, "territoryMap">) {
  const own = new Set<string>([lead.country]);
  if (lead.region) own.add(lead.region);
  const areas = new Set(own);
  for (const row of rules.territoryMap) {
    if (!own.has(row.area)) continue;
    for (const s of row.servedBy) {
      areas.add(s);
      areas.add(countryOf(s));
    }
  }
  return areas;
}

export function inTerritory(territories: readonly string[], areas: ReadonlySet<string>): boolean {
  for (const t of territories) if (areas.has(t)) return true;
  return false;
}

/** What a lead requires of a partner under the rules (rule-wide plus its product's rule). */
export interface Requirements {
  specialization: string | null;
  certifications: string[];
  minimumTier: Tier;
  /** The ladder's ranks the minimum tier is compared with. */
  tierRanks: TierRanks;
}

export function requirementsFor(
  lead: Pick<LeadFacts, "productId">,
  rules: RoutingRules,
  tierRanks: TierRanks,
): Requirements {
  const product = lead.productId ? rules.productRules.find((r) => r.productId === lead.productId) : undefined;
  const certifications = [rules.requiredCertification, product?.certification].filter(
    (c, i, all): c is string => !!c && all.indexOf(c) === i,
  );
  let minimumTier: Tier = rules.minimumTier;
  if (product?.minimumTier && rankOf(tierRanks, product.minimumTier) > rankOf(tierRanks, minimumTier)) {
    minimumTier = product.minimumTier;
  }
  return { specialization: product?.specialization ?? null, certifications, minimumTier, tierRanks };
}

/** Why this partner cannot receive the lead (empty: eligible). Territory is checked separately. */
export function exclusions(
  p: PartnerFacts,
  lead: Pick<LeadFacts, "previouslyOffered">,
  req: Requirements,
): { code: ExclusionCode; text: string }[] {
  const out: { code: ExclusionCode; text: string }[] = [];
  if (p.status !== "active") out.push({ code: "inactive", text: `not active (${p.status})` });
  if (!p.agreementCurrent) out.push({ code: "agreement", text: "agreement not current" });
  if (p.paused) out.push({ code: "paused", text: "paused lead offers" });
  if (req.specialization && !p.specializations.includes(req.specialization)) {
    out.push({ code: "specialization", text: `needs specialization ${req.specialization}` });
  }
  for (const c of req.certifications) {
    if (!p.certifications.has(c)) out.push({ code: "certification", text: `needs certification ${c}` });
  }
  if (rankOf(req.tierRanks, p.tier) < rankOf(req.tierRanks, req.minimumTier)) {
    out.push({ code: "tier", text: `tier ${p.tier} below ${req.minimumTier}` });
  }
  if (p.openLeads >= p.capacity) {
    out.push({ code: "capacity", text: `capacity exhausted (${p.openLeads} of ${p.capacity} open)` });
  }
  if (lead.previouslyOffered.has(p.id)) out.push({ code: "previouslyOffered", text: "offered this lead before" });
  return out;
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Median hours to accept → 1 at 0 h, falling linearly to 0 at 48 h or more. */
export function timeToAcceptPart(medianHours: number | null): number {
  if (medianHours === null) return 0.5;
  return Math.max(0, Math.min(1, 1 - medianHours / 48));
}

/**
 * Score 0..1: Σ w·part / Σ w over tier, acceptance rate, time to accept and
 * win rate (unknown rates count as a neutral 0.5). The tier part is the
 * partner tier's routing weight in the tier rules (`tierWeights`). `parts`
 * holds each weighted share (4 decimals; they add up to the score). The score
 * is rounded to 6 decimals, so the stored figure is exactly what the choice
 * compared.
 */
export function scorePartner(
  p: Pick<PartnerFacts, "tier" | "acceptanceRate" | "medianHoursToAccept" | "winRate">,
  weights: RoutingRules["weights"],
  tierWeights: TierWeights,
): { score: number; parts: Record<string, number> } {
  const raw = {
    tier: Math.max(0, Math.min(1, tierWeights[p.tier] ?? 0)),
    acceptanceRate: p.acceptanceRate ?? 0.5,
    timeToAccept: timeToAcceptPart(p.medianHoursToAccept),
    winRate: p.winRate ?? 0.5,
  };
  const total = weights.tier + weights.acceptanceRate + weights.timeToAccept + weights.winRate;
  const parts: Record<string, number> = {};
  let score = 0;
  for (const k of ["tier", "acceptanceRate", "timeToAccept", "winRate"] as const) {
    const share = total > 0 ? (weights[k] * raw[k]) / total : 0;
    parts[k] = round4(share);
    score += share;
  }
  return { score: round6(score), parts };
}

/** The order of a stored candidate's score parts (routing_decisions.candidates[].parts). */
export const SCORE_PARTS = ["tier", "acceptanceRate", "timeToAccept", "winRate"] as const;

/** A stored candidate's score parts by name, whichever form it was stored in. */
export function partsByName(parts: RoutingCandidateJson["parts"]): Record<string, number> | null {
  if (!parts) return null;
  if (!Array.isArray(parts)) return parts;
  return Object.fromEntries(SCORE_PARTS.map((k, i) => [k, parts[i] ?? 0]));
}

/** A partner's score depends only on its facts and the weights: computed once per facts object. */
const scoreCache = new WeakMap<
  object,
  { weights: RoutingRules["weights"]; tierWeights: TierWeights; result: { score: number; parts: number[] } }
>();
function cachedScore(p: PartnerFacts, weights: RoutingRules["weights"], tierWeights: TierWeights) {
  const hit = scoreCache.get(p);
  if (hit && hit.weights === weights && hit.tierWeights === tierWeights) return hit.result;
  const s = scorePartner(p, weights, tierWeights);
  const result = { score: s.score, parts: SCORE_PARTS.map((k) => s.parts[k]!) };
  scoreCache.set(p, { weights, tierWeights, result });
  return result;
}

// ---------------------------------------------------------------------------
// Seeded tie-break.

/** FNV-1a 32-bit hash of a string (the seed → the PRNG's state). */
export function hashSeed(seed: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a tiny 32-bit PRNG; the same seed gives the same sequence. */
export function mulberry32(state: number): () => number {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const TIE_EPSILON = 1e-9;

/**
 * The winner among scored candidates: the best score; candidates within 1e-9
 * of it are sorted by partner id and one is drawn with the seeded PRNG.
 */
export function pickWinner(scored: { partnerId: string; score: number }[], seed: string): string | null {
  if (scored.length === 0) return null;
  let best = -Infinity;
  for (const c of scored) if (c.score > best) best = c.score;
  const tied = scored
    .filter((c) => Math.abs(c.score - best) <= TIE_EPSILON)
    .map((c) => c.partnerId)
    .sort();
  if (tied.length === 1) return tied[0]!;
  const draw = mulberry32(hashSeed(seed))();
  return tied[Math.floor(draw * tied.length)]!;
}

/** The partner a stored decision chose, recomputed from its candidates and seed. */
export function replayDecision(d: { candidates: RoutingCandidateJson[]; seed: string }): string | null {
  return pickWinner(
    d.candidates
      .filter((c) => c.excluded.length === 0 && typeof c.score === "number")
      .map((c) => ({ partnerId: c.partnerId, score: c.score! })),
    d.seed,
  );
}

// ---------------------------------------------------------------------------
// The decision.

/**
 * Where the lead's partners come from and what it requires: `tierRanks` (the
 * ladder of the tier rules in force) for its minimum tier, unless the
 * requirements are given.
 */
export type EvaluationOptions = { outsideTerritory?: number; areas?: ReadonlySet<string> } & (
  { requirements: Requirements; tierRanks?: TierRanks } | { tierRanks: TierRanks; requirements?: undefined }
);

/** The candidates of a lead, before the draw: what decide() explains, shared by leads with the same facts. */
export interface Evaluation {
  /** Every partner inside the territory: best first, then the excluded ones by name. */
  candidates: RoutingCandidateJson[];
  excludedCounts: Record<string, number>;
  /** The eligible ones with their scores. */
  scored: { partnerId: string; score: number }[];
  /** Names of the partners inside the territory (for the summary). */
  names: ReadonlyMap<string, string>;
  areas: ReadonlySet<string>;
  outside: number;
}

/**
 * Evaluates every partner for a lead: territory, exclusions and scores.
 * `partners` may hold every partner or only those of the lead's territory;
 * `outsideTerritory` adds partners already known to be outside it (counted,
 * not listed). `tierWeights`: the tier part of the score per tier, from the
 * tier rules in force; `opts.tierRanks` their ladder (for minimum tiers)
 * unless `opts.requirements` is given.
 */
export function evaluateCandidates(
  lead: LeadFacts,
  partners: readonly PartnerFacts[],
  rules: RoutingRules,
  tierWeights: TierWeights,
  opts: EvaluationOptions,
): Evaluation {
  const areas = opts.areas ?? servingAreas(lead, rules);
  const req = opts.requirements ?? requirementsFor(lead, rules, opts.tierRanks);
  const counts: Record<string, number> = {};
  const bump = (code: string) => (counts[code] = (counts[code] ?? 0) + 1);
  let outside = opts.outsideTerritory ?? 0;
  const candidates: RoutingCandidateJson[] = [];
  const scored: { partnerId: string; score: number }[] = [];
  const names = new Map<string, string>();
  for (const p of partners) {
    if (!inTerritory(p.territories, areas)) {
      outside++;
      continue;
    }
    names.set(p.id, p.name);
    const why = exclusions(p, lead, req);
    if (why.length > 0) {
      for (const w of why) bump(w.code);
      candidates.push(excludedCandidate(p, why));
      continue;
    }
    const s = cachedScore(p, rules.weights, tierWeights);
    candidates.push({ partnerId: p.id, excluded: [], score: s.score, parts: s.parts });
    scored.push({ partnerId: p.id, score: s.score });
  }
  if (outside > 0) counts.territory = outside;
  // Best first, then the excluded ones by name: what the vendor reads first.
  candidates.sort(
    (a, b) =>
      (b.score ?? -1) - (a.score ?? -1) ||
      cmp(names.get(a.partnerId)!, names.get(b.partnerId)!) ||
      cmp(a.partnerId, b.partnerId),
  );
  return { candidates, excludedCounts: counts, scored, names, areas, outside };
}

/** The seeded draw over an evaluation: the chosen partner and the decision's one-sentence summary. */
export function chooseFrom(e: Evaluation, seed: string): { chosenPartnerId: string | null; summary: string } {
  const chosen = pickWinner(e.scored, seed);
  const excludedInside = e.candidates.length - e.scored.length;
  let summary: string;
  if (chosen) {
    const score = e.scored.find((s) => s.partnerId === chosen)!.score;
    const tied = e.scored.filter((s) => Math.abs(s.score - score) <= TIE_EPSILON).length;
    summary =
      `Offered to ${e.names.get(chosen)}: highest score ${score.toFixed(2)} of ${e.scored.length} eligible` +
      (tied > 1 ? ` (drawn among ${tied} tied)` : "") +
      `; ${excludedInside} excluded in the territory, ${e.outside} outside it.`;
  } else {
    summary =
      e.candidates.length === 0
        ? `No eligible partner: no partner serves ${[...e.areas].sort().join(", ")}.`
        : `No eligible partner: all ${e.candidates.length} in the territory excluded (${describeCounts(e.excludedCounts)}).`;
  }
  return { chosenPartnerId: chosen, summary };
}

/**
 * Routes one lead over the partners' facts: evaluateCandidates, then the
 * seeded draw (chooseFrom).
 */
export function decide(
  lead: LeadFacts,
  partners: readonly PartnerFacts[],
  rules: RoutingRules,
  tierWeights: TierWeights,
  seed: string,
  opts: EvaluationOptions,
): RoutingDecisionResult {
  const e = evaluateCandidates(lead, partners, rules, tierWeights, opts);
  return {
    ...chooseFrom(e, seed),
    candidates: e.candidates,
    excludedCounts: e.excludedCounts,
    eligibleCount: e.scored.length,
  };
}

/**
 * The stored form of an excluded candidate: its exclusion codes (no name, no
 * sentences: a decision lists every partner of the territory), and with
 * "capacity" the partner's open leads and capacity then.
 */
export function excludedCandidate(
  p: Pick<PartnerFacts, "id" | "openLeads" | "capacity">,
  why: readonly { code: ExclusionCode }[],
): RoutingCandidateJson {
  const c: RoutingCandidateJson = { partnerId: p.id, excluded: why.map((w) => w.code) };
  if (why.some((w) => w.code === "capacity")) c.capacity = [p.openLeads, p.capacity];
  return c;
}

/**
 * A stored candidate's exclusions as people read them: codes become words
 * ("capacity exhausted (3 of 3 open)"); older decisions stored the words.
 */
export function exclusionWords(c: Pick<RoutingCandidateJson, "excluded" | "capacity">): string[] {
  return (c.excluded ?? []).map((e) => {
    if (e === "capacity" && c.capacity) return `capacity exhausted (${c.capacity[0]} of ${c.capacity[1]} open)`;
    return Object.hasOwn(exclusionLabels, e) ? exclusionLabels[e as ExclusionCode] : e;
  });
}

/** "capacity exhausted 3, paused lead offers 1" */
export function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([code]) => code !== "territory")
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${exclusionLabels[code as ExclusionCode] ?? code} ${n}`)
    .join(", ");
}
