import { describe, expect, it } from "vitest";
import { csrfVerdict } from "~/utils/csrf.server";

type Input = Parameters<typeof csrfVerdict>[0];
const post = (over: Partial<Input> = {}): Input => ({
  method: "POST",
  path: "/team",
  host: "portal.vendor.test",
  origin: "https://portal.vendor.test",
  referer: undefined,
  ...over,
});

describe("csrfVerdict", () => {
  it("allows a same-origin form post", () => {
    expect(csrfVerdict(post())).toEqual({ ok: true });
    expect(csrfVerdict(post({ method: "delete" }))).toEqual({ ok: true });
  });

  it("refuses a cross-site post and names the foreign host", () => {
    const v = csrfVerdict(post({ origin: "https://evil.example" }));
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.reason).toContain("evil.example");
  });

  it("compares host including port and refuses look-alike hosts", () => {
    expect(csrfVerdict(post({ origin: "https://portal.vendor.test:8443" })).ok).toBe(false);
    expect(csrfVerdict(post({ origin: "https://portal.vendor.test.evil.example" })).ok).toBe(false);
    expect(csrfVerdict(post({ host: "localhost:3000", origin: "http://localhost:3000" })).ok).toBe(true);
  });

  it("refuses a state-changing request with neither Origin nor Referer", () => {
    expect(csrfVerdict(post({ origin: undefined, referer: undefined }))).toEqual({ ok: false, reason: "missing Origin" });
  });

  it("treats Origin: null (sandboxed frames, privacy redirects) as missing", () => {
    expect(csrfVerdict(post({ origin: "null" })).ok).toBe(false);
    expect(csrfVerdict(post({ origin: "null", referer: "https://portal.vendor.test/team" })).ok).toBe(true);
  });

  it("falls back to the Referer when Origin is absent", () => {
    expect(csrfVerdict(post({ origin: undefined, referer: "https://portal.vendor.test/team?tab=keys" }))).toEqual({ ok: true });
    expect(csrfVerdict(post({ origin: undefined, referer: "https://evil.example/page" })).ok).toBe(false);
  });

  it("prefers Origin over Referer", () => {
    expect(csrfVerdict(post({ origin: "https://evil.example", referer: "https://portal.vendor.test/team" })).ok).toBe(false);
  });

  it("refuses a malformed Origin", () => {
    expect(csrfVerdict(post({ origin: "not a url" }))).toEqual({ ok: false, reason: "malformed Origin" });
  });

  it("exempts safe methods, even cross-site", () => {
    for (const method of ["GET", "HEAD", "OPTIONS", "get"]) {
      expect(csrfVerdict(post({ method, origin: "https://evil.example" })), method).toEqual({ ok: true });
      expect(csrfVerdict(post({ method, origin: undefined })), method).toEqual({ ok: true });
    }
  });

  it("exempts the bearer-key API and the signed webhooks, but only under their prefixes", () => {
    expect(csrfVerdict(post({ path: "/api/v1/deals", origin: undefined }))).toEqual({ ok: true });
    expect(csrfVerdict(post({ path: "/webhooks/stripe", origin: "https://stripe.example" }))).toEqual({ ok: true });
    expect(csrfVerdict(post({ path: "/api-keys", origin: "https://evil.example" })).ok).toBe(false);
    expect(csrfVerdict(post({ path: "/apiary", origin: undefined })).ok).toBe(false);
  });

  it("accepts the configured public origin when the Host header differs (behind a proxy)", () => {
    const behindProxy = post({ host: "127.0.0.1:3000", origin: "https://partners.vendor.example" });
    expect(csrfVerdict(behindProxy).ok).toBe(false);
    expect(csrfVerdict({ ...behindProxy, allowedOrigins: ["https://partners.vendor.example"] })).toEqual({ ok: true });
    // A malformed configured origin is ignored, not fatal.
    expect(csrfVerdict({ ...behindProxy, allowedOrigins: ["::::", "https://partners.vendor.example"] })).toEqual({ ok: true });
  });

  it("refuses when there is no Host header and no configured origin", () => {
    expect(csrfVerdict(post({ host: undefined })).ok).toBe(false);
  });
});
