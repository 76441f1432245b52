/**
 * License keys (pure apart from node:crypto; no database, no environment).
 *
 * A key is `MRL1.<payload>.<signature>`: the payload is the license's JSON
 * (below) in base64url, the signature is Ed25519 over the ASCII text
 * `MRL1.<payload>` (so the version prefix is signed too), in base64url. It is
 * one line of [A-Za-z0-9._-], safe to paste into a configuration file.
 *
 * A customer's server verifies a key offline with the vendor's public key:
 * the signature and the expiry. Revocation (a refund, a vendor decision) is
 * not in the key: it needs the online check.
 */
import { createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import { z } from "zod";

export const KEY_PREFIX = "MRL1";

export interface LicensePayload {
  /** The license's id (the online check looks it up). */
  licenseId: string;
  sku: string;
  product: string;
  edition: string;
  seats: number;
  /** What a seat is: mailbox, domain, server. */
  seatUnit: string;
  customer: { company: string; domain: string };
  /** ISO 8601 */
  validFrom: string;
  /** ISO 8601, or null for a perpetual license. */
  validUntil: string | null;
  issuedAt: string;
}

const isoInstant = z.string().refine((v) => !Number.isNaN(Date.parse(v)), "not a date");
const payloadSchema = z.object({
  licenseId: z.string().min(1),
  sku: z.string().min(1),
  product: z.string(),
  edition: z.string(),
  seats: z.number().int().positive(),
  seatUnit: z.string(),
  customer: z.object({ company: z.string(), domain: z.string() }),
  validFrom: isoInstant,
  validUntil: isoInstant.nullable(),
  issuedAt: isoInstant,
});

export type KeyVerdict =
  | { valid: true; payload: LicensePayload }
  | { valid: false; reason: "malformed" | "bad_signature" | "expired"; payload?: LicensePayload };

/** Signs `payload` with the vendor's Ed25519 private key. */
export function signLicenseKey(payload: LicensePayload, privateKey: KeyObject): string {
  const body = Buffer.from(JSON.stringify(payloadSchema.parse(payload)), "utf8").toString("base64url");
  const signed = `${KEY_PREFIX}.${body}`;
  const signature = sign(null, Buffer.from(signed, "ascii"), privateKey).toString("base64url");
  return `${signed}.${signature}`;
}

const B64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Verifies a key offline: its shape (`malformed`), the signature with
 * `publicKey` (`bad_signature`) and, for a term license, that `now` is before
 * its end (`expired`, with the payload so the caller can say when). Whitespace
 * around the key (a pasted line) is ignored.
 */
export function verifyLicenseKey(key: string, publicKey: KeyObject, now: Date): KeyVerdict {
  const parts = key.trim().split(".");
  if (parts.length !== 3) return { valid: false, reason: "malformed" };
  const [prefix, body, signature] = parts as [string, string, string];
  if (prefix !== KEY_PREFIX || !B64URL.test(body) || !B64URL.test(signature))
    return { valid: false, reason: "malformed" };
  const sig = Buffer.from(signature, "base64url");
  if (sig.length !== 64) return { valid: false, reason: "bad_signature" };
  let ok: boolean;
  try {
    ok = verify(null, Buffer.from(`${prefix}.${body}`, "ascii"), publicKey, sig);
  } catch {
    return { valid: false, reason: "bad_signature" };
  }
  if (!ok) return { valid: false, reason: "bad_signature" };
  let parsed: z.SafeParseReturnType<unknown, LicensePayload>;
  try {
    parsed = payloadSchema.safeParse(JSON.parse(Buffer.from(body, "base64url").toString("utf8")));
  } catch {
    return { valid: false, reason: "malformed" };
  }
  if (!parsed.success) return { valid: false, reason: "malformed" };
  const payload = parsed.data;
  if (payload.validUntil !== null && now.getTime() >= Date.parse(payload.validUntil)) {
    return { valid: false, reason: "expired", payload };
  }
  return { valid: true, payload };
}

/** The payload of a key without checking it (for display of a key the portal issued). */
export function decodeLicenseKey(key: string): LicensePayload | null {
  const parts = key.trim().split(".");
  if (parts.length !== 3 || parts[0] !== KEY_PREFIX) return null;
  try {
    const parsed = payloadSchema.safeParse(JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The SPKI PEM of the public key matching `key` (a private or public key). */
export function publicKeyPem(key: KeyObject): string {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  return pub.export({ type: "spki", format: "pem" }).toString();
}

/** Why a key is refused, for people. */
export const verdictMessages: Record<"malformed" | "bad_signature" | "expired", string> = {
  malformed: "This is not a license key (it is damaged or incomplete).",
  bad_signature: "The signature does not match: the key was altered or not issued by the vendor.",
  expired: "The license has expired.",
};

/** What an offline check cannot tell. */
export const REVOCATION_NOTE =
  "Offline verification checks the signature and the expiry only; whether a license was revoked needs the online check.";
