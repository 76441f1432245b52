import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { partners, sessions, users } from "~db/schema";
import { signIn } from "~/modules/auth/sign-in.server";
import {
  SESSION_ABSOLUTE_MS,
  SESSION_IDLE_MS,
  createSession,
  destroySession,
  findSessionUser,
  pruneSessions,
} from "~/modules/auth/sessions.server";
import { HOUR, DAY } from "~/modules/auth/tokens.server";
import { createPartner, createUser, setupTestDb, type TestUser } from "../../support/factories";

const db = setupTestDb();

let partnerId: string;
beforeAll(async () => {
  partnerId = (await createPartner(db())).id;
});

async function signedIn(user: TestUser, now: Date, previousToken?: string): Promise<string> {
  const r = await signIn(db(), { email: user.email, password: user.password, previousToken }, now);
  if (!r.ok) throw new Error(`sign-in failed: ${r.message}`);
  return r.token;
}

describe("sessions", () => {
  it("rotates the session on sign-in: the previous token stops working", async () => {
    const user = await createUser(db(), { role: "partner_user", partnerId });
    const now = new Date();
    const first = await signedIn(user, now);
    const second = await signedIn(user, now, first);
    expect(second).not.toBe(first);
    expect(await findSessionUser(db(), first, now)).toBeNull();
    expect(await findSessionUser(db(), second, now)).toMatchObject({ id: user.id });
    expect(await db().$count(sessions, eq(sessions.userId, user.id))).toBe(1);
  });

  it("does not touch other sessions of the same user when rotating", async () => {
    const user = await createUser(db(), { role: "partner_user", partnerId });
    const now = new Date();
    const laptop = await signedIn(user, now);
    const phone = await signedIn(user, now);
    await signedIn(user, now, laptop);
    expect(await findSessionUser(db(), phone, now)).toMatchObject({ id: user.id });
  });

  it("ends a session with destroySession", async () => {
    const user = await createUser(db(), { role: "partner_admin", partnerId });
    const now = new Date();
    const token = await signedIn(user, now);
    expect(await findSessionUser(db(), token, now)).not.toBeNull();
    await destroySession(db(), token);
    expect(await findSessionUser(db(), token, now)).toBeNull();
    expect(await db().$count(sessions, eq(sessions.userId, user.id))).toBe(0);
  });

  it("returns null for an unknown token", async () => {
    expect(await findSessionUser(db(), "no-such-token", new Date())).toBeNull();
  });

  it(`expires after ${SESSION_IDLE_MS / HOUR} idle hours`, async () => {
    expect(SESSION_IDLE_MS).toBe(8 * HOUR);
    const user = await createUser(db(), { role: "partner_user", partnerId });
    const t0 = new Date("2025-06-02T08:00:00.000Z");
    const { token } = await createSession(db(), user.id, {}, t0);
    // Exactly 8 hours idle is still fine (and refreshes last-seen)...
    expect(await findSessionUser(db(), token, new Date(t0.getTime() + SESSION_IDLE_MS))).not.toBeNull();
    // ...so the idle clock restarts from there.
    const t1 = new Date(t0.getTime() + SESSION_IDLE_MS);
    expect(await findSessionUser(db(), token, new Date(t1.getTime() + SESSION_IDLE_MS - 1000))).not.toBeNull();

    const other = await createSession(db(), user.id, {}, t0);
    expect(await findSessionUser(db(), other.token, new Date(t0.getTime() + SESSION_IDLE_MS + 1))).toBeNull();
    // An idle session is deleted, not only refused.
    expect(await findSessionUser(db(), other.token, new Date(t0.getTime() + 1000))).toBeNull();
  });

  it(`ends after ${SESSION_ABSOLUTE_MS / DAY} days however active it is`, async () => {
    expect(SESSION_ABSOLUTE_MS).toBe(7 * DAY);
    const user = await createUser(db(), { role: "partner_user", partnerId });
    const t0 = new Date("2025-06-02T08:00:00.000Z");
    const { token, expiresAt } = await createSession(db(), user.id, {}, t0);
    expect(expiresAt.getTime()).toBe(t0.getTime() + SESSION_ABSOLUTE_MS);
    // Used every 4 hours for a week: never idle.
    let t = t0.getTime();
    while (t + 4 * HOUR < expiresAt.getTime()) {
      t += 4 * HOUR;
      expect(await findSessionUser(db(), token, new Date(t)), new Date(t).toISOString()).not.toBeNull();
    }
    expect(await findSessionUser(db(), token, expiresAt)).toBeNull();
    expect(await db().$count(sessions, eq(sessions.userId, user.id))).toBe(0);
  });

  it("ends the sessions of a deactivated user and of a suspended partner's people", async () => {
    const partner = await createPartner(db());
    const user = await createUser(db(), { role: "partner_user", partnerId: partner.id });
    const colleague = await createUser(db(), { role: "partner_user", partnerId: partner.id });
    const now = new Date();
    const token = await signedIn(user, now);
    const colleagueToken = await signedIn(colleague, now);

    await db().update(users).set({ status: "deactivated" }).where(eq(users.id, user.id));
    expect(await findSessionUser(db(), token, now)).toBeNull();

    expect(await findSessionUser(db(), colleagueToken, now)).not.toBeNull();
    await db().update(partners).set({ status: "suspended" }).where(eq(partners.id, partner.id));
    expect(await findSessionUser(db(), colleagueToken, now)).toBeNull();
  });

  it("prunes expired and idle sessions and keeps live ones", async () => {
    const user = await createUser(db(), { role: "partner_user", partnerId });
    const now = new Date("2025-07-01T12:00:00.000Z");
    await createSession(db(), user.id, {}, new Date(now.getTime() - SESSION_IDLE_MS - 1000));
    await createSession(db(), user.id, {}, new Date(now.getTime() - SESSION_ABSOLUTE_MS - 1000));
    const live = await createSession(db(), user.id, {}, new Date(now.getTime() - HOUR));
    await pruneSessions(db(), now);
    const left = await db().select({ expiresAt: sessions.expiresAt }).from(sessions).where(eq(sessions.userId, user.id));
    expect(left).toEqual([{ expiresAt: live.expiresAt }]);
  });
});
