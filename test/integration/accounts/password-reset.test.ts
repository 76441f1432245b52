import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditEvents, mailMessages, passwordResets, sessions } from "~db/schema";
import { findUsableReset, requestPasswordReset, resetPassword } from "~/modules/accounts/password-reset.server";
import { findSessionUser } from "~/modules/auth/sessions.server";
import { signIn } from "~/modules/auth/sign-in.server";
import { PASSWORD_RESET_TTL_MS } from "~/modules/auth/tokens.server";
import { appUrl } from "~/utils/env.server";
import { NotFoundError, ValidationError } from "~/utils/errors.server";
import { createPartner, createUser, unique, setupTestDb, type TestUser, rejection } from "../../support/factories";

const db = setupTestDb();

let partnerId: string;
beforeAll(async () => {
  partnerId = (await createPartner(db())).id;
});

/** The token from the reset mail queued for `user`: what the person would click. */
async function resetTokenFromMail(user: TestUser): Promise<string> {
  const mails = await db()
    .select()
    .from(mailMessages)
    .where(and(eq(mailMessages.userId, user.id), eq(mailMessages.template, "password-reset")));
  expect(mails).toHaveLength(1);
  const mail = mails[0]!;
  expect(mail.toAddress).toBe(user.email);
  const match = new RegExp(`${appUrl().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/reset-password/([A-Za-z0-9_-]+)`).exec(mail.text!);
  expect(match, mail.text!).not.toBeNull();
  expect(mail.html).toContain(match![0]);
  return match![1]!;
}

async function sessionOf(user: TestUser): Promise<string> {
  const r = await signIn(db(), { email: user.email, password: user.password });
  if (!r.ok) throw new Error(r.message);
  return r.token;
}

const newPassword = (password: string) => ({ password, confirmPassword: password });

describe("requestPasswordReset", () => {
  it("answers the same for an unknown address and queues nothing", async () => {
    const mailBefore = await db().$count(mailMessages);
    const resetsBefore = await db().$count(passwordResets);
    const unknown = await requestPasswordReset(db(), { email: `${unique("nobody")}@example.test` });
    const user = await createUser(db(), { role: "partner_user", partnerId });
    const known = await requestPasswordReset(db(), { email: user.email });
    expect(unknown).toBeUndefined();
    expect(known).toEqual(unknown);
    // Only the known address got a mail and a reset row.
    expect(await db().$count(mailMessages)).toBe(mailBefore + 1);
    expect(await db().$count(passwordResets)).toBe(resetsBefore + 1);
    await resetTokenFromMail(user);
  });

  it("queues nothing for a deactivated account", async () => {
    const user = await createUser(db(), { role: "partner_user", partnerId, status: "deactivated" });
    await requestPasswordReset(db(), { email: user.email });
    expect(await db().$count(mailMessages, eq(mailMessages.userId, user.id))).toBe(0);
  });

  it("stores only a hash of the token, valid for an hour", async () => {
    const user = await createUser(db(), { role: "partner_user", partnerId });
    const now = new Date();
    await requestPasswordReset(db(), { email: user.email.toUpperCase() }, {}, now);
    const token = await resetTokenFromMail(user);
    const [row] = await db().select().from(passwordResets).where(eq(passwordResets.userId, user.id));
    expect(row!.tokenHash).not.toContain(token);
    expect(row!.expiresAt.getTime()).toBe(now.getTime() + PASSWORD_RESET_TTL_MS);
  });

  it("sends at most three reset mails per account in the window, silently", async () => {
    const user = await createUser(db(), { role: "partner_user", partnerId });
    const now = new Date();
    for (let i = 0; i < 5; i++) expect(await requestPasswordReset(db(), { email: user.email }, {}, now)).toBeUndefined();
    expect(await db().$count(mailMessages, eq(mailMessages.userId, user.id))).toBe(3);
  });
});

describe("resetPassword", () => {
  it("sets the new password once, ends every session, queues the password-changed mail and audits", async () => {
    const user = await createUser(db(), { role: "partner_admin", partnerId });
    const laptop = await sessionOf(user);
    await sessionOf(user);
    expect(await db().$count(sessions, eq(sessions.userId, user.id))).toBe(2);

    await requestPasswordReset(db(), { email: user.email });
    const token = await resetTokenFromMail(user);
    const fresh = "a brand new passphrase";
    expect(await resetPassword(db(), token, newPassword(fresh), { ip: "192.0.2.3" })).toEqual({ userId: user.id });

    expect(await db().$count(sessions, eq(sessions.userId, user.id))).toBe(0);
    expect(await findSessionUser(db(), laptop, new Date())).toBeNull();
    expect(await signIn(db(), { email: user.email, password: user.password })).toMatchObject({ ok: false });
    expect(await signIn(db(), { email: user.email, password: fresh })).toMatchObject({ ok: true });

    const changed = await db()
      .select()
      .from(mailMessages)
      .where(and(eq(mailMessages.userId, user.id), eq(mailMessages.template, "password-changed")));
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({ toAddress: user.email, status: "queued" });
    expect(changed[0]!.dedupeKey).toMatch(/^password-changed:/);

    const [event] = await db().select().from(auditEvents).where(and(eq(auditEvents.action, "auth.password_reset"), eq(auditEvents.subjectId, user.id)));
    expect(event).toMatchObject({ actorUserId: user.id, ip: "192.0.2.3" });

    // The link works once.
    const again = await rejection(resetPassword(db(), token, newPassword("yet another passphrase")));
    expect(again).toBeInstanceOf(NotFoundError);
    expect(await signIn(db(), { email: user.email, password: fresh })).toMatchObject({ ok: true });
    expect(await db().$count(sessions, eq(sessions.userId, user.id))).toBe(2); // the two sign-ins above
  });

  it("refuses an expired link", async () => {
    const user = await createUser(db(), { role: "partner_user", partnerId });
    const now = new Date();
    await requestPasswordReset(db(), { email: user.email }, {}, now);
    const token = await resetTokenFromMail(user);
    const expiry = new Date(now.getTime() + PASSWORD_RESET_TTL_MS);
    expect(await findUsableReset(db(), token, new Date(expiry.getTime() - 1))).not.toBeNull();
    expect(await rejection(resetPassword(db(), token, newPassword("a brand new passphrase"), {}, expiry))).toBeInstanceOf(NotFoundError);
    expect(await signIn(db(), { email: user.email, password: user.password })).toMatchObject({ ok: true });
  });

  it("refuses a weak password without spending the link", async () => {
    const user = await createUser(db(), { role: "partner_user", partnerId });
    await requestPasswordReset(db(), { email: user.email });
    const token = await resetTokenFromMail(user);
    const err = await rejection(resetPassword(db(), token, newPassword("short")));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).fields).toHaveProperty("password");
    expect(await findUsableReset(db(), token)).not.toBeNull();
  });

  it("refuses an unknown token", async () => {
    expect(await rejection(resetPassword(db(), "nope", newPassword("a brand new passphrase")))).toBeInstanceOf(NotFoundError);
  });
});
