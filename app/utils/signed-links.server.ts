import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { env } from "~/utils/env.server";

/**
 * Signed, expiring links for one-click actions in mails (e.g. accept a lead offer).
 *
 * A token is `<payload>.<signature>`, both base64url; the payload is JSON with
 * the purpose, the subject's fields and an expiry (`exp`, seconds since the
 * epoch); the signature is HMAC-SHA256 over the payload with
 * LINK_SIGNING_SECRET. Outside production an unset secret is generated once
 * into DATA_DIR/link-signing-secret (mode 0600, never committed).
 *
 * The signature proves the portal issued the link; "works once" is the
 * caller's rule (the offer it names must still be open).
 */
let cachedSecret: Buffer | undefined;

function secret(): Buffer {
  if (cachedSecret) return cachedSecret;
  const e = env();
  if (e.LINK_SIGNING_SECRET) return (cachedSecret = Buffer.from(e.LINK_SIGNING_SECRET, "utf8"));
  const file = path.resolve(e.DATA_DIR, "link-signing-secret");
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      fs.writeFileSync(file, randomBytes(32).toString("base64url"), { mode: 0o600, flag: "wx" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err; // another process wrote it first
    }
  }
  return (cachedSecret = Buffer.from(fs.readFileSync(file, "utf8").trim(), "utf8"));
}

function sign(payload: string): string {
  return createHmac("sha256", secret()).update(payload).digest("base64url");
}

export function signLink<T extends Record<string, string>>(purpose: string, fields: T, expiresAt: Date): string {
  const payload = Buffer.from(
    JSON.stringify({ p: purpose, ...fields, exp: Math.floor(expiresAt.getTime() / 1000) }),
    "utf8",
  ).toString("base64url");
  return `${payload}.${sign(payload)}`;
}

export type LinkCheck<T> =
  { ok: true; fields: T; expiresAt: Date } | { ok: false; reason: "malformed" | "bad_signature" | "expired" };

/** Checks the signature, the purpose and the expiry; returns the signed fields. */
export function verifyLink<T extends Record<string, string>>(
  purpose: string,
  token: string,
  keys: readonly (keyof T & string)[],
  now: Date,
): LinkCheck<T> {
  const parts = token.split(".");
  if (parts.length !== 2 || !parts[0] || !parts[1]) return { ok: false, reason: "malformed" };
  const [payload, signature] = parts as [string, string];
  const expected = Buffer.from(sign(payload), "base64url");
  const given = Buffer.from(signature, "base64url");
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: "bad_signature" };
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (data.p !== purpose || typeof data.exp !== "number") return { ok: false, reason: "malformed" };
  const fields = {} as Record<string, string>;
  for (const k of keys) {
    if (typeof data[k] !== "string") return { ok: false, reason: "malformed" };
    fields[k] = data[k] as string;
  }
  const expiresAt = new Date(data.exp * 1000);
  if (expiresAt.getTime() <= now.getTime()) return { ok: false, reason: "expired" };
  return { ok: true, fields: fields as T, expiresAt };
}
