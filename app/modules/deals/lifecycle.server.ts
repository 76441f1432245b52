/**
 * A deal registration's life after it was sent: the partner's actions on its
 * own deals (stage, won, lost, appeal of a rejection, edit and resubmit after
 * a request for changes, protection extension requests) and the channel
 * team's decisions on extension requests.
 *
 * Every partner-side function reads the deal through scopeWhere with the
 * actor's partner: another partner's deal is NotFoundError (404), exactly as
 * a deal that does not exist. The row is locked (SELECT … FOR UPDATE) for
 * the change, so two requests at once apply one after the other. Each change
 * writes its history row, audit event and mail in the same transaction.
 */
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~db/client";
import { dealExtensions, deals, type Deal } from "~db/schema";
import { nowOf, scopeOf, type Ctx } from "~/modules/auth/actor";
import { scopeWhere } from "~/modules/partners/scope.server";
import { isUniqueViolation } from "~/utils/db-errors.server";
import { ConflictError, NotFoundError, RuleError, ValidationError } from "~/utils/errors.server";
import { fieldErrorsOf } from "~/utils/field-errors";
import { assertDealId, assertPartnerActor, assertReviewer, isoDay, recordDealChange } from "./changes.server";
import {
  LOSABLE_STATUSES,
  openStatuses,
  appealSchema,
  statusLabels,
  denyExtensionSchema,
  extensionRequestSchema,
  formatAmount,
  grantExtensionSchema,
  lostSchema,
  resubmitSchema,
  stageLabels,
  stageSchema,
  wonSchema,
  type Currency,
  type DealStatus,
} from "./lifecycle-schemas";
import { CLOSE_DATE_MAX_YEARS, closeDateRange } from "./schemas";
import { reevaluatePartnerTier } from "~/modules/tiers/evaluate.server";

const DAY_MS = 86_400_000;
const OPEN_EXTENSION_INDEX = "deal_extensions_open_idx";

function invalid(error: z.ZodError): never {
  throw new ValidationError(fieldErrorsOf(error));
}

const stateLabel = (status: DealStatus) => statusLabels[status].toLowerCase();

/** The actor's own deal, locked for the change; another partner's (or none) is NotFoundError. */
async function lockOwnDeal(tx: Db, ctx: Ctx, id: string): Promise<Deal> {
  const [row] = await tx
    .select()
    .from(deals)
    .where(scopeWhere(scopeOf(ctx.actor), deals, eq(deals.id, id)))
    .for("update");
  if (!row) throw new NotFoundError("Deal registration not found.");
  return row;
}

function partnerSide(ctx: Ctx, id: string): void {
  assertPartnerActor(ctx);
  assertDealId(id);
}

/** A pending extension request ends with the deal (won, lost, expired): it is closed as denied with `note`. */
export async function closePendingExtension(tx: Db, dealId: string, now: Date, note: string): Promise<boolean> {
  const closed = await tx
    .update(dealExtensions)
    .set({ status: "denied", decidedAt: now, decisionNote: note })
    .where(and(eq(dealExtensions.dealId, dealId), eq(dealExtensions.status, "pending")))
    .returning({ id: dealExtensions.id });
  return closed.length > 0;
}

/** The partner moves an open deal (waiting, changes requested, approved) to another sales stage. */
export async function updateDealStage(ctx: Ctx, id: string, raw: unknown) {
  partnerSide(ctx, id);
  const parsed = stageSchema.safeParse(raw);
  if (!parsed.success) invalid(parsed.error);
  const { stage } = parsed.data;
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const deal = await lockOwnDeal(tx, ctx, id);
    if (!(openStatuses as readonly string[]).includes(deal.status)) {
      throw new RuleError(`The stage of a closed registration cannot change (it is ${stateLabel(deal.status)}).`);
    }
    if (deal.stage === stage) return { id, stage, changed: false };
    await tx.update(deals).set({ stage, updatedAt: now }).where(eq(deals.id, id));
    await recordDealChange(tx, deal, {
      kind: "stage_changed",
      note: `${stageLabels[deal.stage]} → ${stageLabels[stage]}`,
      at: now,
      actor: ctx.actor,
      audit: { before: { stage: deal.stage }, after: { stage } },
    });
    return { id, stage, changed: true };
  });
}

/** The partner marks an approved deal won, with its final value in the deal's currency; the protection ends. */
export async function markDealWon(ctx: Ctx, id: string, raw: unknown) {
  partnerSide(ctx, id);
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const deal = await lockOwnDeal(tx, ctx, id);
    const currency = deal.currency as Currency;
    const parsed = wonSchema(currency).safeParse(raw);
    if (!parsed.success) invalid(parsed.error);
    if (deal.status !== "approved") {
      throw new RuleError(`Only an approved registration can be marked won (this one is ${stateLabel(deal.status)}).`);
    }
    const finalValueMinor = parsed.data.finalValue;
    await tx
      .update(deals)
      .set({ status: "won", finalValueMinor, closedAt: now, updatedAt: now })
      .where(eq(deals.id, id));
    const closed = await closePendingExtension(tx, id, now, "Closed: the deal was won.");
    const final = formatAmount(finalValueMinor, currency);
    await recordDealChange(tx, deal, {
      kind: "won",
      note: `Final value ${final}.`,
      at: now,
      actor: ctx.actor,
      audit: {
        before: { status: deal.status },
        after: { status: "won", finalValueMinor, currency, extensionClosed: closed },
      },
      partnerMail: { headline: "marked won", message: `${ctx.actor.label} marked the deal won at ${final}.` },
      reviewerMail: { headline: "Deal won", message: `Final value ${final}.` },
    });
    // A won deal can lift the partner's tier at once (same transaction).
    await reevaluatePartnerTier(tx, { partnerId: deal.partnerId, at: now, reason: "deal-won" });
    return { id, status: "won" as const, finalValueMinor };
  });
}

/** The partner marks a deal lost (from waiting, changes requested or approved) with the reason. */
export async function markDealLost(ctx: Ctx, id: string, raw: unknown) {
  partnerSide(ctx, id);
  const parsed = lostSchema.safeParse(raw);
  if (!parsed.success) invalid(parsed.error);
  const { reason } = parsed.data;
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const deal = await lockOwnDeal(tx, ctx, id);
    if (!(LOSABLE_STATUSES as readonly string[]).includes(deal.status)) {
      throw new RuleError(`This registration cannot be marked lost (it is ${stateLabel(deal.status)}).`);
    }
    await tx
      .update(deals)
      .set({ status: "lost", lostReason: reason, closedAt: now, updatedAt: now })
      .where(eq(deals.id, id));
    const closed = await closePendingExtension(tx, id, now, "Closed: the deal was lost.");
    await recordDealChange(tx, deal, {
      kind: "lost",
      note: reason,
      at: now,
      actor: ctx.actor,
      audit: { before: { status: deal.status }, after: { status: "lost", reason, extensionClosed: closed } },
      partnerMail: { headline: "marked lost", message: `${ctx.actor.label} marked the deal lost:\n\n${reason}` },
      reviewerMail: { headline: "Deal lost", message: reason },
    });
    return { id, status: "lost" as const };
  });
}

/**
 * The partner appeals a rejection, once, with a comment: the registration
 * goes back to the review queue (as an appeal) and the channel team is told.
 * A second appeal is a RuleError.
 */
export async function appealRejection(ctx: Ctx, id: string, raw: unknown) {
  partnerSide(ctx, id);
  const parsed = appealSchema.safeParse(raw);
  if (!parsed.success) invalid(parsed.error);
  const { comment } = parsed.data;
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const deal = await lockOwnDeal(tx, ctx, id);
    if (deal.status !== "rejected") {
      throw new RuleError(`Only a rejected registration can be appealed (this one is ${stateLabel(deal.status)}).`);
    }
    if (deal.appealedAt) {
      throw new RuleError("This rejection was already appealed; a registration can be appealed once.");
    }
    await tx.update(deals).set({ appealedAt: now, appealComment: comment, updatedAt: now }).where(eq(deals.id, id));
    await recordDealChange(tx, deal, {
      kind: "appealed",
      note: comment,
      at: now,
      actor: ctx.actor,
      audit: { before: { status: "rejected" }, after: { status: "rejected", appealed: true, comment } },
      reviewerMail: { headline: "Rejection appealed", message: comment },
    });
    return { id, appealedAt: now };
  });
}

/**
 * After the channel team asked for changes, the partner edits the
 * registration (contact, value and currency, close date, stage, competition,
 * notes) and sends it back: it waits for review again (its target clock
 * restarts) and the channel team is told what changed.
 */
export async function resubmitDeal(ctx: Ctx, id: string, raw: unknown) {
  partnerSide(ctx, id);
  const parsed = resubmitSchema.safeParse(raw);
  if (!parsed.success) invalid(parsed.error);
  const input = parsed.data;
  const now = nowOf(ctx);
  const range = closeDateRange(now);
  if (input.expectedCloseDate < range.min) {
    throw new ValidationError({ expectedCloseDate: ["The expected close date is in the past."] });
  }
  if (input.expectedCloseDate > range.max) {
    throw new ValidationError({
      expectedCloseDate: [`The expected close date must be within ${CLOSE_DATE_MAX_YEARS} years.`],
    });
  }
  return ctx.db.transaction(async (tx) => {
    const deal = await lockOwnDeal(tx, ctx, id);
    if (deal.status !== "changes_requested") {
      throw new RuleError(
        `Only a registration with requested changes can be edited and sent again (this one is ${stateLabel(deal.status)}).`,
      );
    }
    const next = {
      region: input.region ?? null,
      contactName: input.contactName,
      contactTitle: input.contactTitle ?? null,
      contactEmail: input.contactEmail,
      valueMinor: input.valueMinor,
      currency: input.currency,
      expectedCloseDate: input.expectedCloseDate,
      stage: input.stage,
      competition: input.competition ?? null,
      notes: input.notes ?? null,
    };
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    for (const key of Object.keys(next) as (keyof typeof next)[]) {
      if (deal[key] !== next[key]) {
        before[key] = deal[key];
        after[key] = next[key];
      }
    }
    await tx
      .update(deals)
      .set({ ...next, status: "pending_review", updatedAt: now })
      .where(eq(deals.id, id));
    const changed = Object.keys(after);
    const what = changed.length ? `Changed: ${changed.join(", ")}.` : "Sent again without changes.";
    await recordDealChange(tx, deal, {
      kind: "resubmitted",
      note: input.comment ? `${what}\n${input.comment}` : what,
      at: now,
      actor: ctx.actor,
      audit: { before: { status: "changes_requested", ...before }, after: { status: "pending_review", ...after } },
      reviewerMail: {
        headline: "Registration resubmitted",
        message: `${what}${input.comment ? `\n\n${input.comment}` : ""}\n\nYou asked for: ${deal.decisionNote ?? "—"}`,
      },
    });
    return { id, status: "pending_review" as const, changed };
  });
}

/**
 * The partner asks for a longer protection of an approved deal (7 to 90 days,
 * with a reason). One request waits at a time, guaranteed by the partial
 * unique index deal_extensions_open_idx: a second is a ConflictError.
 */
export async function requestExtension(ctx: Ctx, id: string, raw: unknown) {
  partnerSide(ctx, id);
  const parsed = extensionRequestSchema.safeParse(raw);
  if (!parsed.success) invalid(parsed.error);
  const { reason, days } = parsed.data;
  const now = nowOf(ctx);
  try {
    return await ctx.db.transaction(async (tx) => {
      const deal = await lockOwnDeal(tx, ctx, id);
      if (deal.status !== "approved" || !deal.protectedUntil) {
        throw new RuleError(
          `Only an approved, protected registration can be extended (this one is ${stateLabel(deal.status)}).`,
        );
      }
      const [ext] = await tx
        .insert(dealExtensions)
        .values({
          dealId: id,
          partnerId: deal.partnerId,
          requestedBy: ctx.actor.userId,
          reason,
          requestedDays: days,
          createdAt: now,
        })
        .returning({ id: dealExtensions.id });
      await recordDealChange(tx, deal, {
        kind: "extension_requested",
        note: `${days} more days: ${reason}`,
        at: now,
        actor: ctx.actor,
        audit: { after: { extensionId: ext!.id, days, reason, protectedUntil: deal.protectedUntil.toISOString() } },
        reviewerMail: {
          headline: `Extension requested (${days} days)`,
          message: `Protected until ${isoDay(deal.protectedUntil)}; asked for ${days} more days.\n\n${reason}`,
        },
      });
      return { id: ext!.id, dealId: id, days };
    });
  } catch (err) {
    if (isUniqueViolation(err, OPEN_EXTENSION_INDEX)) {
      throw new ConflictError("An extension request for this registration is already waiting for a decision.");
    }
    throw err;
  }
}

const extensionId = z.string().uuid();

/**
 * Claims a pending extension request for a decision (conditional UPDATE: of
 * two reviewers at once, one wins) and locks its deal.
 */
async function claimExtension(
  tx: Db,
  ctx: Ctx,
  id: string,
  set: { status: "granted" | "denied"; decisionNote: string | null },
) {
  const now = nowOf(ctx);
  const [ext] = await tx
    .update(dealExtensions)
    .set({ ...set, decidedBy: ctx.actor.userId, decidedAt: now })
    .where(and(eq(dealExtensions.id, id), eq(dealExtensions.status, "pending")))
    .returning();
  if (!ext) {
    const [current] = await tx
      .select({ status: dealExtensions.status })
      .from(dealExtensions)
      .where(eq(dealExtensions.id, id));
    if (!current) throw new NotFoundError("Extension request not found.");
    throw new ConflictError(`This extension request was already decided (${current.status}).`);
  }
  const [deal] = await tx.select().from(deals).where(eq(deals.id, ext.dealId)).for("update");
  return { ext, deal: deal! };
}

/** The channel team grants an extension request: the protection is extended by the requested days. */
export async function grantExtension(ctx: Ctx, id: string, raw: unknown = {}) {
  assertReviewer(ctx);
  if (!extensionId.safeParse(id).success) throw new NotFoundError("Extension request not found.");
  const parsed = grantExtensionSchema.safeParse(raw);
  if (!parsed.success) invalid(parsed.error);
  const note = parsed.data.note ?? null;
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const { ext, deal } = await claimExtension(tx, ctx, id, { status: "granted", decisionNote: note });
    if (deal.status !== "approved" || !deal.protectedUntil) {
      throw new RuleError(`The registration is no longer protected (it is ${stateLabel(deal.status)}).`);
    }
    const protectedUntil = new Date(deal.protectedUntil.getTime() + ext.requestedDays * DAY_MS);
    await tx.update(deals).set({ protectedUntil, updatedAt: now }).where(eq(deals.id, deal.id));
    await recordDealChange(tx, deal, {
      kind: "extension_granted",
      note: `Protected until ${isoDay(protectedUntil)} (${ext.requestedDays} more days).${note ? ` ${note}` : ""}`,
      at: now,
      actor: ctx.actor,
      audit: {
        before: { protectedUntil: deal.protectedUntil.toISOString() },
        after: { protectedUntil: protectedUntil.toISOString(), extensionId: ext.id, days: ext.requestedDays },
      },
      partnerMail: {
        headline: "protection extended",
        message: `Your extension request was granted: the registration is now protected until ${isoDay(protectedUntil)}.${note ? `\n\n${note}` : ""}`,
      },
    });
    return { id: ext.id, dealId: deal.id, protectedUntil };
  });
}

/** The channel team denies an extension request, with a note the partner receives. */
export async function denyExtension(ctx: Ctx, id: string, raw: unknown) {
  assertReviewer(ctx);
  if (!extensionId.safeParse(id).success) throw new NotFoundError("Extension request not found.");
  const parsed = denyExtensionSchema.safeParse(raw);
  if (!parsed.success) invalid(parsed.error);
  const { note } = parsed.data;
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const { ext, deal } = await claimExtension(tx, ctx, id, { status: "denied", decisionNote: note });
    await recordDealChange(tx, deal, {
      kind: "extension_denied",
      note,
      at: now,
      actor: ctx.actor,
      audit: { after: { extensionId: ext.id, days: ext.requestedDays, note } },
      partnerMail: {
        headline: "extension denied",
        message:
          `Your request for ${ext.requestedDays} more days was denied` +
          (deal.protectedUntil ? `; the protection still ends on ${isoDay(deal.protectedUntil)}` : "") +
          `.\n\n${note}`,
      },
    });
    return { id: ext.id, dealId: deal.id };
  });
}
