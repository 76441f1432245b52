/**
 * The vendor's license signing key: LICENSE_SIGNING_KEY (required in
 * production), or outside production a key generated once into
 * DATA_DIR/license-signing-key.pem (mode 0600, never committed), as
 * LINK_SIGNING_SECRET is. Keys are signed and verified by license-key.ts.
 */
import { createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { env, parseLicenseSigningKey } from "~/utils/env.server";
import { publicKeyPem, signLicenseKey, verifyLicenseKey, type KeyVerdict, type LicensePayload } from "./license-key";

let cachedPrivate: KeyObject | undefined;

/** Where the generated development key lives. */
export function generatedKeyFile(dataDir = env().DATA_DIR): string {
  return path.resolve(dataDir, "license-signing-key.pem");
}

function loadOrCreate(file: string): KeyObject {
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const { privateKey } = generateKeyPairSync("ed25519");
    try {
      fs.writeFileSync(file, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600, flag: "wx" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err; // another process wrote it first
    }
  }
  return parseLicenseSigningKey(fs.readFileSync(file, "utf8"));
}

/** The private signing key (cached for the process). */
export function licenseSigningKey(): KeyObject {
  if (cachedPrivate) return cachedPrivate;
  const e = env();
  if (e.LICENSE_SIGNING_KEY) return (cachedPrivate = parseLicenseSigningKey(e.LICENSE_SIGNING_KEY));
  if (e.NODE_ENV === "production") throw new Error("LICENSE_SIGNING_KEY: required in production");
  return (cachedPrivate = loadOrCreate(generatedKeyFile(e.DATA_DIR)));
}

export function licenseSigningPublicKey(): KeyObject {
  return createPublicKey(licenseSigningKey());
}

/** The public key as SPKI PEM, for /.well-known/license-signing-key and offline verifiers. */
export function licenseSigningPublicKeyPem(): string {
  return publicKeyPem(licenseSigningKey());
}

export function signLicense(payload: LicensePayload): string {
  return signLicenseKey(payload, licenseSigningKey());
}

/** Verifies a key with this portal's own public key (the public verify page; offline rules only). */
export function verifyWithPortalKey(key: string, now: Date = new Date()): KeyVerdict {
  return verifyLicenseKey(key, licenseSigningPublicKey(), now);
}
