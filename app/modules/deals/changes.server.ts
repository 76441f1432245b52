/**
 * What every change of a deal registration writes in its transaction: the
 * deal_events row (the history the partner and the vendor see), the audit
 * event and the mail to the people concerned. Shared by the review, the
 * partner's actions after registration and the protection expiry job.
 */
import { and, asc, eq, inArray, or } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~db/client";
import { dealEvents, mailOptOuts, partners, users } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import type { Actor, Ctx } from "~/modules/auth/actor";
import { enqueueMail } from "~/modules/mail/enqueue.server";
import type { TemplateName } from "~/modules/mail/templates";
import type { Recipient } from "~/modules/mail/transports.server";
import { appUrl } from "~/utils/env.server";
import { ForbiddenError, NotFoundError } from "~/utils/errors.server";
import { can } from "~/utils/permissions";
import { dealReviewers } from "./register.server";

export const dealUrl = (id: string) => `${appUrl()}/deals/${id}`;
export const reviewUrl = (id: string) => `${appUrl()}/deals/review/${id}`;

/** `2026-03-04`, how protection dates read in messages (UTC). */
export function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

const uuid = z.string().uuid();
/** A malformed id is a deal that does not exist (404), never a database error. */
export function assertDealId(id: string): void {
  if (!uuid.safeParse(id).success) throw new NotFoundError("Deal registration not found.");
}

/** Review decisions and extension decisions: vendor staff with deals:review (vendor API keys act as channel managers). */
export function assertReviewer(ctx: Ctx): void {
  if (ctx.actor.partnerId || !can(ctx.actor.role, "deals:review")) throw new ForbiddenError();
}

/** The partner's actions on its own deals (partner people and partner API keys). */
export function assertPartnerActor(ctx: Ctx): string {
  if (!ctx.actor.partnerId) throw new ForbiddenError("Only the partner that registered the deal can do that.");
  return ctx.actor.partnerId;
}

async function withoutOptOuts(
  tx: Db,
  template: TemplateName,
  rows: { id: string; email: string; name: string }[],
): Promise<Recipient[]> {
  if (rows.length === 0) return [];
  const optedOut = await tx
    .select({ userId: mailOptOuts.userId })
    .from(mailOptOuts)
    .where(
      and(
        eq(mailOptOuts.template, template),
        inArray(
          mailOptOuts.userId,
          rows.map((r) => r.id),
        ),
      ),
    );
  const off = new Set(optedOut.map((o) => o.userId));
  return rows.filter((r) => !off.has(r.id)).map((r) => ({ address: r.email, name: r.name }));
}

/**
 * The partner's people told about a change: whoever registered the deal (if
 * a person did and is still active there) and the partner's active admins,
 * minus anyone who turned deal-update mails off.
 */
export async function partnerRecipients(tx: Db, partnerId: string, registeredBy: string | null): Promise<Recipient[]> {
  const rows = await tx
    .select({ id: users.id, email: users.email, name: users.name })
    .from(users)
    .where(
      and(
        eq(users.partnerId, partnerId),
        eq(users.status, "active"),
        or(eq(users.role, "partner_admin"), registeredBy ? eq(users.id, registeredBy) : undefined),
      ),
    )
    .orderBy(asc(users.email));
  return withoutOptOuts(tx, "deal-update", rows);
}

export async function partnerName(tx: Db, partnerId: string): Promise<string> {
  const [p] = await tx.select({ name: partners.name }).from(partners).where(eq(partners.id, partnerId));
  return p?.name ?? "your company";
}

/** The deal fields a change needs to describe itself. */
export interface DealRef {
  id: string;
  partnerId: string;
  registeredBy: string | null;
  customerName: string;
}

export interface DealChange {
  /** deal_events.kind, e.g. "approved"; the audit action is `deal.<kind>`. */
  kind: string;
  /** Shown in the history (a reason, a comment); may be null. */
  note?: string | null;
  at: Date;
  actor: Pick<Actor, "userId" | "label" | "ip">;
  audit: { before?: unknown; after?: unknown };
  /** The partner's people are told (deal-update). */
  partnerMail?: { headline: string; message: string };
  /** The channel team is told (deal-review). */
  reviewerMail?: { headline: string; message: string };
}

/**
 * Writes the change's history row, audit event and mails in the caller's
 * transaction. Mail dedupe keys carry the event's id (`deal-update:<event>`,
 * `deal-review:<event>`): a retried request never queues one twice, and the
 * same kind of change happening again (a second rejection) is a new mail.
 * Returns the event's id.
 */
export async function recordDealChange(tx: Db, deal: DealRef, change: DealChange): Promise<string> {
  const [event] = await tx
    .insert(dealEvents)
    .values({
      dealId: deal.id,
      partnerId: deal.partnerId,
      at: change.at,
      actorLabel: change.actor.label,
      kind: change.kind,
      note: change.note ?? null,
    })
    .returning({ id: dealEvents.id });
  const eventId = event!.id;
  await recordAudit(tx, change.actor, {
    action: `deal.${change.kind}`,
    subjectType: "deal",
    subjectId: deal.id,
    partnerId: deal.partnerId,
    before: change.audit.before,
    after: change.audit.after,
  });
  if (change.partnerMail || change.reviewerMail) {
    const name = await partnerName(tx, deal.partnerId);
    if (change.partnerMail) {
      const to = await partnerRecipients(tx, deal.partnerId, deal.registeredBy);
      if (to.length) {
        await enqueueMail(tx, {
          to,
          template: "deal-update",
          data: {
            partnerName: name,
            customerName: deal.customerName,
            headline: change.partnerMail.headline,
            message: change.partnerMail.message,
            dealUrl: dealUrl(deal.id),
          },
          dedupeKey: `deal-update:${eventId}`,
          partnerId: deal.partnerId,
        });
      }
    }
    if (change.reviewerMail) {
      // The same people as the registration's mail: the partner's owner channel manager, or the whole team.
      const to = await dealReviewers(tx, deal.partnerId);
      if (to.length) {
        await enqueueMail(tx, {
          to,
          template: "deal-review",
          data: {
            partnerName: name,
            customerName: deal.customerName,
            headline: change.reviewerMail.headline,
            message: change.reviewerMail.message,
            reviewUrl: reviewUrl(deal.id),
          },
          dedupeKey: `deal-review:${eventId}`,
          partnerId: deal.partnerId,
        });
      }
    }
  }
  return eventId;
}
