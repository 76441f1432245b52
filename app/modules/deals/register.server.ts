import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "~db/client";
import { dealEvents, dealLines, deals, partners, products, users } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import { nowOf, scopeOf, type Ctx } from "~/modules/auth/actor";
import { enqueueMail } from "~/modules/mail/enqueue.server";
import { countryName } from "~/utils/countries";
import { isUniqueViolation } from "~/utils/db-errors.server";
import { appUrl } from "~/utils/env.server";
import { ConflictError, ForbiddenError, ValidationError } from "~/utils/errors.server";
import { fieldErrorsOf } from "~/utils/field-errors";
import { can } from "~/utils/permissions";
import {
  claimStatusOf,
  findCandidates,
  isDuplicateOf,
  nameThreshold,
  scoreCandidates,
  toDealMatch,
  type MatchQuery,
} from "./conflicts.server";
import { normalizeCompanyName } from "./normalize";
import { getDealForApi, type ApiDeal } from "./queries.server";
import {
  formatMoney,
  idempotencyKeySchema,
  registerDealSchema,
  stageLabels,
  type ClaimStatus,
  type RegisterDealInput,
} from "./schemas";
import { partnerScope, scopeWhere } from "~/modules/partners/scope.server";
import { lockLeadForDeal, markLeadConverted } from "~/modules/leads/work.server";

/** The same partner registered this customer already: refused, pointing to the existing registration. */
export class DuplicateDealError extends ConflictError {
  constructor(public readonly existingDealId: string) {
    super(`You already registered this customer: see registration ${existingDealId} at /deals/${existingDealId}.`);
  }
}

export interface RegisteredDeal {
  id: string;
  status: string;
  conflictFlag: boolean;
  customerName: string;
}

export interface RegisterResult {
  deal: RegisteredDeal;
  /** false when the idempotency key had been used: the earlier registration, unchanged. */
  created: boolean;
  /** The claim check on submission (null for a replay). */
  claim: ClaimStatus | null;
}

export interface RegisterOptions {
  /** The API's Idempotency-Key header or the form's submission id. */
  idempotencyKey?: string | null;
}

/**
 * A partner registers a deal (web form or API). Validated (fields, active
 * products), checked against every partner's open and protected registrations
 * and stored with its lines, a "registered" history event, the audit event and
 * one mail to the reviewers, in one transaction:
 * - the partner's own open registration of the same customer → DuplicateDealError (409);
 * - another partner's → stored with conflictFlag and the scored matches, and
 *   the matched open registrations get this one added to their conflicts;
 * - none → pending_review, not flagged.
 * Registrations of one customer domain (and one normalized name) are
 * serialized with transaction-level advisory locks, so two partners
 * registering the same customer at the same moment both see each other.
 * The idempotency key makes a retry return the first registration unchanged.
 */
export async function registerDeal(ctx: Ctx, raw: unknown, opts: RegisterOptions = {}): Promise<RegisterResult> {
  const scope = scopeOf(ctx.actor);
  if (scope.kind !== "partner" || !can(ctx.actor.role, "deals:register")) {
    throw new ForbiddenError("Only a partner's people register deals.");
  }
  const partnerId = scope.partnerId;
  const key = opts.idempotencyKey ?? null;
  if (key !== null) {
    const parsedKey = idempotencyKeySchema.safeParse(key);
    if (!parsedKey.success) throw new ValidationError({ idempotencyKey: parsedKey.error.issues.map((i) => i.message) });
    const earlier = await findByKey(ctx.db, partnerId, key);
    if (earlier) return { deal: earlier, created: false, claim: null };
  }
  const now = nowOf(ctx);
  const parsed = registerDealSchema(now).safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const input = parsed.data;
  await requireActiveProducts(ctx.db, input);

  const q: MatchQuery = {
    customerDomain: input.customerDomain,
    customerNameNormalized: normalizeCompanyName(input.customerName),
    country: input.country,
    productIds: input.lines.map((l) => l.productId),
  };
  try {
    return await ctx.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`deal-domain:${q.customerDomain}`}))`);
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`deal-name:${q.customerNameNormalized}`}))`);
      if (key !== null) {
        // A concurrent request with the same key held the lock first: its registration is committed now.
        const earlier = await findByKey(tx, partnerId, key);
        if (earlier) return { deal: earlier, created: false, claim: null };
      }
      // Converting a lead: it must be one this partner holds and works (else a field error on leadId).
      const lead = input.leadId ? await lockLeadForDeal(tx, partnerId, input.leadId) : null;
      const threshold = nameThreshold();
      const scored = scoreCandidates(q, await findCandidates(tx, q, threshold), threshold);
      const duplicate = scored.find((c) => c.partnerId === partnerId && isDuplicateOf(c, threshold));
      if (duplicate) throw new DuplicateDealError(duplicate.dealId);
      const others = scored.filter((c) => c.partnerId !== partnerId);
      const claim = claimStatusOf(partnerId, scored, threshold);

      const [deal] = await tx
        .insert(deals)
        .values({
          partnerId,
          registeredBy: ctx.actor.userId,
          apiKeyId: ctx.actor.apiKeyId ?? null,
          customerName: input.customerName,
          customerNameNormalized: q.customerNameNormalized,
          customerDomain: input.customerDomain,
          country: input.country,
          region: input.region,
          contactName: input.contactName,
          contactTitle: input.contactTitle,
          contactEmail: input.contactEmail,
          valueMinor: input.valueMinor,
          currency: input.currency,
          expectedCloseDate: input.expectedCloseDate,
          stage: input.stage,
          competition: input.competition,
          notes: input.notes,
          leadId: input.leadId,
          status: "pending_review",
          conflictFlag: others.length > 0,
          conflicts: others.map(toDealMatch),
          idempotencyKey: key,
          createdAt: now,
          updatedAt: now,
        })
        .returning({
          id: deals.id,
          status: deals.status,
          conflictFlag: deals.conflictFlag,
          customerName: deals.customerName,
        });
      const id = deal!.id;
      await tx
        .insert(dealLines)
        .values(input.lines.map((l) => ({ dealId: id, partnerId, productId: l.productId, quantity: l.quantity })));
      // The matched registrations learn of this one too (same facts, same score: matching is symmetric).
      for (const other of others) {
        const match = JSON.stringify([{ dealId: id, partnerId, score: other.score, reasons: other.reasons }]);
        await tx.execute(sql`
          update deals
             set conflicts = conflicts || ${match}::jsonb,
                 conflict_flag = conflict_flag or status in ('pending_review', 'changes_requested'),
                 updated_at = case when not conflict_flag and status in ('pending_review', 'changes_requested')
                                   then ${now.toISOString()}::timestamptz else updated_at end
           where id = ${other.dealId}`);
      }
      if (lead) await markLeadConverted(tx, lead, id, ctx.actor.label, now);
      await tx.insert(dealEvents).values({
        dealId: id,
        partnerId,
        at: now,
        actorLabel: ctx.actor.label,
        kind: "registered",
        note: others.length > 0 ? "Flagged for review: a similar registration exists." : null,
      });
      await recordAudit(tx, ctx.actor, {
        action: "deal.registered",
        subjectType: "deal",
        subjectId: id,
        partnerId,
        after: {
          customerName: input.customerName,
          customerDomain: input.customerDomain,
          country: input.country,
          valueMinor: input.valueMinor,
          currency: input.currency,
          stage: input.stage,
          conflictFlag: others.length > 0,
          conflicts: others.map(toDealMatch),
        },
      });
      await notifyReviewers(tx, { id, partnerId, input, conflicts: others.length });
      return { deal: deal!, created: true, claim };
    });
  } catch (err) {
    if (key !== null && isUniqueViolation(err, "deals_idempotency_idx")) {
      const earlier = await findByKey(ctx.db, partnerId, key);
      if (earlier) return { deal: earlier, created: false, claim: null };
    }
    throw err;
  }
}

async function findByKey(db: Db, partnerId: string, key: string): Promise<RegisteredDeal | undefined> {
  const [row] = await db
    .select({ id: deals.id, status: deals.status, conflictFlag: deals.conflictFlag, customerName: deals.customerName })
    .from(deals)
    .where(scopeWhere(partnerScope(partnerId), deals, eq(deals.idempotencyKey, key)));
  return row;
}

/** Every line names an existing, active product; otherwise a field error at that line. */
async function requireActiveProducts(db: Db, input: RegisterDealInput): Promise<void> {
  const ids = [...new Set(input.lines.map((l) => l.productId))];
  const found = await db
    .select({ id: products.id })
    .from(products)
    .where(and(inArray(products.id, ids), eq(products.active, true)));
  const active = new Set(found.map((p) => p.id));
  const fields: Record<string, string[]> = {};
  input.lines.forEach((l, i) => {
    if (!active.has(l.productId)) fields[`lines[${i}].productId`] = ["Choose an active product from the list."];
  });
  if (Object.keys(fields).length) throw new ValidationError(fields);
}

/**
 * Who reviews a partner's registrations: the partner's owner channel manager
 * when set and active, otherwise every active channel manager and vendor admin.
 */
export async function dealReviewers(db: Db, partnerId: string): Promise<{ address: string; name: string }[]> {
  const [owner] = await db
    .select({ address: users.email, name: users.name })
    .from(partners)
    .innerJoin(users, eq(users.id, partners.ownerUserId))
    .where(
      and(
        eq(partners.id, partnerId),
        eq(users.status, "active"),
        inArray(users.role, ["channel_manager", "vendor_admin"]),
      ),
    );
  if (owner) return [owner];
  return db
    .select({ address: users.email, name: users.name })
    .from(users)
    .where(and(inArray(users.role, ["channel_manager", "vendor_admin"]), eq(users.status, "active")))
    .orderBy(asc(users.email));
}

async function notifyReviewers(
  tx: Db,
  d: { id: string; partnerId: string; input: RegisterDealInput; conflicts: number },
): Promise<void> {
  const to = await dealReviewers(tx, d.partnerId);
  if (to.length === 0) return;
  const [partner] = await tx.select({ name: partners.name }).from(partners).where(eq(partners.id, d.partnerId));
  const { input } = d;
  const lines = [
    `${input.customerName} (${input.customerDomain}, ${countryName(input.country)}): ${formatMoney(input.valueMinor, input.currency)}, ` +
      `${stageLabels[input.stage]}, expected to close ${input.expectedCloseDate}.`,
  ];
  if (d.conflicts > 0) {
    lines.push(
      `It matches ${d.conflicts} other registration${d.conflicts === 1 ? "" : "s"}: compare them side by side before deciding.`,
    );
  }
  await enqueueMail(tx, {
    to,
    template: "deal-review",
    data: {
      partnerName: partner?.name ?? "A partner",
      customerName: input.customerName,
      headline: d.conflicts > 0 ? "New registration with a conflict" : "New registration",
      message: lines.join("\n"),
      reviewUrl: `${appUrl()}/deals/review/${d.id}`,
    },
    dedupeKey: `deal-registered:${d.id}`,
    partnerId: d.partnerId,
  });
}

/** The largest JSON body POST /api/v1/deals reads (20 lines and two 2000-character texts fit many times). */
export const API_BODY_MAX = 64 * 1024;

/**
 * POST /api/v1/deals: the JSON body and the Idempotency-Key header (1..200
 * characters; absent means no idempotency). A retry with the same key
 * returns the first registration (created: false).
 */
export async function registerDealFromApi(
  ctx: Ctx,
  bodyText: string,
  idempotencyKey: string | null,
): Promise<{ created: boolean; deal: ApiDeal }> {
  if (idempotencyKey !== null) {
    const parsedKey = idempotencyKeySchema.safeParse(idempotencyKey);
    if (!parsedKey.success) {
      throw new ValidationError({ "Idempotency-Key": parsedKey.error.issues.map((i) => i.message) });
    }
  }
  if (bodyText.length > API_BODY_MAX) {
    throw new ValidationError({ "": [`The body is too large (at most ${API_BODY_MAX} bytes).`] });
  }
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    throw new ValidationError({ "": ["Send the registration as a JSON object."] });
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ValidationError({ "": ["Send the registration as a JSON object."] });
  }
  const result = await registerDeal(ctx, body, { idempotencyKey });
  return { created: result.created, deal: await getDealForApi(ctx, result.deal.id) };
}
