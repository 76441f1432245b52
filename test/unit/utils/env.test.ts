import { describe, expect, it } from "vitest";
import { parseEnv } from "~/utils/env.server";

function parseError(source: Record<string, string | undefined>): string {
  try {
    parseEnv(source);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("parseEnv accepted the environment");
}

describe("parseEnv", () => {
  it("fills defaults for an empty environment (PGlite, dev mailbox)", () => {
    const e = parseEnv({});
    expect(e.NODE_ENV).toBe("development");
    expect(e.PORT).toBe(3000);
    expect(e.DATABASE_URL).toBeUndefined();
    expect(e.MAIL_RELAY_URL).toBeUndefined();
    expect(e.DATA_DIR).toBe(".data");
    expect(e.JOBS).toBe("on");
    expect(e.STRIPE_AUTOMATIC_TAX).toBe("off");
    expect(parseError({ STRIPE_AUTOMATIC_TAX: "yes" })).toContain("STRIPE_AUTOMATIC_TAX");
  });

  it("accepts postgres:// and postgresql:// URLs and treats an empty value as unset", () => {
    expect(parseEnv({ DATABASE_URL: "postgres://u@db:5432/portal" }).DATABASE_URL).toBe("postgres://u@db:5432/portal");
    expect(parseEnv({ DATABASE_URL: " postgresql://db/portal " }).DATABASE_URL).toBe("postgresql://db/portal");
    expect(parseEnv({ DATABASE_URL: "" }).DATABASE_URL).toBeUndefined();
    expect(parseEnv({ DATABASE_URL: "   " }).DATABASE_URL).toBeUndefined();
  });

  it("refuses a malformed DATABASE_URL with a message naming the variable", () => {
    const message = parseError({ DATABASE_URL: "mysql://root@db/portal" });
    expect(message).toMatch(/^Invalid environment:/);
    expect(message).toMatch(/DATABASE_URL: must start with postgres:\/\/ or postgresql:\/\//);
  });

  it("does not echo the rejected value (it may hold a password)", () => {
    const message = parseError({ DATABASE_URL: "mysql://admin:s3cr3t-pw@db/portal" });
    expect(message).toContain("DATABASE_URL");
    expect(message).not.toContain("s3cr3t-pw");
  });

  it("names every bad variable at once", () => {
    const message = parseError({ PORT: "eighty", MAIL_RELAY_URL: "http://relay:25", JOBS: "maybe" });
    expect(message).toContain("PORT");
    expect(message).toContain("MAIL_RELAY_URL");
    expect(message).toContain("JOBS");
    expect(message).not.toContain("DATABASE_URL");
  });

  it("coerces numbers and validates ranges", () => {
    expect(parseEnv({ PORT: "8080", MAIL_POLL_MS: "250" })).toMatchObject({ PORT: 8080, MAIL_POLL_MS: 250 });
    expect(parseError({ PORT: "70000" })).toContain("PORT");
    expect(parseError({ MAIL_POLL_MS: "10" })).toContain("MAIL_POLL_MS");
  });

  it("accepts smtp:// and smtps:// relays", () => {
    expect(parseEnv({ MAIL_RELAY_URL: "smtp://relay.vendor.test:25" }).MAIL_RELAY_URL).toBe(
      "smtp://relay.vendor.test:25",
    );
    expect(parseEnv({ MAIL_RELAY_URL: "smtps://u:p@relay:465" }).MAIL_RELAY_URL).toBe("smtps://u:p@relay:465");
  });

  it("refuses an APP_URL that is not a URL", () => {
    expect(parseError({ APP_URL: "partners.vendor.example" })).toContain("APP_URL");
  });

  describe("Stripe", () => {
    const key = "sk_test_51AbCdEfGhIjKlMnOp";
    const whsec = "whsec_0123456789abcdef";

    it("is unconfigured by default, and an empty key means unset", () => {
      const e = parseEnv({ STRIPE_SECRET_KEY: "", STRIPE_WEBHOOK_SECRET: " " });
      expect(e.STRIPE_SECRET_KEY).toBeUndefined();
      expect(e.STRIPE_WEBHOOK_SECRET).toBeUndefined();
      expect(e.STRIPE_API_BASE).toBeUndefined();
    });

    it("takes a secret key with its webhook secret and an API base", () => {
      const e = parseEnv({
        STRIPE_SECRET_KEY: key,
        STRIPE_WEBHOOK_SECRET: whsec,
        STRIPE_API_BASE: "http://127.0.0.1:12111",
      });
      expect(e).toMatchObject({
        STRIPE_SECRET_KEY: key,
        STRIPE_WEBHOOK_SECRET: whsec,
        STRIPE_API_BASE: "http://127.0.0.1:12111",
      });
      expect(parseEnv({ STRIPE_SECRET_KEY: "rk_test_abc123", STRIPE_WEBHOOK_SECRET: whsec }).STRIPE_SECRET_KEY).toBe(
        "rk_test_abc123",
      );
    });

    it("requires STRIPE_WEBHOOK_SECRET when the key is set", () => {
      const message = parseError({ STRIPE_SECRET_KEY: key });
      expect(message).toMatch(/STRIPE_WEBHOOK_SECRET: required when STRIPE_SECRET_KEY is set/);
      expect(message).not.toContain(key);
    });

    it("refuses a publishable key or a malformed secret without echoing them", () => {
      const publishable = parseError({ STRIPE_SECRET_KEY: "pk_test_visible123", STRIPE_WEBHOOK_SECRET: whsec });
      expect(publishable).toContain("STRIPE_SECRET_KEY: must be a Stripe secret key");
      expect(publishable).not.toContain("pk_test_visible123");
      const badWhsec = parseError({ STRIPE_SECRET_KEY: key, STRIPE_WEBHOOK_SECRET: "hunter2-secret" });
      expect(badWhsec).toContain("STRIPE_WEBHOOK_SECRET: must be a webhook signing secret");
      expect(badWhsec).not.toContain("hunter2-secret");
    });

    it("takes STRIPE_API_BASE as an http(s) origin only", () => {
      expect(parseError({ STRIPE_API_BASE: "ftp://stub:21" })).toContain("STRIPE_API_BASE");
      expect(parseError({ STRIPE_API_BASE: "http://127.0.0.1:12111/v1" })).toMatch(
        /STRIPE_API_BASE: must be an origin/,
      );
      expect(parseEnv({ STRIPE_API_BASE: "https://stripe-mock.internal/" }).STRIPE_API_BASE).toBe(
        "https://stripe-mock.internal/",
      );
    });
  });
});
