/**
 * The certification expiry job against PostgreSQL: reminders 60, 30 and 7 days
 * ahead queued once per threshold (whatever the run rate, missed runs sending
 * only the nearest stage), the expiry itself marked, mailed and audited once
 * even with two workers at once, and no reminders for a renewed certification.
 */
import { and, asc, eq, like } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEvents, certifications, mailMessages, mailOptOuts, partners, users } from "~db/schema";
import {
  EXPIRY_JOB_ACTOR,
  expireCertifications,
  runCertificationExpiry,
  sendExpiryReminders,
} from "~/modules/training/expiry.server";
import { createPartner, createUser, setupTestDb } from "../../support/factories";
import { certify, createCourse, DAY } from "./certification-fixtures";

const db = setupTestDb();

async function holderWithCert(expiresAt: Date, earnedAt = new Date(expiresAt.getTime() - 730 * DAY)) {
  const partner = await createPartner(db());
  const user = await createUser(db(), { role: "partner_user", partnerId: partner.id });
  const course = await createCourse(db(), { title: "Secure relay configuration" });
  const cert = await certify(db(), { partnerId: partner.id, userId: user.id, course, earnedAt, expiresAt });
  return { partner, user, course, cert };
}

async function mailsOf(certId: string) {
  return db()
    .select()
    .from(mailMessages)
    .where(like(mailMessages.dedupeKey, `%:${certId}%`))
    .orderBy(asc(mailMessages.createdAt), asc(mailMessages.dedupeKey));
}
const keysOf = async (certId: string) => (await mailsOf(certId)).map((m) => m.dedupeKey).sort();

async function statusOf(certId: string) {
  const [row] = await db()
    .select({ status: certifications.status })
    .from(certifications)
    .where(eq(certifications.id, certId));
  return row!.status;
}

async function expiryAudits(certId: string) {
  return db()
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.action, "certification.expired"), eq(auditEvents.subjectId, certId)));
}

describe("expiry reminders", () => {
  it("queues each of the 60, 30 and 7-day reminders once, however often the job runs", async () => {
    const expiresAt = new Date("2031-06-30T10:00:00Z");
    const { user, partner, cert, course } = await holderWithCert(expiresAt);
    const at = (daysBefore: number) => new Date(expiresAt.getTime() - daysBefore * DAY);

    await runCertificationExpiry(db(), at(61));
    expect(await keysOf(cert.id)).toEqual([]);

    await runCertificationExpiry(db(), at(60));
    await runCertificationExpiry(db(), at(60)); // the same moment again (a second worker, a restart)
    await runCertificationExpiry(db(), at(45));
    expect(await keysOf(cert.id)).toEqual([`certification-expiring:${cert.id}:60`]);

    await runCertificationExpiry(db(), at(30));
    await runCertificationExpiry(db(), at(29));
    await runCertificationExpiry(db(), at(7));
    await runCertificationExpiry(db(), at(1));
    expect(await keysOf(cert.id)).toEqual([
      `certification-expiring:${cert.id}:30`,
      `certification-expiring:${cert.id}:60`,
      `certification-expiring:${cert.id}:7`,
    ]);

    const mails = await mailsOf(cert.id);
    for (const m of mails) {
      expect(m).toMatchObject({
        template: "certification-expiring",
        toAddress: user.email,
        userId: user.id,
        partnerId: partner.id,
      });
    }
    const thirty = mails.find((m) => m.dedupeKey.endsWith(":30"))!;
    expect(thirty.subject).toBe(`${course.certificationName} expires in 30 days`);
    expect(thirty.text).toContain("30 June 2031");
    expect(thirty.text).toContain(`/training/learn/${course.key}`);
    expect(await statusOf(cert.id)).toBe("active");
  });

  it("sends only the nearest stage after missed runs, and counts what it newly queued", async () => {
    const expiresAt = new Date("2032-03-15T00:00:00Z");
    const { cert } = await holderWithCert(expiresAt);
    const fiveDaysBefore = new Date(expiresAt.getTime() - 5 * DAY);
    expect(await sendExpiryReminders(db(), fiveDaysBefore)).toBeGreaterThanOrEqual(1);
    expect(await keysOf(cert.id)).toEqual([`certification-expiring:${cert.id}:7`]);
    const again = await sendExpiryReminders(db(), fiveDaysBefore);
    expect(await keysOf(cert.id)).toEqual([`certification-expiring:${cert.id}:7`]);
    expect(again).toBe(0);
  });

  it("respects the holder's opt-out, and skips deactivated holders and suspended partners", async () => {
    const expiresAt = new Date("2033-01-20T00:00:00Z");
    const optedOut = await holderWithCert(expiresAt);
    await db().insert(mailOptOuts).values({ userId: optedOut.user.id, template: "certification-expiring" });
    const deactivated = await holderWithCert(expiresAt);
    await db().update(users).set({ status: "deactivated" }).where(eq(users.id, deactivated.user.id));
    const suspended = await holderWithCert(expiresAt);
    await db().update(partners).set({ status: "suspended" }).where(eq(partners.id, suspended.partner.id));
    const control = await holderWithCert(expiresAt);

    await runCertificationExpiry(db(), new Date(expiresAt.getTime() - 10 * DAY));
    expect(await keysOf(optedOut.cert.id)).toEqual([]);
    expect(await keysOf(deactivated.cert.id)).toEqual([]);
    expect(await keysOf(suspended.cert.id)).toEqual([]);
    expect(await keysOf(control.cert.id)).toEqual([`certification-expiring:${control.cert.id}:30`]);
  });

  it("sends no reminder (and no expiry mail) for a certification the holder renewed", async () => {
    const expiresAt = new Date("2034-09-01T00:00:00Z");
    const { partner, user, course, cert } = await holderWithCert(expiresAt);
    const renewed = await certify(db(), {
      partnerId: partner.id,
      userId: user.id,
      course,
      earnedAt: new Date(expiresAt.getTime() - 70 * DAY),
      expiresAt: new Date(expiresAt.getTime() + 660 * DAY),
    });
    for (const days of [60, 30, 7]) await runCertificationExpiry(db(), new Date(expiresAt.getTime() - days * DAY));
    expect(await keysOf(cert.id)).toEqual([]);
    expect(await keysOf(renewed.id)).toEqual([]);

    await runCertificationExpiry(db(), new Date(expiresAt.getTime() + DAY));
    expect(await statusOf(cert.id)).toBe("expired");
    expect(await keysOf(cert.id)).toEqual([]);
    expect(await expiryAudits(cert.id)).toHaveLength(1);
    expect(await statusOf(renewed.id)).toBe("active");
  });

  it("still reminds when the only newer certification of the course was revoked or expires earlier", async () => {
    const expiresAt = new Date("2035-02-01T00:00:00Z");
    const { partner, user, course, cert } = await holderWithCert(expiresAt);
    await certify(db(), {
      partnerId: partner.id,
      userId: user.id,
      course,
      earnedAt: new Date(expiresAt.getTime() - 70 * DAY),
      expiresAt: new Date(expiresAt.getTime() + 660 * DAY),
      status: "revoked",
    });
    await runCertificationExpiry(db(), new Date(expiresAt.getTime() - 30 * DAY));
    expect(await keysOf(cert.id)).toEqual([`certification-expiring:${cert.id}:30`]);
  });
});

describe("expiry", () => {
  it("marks the certification expired once, mails the holder once and audits it as the job", async () => {
    const expiresAt = new Date("2036-04-10T08:00:00Z");
    const { user, partner, course, cert } = await holderWithCert(expiresAt);

    await runCertificationExpiry(db(), new Date(expiresAt.getTime() - 1));
    expect(await statusOf(cert.id)).toBe("active");

    await runCertificationExpiry(db(), expiresAt);
    await runCertificationExpiry(db(), expiresAt);
    await runCertificationExpiry(db(), new Date(expiresAt.getTime() + 3 * DAY));
    expect(await statusOf(cert.id)).toBe("expired");

    const mails = (await mailsOf(cert.id)).filter((m) => m.template === "certification-expired");
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({
      dedupeKey: `certification-expired:${cert.id}`,
      toAddress: user.email,
      userId: user.id,
      partnerId: partner.id,
      subject: `${course.certificationName} has expired`,
    });
    // The run a moment before the expiry sent the 7-day reminder (the missed stages' nearest); none from the expiry on.
    expect(
      (await mailsOf(cert.id)).filter((m) => m.template === "certification-expiring").map((m) => m.dedupeKey),
    ).toEqual([`certification-expiring:${cert.id}:7`]);

    const audits = await expiryAudits(cert.id);
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      actorUserId: null,
      actorLabel: EXPIRY_JOB_ACTOR.label,
      partnerId: partner.id,
      subjectType: "certification",
      before: { status: "active" },
      after: { status: "expired", expiresAt: expiresAt.toISOString(), holderMailed: true },
    });
  });

  it("expires each certification once when two workers run at the same moment", async () => {
    const expiresAt = new Date("2037-07-07T07:00:00Z");
    const holders = [];
    for (let i = 0; i < 6; i++) holders.push(await holderWithCert(expiresAt));
    const now = new Date(expiresAt.getTime() + 60_000);

    const [a, b] = await Promise.all([expireCertifications(db(), now), expireCertifications(db(), now)]);
    expect(a + b).toBeGreaterThanOrEqual(holders.length);

    for (const { cert } of holders) {
      expect(await statusOf(cert.id)).toBe("expired");
      expect((await mailsOf(cert.id)).filter((m) => m.template === "certification-expired")).toHaveLength(1);
      expect(await expiryAudits(cert.id)).toHaveLength(1);
    }
  });

  it("leaves revoked and already expired certifications alone", async () => {
    const expiresAt = new Date("2038-01-01T00:00:00Z");
    const revoked = await holderWithCert(expiresAt);
    await db().update(certifications).set({ status: "revoked" }).where(eq(certifications.id, revoked.cert.id));
    await runCertificationExpiry(db(), new Date(expiresAt.getTime() + DAY));
    expect(await statusOf(revoked.cert.id)).toBe("revoked");
    expect(await keysOf(revoked.cert.id)).toEqual([]);
    expect(await expiryAudits(revoked.cert.id)).toEqual([]);
  });

  it("expires a deactivated holder's certification without mailing them", async () => {
    const expiresAt = new Date("2039-05-05T00:00:00Z");
    const { user, cert } = await holderWithCert(expiresAt);
    await db().update(users).set({ status: "deactivated" }).where(eq(users.id, user.id));
    await runCertificationExpiry(db(), new Date(expiresAt.getTime() + DAY));
    expect(await statusOf(cert.id)).toBe("expired");
    expect(await keysOf(cert.id)).toEqual([]);
    expect((await expiryAudits(cert.id))[0]!.after).toMatchObject({ holderMailed: false });
  });
});
