import type { Role } from "~/utils/permissions";
import { partnerScope, vendorScope, type Scope } from "~/modules/partners/scope.server";
import type { Db } from "~db/client";

/** Who is acting: a signed-in user or an API key. Domain functions take it in their context. */
export interface Actor {
  userId: string | null;
  label: string;
  role: Role;
  partnerId: string | null;
  apiKeyId?: string;
  ip?: string | null;
}

export interface Ctx {
  db: Db;
  actor: Actor;
  now?: Date;
}

export function scopeOf(actor: Actor): Scope {
  return actor.partnerId ? partnerScope(actor.partnerId) : vendorScope;
}

export function nowOf(ctx: { now?: Date }): Date {
  return ctx.now ?? new Date();
}
