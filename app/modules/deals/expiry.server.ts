/**
 * The deal protection job (hourly; running it more often is harmless):
 * warnings 14 and 3 days before an approved registration's protection ends,
 * and at its end the status change to `expired` with the partner's mail, the
 * history row and the audit event.
 *
 * Cross-partner on purpose: the job looks at every partner's approved deals.
 * Safe with any number of workers at once: warnings are deduplicated by their
 * outbox key, and a deal is expired by a conditional UPDATE (only the worker
 * whose UPDATE changed the row mails and audits).
 */
import { and, asc, eq, gt, inArray, lte, sql } from "drizzle-orm";
import type { Db } from "~db/client";
import { deals, partners } from "~db/schema";
import type { Actor } from "~/modules/auth/actor";
import { enqueueMail, queuedDedupeKeys } from "~/modules/mail/enqueue.server";
import { dealUrl, isoDay, partnerRecipients, recordDealChange } from "./changes.server";
import { PROTECTION_WARNING_STAGES, protectionDaysLeft, protectionStageDue, type ProtectionStage } from "./expiry";
import { closePendingExtension } from "./lifecycle.server";

const DAY_MS = 86_400_000;
const EXPIRE_BATCH = 200;

/** Who the history and the audit trail name for the job's changes. */
export const PROTECTION_JOB_ACTOR: Pick<Actor, "userId" | "label" | "ip"> = {
  userId: null,
  label: "deal-protection-expiry",
  ip: null,
};

/**
 * The warning's outbox key. It carries the protection's end date as well as
 * the stage: a protection extended after its warnings gets its own warnings
 * for the new end date, and each stage of one protection period is sent once.
 */
export const warningKey = (dealId: string, stage: ProtectionStage, protectedUntil: Date) =>
  `deal-protection:${dealId}:${stage}:${isoDay(protectedUntil)}`;

/** When the current protection started: the approval, or the last granted extension. */
const protectedSince =
  sql<Date>`greatest(${deals.decidedAt}, (select max(x.decided_at) from deal_extensions x where x.deal_id = ${deals.id} and x.status = 'granted'))`.mapWith(
    deals.decidedAt,
  );

export interface ProtectionRun {
  /** Warning mails newly queued. */
  warned: number;
  /** Deals this run marked expired. */
  expired: number;
}

/** One run of the job at `now`. */
export async function runDealProtectionExpiry(db: Db, now: Date): Promise<ProtectionRun> {
  const expired = await expireDeals(db, now);
  const warned = await sendProtectionWarnings(db, now);
  return { warned, expired };
}

/**
 * Queues the due warning (the nearest of 14 and 3 days before the end whose
 * moment has passed) for every approved deal whose protection ends within 14
 * days, to the partner's people (the registering user and the partner
 * admins). Each stage is queued once per protection period. Returns how many
 * mails were newly queued.
 */
export async function sendProtectionWarnings(db: Db, now: Date): Promise<number> {
  const horizon = new Date(now.getTime() + Math.max(...PROTECTION_WARNING_STAGES) * DAY_MS);
  const ending = await db
    .select({
      id: deals.id,
      partnerId: deals.partnerId,
      registeredBy: deals.registeredBy,
      customerName: deals.customerName,
      protectedUntil: deals.protectedUntil,
      protectedSince,
      createdAt: deals.createdAt,
      partnerName: partners.name,
    })
    .from(deals)
    .innerJoin(partners, eq(partners.id, deals.partnerId))
    .where(
      and(
        eq(deals.status, "approved"),
        gt(deals.protectedUntil, now),
        lte(deals.protectedUntil, horizon),
        inArray(partners.status, ["active", "approved"]),
      ),
    )
    .orderBy(asc(deals.protectedUntil), asc(deals.id));

  const due = ending.flatMap((d) => {
    const until = d.protectedUntil!;
    const stage = protectionStageDue({ protectedSince: d.protectedSince ?? d.createdAt, protectedUntil: until }, now);
    return stage === null ? [] : [{ ...d, until, stage, key: warningKey(d.id, stage, until) }];
  });
  if (due.length === 0) return 0;
  const queuedBefore = await queuedDedupeKeys(
    db,
    due.map((d) => d.key),
  );

  let queued = 0;
  for (const d of due) {
    if (queuedBefore.has(d.key)) continue;
    const id = await db.transaction(async (tx) => {
      const to = await partnerRecipients(tx, d.partnerId, d.registeredBy);
      if (to.length === 0) return null;
      const days = Math.max(1, protectionDaysLeft(d.until, now));
      return enqueueMail(tx, {
        to,
        template: "deal-update",
        data: {
          partnerName: d.partnerName,
          customerName: d.customerName,
          headline: `protection ends in ${days} day${days === 1 ? "" : "s"}`,
          message:
            `The protection of this registration ends on ${isoDay(d.until)}. If the deal needs more time, ` +
            "request an extension from the registration's page; mark it won or lost when the customer decides.",
          dealUrl: dealUrl(d.id),
        },
        dedupeKey: d.key,
        partnerId: d.partnerId,
      });
    });
    if (id) queued++;
  }
  return queued;
}

/**
 * Marks every approved deal whose protection has ended as expired, each in
 * its own transaction with its history row, audit event and mail (a pending
 * extension request is closed with it). The UPDATE is conditional (`status =
 * 'approved'` and the end passed), so when two workers run at once only one
 * expires and mails. Returns how many this run expired.
 */
export async function expireDeals(db: Db, now: Date): Promise<number> {
  let expired = 0;
  for (;;) {
    const batch = await db
      .select({ id: deals.id })
      .from(deals)
      .where(and(eq(deals.status, "approved"), lte(deals.protectedUntil, now)))
      .orderBy(asc(deals.protectedUntil), asc(deals.id))
      .limit(EXPIRE_BATCH);
    for (const { id } of batch) {
      if (await expireOne(db, id, now)) expired++;
    }
    if (batch.length < EXPIRE_BATCH) return expired;
  }
}

async function expireOne(db: Db, id: string, now: Date): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(deals)
      .set({ status: "expired", updatedAt: now })
      .where(and(eq(deals.id, id), eq(deals.status, "approved"), lte(deals.protectedUntil, now)))
      .returning();
    if (!row) return false; // another worker expired it first, or it changed meanwhile
    const until = row.protectedUntil!;
    const closed = await closePendingExtension(tx, id, now, "Closed: the protection ended before a decision.");
    await recordDealChange(tx, row, {
      kind: "expired",
      note: `Protection ended on ${isoDay(until)}.`,
      at: now,
      actor: PROTECTION_JOB_ACTOR,
      audit: {
        before: { status: "approved", protectedUntil: until.toISOString() },
        after: { status: "expired", extensionClosed: closed },
      },
      partnerMail: {
        headline: "protection expired",
        message:
          `The protection of this registration ended on ${isoDay(until)}, and the customer is open to other ` +
          "registrations again. If the deal is still active, register it again.",
      },
    });
    return true;
  });
}
