/**
 * The vendor admin's mail controls against real transports: retry now for a
 * failed message, pause and resume delivery, and the alert for a critical
 * notification stuck past its threshold (mailed to operations through the
 * other transport, the Resend stub here).
 */
import { and, eq, ne } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditEvents, mailAttempts, mailMessages, mailRecipients, type MailMessage } from "~db/schema";
import type { Ctx } from "~/modules/auth/actor";
import {
  mailOverview,
  raiseCriticalAlerts,
  retryNow,
  setPaused,
  stuckCriticalCount,
} from "~/modules/mail/admin.server";
import { deliverDue } from "~/modules/mail/deliver.server";
import { enqueueMail } from "~/modules/mail/enqueue.server";
import { resendTransport, smtpTransport, type MailTransport } from "~/modules/mail/transports.server";
import { env } from "~/utils/env.server";
import { NotFoundError, RuleError } from "~/utils/errors.server";
import { createUser, ctxFor, setupTestDb, unique } from "../../support/factories";
import { startResendStub, type ResendStub } from "../../support/resend-stub";
import { startSink, type Sink } from "../../support/smtp-sink";

const db = setupTestDb();
const MIN = 60_000;

let sink: Sink;
let stub: ResendStub;
let smtp: MailTransport;
let resend: MailTransport;
let admin: Ctx;
beforeAll(async () => {
  sink = await startSink();
  stub = await startResendStub();
  smtp = smtpTransport(`smtp://127.0.0.1:${sink.port}`, { timeoutMs: 5_000 });
  resend = resendTransport(stub.apiKey, { baseUrl: stub.url });
  admin = ctxFor(db(), await createUser(db(), { role: "vendor_admin" }));
});
afterAll(async () => {
  smtp?.close();
  await sink?.stop();
  await stub?.stop();
});
beforeEach(async () => {
  sink.setVerdict("*", "accept");
  await setPaused(admin, false);
  // Each test starts with an empty queue: what earlier tests left waiting is parked far away.
  await db()
    .update(mailMessages)
    .set({ nextAttemptAt: new Date("2100-01-01T00:00:00Z") })
    .where(eq(mailMessages.status, "queued"));
});

async function queue(opts: { to?: string; critical?: boolean } = {}): Promise<MailMessage> {
  const id = await enqueueMail(db(), {
    to: opts.to ?? `${unique("rcpt")}@example.test`,
    template: "password-changed",
    data: { name: "Ada", portalUrl: "https://portal.vendor.test" },
    dedupeKey: unique("admin"),
    critical: opts.critical,
  });
  return (await db().select().from(mailMessages).where(eq(mailMessages.id, id!)))[0]!;
}
const reload = async (id: string) => (await db().select().from(mailMessages).where(eq(mailMessages.id, id)))[0]!;

describe("retry now", () => {
  it("puts a failed message back in the queue and it is delivered", async () => {
    const to = `${unique("moved")}@example.test`;
    sink.setVerdict(to, "reject");
    const m = await queue({ to });
    expect(await deliverDue(db(), smtp, { workerId: "w" })).toBe(1);
    expect(await reload(m.id)).toMatchObject({ status: "failed", lastError: "550 5.1.1 User unknown" });

    // The mailbox exists again; the admin retries.
    sink.setVerdict(to, "accept");
    await retryNow(admin, m.id);
    const queued = await reload(m.id);
    // a fresh schedule: the next transient failure retries after a minute again; the history stays in mail_attempts
    expect(queued).toMatchObject({ status: "queued", attemptCount: 0, firstFailureAt: null, leaseUntil: null });
    expect(
      await db().select({ s: mailRecipients.status }).from(mailRecipients).where(eq(mailRecipients.mailId, m.id)),
    ).toEqual([{ s: "queued" }]);
    const [audit] = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "mail.retried"), eq(auditEvents.subjectId, m.id)));
    expect(audit).toMatchObject({
      actorUserId: admin.actor.userId,
      before: { status: "failed" },
      after: { status: "queued" },
    });

    expect(await deliverDue(db(), smtp, { workerId: "w" })).toBe(1);
    expect(await reload(m.id)).toMatchObject({ status: "sent", attemptCount: 1 });
    expect(sink.received.filter((r) => r.messageId === m.messageId)).toHaveLength(1);
    const attempts = await db()
      .select()
      .from(mailAttempts)
      .where(eq(mailAttempts.mailId, m.id))
      .orderBy(mailAttempts.at);
    expect(attempts.map((a) => a.outcome)).toEqual(["permanent", "sent"]);

    // A delivered message has nothing to retry; an unknown id is not found.
    await expect(retryNow(admin, m.id)).rejects.toBeInstanceOf(RuleError);
    await expect(retryNow(admin, "00000000-0000-4000-8000-000000000000")).rejects.toBeInstanceOf(NotFoundError);
    await expect(retryNow(admin, "not-a-uuid")).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("pause and resume", () => {
  it("stops delivery while paused and resumes it afterwards", async () => {
    const m = await queue();
    await setPaused(admin, true);
    expect(await deliverDue(db(), smtp, { workerId: "w" })).toBe(0);
    expect(await reload(m.id)).toMatchObject({ status: "queued", attemptCount: 0 });
    expect(sink.received.filter((r) => r.messageId === m.messageId)).toHaveLength(0);
    const overview = await mailOverview(admin);
    expect(overview.paused).toBe(true);
    expect(overview.queueDepth).toBeGreaterThanOrEqual(1);

    await setPaused(admin, false);
    expect((await mailOverview(admin)).paused).toBe(false);
    expect(await deliverDue(db(), smtp, { workerId: "w" })).toBe(1);
    expect(await reload(m.id)).toMatchObject({ status: "sent" });
    expect(sink.received.filter((r) => r.messageId === m.messageId)).toHaveLength(1);
    const actions = await db()
      .select({ action: auditEvents.action })
      .from(auditEvents)
      .where(eq(auditEvents.actorUserId, admin.actor.userId!));
    expect(actions.map((a) => a.action)).toEqual(expect.arrayContaining(["mail.paused", "mail.resumed"]));
  });
});

describe("critical notifications stuck past the threshold", () => {
  it("raise one alert, mailed to operations through the other transport", async () => {
    const to = `${unique("offer")}@example.test`;
    sink.setVerdict(to, "tempfail");
    const critical = await queue({ to, critical: true });
    const ordinary = await queue({ to: `${unique("slow")}@example.test` });
    sink.setVerdict(ordinary.toAddress, "tempfail");
    const t0 = new Date();
    expect(await deliverDue(db(), smtp, { workerId: "w", now: () => t0 })).toBe(2);
    expect(await reload(critical.id)).toMatchObject({
      status: "queued",
      lastError: "451 4.2.0 Mailbox busy, try again later",
    });

    const alert = (at: Date) =>
      raiseCriticalAlerts(db(), {
        now: at,
        criticalAfterMs: 60 * MIN,
        opsAddress: "ops@vendor.test",
        otherTransport: resend,
        from: env().MAIL_FROM,
      });

    // Not yet past the hour: nothing.
    const early = new Date(critical.createdAt.getTime() + 59 * MIN);
    expect(await alert(early)).toEqual([]);
    expect(await stuckCriticalCount(db(), early)).toBe(0);
    expect(stub.emails).toHaveLength(0);

    const late = new Date(critical.createdAt.getTime() + 61 * MIN);
    expect(await stuckCriticalCount(db(), late)).toBe(1);
    expect((await mailOverview({ ...admin, now: late })).stuckCritical).toBe(1);
    expect(await alert(late)).toEqual([critical.id]);
    expect(stub.emails).toHaveLength(1);
    const mail = stub.emails[0]!;
    expect(mail.to).toEqual(["Channel operations <ops@vendor.test>"]);
    expect(mail.subject).toBe("[portal] 1 critical notification(s) undelivered");
    expect(mail.text).toContain(critical.messageId);
    expect(mail.text).toContain("451 4.2.0 Mailbox busy, try again later");
    expect(mail.text).not.toContain(ordinary.messageId);
    expect((await reload(critical.id)).alertedAt?.getTime()).toBe(late.getTime());
    const [audit] = await db().select().from(auditEvents).where(eq(auditEvents.action, "mail.critical_alert"));
    expect(audit).toMatchObject({ subjectId: critical.id });

    // Once only: later rounds do not alert again for the same message.
    expect(await alert(new Date(late.getTime() + 10 * MIN))).toEqual([]);
    expect(await alert(new Date(late.getTime() + 120 * MIN))).toEqual([]);
    expect(stub.emails).toHaveLength(1);

    // Delivered at last: no longer counted as stuck.
    sink.setVerdict(to, "accept");
    await db()
      .update(mailMessages)
      .set({ nextAttemptAt: new Date("2100-01-01T00:00:00Z") })
      .where(eq(mailMessages.id, ordinary.id));
    expect(await deliverDue(db(), smtp, { workerId: "w", now: () => late })).toBe(1);
    expect(await stuckCriticalCount(db(), late)).toBe(0);
  });

  it("alert for a critical message that failed for good, and record an ops mail that did not get through", async () => {
    const to = `${unique("key")}@example.test`;
    sink.setVerdict(to, "reject");
    const critical = await queue({ to, critical: true });
    await db()
      .update(mailMessages)
      .set({ nextAttemptAt: new Date("2100-01-01T00:00:00Z") })
      .where(ne(mailMessages.id, critical.id));
    await db().update(mailMessages).set({ nextAttemptAt: new Date(0) }).where(eq(mailMessages.id, critical.id));
    expect(await deliverDue(db(), smtp, { workerId: "w" })).toBe(1);
    expect(await reload(critical.id)).toMatchObject({ status: "failed" });

    stub.failAlways(500);
    const before = stub.emails.length;
    const late = new Date(critical.createdAt.getTime() + 61 * MIN);
    try {
      const alerted = await raiseCriticalAlerts(db(), {
        now: late,
        criticalAfterMs: 60 * MIN,
        opsAddress: "ops@vendor.test",
        otherTransport: resend,
        from: env().MAIL_FROM,
      });
      expect(alerted).toContain(critical.id);
    } finally {
      stub.failAlways(null);
    }
    expect(stub.emails).toHaveLength(before);
    const undelivered = await db()
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, "mail.critical_alert_undelivered"));
    expect(undelivered).toHaveLength(1);
    expect(undelivered[0]!.subjectId).toContain(critical.id);
    expect(undelivered[0]!.after).toMatchObject({ opsAddress: "ops@vendor.test" });
    expect(JSON.stringify(undelivered[0]!.after)).toContain("500");
  });
});
