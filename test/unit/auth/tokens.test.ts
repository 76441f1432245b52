import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  DAY,
  HOUR,
  INVITATION_TTL_MS,
  PASSWORD_RESET_TTL_MS,
  hashToken,
  newToken,
  tokenMatches,
  tokenUsable,
} from "~/modules/auth/tokens.server";

describe("newToken", () => {
  it("returns a URL-safe 256-bit token and its SHA-256 hex hash", () => {
    const { token, hash } = newToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(hash).not.toContain(token);
  });

  it("never repeats", () => {
    const tokens = new Set(Array.from({ length: 200 }, () => newToken().token));
    expect(tokens.size).toBe(200);
  });

  it("honours the byte length", () => {
    expect(newToken(16).token).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});

describe("hashToken / tokenMatches", () => {
  it("hashes deterministically and distinguishes tokens", () => {
    expect(hashToken("abc")).toBe(hashToken("abc"));
    expect(hashToken("abc")).not.toBe(hashToken("abd"));
  });

  it("matches a token against its stored hash only", () => {
    const { token, hash } = newToken();
    expect(tokenMatches(token, hash)).toBe(true);
    expect(tokenMatches(token + "x", hash)).toBe(false);
    expect(tokenMatches(newToken().token, hash)).toBe(false);
  });

  it("returns false (does not throw) for a malformed stored hash", () => {
    const { token } = newToken();
    expect(tokenMatches(token, "")).toBe(false);
    expect(tokenMatches(token, "abcd")).toBe(false);
    expect(tokenMatches(token, token)).toBe(false);
  });
});

describe("tokenUsable", () => {
  const now = new Date("2025-03-01T12:00:00.000Z");
  const at = (ms: number) => new Date(now.getTime() + ms);

  it("is usable before expiry", () => {
    expect(tokenUsable({ expiresAt: at(1) }, now)).toEqual({ ok: true });
    expect(tokenUsable({ expiresAt: at(HOUR), usedAt: null, acceptedAt: null, revokedAt: null }, now)).toEqual({ ok: true });
  });

  it("is expired exactly at expiresAt and after", () => {
    expect(tokenUsable({ expiresAt: at(0) }, now)).toEqual({ ok: false, reason: "expired" });
    expect(tokenUsable({ expiresAt: at(-1) }, now)).toEqual({ ok: false, reason: "expired" });
  });

  it("is spent once used or accepted", () => {
    expect(tokenUsable({ expiresAt: at(HOUR), usedAt: at(-1000) }, now)).toEqual({ ok: false, reason: "used" });
    expect(tokenUsable({ expiresAt: at(HOUR), acceptedAt: at(-1000) }, now)).toEqual({ ok: false, reason: "used" });
  });

  it("is refused once revoked, whatever else holds", () => {
    expect(tokenUsable({ expiresAt: at(HOUR), revokedAt: at(-1) }, now)).toEqual({ ok: false, reason: "revoked" });
    expect(tokenUsable({ expiresAt: at(-HOUR), usedAt: at(-1), revokedAt: at(-1) }, now)).toEqual({ ok: false, reason: "revoked" });
  });

  it("reports use before expiry", () => {
    expect(tokenUsable({ expiresAt: at(-1), usedAt: at(-HOUR) }, now)).toEqual({ ok: false, reason: "used" });
  });
});

describe("token lifetimes", () => {
  it("gives invitations a week and password resets an hour", () => {
    expect(INVITATION_TTL_MS).toBe(7 * DAY);
    expect(PASSWORD_RESET_TTL_MS).toBe(HOUR);
    expect(HOUR).toBe(3_600_000);
  });
});
