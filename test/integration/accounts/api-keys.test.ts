import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { apiKeys, auditEvents, partners } from "~db/schema";
import { authenticateApiKey, createApiKey, getApiKey, listApiKeys, revokeApiKey } from "~/modules/accounts/api-keys.server";
import { hashToken } from "~/modules/auth/tokens.server";
import { NotFoundError, UnauthorizedError, ValidationError } from "~/utils/errors.server";
import { createPartner, createUser, ctxFor, setupTestDb, type TestUser, rejection } from "../../support/factories";

const db = setupTestDb();

let partnerId: string;
let admin: TestUser;
beforeAll(async () => {
  partnerId = (await createPartner(db())).id;
  admin = await createUser(db(), { role: "partner_admin", partnerId });
});

async function expect401(authorization: string | null) {
  const err = await rejection(authenticateApiKey(db(), authorization));
  expect(err, String(authorization)).toBeInstanceOf(UnauthorizedError);
  expect((err as UnauthorizedError).status).toBe(401);
}

describe("createApiKey", () => {
  it("returns the key once and stores only its hash", async () => {
    const { id, key, prefix } = await createApiKey(ctxFor(db(), admin), { name: "CRM sync", scopes: ["deals:read", "deals:write", "deals:read"] });
    expect(key).toMatch(new RegExp(`^cpk_${prefix.replace(/[-]/g, "\\-")}_[A-Za-z0-9_-]{43}$`));
    expect(prefix).toHaveLength(8);

    const [row] = await db().select().from(apiKeys).where(eq(apiKeys.id, id));
    expect(row).toMatchObject({ partnerId, name: "CRM sync", prefix, createdBy: admin.id, revokedAt: null });
    expect(row!.keyHash).toBe(hashToken(key));
    expect(row!.scopes.sort()).toEqual(["deals:read", "deals:write"]);
    const secret = key.slice(`cpk_${prefix}_`.length);
    expect(JSON.stringify(row)).not.toContain(secret);

    // Lists and details never carry the key or its hash.
    const listed = (await listApiKeys(ctxFor(db(), admin))).find((k) => k.id === id);
    expect(listed).toBeDefined();
    expect(JSON.stringify(listed)).not.toContain(secret);
    expect(listed).not.toHaveProperty("keyHash");
    expect(await getApiKey(ctxFor(db(), admin), id)).not.toHaveProperty("keyHash");

    const [event] = await db().select().from(auditEvents).where(and(eq(auditEvents.action, "api_key.created"), eq(auditEvents.subjectId, id)));
    expect(event).toMatchObject({ actorUserId: admin.id, partnerId, after: { name: "CRM sync", prefix } });
    expect(JSON.stringify(event)).not.toContain(secret);
  });

  it("refuses a key without a name or scopes, or with an unknown scope", async () => {
    for (const bad of [{ name: "", scopes: ["me:read"] }, { name: "x", scopes: [] }, { name: "x", scopes: ["admin:everything"] }]) {
      expect(await rejection(createApiKey(ctxFor(db(), admin), bad)), JSON.stringify(bad)).toBeInstanceOf(ValidationError);
    }
  });
});

describe("authenticateApiKey", () => {
  it("resolves a valid key to its partner, scopes and an actor, and notes its use", async () => {
    const { id, key, prefix } = await createApiKey(ctxFor(db(), admin), { name: "ok", scopes: ["leads:read"] });
    const now = new Date();
    const principal = await authenticateApiKey(db(), `Bearer ${key}`, now);
    expect(principal.actor).toEqual({
      userId: null,
      label: `api-key:${prefix}`,
      role: "partner_user",
      partnerId,
      apiKeyId: id,
    });
    expect(principal.scopes).toEqual(["leads:read"]);
    expect(principal.partner?.id).toBe(partnerId);
    const [row] = await db().select({ lastUsedAt: apiKeys.lastUsedAt }).from(apiKeys).where(eq(apiKeys.id, id));
    expect(row!.lastUsedAt?.getTime()).toBe(now.getTime());
  });

  it("answers 401 for a missing, malformed or unknown key", async () => {
    const { key } = await createApiKey(ctxFor(db(), admin), { name: "shape", scopes: ["me:read"] });
    await expect401(null);
    await expect401("");
    await expect401(key); // no "Bearer"
    await expect401(`Basic ${key}`);
    await expect401("Bearer not-a-portal-key");
    await expect401(`Bearer ${key}x`);
    await expect401(`Bearer ${key.slice(0, -1)}`);
    await expect401("Bearer cpk_abcdefgh_unknownunknownunknownunknownunknown123");
  });

  it("answers 401 once the key is revoked; revoking audits and cannot be repeated", async () => {
    const { id, key, prefix } = await createApiKey(ctxFor(db(), admin), { name: "to revoke", scopes: ["me:read"] });
    await authenticateApiKey(db(), `Bearer ${key}`);
    await revokeApiKey(ctxFor(db(), admin), id);
    await expect401(`Bearer ${key}`);

    const events = await db().select().from(auditEvents).where(and(eq(auditEvents.action, "api_key.revoked"), eq(auditEvents.subjectId, id)));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorUserId: admin.id, partnerId, before: { name: "to revoke", prefix } });

    expect(await rejection(revokeApiKey(ctxFor(db(), admin), id))).toBeInstanceOf(NotFoundError);
    expect(await db().$count(auditEvents, and(eq(auditEvents.action, "api_key.revoked"), eq(auditEvents.subjectId, id)))).toBe(1);
  });

  it("answers 401 for the key of a suspended partner", async () => {
    const other = await createPartner(db());
    const otherAdmin = await createUser(db(), { role: "partner_admin", partnerId: other.id });
    const { key } = await createApiKey(ctxFor(db(), otherAdmin), { name: "soon suspended", scopes: ["me:read"] });
    await authenticateApiKey(db(), `Bearer ${key}`);
    await db().update(partners).set({ status: "suspended" }).where(eq(partners.id, other.id));
    await expect401(`Bearer ${key}`);
  });
});
