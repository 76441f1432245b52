import path from "node:path";
import type { Env } from "~/utils/env.server";
import type { Transports } from "./deliver.server";
import { mailboxTransport, resendTransport, smtpTransport } from "./transports.server";

/**
 * The transports the configuration asks for. The primary is MAIL_TRANSPORT, or
 * the relay when MAIL_RELAY_URL is set, or Resend when only its key is, or the
 * dev mailbox. With both the relay and Resend configured, the other one is the
 * fallback for messages the primary keeps failing.
 */
export function transportsFromEnv(e: Env): Transports {
  const primaryName = e.MAIL_TRANSPORT ?? (e.MAIL_RELAY_URL ? "smtp" : e.RESEND_API_KEY ? "resend" : "mailbox");
  const smtp = () => smtpTransport(e.MAIL_RELAY_URL!);
  const resend = () => resendTransport(e.RESEND_API_KEY!, { baseUrl: e.RESEND_BASE_URL });
  if (primaryName === "smtp") return { primary: smtp(), fallback: e.RESEND_API_KEY ? resend() : null };
  if (primaryName === "resend") return { primary: resend(), fallback: e.MAIL_RELAY_URL ? smtp() : null };
  return { primary: mailboxTransport(path.resolve(e.DATA_DIR, "mailbox")), fallback: null };
}

export function deliverySettings(e: Env) {
  return {
    lifetimeMs: e.MAIL_LIFETIME_HOURS * 3_600_000,
    leaseMs: e.MAIL_LEASE_MS,
    failoverAfterMs: e.MAIL_FAILOVER_AFTER_MINUTES * 60_000,
    criticalAfterMs: e.MAIL_CRITICAL_ALERT_MINUTES * 60_000,
  };
}
