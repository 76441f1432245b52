/**
 * The vendor's lead board (channel managers, vendor admins; an explicit
 * cross-partner read): counts by status, leads needing attention, SLA
 * breaches, the age of open leads, and the filtered, sorted, paginated list;
 * and the same list as a CSV file.
 */
import {
  and,
  asc,
  count,
  desc,
  eq,
  gt,
  gte,
  ilike,
  inArray,
  isNotNull,
  isNull,
  lt,
  lte,
  or,
  sql,
  type SQL,
} from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~db/client";
import { leadOffers, leads, partners, type LeadStatus } from "~db/schema";
import { nowOf, type Ctx } from "~/modules/auth/actor";
import { countryName, isCountryCode } from "~/utils/countries";
import { CSV_BOM, toCsv, type CsvColumn } from "~/utils/csv";
import { ForbiddenError } from "~/utils/errors.server";
import { can } from "~/utils/permissions";
import { escapeLike } from "~/utils/sql.server";
import { leadRef, leadStatusLabels, OPEN_STATUSES } from "./status";

export const BOARD_PAGE_SIZE = 50;
export const BOARD_CSV_MAX = 100_000;
/** "Answered after the accept-by time" counts answers of the last this many days. */
export const LATE_ANSWER_DAYS = 30;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export const leadStatuses = Object.keys(leadStatusLabels) as LeadStatus[];
export const leadSources = ["form", "api", "contact", "import"] as const;
export const leadSourceLabels: Record<(typeof leadSources)[number], string> = {
  form: "Form",
  api: "API",
  contact: "Contact sales",
  import: "CSV import",
};
export const boardSorts = ["newest", "oldest", "accept_by"] as const;

/** Lead views of the vendor: vendor staff with leads:distribute (vendor API keys act as channel managers). */
export function assertDistributor(ctx: Ctx): void {
  if (ctx.actor.partnerId || !can(ctx.actor.role, "leads:distribute")) throw new ForbiddenError();
}

// Filters come from the query string: a bad value is dropped, never an error.
const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optional = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess(blankToUndefined, schema.optional()).catch(undefined);

export const boardFilterSchema = z.object({
  /** "open" (default): everything not won or lost; "all"; or one status. */
  status: z
    .preprocess(
      blankToUndefined,
      z.enum(["open", "all", ...(leadStatuses as [LeadStatus, ...LeadStatus[]])]).default("open"),
    )
    .catch("open"),
  country: optional(
    z
      .string()
      .trim()
      .toUpperCase()
      .refine((c) => isCountryCode(c)),
  ),
  partnerId: optional(z.string().uuid()),
  attention: optional(z.enum(["yes"])),
  sla: optional(z.enum(["breached"])),
  source: optional(z.enum(leadSources)),
  q: optional(z.string().trim().max(200)),
  sort: z.preprocess(blankToUndefined, z.enum(boardSorts).default("newest")).catch("newest"),
  page: z.coerce.number().int().min(1).max(10_000).default(1).catch(1),
});
export type BoardFilter = z.infer<typeof boardFilterSchema>;

export function parseBoardFilter(params: URLSearchParams | Record<string, unknown>): BoardFilter {
  return boardFilterSchema.parse(params instanceof URLSearchParams ? Object.fromEntries(params) : params);
}

/** The filters as a query string (CSV link, pagination), without the page. */
export function boardQuery(filter: BoardFilter): string {
  const s = new URLSearchParams();
  if (filter.status !== "open") s.set("status", filter.status);
  if (filter.sort !== "newest") s.set("sort", filter.sort);
  for (const key of ["country", "partnerId", "attention", "sla", "source", "q"] as const) {
    const v = filter[key];
    if (v) s.set(key, v);
  }
  return s.toString();
}

/** Offers that breached the SLA: still pending past accept-by, or answered after it in the last 30 days. */
function breachedOfferWhere(now: Date): SQL {
  return or(
    and(isNull(leadOffers.outcome), lt(leadOffers.acceptBy, now)),
    and(
      inArray(leadOffers.outcome, ["accepted", "declined"]),
      gt(leadOffers.outcomeAt, leadOffers.acceptBy),
      gte(leadOffers.outcomeAt, new Date(now.getTime() - LATE_ANSWER_DAYS * DAY_MS)),
    ),
  )!;
}

/** "L-000123", "l-123" or "123" → 123. */
function refNumber(q: string): number | null {
  const m = /^(?:l-?)?0*(\d{1,15})$/i.exec(q.trim());
  return m ? Number(m[1]) : null;
}

function listWhere(filter: BoardFilter, now: Date): SQL | undefined {
  const q = filter.q ? `%${escapeLike(filter.q)}%` : undefined;
  const ref = filter.q ? refNumber(filter.q) : null;
  return and(
    filter.status === "all"
      ? undefined
      : filter.status === "open"
        ? inArray(leads.status, [...OPEN_STATUSES])
        : eq(leads.status, filter.status),
    filter.country ? eq(leads.country, filter.country) : undefined,
    filter.partnerId ? eq(leads.partnerId, filter.partnerId) : undefined,
    filter.attention ? eq(leads.needsAttention, true) : undefined,
    filter.source ? eq(leads.source, filter.source) : undefined,
    q
      ? or(
          ilike(leads.companyName, q),
          ilike(leads.companyDomain, q),
          ilike(leads.contactName, q),
          ilike(leads.contactEmail, q),
          ref !== null ? eq(leads.number, ref) : undefined,
        )
      : undefined,
    filter.sla
      ? sql`exists (select 1 from ${leadOffers} where ${leadOffers.leadId} = ${leads.id} and ${breachedOfferWhere(now)})`
      : undefined,
  );
}

const rowColumns = {
  id: leads.id,
  number: leads.number,
  source: leads.source,
  companyName: leads.companyName,
  companyDomain: leads.companyDomain,
  contactName: leads.contactName,
  contactEmail: leads.contactEmail,
  country: leads.country,
  region: leads.region,
  status: leads.status,
  partnerId: leads.partnerId,
  partnerName: partners.name,
  offerCount: leads.offerCount,
  needsAttention: leads.needsAttention,
  attentionReason: leads.attentionReason,
  heldReason: leads.heldReason,
  estimatedValueMinor: leads.estimatedValueMinor,
  currency: leads.currency,
  createdAt: leads.createdAt,
  updatedAt: leads.updatedAt,
  /** The accept-by time of the pending offer (null when none is pending). */
  acceptBy: sql<Date | null>`case when ${leadOffers.outcome} is null then ${leadOffers.acceptBy} end`.mapWith(
    leadOffers.acceptBy,
  ),
};

function listRows(db: Db, filter: BoardFilter, now: Date) {
  const order =
    filter.sort === "oldest"
      ? [asc(leads.createdAt), asc(leads.id)]
      : filter.sort === "accept_by"
        ? [
            sql`case when ${leadOffers.outcome} is null then ${leadOffers.acceptBy} end asc nulls last`,
            asc(leads.createdAt),
            asc(leads.id),
          ]
        : [desc(leads.createdAt), desc(leads.id)];
  return db
    .select(rowColumns)
    .from(leads)
    .leftJoin(partners, eq(partners.id, leads.partnerId))
    .leftJoin(leadOffers, eq(leadOffers.id, leads.currentOfferId))
    .where(listWhere(filter, now))
    .orderBy(...order);
}

/** Age buckets of open leads (from creation). */
export const ageBuckets = [
  { key: "lt1", label: "< 1 day", from: 0, to: 1 },
  { key: "d1to3", label: "1–3 days", from: 1, to: 3 },
  { key: "d3to7", label: "3–7 days", from: 3, to: 7 },
  { key: "gt7", label: "> 7 days", from: 7, to: Infinity },
] as const;
export type AgeBucket = (typeof ageBuckets)[number]["key"];

/** "3 d 4 h", "5 h", "40 min": a duration for people. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  const days = Math.floor(abs / DAY_MS);
  const hours = Math.floor((abs % DAY_MS) / HOUR_MS);
  if (days > 0) return `${days} d${hours ? ` ${hours} h` : ""}`;
  if (hours > 0) return `${hours} h`;
  return `${Math.max(1, Math.round(abs / 60_000))} min`;
}

/**
 * The board: overview figures over every lead (not filtered), then the page
 * of the filtered list. `page` overrides the filter's page when given.
 */
export async function leadBoard(ctx: Ctx, filters: BoardFilter, page: number = filters.page) {
  assertDistributor(ctx);
  const now = nowOf(ctx);
  const filter = { ...filters, page };
  const where = listWhere(filter, now);
  // Open leads counted per age bucket (boundaries computed here: one parameter each).
  const ageCols = Object.fromEntries(
    ageBuckets.map((b) => {
      const newerThan = new Date(now.getTime() - b.from * DAY_MS);
      const olderThan = b.to === Infinity ? null : new Date(now.getTime() - b.to * DAY_MS);
      const cond = olderThan
        ? and(lte(leads.createdAt, newerThan), gt(leads.createdAt, olderThan))
        : lte(leads.createdAt, newerThan);
      return [b.key, sql<number>`count(*) filter (where ${cond})`.mapWith(Number)];
    }),
  ) as Record<AgeBucket, SQL<number>>;

  const [byStatus, [attention], [overdue], [late], [expired], [ages], [total], rows, partnerOptions, countryOptions] =
    await Promise.all([
      ctx.db
        .select({ status: leads.status, needsAttention: leads.needsAttention, n: count() })
        .from(leads)
        .groupBy(leads.status, leads.needsAttention),
      ctx.db.select({ n: count() }).from(leads).where(eq(leads.needsAttention, true)),
      ctx.db
        .select({ n: count() })
        .from(leadOffers)
        .where(and(isNull(leadOffers.outcome), lt(leadOffers.acceptBy, now))),
      ctx.db
        .select({ n: count() })
        .from(leadOffers)
        .where(
          and(
            inArray(leadOffers.outcome, ["accepted", "declined"]),
            gt(leadOffers.outcomeAt, leadOffers.acceptBy),
            gte(leadOffers.outcomeAt, new Date(now.getTime() - LATE_ANSWER_DAYS * DAY_MS)),
          ),
        ),
      ctx.db
        .select({ n: count() })
        .from(leadOffers)
        .where(
          and(
            eq(leadOffers.outcome, "expired"),
            isNotNull(leadOffers.outcomeAt),
            gte(leadOffers.outcomeAt, new Date(now.getTime() - LATE_ANSWER_DAYS * DAY_MS)),
          ),
        ),
      ctx.db
        .select(ageCols)
        .from(leads)
        .where(inArray(leads.status, [...OPEN_STATUSES])),
      ctx.db
        .select({ n: count() })
        .from(leads)
        .leftJoin(leadOffers, eq(leadOffers.id, leads.currentOfferId))
        .where(where),
      listRows(ctx.db, filter, now)
        .limit(BOARD_PAGE_SIZE)
        .offset((page - 1) * BOARD_PAGE_SIZE),
      ctx.db
        .selectDistinct({ id: partners.id, name: partners.name })
        .from(leadOffers)
        .innerJoin(partners, eq(partners.id, leadOffers.partnerId)),
      ctx.db.selectDistinct({ country: leads.country }).from(leads),
    ]);

  const counts = Object.fromEntries(leadStatuses.map((s) => [s, 0])) as Record<LeadStatus, number>;
  const attentionByStatus = Object.fromEntries(leadStatuses.map((s) => [s, 0])) as Record<LeadStatus, number>;
  for (const r of byStatus) {
    counts[r.status] += r.n;
    if (r.needsAttention) attentionByStatus[r.status] += r.n;
  }
  const ageCounts = (ages ?? {}) as Partial<Record<AgeBucket, number>>;

  return {
    filter,
    query: boardQuery(filter),
    now,
    counts,
    /** Bars for StackedBarChart: one per status, split into "needs attention" and the rest. */
    statusBars: leadStatuses.map((s) => ({
      id: `${leadStatusLabels[s]}: ${counts[s]}`,
      tick: leadStatusLabels[s],
      values: { ok: counts[s] - attentionByStatus[s], attention: attentionByStatus[s] },
    })),
    needsAttention: attention?.n ?? 0,
    sla: {
      /** Pending offers past their accept-by time now. */
      overdue: overdue?.n ?? 0,
      /** Offers accepted or declined after their accept-by time in the last 30 days. */
      lateAnswers: late?.n ?? 0,
      /** Offers that expired (the job recalled them) in the last 30 days. */
      expired: expired?.n ?? 0,
      days: LATE_ANSWER_DAYS,
    },
    ages: ageBuckets.map((b) => ({ key: b.key, label: b.label, count: ageCounts[b.key] ?? 0 })),
    options: {
      statuses: [
        { value: "all", label: "All statuses" },
        ...leadStatuses.map((s) => ({ value: s, label: leadStatusLabels[s] })),
      ],
      partners: partnerOptions
        .map((p) => ({ value: p.id, label: p.name }))
        .sort((a, b) => a.label.localeCompare(b.label, "en")),
      countries: countryOptions
        .map((c) => ({ value: c.country, label: countryName(c.country) }))
        .sort((a, b) => a.label.localeCompare(b.label, "en")),
      sources: leadSources.map((s) => ({ value: s, label: leadSourceLabels[s] })),
      sorts: [
        { value: "oldest", label: "Oldest first" },
        { value: "accept_by", label: "Accept-by, soonest first" },
      ],
    },
    rows: rows.map((r) => ({
      id: r.id,
      ref: leadRef(r.number),
      companyName: r.companyName,
      companyDomain: r.companyDomain,
      contactName: r.contactName,
      contactEmail: r.contactEmail,
      country: r.country,
      countryName: countryName(r.country),
      status: r.status,
      statusLabel: leadStatusLabels[r.status],
      source: r.source,
      partnerId: r.partnerId,
      partnerName: r.partnerName,
      offerCount: r.offerCount,
      needsAttention: r.needsAttention,
      attentionReason: r.attentionReason,
      createdAt: r.createdAt,
      age: formatDuration(now.getTime() - r.createdAt.getTime()),
      acceptBy: r.acceptBy,
      /** Time left until accept-by ("overdue 3 h" when past it). */
      acceptByLeft: r.acceptBy
        ? r.acceptBy.getTime() >= now.getTime()
          ? `${formatDuration(r.acceptBy.getTime() - now.getTime())} left`
          : `overdue ${formatDuration(now.getTime() - r.acceptBy.getTime())}`
        : null,
      overdue: r.acceptBy ? r.acceptBy.getTime() < now.getTime() : false,
    })),
    total: total?.n ?? 0,
    page,
    pageSize: BOARD_PAGE_SIZE,
  };
}
export type LeadBoardData = Awaited<ReturnType<typeof leadBoard>>;

type CsvRow = Awaited<ReturnType<typeof listRows>>[number];
const csvColumns: CsvColumn<CsvRow>[] = [
  { header: "Reference", value: (r) => leadRef(r.number) },
  { header: "Lead ID", value: (r) => r.id },
  { header: "Created at", value: (r) => r.createdAt },
  { header: "Source", value: (r) => leadSourceLabels[r.source] },
  { header: "Company", value: (r) => r.companyName },
  { header: "Company domain", value: (r) => r.companyDomain },
  { header: "Contact", value: (r) => r.contactName },
  { header: "Contact email", value: (r) => r.contactEmail },
  { header: "Country", value: (r) => r.country },
  { header: "Region", value: (r) => r.region },
  { header: "Status", value: (r) => leadStatusLabels[r.status] },
  { header: "Partner", value: (r) => r.partnerName },
  { header: "Offers made", value: (r) => r.offerCount },
  { header: "Accept by", value: (r) => r.acceptBy },
  { header: "Needs attention", value: (r) => r.needsAttention },
  { header: "Attention reason", value: (r) => r.attentionReason },
  { header: "Estimated value (minor units)", value: (r) => r.estimatedValueMinor },
  { header: "Currency", value: (r) => r.currency },
];

/** The filtered list (same filters and order as the board, every page) as a CSV file. */
export async function exportLeadsCsv(ctx: Ctx, filters: BoardFilter): Promise<{ body: string; filename: string }> {
  assertDistributor(ctx);
  const now = nowOf(ctx);
  const rows = await listRows(ctx.db, filters, now).limit(BOARD_CSV_MAX);
  return { body: CSV_BOM + toCsv(rows, csvColumns), filename: `leads-${now.toISOString().slice(0, 10)}.csv` };
}

/** Lead id → "L-000123" for the given ids (to name leads in messages). */
export async function leadRefs(ctx: Ctx, ids: string[]): Promise<Map<string, string>> {
  assertDistributor(ctx);
  if (ids.length === 0) return new Map();
  const rows = await ctx.db.select({ id: leads.id, number: leads.number }).from(leads).where(inArray(leads.id, ids));
  return new Map(rows.map((r) => [r.id, leadRef(r.number)]));
}
