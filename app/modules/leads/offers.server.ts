/**
 * The partner's answer to a lead offer, and the jobs around the SLA.
 *
 * Exactly one outcome per offer, decided by the database: every path that
 * closes an offer (accept, decline, expiry; the vendor's recall in
 * route.server.ts) does it with a conditional UPDATE … WHERE outcome IS NULL
 * RETURNING, after locking the lead row (always lead first, then offer, so
 * two paths never wait on each other in opposite order). Of two answers at
 * once, the second finds the outcome set and gets a ConflictError saying
 * what happened; the partial unique indexes (one pending, one accepted offer
 * per lead) back this up.
 *
 * A decline or an expiry takes the lead away from the partner at once
 * (leads.partner_id changes, so the lead is 404 for it from then on) and
 * re-routes it in the same transaction (routeLeadInTx, mode "job"), which
 * offers it to the next partner (never one offered before) or, after
 * maxOffers, returns it to the vendor and tells the channel managers.
 *
 * Signed mail links (offer-links.server.ts) act as the user they were sent
 * to, once: a link whose offer already has an outcome is refused.
 */
import { partnerAdmins } from "~/modules/partners/admins.server";
import { and, asc, eq, isNull, lte, notInArray, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~db/client";
import { leadOffers, leads, partners, products, users, type Lead, type LeadOffer } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import { nowOf, scopeOf, type Actor, type Ctx } from "~/modules/auth/actor";
import { enqueueMail } from "~/modules/mail/enqueue.server";
import { agreementStanding } from "~/modules/onboarding/agreement-standing.server";
import { scopeWhere } from "~/modules/partners/scope.server";
import { countryName } from "~/utils/countries";
import { errorSummary, isUniqueViolation } from "~/utils/db-errors.server";
import { appUrl } from "~/utils/env.server";
import { ConflictError, ForbiddenError, NotFoundError, RuleError, ValidationError } from "~/utils/errors.server";
import { fieldErrorsOf } from "~/utils/field-errors";
import { can, type Role } from "~/utils/permissions";
import { formatInZone, partnerTimeZone } from "./business-hours";
import { recordLeadEvent } from "./events.server";
import { checkOfferLink, offerLinks, offerRecipients } from "./offer-links.server";
import { routeLeadInTx, type RouteOutcome } from "./route.server";
import { declineReasonLabels, leadRef } from "./status";
import { declineOfferSchema } from "./work-schemas";

export type OfferVia = "portal" | "link" | "api";

/** Who closes offers and re-routes leads when no person does (the expiry job, a decline's re-routing). */
export const ROUTING_ACTOR: Actor = {
  userId: null,
  label: "Lead routing",
  role: "channel_manager",
  partnerId: null,
  ip: null,
};

const leadIdSchema = z.string().uuid();

function assertPartnerWorker(ctx: Ctx): string {
  const scope = scopeOf(ctx.actor);
  if (scope.kind !== "partner" || !can(ctx.actor.role, "leads:work")) {
    throw new ForbiddenError("Only the partner the lead is offered to can answer the offer.");
  }
  return scope.partnerId;
}

const outcomeWords: Record<NonNullable<LeadOffer["outcome"]>, string> = {
  accepted: "accepted",
  declined: "declined",
  expired: "expired",
  recalled: "recalled by the channel team",
};

function when(at: Date | null): string {
  return at ? `${at.toISOString().slice(0, 16).replace("T", " ")} UTC` : "an earlier time";
}

/** "already declined by pat@… at 2026-03-01 09:12 UTC (from the mail link)" */
async function describeOutcome(db: Db, offer: Pick<LeadOffer, "outcome" | "outcomeAt" | "outcomeBy" | "outcomeVia">) {
  let by = "";
  if (offer.outcomeBy) {
    const [u] = await db.select({ email: users.email }).from(users).where(eq(users.id, offer.outcomeBy));
    if (u) by = ` by ${u.email}`;
  } else if (offer.outcome === "expired") {
    by = "";
  }
  const via =
    offer.outcomeVia === "link" ? " (from the mail link)" : offer.outcomeVia === "api" ? " (through the API)" : "";
  return `${outcomeWords[offer.outcome!]}${by} at ${when(offer.outcomeAt)}${via}`;
}

/** The partner's offer of this lead (each partner is offered a lead at most once). */
async function partnerOffer(db: Db, partnerId: string, leadId: string): Promise<LeadOffer | undefined> {
  const [offer] = await db
    .select()
    .from(leadOffers)
    .where(scopeWhere({ kind: "partner", partnerId }, leadOffers, eq(leadOffers.leadId, leadId)));
  return offer;
}

/** The lead row, locked for the change (always before the offer row). */
async function lockLead(tx: Db, leadId: string): Promise<Lead> {
  const [lead] = await tx.select().from(leads).where(eq(leads.id, leadId)).for("update");
  if (!lead) throw new NotFoundError("Lead not found.");
  return lead;
}

/**
 * Closes the pending offer with `set` (conditional UPDATE: one outcome wins).
 * The loser learns what happened: its own company's answer as a conflict,
 * an offer that expired or was recalled as not found (the lead left it).
 */
async function claimOffer(
  tx: Db,
  offer: LeadOffer,
  set: Partial<typeof leadOffers.$inferInsert> & { outcome: NonNullable<LeadOffer["outcome"]> },
): Promise<LeadOffer> {
  const [closed] = await tx
    .update(leadOffers)
    .set(set)
    .where(and(eq(leadOffers.id, offer.id), isNull(leadOffers.outcome)))
    .returning();
  if (closed) return closed;
  const [current] = await tx.select().from(leadOffers).where(eq(leadOffers.id, offer.id));
  const what = await describeOutcome(tx, current!);
  if (current!.outcome === "expired" || current!.outcome === "recalled") {
    throw new NotFoundError(`This lead is no longer offered to you: the offer was ${what}.`);
  }
  throw new ConflictError(`This offer was already ${what}.`);
}

interface Answer {
  partnerId: string;
  actor: Actor;
  now: Date;
  via: OfferVia;
}

async function acceptInTx(tx: Db, a: Answer, offer: LeadOffer) {
  const lead = await lockLead(tx, offer.leadId);
  if (offer.outcome === null && offer.acceptBy.getTime() <= a.now.getTime()) {
    throw new RuleError(
      `The time to accept this lead ended at ${when(offer.acceptBy)}; it moves on to another partner.`,
    );
  }
  const closed = await claimOffer(tx, offer, {
    outcome: "accepted",
    outcomeAt: a.now,
    outcomeBy: a.actor.userId,
    outcomeVia: a.via,
  });
  if (lead.partnerId !== a.partnerId || lead.currentOfferId !== offer.id) {
    // Cannot happen while every path closes the offer before moving the lead; refuse rather than take it.
    throw new ConflictError("This lead is no longer offered to you.");
  }
  await tx
    .update(leads)
    .set({ status: "accepted", acceptedAt: a.now, updatedAt: a.now, needsAttention: false, attentionReason: null })
    .where(eq(leads.id, lead.id));
  await recordLeadEvent(tx, {
    leadId: lead.id,
    partnerId: a.partnerId,
    actorLabel: a.actor.label,
    kind: "accepted",
    note: a.via === "link" ? "Accepted from the mail link." : a.via === "api" ? "Accepted through the API." : null,
    at: a.now,
  });
  await recordAudit(tx, a.actor, {
    action: "lead.accepted",
    subjectType: "lead",
    subjectId: lead.id,
    partnerId: a.partnerId,
    before: { status: lead.status },
    after: { status: "accepted", offerId: closed.id, via: a.via },
  });
  return { leadId: lead.id, number: lead.number, status: "accepted" as const, offerId: closed.id };
}

async function declineInTx(
  tx: Db,
  a: Answer,
  offer: LeadOffer,
  input: { reason: keyof typeof declineReasonLabels; note?: string },
) {
  const lead = await lockLead(tx, offer.leadId);
  const closed = await claimOffer(tx, offer, {
    outcome: "declined",
    outcomeAt: a.now,
    outcomeBy: a.actor.userId,
    outcomeVia: a.via,
    declineReason: input.reason,
    declineNote: input.note ?? null,
  });
  // The lead leaves the partner now: from here on it is 404 for it.
  await tx
    .update(leads)
    .set({ partnerId: null, currentOfferId: null, status: "new", updatedAt: a.now })
    .where(eq(leads.id, lead.id));
  const reasonText = declineReasonLabels[input.reason] + (input.note ? `: ${input.note}` : "");
  await recordLeadEvent(tx, {
    leadId: lead.id,
    partnerId: a.partnerId,
    actorLabel: a.actor.label,
    kind: "declined",
    note: reasonText,
    at: a.now,
  });
  await recordAudit(tx, a.actor, {
    action: "lead.declined",
    subjectType: "lead",
    subjectId: lead.id,
    partnerId: a.partnerId,
    before: { status: lead.status, partnerId: a.partnerId },
    after: { status: "new", offerId: closed.id, reason: input.reason, note: input.note ?? null, via: a.via },
  });
  const route = await routeLeadInTx(tx, { db: tx, actor: ROUTING_ACTOR, now: a.now }, lead.id, { mode: "job" });
  return { leadId: lead.id, number: lead.number, offerId: closed.id, route };
}

/** Runs an answer; a second accepted offer of the lead (the unique index) is a conflict too. */
async function answer<T>(db: Db, run: (tx: Db) => Promise<T>): Promise<T> {
  try {
    return await db.transaction(run);
  } catch (err) {
    if (
      isUniqueViolation(err, "lead_offers_one_accepted_idx") ||
      isUniqueViolation(err, "lead_offers_one_pending_idx")
    ) {
      throw new ConflictError("Someone answered this offer at the same moment; reload to see its outcome.");
    }
    throw err;
  }
}

/** The actor's pending-or-answered offer of the lead, or NotFoundError (another partner's lead, unknown id). */
async function offerFor(ctx: Ctx, partnerId: string, leadId: string): Promise<LeadOffer> {
  if (!leadIdSchema.safeParse(leadId).success) throw new NotFoundError("Lead not found.");
  const offer = await partnerOffer(ctx.db, partnerId, leadId);
  if (!offer) throw new NotFoundError("Lead not found.");
  if (offer.outcome === "expired" || offer.outcome === "recalled") {
    // The lead left this partner: like any other partner's lead (the message says why for its own people).
    throw new NotFoundError(
      `This lead is no longer offered to you: the offer was ${await describeOutcome(ctx.db, offer)}.`,
    );
  }
  return offer;
}

/** The partner accepts the lead offered to it (portal, mail link or API): the lead is its to work. */
export async function acceptOffer(ctx: Ctx, leadId: string, via: OfferVia) {
  const partnerId = assertPartnerWorker(ctx);
  const offer = await offerFor(ctx, partnerId, leadId);
  const a: Answer = { partnerId, actor: ctx.actor, now: nowOf(ctx), via };
  return answer(ctx.db, (tx) => acceptInTx(tx, a, offer));
}

/**
 * The partner declines the lead offered to it, with a reason (a note for
 * "other"): the lead leaves it at once and moves on to the next partner, or
 * back to the vendor after the last offer.
 */
export async function declineOffer(ctx: Ctx, leadId: string, raw: unknown, via: OfferVia) {
  const partnerId = assertPartnerWorker(ctx);
  const parsed = declineOfferSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const offer = await offerFor(ctx, partnerId, leadId);
  const a: Answer = { partnerId, actor: ctx.actor, now: nowOf(ctx), via };
  return answer(ctx.db, (tx) => declineInTx(tx, a, offer, parsed.data));
}

// ---------------------------------------------------------------------------------------------------------------
// Signed mail links

export type LinkRefusal = "invalid" | "expired" | "used" | "user" | "agreement";

export interface OfferLinkView {
  ok: true;
  action: "accept" | "decline";
  offerId: string;
  leadId: string;
  leadRef: string;
  companyName: string;
  location: string;
  interest: string;
  message: string | null;
  partnerName: string;
  recipientName: string;
  acceptBy: string;
  open: true;
}
export type OfferLinkAnswer = OfferLinkView | { ok: false; refusal: LinkRefusal; message: string; leadRef?: string };

interface LinkContext {
  view: OfferLinkView;
  offer: LeadOffer;
  actor: Actor;
}

async function readLink(
  db: Db,
  token: string,
  now: Date,
): Promise<LinkContext | Exclude<OfferLinkAnswer, OfferLinkView>> {
  const check = checkOfferLink(token, now);
  if (!check.ok) {
    if (check.reason === "expired") {
      return {
        ok: false,
        refusal: "expired",
        message: "This link has expired with the offer. Sign in to the portal to see your leads.",
      };
    }
    return {
      ok: false,
      refusal: "invalid",
      message: "This link is not valid. Use the link from the mail as it is, or sign in to the portal.",
    };
  }
  const { o: offerId, u: userId, a: action } = check.fields;
  if (!leadIdSchema.safeParse(offerId).success || !leadIdSchema.safeParse(userId).success) {
    return { ok: false, refusal: "invalid", message: "This link is not valid." };
  }
  const [row] = await db
    .select({ offer: leadOffers, lead: leads, partnerName: partners.name, partner: partners })
    .from(leadOffers)
    .innerJoin(leads, eq(leads.id, leadOffers.leadId))
    .innerJoin(partners, eq(partners.id, leadOffers.partnerId))
    .where(eq(leadOffers.id, offerId));
  if (!row) return { ok: false, refusal: "invalid", message: "This link is not valid." };
  const ref = leadRef(row.lead.number);
  if (row.offer.outcome !== null) {
    return {
      ok: false,
      refusal: "used",
      leadRef: ref,
      message: `This link works once: the offer of ${ref} was already ${await describeOutcome(db, row.offer)}.`,
    };
  }
  if (row.offer.acceptBy.getTime() <= now.getTime()) {
    return {
      ok: false,
      refusal: "expired",
      leadRef: ref,
      message: `The time to answer the offer of ${ref} has ended.`,
    };
  }
  const [user] = await db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      partnerId: users.partnerId,
      status: users.status,
    })
    .from(users)
    .where(eq(users.id, userId));
  if (
    !user ||
    user.status !== "active" ||
    user.partnerId !== row.offer.partnerId ||
    !can(user.role as Role, "leads:work")
  ) {
    return {
      ok: false,
      refusal: "user",
      leadRef: ref,
      message: "This link was sent to someone who can no longer answer offers for this partner. Sign in to the portal.",
    };
  }
  if ((await agreementStanding(db, row.offer.partnerId, now)).state === "required") {
    return {
      ok: false,
      refusal: "agreement",
      leadRef: ref,
      message: "A partner admin must accept the current programme agreement in the portal before you answer offers.",
    };
  }
  let interest = "";
  if (row.lead.productId) {
    const [p] = await db.select({ name: products.name }).from(products).where(eq(products.id, row.lead.productId));
    if (p) interest = p.name;
  }
  if (row.lead.seats) interest = interest ? `${interest}, ${row.lead.seats} seats` : `${row.lead.seats} seats`;
  const zone = partnerTimeZone({
    timeZone: row.partner.timeZone,
    country: row.partner.country,
    region: row.partner.region,
  });
  return {
    view: {
      ok: true,
      action,
      offerId,
      leadId: row.lead.id,
      leadRef: ref,
      companyName: row.lead.companyName,
      location: countryName(row.lead.country) + (row.lead.region ? ` (${row.lead.region})` : ""),
      interest,
      message: row.lead.message,
      partnerName: row.partnerName,
      recipientName: user.name,
      acceptBy: formatInZone(row.offer.acceptBy, zone),
      open: true,
    },
    offer: row.offer,
    actor: { userId: user.id, label: user.email, role: user.role as Role, partnerId: user.partnerId, ip: null },
  };
}

/** What the landing page of a mail link shows. Changes nothing (mail scanners fetch links). */
export async function offerByLink(db: Db, token: string, now: Date): Promise<OfferLinkAnswer> {
  const r = await readLink(db, token, now);
  return "view" in r ? r.view : r;
}

function refuse(r: Exclude<OfferLinkAnswer, OfferLinkView>): never {
  throw new ConflictError(r.message);
}

/** Accepts the offer as the user the link was sent to (POST from the landing page). */
export async function acceptByLink(db: Db, token: string, now: Date, ip: string | null = null) {
  const r = await readLink(db, token, now);
  if (!("view" in r)) refuse(r);
  if (r.view.action !== "accept") throw new ConflictError("This is the link to decline the offer, not to accept it.");
  const a: Answer = { partnerId: r.offer.partnerId, actor: { ...r.actor, ip }, now, via: "link" };
  return answer(db, (tx) => acceptInTx(tx, a, r.offer));
}

/** Declines the offer as the user the link was sent to, with the reason from the landing page's form. */
export async function declineByLink(db: Db, token: string, raw: unknown, now: Date, ip: string | null = null) {
  const r = await readLink(db, token, now);
  if (!("view" in r)) refuse(r);
  if (r.view.action !== "decline") throw new ConflictError("This is the link to accept the offer, not to decline it.");
  const parsed = declineOfferSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const a: Answer = { partnerId: r.offer.partnerId, actor: { ...r.actor, ip }, now, via: "link" };
  return answer(db, (tx) => declineInTx(tx, a, r.offer, parsed.data));
}

// ---------------------------------------------------------------------------------------------------------------
// Jobs

const BATCH = 50;

export interface ExpiryCounts {
  expired: number;
  /** Re-routed to the next partner. */
  reoffered: number;
  /** Back with the vendor: no eligible partner left, or the last offer ran out. */
  toVendor: number;
  /** Skipped by the router (e.g. held meanwhile). */
  skipped: number;
  /** Offers whose expiry failed (left as they were; tried again on the next run). */
  failed: number;
}

/**
 * The SLA job: offers past their accept-by time expire and their leads move
 * on (routeLeadInTx, mode "job", excluding every partner offered before);
 * the partner's admins are told the offer closed. Claims batches with
 * FOR UPDATE SKIP LOCKED, so several workers share the work.
 */
export async function expireOverdueOffers(db: Db, now: Date): Promise<ExpiryCounts> {
  const counts: ExpiryCounts = { expired: 0, reoffered: 0, toVendor: 0, skipped: 0, failed: 0 };
  const failedIds: string[] = [];
  for (;;) {
    const batch = await db.transaction(async (tx) => {
      // Lead rows are locked first (the same order as accept and decline).
      const due = await tx
        .select({ offerId: leadOffers.id, leadId: leadOffers.leadId })
        .from(leadOffers)
        .innerJoin(leads, eq(leads.id, leadOffers.leadId))
        .where(
          and(
            isNull(leadOffers.outcome),
            lte(leadOffers.acceptBy, now),
            failedIds.length ? notInArray(leadOffers.id, failedIds) : undefined,
          ),
        )
        .orderBy(asc(leadOffers.acceptBy))
        .limit(BATCH)
        .for("update", { of: leads, skipLocked: true });
      for (const d of due) {
        try {
          const outcome = await tx.transaction((sp) => expireOne(sp, d.offerId, now));
          if (!outcome) continue;
          counts.expired += 1;
          if (outcome.kind === "offered") counts.reoffered += 1;
          else if (outcome.kind === "no_partner") counts.toVendor += 1;
          else counts.skipped += 1;
        } catch (err) {
          counts.failed += 1;
          failedIds.push(d.offerId);
          console.warn("[leads] expiring offer %s failed: %s", d.offerId, errorSummary(err));
        }
      }
      return due.length;
    });
    if (batch < BATCH) break;
  }
  return counts;
}

async function expireOne(tx: Db, offerId: string, now: Date): Promise<RouteOutcome | null> {
  const [offer] = await tx
    .update(leadOffers)
    .set({ outcome: "expired", outcomeAt: now, outcomeVia: "job" })
    .where(and(eq(leadOffers.id, offerId), isNull(leadOffers.outcome)))
    .returning();
  if (!offer) return null; // answered meanwhile
  const [lead] = await tx.select().from(leads).where(eq(leads.id, offer.leadId));
  await tx
    .update(leads)
    .set({ partnerId: null, currentOfferId: null, status: "new", updatedAt: now })
    .where(and(eq(leads.id, offer.leadId), eq(leads.currentOfferId, offer.id)));
  const [partner] = await tx.select({ name: partners.name }).from(partners).where(eq(partners.id, offer.partnerId));
  const ref = leadRef(lead!.number);
  await recordLeadEvent(tx, {
    leadId: offer.leadId,
    partnerId: offer.partnerId,
    actorLabel: ROUTING_ACTOR.label,
    kind: "expired",
    note: `${partner?.name ?? "The partner"} did not answer by ${when(offer.acceptBy)}.`,
    at: now,
  });
  await recordAudit(tx, ROUTING_ACTOR, {
    action: "lead.offer_expired",
    subjectType: "lead",
    subjectId: offer.leadId,
    partnerId: offer.partnerId,
    before: { status: "offered", partnerId: offer.partnerId },
    after: { status: "new", offerId: offer.id, acceptBy: offer.acceptBy.toISOString() },
  });
  const admins = (await partnerAdmins(tx, [offer.partnerId])).get(offer.partnerId) ?? [];
  if (admins.length > 0) {
    await enqueueMail(tx, {
      to: admins,
      template: "lead-offer-closed",
      data: {
        partnerName: partner?.name ?? "",
        leadRef: ref,
        companyName: lead!.companyName,
        headline: "the offer expired",
        message:
          `Nobody accepted or declined the lead by ${when(offer.acceptBy)}, so it was offered to another partner. ` +
          "Answer offers in time to keep receiving leads.",
      },
      dedupeKey: `lead-offer-closed:${offer.id}`,
      partnerId: offer.partnerId,
    });
  }
  return routeLeadInTx(tx, { db: tx, actor: ROUTING_ACTOR, now }, offer.leadId, { mode: "job" });
}

/**
 * Half the SLA has passed without an answer: one reminder per recipient (the
 * same people as the offer), with fresh one-click links. Each offer is
 * reminded once (reminded_at), and the dedupe key keeps a retry from mailing
 * twice.
 */
export async function sendOfferReminders(db: Db, now: Date): Promise<{ reminded: number; mails: number }> {
  let reminded = 0;
  let mails = 0;
  for (;;) {
    const n = await db.transaction(async (tx) => {
      const due = await tx
        .select({ offer: leadOffers, lead: leads, partner: partners })
        .from(leadOffers)
        .innerJoin(leads, eq(leads.id, leadOffers.leadId))
        .innerJoin(partners, eq(partners.id, leadOffers.partnerId))
        .where(
          and(
            isNull(leadOffers.outcome),
            isNull(leadOffers.remindedAt),
            lte(leadOffers.remindAt, now),
            sql`${leadOffers.acceptBy} > ${now.toISOString()}::timestamptz`,
          ),
        )
        .orderBy(asc(leadOffers.remindAt))
        .limit(BATCH)
        .for("update", { of: leadOffers, skipLocked: true });
      if (due.length === 0) return 0;
      const recipients = await offerRecipients(tx, [...new Set(due.map((d) => d.offer.partnerId))]);
      for (const { offer, lead, partner } of due) {
        const zone = partnerTimeZone({ timeZone: partner.timeZone, country: partner.country, region: partner.region });
        const acceptBy = formatInZone(offer.acceptBy, zone);
        const ref = leadRef(lead.number);
        for (const r of recipients.get(offer.partnerId) ?? []) {
          const links = offerLinks(offer.id, r.userId, offer.acceptBy);
          await enqueueMail(tx, {
            to: r.address,
            toName: r.name,
            template: "lead-offer-reminder",
            data: {
              recipientName: r.name,
              leadRef: ref,
              companyName: lead.companyName,
              acceptBy,
              acceptUrl: links.acceptUrl,
              declineUrl: links.declineUrl,
              leadUrl: `${appUrl()}/leads/${lead.id}`,
            },
            dedupeKey: `lead-offer-reminder:${offer.id}:${r.userId}`,
            critical: true,
            partnerId: offer.partnerId,
            userId: r.userId,
          });
          mails += 1;
        }
        await tx.update(leadOffers).set({ remindedAt: now }).where(eq(leadOffers.id, offer.id));
        await recordLeadEvent(tx, {
          leadId: lead.id,
          partnerId: offer.partnerId,
          actorLabel: ROUTING_ACTOR.label,
          kind: "reminded",
          note: `Reminder sent: answer by ${acceptBy}.`,
          at: now,
        });
        reminded += 1;
      }
      return due.length;
    });
    if (n < BATCH) break;
  }
  return { reminded, mails };
}
