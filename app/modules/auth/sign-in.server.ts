import { eq, sql } from "drizzle-orm";
import type { Db } from "~db/client";
import { partners, users } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import { assertNotLimited, clearFailures, recordFailure } from "./rate-limit.server";
import { burnVerification, verifyPassword } from "./password.server";
import { createSession, destroySession } from "./sessions.server";

export type SignInResult =
  | { ok: true; token: string; expiresAt: Date; userId: string }
  | { ok: false; message: string };

export const SIGN_IN_FAILED = "The email address or password is not right.";

/**
 * Checks the credentials, limited per account and per client address. Unknown
 * account, wrong password and inactive account get the same answer and cost
 * about the same time. A previous session of this browser is destroyed
 * (the session id is rotated).
 */
export async function signIn(
  db: Db,
  input: { email: string; password: string; ip?: string | null; userAgent?: string | null; previousToken?: string | null },
  now = new Date(),
): Promise<SignInResult> {
  const email = input.email.trim().toLowerCase();
  const accountKey = `signin:acct:${email}`;
  const keys = [accountKey, ...(input.ip ? [`signin:ip:${input.ip}`] : [])];
  await assertNotLimited(db, keys, now);

  const [user] = await db
    .select({ id: users.id, email: users.email, partnerId: users.partnerId, passwordHash: users.passwordHash, status: users.status, partnerStatus: partners.status })
    .from(users)
    .leftJoin(partners, eq(partners.id, users.partnerId))
    .where(sql`lower(${users.email}) = ${email}`);

  const valid = user ? await verifyPassword(user.passwordHash, input.password) : (await burnVerification(input.password), false);
  const allowed =
    valid && user?.status === "active" && user.partnerStatus !== "suspended" && user.partnerStatus !== "terminated";
  if (!user || !allowed) {
    await recordFailure(db, keys, now);
    return { ok: false, message: SIGN_IN_FAILED };
  }

  return db.transaction(async (tx) => {
    if (input.previousToken) await destroySession(tx, input.previousToken);
    const session = await createSession(tx, user.id, input, now);
    await tx.update(users).set({ lastSignInAt: now }).where(eq(users.id, user.id));
    await clearFailures(tx, accountKey);
    await recordAudit(tx, { userId: user.id, label: user.email, ip: input.ip }, {
      action: "auth.sign_in",
      subjectType: "user",
      subjectId: user.id,
      partnerId: user.partnerId,
    });
    return { ok: true as const, token: session.token, expiresAt: session.expiresAt, userId: user.id };
  });
}
