/**
 * Tier evaluation against the database: a partner's figures (certified
 * people per course, trailing-12-month license revenue in USD, deals won,
 * lead acceptance rate), the rules in force, and reevaluatePartnerTier,
 * which applies the pure decision (rules.ts) in the caller's transaction:
 * the partner's state row locked, partners.tier updated, a history row, an
 * audit event and a mail to the partner's admins per change.
 *
 * Called by the daily job (evaluateAllTiers), by the inputs' own
 * transactions (certification granted or expired, deal won; license orders
 * paid or refunded are still to call it from licensing), by publishing rules
 * and by pinning.
 */
import { and, asc, count, eq, gt, inArray, isNull, lte } from "drizzle-orm";
import type { Db } from "~db/client";
import { courses, deals, partners, partnerTierStates, tierChanges, tierRules, type PartnerTierState } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import type { Actor } from "~/modules/auth/actor";
import { partnerLeadStats } from "~/modules/leads/stats.server";
import { licenseRevenue } from "~/modules/licensing/revenue.server";
import { enqueueMail } from "~/modules/mail/enqueue.server";
import { partnerAdmins } from "~/modules/partners/admins.server";
import { partnerScope, scopeWhere } from "~/modules/partners/scope.server";
import { certifiedPeople } from "~/modules/training/reports.server";
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
  const since = trailingStart(at);
  // Sequential: inside a caller's transaction these share one connection.
  const groups = await certifiedPeople(db, { partnerId, at });
  const revenue = await licenseRevenue(db, { partnerId, at });
  const [won] = await db
    .select({ n: count() })
    .from(deals)
    .where(
      scopeWhere(
        partnerScope(partnerId),
        deals,
        eq(deals.status, "won"),
        gt(deals.closedAt, since),
        lte(deals.closedAt, at),
      ),
    );
  const leadStats = (await partnerLeadStats(db, { partnerIds: [partnerId], since })).get(partnerId);
  return {
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
    wonDeals: won?.n ?? 0,
    acceptanceRate: leadStats?.acceptanceRate ?? null,
  };
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
  const [partner] = await tx.select({ tier: partners.tier }).from(partners).where(eq(partners.id, partnerId));
  if (!partner) return undefined;
  await tx
    .insert(partnerTierStates)
    .values({ partnerId, evaluatedTier: partner.tier })
    .onConflictDoNothing({ target: partnerTierStates.partnerId });
  const [state] = await tx
    .select()
    .from(partnerTierStates)
    .where(scopeWhere(partnerScope(partnerId), partnerTierStates))
    .for("update");
  return state;
}

export interface Reevaluation extends TierDecision {
  partnerId: string;
  before: TierStanding;
  rulesVersion: number;
  figures: FiguresDetail;
}

const day = (d: Date) => new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: "UTC" }).format(d);

/**
 * Re-evaluates one partner's tier at `at` inside the caller's transaction
 * (`reason` says why: "daily", "certification-granted", "deal-won", …). The
 * state row is locked first, so two evaluations of one partner apply one
 * after the other. Suspended and terminated partners are left as they are
 * (returns null), as are unknown ids.
 */
export async function reevaluatePartnerTier(
  tx: Db,
  opts: {
    partnerId: string;
    at: Date;
    reason: string;
    actor?: Pick<Actor, "userId" | "label" | "ip">;
    rules?: RulesVersion;
  },
): Promise<Reevaluation | null> {
  const { partnerId, at, reason } = opts;
  const actor = opts.actor ?? TIER_JOB_ACTOR;
  const state = await lockTierState(tx, partnerId);
  if (!state) return null;
  const [partner] = await tx
    .select({ id: partners.id, name: partners.name, tier: partners.tier, status: partners.status })
    .from(partners)
    .where(eq(partners.id, partnerId));
  if (!partner || !(EVALUATED_STATUSES as readonly string[]).includes(partner.status)) return null;

  const rules = opts.rules ?? (await rulesInForce(tx, at));
  const figures = await partnerFigures(tx, partnerId, at);
  const before = standingOf(partner.tier, state);
  const qualifying = qualifyingTier(rules.rules, figures);
  const decision = decideTier(before, qualifying, rules.rules, at);
  const s = decision.standing;

  await tx
    .update(partnerTierStates)
    .set({
      evaluatedTier: decision.qualifying,
      atRiskSince: s.atRiskSince,
      downgradeDueAt: s.downgradeDueAt,
      targetTier: s.targetTier,
      ...(s.pin ? {} : { pinnedTier: null, pinReason: null, pinnedUntil: null, pinnedBy: null, pinnedAt: null }),
      rulesVersion: rules.version,
      lastEvaluatedAt: at,
      updatedAt: at,
    })
    .where(scopeWhere(partnerScope(partnerId), partnerTierStates));
  if (s.tier !== partner.tier) {
    await tx.update(partners).set({ tier: s.tier, updatedAt: at }).where(eq(partners.id, partnerId));
  }

  if (decision.changes.length) {
    const admins = (await partnerAdmins(tx, [partnerId])).get(partnerId) ?? [];
    const names = { ...(await courseNames(tx)), ...figures.certificationNames };
    for (const change of decision.changes) {
      await recordChange(tx, {
        partner,
        change,
        standing: s,
        before,
        reason,
        actor,
        at,
        rulesVersion: rules.version,
        ladder: rules.rules.tiers,
        admins,
        needs: requirementProgress(figures, tierDefinition(rules.rules, s.tier)?.requirements ?? noRequirements)
          .filter((p) => !p.met)
          .map((p) => requirementText(p, names)),
      });
    }
  }
  return { ...decision, partnerId, before, rulesVersion: rules.version, figures };
}

const noRequirements = { certifications: [], revenueUsdMinor: 0, wonDeals: 0, acceptanceRate: null };

const headlines: Record<TierChangeDecision["kind"], (c: TierChangeDecision, l: (t: string) => string) => string> = {
  upgrade: (c, l) => `your programme tier is now ${l(c.to)} (was ${l(c.from)})`,
  downgrade: (c, l) => `your programme tier is now ${l(c.to)} (was ${l(c.from)})`,
  at_risk: (c, l) => `your ${l(c.from)} tier is at risk`,
  recovered: (c, l) => `your ${l(c.to)} tier is no longer at risk`,
  pin_ended: (c, l) => `the vendor's hold on your ${l(c.to)} tier ended`,
};

async function recordChange(
  tx: Db,
  input: {
    partner: { id: string; name: string };
    change: TierChangeDecision;
    standing: TierStanding;
    before: TierStanding;
    reason: string;
    actor: Pick<Actor, "userId" | "label" | "ip">;
    at: Date;
    rulesVersion: number;
    /** The ladder of the rules applied: the tiers' names in the mails. */
    ladder: TierLadder;
    admins: { address: string; name: string }[];
    needs: string[];
  },
): Promise<void> {
  const { partner, change, standing, at } = input;
  const label = (t: string) => tierName(input.ladder, t);
  const dueAt = change.kind === "at_risk" ? standing.downgradeDueAt : null;
  const [row] = await tx
    .insert(tierChanges)
    .values({
      partnerId: partner.id,
      kind: change.kind,
      fromTier: change.from,
      toTier: change.to,
      reason: input.reason,
      rulesVersion: input.rulesVersion,
      dueAt,
      actorLabel: input.actor.label,
      at,
    })
    .returning({ id: tierChanges.id });
  await recordAudit(tx, input.actor, {
    action: `tier.${change.kind}`,
    subjectType: "partner",
    subjectId: partner.id,
    partnerId: partner.id,
    before: { tier: change.from, atRiskSince: input.before.atRiskSince?.toISOString() ?? null },
    after: {
      tier: standing.tier,
      to: change.to,
      reason: input.reason,
      rulesVersion: input.rulesVersion,
      downgradeDueAt: standing.downgradeDueAt?.toISOString() ?? null,
    },
  });
  if (input.admins.length === 0) return;
  const dashboardUrl = `${appUrl()}/`;
  if (change.kind === "at_risk" && dueAt) {
    await enqueueMail(tx, {
      to: input.admins,
      template: "tier-at-risk",
      data: {
        partnerName: partner.name,
        tierLabel: label(change.from),
        targetTierLabel: label(change.to),
        dueDate: day(dueAt),
        needs: input.needs,
        dashboardUrl,
      },
      dedupeKey: `tier-at-risk:${row!.id}`,
      partnerId: partner.id,
    });
    return;
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
  await enqueueMail(tx, {
    to: input.admins,
    template: "tier-changed",
    data: {
      partnerName: partner.name,
      headline: capitalise(headlines[change.kind](change, label)),
      message,
      dashboardUrl,
    },
    dedupeKey: `tier-change:${row!.id}`,
    partnerId: partner.id,
  });
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The daily job: every active or approved partner re-evaluated at `at`, each
 * in its own transaction (a failure leaves the others done). Safe with
 * several workers at once: the state row lock serialises them, and a second
 * evaluation at the same moment finds nothing left to change.
 */
export async function evaluateAllTiers(db: Db, at: Date): Promise<{ evaluated: number; changed: number }> {
  const ids = await db
    .select({ id: partners.id })
    .from(partners)
    .where(inArray(partners.status, [...EVALUATED_STATUSES]))
    .orderBy(asc(partners.id));
  let changed = 0;
  for (const { id } of ids) {
    const r = await db.transaction((tx) => reevaluatePartnerTier(tx, { partnerId: id, at, reason: "daily" }));
    if (r?.changes.length) changed++;
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
 * it in one transaction, as publishing rules in force today does; then it is
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
        const ids = await tx
          .select({ id: partners.id })
          .from(partners)
          .where(inArray(partners.status, [...EVALUATED_STATUSES]))
          .orderBy(asc(partners.id));
        for (const { id } of ids) {
          const r = await reevaluatePartnerTier(tx, {
            partnerId: id,
            at,
            reason: `rules-v${due.version}`,
            rules: inForce,
          });
          evaluated++;
          if (r?.changes.length) changed++;
        }
      }
      await tx.update(tierRules).set({ appliedAt: at }).where(eq(tierRules.version, due.version));
      return { version: due.version, evaluated, changed };
    });
    if (!applied) return out;
    out.push(applied);
  }
}
