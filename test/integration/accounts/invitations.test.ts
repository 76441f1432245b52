import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditEvents, invitations, mailMessages, users, type Partner } from "~db/schema";
import { acceptInvitation, findUsableInvitation, inviteUser, revokeInvitation } from "~/modules/accounts/invitations.server";
import { signIn } from "~/modules/auth/sign-in.server";
import { INVITATION_TTL_MS } from "~/modules/auth/tokens.server";
import { appUrl } from "~/utils/env.server";
import { ConflictError, NotFoundError, ValidationError } from "~/utils/errors.server";
import { createPartner, createUser, ctxFor, unique, setupTestDb, type TestUser, rejection } from "../../support/factories";

const db = setupTestDb();

let partner: Partner;
let admin: TestUser;
beforeAll(async () => {
  partner = await createPartner(db(), { name: "Polder Relay" });
  admin = await createUser(db(), { role: "partner_admin", partnerId: partner.id });
});

const newEmail = () => `${unique("invitee")}@example.test`;
const acceptForm = (password = "a long enough passphrase") => ({ name: "New Colleague", password, confirmPassword: password });

async function counts() {
  return {
    invitations: await db().$count(invitations),
    mail: await db().$count(mailMessages),
    audit: await db().$count(auditEvents),
    users: await db().$count(users),
  };
}

describe("inviteUser", () => {
  it("stores a hashed token, queues the mail with the accept link once, and audits", async () => {
    const email = newEmail();
    const { id, token } = await inviteUser(ctxFor(db(), admin), { email: email.toUpperCase(), role: "partner_user" });

    const [inv] = await db().select().from(invitations).where(eq(invitations.id, id));
    expect(inv).toMatchObject({ email, role: "partner_user", partnerId: partner.id, invitedBy: admin.id, acceptedAt: null, revokedAt: null });
    expect(inv!.tokenHash).not.toContain(token);
    expect(inv!.expiresAt.getTime() - inv!.createdAt.getTime()).toBe(INVITATION_TTL_MS);

    const mail = await db().select().from(mailMessages).where(eq(mailMessages.dedupeKey, `invitation:${id}`));
    expect(mail).toHaveLength(1);
    const m = mail[0]!;
    expect(m).toMatchObject({ toAddress: email, template: "invitation", status: "queued", partnerId: partner.id });
    const link = `${appUrl()}/invitations/${token}`;
    expect(m.html).toContain(`href="${link}"`);
    expect(m.text).toContain(link);
    expect(m.subject).toContain("Polder Relay");
    expect(m.messageId).toMatch(/^<[^@>]+@[^>]+>$/);

    const [event] = await db().select().from(auditEvents).where(and(eq(auditEvents.action, "invitation.created"), eq(auditEvents.subjectId, id)));
    expect(event).toMatchObject({ actorUserId: admin.id, partnerId: partner.id, after: { email, role: "partner_user" } });
  });

  it("refuses an address that already has an account (any case) with a field error and changes nothing", async () => {
    const existing = await createUser(db(), { role: "partner_user", partnerId: partner.id, email: `${unique("Taken")}@Example.test` });
    const before = await counts();
    const err = await rejection(inviteUser(ctxFor(db(), admin), { email: existing.email.toLowerCase(), role: "partner_user" }));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).status).toBe(400);
    expect((err as ValidationError).fields?.email?.[0]).toMatch(/already has an account/);
    expect(await counts()).toEqual(before);
  });

  it("refuses a role the inviter cannot give", async () => {
    const before = await counts();
    const err = await rejection(inviteUser(ctxFor(db(), admin), { email: newEmail(), role: "vendor_admin" }));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).fields).toHaveProperty("role");
    const user = await createUser(db(), { role: "partner_user", partnerId: partner.id });
    expect(await rejection(inviteUser(ctxFor(db(), user), { email: newEmail(), role: "partner_user" }))).toBeInstanceOf(ValidationError);
    expect(await counts()).toEqual({ ...before, users: before.users + 1 });
  });

  it("refuses a malformed email with a field error", async () => {
    const err = await rejection(inviteUser(ctxFor(db(), admin), { email: "not-an-email", role: "partner_user" }));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).fields).toHaveProperty("email");
  });

  it("replaces an earlier invitation to the same address: the old link stops working", async () => {
    const email = newEmail();
    const first = await inviteUser(ctxFor(db(), admin), { email, role: "partner_user" });
    const second = await inviteUser(ctxFor(db(), admin), { email, role: "partner_admin" });
    expect(await findUsableInvitation(db(), first.token)).toEqual({ ok: false, reason: "revoked" });
    expect(await findUsableInvitation(db(), second.token)).toMatchObject({ ok: true, invitation: { role: "partner_admin" } });
    expect(await rejection(acceptInvitation(db(), first.token, acceptForm()))).toBeInstanceOf(NotFoundError);
  });
});

describe("acceptInvitation", () => {
  it("creates the account in the inviter's partner; the new user can sign in; the token is single-use", async () => {
    const email = newEmail();
    const { id, token } = await inviteUser(ctxFor(db(), admin), { email, role: "partner_user" });
    const password = "gezellig kanaal huis";
    const { userId } = await acceptInvitation(db(), token, acceptForm(password), { ip: "192.0.2.50" });

    const [user] = await db().select().from(users).where(eq(users.id, userId));
    expect(user).toMatchObject({ email, name: "New Colleague", role: "partner_user", partnerId: partner.id, status: "active" });
    expect(user!.passwordHash).toMatch(/^\$argon2id\$/);

    const [inv] = await db().select().from(invitations).where(eq(invitations.id, id));
    expect(inv!.acceptedAt).not.toBeNull();

    const [event] = await db().select().from(auditEvents).where(and(eq(auditEvents.action, "invitation.accepted"), eq(auditEvents.subjectId, userId)));
    expect(event).toMatchObject({ actorUserId: userId, partnerId: partner.id, ip: "192.0.2.50" });

    const signedIn = await signIn(db(), { email, password });
    expect(signedIn).toMatchObject({ ok: true, userId });

    // Second use of the same link.
    const again = await rejection(acceptInvitation(db(), token, { ...acceptForm(), name: "Someone Else" }));
    expect(again).toBeInstanceOf(NotFoundError);
    expect((again as NotFoundError).status).toBe(404);
    expect(await db().$count(users, eq(users.email, email))).toBe(1);
  });

  it("refuses an expired invitation", async () => {
    const now = new Date();
    const { token } = await inviteUser(ctxFor(db(), admin, now), { email: newEmail(), role: "partner_user" });
    const expiry = new Date(now.getTime() + INVITATION_TTL_MS);
    expect(await findUsableInvitation(db(), token, new Date(expiry.getTime() - 1))).toMatchObject({ ok: true });
    const err = await rejection(acceptInvitation(db(), token, acceptForm(), {}, expiry));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(await findUsableInvitation(db(), token, expiry)).toEqual({ ok: false, reason: "expired" });
  });

  it("refuses a revoked invitation and an unknown token", async () => {
    const { id, token } = await inviteUser(ctxFor(db(), admin), { email: newEmail(), role: "partner_user" });
    await revokeInvitation(ctxFor(db(), admin), id);
    expect(await rejection(acceptInvitation(db(), token, acceptForm()))).toBeInstanceOf(NotFoundError);
    expect(await rejection(acceptInvitation(db(), "made-up-token", acceptForm()))).toBeInstanceOf(NotFoundError);
    const [event] = await db().select().from(auditEvents).where(and(eq(auditEvents.action, "invitation.revoked"), eq(auditEvents.subjectId, id)));
    expect(event).toMatchObject({ actorUserId: admin.id, partnerId: partner.id });
  });

  it("applies the password policy with the invitee's email and leaves the token usable", async () => {
    const local = unique("marijke");
    const { token } = await inviteUser(ctxFor(db(), admin), { email: `${local}@example.test`, role: "partner_user" });
    const weak = await rejection(acceptInvitation(db(), token, acceptForm(`${local}-is-my-password`)));
    expect(weak).toBeInstanceOf(ValidationError);
    expect((weak as ValidationError).fields?.password).toContain("Do not use your email address in your password.");
    const mismatch = await rejection(acceptInvitation(db(), token, { name: "X", password: "a good long one", confirmPassword: "another" }));
    expect((mismatch as ValidationError).fields).toHaveProperty("confirmPassword");
    expect(await findUsableInvitation(db(), token)).toMatchObject({ ok: true });
  });

  it("refuses when the address got an account in the meantime, and does not spend the invitation", async () => {
    const email = newEmail();
    const { id, token } = await inviteUser(ctxFor(db(), admin), { email, role: "partner_user" });
    await createUser(db(), { role: "partner_user", partnerId: partner.id, email });
    expect(await rejection(acceptInvitation(db(), token, acceptForm()))).toBeInstanceOf(ConflictError);
    const [inv] = await db().select().from(invitations).where(eq(invitations.id, id));
    expect(inv!.acceptedAt).toBeNull();
  });

  it("lets a vendor admin invite vendor staff, who get no partner", async () => {
    const vendorAdmin = await createUser(db(), { role: "vendor_admin" });
    const email = newEmail();
    const { token } = await inviteUser(ctxFor(db(), vendorAdmin), { email, role: "channel_manager" });
    const { userId } = await acceptInvitation(db(), token, acceptForm());
    const [user] = await db().select().from(users).where(eq(users.id, userId));
    expect(user).toMatchObject({ role: "channel_manager", partnerId: null });
  });
});
