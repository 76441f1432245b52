import {
  and,
  asc,
  count,
  countDistinct,
  desc,
  eq,
  gt,
  gte,
  isNull,
  lte,
  ne,
  notExists,
  sql,
  type SQL,
} from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~db/client";
import { certifications, courseModules, courses, enrollments, moduleCompletions, partners, users } from "~db/schema";
import { nowOf, scopeOf, type Ctx } from "~/modules/auth/actor";
import { partnersWhere, scopeWhere } from "~/modules/partners/scope.server";
import { countryName, isCountryCode } from "~/utils/countries";
import { CSV_BOM, toCsv, type CsvColumn } from "~/utils/csv";
import { ForbiddenError } from "~/utils/errors.server";
import { can, type Role } from "~/utils/permissions";
import { daysLeft, expiryWarning, isExpiredAt, isValidAt } from "./expiry";

/**
 * Who is certified: the function the tier rules use (certifiedPeople), the
 * partner admin's team matrix (people × courses, with its CSV) and the
 * vendor's training report across partners.
 */

// ---------------------------------------------------------------------------------------------------------------
// Certified people (for the tier rules)

export interface CertifiedPerson {
  userId: string;
  name: string;
  email: string;
  earnedAt: Date;
  expiresAt: Date;
}

export interface CertifiedGroup {
  courseKey: string;
  certificationName: string;
  people: CertifiedPerson[];
}

/**
 * The named people of a partner holding a certification valid at `at`
 * (earned by then, not yet expired, not revoked), per course key, each person
 * once (with their certification that lasts longest when they hold two, e.g.
 * after renewing early). Judged by dates rather than by status, so that a
 * past date sees certifications the job has since marked expired. Deactivated
 * accounts are left out: people who left do not count for the partner.
 * Groups are ordered by course key, people by name; a course without
 * certified people has no group.
 */
export async function certifiedPeople(
  db: Db,
  opts: { partnerId: string; at: Date; courseKey?: string },
): Promise<CertifiedGroup[]> {
  const { partnerId, ...rest } = opts;
  return (await certifiedPeopleOf(db, { partnerIds: [partnerId], ...rest })).get(partnerId) ?? [];
}

/**
 * certifiedPeople of several partners with one query (tier evaluation of
 * many partners, what-if): partner id → its groups, the same as
 * certifiedPeople gives each (a partner without certified people maps to []).
 * One partner reads through the partner scope; several are the explicit
 * cross-partner read `partner_id = any($ids)`.
 */
export async function certifiedPeopleOf(
  db: Db,
  opts: { partnerIds: readonly string[]; at: Date; courseKey?: string },
): Promise<Map<string, CertifiedGroup[]>> {
  const out = new Map<string, CertifiedGroup[]>(opts.partnerIds.map((id) => [id, []]));
  if (opts.partnerIds.length === 0) return out;
  const rows = await db
    .select({
      partnerId: certifications.partnerId,
      courseKey: certifications.courseKey,
      certificationName: certifications.name,
      userId: certifications.userId,
      name: users.name,
      email: users.email,
      earnedAt: certifications.earnedAt,
      expiresAt: certifications.expiresAt,
    })
    .from(certifications)
    .innerJoin(users, eq(users.id, certifications.userId))
    .where(
      partnersWhere(
        opts.partnerIds,
        certifications,
        ne(certifications.status, "revoked"),
        lte(certifications.earnedAt, opts.at),
        gt(certifications.expiresAt, opts.at),
        eq(users.status, "active"),
        opts.courseKey === undefined ? undefined : eq(certifications.courseKey, opts.courseKey),
      ),
    )
    // The certification id last: two earned at the same moment name the group the same way every time.
    .orderBy(
      asc(certifications.partnerId),
      asc(certifications.courseKey),
      desc(certifications.earnedAt),
      asc(certifications.id),
    );

  type Group = { certificationName: string; people: Map<string, CertifiedPerson> };
  const byPartner = new Map<string, Map<string, Group>>();
  for (const r of rows) {
    let groups = byPartner.get(r.partnerId);
    if (!groups) byPartner.set(r.partnerId, (groups = new Map()));
    // Newest earned first: the group is named after the latest certification of the course.
    let group = groups.get(r.courseKey);
    if (!group) groups.set(r.courseKey, (group = { certificationName: r.certificationName, people: new Map() }));
    const held = group.people.get(r.userId);
    if (!held || r.expiresAt.getTime() > held.expiresAt.getTime()) {
      group.people.set(r.userId, {
        userId: r.userId,
        name: r.name,
        email: r.email,
        earnedAt: r.earnedAt,
        expiresAt: r.expiresAt,
      });
    }
  }
  for (const [partnerId, groups] of byPartner) {
    out.set(
      partnerId,
      [...groups.entries()].map(([courseKey, g]) => ({
        courseKey,
        certificationName: g.certificationName,
        people: [...g.people.values()].sort((a, b) => a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId)),
      })),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Team matrix (partner admins)

export type MatrixCell =
  | { state: "not_started" }
  | {
      state: "in_progress";
      percent: number;
      completedModules: number;
      totalModules: number;
      /** The person's last certification of the course lapsed on this date (they are taking it again). */
      expiredOn: Date | null;
    }
  | { state: "certified"; certificationId: string; until: Date; daysLeft: number; warning: string | null }
  | { state: "expired"; on: Date };

export interface CellInput {
  certifications: { id: string; status: string; earnedAt: Date; expiresAt: Date }[];
  /** The open enrollment, if any: completed modules out of the modules of the version enrolled in. */
  open: { completedModules: number; totalModules: number } | null;
}

/**
 * One cell of the matrix: certified (a valid certification; the one that
 * lasts longest) wins over in progress, which wins over expired (a lapsed,
 * not revoked certification); otherwise not started. Judged by dates at `now`.
 */
export function matrixCell(input: CellInput, now: Date): MatrixCell {
  const valid = input.certifications
    .filter((c) => isValidAt(c, now))
    .sort((a, b) => b.expiresAt.getTime() - a.expiresAt.getTime())[0];
  if (valid) {
    return {
      state: "certified",
      certificationId: valid.id,
      until: valid.expiresAt,
      daysLeft: daysLeft(valid.expiresAt, now),
      warning: expiryWarning(valid.expiresAt, now),
    };
  }
  const lapsed = input.certifications
    .filter((c) => c.status !== "revoked" && isExpiredAt(c, now))
    .sort((a, b) => b.expiresAt.getTime() - a.expiresAt.getTime())[0];
  if (input.open) {
    const { completedModules, totalModules } = input.open;
    const percent = totalModules > 0 ? Math.min(100, Math.floor((completedModules * 100) / totalModules)) : 0;
    return { state: "in_progress", percent, completedModules, totalModules, expiredOn: lapsed?.expiresAt ?? null };
  }
  if (lapsed) return { state: "expired", on: lapsed.expiresAt };
  return { state: "not_started" };
}

const isoDate = (d: Date) => d.toISOString().slice(0, 10);

/** The cell as words (the CSV and screen readers). */
export function cellText(cell: MatrixCell): string {
  switch (cell.state) {
    case "not_started":
      return "Not started";
    case "in_progress":
      return `In progress (${cell.percent}%)${cell.expiredOn ? `; expired on ${isoDate(cell.expiredOn)}` : ""}`;
    case "certified":
      return `Certified until ${isoDate(cell.until)}${cell.warning ? ` (${cell.warning})` : ""}`;
    case "expired":
      return `Expired on ${isoDate(cell.on)}`;
  }
}

function requirePartnerAdmin(ctx: Ctx): string {
  const partnerId = ctx.actor.partnerId;
  if (!partnerId || !can(ctx.actor.role, "training:team")) {
    throw new ForbiddenError("Only a partner admin sees the team's training.");
  }
  return partnerId;
}

/** The published courses, one per key (its published version), by title. */
async function publishedCourses(db: Db) {
  return db
    .select({ key: courses.key, title: courses.title, certificationName: courses.certificationName })
    .from(courses)
    .where(eq(courses.status, "published"))
    .orderBy(asc(courses.title), asc(courses.key));
}

export interface TeamMatrix {
  courses: { key: string; title: string; certificationName: string }[];
  rows: { userId: string; name: string; email: string; role: Role; cells: MatrixCell[] }[];
}

/**
 * The partner admin's matrix: the partner's active people (rows) × the
 * published courses (columns). Every partner-scoped read goes through the
 * actor's scope, so an admin only ever sees their own people.
 */
export async function teamMatrix(ctx: Ctx): Promise<TeamMatrix> {
  requirePartnerAdmin(ctx);
  const scope = scopeOf(ctx.actor);
  const now = nowOf(ctx);
  const [courseList, people, open, certs] = await Promise.all([
    publishedCourses(ctx.db),
    ctx.db
      .select({ userId: users.id, name: users.name, email: users.email, role: users.role })
      .from(users)
      .where(scopeWhere(scope, users, eq(users.status, "active")))
      .orderBy(asc(users.name), asc(users.id)),
    // Open enrollments with the modules of the version enrolled in and those completed.
    ctx.db
      .select({
        userId: enrollments.userId,
        courseKey: enrollments.courseKey,
        totalModules: countDistinct(courseModules.id),
        completedModules: countDistinct(moduleCompletions.moduleId),
      })
      .from(enrollments)
      .leftJoin(courseModules, eq(courseModules.courseId, enrollments.courseId))
      .leftJoin(
        moduleCompletions,
        and(eq(moduleCompletions.enrollmentId, enrollments.id), eq(moduleCompletions.partnerId, enrollments.partnerId)),
      )
      .where(scopeWhere(scope, enrollments, isNull(enrollments.completedAt)))
      .groupBy(enrollments.id),
    ctx.db
      .select({
        id: certifications.id,
        userId: certifications.userId,
        courseKey: certifications.courseKey,
        status: certifications.status,
        earnedAt: certifications.earnedAt,
        expiresAt: certifications.expiresAt,
      })
      .from(certifications)
      .where(scopeWhere(scope, certifications, ne(certifications.status, "revoked"))),
  ]);

  const key = (userId: string, courseKey: string) => `${userId}\u0000${courseKey}`;
  const openBy = new Map(open.map((e) => [key(e.userId, e.courseKey), e]));
  const certsBy = new Map<string, CellInput["certifications"]>();
  for (const c of certs) {
    const k = key(c.userId, c.courseKey);
    certsBy.set(k, [...(certsBy.get(k) ?? []), c]);
  }
  return {
    courses: courseList,
    rows: people.map((p) => ({
      ...p,
      cells: courseList.map((c) =>
        matrixCell(
          { certifications: certsBy.get(key(p.userId, c.key)) ?? [], open: openBy.get(key(p.userId, c.key)) ?? null },
          now,
        ),
      ),
    })),
  };
}

/** The matrix as a CSV file (team-training-2026-11-25.csv): one row per person, one column per course. */
export async function exportTeamMatrixCsv(ctx: Ctx): Promise<{ body: string; filename: string }> {
  const matrix = await teamMatrix(ctx);
  type Row = TeamMatrix["rows"][number];
  const columns: CsvColumn<Row>[] = [
    { header: "Name", value: (r) => r.name },
    { header: "Email", value: (r) => r.email },
    ...matrix.courses.map((c, i) => ({ header: c.title, value: (r: Row) => cellText(r.cells[i]!) })),
  ];
  return {
    body: CSV_BOM + toCsv(matrix.rows, columns),
    filename: `team-training-${isoDate(nowOf(ctx))}.csv`,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Vendor report

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optional = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess(blankToUndefined, schema.optional()).catch(undefined);

/** The report's filters from the query string; a bad value is dropped, never an error. */
export const reportQuerySchema = z.object({
  course: optional(z.string().trim().max(100)),
  country: optional(
    z
      .string()
      .trim()
      .toUpperCase()
      .refine((c) => isCountryCode(c)),
  ),
});
export type ReportQuery = z.infer<typeof reportQuerySchema>;

export function parseReportQuery(params: URLSearchParams): ReportQuery {
  return reportQuerySchema.parse(Object.fromEntries(params));
}

/** Months shown in the chart, this one included. */
export const REPORT_MONTHS = 12;
/** How many partners without certified staff are listed (the count covers them all). */
export const UNCERTIFIED_LIST_LIMIT = 200;

function requireReport(ctx: Ctx): void {
  if (ctx.actor.partnerId || !can(ctx.actor.role, "training:report")) throw new ForbiddenError();
}

/** "2026-03" for each of the last `n` months up to `now`'s (UTC), oldest first. */
export function lastMonths(now: Date, n: number): string[] {
  const out: string[] = [];
  for (let i = n - 1; i >= 0; i--) {
    out.push(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1)).toISOString().slice(0, 7));
  }
  return out;
}

/**
 * The vendor's view of training across partners (cross-partner reads, vendor
 * staff only): certifications earned ("completions", revoked ones left out)
 * and currently valid, by course and by partner country, certifications
 * earned per month over the last 12 months, and the active partners with no
 * currently certified staff. The course and country filters apply to all of it.
 */
export async function trainingReport(ctx: Ctx, query: ReportQuery) {
  requireReport(ctx);
  const now = nowOf(ctx);
  const scope = scopeOf(ctx.actor);
  const months = lastMonths(now, REPORT_MONTHS);
  const since = new Date(`${months[0]}-01T00:00:00Z`);

  const certWhere = (...more: (SQL | undefined)[]) =>
    scopeWhere(
      scope,
      certifications,
      ne(certifications.status, "revoked"),
      query.course ? eq(certifications.courseKey, query.course) : undefined,
      query.country ? eq(partners.country, query.country) : undefined,
      ...more,
    );
  const validNow = and(lte(certifications.earnedAt, now), gt(certifications.expiresAt, now))!;
  const figures = {
    completions: sql<number>`count(*)`.mapWith(Number),
    active: sql<number>`count(*) filter (where ${validNow})`.mapWith(Number),
    people: sql<number>`count(distinct ${certifications.userId}) filter (where ${validNow})`.mapWith(Number),
    partners: sql<number>`count(distinct ${certifications.partnerId}) filter (where ${validNow})`.mapWith(Number),
  };
  const month = sql<string>`to_char(date_trunc('month', ${certifications.earnedAt} at time zone 'UTC'), 'YYYY-MM')`;
  const activePartner = and(
    eq(partners.status, "active"),
    query.country ? eq(partners.country, query.country) : undefined,
  );
  const noCertifiedStaff = notExists(
    ctx.db
      .select({ one: sql`1` })
      .from(certifications)
      .where(
        and(
          eq(certifications.partnerId, partners.id),
          ne(certifications.status, "revoked"),
          validNow,
          query.course ? eq(certifications.courseKey, query.course) : undefined,
        ),
      ),
  );

  const [courseRows, totals, byCourse, byCountry, partnersByCountry, perMonth, uncertified, countryRows] =
    await Promise.all([
      // Every course key with its newest non-draft version's title.
      ctx.db
        .selectDistinctOn([courses.key], { key: courses.key, title: courses.title, status: courses.status })
        .from(courses)
        .where(ne(courses.status, "draft"))
        .orderBy(courses.key, desc(courses.version)),
      ctx.db
        .select(figures)
        .from(certifications)
        .innerJoin(partners, eq(partners.id, certifications.partnerId))
        .where(certWhere()),
      ctx.db
        .select({ courseKey: certifications.courseKey, name: sql<string>`max(${certifications.name})`, ...figures })
        .from(certifications)
        .innerJoin(partners, eq(partners.id, certifications.partnerId))
        .where(certWhere())
        .groupBy(certifications.courseKey),
      ctx.db
        .select({ country: partners.country, ...figures })
        .from(certifications)
        .innerJoin(partners, eq(partners.id, certifications.partnerId))
        .where(certWhere())
        .groupBy(partners.country),
      ctx.db
        .select({ country: partners.country, n: sql<number>`count(*)`.mapWith(Number) })
        .from(partners)
        .where(activePartner)
        .groupBy(partners.country),
      ctx.db
        .select({ month, n: sql<number>`count(*)`.mapWith(Number) })
        .from(certifications)
        .innerJoin(partners, eq(partners.id, certifications.partnerId))
        .where(certWhere(gte(certifications.earnedAt, since), lte(certifications.earnedAt, now)))
        .groupBy(month),
      ctx.db
        .select({
          id: partners.id,
          name: partners.name,
          country: partners.country,
          people: count(users.id),
          total: sql<number>`count(*) over ()`.mapWith(Number),
        })
        .from(partners)
        .leftJoin(users, and(eq(users.partnerId, partners.id), eq(users.status, "active")))
        .where(and(activePartner, noCertifiedStaff))
        .groupBy(partners.id)
        .orderBy(asc(sql`lower(${partners.name})`), asc(partners.id))
        .limit(UNCERTIFIED_LIST_LIMIT),
      ctx.db.selectDistinct({ country: partners.country }).from(partners).orderBy(partners.country),
    ]);

  const titles = new Map(courseRows.map((c) => [c.key, c.title]));
  const activePartners = new Map(partnersByCountry.map((r) => [r.country, r.n]));
  const earned = new Map(perMonth.map((r) => [r.month, r.n]));
  const total = totals[0] ?? { completions: 0, active: 0, people: 0, partners: 0 };

  return {
    query,
    options: {
      courses: courseRows
        .map((c) => ({ value: c.key, label: c.status === "published" ? c.title : `${c.title} (${c.status})` }))
        .sort((a, b) => a.label.localeCompare(b.label)),
      countries: countryRows
        .map((r) => ({ value: r.country, label: countryName(r.country) }))
        .sort((a, b) => a.label.localeCompare(b.label)),
    },
    totals: { ...total, activePartners: partnersByCountry.reduce((n, r) => n + r.n, 0) },
    byCourse: byCourse
      .map((r) => ({
        courseKey: r.courseKey,
        title: titles.get(r.courseKey) ?? r.name,
        completions: r.completions,
        active: r.active,
        people: r.people,
        partners: r.partners,
      }))
      .sort((a, b) => b.active - a.active || a.title.localeCompare(b.title)),
    byCountry: byCountry
      .map((r) => ({
        country: r.country,
        countryName: countryName(r.country),
        completions: r.completions,
        active: r.active,
        people: r.people,
        certifiedPartners: r.partners,
        activePartners: activePartners.get(r.country) ?? 0,
      }))
      .sort((a, b) => b.active - a.active || a.countryName.localeCompare(b.countryName)),
    perMonth: months.map((m) => ({ month: m, earned: earned.get(m) ?? 0 })),
    uncertified: {
      total: uncertified[0]?.total ?? 0,
      partners: uncertified.map(({ total: _total, ...p }) => ({ ...p, countryName: countryName(p.country) })),
    },
    generatedAt: now,
  };
}
