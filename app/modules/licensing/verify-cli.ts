/**
 * `npm run license:verify -- <key>` (or `-` to read the key from stdin):
 * checks a license key OFFLINE, as a customer's server does, and prints the
 * verdict; exits 0 for a valid key, 1 for an invalid one, 2 for a usage
 * error.
 *
 * The public key comes from LICENSE_PUBLIC_KEY_FILE (a PEM file, e.g. the
 * one served at /.well-known/license-signing-key), else LICENSE_PUBLIC_KEY
 * (PEM text), else it is derived from this portal's own signing key
 * (LICENSE_SIGNING_KEY, or the one generated into DATA_DIR).
 *
 * Revocation is not in the key: a revoked license still verifies offline
 * until its expiry; the portal's online check says revoked.
 */
import { seatsText } from "./pricing";
import { createPublicKey, type KeyObject } from "node:crypto";
import fs from "node:fs";
import { REVOCATION_NOTE, verdictMessages, verifyLicenseKey } from "./license-key";

async function publicKey(): Promise<{ key: KeyObject; source: string }> {
  const file = process.env.LICENSE_PUBLIC_KEY_FILE?.trim();
  if (file) return { key: createPublicKey(fs.readFileSync(file, "utf8")), source: file };
  const pem = process.env.LICENSE_PUBLIC_KEY?.trim();
  if (pem) return { key: createPublicKey(pem.replace(/\\n/g, "\n")), source: "LICENSE_PUBLIC_KEY" };
  const { licenseSigningPublicKey } = await import("./keys.server");
  return { key: licenseSigningPublicKey(), source: "this portal's signing key" };
}

async function readKey(arg: string | undefined): Promise<string | null> {
  if (!arg) return null;
  if (arg !== "-") return arg;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").trim();
}

async function main(): Promise<number> {
  const key = await readKey(process.argv[2]);
  if (!key) {
    console.log("usage: npm run license:verify -- <license key>   (or - to read it from stdin)");
    return 2;
  }
  const { key: pub, source } = await publicKey();
  const verdict = verifyLicenseKey(key, pub, new Date());
  if (verdict.valid) {
    const p = verdict.payload;
    console.log("VALID license key (signature checked with %s)", source);
    console.log("  license   %s", p.licenseId);
    console.log("  product   %s %s (%s)", p.product, p.edition, p.sku);
    console.log("  seats     %s", seatsText(p.seats, p.seatUnit));
    console.log("  customer  %s (%s)", p.customer.company, p.customer.domain);
    console.log("  valid     %s → %s", p.validFrom, p.validUntil ?? "perpetual");
    console.log(REVOCATION_NOTE);
    return 0;
  }
  console.log("INVALID license key: %s (%s)", verdict.reason, verdictMessages[verdict.reason]);
  if (verdict.reason === "expired" && verdict.payload) console.log("  expired on %s", verdict.payload.validUntil);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.log(`license:verify failed: ${(err as Error).message}`);
    process.exit(2);
  },
);
