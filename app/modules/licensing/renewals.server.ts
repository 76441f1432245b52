/**
 * The license renewal job (hourly; running it more often is harmless):
 * reminders 60, 30 and 7 days before a term license ends, to its partner's
 * admins and whoever ordered it, with a link to a prefilled renewal order;
 * and at the end the license marked expired (audited).
 *
 * Cross-partner on purpose: the job looks at every partner's licenses.
 * Safe with any number of workers at once: reminders are deduplicated by
 * their outbox key (`license-renewal:<license>:<stage>`), and a license is
 * expired by a conditional UPDATE (only the worker whose UPDATE changed the
 * row audits). A license whose renewal order is paid gets no reminders.
 */
import { seatsText } from "./pricing";
import { and, asc, eq, gt, inArray, lte, notExists, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Db } from "~db/client";
import { licenseOrders, licenses, partners, products } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import { enqueueMail, queuedDedupeKeys } from "~/modules/mail/enqueue.server";
import { LICENSE_JOB_ACTOR, renewUrl } from "./access.server";
import { mailDay, orderRecipients } from "./fulfill.server";
import { daysUntil, RENEWAL_REMINDER_STAGES, renewalStageDue, type RenewalStage } from "./renewals";

const DAY_MS = 86_400_000;
const EXPIRE_BATCH = 200;

/** A renewal order of the license (paid or fulfilled: no more reminders). */
const renewal = alias(licenseOrders, "renewal");

export const renewalKey = (licenseId: string, stage: RenewalStage) => `license-renewal:${licenseId}:${stage}`;

export interface RenewalRun {
  reminded: number;
  expired: number;
}

export async function runLicenseRenewals(db: Db, now: Date): Promise<RenewalRun> {
  const expired = await expireLicenses(db, now);
  const reminded = await sendRenewalReminders(db, now);
  return { reminded, expired };
}

/** Queues the due reminder for every active term license ending within 60 days that was not renewed. */
export async function sendRenewalReminders(db: Db, now: Date): Promise<number> {
  const horizon = new Date(now.getTime() + Math.max(...RENEWAL_REMINDER_STAGES) * DAY_MS);
  const ending = await db
    .select({
      id: licenses.id,
      partnerId: licenses.partnerId,
      customerCompany: licenses.customerCompany,
      seats: licenses.seats,
      validFrom: licenses.validFrom,
      validUntil: licenses.validUntil,
      orderedBy: licenseOrders.orderedBy,
      partnerName: partners.name,
      product: sql<string>`${products.name} || ' ' || ${products.edition}`,
      seatUnit: products.seatUnit,
    })
    .from(licenses)
    .innerJoin(licenseOrders, eq(licenseOrders.id, licenses.orderId))
    .innerJoin(partners, eq(partners.id, licenses.partnerId))
    .innerJoin(products, eq(products.id, licenses.productId))
    .where(
      and(
        eq(licenses.status, "active"),
        gt(licenses.validUntil, now),
        lte(licenses.validUntil, horizon),
        inArray(partners.status, ["active", "approved"]),
        notExists(
          db
            .select({ one: sql`1` })
            .from(renewal)
            .where(and(eq(renewal.renewalOfLicenseId, licenses.id), inArray(renewal.status, ["paid", "fulfilled"]))),
        ),
      ),
    )
    .orderBy(asc(licenses.validUntil), asc(licenses.id));

  const due = ending.flatMap((l) => {
    const until = l.validUntil!;
    const stage = renewalStageDue({ validFrom: l.validFrom, validUntil: until }, now);
    return stage === null ? [] : [{ ...l, until, stage, key: renewalKey(l.id, stage) }];
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
      const to = await orderRecipients(tx, d.partnerId, d.orderedBy);
      if (to.length === 0) return null;
      return enqueueMail(tx, {
        to,
        template: "license-renewal",
        data: {
          partnerName: d.partnerName,
          customerCompany: d.customerCompany,
          product: d.product,
          seats: seatsText(d.seats, d.seatUnit),
          validUntil: mailDay(d.until),
          daysLeft: Math.max(1, daysUntil(d.until, now)),
          renewUrl: renewUrl(d.id),
        },
        dedupeKey: d.key,
        partnerId: d.partnerId,
      });
    });
    if (id) queued++;
  }
  return queued;
}

/** Marks active licenses past their end expired, each with its audit event. Returns how many this run expired. */
export async function expireLicenses(db: Db, now: Date): Promise<number> {
  let expired = 0;
  for (;;) {
    const batch = await db
      .select({ id: licenses.id })
      .from(licenses)
      .where(and(eq(licenses.status, "active"), lte(licenses.validUntil, now)))
      .orderBy(asc(licenses.validUntil), asc(licenses.id))
      .limit(EXPIRE_BATCH);
    for (const { id } of batch) {
      const done = await db.transaction(async (tx) => {
        const [row] = await tx
          .update(licenses)
          .set({ status: "expired" })
          .where(and(eq(licenses.id, id), eq(licenses.status, "active"), lte(licenses.validUntil, now)))
          .returning({ id: licenses.id, partnerId: licenses.partnerId, validUntil: licenses.validUntil });
        if (!row) return false;
        await recordAudit(tx, LICENSE_JOB_ACTOR, {
          action: "license.expired",
          subjectType: "license",
          subjectId: row.id,
          partnerId: row.partnerId,
          before: { status: "active" },
          after: { status: "expired", validUntil: row.validUntil?.toISOString() ?? null },
        });
        return true;
      });
      if (done) expired++;
    }
    if (batch.length < EXPIRE_BATCH) return expired;
  }
}
