/**
 * The programme agreement against real PostgreSQL: publishing (numbering,
 * mails per partner, audit, validation), accepting (activation, what is
 * recorded, who may), re-acceptance within a grace period, reminders, and the
 * queries behind the pages.
 *
 * The agreements table is global, so the tests run along one timeline (a
 * virtual clock passed as ctx.now) and in order.
 */
import { and, asc, eq, inArray, like } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import {
  agreementAcceptances,
  agreements,
  auditEvents,
  mailMessages,
  mailRecipients,
  partners,
  type Partner,
} from "~db/schema";
import { agreementStanding } from "~/modules/onboarding/agreement-standing.server";
import {
  acceptAgreement,
  agreementDetail,
  agreementHistory,
  agreementPage,
  listAgreementVersions,
  publishAgreement,
  sendAgreementReminders,
} from "~/modules/onboarding/agreements.server";
import { appUrl } from "~/utils/env.server";
import { ConflictError, ForbiddenError, NotFoundError, RuleError, ValidationError } from "~/utils/errors.server";
import { createPartner, createUser, ctxFor, rejection, setupTestDb, type TestUser } from "../../support/factories";

const db = setupTestDb();
const DAY = 86_400_000;
/** The timeline's start: a fixed moment (the domain functions take their time from ctx.now). */
const T0 = new Date("2031-01-06T09:00:00Z");
const at = (days: number) => new Date(T0.getTime() + days * DAY);
const dateOf = (d: Date) => d.toISOString().slice(0, 10);
const meta = { ip: "203.0.113.44", userAgent: "Mozilla/5.0 (X11; Linux x86_64) AgreementTest/1.0" };

let vendorAdmin: TestUser;
let channelManager: TestUser;
/** Active partner with two active admins, a deactivated admin and a user. */
let alpha: Partner;
let alphaAdmins: TestUser[];
let alphaUser: TestUser;
/** Approved (not yet active) partner that never accepted. */
let beta: Partner;
let betaAdmin: TestUser;
let betaUser: TestUser;
/** Partners that are never mailed: suspended, applied, and active without any active admin. */
let suspended: Partner;
let noAdmin: Partner;

const body = "# Partner Programme Agreement\n\n1. The partner resells.\n2. The vendor supports.\n";
const publishForm = (over: Record<string, unknown> = {}) => ({
  title: "Partner Programme Agreement",
  body,
  effectiveDate: dateOf(T0),
  graceDays: "30",
  ...over,
});

async function counts() {
  return {
    agreements: await db().$count(agreements),
    acceptances: await db().$count(agreementAcceptances),
    mail: await db().$count(mailMessages),
    audit: await db().$count(auditEvents),
  };
}

async function mailsFor(partnerId: string, keyPrefix: string) {
  const rows = await db()
    .select()
    .from(mailMessages)
    .where(and(eq(mailMessages.partnerId, partnerId), like(mailMessages.dedupeKey, `${keyPrefix}%`)))
    .orderBy(asc(mailMessages.dedupeKey));
  return rows;
}

async function recipientsOf(mailId: string) {
  const rows = await db()
    .select({ address: mailRecipients.address })
    .from(mailRecipients)
    .where(eq(mailRecipients.mailId, mailId));
  return rows.map((r) => r.address).sort();
}

async function partnerRow(id: string) {
  const [p] = await db().select().from(partners).where(eq(partners.id, id));
  return p!;
}

beforeAll(async () => {
  vendorAdmin = await createUser(db(), { role: "vendor_admin" });
  channelManager = await createUser(db(), { role: "channel_manager" });
  alpha = await createPartner(db(), { name: "Alpha Relay" });
  alphaAdmins = [
    await createUser(db(), { role: "partner_admin", partnerId: alpha.id }),
    await createUser(db(), { role: "partner_admin", partnerId: alpha.id }),
  ];
  await createUser(db(), { role: "partner_admin", partnerId: alpha.id, status: "deactivated" });
  alphaUser = await createUser(db(), { role: "partner_user", partnerId: alpha.id });
  beta = await createPartner(db(), { name: "Beta Secure", status: "approved" });
  betaAdmin = await createUser(db(), { role: "partner_admin", partnerId: beta.id });
  betaUser = await createUser(db(), { role: "partner_user", partnerId: beta.id });
  suspended = await createPartner(db(), { name: "Gamma Suspended", status: "suspended", agreementVersion: null });
  await createUser(db(), { role: "partner_admin", partnerId: suspended.id });
  const applied = await createPartner(db(), { name: "Delta Applied", status: "applied" });
  await createUser(db(), { role: "partner_admin", partnerId: applied.id });
  noAdmin = await createPartner(db(), { name: "Epsilon Without Admin" });
  await createUser(db(), { role: "partner_user", partnerId: noAdmin.id });
});

describe("publishAgreement", () => {
  it("refuses bad input field by field and changes nothing", async () => {
    const before = await counts();
    const ctx = ctxFor(db(), vendorAdmin, T0);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ title: "" }, "title"],
      [{ title: "x".repeat(201) }, "title"],
      [{ body: "" }, "body"],
      [{ body: "  \n " }, "body"],
      [{ body: "x".repeat(100_001) }, "body"],
      [{ effectiveDate: "yesterday" }, "effectiveDate"],
      [{ effectiveDate: dateOf(at(-1)) }, "effectiveDate"],
      [{ graceDays: "0" }, "graceDays"],
      [{ graceDays: "366" }, "graceDays"],
      [{ graceDays: "thirty" }, "graceDays"],
    ];
    for (const [over, field] of cases) {
      const err = await rejection(publishAgreement(ctx, publishForm(over)));
      expect(err, JSON.stringify(over).slice(0, 80)).toBeInstanceOf(ValidationError);
      expect(Object.keys((err as ValidationError).fields ?? {}), field).toEqual([field]);
    }
    expect(
      ((await rejection(publishAgreement(ctx, publishForm({ effectiveDate: dateOf(at(-1)) })))) as ValidationError)
        .fields?.effectiveDate?.[0],
    ).toMatch(/today or a later date/);
    expect(await counts()).toEqual(before);
  });

  it("is for vendor admins only", async () => {
    const before = await counts();
    for (const user of [channelManager, alphaAdmins[0]!, alphaUser]) {
      expect(await rejection(publishAgreement(ctxFor(db(), user, T0), publishForm()))).toBeInstanceOf(ForbiddenError);
    }
    expect(await counts()).toEqual(before);
  });

  it("publishes version 1, mails each partner in the programme once (its active admins), and audits", async () => {
    const result = await publishAgreement(ctxFor(db(), vendorAdmin, T0), publishForm({ graceDays: undefined }));
    expect(result).toMatchObject({ version: 1, notifiedPartners: 2 });
    expect(result.effectiveAt).toEqual(T0); // today means now

    const [row] = await db().select().from(agreements).where(eq(agreements.id, result.id));
    expect(row).toMatchObject({
      version: 1,
      title: "Partner Programme Agreement",
      body,
      graceDays: 30,
      publishedBy: vendorAdmin.id,
    });

    const [alphaMail] = await mailsFor(alpha.id, "agreement-published:");
    expect(alphaMail).toMatchObject({
      dedupeKey: `agreement-published:1:${alpha.id}`,
      template: "agreement-published",
      partnerId: alpha.id,
    });
    expect(await recipientsOf(alphaMail!.id)).toEqual(alphaAdmins.map((a) => a.email).sort());
    expect(alphaMail!.subject).toContain("version 1");
    expect(alphaMail!.text).toContain("Alpha Relay");
    expect(alphaMail!.text).toContain("5 February 2031"); // the deadline: effective date + 30 days
    expect(alphaMail!.html).toContain(`href="${appUrl()}/agreement"`);

    const [betaMail] = await mailsFor(beta.id, "agreement-published:");
    expect(await recipientsOf(betaMail!.id)).toEqual([betaAdmin.email]);
    for (const p of [suspended, noAdmin]) expect(await mailsFor(p.id, "agreement-published:")).toEqual([]);
    expect(await db().$count(mailMessages, like(mailMessages.dedupeKey, "agreement-published:1:%"))).toBe(2);

    const [event] = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "agreement.published"), eq(auditEvents.subjectId, result.id)));
    expect(event).toMatchObject({
      actorUserId: vendorAdmin.id,
      subjectType: "agreement",
      after: { version: 1, graceDays: 30, notifiedPartners: 2 },
    });
  });
});

describe("acceptAgreement", () => {
  const now = at(0.1);

  it("requires the box ticked and an agreement in force; refuses partner users and vendor staff", async () => {
    const before = await counts();
    const noBox = await rejection(acceptAgreement(ctxFor(db(), betaAdmin, now), { version: 1 }, meta));
    expect(noBox).toBeInstanceOf(ValidationError);
    expect((noBox as ValidationError).fields?.confirm?.[0]).toMatch(/Tick the box/);
    for (const user of [betaUser, vendorAdmin]) {
      const err = await rejection(acceptAgreement(ctxFor(db(), user, now), { version: 1, confirm: "on" }, meta));
      expect(err).toBeInstanceOf(ForbiddenError);
      expect((err as ForbiddenError).message).toMatch(/partner admin/);
    }
    expect(await counts()).toEqual(before);
    expect(await partnerRow(beta.id)).toMatchObject({ status: "approved", agreementVersion: null });
  });

  it("refuses a version that is not the one in force with a clear message", async () => {
    const before = await counts();
    for (const version of [2, 99]) {
      const err = await rejection(acceptAgreement(ctxFor(db(), betaAdmin, now), { version, confirm: "on" }, meta));
      expect(err).toBeInstanceOf(RuleError);
      expect((err as RuleError).message).toBe(
        `Version ${version} is not the programme agreement in force: accept version 1.`,
      );
    }
    expect(await counts()).toEqual(before);
  });

  it("records version, user, time, address and user agent, and activates an approved partner", async () => {
    expect((await agreementStanding(db(), beta.id, now)).state).toBe("required");
    const result = await acceptAgreement(ctxFor(db(), betaAdmin, now), { version: "1", confirm: "on" }, meta);
    expect(result).toEqual({ version: 1, alreadyAccepted: false, activated: true });

    const [acc] = await db().select().from(agreementAcceptances).where(eq(agreementAcceptances.partnerId, beta.id));
    expect(acc).toMatchObject({
      version: 1,
      userId: betaAdmin.id,
      acceptedAt: now,
      ip: meta.ip,
      userAgent: meta.userAgent,
    });
    expect(await partnerRow(beta.id)).toMatchObject({ status: "active", agreementVersion: 1, statusChangedAt: now });
    expect((await agreementStanding(db(), beta.id, now)).state).toBe("ok");

    const events = await db()
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.partnerId, beta.id))
      .orderBy(asc(auditEvents.action));
    expect(events.map((e) => e.action)).toEqual(["agreement.accepted", "partner.activated"]);
    expect(events[0]).toMatchObject({
      actorUserId: betaAdmin.id,
      after: { version: 1, agreementVersion: 1, ip: meta.ip },
    });
    expect(events[1]).toMatchObject({
      subjectId: beta.id,
      before: { status: "approved" },
      after: { status: "active" },
    });
  });

  it("treats a second acceptance of the same version as harmless", async () => {
    const before = await counts();
    const again = await acceptAgreement(ctxFor(db(), betaAdmin, at(0.2)), { version: 1, confirm: "on" }, meta);
    expect(again).toEqual({ version: 1, alreadyAccepted: true, activated: false });
    // Two admins at the same moment: one row, no error.
    const both = await Promise.all(
      alphaAdmins.map((a) => acceptAgreement(ctxFor(db(), a, at(0.2)), { version: 1, confirm: "on" }, meta)),
    );
    expect(both.map((r) => r.alreadyAccepted).sort()).toEqual([false, true]);
    expect(await db().$count(agreementAcceptances, eq(agreementAcceptances.partnerId, alpha.id))).toBe(1);
    // An active partner stays active and gets no activation event.
    expect(await partnerRow(alpha.id)).toMatchObject({ status: "active", agreementVersion: 1 });
    expect(
      await db().$count(
        auditEvents,
        and(eq(auditEvents.partnerId, alpha.id), eq(auditEvents.action, "partner.activated")),
      ),
    ).toBe(0);
    const after = await counts();
    expect(after).toEqual({ ...before, acceptances: before.acceptances + 1, audit: before.audit + 1 });
  });
});

describe("re-acceptance with a grace period", () => {
  const T1 = at(10);
  const later = (days: number) => new Date(T1.getTime() + days * DAY);
  let v2Id: string;

  it("publishing version 2 (effective now, 30 days) puts partners that accepted version 1 in grace", async () => {
    const v2 = await publishAgreement(
      ctxFor(db(), vendorAdmin, T1),
      publishForm({ title: "Agreement 2031", effectiveDate: dateOf(T1), graceDays: 30 }),
    );
    v2Id = v2.id;
    expect(v2.version).toBe(2);
    const deadline = later(30);
    expect(await agreementStanding(db(), alpha.id, T1)).toMatchObject({ state: "grace", acceptedVersion: 1, deadline });
    expect((await agreementStanding(db(), alpha.id, later(29.9))).state).toBe("grace");
    // A partner that never accepted anything has no grace period.
    expect((await agreementStanding(db(), noAdmin.id, T1)).state).toBe("required");
    const [mail] = await mailsFor(alpha.id, "agreement-published:2:");
    expect(mail!.text).toContain("must accept it by 15 February 2031 at 09:00 UTC");
  });

  it("lets a partner accept a published later version ahead of its effective date", async () => {
    const t = later(20);
    const v3 = await publishAgreement(
      ctxFor(db(), vendorAdmin, t),
      publishForm({ title: "Agreement 2031 rev. B", effectiveDate: dateOf(later(60)), graceDays: 30 }),
    );
    expect(v3).toMatchObject({ version: 3, effectiveAt: new Date(`${dateOf(later(60))}T00:00:00Z`) });
    // Version 2 is still the one in force; beta, in grace for it, accepts version 3 at once.
    expect((await agreementStanding(db(), beta.id, t)).state).toBe("grace");
    const early = await acceptAgreement(ctxFor(db(), betaAdmin, t), { version: 3, confirm: "on" }, meta);
    expect(early.alreadyAccepted).toBe(false);
    expect(await partnerRow(beta.id)).toMatchObject({ agreementVersion: 3 });
    // Accepting version 2 afterwards is recorded but does not lower the accepted version.
    await acceptAgreement(ctxFor(db(), betaAdmin, t), { version: 2, confirm: "on" }, meta);
    expect(await partnerRow(beta.id)).toMatchObject({ agreementVersion: 3 });
    expect((await agreementStanding(db(), beta.id, later(61))).state).toBe("ok");
    // A version that takes effect before the latest one is refused.
    const err = await rejection(
      publishAgreement(ctxFor(db(), vendorAdmin, t), publishForm({ effectiveDate: dateOf(t) })),
    );
    expect((err as ValidationError).fields?.effectiveDate?.[0]).toMatch(/Version 3 takes effect/);
  });
  it("after the grace period the standing is required; the old version cannot be accepted; accepting version 2 restores it", async () => {
    const t = later(31);
    expect(await agreementStanding(db(), alpha.id, t)).toMatchObject({ state: "required", acceptedVersion: 1 });
    const old = await rejection(acceptAgreement(ctxFor(db(), alphaAdmins[0]!, t), { version: 1, confirm: "on" }, meta));
    expect(old).toBeInstanceOf(RuleError);
    expect((old as RuleError).message).toMatch(/accept version 2/);

    const r = await acceptAgreement(ctxFor(db(), alphaAdmins[1]!, t), { version: 2, confirm: "on" }, meta);
    expect(r).toEqual({ version: 2, alreadyAccepted: false, activated: false });
    expect(await agreementStanding(db(), alpha.id, t)).toMatchObject({ state: "ok", acceptedVersion: 2 });
    const [acc] = await db()
      .select()
      .from(agreementAcceptances)
      .where(and(eq(agreementAcceptances.partnerId, alpha.id), eq(agreementAcceptances.version, 2)));
    expect(acc).toMatchObject({ agreementId: v2Id, userId: alphaAdmins[1]!.id, acceptedAt: t });
  });
});

describe("sendAgreementReminders", () => {
  // Version 3 takes effect at the start of the day T1 + 60 days, with 30 days of grace.
  let v3Effective: Date;
  let deadline: Date;
  let lateAdmin: TestUser;
  let late: Partner;
  const before = (days: number) => new Date(deadline.getTime() - days * DAY);

  beforeAll(async () => {
    const [v3] = await db().select().from(agreements).where(eq(agreements.version, 3));
    v3Effective = v3!.effectiveAt;
    deadline = new Date(v3Effective.getTime() + 30 * DAY);
    // A second partner in grace for version 3 (accepted version 2), plus an inactive one that is never reminded.
    late = await createPartner(db(), { name: "Zeta Late", agreementVersion: 2 });
    lateAdmin = await createUser(db(), { role: "partner_admin", partnerId: late.id });
    await db().update(partners).set({ agreementVersion: 2 }).where(eq(partners.id, suspended.id));
  });

  const reminders = (p: Partner) => mailsFor(p.id, "agreement-reminder:");

  it("sends nothing before the 14-day stage", async () => {
    expect(await sendAgreementReminders(db(), v3Effective)).toBe(0);
    expect(await sendAgreementReminders(db(), before(14.1))).toBe(0);
  });

  it("sends each stage once to the admins of active partners still in grace", async () => {
    const t = before(13.5);
    const queued = await sendAgreementReminders(db(), t);
    expect(queued).toBe(2); // alpha (accepted 2) and late (accepted 2); beta accepted 3 early
    const [alphaMail] = await reminders(alpha);
    expect(alphaMail).toMatchObject({
      dedupeKey: `agreement-reminder:3:${alpha.id}:14`,
      template: "agreement-reminder",
    });
    expect(await recipientsOf(alphaMail!.id)).toEqual(alphaAdmins.map((a) => a.email).sort());
    expect(alphaMail!.subject).toBe("14 days left to accept the programme agreement");
    expect(await recipientsOf((await reminders(late))[0]!.id)).toEqual([lateAdmin.email]);
    for (const p of [beta, suspended, noAdmin]) expect(await reminders(p)).toEqual([]);

    // The job runs again (another worker, the next hour): nothing new.
    expect(await sendAgreementReminders(db(), t)).toBe(0);
    expect(await sendAgreementReminders(db(), before(8))).toBe(0);
    expect(await reminders(alpha)).toHaveLength(1);
  });

  it("sends only the nearest stage when the job missed one, and stops for partners that accept", async () => {
    await acceptAgreement(ctxFor(db(), lateAdmin, before(3)), { version: 3, confirm: "on" }, meta);
    // The job did not run between 7 days and 1 day before the deadline.
    expect(await sendAgreementReminders(db(), before(0.5))).toBe(1);
    expect((await reminders(alpha)).map((m) => m.dedupeKey)).toEqual([
      `agreement-reminder:3:${alpha.id}:1`,
      `agreement-reminder:3:${alpha.id}:14`,
    ]);
    expect((await reminders(alpha))[0]!.subject).toBe("1 day left to accept the programme agreement");
    expect(await reminders(late)).toHaveLength(1);
    expect(await sendAgreementReminders(db(), before(0.2))).toBe(0);
    // Past the deadline there is nothing to remind of: the partner is blocked.
    expect(await sendAgreementReminders(db(), before(-1))).toBe(0);
    expect((await agreementStanding(db(), alpha.id, before(-1))).state).toBe("required");
  });
});

describe("queries", () => {
  it("lists the versions with acceptance counts for vendor staff only", async () => {
    const t = at(200);
    const list = await listAgreementVersions(ctxFor(db(), vendorAdmin, t));
    // In the programme: alpha, beta, noAdmin, late (active or approved); suspended and applied are not.
    expect(list.partnersInProgramme).toBe(4);
    expect(list.versions.map((v) => [v.version, v.phase, v.accepted])).toEqual([
      [3, "current", 2], // beta (early) and late
      [2, "superseded", 3], // alpha, beta and late accepted 2 or later
      [1, "superseded", 3],
    ]);
    expect(await rejection(listAgreementVersions(ctxFor(db(), alphaAdmins[0]!, t)))).toBeInstanceOf(ForbiddenError);
  });

  it("details one version: who accepted it (with address and browser) and who is pending", async () => {
    const detail = await agreementDetail(ctxFor(db(), channelManager, at(200)), "3");
    expect(detail.agreement).toMatchObject({ version: 3, phase: "current", graceDays: 30 });
    expect(detail.accepted.map((a) => a.partnerName).sort()).toEqual(["Beta Secure", "Zeta Late"]);
    expect(detail.accepted[0]).toMatchObject({ ip: meta.ip, userAgent: meta.userAgent });
    expect(detail.pending.map((p) => [p.name, p.standing])).toEqual([
      ["Alpha Relay", "required"],
      ["Epsilon Without Admin", "required"],
    ]);
    for (const bad of ["99", "x", "-1", "1e3"]) {
      expect(await rejection(agreementDetail(ctxFor(db(), vendorAdmin), bad))).toBeInstanceOf(NotFoundError);
    }
  });

  it("shows a partner its own history only; another partner's id is not found", async () => {
    const own = await agreementHistory(ctxFor(db(), betaUser), beta.id);
    expect(own.map((h) => h.version)).toEqual([3, 2, 1]);
    expect(own[0]).toMatchObject({ userEmail: betaAdmin.email, ip: meta.ip });
    expect(await rejection(agreementHistory(ctxFor(db(), betaUser), alpha.id))).toBeInstanceOf(NotFoundError);
    expect(await rejection(agreementHistory(ctxFor(db(), betaUser), "not-a-uuid"))).toBeInstanceOf(NotFoundError);
    expect((await agreementHistory(ctxFor(db(), vendorAdmin), alpha.id)).map((h) => h.version)).toEqual([2, 1]);
  });

  it("gives the agreement page what a blocked partner user needs, read-only", async () => {
    const page = await agreementPage(ctxFor(db(), alphaUser, at(200)));
    expect(page.standing?.state).toBe("required");
    expect(page.current).toMatchObject({ version: 3, title: "Agreement 2031 rev. B", body });
    expect(page.upcoming).toBeNull();
    expect(page.canAccept).toBe(false);
    expect(page.history.map((h) => h.version)).toEqual([2, 1]);
    expect((await agreementPage(ctxFor(db(), alphaAdmins[0]!, at(200)))).canAccept).toBe(true);
  });
});

describe("concurrent publishing", () => {
  it("numbers two versions published at the same moment one after the other", async () => {
    const t = at(300);
    const ctx = ctxFor(db(), vendorAdmin, t);
    const results = await Promise.all([
      publishAgreement(ctx, publishForm({ title: "Concurrent A", effectiveDate: dateOf(t) })),
      publishAgreement(ctx, publishForm({ title: "Concurrent B", effectiveDate: dateOf(t) })),
    ]);
    expect(results.map((r) => r.version).sort()).toEqual([4, 5]);
    const rows = await db()
      .select()
      .from(agreements)
      .where(inArray(agreements.version, [4, 5]));
    expect(rows.map((r) => r.title).sort()).toEqual(["Concurrent A", "Concurrent B"]);
    // Each publication mailed each partner once, under its own version.
    for (const v of [4, 5]) {
      expect(await db().$count(mailMessages, like(mailMessages.dedupeKey, `agreement-published:${v}:%`))).toBe(3);
    }
    expect(await db().$count(auditEvents, eq(auditEvents.action, "agreement.published"))).toBe(5);
    // ConflictError is what a caller sees when retries run out; it is a 409.
    expect(new ConflictError("x").status).toBe(409);
  });
});
