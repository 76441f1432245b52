import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Db } from "~db/client";
import { pruneFailures } from "~/modules/auth/rate-limit.server";
import { pruneSessions } from "~/modules/auth/sessions.server";
import { raiseCriticalAlerts } from "~/modules/mail/admin.server";
import { deliverySettings, transportsFromEnv } from "~/modules/mail/config.server";
import { deliverDue } from "~/modules/mail/deliver.server";
import { runDealProtectionExpiry } from "~/modules/deals/expiry.server";
import { runLicenseRenewals } from "~/modules/licensing/renewals.server";
import { processLeadImports } from "~/modules/leads/import.server";
import { expireOverdueOffers, sendOfferReminders } from "~/modules/leads/offers.server";
import { sendAgreementReminders } from "~/modules/onboarding/agreements.server";
import { applyDueRules, evaluateAllTiers } from "~/modules/tiers/evaluate.server";
import { runCertificationExpiry } from "~/modules/training/expiry.server";
import { env } from "~/utils/env.server";

/** How often the programme agreement reminders are looked for (each stage is queued once, whatever the rate). */
const AGREEMENT_REMINDERS_EVERY_MS = 60 * 60_000;
/** How often certifications are looked at for expiry and reminders (daily rules; each stage is queued once). */
const CERTIFICATION_EXPIRY_EVERY_MS = 60 * 60_000;
/** How often lead offers are looked at for their accept-by time and half-time reminder. */
const LEAD_SLA_EVERY_MS = 60_000;
/** How often queued lead imports are looked for (an import runs to its end in the lead loop, apart from mail). */
const LEAD_IMPORTS_EVERY_MS = 1_000;
/** How often approved deals are looked at for protection warnings and expiry (each warning is queued once). */
const DEAL_PROTECTION_EVERY_MS = 60 * 60_000;
/** How often licenses are looked at for renewal reminders (60/30/7 days) and expiry (each reminder is queued once). */
const LICENSE_RENEWALS_EVERY_MS = 60 * 60_000;
/** How often every partner's tier is re-evaluated (daily; inputs re-evaluate at once on their own). */
const TIER_EVALUATION_EVERY_MS = 24 * 60 * 60_000;
/** How often tier rules published for a later date are looked for (they take effect within this of their moment). */
const TIER_RULES_DUE_EVERY_MS = 60_000;

/**
 * The background jobs of one process: mail delivery, critical-mail alerts,
 * programme agreement reminders, certification expiry and its reminders, deal
 * protection warnings and expiry, lead offer SLA (expiry, re-routing,
 * reminders), CSV lead imports, and housekeeping. Any number of processes
 * may run them against one PostgreSQL (work is claimed with SKIP LOCKED and
 * leases; reminders are deduplicated by their outbox key; a certification or a
 * deal is expired by a conditional UPDATE, so only one process mails about
 * it). Returns a function that stops them.
 */
export function startJobs(db: Db, opts: { pollMs?: number; log?: (msg: string) => void } = {}) {
  const log = opts.log ?? ((m: string) => console.log(m));
  const e = env();
  const transports = transportsFromEnv(e);
  const settings = deliverySettings(e);
  // Unique per run (deliverDue relies on it to tell its own claims from another worker's): pids repeat across containers.
  const workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const pollMs = opts.pollMs ?? e.MAIL_POLL_MS;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  /** The round in progress: stopping waits for it, so that no claim is left behind. */
  let current: Promise<void> | undefined;
  let lastMinutely = 0;
  let lastPrune = 0;
  let lastAgreementReminders = 0;
  let lastCertificationExpiry = 0;
  let lastDealProtection = 0;
  let lastLicenseRenewals = 0;
  let lastTierEvaluation = 0;
  let lastTierRulesDue = 0;

  const tick = async () => {
    try {
      while (!stopped && (await deliverDue(db, transports, { workerId, ...settings })) > 0) {
        /* keep draining while there is work */
      }
      const now = Date.now();
      if (now - lastMinutely > 60_000) {
        lastMinutely = now;
        const alerted = await raiseCriticalAlerts(db, {
          now: new Date(),
          criticalAfterMs: settings.criticalAfterMs,
          opsAddress: e.MAIL_OPS_ADDRESS,
          otherTransport: transports.fallback,
          from: e.MAIL_FROM,
        });
        if (alerted.length) log(`[jobs] critical mail undelivered past the threshold: ${alerted.length}`);
      }
      if (now - lastPrune > 10 * 60_000) {
        lastPrune = now;
        await pruneSessions(db, new Date());
        await pruneFailures(db, new Date());
      }
      if (now - lastAgreementReminders > AGREEMENT_REMINDERS_EVERY_MS) {
        lastAgreementReminders = now;
        const reminded = await sendAgreementReminders(db, new Date());
        if (reminded) log(`[jobs] programme agreement reminders queued: ${reminded}`);
      }
      if (now - lastCertificationExpiry > CERTIFICATION_EXPIRY_EVERY_MS) {
        lastCertificationExpiry = now;
        const expiry = await runCertificationExpiry(db, new Date());
        if (expiry.expired) log(`[jobs] certifications expired: ${expiry.expired}`);
        if (expiry.reminded) log(`[jobs] certification expiry reminders queued: ${expiry.reminded}`);
      }
      if (now - lastDealProtection > DEAL_PROTECTION_EVERY_MS) {
        lastDealProtection = now;
        const protection = await runDealProtectionExpiry(db, new Date());
        if (protection.expired) log(`[jobs] deal protections expired: ${protection.expired}`);
        if (protection.warned) log(`[jobs] deal protection warnings queued: ${protection.warned}`);
      }
      if (now - lastLicenseRenewals > LICENSE_RENEWALS_EVERY_MS) {
        lastLicenseRenewals = now;
        const renewals = await runLicenseRenewals(db, new Date());
        if (renewals.expired) log(`[jobs] licenses expired: ${renewals.expired}`);
        if (renewals.reminded) log(`[jobs] license renewal reminders queued: ${renewals.reminded}`);
      }
      if (now - lastTierRulesDue > TIER_RULES_DUE_EVERY_MS) {
        lastTierRulesDue = now;
        for (const r of await applyDueRules(db, new Date())) {
          log(
            `[jobs] tier rules version ${r.version} in force: ${r.changed} of ${r.evaluated} partners changed standing`,
          );
        }
      }
      if (now - lastTierEvaluation > TIER_EVALUATION_EVERY_MS) {
        lastTierEvaluation = now;
        const tiers = await evaluateAllTiers(db, new Date());
        if (tiers.changed)
          log(`[jobs] tier evaluation: ${tiers.changed} of ${tiers.evaluated} partners changed standing`);
      }
    } catch (err) {
      log(`[jobs] ${(err as Error).message}`);
    }
    if (!stopped) timer = setTimeout(run, pollMs);
  };
  const run = () => {
    current = tick();
  };
  timer = setTimeout(run, 10);

  // Leads run in their own loop: a 50,000-row import must not hold up the mail.
  let leadTimer: NodeJS.Timeout | undefined;
  let leadCurrent: Promise<void> | undefined;
  let lastLeadSla = 0;
  const leadTick = async () => {
    try {
      const now = Date.now();
      if (now - lastLeadSla > LEAD_SLA_EVERY_MS) {
        lastLeadSla = now;
        const expiry = await expireOverdueOffers(db, new Date());
        if (expiry.expired) {
          log(
            `[jobs] lead offers expired: ${expiry.expired} (re-offered ${expiry.reoffered}, back to the vendor ${expiry.toVendor})`,
          );
        }
        const reminders = await sendOfferReminders(db, new Date());
        if (reminders.reminded) log(`[jobs] lead offer reminders: ${reminders.reminded}`);
      }
      const imported = await processLeadImports(db, new Date());
      if (imported) log(`[jobs] lead import ${imported.importId}: ${imported.status}, ${imported.processedRows} rows`);
    } catch (err) {
      log(`[jobs] leads: ${(err as Error).message}`);
    }
    if (!stopped) leadTimer = setTimeout(leadRun, Math.min(LEAD_IMPORTS_EVERY_MS, pollMs));
  };
  const leadRun = () => {
    leadCurrent = leadTick();
  };
  leadTimer = setTimeout(leadRun, 20);
  log(
    `[jobs] running (mail via ${transports.primary.name}${transports.fallback ? `, failover to ${transports.fallback.name}` : ""})`,
  );
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    if (leadTimer) clearTimeout(leadTimer);
    await leadCurrent;
    await current; // the drain loop stops after the batch in hand
    transports.primary.close();
    transports.fallback?.close();
  };
}
