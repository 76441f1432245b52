import { and, asc, eq, gt, inArray, lte, ne, notExists, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Db } from "~db/client";
import { certifications, partners, users } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import type { Actor } from "~/modules/auth/actor";
import { enqueueMail, queuedDedupeKeys } from "~/modules/mail/enqueue.server";
import { appUrl } from "~/utils/env.server";
import { daysLeft, EXPIRY_REMINDER_STAGES, expiryStageDue, type ExpiryStage } from "./expiry";
import { reevaluatePartnerTier } from "~/modules/tiers/evaluate.server";

/**
 * The certification expiry job (daily; running it more often is harmless):
 * reminders 60, 30 and 7 days before a certification expires, and on the day
 * it expires the status change, the holder's mail and the audit event.
 *
 * Cross-partner on purpose: the job looks at every partner's certifications.
 * Safe with any number of workers at once: reminders are deduplicated by their
 * outbox key, and a certification is expired by a conditional UPDATE (only
 * the worker whose UPDATE changed the row mails and audits).
 */

const DAY_MS = 86_400_000;
const EXPIRE_BATCH = 200;

/** Who the audit trail names for the job's changes: no user, like the mail worker's "mail-worker". */
export const EXPIRY_JOB_ACTOR: Pick<Actor, "userId" | "label"> = { userId: null, label: "certification-expiry" };

/** Holders of certifications of partners in these statuses are mailed (a suspended partner's people cannot sign in). */
const MAILED_PARTNER_STATUSES = ["active", "approved"] as const;

export const reminderKey = (certificationId: string, stage: ExpiryStage) =>
  `certification-expiring:${certificationId}:${stage}`;
export const expiredKey = (certificationId: string) => `certification-expired:${certificationId}`;

/** How dates read in the certification mails: "1 March 2026". */
function mailDate(d: Date): string {
  return new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: "UTC" }).format(d);
}

function courseUrl(courseKey: string): string {
  return `${appUrl()}/training/learn/${encodeURIComponent(courseKey)}`;
}

const renewal = alias(certifications, "renewal");

/**
 * No newer active certification of the same person and course expires later:
 * a holder who renewed is not reminded about (or told of the expiry of) the old one.
 */
function notRenewed(db: Db) {
  return notExists(
    db
      .select({ one: sql`1` })
      .from(renewal)
      .where(
        and(
          eq(renewal.userId, certifications.userId),
          eq(renewal.courseKey, certifications.courseKey),
          eq(renewal.status, "active"),
          ne(renewal.id, certifications.id),
          gt(renewal.expiresAt, certifications.expiresAt),
        ),
      ),
  );
}

export interface ExpiryRun {
  /** Reminder mails newly queued. */
  reminded: number;
  /** Certifications this run marked expired. */
  expired: number;
}

/** One run of the job at `now`. */
export async function runCertificationExpiry(db: Db, now: Date): Promise<ExpiryRun> {
  const expired = await expireCertifications(db, now);
  const reminded = await sendExpiryReminders(db, now);
  return { reminded, expired };
}

/**
 * Queues the due reminder (the nearest stage whose moment has passed, see
 * expiryStageDue) for every active certification expiring within 60 days,
 * unless its holder renewed it. Each stage is queued once per certification
 * (dedupe key `certification-expiring:<id>:<stage>`); the holder's opt-out of
 * these reminders applies. Returns how many mails were newly queued.
 */
export async function sendExpiryReminders(db: Db, now: Date): Promise<number> {
  const horizon = new Date(now.getTime() + Math.max(...EXPIRY_REMINDER_STAGES) * DAY_MS);
  const expiring = await db
    .select({
      id: certifications.id,
      partnerId: certifications.partnerId,
      userId: certifications.userId,
      courseKey: certifications.courseKey,
      name: certifications.name,
      earnedAt: certifications.earnedAt,
      expiresAt: certifications.expiresAt,
      holderName: users.name,
      holderEmail: users.email,
    })
    .from(certifications)
    .innerJoin(users, eq(users.id, certifications.userId))
    .innerJoin(partners, eq(partners.id, certifications.partnerId))
    .where(
      and(
        eq(certifications.status, "active"),
        gt(certifications.expiresAt, now),
        lte(certifications.expiresAt, horizon),
        eq(users.status, "active"),
        inArray(partners.status, [...MAILED_PARTNER_STATUSES]),
        notRenewed(db),
      ),
    )
    .orderBy(asc(certifications.expiresAt), asc(certifications.id));

  const due = expiring.flatMap((c) => {
    const stage = expiryStageDue(c, now);
    return stage === null ? [] : [{ ...c, stage, key: reminderKey(c.id, stage) }];
  });
  if (due.length === 0) return 0;
  const queuedBefore = await queuedDedupeKeys(
    db,
    due.map((c) => c.key),
  );

  let queued = 0;
  for (const c of due) {
    if (queuedBefore.has(c.key)) continue;
    const id = await db.transaction((tx) =>
      enqueueMail(tx, {
        to: c.holderEmail,
        toName: c.holderName,
        template: "certification-expiring",
        data: {
          name: c.holderName,
          certificationName: c.name,
          expiresAt: mailDate(c.expiresAt),
          daysLeft: Math.max(1, daysLeft(c.expiresAt, now)),
          courseUrl: courseUrl(c.courseKey),
        },
        dedupeKey: c.key,
        partnerId: c.partnerId,
        userId: c.userId,
      }),
    );
    if (id) queued++;
  }
  return queued;
}

/**
 * Marks every active certification whose expiry has come as expired, each in
 * its own transaction with its mail and audit event. The UPDATE is conditional
 * (`status = 'active'`), so when two workers run at once only the one whose
 * UPDATE returned the row mails and audits. The holder is mailed (dedupe key
 * `certification-expired:<id>`) unless they renewed, were deactivated, or
 * their partner is suspended or terminated. Returns how many this run expired.
 */
export async function expireCertifications(db: Db, now: Date): Promise<number> {
  let expired = 0;
  for (;;) {
    const batch = await db
      .select({ id: certifications.id })
      .from(certifications)
      .where(and(eq(certifications.status, "active"), lte(certifications.expiresAt, now)))
      .orderBy(asc(certifications.expiresAt), asc(certifications.id))
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
      .update(certifications)
      .set({ status: "expired" })
      .where(and(eq(certifications.id, id), eq(certifications.status, "active"), lte(certifications.expiresAt, now)))
      .returning({
        id: certifications.id,
        partnerId: certifications.partnerId,
        userId: certifications.userId,
        courseKey: certifications.courseKey,
        name: certifications.name,
        expiresAt: certifications.expiresAt,
      });
    if (!row) return false; // another worker expired it first

    const [holder] = await tx
      .select({ name: users.name, email: users.email })
      .from(certifications)
      .innerJoin(users, eq(users.id, certifications.userId))
      .innerJoin(partners, eq(partners.id, certifications.partnerId))
      .where(
        and(
          eq(certifications.id, id),
          eq(users.status, "active"),
          inArray(partners.status, [...MAILED_PARTNER_STATUSES]),
          notRenewed(tx),
        ),
      );
    if (holder) {
      await enqueueMail(tx, {
        to: holder.email,
        toName: holder.name,
        template: "certification-expired",
        data: { name: holder.name, certificationName: row.name, courseUrl: courseUrl(row.courseKey) },
        dedupeKey: expiredKey(row.id),
        partnerId: row.partnerId,
        userId: row.userId,
      });
    }
    await recordAudit(tx, EXPIRY_JOB_ACTOR, {
      action: "certification.expired",
      subjectType: "certification",
      subjectId: row.id,
      partnerId: row.partnerId,
      before: { status: "active" },
      after: { status: "expired", expiresAt: row.expiresAt.toISOString(), holderMailed: !!holder },
    });
    // One certified person fewer can put the partner's tier at risk (same transaction).
    await reevaluatePartnerTier(tx, { partnerId: row.partnerId, at: now, reason: "certification-expired" });
    return true;
  });
}
