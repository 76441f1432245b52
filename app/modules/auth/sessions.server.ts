import { and, eq, gt, lt, or } from "drizzle-orm";
import type { Db } from "~db/client";
import { partners, sessions, users, type User } from "~db/schema";
import { HOUR, DAY, hashToken, newToken } from "./tokens.server";

export const SESSION_IDLE_MS = 8 * HOUR;
export const SESSION_ABSOLUTE_MS = 7 * DAY;
/** lastSeenAt is refreshed at most this often, to keep reads cheap. */
const TOUCH_EVERY_MS = 60_000;

export async function createSession(
  db: Db,
  userId: string,
  meta: { ip?: string | null; userAgent?: string | null },
  now: Date,
): Promise<{ token: string; expiresAt: Date }> {
  const { token, hash } = newToken();
  const expiresAt = new Date(now.getTime() + SESSION_ABSOLUTE_MS);
  await db.insert(sessions).values({
    tokenHash: hash,
    userId,
    createdAt: now,
    lastSeenAt: now,
    expiresAt,
    ip: meta.ip ?? null,
    userAgent: meta.userAgent?.slice(0, 300) ?? null,
  });
  return { token, expiresAt };
}

export type SessionUser = Pick<User, "id" | "email" | "name" | "role" | "partnerId" | "status"> & {
  partnerName: string | null;
  sessionId: string;
};

/** The user behind a session token, or null when it is unknown, idle too long, past its lifetime or the user is inactive. */
export async function findSessionUser(db: Db, token: string, now: Date): Promise<SessionUser | null> {
  const [row] = await db
    .select({
      sessionId: sessions.id,
      lastSeenAt: sessions.lastSeenAt,
      expiresAt: sessions.expiresAt,
      id: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      partnerId: users.partnerId,
      status: users.status,
      partnerName: partners.name,
      partnerStatus: partners.status,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .leftJoin(partners, eq(partners.id, users.partnerId))
    .where(eq(sessions.tokenHash, hashToken(token)));
  if (!row) return null;
  const idle = now.getTime() - row.lastSeenAt.getTime() > SESSION_IDLE_MS;
  const expired = row.expiresAt.getTime() <= now.getTime();
  const partnerBlocked = row.partnerStatus === "suspended" || row.partnerStatus === "terminated";
  if (idle || expired || row.status !== "active" || partnerBlocked) {
    await db.delete(sessions).where(eq(sessions.id, row.sessionId));
    return null;
  }
  if (now.getTime() - row.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
    await db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.id, row.sessionId));
  }
  const { lastSeenAt: _l, expiresAt: _e, partnerStatus: _p, ...user } = row;
  return user;
}

export async function destroySession(db: Db, token: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.tokenHash, hashToken(token)));
}

export async function destroyUserSessions(db: Db, userId: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.userId, userId));
}

export async function pruneSessions(db: Db, now: Date): Promise<void> {
  await db
    .delete(sessions)
    .where(or(lt(sessions.expiresAt, now), lt(sessions.lastSeenAt, new Date(now.getTime() - SESSION_IDLE_MS))));
}

export async function countActiveSessions(db: Db, userId: string, now: Date): Promise<number> {
  const rows = await db
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, now)));
  return rows.length;
}
