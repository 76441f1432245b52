/**
 * How strongly another registration looks like the same customer. Pure; the
 * conflict check feeds it the facts it found in the database.
 *
 * Score in 0..1, a weighted sum, rounded to two decimals:
 *   same domain                0.55   (the strongest evidence: one company, one domain)
 *   name similarity × 0.30     0..0.30 (pg_trgm similarity of the normalized names)
 *   same country               0.10
 *   overlapping products       0.05
 * So the same domain with an identical name in the same country for the same
 * products scores 1.00; an identical name elsewhere in the same country 0.40;
 * the same domain under a different name in another country about 0.6.
 *
 * Reasons list the facts that apply, in this order: "same domain",
 * "name 0.82 similar" (only at or above the similarity threshold),
 * "same country", "same products".
 */

export const MATCH_WEIGHTS = { domain: 0.55, name: 0.3, country: 0.1, products: 0.05 } as const;

/** A name this similar (or more) counts as the same company on its own (claim check: "already protected"). */
export const STRONG_NAME_SIMILARITY = 0.9;

export interface MatchFacts {
  sameDomain: boolean;
  /** pg_trgm similarity of the normalized names, 0..1. */
  nameSimilarity: number;
  sameCountry: boolean;
  sameProducts: boolean;
}

export interface ScoredMatch {
  score: number;
  reasons: string[];
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export function scoreMatch(facts: MatchFacts, threshold: number): ScoredMatch {
  const sim = Math.min(1, Math.max(0, facts.nameSimilarity));
  const reasons: string[] = [];
  if (facts.sameDomain) reasons.push("same domain");
  if (sim >= threshold) reasons.push(`name ${sim.toFixed(2)} similar`);
  if (facts.sameCountry) reasons.push("same country");
  if (facts.sameProducts) reasons.push("same products");
  const score =
    (facts.sameDomain ? MATCH_WEIGHTS.domain : 0) +
    MATCH_WEIGHTS.name * sim +
    (facts.sameCountry ? MATCH_WEIGHTS.country : 0) +
    (facts.sameProducts ? MATCH_WEIGHTS.products : 0);
  return { score: round2(Math.min(1, score)), reasons };
}

/** Whether two product lists share a product. */
export function sharesProduct(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return b.some((p) => set.has(p));
}

/** pg_trgm's trigrams of a text: each alphanumeric word padded with two spaces before and one after. */
function trigrams(text: string): Set<string> {
  const out = new Set<string>();
  for (const word of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (!word) continue;
    const chars = [" ", " ", ...word, " "];
    for (let i = 0; i + 3 <= chars.length; i++) out.add(chars.slice(i, i + 3).join(""));
  }
  return out;
}

/**
 * pg_trgm's similarity() in JavaScript (shared trigrams / all distinct
 * trigrams), for tests and explanations; the conflict check itself asks
 * PostgreSQL. Equal to it for Latin text (an integration test compares them).
 */
export function trigramSimilarity(a: string, b: string): number {
  const ta = trigrams(a);
  const tb = trigrams(b);
  if (ta.size === 0 || tb.size === 0) return 0;
  let common = 0;
  for (const t of ta) if (tb.has(t)) common++;
  return common / (ta.size + tb.size - common);
}
