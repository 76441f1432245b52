import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditEvents, sessions, users } from "~db/schema";
import { changeRole, deactivateUser, getUser, listTeam, reactivateUser } from "~/modules/accounts/team.server";
import { inviteUser } from "~/modules/accounts/invitations.server";
import { findSessionUser } from "~/modules/auth/sessions.server";
import { SIGN_IN_FAILED, signIn } from "~/modules/auth/sign-in.server";
import { RuleError, ValidationError } from "~/utils/errors.server";
import { createPartner, createUser, ctxFor, unique, setupTestDb, type TestUser, rejection } from "../../support/factories";

const db = setupTestDb();

let partnerId: string;
let admin: TestUser;
beforeAll(async () => {
  partnerId = (await createPartner(db())).id;
  admin = await createUser(db(), { role: "partner_admin", partnerId });
});

async function signedIn(user: TestUser): Promise<string> {
  const r = await signIn(db(), { email: user.email, password: user.password });
  if (!r.ok) throw new Error(r.message);
  return r.token;
}

describe("deactivateUser", () => {
  it("ends the person's sessions at once, blocks sign-in and audits; reactivation lets them back", async () => {
    const user = await createUser(db(), { role: "partner_user", partnerId });
    const a = await signedIn(user);
    const b = await signedIn(user);
    const now = new Date();
    expect(await findSessionUser(db(), a, now)).not.toBeNull();

    await deactivateUser(ctxFor(db(), admin), user.id);

    expect(await db().$count(sessions, eq(sessions.userId, user.id))).toBe(0);
    expect(await findSessionUser(db(), a, now)).toBeNull();
    expect(await findSessionUser(db(), b, now)).toBeNull();
    expect(await signIn(db(), { email: user.email, password: user.password })).toEqual({ ok: false, message: SIGN_IN_FAILED });

    const [event] = await db().select().from(auditEvents).where(and(eq(auditEvents.action, "user.deactivated"), eq(auditEvents.subjectId, user.id)));
    expect(event).toMatchObject({ actorUserId: admin.id, partnerId, before: { status: "active" }, after: { status: "deactivated" } });

    await reactivateUser(ctxFor(db(), admin), user.id);
    expect((await signIn(db(), { email: user.email, password: user.password })).ok).toBe(true);
    expect(await db().$count(auditEvents, and(eq(auditEvents.action, "user.reactivated"), eq(auditEvents.subjectId, user.id)))).toBe(1);
  });

  it("does not let an admin deactivate their own account", async () => {
    const err = await rejection(deactivateUser(ctxFor(db(), admin), admin.id));
    expect(err).toBeInstanceOf(RuleError);
    expect((err as RuleError).status).toBe(422);
    const [row] = await db().select({ status: users.status }).from(users).where(eq(users.id, admin.id));
    expect(row!.status).toBe("active");
  });

  it("does nothing (and audits nothing) when the status is already as asked", async () => {
    const user = await createUser(db(), { role: "partner_user", partnerId, status: "deactivated" });
    await deactivateUser(ctxFor(db(), admin), user.id);
    expect(await db().$count(auditEvents, eq(auditEvents.subjectId, user.id))).toBe(0);
  });
});

describe("changeRole", () => {
  it("changes a partner user's role and audits before and after", async () => {
    const user = await createUser(db(), { role: "partner_user", partnerId });
    await changeRole(ctxFor(db(), admin), user.id, "partner_admin");
    expect(await getUser(ctxFor(db(), admin), user.id)).toMatchObject({ role: "partner_admin" });
    const events = await db().select().from(auditEvents).where(and(eq(auditEvents.action, "user.role_changed"), eq(auditEvents.subjectId, user.id)));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actorUserId: admin.id,
      actorLabel: admin.email,
      partnerId,
      before: { role: "partner_user" },
      after: { role: "partner_admin" },
    });
  });

  it("refuses a role outside the actor's organisation and changing one's own role", async () => {
    const user = await createUser(db(), { role: "partner_user", partnerId });
    for (const role of ["vendor_admin", "channel_manager", "superuser", undefined]) {
      const err = await rejection(changeRole(ctxFor(db(), admin), user.id, role));
      expect(err, String(role)).toBeInstanceOf(ValidationError);
    }
    expect(await rejection(changeRole(ctxFor(db(), admin), admin.id, "partner_user"))).toBeInstanceOf(RuleError);
    expect(await getUser(ctxFor(db(), admin), user.id)).toMatchObject({ role: "partner_user" });
    expect(await db().$count(auditEvents, and(eq(auditEvents.action, "user.role_changed"), eq(auditEvents.subjectId, user.id)))).toBe(0);
  });

  it("does not let a partner user change anyone's role", async () => {
    const user = await createUser(db(), { role: "partner_user", partnerId });
    const colleague = await createUser(db(), { role: "partner_user", partnerId });
    expect(await rejection(changeRole(ctxFor(db(), user), colleague.id, "partner_admin"))).toBeInstanceOf(ValidationError);
  });
});

describe("listTeam", () => {
  it("lists the partner's people and pending invitations only", async () => {
    const partner = await createPartner(db());
    const boss = await createUser(db(), { role: "partner_admin", partnerId: partner.id });
    const staff = await createUser(db(), { role: "partner_user", partnerId: partner.id });
    await createUser(db(), { role: "vendor_admin" });
    const email = `${unique("pending")}@example.test`;
    await inviteUser(ctxFor(db(), boss), { email, role: "partner_user" });

    const team = await listTeam(ctxFor(db(), boss));
    expect(team.people.map((p) => p.id).sort()).toEqual([boss.id, staff.id].sort());
    expect(team.pending.map((p) => p.email)).toEqual([email]);
    expect(JSON.stringify(team)).not.toContain("passwordHash");
  });

  it("shows vendor staff only the vendor's own people", async () => {
    const vendorAdmin = await createUser(db(), { role: "vendor_admin" });
    const team = await listTeam(ctxFor(db(), vendorAdmin));
    expect(team.people.length).toBeGreaterThan(0);
    expect(team.people.every((p) => p.role === "vendor_admin" || p.role === "channel_manager")).toBe(true);
  });
});
