/**
 * Lead performance per partner over a period (last 30, 90 or 365 days):
 * offers, acceptance rate, median time to accept, win rate, won revenue per
 * currency (never added across currencies), open leads now, SLA breaches.
 * Built on partnerLeadStats (stats.server.ts); this module adds the open
 * leads and the SLA breaches, names the partners, sorts and exports.
 *
 * The vendor sees every partner; a partner sees its own figures only (the
 * figures are asked for its id alone), plus its trend by month.
 */
import { and, count, eq, gt, gte, inArray, isNull, lt, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~db/client";
import { leadOffers, leads, partners } from "~db/schema";
import { nowOf, type Ctx } from "~/modules/auth/actor";
import { formatAmount, type Currency } from "~/modules/deals/lifecycle-schemas";
import { minorToDecimal } from "~/modules/deals/schemas";
import { CSV_BOM, toCsv, type CsvColumn } from "~/utils/csv";
import { ForbiddenError } from "~/utils/errors.server";
import { can } from "~/utils/permissions";
import { assertDistributor } from "./board.server";
import { CAPACITY_STATUSES } from "./status";
import { emptyStats, partnerLeadStats, type PartnerLeadStats } from "./stats.server";

const DAY_MS = 86_400_000;
export const periods = ["30", "90", "365"] as const;
export type Period = (typeof periods)[number];
export const periodLabels: Record<Period, string> = {
  "30": "Last 30 days",
  "90": "Last 90 days",
  "365": "Last 365 days",
};
export const performanceSorts = [
  "name",
  "offers",
  "acceptanceRate",
  "medianHoursToAccept",
  "winRate",
  "openLeads",
  "slaBreaches",
] as const;
export type PerformanceSort = (typeof performanceSorts)[number];
/** Months in a partner's trend, this one included. */
export const TREND_MONTHS = 12;

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
export const performanceQuerySchema = z.object({
  period: z.preprocess(blankToUndefined, z.enum(periods).default("90")).catch("90"),
  sort: z.preprocess(blankToUndefined, z.enum(performanceSorts).default("offers")).catch("offers"),
  dir: z.preprocess(blankToUndefined, z.enum(["asc", "desc"]).optional()).catch(undefined),
});
export type PerformanceQuery = z.infer<typeof performanceQuerySchema>;

export function parsePerformanceQuery(params: URLSearchParams | Record<string, unknown>): PerformanceQuery {
  return performanceQuerySchema.parse(params instanceof URLSearchParams ? Object.fromEntries(params) : params);
}

export interface PartnerPerformance extends PartnerLeadStats {
  partnerId: string;
  partnerName: string;
  /** Open leads the partner holds now (offered + being worked). */
  openLeads: number;
  /** Offers made in the period that breached the SLA: expired, answered late, or pending past accept-by. */
  slaBreaches: number;
  /** Revenue per currency, formatted ("€12,000.00"), in a fixed currency order. */
  revenue: { currency: string; minor: number; formatted: string }[];
}

const CURRENCY_ORDER = ["USD", "EUR", "JPY", "AUD"];

function sinceOf(now: Date, period: Period): Date {
  return new Date(now.getTime() - Number(period) * DAY_MS);
}

async function openLeadsOf(db: Db, partnerIds?: string[]): Promise<Map<string, number>> {
  const rows = await db
    .select({ partnerId: leads.partnerId, n: count() })
    .from(leads)
    .where(
      and(
        inArray(leads.status, [...CAPACITY_STATUSES]),
        partnerIds ? inArray(leads.partnerId, partnerIds) : sql`${leads.partnerId} is not null`,
      ),
    )
    .groupBy(leads.partnerId);
  return new Map(rows.map((r) => [r.partnerId!, r.n]));
}

async function slaBreachesOf(db: Db, since: Date, now: Date, partnerIds?: string[]): Promise<Map<string, number>> {
  const rows = await db
    .select({ partnerId: leadOffers.partnerId, n: count() })
    .from(leadOffers)
    .where(
      and(
        gte(leadOffers.offeredAt, since),
        partnerIds ? inArray(leadOffers.partnerId, partnerIds) : undefined,
        or(
          eq(leadOffers.outcome, "expired"),
          and(inArray(leadOffers.outcome, ["accepted", "declined"]), gt(leadOffers.outcomeAt, leadOffers.acceptBy)),
          and(isNull(leadOffers.outcome), lt(leadOffers.acceptBy, now)),
        ),
      ),
    )
    .groupBy(leadOffers.partnerId);
  return new Map(rows.map((r) => [r.partnerId, r.n]));
}

function revenueOf(stats: PartnerLeadStats) {
  return Object.entries(stats.revenueMinor)
    .sort(([a], [b]) => CURRENCY_ORDER.indexOf(a) - CURRENCY_ORDER.indexOf(b))
    .map(([currency, minor]) => ({ currency, minor, formatted: formatAmount(minor, currency as Currency) }));
}

/** Figures of the given partners (all with any figure when absent) over the period. */
async function performanceRows(
  db: Db,
  now: Date,
  period: Period,
  partnerIds?: string[],
): Promise<PartnerPerformance[]> {
  const since = sinceOf(now, period);
  const [stats, open, breaches] = await Promise.all([
    partnerLeadStats(db, { ...(partnerIds ? { partnerIds } : {}), since }),
    openLeadsOf(db, partnerIds),
    slaBreachesOf(db, since, now, partnerIds),
  ]);
  const ids = [...new Set([...stats.keys(), ...open.keys(), ...breaches.keys()])];
  if (ids.length === 0) return [];
  const names = await db
    .select({ id: partners.id, name: partners.name })
    .from(partners)
    .where(inArray(partners.id, ids));
  const nameOf = new Map(names.map((n) => [n.id, n.name]));
  return ids.map((id) => {
    const s = stats.get(id) ?? emptyStats();
    return {
      ...s,
      partnerId: id,
      partnerName: nameOf.get(id) ?? "Unknown partner",
      openLeads: open.get(id) ?? 0,
      slaBreaches: breaches.get(id) ?? 0,
      revenue: revenueOf(s),
    };
  });
}

/** Sorts in place; unknown figures (null rates) always last. Default direction: best first. */
function sortRows(rows: PartnerPerformance[], sort: PerformanceSort, dir?: "asc" | "desc") {
  const defaultDir: Record<PerformanceSort, "asc" | "desc"> = {
    name: "asc",
    offers: "desc",
    acceptanceRate: "desc",
    medianHoursToAccept: "asc",
    winRate: "desc",
    openLeads: "desc",
    slaBreaches: "desc",
  };
  const sign = (dir ?? defaultDir[sort]) === "asc" ? 1 : -1;
  return rows.sort((a, b) => {
    if (sort === "name") return sign * a.partnerName.localeCompare(b.partnerName, "en");
    const av = a[sort];
    const bv = b[sort];
    if (av === null && bv === null) return a.partnerName.localeCompare(b.partnerName, "en");
    if (av === null) return 1;
    if (bv === null) return -1;
    return sign * (av - bv) || a.partnerName.localeCompare(b.partnerName, "en");
  });
}

/** The vendor's table of every partner's figures over the period, sorted. */
export async function vendorPerformance(ctx: Ctx, query: PerformanceQuery) {
  assertDistributor(ctx);
  const now = nowOf(ctx);
  const rows = sortRows(await performanceRows(ctx.db, now, query.period), query.sort, query.dir);
  return {
    query,
    since: sinceOf(now, query.period),
    periods: periods.map((p) => ({ value: p, label: periodLabels[p] })),
    rows,
  };
}
export type VendorPerformance = Awaited<ReturnType<typeof vendorPerformance>>;

const csvColumns: CsvColumn<PartnerPerformance>[] = [
  { header: "Partner ID", value: (r) => r.partnerId },
  { header: "Partner", value: (r) => r.partnerName },
  { header: "Offers", value: (r) => r.offers },
  { header: "Accepted", value: (r) => r.accepted },
  { header: "Declined", value: (r) => r.declined },
  { header: "Expired", value: (r) => r.expired },
  { header: "Recalled", value: (r) => r.recalled },
  { header: "Pending", value: (r) => r.pending },
  { header: "Acceptance rate", value: (r) => (r.acceptanceRate === null ? null : r.acceptanceRate.toFixed(4)) },
  { header: "Median hours to accept", value: (r) => r.medianHoursToAccept },
  { header: "Won", value: (r) => r.won },
  { header: "Lost", value: (r) => r.lost },
  { header: "Win rate", value: (r) => (r.winRate === null ? null : r.winRate.toFixed(4)) },
  { header: "Won revenue", value: (r) => r.revenue.map((v) => `${minorToDecimal(v.minor, v.currency)} ${v.currency}`) },
  { header: "Open leads", value: (r) => r.openLeads },
  { header: "SLA breaches", value: (r) => r.slaBreaches },
];

/** The vendor's table as a CSV file (lead-performance-90d-2026-03-04.csv). */
export async function exportPerformanceCsv(
  ctx: Ctx,
  query: PerformanceQuery,
): Promise<{ body: string; filename: string }> {
  const data = await vendorPerformance(ctx, query);
  return {
    body: CSV_BOM + toCsv(data.rows, csvColumns),
    filename: `lead-performance-${query.period}d-${nowOf(ctx).toISOString().slice(0, 10)}.csv`,
  };
}

/** First day (UTC) of the last `n` months up to `now`'s month, oldest first: ["2026-01-01", …]. */
export function lastMonths(now: Date, n: number): Date[] {
  const out: Date[] = [];
  for (let i = n - 1; i >= 0; i--) out.push(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1)));
  return out;
}

/**
 * A partner's own figures (partner people with leads:work): the same numbers
 * as the vendor's table for its id alone, and its trend by month (offers,
 * acceptance rate and win rate per month, from the differences of
 * partnerLeadStats since each month's start; the median cannot be
 * differenced and is not in the trend).
 */
export async function ownPerformance(ctx: Ctx, query: Pick<PerformanceQuery, "period">) {
  const partnerId = ctx.actor.partnerId;
  if (!partnerId || !can(ctx.actor.role, "leads:work")) throw new ForbiddenError();
  const now = nowOf(ctx);
  const months = lastMonths(now, TREND_MONTHS);
  const [[row], ...cumulative] = await Promise.all([
    performanceRows(ctx.db, now, query.period, [partnerId]),
    ...months.map((m) => partnerLeadStats(ctx.db, { partnerIds: [partnerId], since: m })),
  ]);
  const at = (i: number) => cumulative[i]?.get(partnerId) ?? emptyStats();
  const trend = months.map((m, i) => {
    const from = at(i);
    const next = i + 1 < months.length ? at(i + 1) : emptyStats();
    const diff = (k: "offers" | "accepted" | "declined" | "expired" | "won" | "lost") => from[k] - next[k];
    const decided = diff("accepted") + diff("declined") + diff("expired");
    const closed = diff("won") + diff("lost");
    return {
      month: m.toISOString().slice(0, 7),
      offers: diff("offers"),
      accepted: diff("accepted"),
      acceptanceRate: decided > 0 ? diff("accepted") / decided : null,
      won: diff("won"),
      lost: diff("lost"),
      winRate: closed > 0 ? diff("won") / closed : null,
    };
  });
  const [partner] = await ctx.db.select({ name: partners.name }).from(partners).where(eq(partners.id, partnerId));
  const figures: PartnerPerformance = row ?? {
    ...emptyStats(),
    partnerId,
    partnerName: partner?.name ?? "",
    openLeads: 0,
    slaBreaches: 0,
    revenue: [],
  };
  return {
    query: { period: query.period },
    since: sinceOf(now, query.period),
    periods: periods.map((p) => ({ value: p, label: periodLabels[p] })),
    figures,
    trend,
  };
}
export type OwnPerformance = Awaited<ReturnType<typeof ownPerformance>>;
