import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A fresh random token (URL-safe) and the hash that is stored in its place. */
export function newToken(bytes = 32): { token: string; hash: string } {
  const token = randomBytes(bytes).toString("base64url");
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export function tokenMatches(token: string, hash: string): boolean {
  const a = Buffer.from(hashToken(token), "hex");
  const b = Buffer.from(hash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A single-use token is usable when it has not expired, been used or been revoked. */
export function tokenUsable(
  row: { expiresAt: Date; usedAt?: Date | null; acceptedAt?: Date | null; revokedAt?: Date | null },
  now: Date,
): { ok: true } | { ok: false; reason: "expired" | "used" | "revoked" } {
  if (row.revokedAt) return { ok: false, reason: "revoked" };
  if (row.usedAt || row.acceptedAt) return { ok: false, reason: "used" };
  if (row.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: "expired" };
  return { ok: true };
}

export const HOUR = 60 * 60 * 1000;
export const DAY = 24 * HOUR;
export const INVITATION_TTL_MS = 7 * DAY;
export const PASSWORD_RESET_TTL_MS = 1 * HOUR;
