import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "~db/client";
import { passwordResets, users } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import { hashPassword } from "~/modules/auth/password.server";
import { passwordProblems } from "~/modules/auth/password-policy";
import { assertNotLimited, recordFailure } from "~/modules/auth/rate-limit.server";
import { destroyUserSessions } from "~/modules/auth/sessions.server";
import { PASSWORD_RESET_TTL_MS, hashToken, newToken, tokenUsable } from "~/modules/auth/tokens.server";
import { enqueueMail } from "~/modules/mail/enqueue.server";
import { appUrl } from "~/utils/env.server";
import { NotFoundError, RateLimitError, ValidationError } from "~/utils/errors.server";
import { forgotPasswordSchema, resetPasswordSchema } from "./schemas";

/** At most this many reset mails per account in the rate-limit window. */
const MAX_RESET_MAILS = 3;

/**
 * Sends a reset link when the address belongs to an active account. The
 * answer is the same either way, so the form reveals nothing about accounts.
 */
export async function requestPasswordReset(db: Db, raw: unknown, meta: { ip?: string | null } = {}, now = new Date()) {
  const parsed = forgotPasswordSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(parsed.error.flatten().fieldErrors as Record<string, string[]>);
  const email = parsed.data.email;
  const key = `reset:acct:${email}`;
  try {
    await assertNotLimited(db, [key], now, MAX_RESET_MAILS);
  } catch (err) {
    if (err instanceof RateLimitError) return; // silently: the same answer as for any address
    throw err;
  }
  const [user] = await db
    .select({ id: users.id, name: users.name, email: users.email, status: users.status, partnerId: users.partnerId })
    .from(users)
    .where(sql`lower(${users.email}) = ${email}`);
  if (!user || user.status !== "active") return;
  await db.transaction(async (tx) => {
    const { token, hash } = newToken();
    const [reset] = await tx
      .insert(passwordResets)
      .values({ userId: user.id, tokenHash: hash, expiresAt: new Date(now.getTime() + PASSWORD_RESET_TTL_MS), createdAt: now })
      .returning({ id: passwordResets.id });
    await enqueueMail(tx, {
      to: user.email,
      toName: user.name,
      template: "password-reset",
      data: { name: user.name, resetUrl: `${appUrl()}/reset-password/${token}`, validMinutes: PASSWORD_RESET_TTL_MS / 60_000 },
      dedupeKey: `password-reset:${reset!.id}`,
      userId: user.id,
      partnerId: user.partnerId,
    });
    await recordFailure(tx, [key], now);
    await recordAudit(tx, { userId: null, label: email, ip: meta.ip }, {
      action: "auth.password_reset_requested",
      subjectType: "user",
      subjectId: user.id,
      partnerId: user.partnerId,
    });
  });
}

export async function findUsableReset(db: Db, token: string, now = new Date()) {
  const [row] = await db
    .select({ id: passwordResets.id, userId: passwordResets.userId, expiresAt: passwordResets.expiresAt, usedAt: passwordResets.usedAt })
    .from(passwordResets)
    .where(eq(passwordResets.tokenHash, hashToken(token)));
  if (!row) return null;
  return tokenUsable(row, now).ok ? row : null;
}

/** Sets a new password from a reset link, once; every session of the account ends. */
export async function resetPassword(db: Db, token: string, raw: unknown, meta: { ip?: string | null } = {}, now = new Date()) {
  const parsed = resetPasswordSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(parsed.error.flatten().fieldErrors as Record<string, string[]>);
  const reset = await findUsableReset(db, token, now);
  if (!reset) throw new NotFoundError("This reset link is not valid any more. Ask for a new one.");
  const [user] = await db.select().from(users).where(eq(users.id, reset.userId));
  if (!user || user.status !== "active") throw new NotFoundError("This reset link is not valid any more.");
  const problems = passwordProblems(parsed.data.password, { email: user.email, name: user.name });
  if (problems.length) throw new ValidationError({ password: problems });
  const passwordHash = await hashPassword(parsed.data.password);
  await db.transaction(async (tx) => {
    const used = await tx
      .update(passwordResets)
      .set({ usedAt: now })
      .where(and(eq(passwordResets.id, reset.id), isNull(passwordResets.usedAt)))
      .returning({ id: passwordResets.id });
    if (used.length === 0) throw new NotFoundError("This reset link was already used.");
    await tx.update(users).set({ passwordHash, updatedAt: now }).where(eq(users.id, user.id));
    await destroyUserSessions(tx, user.id);
    await enqueueMail(tx, {
      to: user.email,
      toName: user.name,
      template: "password-changed",
      data: { name: user.name, portalUrl: appUrl() },
      dedupeKey: `password-changed:${reset.id}`,
      userId: user.id,
      partnerId: user.partnerId,
    });
    await recordAudit(tx, { userId: user.id, label: user.email, ip: meta.ip }, {
      action: "auth.password_reset",
      subjectType: "user",
      subjectId: user.id,
      partnerId: user.partnerId,
    });
  });
  return { userId: user.id };
}
