/**
 * The channel team's review of deal registrations: the queue (oldest first,
 * with the time left against the business-day target), the side-by-side view
 * of a registration and its conflicts, and the decisions (approve, reject,
 * request changes).
 *
 * Decisions are conditional UPDATEs (`WHERE status ...`): two reviewers at
 * once, one wins and the other gets a ConflictError. Approval relies on the
 * database for the first-in rule: the partial unique index
 * deals_one_protected_idx allows one approved registration per customer
 * domain, so two approvals racing for one customer cannot both succeed.
 */
import {
  and,
  asc,
  count,
  desc,
  eq,
  gt,
  inArray,
  isNotNull,
  isNull,
  ne,
  notInArray,
  or,
  sql,
  type SQL,
} from "drizzle-orm";
import type { Db } from "~db/client";
import { dealEvents, dealExtensions, dealLines, deals, partners, products, users, type Deal } from "~db/schema";
import { nowOf, type Ctx } from "~/modules/auth/actor";
import { protectionDaysFor } from "~/modules/tiers/in-force.server";
import type { Tier } from "~/modules/tiers/rules";
import { countryName } from "~/utils/countries";
import { isUniqueViolation } from "~/utils/db-errors.server";
import { env } from "~/utils/env.server";
import { ConflictError, NotFoundError, ValidationError } from "~/utils/errors.server";
import { fieldErrorsOf } from "~/utils/field-errors";
import { reviewDueAt, timeLeft } from "./business-days";
import { assertDealId, assertReviewer, isoDay, recordDealChange } from "./changes.server";
import {
  REVIEW_PAGE_SIZE,
  statusLabels,
  formatAmount,
  rejectSchema,
  requestChangesSchema,
  stageLabels,
  type Currency,
  type ReviewFilter,
} from "./lifecycle-schemas";

const DAY_MS = 86_400_000;
export const PROTECTED_INDEX = "deals_one_protected_idx";

/** A rejection the partner appealed and no reviewer has decided since. */
export const openAppeal: SQL = and(
  eq(deals.status, "rejected"),
  isNotNull(deals.appealedAt),
  or(isNull(deals.decidedAt), gt(deals.appealedAt, deals.decidedAt)),
)!;

/** What the queue holds: registrations waiting for review (new or resubmitted) and open appeals. */
const inQueue: SQL = or(eq(deals.status, "pending_review"), openAppeal)!;

/** When the current review round started: the appeal, the last resubmission, or the registration. */
const reviewSince =
  sql<Date>`case when ${deals.status} = 'rejected' then ${deals.appealedAt} else greatest(${deals.createdAt}, (select max(e.at) from deal_events e where e.deal_id = ${deals.id} and e.kind = 'resubmitted')) end`.mapWith(
    deals.createdAt,
  );
const resubmitted = sql<boolean>`exists (select 1 from deal_events e where e.deal_id = ${deals.id} and e.kind = 'resubmitted')`;

export type QueueKind = "new" | "resubmitted" | "appeal";

/** The review queue: oldest round first, filtered and paginated, each with its due moment and time left. */
export async function listReviewQueue(ctx: Ctx, filter: ReviewFilter) {
  assertReviewer(ctx);
  const now = nowOf(ctx);
  const target = env().DEAL_REVIEW_TARGET_BUSINESS_DAYS;
  const where = and(
    inQueue,
    filter.country ? eq(deals.country, filter.country) : undefined,
    filter.partnerId ? eq(deals.partnerId, filter.partnerId) : undefined,
    filter.conflict ? eq(deals.conflictFlag, filter.conflict === "yes") : undefined,
    filter.currency ? eq(deals.currency, filter.currency) : undefined,
  );
  const [[total], rows, options] = await Promise.all([
    ctx.db.select({ n: count() }).from(deals).where(where),
    ctx.db
      .select({
        id: deals.id,
        partnerId: deals.partnerId,
        partnerName: partners.name,
        customerName: deals.customerName,
        customerDomain: deals.customerDomain,
        country: deals.country,
        valueMinor: deals.valueMinor,
        currency: deals.currency,
        stage: deals.stage,
        status: deals.status,
        conflictFlag: deals.conflictFlag,
        conflictCount: sql<number>`jsonb_array_length(${deals.conflicts})`.mapWith(Number),
        createdAt: deals.createdAt,
        since: reviewSince,
        resubmitted,
      })
      .from(deals)
      .innerJoin(partners, eq(partners.id, deals.partnerId))
      .where(where)
      .orderBy(asc(reviewSince), asc(deals.id))
      .limit(REVIEW_PAGE_SIZE)
      .offset((filter.page - 1) * REVIEW_PAGE_SIZE),
    queueOptions(ctx.db),
  ]);
  return {
    rows: rows.map((r) => {
      const dueAt = reviewDueAt(r.since, target);
      const left = timeLeft(dueAt, now);
      const kind: QueueKind = r.status === "rejected" ? "appeal" : r.resubmitted ? "resubmitted" : "new";
      return {
        id: r.id,
        partnerId: r.partnerId,
        partnerName: r.partnerName,
        customerName: r.customerName,
        customerDomain: r.customerDomain,
        country: r.country,
        countryName: countryName(r.country),
        value: formatAmount(r.valueMinor, r.currency as Currency),
        currency: r.currency,
        stage: stageLabels[r.stage],
        conflictFlag: r.conflictFlag,
        conflictCount: r.conflictCount,
        kind,
        createdAt: r.createdAt,
        since: r.since,
        dueAt,
        overdue: left.overdue,
        timeLeft: left.label,
      };
    }),
    total: total?.n ?? 0,
    page: filter.page,
    pageSize: REVIEW_PAGE_SIZE,
    targetBusinessDays: target,
    options,
  };
}

/** The queue's filter choices: the countries and partners that have registrations in it. */
async function queueOptions(db: Db) {
  const [countries, partnerRows] = await Promise.all([
    db.selectDistinct({ country: deals.country }).from(deals).where(inQueue),
    db
      .selectDistinct({ id: partners.id, name: partners.name })
      .from(deals)
      .innerJoin(partners, eq(partners.id, deals.partnerId))
      .where(inQueue),
  ]);
  return {
    countries: countries
      .map((c) => ({ value: c.country, label: countryName(c.country) }))
      .sort((a, b) => a.label.localeCompare(b.label, "en")),
    partners: partnerRows
      .map((p) => ({ value: p.id, label: p.name }))
      .sort((a, b) => a.label.localeCompare(b.label, "en")),
  };
}

/** Lines of these deals with their product names, by deal. */
export async function linesOf(db: Db, dealIds: string[]) {
  const byDeal = new Map<string, { productId: string; sku: string; product: string; quantity: number }[]>();
  if (dealIds.length === 0) return byDeal;
  const rows = await db
    .select({
      dealId: dealLines.dealId,
      productId: products.id,
      sku: products.sku,
      name: products.name,
      edition: products.edition,
      quantity: dealLines.quantity,
    })
    .from(dealLines)
    .innerJoin(products, eq(products.id, dealLines.productId))
    .where(inArray(dealLines.dealId, dealIds))
    .orderBy(asc(products.name), asc(products.edition), asc(dealLines.id));
  for (const r of rows) {
    const list = byDeal.get(r.dealId) ?? [];
    // "Anti-Spam Gateway" + "Gateway" reads once; "Mail Server Enterprise" + "Advanced" both.
    const product = r.name.endsWith(r.edition) ? r.name : `${r.name} ${r.edition}`;
    list.push({ productId: r.productId, sku: r.sku, product, quantity: r.quantity });
    byDeal.set(r.dealId, list);
  }
  return byDeal;
}

/** A deal as the review page shows it (both sides of the comparison use this shape). */
function summary(d: Deal & { partnerName: string }, lines: Awaited<ReturnType<typeof linesOf>>) {
  return {
    id: d.id,
    partnerId: d.partnerId,
    partnerName: d.partnerName,
    customerName: d.customerName,
    customerDomain: d.customerDomain,
    country: d.country,
    countryName: countryName(d.country),
    region: d.region,
    contactName: d.contactName,
    contactTitle: d.contactTitle,
    contactEmail: d.contactEmail,
    value: formatAmount(d.valueMinor, d.currency as Currency),
    currency: d.currency,
    expectedCloseDate: d.expectedCloseDate,
    stage: stageLabels[d.stage],
    status: d.status,
    statusLabel: statusLabels[d.status],
    competition: d.competition,
    notes: d.notes,
    protectedUntil: d.protectedUntil,
    createdAt: d.createdAt,
    lines: lines.get(d.id) ?? [],
  };
}

const dealWithPartner = { deal: deals, partnerName: partners.name };

/**
 * One registration for review, side by side with each registration it
 * conflicts with (the stored matches, each loaded fresh by id: its current
 * status, partner and products, with the match's reasons and score), the
 * other registrations for the same domain made after it, the history, the
 * extension requests, and which decisions are open.
 */
export async function getDealForReview(ctx: Ctx, id: string) {
  assertReviewer(ctx);
  assertDealId(id);
  const now = nowOf(ctx);
  const [row] = await ctx.db
    .select({
      ...dealWithPartner,
      partnerTier: partners.tier,
      registeredByName: users.name,
      registeredByEmail: users.email,
    })
    .from(deals)
    .innerJoin(partners, eq(partners.id, deals.partnerId))
    .leftJoin(users, eq(users.id, deals.registeredBy))
    .where(eq(deals.id, id));
  if (!row) throw new NotFoundError("Deal registration not found.");
  const deal = row.deal;

  const matchIds = deal.conflicts.map((c) => c.dealId);
  const [matched, sameDomain, events, extensions] = await Promise.all([
    matchIds.length
      ? ctx.db
          .select(dealWithPartner)
          .from(deals)
          .innerJoin(partners, eq(partners.id, deals.partnerId))
          .where(inArray(deals.id, matchIds))
      : Promise.resolve([]),
    ctx.db
      .select(dealWithPartner)
      .from(deals)
      .innerJoin(partners, eq(partners.id, deals.partnerId))
      .where(
        and(
          eq(deals.customerDomain, deal.customerDomain),
          ne(deals.id, deal.id),
          matchIds.length ? notInArray(deals.id, matchIds) : undefined,
          inArray(deals.status, ["pending_review", "changes_requested", "approved"]),
        ),
      )
      .orderBy(asc(deals.createdAt))
      .limit(20),
    dealHistory(ctx.db, id),
    extensionsOf(ctx.db, id),
  ]);
  const lines = await linesOf(ctx.db, [deal.id, ...matched.map((m) => m.deal.id), ...sameDomain.map((m) => m.deal.id)]);
  const byId = new Map(matched.map((m) => [m.deal.id, m]));
  const conflicts = [...deal.conflicts]
    .sort((a, b) => b.score - a.score)
    .map((match) => {
      const other = byId.get(match.dealId);
      return {
        score: match.score,
        reasons: match.reasons,
        deal: other ? summary({ ...other.deal, partnerName: other.partnerName }, lines) : null,
      };
    });

  const pendingReview = deal.status === "pending_review";
  const appealOpen =
    deal.status === "rejected" &&
    !!deal.appealedAt &&
    (!deal.decidedAt || deal.appealedAt.getTime() > deal.decidedAt.getTime());
  const protectedHolder = await protectedRegistration(ctx.db, deal.customerDomain, deal.id);
  const target = env().DEAL_REVIEW_TARGET_BUSINESS_DAYS;
  const since = appealOpen ? deal.appealedAt! : (lastResubmission(events) ?? deal.createdAt);
  const dueAt = reviewDueAt(since, target);

  return {
    deal: {
      ...summary({ ...deal, partnerName: row.partnerName }, lines),
      registeredBy: row.registeredByName ? `${row.registeredByName} (${row.registeredByEmail})` : null,
      conflictFlag: deal.conflictFlag,
      decidedAt: deal.decidedAt,
      decisionNote: deal.decisionNote,
      appealComment: deal.appealComment,
      appealedAt: deal.appealedAt,
      finalValue: deal.finalValueMinor ? formatAmount(deal.finalValueMinor, deal.currency as Currency) : null,
      lostReason: deal.lostReason,
      closedAt: deal.closedAt,
    },
    conflicts,
    laterSameDomain: sameDomain.map((m) => summary({ ...m.deal, partnerName: m.partnerName }, lines)),
    /** The approved registration that already protects this customer domain (first in), if any. */
    protectedBy: protectedHolder,
    history: events,
    extensions,
    review:
      pendingReview || appealOpen ? { kind: appealOpen ? "appeal" : "review", dueAt, ...timeLeft(dueAt, now) } : null,
    can: {
      approve: pendingReview || appealOpen,
      reject: pendingReview || appealOpen,
      requestChanges: pendingReview,
    },
    protectionDays: await protectionDaysOf(ctx.db, row.partnerTier, now),
  };
}

function lastResubmission(events: { kind: string; at: Date }[]): Date | null {
  let last: Date | null = null;
  for (const e of events) if (e.kind === "resubmitted" && (!last || e.at > last)) last = e.at;
  return last;
}

/** The deal's history, oldest first (as stored: the actor's label is the vendor's business, see detail.server). */
export async function dealHistory(db: Db, dealId: string) {
  return db
    .select({
      id: dealEvents.id,
      at: dealEvents.at,
      actorLabel: dealEvents.actorLabel,
      kind: dealEvents.kind,
      note: dealEvents.note,
    })
    .from(dealEvents)
    .where(eq(dealEvents.dealId, dealId))
    .orderBy(asc(dealEvents.at), asc(dealEvents.id));
}

export async function extensionsOf(db: Db, dealId: string) {
  return db
    .select({
      id: dealExtensions.id,
      reason: dealExtensions.reason,
      requestedDays: dealExtensions.requestedDays,
      status: dealExtensions.status,
      createdAt: dealExtensions.createdAt,
      decidedAt: dealExtensions.decidedAt,
      decisionNote: dealExtensions.decisionNote,
    })
    .from(dealExtensions)
    .where(eq(dealExtensions.dealId, dealId))
    .orderBy(desc(dealExtensions.createdAt), desc(dealExtensions.id));
}

/** The approved registration that protects this domain (another than `exceptId`), if any. */
async function protectedRegistration(db: Db, domain: string, exceptId: string) {
  const [holder] = await db
    .select({
      id: deals.id,
      partnerId: deals.partnerId,
      partnerName: partners.name,
      customerName: deals.customerName,
      protectedUntil: deals.protectedUntil,
    })
    .from(deals)
    .innerJoin(partners, eq(partners.id, deals.partnerId))
    .where(and(eq(deals.customerDomain, domain), eq(deals.status, "approved"), ne(deals.id, exceptId)));
  return holder ?? null;
}

/**
 * A decision on a deal that is not (or no longer) open for it: not found, or
 * a ConflictError naming who decided it and when (the second of two
 * reviewers, or a registration that moved on).
 */
async function notDecidable(tx: Db, id: string): Promise<never> {
  const [current] = await tx
    .select({ status: deals.status, decidedAt: deals.decidedAt, decidedBy: users.name })
    .from(deals)
    .leftJoin(users, eq(users.id, deals.decidedBy))
    .where(eq(deals.id, id));
  if (!current) throw new NotFoundError("Deal registration not found.");
  const state = statusLabels[current.status].toLowerCase();
  if (current.decidedAt) {
    throw new ConflictError(
      `This registration was already decided by ${current.decidedBy ?? "another reviewer"} at ` +
        `${current.decidedAt.toISOString().slice(0, 16).replace("T", " ")} UTC (${state}).`,
    );
  }
  throw new ConflictError(`This registration is not waiting for a decision (${state}).`);
}

/**
 * How long an approval at `at` protects a `tier` partner's registration: the
 * tier's `benefits.protectionDays` in the tier rules in force then, or
 * DEAL_PROTECTION_DAYS when the rules give none.
 */
async function protectionDaysOf(db: Db, tier: Tier, at: Date): Promise<number> {
  return (await protectionDaysFor(db, tier, at)) ?? env().DEAL_PROTECTION_DAYS;
}

/**
 * Approves a registration waiting for review (or an appealed rejection): it
 * is protected from now for the partner tier's protection period in the tier
 * rules in force (protectionDaysOf), and the partner's people are told. When
 * another registration for the same customer domain is already approved, the
 * database refuses (first in wins) and the reviewer gets a ConflictError
 * saying until when that one is protected.
 */
export async function approveDeal(ctx: Ctx, id: string) {
  assertReviewer(ctx);
  assertDealId(id);
  const now = nowOf(ctx);
  try {
    return await ctx.db.transaction(async (tx) => {
      const [before] = await tx
        .select({ status: deals.status, appealedAt: deals.appealedAt, tier: partners.tier })
        .from(deals)
        .innerJoin(partners, eq(partners.id, deals.partnerId))
        .where(eq(deals.id, id));
      const days = await protectionDaysOf(tx, before?.tier ?? "registered", now);
      const protectedUntil = new Date(now.getTime() + days * DAY_MS);
      const [row] = await tx
        .update(deals)
        .set({
          status: "approved",
          protectedUntil,
          decidedBy: ctx.actor.userId,
          decidedAt: now,
          decisionNote: null,
          updatedAt: now,
        })
        .where(and(eq(deals.id, id), inQueue))
        .returning();
      if (!row) return notDecidable(tx, id);
      const afterAppeal = before?.status === "rejected";
      await recordDealChange(tx, row, {
        kind: "approved",
        note: `Protected until ${isoDay(protectedUntil)}.`,
        at: now,
        actor: ctx.actor,
        audit: {
          before: { status: before?.status ?? "pending_review" },
          after: { status: "approved", protectedUntil: protectedUntil.toISOString() },
        },
        partnerMail: {
          headline: afterAppeal ? "approved after your appeal" : "approved",
          message:
            `The registration is approved and protected until ${isoDay(protectedUntil)}. ` +
            "Keep its stage up to date, and mark it won or lost when the customer decides.",
        },
      });
      return { id: row.id, status: row.status, protectedUntil: row.protectedUntil!, decidedAt: row.decidedAt! };
    });
  } catch (err) {
    if (isUniqueViolation(err, PROTECTED_INDEX)) {
      const [deal] = await ctx.db.select({ domain: deals.customerDomain }).from(deals).where(eq(deals.id, id));
      const holder = deal ? await protectedRegistration(ctx.db, deal.domain, id) : null;
      const until = holder?.protectedUntil ? ` (until ${isoDay(holder.protectedUntil)})` : "";
      throw new ConflictError(
        `Another registration for ${deal?.domain ?? "this customer"} is already approved and protected${until}. ` +
          "Reject this one, or wait until that protection ends.",
      );
    }
    throw err;
  }
}

/**
 * Rejects a registration waiting for review (or an appealed rejection, which
 * then cannot be appealed again). The reason is mailed to the partner; when
 * another registration already protects the customer, the mail says so
 * without naming whose it is.
 */
export async function rejectDeal(ctx: Ctx, id: string, raw: unknown) {
  assertReviewer(ctx);
  assertDealId(id);
  const parsed = rejectSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const { reason } = parsed.data;
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const [before] = await tx.select({ status: deals.status }).from(deals).where(eq(deals.id, id));
    const [row] = await tx
      .update(deals)
      .set({ status: "rejected", decidedBy: ctx.actor.userId, decidedAt: now, decisionNote: reason, updatedAt: now })
      .where(and(eq(deals.id, id), inQueue))
      .returning();
    if (!row) return notDecidable(tx, id);
    const afterAppeal = before?.status === "rejected";
    const holder = await protectedRegistration(tx, row.customerDomain, row.id);
    const protectedNote = holder
      ? holder.partnerId === row.partnerId
        ? "\n\nThis customer is already protected by another of your registrations."
        : "\n\nThis customer is already protected for another partner."
      : "";
    await recordDealChange(tx, row, {
      kind: "rejected",
      note: reason,
      at: now,
      actor: ctx.actor,
      audit: {
        before: { status: before?.status ?? "pending_review" },
        after: { status: "rejected", reason, protectedElsewhere: !!holder },
      },
      partnerMail: {
        headline: afterAppeal ? "your appeal was rejected" : "rejected",
        message:
          reason +
          protectedNote +
          (afterAppeal ? "" : "\n\nIf you disagree, you can appeal this decision once from the registration's page."),
      },
    });
    return { id: row.id, status: row.status, decidedAt: row.decidedAt!, protectedElsewhere: !!holder };
  });
}

/** Sends a registration waiting for review back to the partner with the changes needed (mailed). */
export async function requestDealChanges(ctx: Ctx, id: string, raw: unknown) {
  assertReviewer(ctx);
  assertDealId(id);
  const parsed = requestChangesSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const { message } = parsed.data;
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(deals)
      .set({
        status: "changes_requested",
        decidedBy: ctx.actor.userId,
        decidedAt: now,
        decisionNote: message,
        updatedAt: now,
      })
      .where(and(eq(deals.id, id), eq(deals.status, "pending_review")))
      .returning();
    if (!row) return notDecidable(tx, id);
    await recordDealChange(tx, row, {
      kind: "changes_requested",
      note: message,
      at: now,
      actor: ctx.actor,
      audit: { before: { status: "pending_review" }, after: { status: "changes_requested", message } },
      partnerMail: {
        headline: "changes requested",
        message: `${message}\n\nEdit the registration and send it again from its page.`,
      },
    });
    return { id: row.id, status: row.status };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The API (vendor keys with deals:write): the same decisions

/** What the API answers after a decision. */
async function decisionOf(db: Db, id: string) {
  const [row] = await db
    .select({
      id: deals.id,
      status: deals.status,
      protectedUntil: deals.protectedUntil,
      decidedAt: deals.decidedAt,
      decisionNote: deals.decisionNote,
    })
    .from(deals)
    .where(eq(deals.id, id));
  if (!row) throw new NotFoundError("Deal registration not found.");
  return {
    id: row.id,
    status: row.status,
    protectedUntil: row.protectedUntil?.toISOString() ?? null,
    decidedAt: row.decidedAt?.toISOString() ?? null,
    decisionNote: row.decisionNote,
  };
}

/** A JSON object from a request body; an empty body is `{}`; anything else is a 400 with a field error. */
function jsonObject(text: string): Record<string, unknown> {
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ValidationError({ "": ["The request body must be a JSON object."] });
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new ValidationError({ "": ["The request body must be a JSON object."] });
  }
  return value as Record<string, unknown>;
}

/** POST /api/v1/deals/<id>/approve (body ignored). */
export async function approveDealFromApi(ctx: Ctx, id: string, body: string) {
  assertReviewer(ctx);
  jsonObject(body);
  await approveDeal(ctx, id);
  return decisionOf(ctx.db, id);
}

/** POST /api/v1/deals/<id>/reject {"reason": "…"}. */
export async function rejectDealFromApi(ctx: Ctx, id: string, body: string) {
  assertReviewer(ctx);
  await rejectDeal(ctx, id, jsonObject(body));
  return decisionOf(ctx.db, id);
}
