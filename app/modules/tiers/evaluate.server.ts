/**
 * Tier evaluation against the database: a partner's figures (certified
 * people per course, trailing-12-month license revenue in USD, deals won,
 * lead acceptance rate), the rules in force, and reevaluatePartnerTier,
 * which applies the pure decision (rules.ts) in the caller's transaction:
 * the partner's state row locked, partners.tier updated, a history row, an
 * audit event and a mail to the partner's admins per change.
 *
 * Called by the daily job (evaluateAllTiers), by the inputs' own
 * transactions (certification granted or expired, deal won, license order
 * paid or refunded), by publishing rules and by pinning.
 *
 * Set-based: the figures of any number of partners are read with a constant
 * number of queries (partnerFiguresOf), and reevaluatePartnerTiers locks,
 * decides and writes for many partners with a few statements. The
 * one-partner functions (partnerFigures, reevaluatePartnerTier) are those
 * with one id: each figure and each write has one implementation.
 */
import { randomUUID } from "node:crypto";
import { and, asc, count, eq, gt, inArray, isNull, lte, sql } from "drizzle-orm";
import type { Db } from "~db/client";
import { courses, deals, partners, partnerTierStates, tierChanges, tierRules, type PartnerTierState } from "~db/schema";
import { recordAudits, type AuditInput } from "~/modules/audit/record.server";
import type { Actor } from "~/modules/auth/actor";
import { partnerLeadStats } from "~/modules/leads/stats.server";
import { licenseRevenues } from "~/modules/licensing/revenue.server";
import { enqueueRenderedMails, type EnqueueInput } from "~/modules/mail/enqueue.server";
import { partnerAdmins } from "~/modules/partners/admins.server";
import { partnersWhere, uuidArray } from "~/modules/partners/scope.server";
import { certifiedPeopleOf } from "~/modules/training/reports.server";
import { appUrl } from "~/utils/env.server";
import {
  decideTier,
  qualifyingTier,
  requirementProgress,
  requirementText,
  tierDefinition,
  tierName,
  trailingStart,
  type PartnerFigures,
  type Tier,
  type TierChangeDecision,
  type TierDecision,
  type TierLadder,
  type TierStanding,
} from "./rules";
import { rulesInForce, type RulesVersion } from "./in-force.server";
import { errorSummary } from "~/utils/db-errors.server";

/** Who the audit trail names for evaluations nobody asked for (the daily job, an input's change). */
export const TIER_JOB_ACTOR: Pick<Actor, "userId" | "label" | "ip"> = {
  userId: null,
  label: "tier-evaluation",
  ip: null,
};

/** Partners whose tier is evaluated: suspended and terminated ones keep theirs as it was. */
export const EVALUATED_STATUSES = ["active", "approved"] as const;

export { rulesInForce, type RulesVersion } from "./in-force.server";

export interface FiguresDetail extends PartnerFigures {
  /** Certification names per course key (for the words of the scorecard and the mails). */
  certificationNames: Record<string, string>;
  /** Currencies of paid orders left out of the revenue for want of an exchange rate. */
  missingRates: string[];
  revenueOrders: number;
}

/** A partner's figures at `at` (scoped to the partner: every query filters on its id). */
export async function partnerFigures(db: Db, partnerId: string, at: Date): Promise<FiguresDetail> {
  return (await partnerFiguresOf(db, [partnerId], at)).get(partnerId)!;
}

/**
 * The figures of several partners at `at`, each exactly as partnerFigures
 * gives it, with a constant number of queries whatever their number (certified
 * people, paid orders and exchange rates, won deals grouped by partner, lead
 * offers and closed leads grouped by partner). Every id asked for is in the
 * map. One partner reads through the partner scope; several are the explicit
 * cross-partner read `partner_id = any($ids)` (vendor-side evaluation and reviews).
 */
export async function partnerFiguresOf(
  db: Db,
  partnerIds: readonly string[],
  at: Date,
): Promise<Map<string, FiguresDetail>> {
  const ids = [...new Set(partnerIds)];
  const out = new Map<string, FiguresDetail>();
  if (ids.length === 0) return out;
  const since = trailingStart(at);
  // Sequential: inside a caller's transaction these share one connection.
  const certified = await certifiedPeopleOf(db, { partnerIds: ids, at });
  const revenues = await licenseRevenues(db, { partnerIds: ids, at });
  const won = await db
    .select({ partnerId: deals.partnerId, n: count() })
    .from(deals)
    .where(partnersWhere(ids, deals, eq(deals.status, "won"), gt(deals.closedAt, since), lte(deals.closedAt, at)))
    .groupBy(deals.partnerId);
  const wonOf = new Map(won.map((r) => [r.partnerId, r.n]));
  const leadStats = await partnerLeadStats(db, { partnerIds: ids, since });
  for (const id of ids) {
    const groups = certified.get(id) ?? [];
    const revenue = revenues.get(id)!;
    out.set(id, {
      certified: Object.fromEntries(
        groups.map((g) => [
          g.courseKey,
          g.people.map((p) => ({ userId: p.userId, name: p.name, expiresAt: p.expiresAt })),
        ]),
      ),
      certificationNames: Object.fromEntries(groups.map((g) => [g.courseKey, g.certificationName])),
      revenueUsdMinor: revenue.totalBaseMinor,
      revenueOrders: revenue.orders,
      missingRates: revenue.missingRates,
      wonDeals: wonOf.get(id) ?? 0,
      acceptanceRate: leadStats.get(id)?.acceptanceRate ?? null,
    });
  }
  return out;
}

/** Course key → certification name of the published courses (for requirement words). */
export async function courseNames(db: Db): Promise<Record<string, string>> {
  const rows = await db
    .select({ key: courses.key, name: courses.certificationName })
    .from(courses)
    .where(eq(courses.status, "published"));
  return Object.fromEntries(rows.map((r) => [r.key, r.name]));
}

export function standingOf(tier: Tier, state: PartnerTierState | undefined): TierStanding {
  return {
    tier,
    atRiskSince: state?.atRiskSince ?? null,
    downgradeDueAt: state?.downgradeDueAt ?? null,
    targetTier: state?.targetTier ?? null,
    pin:
      state?.pinnedTier && state.pinnedUntil
        ? { tier: state.pinnedTier, reason: state.pinReason ?? "", until: state.pinnedUntil }
        : null,
  };
}

/** Creates the partner's state row if it has none, then locks it (FOR UPDATE) for the caller's transaction. */
export async function lockTierState(tx: Db, partnerId: string): Promise<PartnerTierState | undefined> {
  return (await lockTierStates(tx, [partnerId])).get(partnerId);
}

/**
 * lockTierState for several partners: the missing state rows created with one
 * statement, then all locked with one (in partner id order, so two callers
 * locking overlapping sets wait for each other rather than deadlock).
 * Unknown ids are absent from the map.
 */
export async function lockTierStates(tx: Db, partnerIds: readonly string[]): Promise<Map<string, PartnerTierState>> {
  const ids = [...new Set(partnerIds)];
  if (ids.length === 0) return new Map();
  await tx.execute(sql`
      insert into partner_tier_states (partner_id, evaluated_tier)
      select p.id, p.tier from partners p where p.id = any(${uuidArray(ids)})
      on conflict (partner_id) do nothing`);
  const states = await tx
    .select()
    .from(partnerTierStates)
    .where(partnersWhere(ids, partnerTierStates))
    .orderBy(asc(partnerTierStates.partnerId))
    .for("update");
  return new Map(states.map((s) => [s.partnerId, s]));
}

export interface Reevaluation extends TierDecision {
  partnerId: string;
  before: TierStanding;
  rulesVersion: number;
  figures: FiguresDetail;
}

const day = (d: Date) => new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: "UTC" }).format(d);

export interface ReevaluateOptions {
  at: Date;
  /** Why: "daily", "certification-granted", "deal-won", "rules-v3", … */
  reason: string;
  actor?: Pick<Actor, "userId" | "label" | "ip">;
  /** The rules to apply (default: those in force at `at`). */
  rules?: RulesVersion;
}

/**
 * Re-evaluates one partner's tier at `at` inside the caller's transaction
 * (`reason` says why: "daily", "certification-granted", "deal-won", …). The
 * state row is locked first, so two evaluations of one partner apply one
 * after the other. Suspended and terminated partners are left as they are
 * (returns null), as are unknown ids.
 */
export async function reevaluatePartnerTier(
  tx: Db,
  opts: ReevaluateOptions & { partnerId: string },
): Promise<Reevaluation | null> {
  const { partnerId, ...rest } = opts;
  return (await reevaluatePartnerTiers(tx, { ...rest, partnerIds: [partnerId] })).get(partnerId) ?? null;
}

/**
 * Re-evaluates the tiers of several partners at `at` inside the caller's
 * transaction, each exactly as reevaluatePartnerTier would, with a constant
 * number of statements for the reads and the state updates whatever their
 * number: the state rows locked (partner id order), the figures read set-wise,
 * the pure decision (rules.ts) per partner, every state row updated by one
 * UPDATE … FROM json, the tiers changed by another; the changes' history rows
 * audit events and mails go as multi-row INSERTs (the mails rendered, as
 * enqueueMail stores them). Returns the partners
 * evaluated (suspended, terminated and unknown ones are left out).
 */
export async function reevaluatePartnerTiers(
  tx: Db,
  opts: ReevaluateOptions & { partnerIds: readonly string[] },
): Promise<Map<string, Reevaluation>> {
  const { at, reason } = opts;
  const actor = opts.actor ?? TIER_JOB_ACTOR;
  const out = new Map<string, Reevaluation>();
  const states = await lockTierStates(tx, opts.partnerIds);
  if (states.size === 0) return out;
  const ids = [...states.keys()];
  const rows = await tx
    .select({ id: partners.id, name: partners.name, tier: partners.tier, status: partners.status })
    .from(partners)
    .where(sql`${partners.id} = any(${uuidArray(ids)})`)
    .orderBy(asc(partners.id));
  const evaluated = rows.filter((p) => (EVALUATED_STATUSES as readonly string[]).includes(p.status));
  if (evaluated.length === 0) return out;

  const rules = opts.rules ?? (await rulesInForce(tx, at));
  const figuresOf = await partnerFiguresOf(
    tx,
    evaluated.map((p) => p.id),
    at,
  );
  const stateRows: Record<string, unknown>[] = [];
  const tierRows: { id: string; tier: string }[] = [];
  const changed: { partner: (typeof evaluated)[number]; result: Reevaluation }[] = [];
  for (const partner of evaluated) {
    const figures = figuresOf.get(partner.id)!;
    const before = standingOf(partner.tier, states.get(partner.id));
    const qualifying = qualifyingTier(rules.rules, figures);
    const decision = decideTier(before, qualifying, rules.rules, at);
    const s = decision.standing;
    stateRows.push({
      partner_id: partner.id,
      evaluated_tier: decision.qualifying,
      at_risk_since: s.atRiskSince?.toISOString() ?? null,
      downgrade_due_at: s.downgradeDueAt?.toISOString() ?? null,
      target_tier: s.targetTier,
      // Without a pin in the new standing, the pin's columns are cleared (it ended, or there was none).
      pinned: s.pin !== null,
    });
    if (s.tier !== partner.tier) tierRows.push({ id: partner.id, tier: s.tier });
    const result: Reevaluation = { ...decision, partnerId: partner.id, before, rulesVersion: rules.version, figures };
    out.set(partner.id, result);
    if (decision.changes.length) changed.push({ partner, result });
  }

  await tx.execute(sql`
      update partner_tier_states s
         set evaluated_tier = v.evaluated_tier,
             at_risk_since = v.at_risk_since,
             downgrade_due_at = v.downgrade_due_at,
             target_tier = v.target_tier,
             pinned_tier = case when v.pinned then s.pinned_tier end,
             pin_reason = case when v.pinned then s.pin_reason end,
             pinned_until = case when v.pinned then s.pinned_until end,
             pinned_by = case when v.pinned then s.pinned_by end,
             pinned_at = case when v.pinned then s.pinned_at end,
             rules_version = ${rules.version}::int,
             last_evaluated_at = ${at.toISOString()}::timestamptz,
             updated_at = ${at.toISOString()}::timestamptz
        from json_to_recordset(${JSON.stringify(stateRows)}::json)
             as v(partner_id uuid, evaluated_tier text, at_risk_since timestamptz, downgrade_due_at timestamptz,
                  target_tier text, pinned boolean)
       where s.partner_id = v.partner_id`);
  if (tierRows.length) {
    await tx.execute(sql`
        update partners p
           set tier = v.tier, updated_at = ${at.toISOString()}::timestamptz
          from json_to_recordset(${JSON.stringify(tierRows)}::json) as v(id uuid, tier text)
         where p.id = v.id`);
  }

  if (changed.length) {
    const admins = await partnerAdmins(
      tx,
      changed.map((c) => c.partner.id),
    );
    const published = await courseNames(tx);
    const items: ChangeItem[] = [];
    for (const { partner, result } of changed) {
      const s = result.standing;
      const names = { ...published, ...result.figures.certificationNames };
      const needs = requirementProgress(
        result.figures,
        tierDefinition(rules.rules, s.tier)?.requirements ?? noRequirements,
      )
        .filter((p) => !p.met)
        .map((p) => requirementText(p, names));
      for (const change of result.changes) {
        items.push({
          partner,
          change,
          standing: s,
          before: result.before,
          admins: admins.get(partner.id) ?? [],
          needs,
        });
      }
    }
    await recordChanges(tx, items, { reason, actor, at, rulesVersion: rules.version, ladder: rules.rules.tiers });
  }
  return out;
}

const noRequirements = { certifications: [], revenueUsdMinor: 0, wonDeals: 0, acceptanceRate: null };

const headlines: Record<TierChangeDecision["kind"], (c: TierChangeDecision, l: (t: string) => string) => string> = {
  upgrade: (c, l) => `your programme tier is now ${l(c.to)} (was ${l(c.from)})`,
  downgrade: (c, l) => `your programme tier is now ${l(c.to)} (was ${l(c.from)})`,
  at_risk: (c, l) => `your ${l(c.from)} tier is at risk`,
  recovered: (c, l) => `your ${l(c.to)} tier is no longer at risk`,
  pin_ended: (c, l) => `the vendor's hold on your ${l(c.to)} tier ended`,
};

interface ChangeItem {
  partner: { id: string; name: string };
  change: TierChangeDecision;
  standing: TierStanding;
  before: TierStanding;
  admins: { address: string; name: string }[];
  /** The requirements of the tier in force not met (the at-risk mail lists them). */
  needs: string[];
}

/** Rows per multi-row INSERT of the history (well under PostgreSQL's 65,535 parameters a statement). */
const CHANGE_CHUNK = 1000;

/**
 * Records changes of an evaluation: per change a `tier_changes` row (one
 * INSERT per thousand; ids made here, so each mail's dedupe key is known
 * without reading them back), an audit event `tier.<kind>` (likewise) and a
 * mail to the partner's admins, rendered and stored as enqueueMail stores it
 * (enqueueRenderedMails: one statement per thousand).
 */
async function recordChanges(
  tx: Db,
  items: ChangeItem[],
  common: {
    reason: string;
    actor: Pick<Actor, "userId" | "label" | "ip">;
    at: Date;
    rulesVersion: number;
    /** The ladder of the rules applied: the tiers' names in the mails. */
    ladder: TierLadder;
  },
): Promise<void> {
  const { at, reason, actor, rulesVersion } = common;
  const label = (t: string) => tierName(common.ladder, t);
  const rows = items.map((item) => ({
    id: randomUUID(),
    partnerId: item.partner.id,
    kind: item.change.kind,
    fromTier: item.change.from,
    toTier: item.change.to,
    reason,
    rulesVersion,
    dueAt: item.change.kind === "at_risk" ? item.standing.downgradeDueAt : null,
    actorLabel: actor.label,
    at,
  }));
  for (let i = 0; i < rows.length; i += CHANGE_CHUNK) {
    await tx.insert(tierChanges).values(rows.slice(i, i + CHANGE_CHUNK));
  }
  await recordAudits(
    tx,
    actor,
    items.map(({ partner, change, standing, before }): AuditInput => ({
      action: `tier.${change.kind}`,
      subjectType: "partner",
      subjectId: partner.id,
      partnerId: partner.id,
      before: { tier: change.from, atRiskSince: before.atRiskSince?.toISOString() ?? null },
      after: {
        tier: standing.tier,
        to: change.to,
        reason,
        rulesVersion,
        downgradeDueAt: standing.downgradeDueAt?.toISOString() ?? null,
      },
    })),
  );
  const dashboardUrl = `${appUrl()}/`;
  const mails: EnqueueInput<"tier-at-risk" | "tier-changed">[] = [];
  for (const [i, item] of items.entries()) {
    const { partner, change, standing, admins } = item;
    const { id, dueAt } = rows[i]!;
    if (admins.length === 0) continue;
    if (change.kind === "at_risk" && dueAt) {
      mails.push({
        to: admins,
        template: "tier-at-risk",
        data: {
          partnerName: partner.name,
          tierLabel: label(change.from),
          targetTierLabel: label(change.to),
          dueDate: day(dueAt),
          needs: item.needs,
          dashboardUrl,
        },
        dedupeKey: `tier-at-risk:${id}`,
        partnerId: partner.id,
      });
      continue;
    }
    const pin = standing.pin;
    const message =
      pin && (change.kind === "upgrade" || change.kind === "downgrade")
        ? `The vendor set your tier to ${label(pin.tier)} until ${day(new Date(pin.until.getTime() - 1))}: ${pin.reason}`
        : change.kind === "downgrade"
          ? "The grace period ended without the requirements being met. Your scorecard shows what the next tier needs."
          : change.kind === "upgrade"
            ? "Your figures meet the requirements of the new tier; its benefits apply from today."
            : change.kind === "pin_ended"
              ? "From now on your tier follows your figures."
              : "";
    mails.push({
      to: admins,
      template: "tier-changed",
      data: {
        partnerName: partner.name,
        headline: capitalise(headlines[change.kind](change, label)),
        message,
        dashboardUrl,
      },
      dedupeKey: `tier-change:${id}`,
      partnerId: partner.id,
    });
  }
  // Rendered now and stored as enqueueMail stores them; one statement for all of them.
  for (let i = 0; i < mails.length; i += CHANGE_CHUNK) {
    await enqueueRenderedMails(tx, mails.slice(i, i + CHANGE_CHUNK));
  }
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Partners re-evaluated per transaction by the daily job. */
export const DAILY_BATCH = 500;

/** The ids of the partners whose tier is evaluated (active or approved), in id order. */
export async function evaluatedPartnerIds(db: Db): Promise<string[]> {
  const rows = await db
    .select({ id: partners.id })
    .from(partners)
    .where(inArray(partners.status, [...EVALUATED_STATUSES]))
    .orderBy(asc(partners.id));
  return rows.map((r) => r.id);
}

/**
 * The daily job: every active or approved partner re-evaluated at `at`, in
 * batches of DAILY_BATCH partners, each batch one transaction with a constant
 * number of reads (reevaluatePartnerTiers). A batch that fails (a deadlock
 * with an input's own evaluation, say) is done again one partner per
 * transaction, as the job did before batching, so one partner's failure
 * leaves the others done. Safe with several workers at once: the state row
 * locks serialise them, and a second evaluation at the same moment finds
 * nothing left to change.
 */
export async function evaluateAllTiers(db: Db, at: Date): Promise<{ evaluated: number; changed: number }> {
  const ids = await evaluatedPartnerIds(db);
  let changed = 0;
  const count = (results: Iterable<Reevaluation>) => {
    for (const r of results) if (r.changes.length) changed++;
  };
  for (let i = 0; i < ids.length; i += DAILY_BATCH) {
    const batch = ids.slice(i, i + DAILY_BATCH);
    let results: Map<string, Reevaluation> | null = null;
    try {
      results = await db.transaction((tx) => reevaluatePartnerTiers(tx, { partnerIds: batch, at, reason: "daily" }));
    } catch (err) {
      // Nothing of the batch was written: once more, one partner per transaction (a failure there is thrown).
      console.warn(
        `[tiers] daily evaluation of ${batch.length} partners failed as a batch (${errorSummary(err)}); evaluating them one at a time`,
      );
      for (const id of batch) {
        const r = await db.transaction((tx) => reevaluatePartnerTier(tx, { partnerId: id, at, reason: "daily" }));
        if (r) count([r]);
      }
    }
    if (results) count(results.values());
  }
  return { evaluated: ids.length, changed };
}

/** Re-evaluates a partner after one of its inputs changed, in the input's transaction (a no-op for unknown partners). */
export function reevaluateAfter(tx: Db, partnerId: string, at: Date, reason: string) {
  return reevaluatePartnerTier(tx, { partnerId, at, reason });
}

/**
 * Rules published with a later effective date take effect at that moment:
 * the jobs call this every minute. Each version whose moment has come and that
 * was not applied yet is claimed (FOR UPDATE SKIP LOCKED, so one worker of
 * many applies it) and every active or approved partner is re-evaluated under
 * it in one transaction (reevaluatePartnerTiers: set-based), as publishing
 * rules in force today does; then it is
 * marked applied. A version superseded before its turn (a later one already in
 * force) is marked applied without an evaluation: the one in force is applied.
 */
export async function applyDueRules(
  db: Db,
  at: Date,
): Promise<{ version: number; evaluated: number; changed: number }[]> {
  const out: { version: number; evaluated: number; changed: number }[] = [];
  for (;;) {
    const applied = await db.transaction(async (tx) => {
      const [due] = await tx
        .select({ version: tierRules.version })
        .from(tierRules)
        .where(and(isNull(tierRules.appliedAt), lte(tierRules.effectiveAt, at)))
        .orderBy(asc(tierRules.effectiveAt), asc(tierRules.version))
        .limit(1)
        .for("update", { skipLocked: true });
      if (!due) return null;
      const inForce = await rulesInForce(tx, at);
      let evaluated = 0;
      let changed = 0;
      if (inForce.version === due.version) {
        const ids = await evaluatedPartnerIds(tx);
        const results = await reevaluatePartnerTiers(tx, {
          partnerIds: ids,
          at,
          reason: `rules-v${due.version}`,
          rules: inForce,
        });
        evaluated = ids.length;
        for (const r of results.values()) if (r.changes.length) changed++;
      }
      await tx.update(tierRules).set({ appliedAt: at }).where(eq(tierRules.version, due.version));
      return { version: due.version, evaluated, changed };
    });
    if (!applied) return out;
    out.push(applied);
  }
}
