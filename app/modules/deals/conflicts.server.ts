import { sql } from "drizzle-orm";
import type { Db } from "~db/client";
import type { DealMatch } from "~db/schema";
import { scopeOf, type Ctx } from "~/modules/auth/actor";
import { env } from "~/utils/env.server";
import { ForbiddenError, ValidationError } from "~/utils/errors.server";
import { fieldErrorsOf } from "~/utils/field-errors";
import { normalizeCompanyName } from "./normalize";
import { claimCheckSchema, type ClaimStatus } from "./schemas";
import { STRONG_NAME_SIMILARITY, scoreMatch, sharesProduct } from "./scoring";

/**
 * Conflict detection: which open or protected registrations (any partner)
 * look like the same customer. One query, served by two indexes:
 * deals_domain_idx for the domain and the trigram GIN index
 * deals_name_trgm_idx for `customer_name_normalized % $name`, with
 * pg_trgm.similarity_threshold set for the transaction to DEAL_NAME_SIMILARITY.
 * This is one of the few explicit cross-partner reads (design.md): callers
 * never hand its raw rows to a partner.
 */

export interface MatchQuery {
  /** Normalized (normalizeCustomerDomain). */
  customerDomain: string;
  /** Normalized (normalizeCompanyName). */
  customerNameNormalized: string;
  country?: string | null;
  productIds?: readonly string[];
  /** The registration being checked, when it exists already. */
  excludeDealId?: string;
}

export interface Candidate {
  dealId: string;
  partnerId: string;
  status: "pending_review" | "changes_requested" | "approved";
  customerDomain: string;
  country: string;
  nameSimilarity: number;
  productIds: string[];
}

export interface ScoredCandidate extends Candidate {
  score: number;
  reasons: string[];
  sameDomain: boolean;
  sameCountry: boolean;
}

/** At most this many candidates are considered (best first): a very common name must not flood a review. */
export const CANDIDATE_LIMIT = 50;

export function nameThreshold(): number {
  return env().DEAL_NAME_SIMILARITY;
}

/**
 * Candidates for `q`: same domain, or a normalized name at least `threshold`
 * similar. MUST run inside a transaction (the threshold is SET LOCAL).
 */
export async function findCandidates(tx: Db, q: MatchQuery, threshold = nameThreshold()): Promise<Candidate[]> {
  await tx.execute(sql`select set_config('pg_trgm.similarity_threshold', ${String(threshold)}, true)`);
  type Row = {
    id: string;
    partner_id: string;
    status: Candidate["status"];
    customer_domain: string;
    country: string;
    sim: number | string;
    product_ids: string[] | null;
  };
  const result = (await tx.execute(sql`
    select d.id, d.partner_id, d.status, d.customer_domain, d.country,
           similarity(d.customer_name_normalized, ${q.customerNameNormalized}) as sim,
           array(select l.product_id::text from deal_lines l where l.deal_id = d.id) as product_ids
      from deals d
     where (d.customer_domain = ${q.customerDomain} or d.customer_name_normalized % ${q.customerNameNormalized})
       and d.status in ('pending_review', 'changes_requested', 'approved')
       ${q.excludeDealId ? sql`and d.id <> ${q.excludeDealId}` : sql``}
     order by (d.customer_domain = ${q.customerDomain}) desc, sim desc, d.created_at
     limit ${CANDIDATE_LIMIT}`)) as unknown as { rows: Row[] };
  return result.rows.map((r) => ({
    dealId: r.id,
    partnerId: r.partner_id,
    status: r.status,
    customerDomain: r.customer_domain,
    country: r.country,
    nameSimilarity: Number(r.sim),
    productIds: r.product_ids ?? [],
  }));
}

/** Scores candidates (scoring.ts), best first. */
export function scoreCandidates(
  q: MatchQuery,
  candidates: Candidate[],
  threshold = nameThreshold(),
): ScoredCandidate[] {
  return candidates
    .map((c) => {
      const sameDomain = c.customerDomain === q.customerDomain;
      const sameCountry = !!q.country && c.country === q.country;
      const { score, reasons } = scoreMatch(
        {
          sameDomain,
          nameSimilarity: c.nameSimilarity,
          sameCountry,
          sameProducts: sharesProduct(q.productIds ?? [], c.productIds),
        },
        threshold,
      );
      return { ...c, score, reasons, sameDomain, sameCountry };
    })
    .sort((a, b) => b.score - a.score);
}

/** What is stored on a registration (DealMatch[]): another partner's registration, its score and reasons. */
export function toDealMatch(c: ScoredCandidate): DealMatch {
  return { dealId: c.dealId, partnerId: c.partnerId, score: c.score, reasons: c.reasons };
}

/**
 * The same partner registering the same customer again: the same domain, or
 * a similar name (≥ threshold) in the same country.
 */
export function isDuplicateOf(c: ScoredCandidate, threshold = nameThreshold()): boolean {
  return c.sameDomain || (c.nameSimilarity >= threshold && c.sameCountry);
}

/**
 * The answer of a claim check for `partnerId`, from the scored candidates.
 * Another partner's APPROVED registration on the same domain or with a
 * strongly similar name: already_protected. Else the caller's own open or
 * protected registration: you_registered. Else any other match: needs_review.
 */
export function claimStatusOf(partnerId: string, scored: ScoredCandidate[], threshold = nameThreshold()): ClaimStatus {
  const strong = Math.max(STRONG_NAME_SIMILARITY, threshold);
  const others = scored.filter((c) => c.partnerId !== partnerId);
  if (others.some((c) => c.status === "approved" && (c.sameDomain || c.nameSimilarity >= strong))) {
    return "already_protected";
  }
  const own = scored.filter((c) => c.partnerId === partnerId);
  if (own.some((c) => c.sameDomain || c.nameSimilarity >= threshold)) return "you_registered";
  return others.length > 0 ? "needs_review" : "clear";
}

/**
 * The private claim check (UI step and POST /api/v1/deals/claim-check): the
 * caller learns one word, never who holds the customer or any detail of it.
 * Every answer takes the same query, so timing says nothing either.
 */
export async function claimCheck(ctx: Ctx, raw: unknown): Promise<{ status: ClaimStatus }> {
  const scope = scopeOf(ctx.actor);
  if (scope.kind !== "partner") throw new ForbiddenError("The claim check is for partners.");
  const parsed = claimCheckSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const q: MatchQuery = {
    customerDomain: parsed.data.customerDomain,
    customerNameNormalized: normalizeCompanyName(parsed.data.customerName),
    country: parsed.data.country,
  };
  const threshold = nameThreshold();
  const candidates = await ctx.db.transaction((tx) => findCandidates(tx, q, threshold));
  return { status: claimStatusOf(scope.partnerId, scoreCandidates(q, candidates, threshold), threshold) };
}

/** POST /api/v1/deals/claim-check: a key with deals:read or deals:write, a JSON body. */
export async function claimCheckFromApi(
  ctx: Ctx,
  scopes: string[],
  bodyText: string,
): Promise<{ status: ClaimStatus }> {
  if (!scopes.includes("deals:read") && !scopes.includes("deals:write")) {
    throw new ForbiddenError("This key lacks the 'deals:read' or 'deals:write' scope.");
  }
  let body: unknown;
  try {
    body = bodyText.length <= 16 * 1024 ? JSON.parse(bodyText) : undefined;
  } catch {
    body = undefined;
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ValidationError({ "": ['Send {"customerName", "customerDomain", "country"?} as a JSON object.'] });
  }
  return claimCheck(ctx, body);
}
