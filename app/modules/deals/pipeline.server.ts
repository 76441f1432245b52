/**
 * The vendor's pipeline of deal registrations across partners (vendor staff
 * only; an explicit cross-partner read): filters, a paginated table, totals
 * per currency (different currencies are never added together), pipeline
 * value by stage in one currency, registrations per week, and by country;
 * and the same rows as a CSV file.
 */
import { and, asc, count, eq, gte, inArray, lte, sql, type SQL } from "drizzle-orm";
import type { Db } from "~db/client";
import { deals, partners } from "~db/schema";
import { nowOf, type Ctx } from "~/modules/auth/actor";
import { countryName } from "~/utils/countries";
import { CSV_BOM, toCsv, type CsvColumn } from "~/utils/csv";
import { assertReviewer } from "./changes.server";
import {
  PIPELINE_PAGE_SIZE,
  currencies,
  dealStatuses,
  formatAmount,
  openStatuses,
  pipelineFilterSchema,
  salesStages,
  stageLabels,
  statusLabels,
  type Currency,
  type DealStatus,
  type PipelineFilter,
} from "./lifecycle-schemas";
import { MINOR_DIGITS, minorToDecimal } from "./schemas";

/** Weeks in the registrations chart, this one included. */
export const PIPELINE_WEEKS = 12;
/** The CSV holds at most this many rows (the newest first beyond it are cut; the filters narrow it). */
export const PIPELINE_CSV_MAX = 100_000;
/** The currency of the value-by-stage chart when the filter names none. */
export const DEFAULT_CHART_CURRENCY: Currency = "USD";

const DAY_MS = 86_400_000;

export const statusColors: Record<DealStatus, string> = {
  pending_review: "#0b4f6c",
  changes_requested: "#b45309",
  approved: "#047857",
  won: "#65a30d",
  rejected: "#b91c1c",
  lost: "#6b7280",
  expired: "#a8a29e",
};

export function parsePipelineFilter(params: URLSearchParams): PipelineFilter {
  return pipelineFilterSchema.parse(Object.fromEntries(params));
}

/** The filters as a query string (for the CSV link and pagination), without the page. */
export function pipelineQuery(filter: PipelineFilter): string {
  const s = new URLSearchParams();
  if (filter.status !== "open") s.set("status", filter.status);
  for (const key of ["stage", "country", "partnerId", "currency", "closeFrom", "closeTo"] as const) {
    const v = filter[key];
    if (v) s.set(key, v);
  }
  return s.toString();
}

function statusWhere(filter: PipelineFilter): SQL | undefined {
  if (filter.status === "all") return undefined;
  if (filter.status === "open") return inArray(deals.status, [...openStatuses]);
  return eq(deals.status, filter.status);
}

/** Everything but the status and the close range (the weekly registrations chart counts every registration). */
function baseWhere(filter: PipelineFilter): (SQL | undefined)[] {
  return [
    filter.stage ? eq(deals.stage, filter.stage) : undefined,
    filter.country ? eq(deals.country, filter.country) : undefined,
    filter.partnerId ? eq(deals.partnerId, filter.partnerId) : undefined,
    filter.currency ? eq(deals.currency, filter.currency) : undefined,
  ];
}

function pipelineWhere(filter: PipelineFilter): SQL | undefined {
  return and(
    statusWhere(filter),
    ...baseWhere(filter),
    filter.closeFrom ? gte(deals.expectedCloseDate, filter.closeFrom) : undefined,
    filter.closeTo ? lte(deals.expectedCloseDate, filter.closeTo) : undefined,
  );
}

const rowColumns = {
  id: deals.id,
  partnerId: deals.partnerId,
  partnerName: partners.name,
  customerName: deals.customerName,
  customerDomain: deals.customerDomain,
  country: deals.country,
  valueMinor: deals.valueMinor,
  currency: deals.currency,
  stage: deals.stage,
  status: deals.status,
  expectedCloseDate: deals.expectedCloseDate,
  protectedUntil: deals.protectedUntil,
  conflictFlag: deals.conflictFlag,
  finalValueMinor: deals.finalValueMinor,
  createdAt: deals.createdAt,
};

function pipelineRows(db: Db, filter: PipelineFilter) {
  return db
    .select(rowColumns)
    .from(deals)
    .innerJoin(partners, eq(partners.id, deals.partnerId))
    .where(pipelineWhere(filter))
    .orderBy(asc(deals.expectedCloseDate), asc(deals.createdAt), asc(deals.id));
}

const sumMinor = sql<number>`coalesce(sum(${deals.valueMinor}), 0)`.mapWith(Number);

/** Mondays (UTC, "2026-03-02") of the last `n` weeks up to `now`'s week, oldest first. */
export function lastWeeks(now: Date, n: number): string[] {
  const daysSinceMonday = (now.getUTCDay() + 6) % 7;
  const monday = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - daysSinceMonday);
  const out: string[] = [];
  for (let i = n - 1; i >= 0; i--) out.push(new Date(monday - i * 7 * DAY_MS).toISOString().slice(0, 10));
  return out;
}

const toMajor = (minor: number, currency: Currency) => Math.round(minor / 10 ** MINOR_DIGITS[currency]);

/**
 * The loader data of the vendor's pipeline (VendorPipeline renders it) for the
 * query string of `url`. Bad filter values are dropped, never an error.
 */
export async function pipelineData(ctx: Ctx, url: URL | string) {
  assertReviewer(ctx);
  const filter = parsePipelineFilter(new URL(url, "http://portal.invalid").searchParams);
  const now = nowOf(ctx);
  const chartCurrency = filter.currency ?? DEFAULT_CHART_CURRENCY;
  const where = pipelineWhere(filter);
  const weeks = lastWeeks(now, PIPELINE_WEEKS);
  const week = sql<string>`to_char(date_trunc('week', ${deals.createdAt} at time zone 'UTC'), 'YYYY-MM-DD')`;

  const [[total], rows, totals, byStage, perWeek, byCountry, partnerOptions, countryOptions] = await Promise.all([
    ctx.db.select({ n: count() }).from(deals).where(where),
    pipelineRows(ctx.db, filter)
      .limit(PIPELINE_PAGE_SIZE)
      .offset((filter.page - 1) * PIPELINE_PAGE_SIZE),
    ctx.db
      .select({ currency: deals.currency, n: count(), sum: sumMinor })
      .from(deals)
      .where(where)
      .groupBy(deals.currency),
    ctx.db
      .select({ stage: deals.stage, status: deals.status, sum: sumMinor })
      .from(deals)
      .where(and(where, eq(deals.currency, chartCurrency)))
      .groupBy(deals.stage, deals.status),
    ctx.db
      .select({ week, conflictFlag: deals.conflictFlag, n: count() })
      .from(deals)
      .where(
        and(...baseWhere(filter), gte(deals.createdAt, new Date(`${weeks[0]}T00:00:00Z`)), lte(deals.createdAt, now)),
      )
      .groupBy(week, deals.conflictFlag),
    ctx.db
      .select({ country: deals.country, currency: deals.currency, n: count(), sum: sumMinor })
      .from(deals)
      .where(where)
      .groupBy(deals.country, deals.currency),
    ctx.db
      .selectDistinct({ id: partners.id, name: partners.name })
      .from(deals)
      .innerJoin(partners, eq(partners.id, deals.partnerId)),
    ctx.db.selectDistinct({ country: deals.country }).from(deals),
  ]);

  // Value by stage in the chart's currency, stacked by status (only statuses that occur get a key).
  const statusesShown = dealStatuses.filter((s) => byStage.some((r) => r.status === s && r.sum > 0));
  const stageBars = salesStages.map((stage) => {
    const values = Object.fromEntries(statusesShown.map((s) => [s, 0])) as Record<DealStatus, number>;
    let minor = 0;
    for (const r of byStage) {
      if (r.stage !== stage || !statusesShown.includes(r.status)) continue;
      values[r.status] += toMajor(r.sum, chartCurrency);
      minor += r.sum;
    }
    return { id: `${stageLabels[stage]}: ${formatAmount(minor, chartCurrency)}`, tick: stageLabels[stage], values };
  });

  const weekly = new Map<string, { flagged: number; clear: number }>();
  for (const r of perWeek) {
    const w = weekly.get(r.week) ?? { flagged: 0, clear: 0 };
    if (r.conflictFlag) w.flagged += r.n;
    else w.clear += r.n;
    weekly.set(r.week, w);
  }

  const countries = new Map<string, { count: number; sums: { currency: Currency; minor: number }[] }>();
  for (const r of byCountry) {
    const c = countries.get(r.country) ?? { count: 0, sums: [] };
    c.count += r.n;
    c.sums.push({ currency: r.currency as Currency, minor: r.sum });
    countries.set(r.country, c);
  }
  const currencyOrder = (c: Currency) => currencies.indexOf(c);

  return {
    filter,
    query: pipelineQuery(filter),
    chartCurrency,
    options: {
      statuses: [
        { value: "open", label: "Open (waiting, changes requested, approved)" },
        { value: "all", label: "All statuses" },
        ...dealStatuses.map((s) => ({ value: s, label: statusLabels[s] })),
      ],
      stages: salesStages.map((s) => ({ value: s, label: stageLabels[s] })),
      currencies: currencies.map((c) => ({ value: c, label: c })),
      partners: partnerOptions
        .map((p) => ({ value: p.id, label: p.name }))
        .sort((a, b) => a.label.localeCompare(b.label, "en")),
      countries: countryOptions
        .map((c) => ({ value: c.country, label: countryName(c.country) }))
        .sort((a, b) => a.label.localeCompare(b.label, "en")),
    },
    rows: rows.map((r) => ({
      id: r.id,
      partnerName: r.partnerName,
      customerName: r.customerName,
      customerDomain: r.customerDomain,
      countryName: countryName(r.country),
      value: formatAmount(r.valueMinor, r.currency as Currency),
      currency: r.currency,
      stage: stageLabels[r.stage],
      status: r.status,
      statusLabel: statusLabels[r.status],
      expectedCloseDate: r.expectedCloseDate,
      protectedUntil: r.protectedUntil,
      conflictFlag: r.conflictFlag,
      createdAt: r.createdAt,
    })),
    total: total?.n ?? 0,
    page: filter.page,
    pageSize: PIPELINE_PAGE_SIZE,
    /** One total per currency, never added across currencies. */
    totals: totals
      .map((t) => ({
        currency: t.currency as Currency,
        count: t.n,
        valueMinor: t.sum,
        value: formatAmount(t.sum, t.currency as Currency),
      }))
      .sort((a, b) => currencyOrder(a.currency) - currencyOrder(b.currency)),
    byStage: {
      currency: chartCurrency,
      keys: statusesShown.map((s) => ({ key: s, label: statusLabels[s], color: statusColors[s] })),
      bars: stageBars,
    },
    perWeek: weeks.map((w) => ({ week: w, ...(weekly.get(w) ?? { flagged: 0, clear: 0 }) })),
    byCountry: [...countries.entries()]
      .map(([code, c]) => ({
        country: code,
        countryName: countryName(code),
        count: c.count,
        values: c.sums
          .sort((a, b) => currencyOrder(a.currency) - currencyOrder(b.currency))
          .map((s) => formatAmount(s.minor, s.currency)),
      }))
      .sort((a, b) => b.count - a.count || a.countryName.localeCompare(b.countryName, "en")),
  };
}

export type PipelineData = Awaited<ReturnType<typeof pipelineData>>;

type CsvRow = Awaited<ReturnType<typeof pipelineRows>>[number];
const csvColumns: CsvColumn<CsvRow>[] = [
  { header: "Registration ID", value: (r) => r.id },
  { header: "Registered at", value: (r) => r.createdAt },
  { header: "Partner", value: (r) => r.partnerName },
  { header: "Customer", value: (r) => r.customerName },
  { header: "Customer domain", value: (r) => r.customerDomain },
  { header: "Country", value: (r) => r.country },
  { header: "Value", value: (r) => minorToDecimal(r.valueMinor, r.currency) },
  { header: "Currency", value: (r) => r.currency },
  { header: "Stage", value: (r) => stageLabels[r.stage] },
  { header: "Status", value: (r) => statusLabels[r.status] },
  { header: "Expected close", value: (r) => r.expectedCloseDate },
  { header: "Protected until", value: (r) => r.protectedUntil },
  { header: "Conflict flag", value: (r) => r.conflictFlag },
  { header: "Final value", value: (r) => (r.finalValueMinor ? minorToDecimal(r.finalValueMinor, r.currency) : null) },
];

/** The filtered pipeline as a CSV file (deal-pipeline-2026-03-04.csv), the same filters as the page, every page. */
export async function exportPipelineCsv(ctx: Ctx, url: URL | string): Promise<{ body: string; filename: string }> {
  assertReviewer(ctx);
  const filter = parsePipelineFilter(new URL(url, "http://portal.invalid").searchParams);
  const rows = await pipelineRows(ctx.db, filter).limit(PIPELINE_CSV_MAX);
  return {
    body: CSV_BOM + toCsv(rows, csvColumns),
    filename: `deal-pipeline-${nowOf(ctx).toISOString().slice(0, 10)}.csv`,
  };
}
