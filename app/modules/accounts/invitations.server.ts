import { and, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~db/client";
import { invitations, partners, users } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import { scopeOf, nowOf, type Actor, type Ctx } from "~/modules/auth/actor";
import { hashPassword } from "~/modules/auth/password.server";
import { passwordProblems } from "~/modules/auth/password-policy";
import { INVITATION_TTL_MS, hashToken, newToken, tokenUsable } from "~/modules/auth/tokens.server";
import { scopeWhere } from "~/modules/partners/scope.server";
import { enqueueMail } from "~/modules/mail/enqueue.server";
import { appUrl } from "~/utils/env.server";
import { ConflictError, NotFoundError, ValidationError } from "~/utils/errors.server";
import { invitableRoles, roleLabels, type Role } from "~/utils/permissions";
import { acceptInvitationSchema, inviteSchema } from "./schemas";

/**
 * Invites someone into the actor's own organisation: a partner admin into its
 * partner, a vendor admin into the vendor's staff. The mail is queued in the
 * same transaction; a new invitation to the same address replaces the old one.
 */
export async function inviteUser(ctx: Ctx, raw: unknown): Promise<{ id: string; token: string }> {
  const parsed = inviteSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(parsed.error.flatten().fieldErrors as Record<string, string[]>);
  const { email, role } = parsed.data;
  const { actor } = ctx;
  if (!invitableRoles(actor.role).includes(role)) {
    throw new ValidationError({ role: ["You cannot give that role."] });
  }
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const [existing] = await tx
      .select({ id: users.id })
      .from(users)
      .where(sql`lower(${users.email}) = ${email}`);
    if (existing) throw new ValidationError({ email: ["Someone with this email address already has an account."] });
    const inv = await createInvitationInTx(tx, { partnerId: actor.partnerId, email, role, actor, now });
    return { id: inv.id, token: inv.token };
  });
}

export interface NewInvitation {
  /** The organisation joined: a partner, or null for the vendor's staff. */
  partnerId: string | null;
  /** Already validated and lowercased. */
  email: string;
  role: Role;
  /** Who invites (invitedBy, the mail's inviter name, the audit actor). */
  actor: Pick<Actor, "userId" | "label" | "ip">;
  now: Date;
  /**
   * Queue the generic `invitation` mail (default). Pass false when the caller
   * queues its own mail with the returned acceptUrl (e.g. application-approved).
   */
  sendInvitationMail?: boolean;
}

/**
 * The invitation itself, inside the caller's transaction: earlier pending
 * invitations to the address in the same organisation are revoked, the new
 * one is stored with a hashed single-use token, its mail queued (unless the
 * caller sends its own) and `invitation.created` audited. The caller checks
 * who may invite whom and that the address has no account yet.
 */
export async function createInvitationInTx(
  tx: Db,
  input: NewInvitation,
): Promise<{ id: string; token: string; acceptUrl: string; expiresAt: Date }> {
  const { partnerId, email, role, actor, now } = input;
  const orgFilter = partnerId ? eq(invitations.partnerId, partnerId) : isNull(invitations.partnerId);
  await tx
    .update(invitations)
    .set({ revokedAt: now })
    .where(and(orgFilter, eq(invitations.email, email), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)));

  const { token, hash } = newToken();
  const expiresAt = new Date(now.getTime() + INVITATION_TTL_MS);
  const [inv] = await tx
    .insert(invitations)
    .values({ partnerId, email, role, tokenHash: hash, invitedBy: actor.userId, expiresAt, createdAt: now })
    .returning({ id: invitations.id });
  const acceptUrl = `${appUrl()}/invitations/${token}`;
  if (input.sendInvitationMail !== false) {
    const orgName = await organisationName(tx, partnerId);
    await enqueueMail(tx, {
      to: email,
      template: "invitation",
      data: {
        inviterName: actor.label,
        partnerName: orgName,
        roleLabel: roleLabels[role],
        acceptUrl,
        expiresAt: expiresAt.toUTCString(),
      },
      dedupeKey: `invitation:${inv!.id}`,
      partnerId,
    });
  }
  await recordAudit(tx, actor, {
    action: "invitation.created",
    subjectType: "invitation",
    subjectId: inv!.id,
    partnerId,
    after: { email, role },
  });
  return { id: inv!.id, token, acceptUrl, expiresAt };
}

async function organisationName(db: Db, partnerId: string | null): Promise<string> {
  if (!partnerId) return "the vendor's channel team";
  const [p] = await db.select({ name: partners.name }).from(partners).where(eq(partners.id, partnerId));
  return p?.name ?? "your company";
}

export async function revokeInvitation(ctx: Ctx, id: string): Promise<void> {
  if (!z.string().uuid().safeParse(id).success) throw new NotFoundError("Invitation not found.");
  const now = nowOf(ctx);
  await ctx.db.transaction(async (tx) => {
    const [inv] = await tx
      .update(invitations)
      .set({ revokedAt: now })
      .where(
        scopeWhere(
          scopeOf(ctx.actor),
          invitations,
          eq(invitations.id, id),
          ownOrgOnly(ctx),
          isNull(invitations.acceptedAt),
          isNull(invitations.revokedAt),
        ),
      )
      .returning({ id: invitations.id, email: invitations.email, partnerId: invitations.partnerId });
    if (!inv) throw new NotFoundError("Invitation not found.");
    await recordAudit(tx, ctx.actor, {
      action: "invitation.revoked",
      subjectType: "invitation",
      subjectId: inv.id,
      partnerId: inv.partnerId,
      before: { email: inv.email },
    });
  });
}

/** Vendor admins manage vendor staff; partner admins their own partner's people. */
function ownOrgOnly(ctx: Ctx) {
  return ctx.actor.partnerId ? undefined : isNull(invitations.partnerId);
}

export async function getInvitation(ctx: Ctx, id: string) {
  if (!z.string().uuid().safeParse(id).success) throw new NotFoundError("Invitation not found.");
  const [inv] = await ctx.db
    .select()
    .from(invitations)
    .where(scopeWhere(scopeOf(ctx.actor), invitations, eq(invitations.id, id)));
  if (!inv) throw new NotFoundError("Invitation not found.");
  return inv;
}

/** Looks up an invitation by its token for the accept page; null when unusable. */
export async function findUsableInvitation(db: Db, token: string, now = new Date()) {
  const [inv] = await db
    .select({
      id: invitations.id,
      email: invitations.email,
      role: invitations.role,
      partnerId: invitations.partnerId,
      expiresAt: invitations.expiresAt,
      acceptedAt: invitations.acceptedAt,
      revokedAt: invitations.revokedAt,
      partnerName: partners.name,
    })
    .from(invitations)
    .leftJoin(partners, eq(partners.id, invitations.partnerId))
    .where(eq(invitations.tokenHash, hashToken(token)));
  if (!inv) return { ok: false as const, reason: "unknown" as const };
  const usable = tokenUsable(inv, now);
  if (!usable.ok) return { ok: false as const, reason: usable.reason };
  return { ok: true as const, invitation: inv };
}

/** The invitee sets a name and password; the account is created and the token spent, once. */
export async function acceptInvitation(
  db: Db,
  token: string,
  raw: unknown,
  meta: { ip?: string | null } = {},
  now = new Date(),
): Promise<{ userId: string; email: string }> {
  const parsed = acceptInvitationSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(parsed.error.flatten().fieldErrors as Record<string, string[]>);
  const found = await findUsableInvitation(db, token, now);
  if (!found.ok) throw new NotFoundError("This invitation link is not valid any more. Ask for a new one.");
  const inv = found.invitation;
  const problems = passwordProblems(parsed.data.password, { email: inv.email, name: parsed.data.name });
  if (problems.length) throw new ValidationError({ password: problems });
  const passwordHash = await hashPassword(parsed.data.password);
  return db.transaction(async (tx) => {
    const spent = await tx
      .update(invitations)
      .set({ acceptedAt: now })
      .where(and(eq(invitations.id, inv.id), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)))
      .returning({ id: invitations.id });
    if (spent.length === 0) throw new ConflictError("This invitation was already used.");
    const [taken] = await tx
      .select({ id: users.id })
      .from(users)
      .where(sql`lower(${users.email}) = ${inv.email}`);
    if (taken) throw new ConflictError("Someone with this email address already has an account.");
    const [user] = await tx
      .insert(users)
      .values({
        email: inv.email,
        name: parsed.data.name,
        passwordHash,
        role: inv.role as Role,
        partnerId: inv.partnerId,
      })
      .returning({ id: users.id, email: users.email });
    await recordAudit(
      tx,
      { userId: user!.id, label: user!.email, ip: meta.ip },
      {
        action: "invitation.accepted",
        subjectType: "user",
        subjectId: user!.id,
        partnerId: inv.partnerId,
        after: { email: inv.email, role: inv.role },
      },
    );
    return { userId: user!.id, email: user!.email };
  });
}
