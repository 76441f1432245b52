import { and, asc, desc, eq, isNull, gt } from "drizzle-orm";
import { z } from "zod";
import { invitations, users } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import { scopeOf, nowOf, type Ctx } from "~/modules/auth/actor";
import { destroyUserSessions } from "~/modules/auth/sessions.server";
import { scopeWhere } from "~/modules/partners/scope.server";
import { NotFoundError, RuleError, ValidationError } from "~/utils/errors.server";
import { invitableRoles, roles } from "~/utils/permissions";

/**
 * The actor's own organisation: a partner's people for partner roles, the
 * vendor's staff (no partner) for vendor roles.
 */
function ownOrg(ctx: Ctx) {
  return ctx.actor.partnerId ? undefined : isNull(users.partnerId);
}

export async function listTeam(ctx: Ctx) {
  const now = nowOf(ctx);
  const scope = scopeOf(ctx.actor);
  const people = await ctx.db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      status: users.status,
      lastSignInAt: users.lastSignInAt,
      createdAt: users.createdAt,
    })
    .from(users)
    .where(scopeWhere(scope, users, ownOrg(ctx)))
    .orderBy(asc(users.name));
  const pending = await ctx.db
    .select({ id: invitations.id, email: invitations.email, role: invitations.role, expiresAt: invitations.expiresAt, createdAt: invitations.createdAt })
    .from(invitations)
    .where(
      scopeWhere(
        scope,
        invitations,
        ctx.actor.partnerId ? undefined : isNull(invitations.partnerId),
        isNull(invitations.acceptedAt),
        isNull(invitations.revokedAt),
        gt(invitations.expiresAt, now),
      ),
    )
    .orderBy(desc(invitations.createdAt));
  return { people, pending };
}

/** One user of the actor's scope; a foreign id is not found. */
export async function getUser(ctx: Ctx, id: string) {
  if (!z.string().uuid().safeParse(id).success) throw new NotFoundError("User not found.");
  const [user] = await ctx.db
    .select({ id: users.id, email: users.email, name: users.name, role: users.role, status: users.status, partnerId: users.partnerId })
    .from(users)
    .where(scopeWhere(scopeOf(ctx.actor), users, eq(users.id, id)));
  if (!user) throw new NotFoundError("User not found.");
  return user;
}

async function setStatus(ctx: Ctx, id: string, status: "active" | "deactivated") {
  if (!z.string().uuid().safeParse(id).success) throw new NotFoundError("User not found.");
  if (id === ctx.actor.userId) throw new RuleError("You cannot change your own account's status.");
  await ctx.db.transaction(async (tx) => {
    const [before] = await tx
      .select({ id: users.id, status: users.status, partnerId: users.partnerId, email: users.email })
      .from(users)
      .where(scopeWhere(scopeOf(ctx.actor), users, eq(users.id, id), ownOrg(ctx)));
    if (!before) throw new NotFoundError("User not found.");
    if (before.status === status) return;
    await tx
      .update(users)
      .set({ status, updatedAt: nowOf(ctx) })
      .where(scopeWhere(scopeOf(ctx.actor), users, eq(users.id, id)));
    if (status === "deactivated") await destroyUserSessions(tx, id);
    await recordAudit(tx, ctx.actor, {
      action: status === "deactivated" ? "user.deactivated" : "user.reactivated",
      subjectType: "user",
      subjectId: id,
      partnerId: before.partnerId,
      before: { status: before.status, email: before.email },
      after: { status },
    });
  });
}

/** Deactivation ends the person's sessions at once. */
export const deactivateUser = (ctx: Ctx, id: string) => setStatus(ctx, id, "deactivated");
export const reactivateUser = (ctx: Ctx, id: string) => setStatus(ctx, id, "active");

export async function changeRole(ctx: Ctx, id: string, rawRole: unknown) {
  const role = z.enum(roles).safeParse(rawRole);
  if (!role.success || !invitableRoles(ctx.actor.role).includes(role.data)) {
    throw new ValidationError({ role: ["Choose a valid role."] });
  }
  if (!z.string().uuid().safeParse(id).success) throw new NotFoundError("User not found.");
  if (id === ctx.actor.userId) throw new RuleError("You cannot change your own role.");
  await ctx.db.transaction(async (tx) => {
    const [before] = await tx
      .select({ role: users.role, partnerId: users.partnerId })
      .from(users)
      .where(scopeWhere(scopeOf(ctx.actor), users, eq(users.id, id), ownOrg(ctx)));
    if (!before) throw new NotFoundError("User not found.");
    if (before.role === role.data) return;
    await tx
      .update(users)
      .set({ role: role.data, updatedAt: nowOf(ctx) })
      .where(scopeWhere(scopeOf(ctx.actor), users, and(eq(users.id, id))));
    await recordAudit(tx, ctx.actor, {
      action: "user.role_changed",
      subjectType: "user",
      subjectId: id,
      partnerId: before.partnerId,
      before: { role: before.role },
      after: { role: role.data },
    });
  });
}
