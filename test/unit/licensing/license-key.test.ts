import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  decodeLicenseKey,
  signLicenseKey,
  verifyLicenseKey,
  type LicensePayload,
} from "~/modules/licensing/license-key";

const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const other = generateKeyPairSync("ed25519");

const payload: LicensePayload = {
  licenseId: "5f0c5b1e-8f7e-4a59-9d8e-0b8f4e2b1a11",
  sku: "MSE-ADV-12",
  product: "Mail Server Enterprise",
  edition: "Advanced",
  seats: 250,
  seatUnit: "mailbox",
  customer: { company: "Tokai Shipping K.K.", domain: "tokai-shipping.test" },
  validFrom: "2030-01-01T00:00:00.000Z",
  validUntil: "2031-01-01T00:00:00.000Z",
  issuedAt: "2030-01-01T00:00:00.000Z",
};
const during = new Date("2030-06-01T00:00:00Z");

function tamperPayload(key: string, change: (p: LicensePayload) => void): string {
  const [prefix, body, sig] = key.split(".") as [string, string, string];
  const p = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as LicensePayload;
  change(p);
  return `${prefix}.${Buffer.from(JSON.stringify(p)).toString("base64url")}.${sig}`;
}

describe("license keys", () => {
  it("signs a key that verifies offline with the public key and carries the payload", () => {
    const key = signLicenseKey(payload, privateKey);
    expect(key).toMatch(/^MRL1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(verifyLicenseKey(key, publicKey, during)).toEqual({ valid: true, payload });
    expect(verifyLicenseKey(`  ${key}\n`, publicKey, during).valid).toBe(true);
    expect(decodeLicenseKey(key)).toEqual(payload);
  });

  it("refuses a tampered payload (more seats, later expiry)", () => {
    const key = signLicenseKey(payload, privateKey);
    expect(
      verifyLicenseKey(
        tamperPayload(key, (p) => (p.seats = 10_000)),
        publicKey,
        during,
      ),
    ).toEqual({
      valid: false,
      reason: "bad_signature",
    });
    expect(
      verifyLicenseKey(
        tamperPayload(key, (p) => (p.validUntil = "2099-01-01T00:00:00.000Z")),
        publicKey,
        during,
      ),
    ).toMatchObject({ valid: false, reason: "bad_signature" });
  });

  it("refuses a tampered signature", () => {
    const key = signLicenseKey(payload, privateKey);
    const [prefix, body, sig] = key.split(".") as [string, string, string];
    const bytes = Buffer.from(sig, "base64url");
    bytes[0] = bytes[0]! ^ 0xff;
    expect(verifyLicenseKey(`${prefix}.${body}.${bytes.toString("base64url")}`, publicKey, during)).toMatchObject({
      valid: false,
      reason: "bad_signature",
    });
    expect(verifyLicenseKey(`${prefix}.${body}.${sig.slice(0, 20)}`, publicKey, during)).toEqual({
      valid: false,
      reason: "bad_signature",
    });
  });

  it("refuses a key signed with another key", () => {
    const key = signLicenseKey(payload, other.privateKey);
    expect(verifyLicenseKey(key, publicKey, during)).toMatchObject({ valid: false, reason: "bad_signature" });
    expect(verifyLicenseKey(key, other.publicKey, during).valid).toBe(true);
  });

  it("says expired from the end of the term on (with the payload), never for a perpetual license", () => {
    const key = signLicenseKey(payload, privateKey);
    expect(verifyLicenseKey(key, publicKey, new Date("2030-12-31T23:59:59Z")).valid).toBe(true);
    const verdict = verifyLicenseKey(key, publicKey, new Date("2031-01-01T00:00:00Z"));
    expect(verdict).toEqual({ valid: false, reason: "expired", payload });
    const perpetual = signLicenseKey({ ...payload, validUntil: null }, privateKey);
    expect(verifyLicenseKey(perpetual, publicKey, new Date("2099-01-01T00:00:00Z")).valid).toBe(true);
  });

  it("says malformed for anything that is not a key", () => {
    for (const bad of ["", "hello", "MRL1.abc", "MRL2.abc.def", "MRL1.a b.c", "MRL1..sig", "x.y.z.w"]) {
      expect(verifyLicenseKey(bad, publicKey, during)).toEqual({ valid: false, reason: "malformed" });
    }
  });
});
