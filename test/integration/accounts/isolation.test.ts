/**
 * The tenancy boundary: a partner admin of partner A can neither see nor
 * change partner B's people, invitations or API keys, even knowing their ids.
 * A foreign id looks exactly like a missing one (404), and nothing of B's changes.
 */
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { apiKeys, auditEvents, invitations, users, type Partner } from "~db/schema";
import { createApiKey, getApiKey, listApiKeys, revokeApiKey } from "~/modules/accounts/api-keys.server";
import { getInvitation, inviteUser, revokeInvitation } from "~/modules/accounts/invitations.server";
import { changeRole, deactivateUser, getUser, listTeam, reactivateUser } from "~/modules/accounts/team.server";
import { listAuditEvents, auditFilterSchema } from "~/modules/audit/queries.server";
import { NotFoundError } from "~/utils/errors.server";
import { createPartner, createUser, ctxFor, unique, setupTestDb, type TestUser, rejection } from "../../support/factories";

const db = setupTestDb();

let partnerA: Partner;
let partnerB: Partner;
let adminA: TestUser;
let adminB: TestUser;
let userB: TestUser;
let vendorAdmin: TestUser;
let invitationB: string;
let apiKeyB: string;

beforeAll(async () => {
  partnerA = await createPartner(db(), { name: "Partner A" });
  partnerB = await createPartner(db(), { name: "Partner B" });
  adminA = await createUser(db(), { role: "partner_admin", partnerId: partnerA.id });
  adminB = await createUser(db(), { role: "partner_admin", partnerId: partnerB.id });
  userB = await createUser(db(), { role: "partner_user", partnerId: partnerB.id });
  vendorAdmin = await createUser(db(), { role: "vendor_admin" });
  invitationB = (await inviteUser(ctxFor(db(), adminB), { email: `${unique("b-invitee")}@example.test`, role: "partner_user" })).id;
  apiKeyB = (await createApiKey(ctxFor(db(), adminB), { name: "B's CRM", scopes: ["deals:read"] })).id;
});

async function expectNotFound(p: Promise<unknown>, what: string) {
  const err = await rejection(p);
  expect(err, what).toBeInstanceOf(NotFoundError);
  expect((err as NotFoundError).status, what).toBe(404);
}

/** Everything of B's that A might try to touch, as stored. */
async function snapshotB() {
  return {
    user: await db().select().from(users).where(eq(users.id, userB.id)),
    invitation: await db().select().from(invitations).where(eq(invitations.id, invitationB)),
    apiKey: await db().select().from(apiKeys).where(eq(apiKeys.id, apiKeyB)),
    audit: await db().$count(auditEvents),
  };
}

describe("partner isolation", () => {
  it("B's rows exist and are visible to B's admin and the vendor (the ids are real)", async () => {
    expect(await getUser(ctxFor(db(), adminB), userB.id)).toMatchObject({ id: userB.id });
    expect(await getInvitation(ctxFor(db(), adminB), invitationB)).toMatchObject({ id: invitationB });
    expect(await getApiKey(ctxFor(db(), adminB), apiKeyB)).toMatchObject({ id: apiKeyB });
    expect(await getUser(ctxFor(db(), vendorAdmin), userB.id)).toMatchObject({ id: userB.id, partnerId: partnerB.id });
  });

  it("A's admin gets 404 for B's user, invitation and API key", async () => {
    const ctx = ctxFor(db(), adminA);
    await expectNotFound(getUser(ctx, userB.id), "getUser");
    await expectNotFound(getInvitation(ctx, invitationB), "getInvitation");
    await expectNotFound(getApiKey(ctx, apiKeyB), "getApiKey");
  });

  it("A's admin cannot revoke, deactivate or re-role B's things, and B's rows stay as they were", async () => {
    const before = await snapshotB();
    const ctx = ctxFor(db(), adminA);
    await expectNotFound(revokeInvitation(ctx, invitationB), "revokeInvitation");
    await expectNotFound(revokeApiKey(ctx, apiKeyB), "revokeApiKey");
    await expectNotFound(deactivateUser(ctx, userB.id), "deactivateUser");
    await expectNotFound(reactivateUser(ctx, userB.id), "reactivateUser");
    await expectNotFound(changeRole(ctx, userB.id, "partner_admin"), "changeRole");
    expect(await snapshotB()).toEqual(before);
    expect(before.invitation[0]!.revokedAt).toBeNull();
    expect(before.apiKey[0]!.revokedAt).toBeNull();
    expect(before.user[0]!).toMatchObject({ status: "active", role: "partner_user" });
  });

  it("A's lists show none of B's people, invitations, keys or audit events", async () => {
    const ctx = ctxFor(db(), adminA);
    const team = await listTeam(ctx);
    expect(team.people.map((p) => p.id)).toEqual([adminA.id]);
    expect(team.pending).toEqual([]);
    expect(await listApiKeys(ctx)).toEqual([]);
    const audit = await listAuditEvents(ctx, auditFilterSchema.parse({ partnerId: partnerB.id }));
    expect(audit.total).toBe(0);
    expect(audit.rows).toEqual([]);
    // B's admin does see B's events (the filter is not simply empty).
    const own = await listAuditEvents(ctxFor(db(), adminB), auditFilterSchema.parse({}));
    expect(own.rows.map((r) => r.action)).toEqual(expect.arrayContaining(["invitation.created", "api_key.created"]));
  });

  it("a vendor admin cannot revoke a partner's invitation or re-role a partner's user from the staff pages", async () => {
    await expectNotFound(revokeInvitation(ctxFor(db(), vendorAdmin), invitationB), "vendor revokeInvitation");
    await expectNotFound(changeRole(ctxFor(db(), vendorAdmin), userB.id, "vendor_admin"), "vendor changeRole");
    const [inv] = await db().select().from(invitations).where(eq(invitations.id, invitationB));
    expect(inv!.revokedAt).toBeNull();
  });

  it("answers 404 (not a database error) for a malformed id", async () => {
    const ctx = ctxFor(db(), adminA);
    for (const id of ["not-a-uuid", "", "1 or 1=1"]) {
      await expectNotFound(getUser(ctx, id), `getUser(${id})`);
      await expectNotFound(getApiKey(ctx, id), `getApiKey(${id})`);
      await expectNotFound(revokeApiKey(ctx, id), `revokeApiKey(${id})`);
      await expectNotFound(getInvitation(ctx, id), `getInvitation(${id})`);
      await expectNotFound(revokeInvitation(ctx, id), `revokeInvitation(${id})`);
      await expectNotFound(deactivateUser(ctx, id), `deactivateUser(${id})`);
      await expectNotFound(changeRole(ctx, id, "partner_user"), `changeRole(${id})`);
    }
  });
});
