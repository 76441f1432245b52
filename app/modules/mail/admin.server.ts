import { randomUUID } from "node:crypto";
import { and, asc, count, eq, gte, inArray, isNull, lte, min, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~db/client";
import { mailMessages, mailRecipients, mailSettings, type MailMessage, type RenderedMessage } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import { nowOf, type Ctx } from "~/modules/auth/actor";
import { NotFoundError, RuleError } from "~/utils/errors.server";
import type { MailTransport } from "./transports.server";

/**
 * The vendor admin's view of the outbox (a vendor-wide read, like all of the
 * mail page): queue depth, age of the oldest waiting message, counts by
 * status per day, and the controls: retry now, pause and resume.
 */
export async function mailOverview(ctx: Ctx, days = 14) {
  const now = nowOf(ctx);
  const [waiting] = await ctx.db
    .select({ n: count(), oldest: min(mailMessages.queuedAt) })
    .from(mailMessages)
    .where(eq(mailMessages.status, "queued"));
  const [failed] = await ctx.db.select({ n: count() }).from(mailMessages).where(eq(mailMessages.status, "failed"));
  const since = new Date(now.getTime() - days * 86_400_000);
  const day = sql<string>`to_char(date_trunc('day', ${mailMessages.createdAt} at time zone 'UTC'), 'YYYY-MM-DD')`;
  const perDay = await ctx.db
    .select({ day, status: mailMessages.status, n: count() })
    .from(mailMessages)
    .where(gte(mailMessages.createdAt, since))
    .groupBy(day, mailMessages.status)
    .orderBy(day);
  const series: { day: string; queued: number; sent: number; failed: number }[] = [];
  for (let i = days - 1; i >= 0; i--) {
    const d = new Date(now.getTime() - i * 86_400_000).toISOString().slice(0, 10);
    series.push({ day: d, queued: 0, sent: 0, failed: 0 });
  }
  for (const row of perDay) {
    const entry = series.find((s) => s.day === row.day);
    if (entry) entry[row.status] = Number(row.n);
  }
  const oldest = waiting?.oldest ? new Date(waiting.oldest) : null;
  return {
    queueDepth: Number(waiting?.n ?? 0),
    oldestWaitingSeconds: oldest ? Math.max(0, Math.round((now.getTime() - oldest.getTime()) / 1000)) : null,
    failedCount: Number(failed?.n ?? 0),
    paused: await isPaused(ctx.db),
    series,
    stuckCritical: await stuckCriticalCount(ctx.db, now),
  };
}

export async function isPaused(db: Db) {
  const [row] = await db.select({ paused: mailSettings.paused }).from(mailSettings).where(eq(mailSettings.id, 1));
  return row?.paused ?? false;
}

export const DEFAULT_CRITICAL_AFTER_MS = 60 * 60_000;

/** Critical messages still undelivered past the alert threshold: the vendor admins' banner. */
export async function stuckCriticalCount(db: Db, now: Date, criticalAfterMs = DEFAULT_CRITICAL_AFTER_MS) {
  const [row] = await db
    .select({ n: count() })
    .from(mailMessages)
    .where(
      and(
        eq(mailMessages.critical, true),
        inArray(mailMessages.status, ["queued", "failed"]),
        lte(mailMessages.createdAt, new Date(now.getTime() - criticalAfterMs)),
      ),
    );
  return Number(row?.n ?? 0);
}

export async function setPaused(ctx: Ctx, paused: boolean) {
  await ctx.db.transaction(async (tx) => {
    const before = await isPaused(tx);
    await tx
      .insert(mailSettings)
      .values({ id: 1, paused, updatedBy: ctx.actor.label, updatedAt: nowOf(ctx) })
      .onConflictDoUpdate({ target: mailSettings.id, set: { paused, updatedBy: ctx.actor.label, updatedAt: nowOf(ctx) } });
    await recordAudit(tx, ctx.actor, {
      action: paused ? "mail.paused" : "mail.resumed",
      subjectType: "mail_settings",
      before: { paused: before },
      after: { paused },
    });
  });
}

/** Puts a failed (or waiting) message back in the queue now, with a fresh lifetime, for its undelivered recipients. */
export async function retryNow(ctx: Ctx, id: string) {
  if (!z.string().uuid().safeParse(id).success) throw new NotFoundError("Message not found.");
  const now = nowOf(ctx);
  await ctx.db.transaction(async (tx) => {
    const [message] = await tx.select().from(mailMessages).where(eq(mailMessages.id, id)).for("update");
    if (!message) throw new NotFoundError("Message not found.");
    const failedRecipients = await tx
      .select({ id: mailRecipients.id })
      .from(mailRecipients)
      .where(and(eq(mailRecipients.mailId, id), inArray(mailRecipients.status, ["failed", "queued"])));
    if (message.status === "sent" && failedRecipients.length === 0) {
      throw new RuleError("This message was delivered to every recipient; there is nothing to retry.");
    }
    await tx
      .update(mailRecipients)
      .set({ status: "queued", updatedAt: now })
      .where(and(eq(mailRecipients.mailId, id), eq(mailRecipients.status, "failed")));
    await tx
      .update(mailMessages)
      .set({
        status: "queued",
        nextAttemptAt: now,
        queuedAt: now,
        attemptCount: 0,
        firstFailureAt: null,
        leaseUntil: null,
        leasedBy: null,
      })
      .where(eq(mailMessages.id, id));
    await recordAudit(tx, ctx.actor, {
      action: "mail.retried",
      subjectType: "mail_message",
      subjectId: id,
      before: { status: message.status },
      after: { status: "queued" },
    });
  });
}

export async function listRecipients(db: Db, mailId: string) {
  return db.select().from(mailRecipients).where(eq(mailRecipients.mailId, mailId)).orderBy(asc(mailRecipients.address));
}

/**
 * Raises an alert for critical messages still undelivered past the threshold:
 * marks them (once) and, when an operations address and another transport
 * are configured, tells operations through that other transport. Returns the
 * ids alerted.
 */
export async function raiseCriticalAlerts(
  db: Db,
  opts: { now: Date; criticalAfterMs: number; opsAddress?: string; otherTransport?: MailTransport | null; from: string },
): Promise<string[]> {
  const stuck = await db
    .update(mailMessages)
    .set({ alertedAt: opts.now })
    .where(
      and(
        eq(mailMessages.critical, true),
        inArray(mailMessages.status, ["queued", "failed"]),
        isNull(mailMessages.alertedAt),
        lte(mailMessages.createdAt, new Date(opts.now.getTime() - opts.criticalAfterMs)),
      ),
    )
    .returning();
  if (stuck.length === 0) return [];
  await recordAudit(db, { userId: null, label: "mail-worker" }, {
    action: "mail.critical_alert",
    subjectType: "mail_message",
    subjectId: stuck.map((m) => m.id).join(","),
    after: { messages: stuck.map((m) => ({ id: m.id, messageId: m.messageId, to: m.toAddress, lastError: m.lastError })) },
  });
  if (opts.opsAddress && opts.otherTransport) {
    const failure = await mailOperations(stuck, opts.opsAddress, opts.otherTransport, opts.from, opts.now);
    if (failure) {
      // The banner still shows; the undelivered ops mail is on the audit trail.
      await recordAudit(db, { userId: null, label: "mail-worker" }, {
        action: "mail.critical_alert_undelivered",
        subjectType: "mail_message",
        subjectId: stuck.map((m) => m.id).join(","),
        after: { opsAddress: opts.opsAddress, error: failure },
      });
    }
  }
  return stuck.map((m) => m.id);
}


/**
 * Tells operations, straight through the other transport (the primary is the
 * one failing), which critical messages are stuck. Returns null when it was
 * accepted, else what went wrong.
 */
async function mailOperations(
  stuck: MailMessage[],
  opsAddress: string,
  transport: MailTransport,
  from: string,
  now: Date,
): Promise<string | null> {
  const lines = stuck.map((m) => `- ${m.messageId} to ${m.toAddress}: "${m.subject}" (last error: ${m.lastError ?? "none"})`);
  const text = `${stuck.length} critical notification(s) are still undelivered after the alert threshold:\n\n${lines.join("\n")}\n`;
  const domain = /@([^>]+)>/.exec(stuck[0]!.messageId)?.[1] ?? "portal.invalid";
  const alert: RenderedMessage = {
    ...stuck[0]!,
    messageId: `<critical-alert-${randomUUID()}@${domain}>`,
    dedupeKey: `critical-alert:${stuck.map((m) => m.id).join(",")}`,
    template: "critical-alert",
    subject: `[portal] ${stuck.length} critical notification(s) undelivered`,
    text,
    html: `<pre>${text.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</pre>`,
    fromAddress: from,
    createdAt: now,
  };
  try {
    const result = await transport.send(alert, [{ address: opsAddress, name: "Channel operations" }]);
    return result.outcomes.every((o) => o.outcome.kind === "sent") ? null : result.response;
  } catch (err) {
    return (err as Error).message;
  }
}
