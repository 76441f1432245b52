import { randomBytes } from "node:crypto";
import { and, desc, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~db/client";
import { apiKeys, partners } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import { scopeOf, nowOf, type Actor, type Ctx } from "~/modules/auth/actor";
import { hashToken } from "~/modules/auth/tokens.server";
import { scopeWhere } from "~/modules/partners/scope.server";
import { NotFoundError, UnauthorizedError, ValidationError } from "~/utils/errors.server";
import { createApiKeySchema } from "./schemas";

/** Keys look like `cpk_<8-char prefix>_<secret>`; only the hash is stored, the prefix identifies it in lists. */
export async function createApiKey(ctx: Ctx, raw: unknown): Promise<{ id: string; key: string; prefix: string }> {
  const parsed = createApiKeySchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(parsed.error.flatten().fieldErrors as Record<string, string[]>);
  const prefix = randomBytes(6).toString("base64url").slice(0, 8);
  const key = `cpk_${prefix}_${randomBytes(32).toString("base64url")}`;
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(apiKeys)
      .values({
        partnerId: ctx.actor.partnerId,
        name: parsed.data.name,
        prefix,
        keyHash: hashToken(key),
        scopes: [...new Set(parsed.data.scopes)],
        createdBy: ctx.actor.userId,
        createdAt: nowOf(ctx),
      })
      .returning({ id: apiKeys.id });
    await recordAudit(tx, ctx.actor, {
      action: "api_key.created",
      subjectType: "api_key",
      subjectId: row!.id,
      partnerId: ctx.actor.partnerId,
      after: { name: parsed.data.name, prefix, scopes: parsed.data.scopes },
    });
    return { id: row!.id, key, prefix };
  });
}

export async function listApiKeys(ctx: Ctx) {
  return ctx.db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      prefix: apiKeys.prefix,
      scopes: apiKeys.scopes,
      createdAt: apiKeys.createdAt,
      lastUsedAt: apiKeys.lastUsedAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .where(scopeWhere(scopeOf(ctx.actor), apiKeys, ctx.actor.partnerId ? undefined : isNull(apiKeys.partnerId)))
    .orderBy(desc(apiKeys.createdAt));
}

export async function getApiKey(ctx: Ctx, id: string) {
  if (!z.string().uuid().safeParse(id).success) throw new NotFoundError("API key not found.");
  const [row] = await ctx.db
    .select({ id: apiKeys.id, name: apiKeys.name, prefix: apiKeys.prefix, revokedAt: apiKeys.revokedAt })
    .from(apiKeys)
    .where(scopeWhere(scopeOf(ctx.actor), apiKeys, eq(apiKeys.id, id)));
  if (!row) throw new NotFoundError("API key not found.");
  return row;
}

export async function revokeApiKey(ctx: Ctx, id: string): Promise<void> {
  if (!z.string().uuid().safeParse(id).success) throw new NotFoundError("API key not found.");
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(apiKeys)
      .set({ revokedAt: nowOf(ctx) })
      .where(scopeWhere(scopeOf(ctx.actor), apiKeys, eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
      .returning({ id: apiKeys.id, name: apiKeys.name, prefix: apiKeys.prefix, partnerId: apiKeys.partnerId });
    if (!row) throw new NotFoundError("API key not found.");
    await recordAudit(tx, ctx.actor, {
      action: "api_key.revoked",
      subjectType: "api_key",
      subjectId: row.id,
      partnerId: row.partnerId,
      before: { name: row.name, prefix: row.prefix },
    });
  });
}

export interface ApiPrincipal {
  actor: Actor;
  scopes: string[];
  partner: { id: string; name: string; slug: string } | null;
}

/** Resolves `Authorization: Bearer <key>`; a missing, unknown or revoked key is 401. */
export async function authenticateApiKey(db: Db, authorization: string | null, now = new Date()): Promise<ApiPrincipal> {
  const match = /^Bearer\s+(cpk_[A-Za-z0-9_-]+)\s*$/.exec(authorization ?? "");
  if (!match) throw new UnauthorizedError("Send an API key as 'Authorization: Bearer <key>'.");
  const [row] = await db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      prefix: apiKeys.prefix,
      scopes: apiKeys.scopes,
      partnerId: apiKeys.partnerId,
      lastUsedAt: apiKeys.lastUsedAt,
      partnerName: partners.name,
      partnerSlug: partners.slug,
      partnerStatus: partners.status,
    })
    .from(apiKeys)
    .leftJoin(partners, eq(partners.id, apiKeys.partnerId))
    .where(and(eq(apiKeys.keyHash, hashToken(match[1]!)), isNull(apiKeys.revokedAt)));
  if (!row || row.partnerStatus === "suspended" || row.partnerStatus === "terminated") {
    throw new UnauthorizedError("This API key is not valid.");
  }
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
    await db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, row.id));
  }
  return {
    actor: {
      userId: null,
      label: `api-key:${row.prefix}`,
      role: row.partnerId ? "partner_user" : "channel_manager",
      partnerId: row.partnerId,
      apiKeyId: row.id,
    },
    scopes: row.scopes,
    partner: row.partnerId ? { id: row.partnerId, name: row.partnerName!, slug: row.partnerSlug! } : null,
  };
}
