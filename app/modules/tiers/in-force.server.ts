/**
 * The tier rules in force at a moment, and their benefits: the one source of
 * the discount licensing prices an order with, the routing weight of each
 * tier and the protection period of an approved deal registration. Depends
 * only on the database, so licensing, leads and deals read it without
 * importing the evaluation.
 */
import { asc, desc, lte } from "drizzle-orm";
import type { Db } from "~db/client";
import { tierRules } from "~db/schema";
import { ladderOf, tierRanks, type Tier, type TierBenefits, type TierLadder, type TierRules } from "./rules";

export interface RulesVersion {
  version: number;
  effectiveAt: Date;
  rules: TierRules;
}

/** The rule set in force at `at`: the latest version effective on or before it. */
export async function rulesInForce(db: Db, at: Date): Promise<RulesVersion> {
  const [row] = await db
    .select({ version: tierRules.version, effectiveAt: tierRules.effectiveAt, rules: tierRules.rules })
    .from(tierRules)
    .where(lte(tierRules.effectiveAt, at))
    .orderBy(desc(tierRules.effectiveAt), desc(tierRules.version))
    .limit(1);
  if (row) return row;
  // Before the first version's date: the earliest one applies.
  const [first] = await db
    .select({ version: tierRules.version, effectiveAt: tierRules.effectiveAt, rules: tierRules.rules })
    .from(tierRules)
    .orderBy(asc(tierRules.effectiveAt), asc(tierRules.version))
    .limit(1);
  if (!first) throw new Error("No tier rules: migration 0010 inserts the initial version.");
  return first;
}

export interface BenefitsInForce {
  /** The rules version the benefits come from. */
  version: number;
  /** Its ladder (keys and names, lowest first). */
  ladder: TierLadder;
  benefits: Record<Tier, TierBenefits>;
}

/** Every tier's benefits (discount, routing weight, protection days) in the rules in force at `at`. */
export async function benefitsInForce(db: Db, at: Date): Promise<BenefitsInForce> {
  const { version, rules } = await rulesInForce(db, at);
  const benefits: Record<Tier, TierBenefits> = Object.fromEntries(rules.tiers.map((t) => [t.key, t.benefits]));
  return { version, ladder: ladderOf(rules), benefits };
}

/**
 * How many days an approved deal registration of a `tier` partner is
 * protected under the rules in force at `at` (its `benefits.protectionDays`);
 * null when the rules give none (a stored version without it), so the caller
 * falls back to its own default.
 */
export async function protectionDaysFor(db: Db, tier: Tier, at: Date): Promise<number | null> {
  const { benefits } = await benefitsInForce(db, at);
  const days = benefits[tier]?.protectionDays;
  return typeof days === "number" && Number.isInteger(days) && days >= 1 ? days : null;
}

/**
 * Each tier's lead routing weight (0..1) in the rules in force at `at` (the
 * routing engine's tier part of a score) and each tier's rank in their ladder
 * (a rule's minimum tier compares with it).
 */
export async function routingWeightsInForce(
  db: Db,
  at: Date,
): Promise<{ version: number; weights: Record<Tier, number>; ranks: Record<Tier, number> }> {
  const { version, rules } = await rulesInForce(db, at);
  const weights: Record<Tier, number> = Object.fromEntries(rules.tiers.map((t) => [t.key, t.benefits.routingWeight]));
  return { version, weights, ranks: tierRanks(rules.tiers) };
}

/** The ladder (tier keys and names, lowest first) of the rules in force at `at`: labels, selects and comparisons. */
export async function tierLadderInForce(db: Db, at: Date): Promise<TierLadder> {
  return ladderOf((await rulesInForce(db, at)).rules);
}
