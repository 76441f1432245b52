import { and, count, eq, gt, lt } from "drizzle-orm";
import type { Db } from "~db/client";
import { authFailures } from "~db/schema";
import { RateLimitError } from "~/utils/errors.server";

export const FAILURE_WINDOW_MS = 15 * 60_000;
export const MAX_FAILURES = 10;

/** Refuses when any of the keys (account, client address) has too many recent failures. */
export async function assertNotLimited(db: Db, keys: string[], now: Date, max = MAX_FAILURES): Promise<void> {
  const since = new Date(now.getTime() - FAILURE_WINDOW_MS);
  for (const key of keys) {
    const [row] = await db
      .select({ n: count() })
      .from(authFailures)
      .where(and(eq(authFailures.key, key), gt(authFailures.at, since)));
    if ((row?.n ?? 0) >= max) {
      throw new RateLimitError(
        "Too many attempts. Wait 15 minutes and try again, or reset your password.",
        Math.ceil(FAILURE_WINDOW_MS / 1000),
      );
    }
  }
}

export async function recordFailure(db: Db, keys: string[], now: Date): Promise<void> {
  if (keys.length === 0) return;
  await db.insert(authFailures).values(keys.map((key) => ({ key, at: now })));
}

export async function clearFailures(db: Db, key: string): Promise<void> {
  await db.delete(authFailures).where(eq(authFailures.key, key));
}

export async function pruneFailures(db: Db, now: Date): Promise<void> {
  await db.delete(authFailures).where(lt(authFailures.at, new Date(now.getTime() - FAILURE_WINDOW_MS)));
}
