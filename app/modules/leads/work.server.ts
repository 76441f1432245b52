/**
 * The partner works a lead it accepted: status (contacted, meeting,
 * qualified, proposal, won with its value, lost with the reason), the next
 * step, notes. Only the partner holding the lead (scopeWhere on
 * leads.partner_id; anyone else gets NotFoundError), only once accepted, and a
 * closed lead's status no longer changes. Each change writes its history row
 * (seen by the partner) and audit event in the same transaction.
 *
 * Also the partner admin's choice of who receives offers besides the admins.
 */
import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~db/client";
import { leadNotes, leads, partnerLeadSettings, users, type Lead } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import { nowOf, type Ctx } from "~/modules/auth/actor";
import { formatMoney } from "~/modules/deals/schemas";
import { scopeWhere } from "~/modules/partners/scope.server";
import { ForbiddenError, NotFoundError, RuleError, ValidationError } from "~/utils/errors.server";
import { fieldErrorsOf } from "~/utils/field-errors";
import { can } from "~/utils/permissions";
import { recordLeadEvent } from "./events.server";
import { partnerOf } from "./queries.server";
import { CLOSED_STATUSES, WORKING_STATUSES, leadStatusLabels } from "./status";
import { leadWorkSchema, noteSchema, offerRecipientsSchema } from "./work-schemas";

const leadIdSchema = z.string().uuid();

async function lockHeldLead(tx: Db, partnerId: string, leadId: string): Promise<Lead> {
  if (!leadIdSchema.safeParse(leadId).success) throw new NotFoundError("Lead not found.");
  const [lead] = await tx
    .select()
    .from(leads)
    .where(scopeWhere({ kind: "partner", partnerId }, leads, eq(leads.id, leadId)))
    .for("update");
  if (!lead) throw new NotFoundError("Lead not found.");
  return lead;
}

const isWorkingStatus = (s: string) => (WORKING_STATUSES as readonly string[]).includes(s);
const isClosedStatus = (s: string) => (CLOSED_STATUSES as readonly string[]).includes(s);

/**
 * One update of an accepted lead (portal form or PATCH /api/v1/leads/<id>):
 * status, next step and/or a note. A lead only offered must be accepted
 * first; a won or lost lead keeps its status (a note can still be added).
 */
export async function updateLeadWork(ctx: Ctx, leadId: string, raw: unknown) {
  const partnerId = partnerOf(ctx);
  const parsed = leadWorkSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const input = parsed.data;
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const lead = await lockHeldLead(tx, partnerId, leadId);
    if (lead.status === "offered") throw new RuleError("Accept the lead before you work it.");
    const closed = isClosedStatus(lead.status);
    const changesNextStep = input.nextStepDate !== undefined || input.nextStep !== undefined;
    if (closed && (input.status !== undefined || changesNextStep)) {
      throw new RuleError(
        `This lead is closed (${leadStatusLabels[lead.status].toLowerCase()}): its status and next step no longer change.`,
      );
    }
    if (!closed && !isWorkingStatus(lead.status)) throw new RuleError("This lead is not being worked.");
    const set: Partial<typeof leads.$inferInsert> = {};
    const events: { kind: string; note: string }[] = [];
    let audit: { action: string; before: unknown; after: unknown } | null = null;
    if (input.status !== undefined && input.status !== lead.status) {
      set.status = input.status;
      if (input.status === "won") {
        set.wonValueMinor = input.wonValueMinor;
        set.wonCurrency = input.currency;
        set.closedAt = now;
        const value = formatMoney(input.wonValueMinor!, input.currency!);
        events.push({ kind: "status", note: `${leadStatusLabels[lead.status]} → Won (${value})` });
        audit = {
          action: "lead.won",
          before: { status: lead.status },
          after: { status: "won", wonValueMinor: input.wonValueMinor, currency: input.currency },
        };
      } else if (input.status === "lost") {
        set.lostReason = input.lostReason;
        set.closedAt = now;
        events.push({ kind: "status", note: `${leadStatusLabels[lead.status]} → Lost: ${input.lostReason}` });
        audit = {
          action: "lead.lost",
          before: { status: lead.status },
          after: { status: "lost", reason: input.lostReason },
        };
      } else {
        events.push({ kind: "status", note: `${leadStatusLabels[lead.status]} → ${leadStatusLabels[input.status]}` });
        audit = { action: "lead.status_changed", before: { status: lead.status }, after: { status: input.status } };
      }
    }
    if (changesNextStep) {
      const date = input.nextStepDate === undefined ? lead.nextStepDate : input.nextStepDate;
      const text = input.nextStep === undefined ? lead.nextStep : input.nextStep;
      if (date !== lead.nextStepDate || text !== lead.nextStep) {
        set.nextStepDate = date;
        set.nextStep = text;
        events.push({ kind: "next_step", note: date ? `${date}${text ? `: ${text}` : ""}` : "Next step cleared." });
      }
    }
    if (Object.keys(set).length > 0) {
      await tx
        .update(leads)
        .set({ ...set, updatedAt: now })
        .where(eq(leads.id, lead.id));
    }
    await recordLeadEvent(
      tx,
      events.map((e) => ({
        leadId: lead.id,
        partnerId,
        actorLabel: ctx.actor.label,
        kind: e.kind,
        note: e.note,
        at: now,
      })),
    );
    if (audit) {
      await recordAudit(tx, ctx.actor, {
        action: audit.action,
        subjectType: "lead",
        subjectId: lead.id,
        partnerId,
        before: audit.before,
        after: audit.after,
      });
    }
    let noteId: string | null = null;
    if (input.note) noteId = await insertNote(tx, ctx, partnerId, lead.id, input.note, now);
    return {
      leadId: lead.id,
      status: (set.status ?? lead.status) as Lead["status"],
      changed: Object.keys(set).length > 0 || noteId !== null,
      noteId,
    };
  });
}

async function insertNote(tx: Db, ctx: Ctx, partnerId: string, leadId: string, body: string, now: Date) {
  const [note] = await tx
    .insert(leadNotes)
    .values({ leadId, partnerId, authorId: ctx.actor.userId, authorLabel: ctx.actor.label, body, createdAt: now })
    .returning({ id: leadNotes.id });
  await tx.update(leads).set({ updatedAt: now }).where(eq(leads.id, leadId));
  return note!.id;
}

/** A note on a lead the partner accepted (seen by the partner and the vendor, never by another partner). */
export async function addLeadNote(ctx: Ctx, leadId: string, raw: unknown) {
  const partnerId = partnerOf(ctx);
  const parsed = noteSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const lead = await lockHeldLead(tx, partnerId, leadId);
    if (lead.status === "offered") throw new RuleError("Accept the lead before you add notes.");
    const id = await insertNote(tx, ctx, partnerId, lead.id, parsed.data.body, now);
    return { id, leadId: lead.id };
  });
}

/**
 * The partner admin chooses which of the partner's users receive lead offers
 * besides the admins (who always do). Only active users of the same partner.
 */
export async function setOfferRecipients(ctx: Ctx, raw: unknown) {
  const partnerId = partnerOf(ctx);
  if (!can(ctx.actor.role, "profile:manage")) {
    throw new ForbiddenError("Only a partner admin chooses who receives lead offers.");
  }
  const parsed = offerRecipientsSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const wanted = [...new Set(parsed.data.userIds)];
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const found = wanted.length
      ? await tx
          .select({ id: users.id, role: users.role })
          .from(users)
          .where(
            scopeWhere(
              { kind: "partner", partnerId },
              users,
              and(inArray(users.id, wanted), eq(users.status, "active")),
            ),
          )
      : [];
    if (found.length !== wanted.length) {
      throw new ValidationError({ userIds: ["Choose active people of your company from the list."] });
    }
    // Admins receive offers anyway: only the others are stored.
    const ids = found
      .filter((u) => u.role !== "partner_admin")
      .map((u) => u.id)
      .sort();
    const [before] = await tx
      .select({ ids: partnerLeadSettings.offerRecipientIds })
      .from(partnerLeadSettings)
      .where(eq(partnerLeadSettings.partnerId, partnerId))
      .for("update");
    await tx
      .insert(partnerLeadSettings)
      .values({ partnerId, offerRecipientIds: ids, updatedAt: now })
      .onConflictDoUpdate({ target: partnerLeadSettings.partnerId, set: { offerRecipientIds: ids, updatedAt: now } });
    await recordAudit(tx, ctx.actor, {
      action: "leads.offer_recipients_changed",
      subjectType: "partner",
      subjectId: partnerId,
      partnerId,
      before: { offerRecipientIds: before?.ids ?? [] },
      after: { offerRecipientIds: ids },
    });
    return { offerRecipientIds: ids };
  });
}

/**
 * Lead → deal registration: the lead named by a registration must be one the
 * registering partner holds, accepted (being worked or won) and not converted
 * before; otherwise a field error on leadId. Locks the lead for the
 * registration's transaction.
 */
export async function lockLeadForDeal(tx: Db, partnerId: string, leadId: string): Promise<Lead> {
  const refused = () =>
    new ValidationError({ leadId: ["Choose one of your accepted leads (this lead cannot be converted by you)."] });
  if (!leadIdSchema.safeParse(leadId).success) throw refused();
  const [lead] = await tx
    .select()
    .from(leads)
    .where(scopeWhere({ kind: "partner", partnerId }, leads, eq(leads.id, leadId)))
    .for("update");
  if (!lead || !(isWorkingStatus(lead.status) || lead.status === "won")) throw refused();
  if (lead.dealId) throw new ValidationError({ leadId: ["This lead was already converted to a deal registration."] });
  return lead;
}

/** Links the lead to its new deal registration, with a "converted" history line (same transaction). */
export async function markLeadConverted(
  tx: Db,
  lead: Pick<Lead, "id" | "partnerId">,
  dealId: string,
  actorLabel: string,
  now: Date,
): Promise<void> {
  await tx.update(leads).set({ dealId, updatedAt: now }).where(eq(leads.id, lead.id));
  await recordLeadEvent(tx, {
    leadId: lead.id,
    partnerId: lead.partnerId,
    actorLabel,
    kind: "converted",
    note: `Deal registration ${dealId}`,
    at: now,
  });
}
