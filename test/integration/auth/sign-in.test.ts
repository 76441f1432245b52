import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditEvents, authFailures, sessions, users } from "~db/schema";
import { SIGN_IN_FAILED, signIn } from "~/modules/auth/sign-in.server";
import { FAILURE_WINDOW_MS, MAX_FAILURES } from "~/modules/auth/rate-limit.server";
import { findSessionUser } from "~/modules/auth/sessions.server";
import { RateLimitError } from "~/utils/errors.server";
import { createPartner, createUser, unique, setupTestDb, type TestUser, rejection } from "../../support/factories";

const db = setupTestDb();

let partnerId: string;
beforeAll(async () => {
  partnerId = (await createPartner(db())).id;
});

const partnerUser = () => createUser(db(), { role: "partner_user", partnerId });

describe("signIn", () => {
  it("signs in with the right password, case-insensitively by email, and creates a session", async () => {
    const user = await partnerUser();
    const now = new Date();
    const result = await signIn(db(), { email: `  ${user.email.toUpperCase()} `, password: user.password, ip: "192.0.2.1" }, now);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.userId).toBe(user.id);
    expect(result.expiresAt.getTime()).toBe(now.getTime() + 7 * 24 * 3600_000);

    const [session] = await db().select().from(sessions).where(eq(sessions.userId, user.id));
    expect(session).toBeDefined();
    // Only the hash is stored.
    expect(session!.tokenHash).not.toBe(result.token);
    expect(session!.ip).toBe("192.0.2.1");

    const me = await findSessionUser(db(), result.token, now);
    expect(me).toMatchObject({ id: user.id, email: user.email, role: "partner_user", partnerId });

    const [row] = await db().select({ lastSignInAt: users.lastSignInAt }).from(users).where(eq(users.id, user.id));
    expect(row!.lastSignInAt?.getTime()).toBe(now.getTime());
  });

  it("gives the same answer for an unknown email and a wrong password, and creates no session", async () => {
    const user = await partnerUser();
    const unknown = await signIn(db(), { email: `${unique("nobody")}@example.test`, password: user.password });
    const wrong = await signIn(db(), { email: user.email, password: "not the password at all" });
    expect(unknown).toEqual({ ok: false, message: SIGN_IN_FAILED });
    expect(wrong).toEqual(unknown);
    expect(await db().$count(sessions, eq(sessions.userId, user.id))).toBe(0);
  });

  it("refuses a deactivated user with the same message, even with the right password", async () => {
    const user = await createUser(db(), { role: "partner_user", partnerId, status: "deactivated" });
    expect(await signIn(db(), { email: user.email, password: user.password })).toEqual({ ok: false, message: SIGN_IN_FAILED });
    expect(await db().$count(sessions, eq(sessions.userId, user.id))).toBe(0);
  });

  it("refuses the people of a suspended partner", async () => {
    const suspended = await createPartner(db(), { status: "suspended" });
    const user = await createUser(db(), { role: "partner_admin", partnerId: suspended.id });
    expect(await signIn(db(), { email: user.email, password: user.password })).toEqual({ ok: false, message: SIGN_IN_FAILED });
  });

  it("signs in vendor staff (no partner)", async () => {
    const admin = await createUser(db(), { role: "vendor_admin" });
    const result = await signIn(db(), { email: admin.email, password: admin.password });
    expect(result.ok).toBe(true);
  });

  it("records an auth.sign_in audit event with the actor and address", async () => {
    const user = await partnerUser();
    const result = await signIn(db(), { email: user.email, password: user.password, ip: "203.0.113.9" });
    expect(result.ok).toBe(true);
    const events = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "auth.sign_in"), eq(auditEvents.subjectId, user.id)));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actorUserId: user.id,
      actorLabel: user.email,
      subjectType: "user",
      partnerId,
      ip: "203.0.113.9",
    });
  });

  it("does not audit a failed sign-in as a sign-in", async () => {
    const user = await partnerUser();
    await signIn(db(), { email: user.email, password: "wrong wrong wrong" });
    expect(await db().$count(auditEvents, and(eq(auditEvents.action, "auth.sign_in"), eq(auditEvents.subjectId, user.id)))).toBe(0);
  });
});

describe("sign-in rate limit", () => {
  async function fail(user: Pick<TestUser, "email">, times: number, at: Date, ip?: string) {
    for (let i = 0; i < times; i++) {
      const r = await signIn(db(), { email: user.email, password: `wrong password ${i}`, ip }, at);
      expect(r.ok).toBe(false);
    }
  }

  it(`refuses an account after ${MAX_FAILURES} failures in 15 minutes, even with the right password`, async () => {
    expect(MAX_FAILURES).toBe(10);
    const user = await partnerUser();
    const t0 = new Date(Date.now() - 60_000);
    await fail(user, MAX_FAILURES - 1, t0);
    // Nine failures: the right password still works (and clears the account's count).
    const ninth = await signIn(db(), { email: user.email, password: user.password }, t0);
    expect(ninth.ok).toBe(true);

    await fail(user, MAX_FAILURES, t0);
    const err = await rejection(signIn(db(), { email: user.email, password: user.password }, new Date(t0.getTime() + 1000)));
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).status).toBe(429);
    expect((err as RateLimitError).retryAfterSeconds).toBe(FAILURE_WINDOW_MS / 1000);

    // Counted per account regardless of the email's case.
    const upper = await rejection(signIn(db(), { email: user.email.toUpperCase(), password: user.password }, t0));
    expect(upper).toBeInstanceOf(RateLimitError);
    expect(await db().$count(sessions, eq(sessions.userId, user.id))).toBe(1); // only the one from before
  });

  it("lets the account in again once the failures are older than the window", async () => {
    const user = await partnerUser();
    const t0 = new Date(Date.now() - 3600_000);
    await fail(user, MAX_FAILURES, t0);
    const stillInside = new Date(t0.getTime() + FAILURE_WINDOW_MS - 1);
    expect(await rejection(signIn(db(), { email: user.email, password: user.password }, stillInside))).toBeInstanceOf(RateLimitError);
    const justOutside = new Date(t0.getTime() + FAILURE_WINDOW_MS);
    expect((await signIn(db(), { email: user.email, password: user.password }, justOutside)).ok).toBe(true);
  });

  it("limits an unknown email too, so probing costs the same", async () => {
    const ghost = { email: `${unique("ghost")}@example.test` };
    const t0 = new Date();
    await fail(ghost, MAX_FAILURES, t0);
    expect(await rejection(signIn(db(), { email: ghost.email, password: "anything at all" }, t0))).toBeInstanceOf(RateLimitError);
  });

  it("limits a client address that fails across many accounts", async () => {
    const ip = "198.51.100.200";
    const t0 = new Date();
    for (let i = 0; i < MAX_FAILURES; i++) {
      const r = await signIn(db(), { email: `${unique("spray")}@example.test`, password: "Summer2025!!", ip }, t0);
      expect(r.ok).toBe(false);
    }
    const victim = await partnerUser();
    const fromSameIp = await rejection(signIn(db(), { email: victim.email, password: victim.password, ip }, t0));
    expect(fromSameIp).toBeInstanceOf(RateLimitError);
    expect((fromSameIp as RateLimitError).status).toBe(429);
    // The account itself is not locked: from another address it works.
    const elsewhere = await signIn(db(), { email: victim.email, password: victim.password, ip: "198.51.100.201" }, t0);
    expect(elsewhere.ok).toBe(true);
  });

  it("records each failure under the account and the address", async () => {
    const user = await partnerUser();
    await signIn(db(), { email: user.email, password: "wrong wrong wrong", ip: "192.0.2.77" });
    expect(await db().$count(authFailures, eq(authFailures.key, `signin:acct:${user.email.toLowerCase()}`))).toBe(1);
    expect(await db().$count(authFailures, eq(authFailures.key, "signin:ip:192.0.2.77"))).toBe(1);
  });
});
