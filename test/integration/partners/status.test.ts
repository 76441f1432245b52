/**
 * Suspension, reinstatement and termination of a partner against real
 * PostgreSQL: sessions end in the same transaction, sign-in and API keys are
 * refused, the audit trail and the partner admins' mail are written, invalid
 * transitions change nothing, and of two admins acting at once one wins.
 */
import { and, eq, inArray } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditEvents, invitations, mailMessages, mailRecipients, partners, sessions } from "~db/schema";
import { authenticateApiKey, createApiKey } from "~/modules/accounts/api-keys.server";
import { createSession, findSessionUser } from "~/modules/auth/sessions.server";
import { SIGN_IN_FAILED, signIn } from "~/modules/auth/sign-in.server";
import { reinstatePartner, suspendPartner, terminatePartner } from "~/modules/partners/status.server";
import { ForbiddenError, NotFoundError, RuleError, UnauthorizedError, ValidationError } from "~/utils/errors.server";
import { createPartner, createUser, ctxFor, rejection, setupTestDb, type TestUser } from "../../support/factories";
import type { Partner } from "~db/schema";

const db = setupTestDb();

let admin: TestUser;
let admin2: TestUser;
let channelManager: TestUser;
beforeAll(async () => {
  admin = await createUser(db(), { role: "vendor_admin" });
  admin2 = await createUser(db(), { role: "vendor_admin" });
  channelManager = await createUser(db(), { role: "channel_manager" });
});

interface World {
  partner: Partner;
  owner: TestUser;
  coAdmin: TestUser;
  user: TestUser;
}

/** An active partner (agreement v1 accepted) with two active admins, a deactivated admin and a user. */
async function world(overrides: Parameters<typeof createPartner>[1] = {}): Promise<World> {
  const partner = await createPartner(db(), { agreementVersion: 1, ...overrides });
  const owner = await createUser(db(), { role: "partner_admin", partnerId: partner.id });
  const coAdmin = await createUser(db(), { role: "partner_admin", partnerId: partner.id });
  await createUser(db(), { role: "partner_admin", partnerId: partner.id, status: "deactivated" });
  const user = await createUser(db(), { role: "partner_user", partnerId: partner.id });
  return { partner, owner, coAdmin, user };
}

async function partnerRow(id: string) {
  const [row] = await db().select().from(partners).where(eq(partners.id, id));
  return row!;
}

async function statusMails(partnerId: string) {
  const rows = await db()
    .select()
    .from(mailMessages)
    .where(and(eq(mailMessages.partnerId, partnerId), eq(mailMessages.template, "partner-status-changed")))
    .orderBy(mailMessages.createdAt);
  const recipients = rows.length
    ? await db()
        .select()
        .from(mailRecipients)
        .where(
          inArray(
            mailRecipients.mailId,
            rows.map((r) => r.id),
          ),
        )
    : [];
  return rows.map((r) => ({
    ...r,
    recipients: recipients
      .filter((x) => x.mailId === r.id)
      .map((x) => x.address)
      .sort(),
  }));
}

async function events(partnerId: string, action?: string) {
  return db()
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.subjectId, partnerId), action ? eq(auditEvents.action, action) : undefined))
    .orderBy(auditEvents.at);
}

async function signInAs(user: TestUser) {
  return signIn(db(), { email: user.email, password: user.password });
}

describe("suspendPartner", () => {
  it("ends the partner's sessions at once, refuses sign-in and API keys, audits and mails the admins", async () => {
    const w = await world();
    const other = await world();
    const now = new Date();
    const ownerSession = await createSession(db(), w.owner.id, {}, now);
    const userSession = await createSession(db(), w.user.id, {}, now);
    const otherSession = await createSession(db(), other.user.id, {}, now);
    const { key } = await createApiKey(ctxFor(db(), w.owner), { name: "CRM", scopes: ["me:read"] });
    expect(await findSessionUser(db(), ownerSession.token, now)).not.toBeNull();
    expect((await authenticateApiKey(db(), `Bearer ${key}`)).partner?.id).toBe(w.partner.id);

    const at = new Date(now.getTime() + 1000);
    const result = await suspendPartner(ctxFor(db(), admin, at), w.partner.id, {
      reason: "  Unpaid invoices since March.  ",
    });

    expect(result).toMatchObject({ status: "suspended", sessionsEnded: 2 });
    expect(result.mailId).not.toBeNull();
    const row = await partnerRow(w.partner.id);
    expect(row).toMatchObject({ status: "suspended", statusReason: "Unpaid invoices since March." });
    expect(row.statusChangedAt?.toISOString()).toBe(at.toISOString());

    // Sessions are gone, not just refused; another partner's session is untouched.
    expect(await findSessionUser(db(), ownerSession.token, at)).toBeNull();
    expect(await findSessionUser(db(), userSession.token, at)).toBeNull();
    expect(await db().$count(sessions, inArray(sessions.userId, [w.owner.id, w.user.id]))).toBe(0);
    expect(await findSessionUser(db(), otherSession.token, at)).not.toBeNull();

    expect(await signInAs(w.owner)).toEqual({ ok: false, message: SIGN_IN_FAILED });
    expect(await signInAs(w.user)).toEqual({ ok: false, message: SIGN_IN_FAILED });
    expect(await rejection(authenticateApiKey(db(), `Bearer ${key}`))).toBeInstanceOf(UnauthorizedError);
    expect((await signInAs(other.user)).ok).toBe(true);

    const [event] = await events(w.partner.id, "partner.suspended");
    expect(event).toMatchObject({
      actorUserId: admin.id,
      actorLabel: admin.email,
      partnerId: w.partner.id,
      subjectType: "partner",
      before: { status: "active", statusReason: null },
      after: { status: "suspended", statusReason: "Unpaid invoices since March.", sessionsEnded: 2 },
    });

    const mails = await statusMails(w.partner.id);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.id).toBe(result.mailId);
    expect(mails[0]!.recipients).toEqual([w.owner.email, w.coAdmin.email].sort());
    expect(mails[0]!.subject).toContain("is suspended");
    expect(mails[0]!.text).toContain("Unpaid invoices since March.");
  });

  it("suspends an approved partner that has not accepted the agreement yet", async () => {
    const w = await world({ status: "approved", agreementVersion: null });
    expect((await suspendPartner(ctxFor(db(), admin), w.partner.id, { reason: "Fraud check" })).status).toBe(
      "suspended",
    );
  });

  it("requires a reason of at most 2000 characters and changes nothing without one", async () => {
    const w = await world();
    const session = await createSession(db(), w.owner.id, {}, new Date());
    for (const raw of [
      {},
      { reason: "" },
      { reason: "   " },
      { reason: "x".repeat(2001) },
      { reason: 42 },
      undefined,
    ]) {
      const err = await rejection(suspendPartner(ctxFor(db(), admin), w.partner.id, raw));
      expect(err, JSON.stringify(raw)).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).fields?.reason?.length, JSON.stringify(raw)).toBeGreaterThan(0);
    }
    expect((await partnerRow(w.partner.id)).status).toBe("active");
    expect(await findSessionUser(db(), session.token, new Date())).not.toBeNull();
    expect(await events(w.partner.id)).toEqual([]);
    expect(await statusMails(w.partner.id)).toEqual([]);
    await suspendPartner(ctxFor(db(), admin), w.partner.id, { reason: "x".repeat(2000) });
    expect((await partnerRow(w.partner.id)).status).toBe("suspended");
  });

  it("still suspends a partner without an active admin, with no mail", async () => {
    const partner = await createPartner(db(), { agreementVersion: 1 });
    const result = await suspendPartner(ctxFor(db(), admin), partner.id, { reason: "Dormant" });
    expect(result).toMatchObject({ status: "suspended", sessionsEnded: 0, mailId: null });
    expect(await statusMails(partner.id)).toEqual([]);
  });
});

describe("reinstatePartner", () => {
  it("brings a suspended partner back to active: sign-in and API keys work again; mailed and audited", async () => {
    const w = await world();
    const { key } = await createApiKey(ctxFor(db(), w.owner), { name: "CRM", scopes: ["me:read"] });
    const t1 = new Date();
    await suspendPartner(ctxFor(db(), admin, t1), w.partner.id, { reason: "Audit pending" });
    const t2 = new Date(t1.getTime() + 60_000);
    const result = await reinstatePartner(ctxFor(db(), admin2, t2), w.partner.id, {});

    expect(result).toMatchObject({ status: "active", sessionsEnded: 0 });
    expect(await partnerRow(w.partner.id)).toMatchObject({ status: "active", statusReason: null });
    expect((await signInAs(w.owner)).ok).toBe(true);
    expect((await authenticateApiKey(db(), `Bearer ${key}`)).partner?.id).toBe(w.partner.id);

    const [event] = await events(w.partner.id, "partner.reinstated");
    expect(event).toMatchObject({
      actorUserId: admin2.id,
      before: { status: "suspended", statusReason: "Audit pending" },
      after: { status: "active", statusReason: null },
    });
    const mails = await statusMails(w.partner.id);
    expect(mails.map((m) => m.subject)).toEqual([
      `${w.partner.name} is suspended in the partner programme`,
      `${w.partner.name} is reinstated in the partner programme`,
    ]);
    expect(mails[1]!.recipients).toEqual([w.owner.email, w.coAdmin.email].sort());
  });

  it("mails every suspension again after a reinstatement (suspend → reinstate → suspend)", async () => {
    const w = await world();
    const t = Date.now();
    await suspendPartner(ctxFor(db(), admin, new Date(t)), w.partner.id, { reason: "First" });
    await reinstatePartner(ctxFor(db(), admin, new Date(t + 1000)), w.partner.id, { reason: "Paid" });
    await suspendPartner(ctxFor(db(), admin, new Date(t + 2000)), w.partner.id, { reason: "Second" });
    const mails = await statusMails(w.partner.id);
    expect(mails).toHaveLength(3);
    expect(new Set(mails.map((m) => m.dedupeKey)).size).toBe(3);
    expect(mails.map((m) => m.text!.includes("Second"))).toEqual([false, false, true]);
    expect((await events(w.partner.id)).map((e) => e.action)).toEqual([
      "partner.suspended",
      "partner.reinstated",
      "partner.suspended",
    ]);
    expect(await partnerRow(w.partner.id)).toMatchObject({ status: "suspended", statusReason: "Second" });
  });

  it("returns a partner that never accepted an agreement to approved, keeping an optional reason", async () => {
    const w = await world({ status: "approved", agreementVersion: null });
    await suspendPartner(ctxFor(db(), admin), w.partner.id, { reason: "Check" });
    const result = await reinstatePartner(ctxFor(db(), admin), w.partner.id, { reason: "Checked, all fine" });
    expect(result.status).toBe("approved");
    expect(await partnerRow(w.partner.id)).toMatchObject({ status: "approved", statusReason: "Checked, all fine" });
  });

  it("refuses a reason longer than 2000 characters", async () => {
    const w = await world({ status: "suspended" });
    const err = await rejection(reinstatePartner(ctxFor(db(), admin), w.partner.id, { reason: "x".repeat(2001) }));
    expect(err).toBeInstanceOf(ValidationError);
    expect((await partnerRow(w.partner.id)).status).toBe("suspended");
  });
});

describe("terminatePartner", () => {
  it("ends the partnership: kept with its people, sessions ended, invitations revoked, sign-in refused", async () => {
    const w = await world();
    const session = await createSession(db(), w.user.id, {}, new Date());
    const [invitation] = await db()
      .insert(invitations)
      .values({
        partnerId: w.partner.id,
        email: "new.hire@example.test",
        role: "partner_user",
        tokenHash: `hash-${w.partner.id}`,
        expiresAt: new Date(Date.now() + 86_400_000),
      })
      .returning();

    const result = await terminatePartner(ctxFor(db(), admin), w.partner.id, { reason: "Contract ended" });

    expect(result).toMatchObject({ status: "terminated", sessionsEnded: 1 });
    expect(await partnerRow(w.partner.id)).toMatchObject({
      status: "terminated",
      statusReason: "Contract ended",
      name: w.partner.name,
    });
    expect(await findSessionUser(db(), session.token, new Date())).toBeNull();
    expect(await signInAs(w.owner)).toEqual({ ok: false, message: SIGN_IN_FAILED });
    const [inv] = await db().select().from(invitations).where(eq(invitations.id, invitation!.id));
    expect(inv!.revokedAt).not.toBeNull();

    const [event] = await events(w.partner.id, "partner.terminated");
    expect(event).toMatchObject({
      before: { status: "active" },
      after: { status: "terminated", statusReason: "Contract ended", sessionsEnded: 1, invitationsRevoked: 1 },
    });
    const [mail] = await statusMails(w.partner.id);
    expect(mail!.subject).toBe(`${w.partner.name} is terminated in the partner programme`);
    expect(mail!.text).toContain("Contract ended");
  });

  it("terminates a suspended partner, and never reinstates a terminated one", async () => {
    const w = await world();
    await suspendPartner(ctxFor(db(), admin), w.partner.id, { reason: "Late payments" });
    await terminatePartner(ctxFor(db(), admin), w.partner.id, { reason: "Still unpaid" });
    const err = await rejection(reinstatePartner(ctxFor(db(), admin), w.partner.id, {}));
    expect(err).toBeInstanceOf(RuleError);
    expect((err as RuleError).message).toBe("A terminated partner cannot be reinstated.");
    expect((err as RuleError).status).toBe(422);
    expect((await partnerRow(w.partner.id)).status).toBe("terminated");
  });

  it("requires a reason", async () => {
    const w = await world();
    expect(await rejection(terminatePartner(ctxFor(db(), admin), w.partner.id, { reason: " " }))).toBeInstanceOf(
      ValidationError,
    );
    expect((await partnerRow(w.partner.id)).status).toBe("active");
  });
});

describe("invalid transitions", () => {
  it.each([
    ["suspend", "suspended", "This partner is already suspended."],
    ["suspend", "applied", "A partner that is applied cannot be suspended."],
    ["suspend", "terminated", "This partner is already terminated; it is kept for history and cannot change any more."],
    ["reinstate", "active", "Only a suspended partner can be reinstated; this one is active."],
    ["reinstate", "approved", "Only a suspended partner can be reinstated; this one is approved."],
    ["reinstate", "terminated", "A terminated partner cannot be reinstated."],
    [
      "terminate",
      "terminated",
      "This partner is already terminated; it is kept for history and cannot change any more.",
    ],
  ] as const)("%s a partner that is %s: a clear RuleError, nothing changes", async (change, status, message) => {
    const w = await world({ status, statusReason: "before" });
    const session = await createSession(db(), w.owner.id, {}, new Date());
    const fn = { suspend: suspendPartner, reinstate: reinstatePartner, terminate: terminatePartner }[change];
    const err = await rejection(fn(ctxFor(db(), admin), w.partner.id, { reason: "why" }));
    expect(err).toBeInstanceOf(RuleError);
    expect((err as RuleError).message).toBe(message);
    expect(await partnerRow(w.partner.id)).toMatchObject({ status, statusReason: "before", statusChangedAt: null });
    expect(await db().$count(sessions, eq(sessions.id, (await sessionIdOf(session.token))!))).toBe(1);
    expect(await events(w.partner.id)).toEqual([]);
    expect(await statusMails(w.partner.id)).toEqual([]);
  });
});

async function sessionIdOf(token: string): Promise<string | undefined> {
  const { hashToken } = await import("~/modules/auth/tokens.server");
  const [row] = await db()
    .select({ id: sessions.id })
    .from(sessions)
    .where(eq(sessions.tokenHash, hashToken(token)));
  return row?.id;
}

describe("two admins at the same moment", () => {
  it("suspends once: one wins, the other is told, one audit event and one mail", async () => {
    for (let round = 0; round < 5; round++) {
      const w = await world();
      const results = await Promise.allSettled([
        suspendPartner(ctxFor(db(), admin), w.partner.id, { reason: "Admin one" }),
        suspendPartner(ctxFor(db(), admin2), w.partner.id, { reason: "Admin two" }),
      ]);
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]!.reason).toBeInstanceOf(RuleError);
      expect((lost[0]!.reason as RuleError).message).toBe("This partner is already suspended.");
      expect(await events(w.partner.id, "partner.suspended")).toHaveLength(1);
      expect(await statusMails(w.partner.id)).toHaveLength(1);
    }
  });

  it("loses at the conditional UPDATE when the other change commits after this one read the partner", async () => {
    const w = await world();
    let late: Promise<unknown> | undefined;
    // The other admin's change holds the row lock while ours has read "active" and waits on its UPDATE.
    await db().transaction(async (tx) => {
      await tx
        .update(partners)
        .set({ status: "suspended", statusReason: "Other admin" })
        .where(eq(partners.id, w.partner.id));
      late = suspendPartner(ctxFor(db(), admin2), w.partner.id, { reason: "Late admin" });
      late.catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
    });
    const err = await rejection(late!);
    expect(err).toBeInstanceOf(RuleError);
    expect((err as RuleError).message).toBe("This partner is already suspended.");
    expect(await partnerRow(w.partner.id)).toMatchObject({ status: "suspended", statusReason: "Other admin" });
    expect(await events(w.partner.id)).toEqual([]);
    expect(await statusMails(w.partner.id)).toEqual([]);
  });

  it("reinstates once when two admins reinstate together", async () => {
    const w = await world({ status: "suspended" });
    const results = await Promise.allSettled([
      reinstatePartner(ctxFor(db(), admin), w.partner.id, {}),
      reinstatePartner(ctxFor(db(), admin2), w.partner.id, {}),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await events(w.partner.id, "partner.reinstated")).toHaveLength(1);
  });
});

describe("who may change a partner's status", () => {
  it("refuses channel managers and partner admins", async () => {
    const w = await world();
    for (const who of [channelManager, w.owner]) {
      for (const fn of [suspendPartner, reinstatePartner, terminatePartner]) {
        expect(await rejection(fn(ctxFor(db(), who), w.partner.id, { reason: "x" }))).toBeInstanceOf(ForbiddenError);
      }
    }
    expect((await partnerRow(w.partner.id)).status).toBe("active");
  });

  it("does not find a malformed or unknown partner", async () => {
    for (const id of ["nope", "00000000-0000-4000-8000-000000000000"]) {
      expect(await rejection(suspendPartner(ctxFor(db(), admin), id, { reason: "x" })), id).toBeInstanceOf(
        NotFoundError,
      );
    }
  });
});
