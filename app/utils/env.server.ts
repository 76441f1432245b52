import { createPrivateKey, type KeyObject } from "node:crypto";
import { z } from "zod";

/**
 * The environment, validated once. A missing or malformed value stops the
 * process with a message naming it. Secrets are never logged.
 */
const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined))
    .refine((v) => v === undefined || protocols.some((p) => v.startsWith(`${p}:`)), {
      message: `must start with ${protocols.map((p) => `${p}://`).join(" or ")}`,
    });

/** An empty variable (`KEY=`) means unset, as it does for the URLs. */
const emptyAsUnset = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  APP_URL: z.string().url().optional(),
  DATABASE_URL: optionalUrl(["postgres", "postgresql"]),
  DATA_DIR: z.string().default(".data"),
  MAIL_RELAY_URL: optionalUrl(["smtp", "smtps"]),
  MAIL_FROM: z.string().default("Channel Portal <portal@vendor.test>"),
  MAIL_DOMAIN: z.string().default("portal.vendor.test"),
  MAIL_POLL_MS: z.coerce.number().int().min(50).default(1000),
  /** How long a worker holds the messages it claimed; a crashed worker's claims come back after it. */
  MAIL_LEASE_MS: z.coerce.number().int().min(500).default(180_000),
  MAIL_TRANSPORT: z.enum(["smtp", "resend", "mailbox"]).optional(),
  RESEND_API_KEY: z.preprocess(emptyAsUnset, z.string().trim().min(1).optional()),
  RESEND_BASE_URL: optionalUrl(["http", "https"]),
  MAIL_LIFETIME_HOURS: z.coerce.number().positive().default(120),
  MAIL_FAILOVER_AFTER_MINUTES: z.coerce.number().min(0).default(15),
  MAIL_CRITICAL_ALERT_MINUTES: z.coerce.number().positive().default(60),
  MAIL_OPS_ADDRESS: z.preprocess(emptyAsUnset, z.string().trim().email().optional()),
  JOBS: z.enum(["on", "off"]).default("on"),
  /** Stripe (license orders by card). Unset: Stripe is not configured, card payment is unavailable, invoices still work. */
  STRIPE_SECRET_KEY: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .trim()
      .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, "must be a Stripe secret key (sk_test_…, sk_live_… or rk_…)")
      .optional(),
  ),
  /** Verifies the signature of POST /webhooks/stripe; required when STRIPE_SECRET_KEY is set. */
  STRIPE_WEBHOOK_SECRET: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .trim()
      .regex(/^whsec_\S+$/, "must be a webhook signing secret (whsec_…)")
      .optional(),
  ),
  /**
   * Stripe Tax: "on" asks Stripe to add tax to Checkout Sessions and invoices (prices are before tax; the
   * account's Stripe Tax settings decide the rates). "off": no tax is added. The portal never computes tax.
   */
  STRIPE_AUTOMATIC_TAX: z.enum(["on", "off"]).default("off"),
  /** Another address for Stripe's API (a local stub in tests, stripe-mock): the SDK's protocol, host and port. */
  STRIPE_API_BASE: optionalUrl(["http", "https"]).refine(
    (v) => v === undefined || (URL.canParse(v) && new URL(v).pathname === "/"),
    { message: "must be an origin such as http://127.0.0.1:12111 (no path)" },
  ),
  /** Deal registration: protection after approval when the tier rules give none, name similarity that counts as a match, review target. */
  DEAL_PROTECTION_DAYS: z.coerce.number().int().min(1).max(730).default(90),
  DEAL_NAME_SIMILARITY: z.coerce.number().min(0.1).max(1).default(0.6),
  DEAL_REVIEW_TARGET_BUSINESS_DAYS: z.coerce.number().int().min(1).max(30).default(2),
  /** Signs the one-click links in mails (lead offers). Unset outside production: generated into DATA_DIR. */
  LINK_SIGNING_SECRET: z.preprocess(emptyAsUnset, z.string().min(32, "must be at least 32 characters").optional()),
  /**
   * Signs license keys: an Ed25519 private key in PKCS#8, as PEM (a "PRIVATE KEY" block; \n escapes allowed) or
   * as the base64 of its DER. Unset outside production: generated into DATA_DIR/license-signing-key.pem.
   */
  LICENSE_SIGNING_KEY: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .trim()
      .refine((v) => isEd25519PrivateKey(v), "must be an Ed25519 private key in PKCS#8 (PEM, or base64 DER)")
      .optional(),
  ),
  TRUST_PROXY: z.enum(["true", "false"]).default("false"),
});

export type Env = z.infer<typeof envSchema>;

export function parseEnv(source: Record<string, string | undefined>): Env {
  const parsed = envSchema
    .superRefine((e, ctx) => {
      if (e.MAIL_TRANSPORT === "smtp" && !e.MAIL_RELAY_URL) {
        ctx.addIssue({ code: "custom", path: ["MAIL_RELAY_URL"], message: "required when MAIL_TRANSPORT=smtp" });
      }
      if (e.NODE_ENV === "production" && !e.LINK_SIGNING_SECRET) {
        ctx.addIssue({ code: "custom", path: ["LINK_SIGNING_SECRET"], message: "required in production" });
      }
      if (e.NODE_ENV === "production" && !e.LICENSE_SIGNING_KEY) {
        ctx.addIssue({ code: "custom", path: ["LICENSE_SIGNING_KEY"], message: "required in production" });
      }
      if (e.MAIL_TRANSPORT === "resend" && !e.RESEND_API_KEY) {
        ctx.addIssue({ code: "custom", path: ["RESEND_API_KEY"], message: "required when MAIL_TRANSPORT=resend" });
      }
      if (e.STRIPE_SECRET_KEY && !e.STRIPE_WEBHOOK_SECRET) {
        ctx.addIssue({
          code: "custom",
          path: ["STRIPE_WEBHOOK_SECRET"],
          message: "required when STRIPE_SECRET_KEY is set (payments are fulfilled on the verified webhook)",
        });
      }
    })
    .safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

let cached: Env | undefined;
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

export function appUrl(): string {
  const e = env();
  return (e.APP_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, "");
}

/**
 * LICENSE_SIGNING_KEY's value as a private key: PKCS#8 PEM (literal "\\n" read as line breaks, for one-line
 * environment files) or base64 of the PKCS#8 DER. Throws when it is neither.
 */
export function parseLicenseSigningKey(value: string): KeyObject {
  const v = value.trim();
  return v.includes("-----BEGIN")
    ? createPrivateKey({ key: v.replace(/\\n/g, "\n"), format: "pem" })
    : createPrivateKey({ key: Buffer.from(v, "base64"), format: "der", type: "pkcs8" });
}

function isEd25519PrivateKey(value: string): boolean {
  try {
    return parseLicenseSigningKey(value).asymmetricKeyType === "ed25519";
  } catch {
    return false;
  }
}
