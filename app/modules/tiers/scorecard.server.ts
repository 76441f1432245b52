/**
 * Scorecards on the dashboard. A partner's own (every read scoped to the
 * actor's partner): its tier, progress toward the next tier per requirement
 * with the named certified people and the revenue so far, what keeps the
 * current tier, certifications expiring within 60 days and the tier each
 * lapse would cost, and a leads and deals summary. The vendor's (vendor
 * staff only; explicit cross-partner reads): partners by tier and country,
 * movements this quarter, partners at risk, top partners by license revenue,
 * lead SLA and deal review turnaround.
 */
import { and, asc, count, desc, eq, gte, inArray, isNotNull, sql } from "drizzle-orm";
import { deals, partners, partnerTierStates, tierChanges } from "~db/schema";
import { nowOf, scopeOf, type Ctx } from "~/modules/auth/actor";
import { partnerLeadStats } from "~/modules/leads/stats.server";
import { licenseRevenues } from "~/modules/licensing/revenue.server";
import { scopeWhere } from "~/modules/partners/scope.server";
import { ForbiddenError } from "~/utils/errors.server";
import { isVendorRole } from "~/utils/permissions";
import { EVALUATED_STATUSES, courseNames, partnerFigures, rulesInForce } from "./evaluate.server";
import { tierLadderInForce } from "./in-force.server";
import {
  BASE_TIER,
  expiryForecast,
  ladderOf,
  nextTier,
  qualifyingTier,
  requirementProgress,
  tierBelow,
  tierDefinition,
  tierName,
  trailingStart,
  type Tier,
  type TierInfo,
} from "./rules";

/** Certifications expiring within this many days are listed with what they would cost. */
export const EXPIRY_HORIZON_DAYS = 60;
const DAY_MS = 86_400_000;

const noRequirements = { certifications: [], revenueUsdMinor: 0, wonDeals: 0, acceptanceRate: null };

export async function partnerScorecard(ctx: Ctx) {
  const partnerId = ctx.actor.partnerId;
  if (!partnerId) throw new ForbiddenError();
  const scope = scopeOf(ctx.actor);
  const now = nowOf(ctx);
  const [partner] = await ctx.db
    .select({ tier: partners.tier })
    .from(partners)
    .where(scopeWhere(scope, { partnerId: partners.id }));
  if (!partner) throw new ForbiddenError();
  const [state] = await ctx.db.select().from(partnerTierStates).where(scopeWhere(scope, partnerTierStates));
  const { rules, version } = await rulesInForce(ctx.db, now);
  const figures = await partnerFigures(ctx.db, partnerId, now);
  const names = { ...(await courseNames(ctx.db)), ...figures.certificationNames };
  const tier = partner.tier;
  const ladder = ladderOf(rules);
  const next = nextTier(ladder, tier);
  const forecast = expiryForecast(rules, figures, now, EXPIRY_HORIZON_DAYS).map((e) => ({
    name: e.person.name,
    courseKey: e.courseKey,
    certificationName: names[e.courseKey] ?? e.courseKey,
    expiresAt: e.person.expiresAt,
    tierAfter: e.tierAfter,
    costsTier: tierBelow(ladder, e.tierAfter, tier),
  }));
  const since = trailingStart(now);
  const leadStats = (await partnerLeadStats(ctx.db, { partnerIds: [partnerId], since })).get(partnerId)!;
  const [dealFigures] = await ctx.db
    .select({
      open: sql<number>`count(*) filter (where ${deals.status} in ('pending_review', 'changes_requested', 'approved'))`.mapWith(
        Number,
      ),
      approved: sql<number>`count(*) filter (where ${deals.status} = 'approved')`.mapWith(Number),
      won: sql<number>`count(*) filter (where ${deals.status} = 'won' and ${deals.closedAt} > ${since.toISOString()}::timestamptz)`.mapWith(
        Number,
      ),
      lost: sql<number>`count(*) filter (where ${deals.status} = 'lost' and ${deals.closedAt} > ${since.toISOString()}::timestamptz)`.mapWith(
        Number,
      ),
    })
    .from(deals)
    .where(scopeWhere(scope, deals));
  return {
    tier,
    qualifying: qualifyingTier(rules, figures),
    rulesVersion: version,
    /** The ladder in force (keys and names, lowest first): the page's labels. */
    ladder,
    benefits: tierDefinition(rules, tier)?.benefits ?? null,
    atRisk:
      state?.atRiskSince && state.downgradeDueAt
        ? { since: state.atRiskSince, due: state.downgradeDueAt, target: state.targetTier ?? BASE_TIER }
        : null,
    pin:
      state?.pinnedTier && state.pinnedUntil && state.pinnedUntil.getTime() > now.getTime()
        ? { tier: state.pinnedTier, until: state.pinnedUntil, reason: state.pinReason ?? "" }
        : null,
    keep: requirementProgress(figures, tierDefinition(rules, tier)?.requirements ?? noRequirements),
    next: next
      ? { tier: next, progress: requirementProgress(figures, tierDefinition(rules, next)!.requirements) }
      : null,
    courseNames: names,
    revenue: { usdMinor: figures.revenueUsdMinor, orders: figures.revenueOrders, missingRates: figures.missingRates },
    expiring: forecast,
    leads: {
      offers: leadStats.offers,
      accepted: leadStats.accepted,
      pending: leadStats.pending,
      acceptanceRate: leadStats.acceptanceRate,
      won: leadStats.won,
    },
    deals: dealFigures ?? { open: 0, approved: 0, won: 0, lost: 0 },
  };
}
export type PartnerScorecard = Awaited<ReturnType<typeof partnerScorecard>>;

/** The first moment of `now`'s calendar quarter (UTC). */
export function quarterStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), Math.floor(now.getUTCMonth() / 3) * 3, 1));
}

export const TOP_PARTNERS = 5;
/** Lead SLA and deal turnaround are measured over this many days. */
export const TURNAROUND_DAYS = 90;

export async function vendorScorecard(ctx: Ctx) {
  if (ctx.actor.partnerId || !isVendorRole(ctx.actor.role)) throw new ForbiddenError();
  const now = nowOf(ctx);
  const evaluated = inArray(partners.status, [...EVALUATED_STATUSES]);
  // Cross-partner reads below are the vendor's, on purpose.
  const byCountryTier = await ctx.db
    .select({ country: partners.country, tier: partners.tier, n: count() })
    .from(partners)
    .where(evaluated)
    .groupBy(partners.country, partners.tier)
    .orderBy(asc(partners.country));
  // The ladder in force orders and names the tiers; a tier still held but retired from it is listed after them.
  const ladder: TierInfo[] = [...(await tierLadderInForce(ctx.db, now))];
  for (const r of byCountryTier) {
    if (!ladder.some((t) => t.key === r.tier)) ladder.push({ key: r.tier, name: tierName(ladder, r.tier) });
  }
  const zeroes = () => Object.fromEntries(ladder.map((t) => [t.key, 0])) as Record<Tier, number>;
  const countries = new Map<string, Record<Tier, number>>();
  for (const r of byCountryTier) {
    const row = countries.get(r.country) ?? zeroes();
    row[r.tier] = (row[r.tier] ?? 0) + r.n;
    countries.set(r.country, row);
  }
  const byTier = zeroes();
  for (const r of byCountryTier) byTier[r.tier] = (byTier[r.tier] ?? 0) + r.n;

  const qStart = quarterStart(now);
  const movements = await ctx.db
    .select({
      id: tierChanges.id,
      partnerId: tierChanges.partnerId,
      partnerName: partners.name,
      kind: tierChanges.kind,
      fromTier: tierChanges.fromTier,
      toTier: tierChanges.toTier,
      at: tierChanges.at,
    })
    .from(tierChanges)
    .innerJoin(partners, eq(partners.id, tierChanges.partnerId))
    .where(and(gte(tierChanges.at, qStart), inArray(tierChanges.kind, ["upgrade", "downgrade", "at_risk"])))
    .orderBy(desc(tierChanges.at))
    .limit(50);
  const atRisk = await ctx.db
    .select({
      partnerId: partners.id,
      name: partners.name,
      country: partners.country,
      tier: partners.tier,
      targetTier: partnerTierStates.targetTier,
      due: partnerTierStates.downgradeDueAt,
    })
    .from(partnerTierStates)
    .innerJoin(partners, eq(partners.id, partnerTierStates.partnerId))
    .where(and(evaluated, isNotNull(partnerTierStates.atRiskSince)))
    .orderBy(asc(partnerTierStates.downgradeDueAt));

  const all = await ctx.db
    .select({ id: partners.id, name: partners.name, country: partners.country, tier: partners.tier })
    .from(partners)
    .where(evaluated);
  const revenues = await licenseRevenues(ctx.db, { partnerIds: all.map((p) => p.id), at: now });
  const top = all
    .map((p) => ({ ...p, usdMinor: revenues.get(p.id)?.totalBaseMinor ?? 0 }))
    .filter((p) => p.usdMinor > 0)
    .sort((a, b) => b.usdMinor - a.usdMinor || a.name.localeCompare(b.name))
    .slice(0, TOP_PARTNERS);

  const since = new Date(now.getTime() - TURNAROUND_DAYS * DAY_MS);
  type SlaRow = { answered: string; in_time: string; overdue: string; median_hours: string | null };
  const sla = (await ctx.db.execute(sql`
      select count(*) filter (where o.outcome in ('accepted', 'declined') and o.outcome_at >= ${since.toISOString()}::timestamptz) as answered,
             count(*) filter (where o.outcome in ('accepted', 'declined') and o.outcome_at >= ${since.toISOString()}::timestamptz
                                and o.outcome_at <= o.accept_by) as in_time,
             count(*) filter (where o.outcome is null and o.accept_by < ${now.toISOString()}::timestamptz) as overdue,
             percentile_cont(0.5) within group (order by extract(epoch from o.outcome_at - o.offered_at) / 3600)
               filter (where o.outcome in ('accepted', 'declined') and o.outcome_at >= ${since.toISOString()}::timestamptz) as median_hours
        from lead_offers o`)) as unknown as { rows: SlaRow[] };
  type TurnRow = { decided: string; median_hours: string | null; waiting: string };
  const turnaround = (await ctx.db.execute(sql`
      select count(*) filter (where d.decided_at >= ${since.toISOString()}::timestamptz) as decided,
             percentile_cont(0.5) within group (order by extract(epoch from d.decided_at - d.created_at) / 3600)
               filter (where d.decided_at >= ${since.toISOString()}::timestamptz) as median_hours,
             count(*) filter (where d.status = 'pending_review') as waiting
        from deals d`)) as unknown as { rows: TurnRow[] };
  const s = sla.rows[0]!;
  const t = turnaround.rows[0]!;
  const answered = Number(s.answered);
  return {
    totalPartners: all.length,
    /** The ladder in force (lowest first), with any retired tier still held after it. */
    ladder,
    byTier,
    byCountry: [...countries.entries()]
      .map(([country, tiers]) => ({ country, tiers, total: Object.values(tiers).reduce((a, b) => a + b, 0) }))
      .sort((a, b) => b.total - a.total || a.country.localeCompare(b.country)),
    quarterStart: qStart,
    movements,
    movementCounts: {
      upgrade: movements.filter((m) => m.kind === "upgrade").length,
      downgrade: movements.filter((m) => m.kind === "downgrade").length,
      at_risk: movements.filter((m) => m.kind === "at_risk").length,
    },
    atRisk,
    topByRevenue: top,
    leadSla: {
      days: TURNAROUND_DAYS,
      answered,
      inTimeRate: answered > 0 ? Number(s.in_time) / answered : null,
      overdue: Number(s.overdue),
      medianHours: s.median_hours === null ? null : Math.round(Number(s.median_hours) * 10) / 10,
    },
    dealTurnaround: {
      days: TURNAROUND_DAYS,
      decided: Number(t.decided),
      medianHours: t.median_hours === null ? null : Math.round(Number(t.median_hours) * 10) / 10,
      waiting: Number(t.waiting),
    },
  };
}
export type VendorScorecard = Awaited<ReturnType<typeof vendorScorecard>>;
