import { and, arrayContains, asc, count, desc, eq, inArray, isNull, or, sql, type SQL } from "drizzle-orm";
import { alias, type AnyPgColumn } from "drizzle-orm/pg-core";
import { z } from "zod";
import {
  agreementAcceptances,
  agreements,
  applications,
  auditEvents,
  partnerNotes,
  partners,
  partnerStatus,
  specializations,
  users,
} from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import { tierLadderInForce } from "~/modules/tiers/in-force.server";
import type { TierLadder } from "~/modules/tiers/rules";
import { nowOf, scopeOf, type Ctx } from "~/modules/auth/actor";
import { normalizeDomain } from "~/modules/onboarding/domains";
import { countries, countryName, isCountryCode } from "~/utils/countries";
import { ForbiddenError, NotFoundError, ValidationError } from "~/utils/errors.server";
import { can, vendorRoles, type Permission } from "~/utils/permissions";
import { CSV_BOM, toCsv, type CsvColumn } from "~/utils/csv";
import { escapeLike } from "~/utils/sql.server";
import { scopeWhere } from "./scope.server";

/**
 * The vendor's channel view: the partner directory (search, filters, sort,
 * pagination, CSV export) and one partner's page. Cross-partner reads, so
 * vendor staff only: a partner actor is refused here as well as in the route.
 */

export const DIRECTORY_PAGE_SIZE = 25;
/** An export is the whole filtered set, up to this many rows. */
export const EXPORT_ROW_CAP = 50_000;
/** How many audit events the partner page shows (the audit page has the rest). */
export const ACTIVITY_LIMIT = 20;

export const directorySorts = ["name", "country", "tier", "status", "created"] as const;
export type DirectorySort = (typeof directorySorts)[number];
export type SortDirection = "asc" | "desc";

/** Vendor staff with `permission`; partner actors (and API keys of partners) never. */
export function requireVendor(ctx: Ctx, permission: Permission): void {
  if (ctx.actor.partnerId || !can(ctx.actor.role, permission)) throw new ForbiddenError();
}

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optional = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess(blankToUndefined, schema.optional()).catch(undefined);

/**
 * The directory's URL query. Every field is optional and a bad value is
 * dropped (the view falls back to its default), so a hand-edited or stale
 * bookmark never fails.
 */
export const directoryQuerySchema = z.object({
  q: optional(z.string().trim().max(200)),
  country: optional(
    z
      .string()
      .trim()
      .toUpperCase()
      .refine((c) => isCountryCode(c)),
  ),
  /** A tier key (the ladder in force lists them; an unknown key matches nobody). */
  tier: optional(
    z
      .string()
      .trim()
      .regex(/^[a-z][a-z0-9-]{0,29}$/),
  ),
  status: optional(z.enum(partnerStatus.enumValues)),
  specialization: optional(z.string().regex(/^[a-z0-9][a-z0-9-]{0,59}$/)),
  owner: optional(z.union([z.literal("unassigned"), z.string().uuid()])),
  sort: z.enum(directorySorts).catch("name").default("name"),
  dir: optional(z.enum(["asc", "desc"])),
  page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1),
});
export type DirectoryQuery = z.infer<typeof directoryQuerySchema>;

export function parseDirectoryQuery(params: URLSearchParams): DirectoryQuery {
  return directoryQuerySchema.parse(Object.fromEntries(params));
}

/** Newest first is the natural order for the creation date; A→Z for the rest. */
export function sortDirection(query: Pick<DirectoryQuery, "sort" | "dir">): SortDirection {
  return query.dir ?? (query.sort === "created" ? "desc" : "asc");
}

export function hasFilters(query: DirectoryQuery): boolean {
  return !!(query.q || query.country || query.tier || query.status || query.specialization || query.owner);
}

function directoryWhere(ctx: Ctx, query: DirectoryQuery): SQL | undefined {
  const conds: (SQL | undefined)[] = [];
  if (query.q) {
    // lower(name) LIKE lower(…) rather than ILIKE: it is what the partners_name_trgm_idx index on lower(name) serves.
    const pattern = `%${escapeLike(query.q)}%`;
    const domain = normalizeDomain(query.q); // "https://www.polder-relay.test/" finds polder-relay.test
    conds.push(
      or(
        sql`lower(${partners.name}) like lower(${pattern})`,
        sql`lower(${partners.primaryDomain}) like lower(${pattern})`,
        domain ? eq(partners.primaryDomain, domain) : undefined,
      ),
    );
  }
  if (query.country) conds.push(eq(partners.country, query.country));
  if (query.tier) conds.push(eq(partners.tier, query.tier));
  if (query.status) conds.push(eq(partners.status, query.status));
  if (query.specialization) conds.push(arrayContains(partners.specializations, [query.specialization]));
  if (query.owner === "unassigned") conds.push(isNull(partners.ownerUserId));
  else if (query.owner) conds.push(eq(partners.ownerUserId, query.owner));
  return scopeWhere(scopeOf(ctx.actor), { partnerId: partners.id }, ...conds);
}

/**
 * Country codes in the order of their English names, so that sorting by
 * country reads alphabetically: an array literal made from our own constant
 * list of two-letter codes (nothing from the request).
 */
const countryCodesByName = sql.raw(
  `'{${countries
    .map((c) => c.code)
    .filter((c) => /^[A-Z]{2}$/.test(c))
    .join(",")}}'::text[]`,
);

/** A tier filter the ladder in force does not know is dropped, like any other bad value. */
function knownTier(query: DirectoryQuery, ladder: TierLadder): DirectoryQuery {
  return query.tier && !ladder.some((t) => t.key === query.tier) ? { ...query, tier: undefined } : query;
}

/** Tiers sort by their place in the ladder in force (lowest first); a tier it no longer holds sorts after them. */
function directoryOrder(query: DirectoryQuery, ladder: TierLadder): SQL[] {
  const direction = sortDirection(query) === "desc" ? desc : asc;
  const byName = sql`lower(${partners.name})`;
  const ranks = sql`array[${sql.join(
    ladder.map((t) => sql`${t.key}`),
    sql`, `,
  )}]::text[]`;
  const key: Record<DirectorySort, SQL | AnyPgColumn> = {
    name: byName,
    country: sql`array_position(${countryCodesByName}, ${partners.country})`,
    tier: sql`coalesce(array_position(${ranks}, ${partners.tier}), ${ladder.length})`,
    status: partners.status,
    created: partners.createdAt,
  };
  return [direction(key[query.sort]), asc(byName), asc(partners.id)];
}

const owner = alias(users, "owner");

function directorySelect() {
  return {
    id: partners.id,
    name: partners.name,
    legalName: partners.legalName,
    primaryDomain: partners.primaryDomain,
    website: partners.website,
    country: partners.country,
    region: partners.region,
    tier: partners.tier,
    status: partners.status,
    statusReason: partners.statusReason,
    agreementVersion: partners.agreementVersion,
    specializations: partners.specializations,
    territories: partners.territories,
    listedInLocator: partners.listedInLocator,
    ownerUserId: partners.ownerUserId,
    ownerName: owner.name,
    ownerEmail: owner.email,
    /** Active accounts of the partner. */
    people:
      sql<number>`(select count(*) from ${users} where ${users.partnerId} = ${partners.id} and ${users.status} = 'active')`.mapWith(
        Number,
      ),
    createdAt: partners.createdAt,
  };
}
export type DirectoryRow = Awaited<ReturnType<typeof exportDirectory>>["rows"][number];

/** One page of the directory, with the total of the filtered set. A page past the end shows the last one. */
export async function listDirectory(ctx: Ctx, query: DirectoryQuery) {
  requireVendor(ctx, "partners:read-all");
  const ladder = await tierLadderInForce(ctx.db, nowOf(ctx));
  query = knownTier(query, ladder);
  const where = directoryWhere(ctx, query);
  const [totalRow] = await ctx.db.select({ n: count() }).from(partners).where(where);
  const total = totalRow?.n ?? 0;
  const lastPage = Math.max(1, Math.ceil(total / DIRECTORY_PAGE_SIZE));
  const page = Math.min(query.page, lastPage);
  const rows = await ctx.db
    .select(directorySelect())
    .from(partners)
    .leftJoin(owner, eq(owner.id, partners.ownerUserId))
    .where(where)
    .orderBy(...directoryOrder(query, ladder))
    .limit(DIRECTORY_PAGE_SIZE)
    .offset((page - 1) * DIRECTORY_PAGE_SIZE);
  return { rows, total, page, pageSize: DIRECTORY_PAGE_SIZE, sort: query.sort, dir: sortDirection(query) };
}

/** The whole filtered, sorted set (no pagination), capped at EXPORT_ROW_CAP rows. */
export async function exportDirectory(ctx: Ctx, query: DirectoryQuery) {
  requireVendor(ctx, "partners:read-all");
  const ladder = await tierLadderInForce(ctx.db, nowOf(ctx));
  query = knownTier(query, ladder);
  const rows = await ctx.db
    .select(directorySelect())
    .from(partners)
    .leftJoin(owner, eq(owner.id, partners.ownerUserId))
    .where(directoryWhere(ctx, query))
    .orderBy(...directoryOrder(query, ladder))
    .limit(EXPORT_ROW_CAP + 1);
  const truncated = rows.length > EXPORT_ROW_CAP;
  return { rows: truncated ? rows.slice(0, EXPORT_ROW_CAP) : rows, truncated };
}

/** The CSV columns of an export (see app/utils/csv.ts for quoting and formula neutralization). */
export const directoryCsvColumns: CsvColumn<DirectoryRow>[] = [
  { header: "Name", value: (r) => r.name },
  { header: "Legal name", value: (r) => r.legalName },
  { header: "Primary domain", value: (r) => r.primaryDomain },
  { header: "Website", value: (r) => r.website },
  { header: "Country code", value: (r) => r.country },
  { header: "Country", value: (r) => countryName(r.country) },
  { header: "Region", value: (r) => r.region },
  { header: "Tier", value: (r) => r.tier },
  { header: "Status", value: (r) => r.status },
  { header: "Status reason", value: (r) => r.statusReason },
  { header: "Owner", value: (r) => r.ownerName },
  { header: "Owner email", value: (r) => r.ownerEmail },
  { header: "People", value: (r) => r.people },
  { header: "Agreement version", value: (r) => r.agreementVersion },
  { header: "Specializations", value: (r) => r.specializations },
  { header: "Territories", value: (r) => r.territories },
  { header: "In partner locator", value: (r) => r.listedInLocator },
  { header: "Created", value: (r) => r.createdAt },
];

/**
 * The export as a file: the filtered, sorted set in CSV with a dated name
 * (partners-2026-11-25.csv). The byte order mark lets Excel read UTF-8.
 */
export async function exportDirectoryCsv(ctx: Ctx, query: DirectoryQuery) {
  const { rows, truncated } = await exportDirectory(ctx, query);
  const date = nowOf(ctx).toISOString().slice(0, 10);
  return {
    body: CSV_BOM + toCsv(rows, directoryCsvColumns),
    filename: `partners-${date}.csv`,
    rowCount: rows.length,
    truncated,
  };
}

/** What the directory's filter selects offer. */
export async function directoryOptions(ctx: Ctx) {
  requireVendor(ctx, "partners:read-all");
  const [specs, owners, countryRows] = await Promise.all([
    ctx.db
      .select({ key: specializations.key, label: specializations.label })
      .from(specializations)
      .orderBy(asc(specializations.sort), asc(specializations.label)),
    vendorStaff(ctx),
    ctx.db.selectDistinct({ code: partners.country }).from(partners),
  ]);
  return {
    specializations: specs,
    owners,
    countries: countryRows
      .map((c) => ({ code: c.code, name: countryName(c.code) }))
      .sort((a, b) => a.name.localeCompare(b.name, "en")),
    /** The ladder in force, lowest first. */
    tiers: (await tierLadderInForce(ctx.db, nowOf(ctx))).map((t) => ({ value: t.key, label: t.name })),
    statuses: partnerStatus.enumValues,
  };
}

/** The vendor's staff, who can own partner relationships. */
async function vendorStaff(ctx: Ctx) {
  return ctx.db
    .select({ id: users.id, name: users.name, email: users.email, role: users.role, status: users.status })
    .from(users)
    .where(and(isNull(users.partnerId), inArray(users.role, [...vendorRoles])))
    .orderBy(asc(users.name));
}

const partnerIdSchema = z.string().uuid();

/** Everything the partner page shows. A malformed or unknown id is not found. */
export async function getPartnerDetail(ctx: Ctx, id: string) {
  requireVendor(ctx, "partners:read-all");
  if (!partnerIdSchema.safeParse(id).success) throw new NotFoundError("Partner not found.");
  const [partner] = await ctx.db
    .select({ partner: partners, ownerName: owner.name, ownerEmail: owner.email })
    .from(partners)
    .leftJoin(owner, eq(owner.id, partners.ownerUserId))
    .where(scopeWhere(scopeOf(ctx.actor), { partnerId: partners.id }, eq(partners.id, id)));
  if (!partner) throw new NotFoundError("Partner not found.");

  const noteAuthor = alias(users, "note_author");
  const [people, acceptances, notes, activity, origin, specLabels, staff] = await Promise.all([
    ctx.db
      .select({
        id: users.id,
        name: users.name,
        email: users.email,
        role: users.role,
        status: users.status,
        lastSignInAt: users.lastSignInAt,
      })
      .from(users)
      .where(eq(users.partnerId, id))
      .orderBy(asc(users.name)),
    ctx.db
      .select({
        id: agreementAcceptances.id,
        version: agreementAcceptances.version,
        title: agreements.title,
        acceptedAt: agreementAcceptances.acceptedAt,
        ip: agreementAcceptances.ip,
        userAgent: agreementAcceptances.userAgent,
        userName: users.name,
        userEmail: users.email,
      })
      .from(agreementAcceptances)
      .innerJoin(agreements, eq(agreements.id, agreementAcceptances.agreementId))
      .innerJoin(users, eq(users.id, agreementAcceptances.userId))
      .where(eq(agreementAcceptances.partnerId, id))
      .orderBy(desc(agreementAcceptances.acceptedAt)),
    ctx.db
      .select({
        id: partnerNotes.id,
        body: partnerNotes.body,
        createdAt: partnerNotes.createdAt,
        authorName: noteAuthor.name,
        authorEmail: noteAuthor.email,
      })
      .from(partnerNotes)
      .innerJoin(noteAuthor, eq(noteAuthor.id, partnerNotes.authorId))
      .where(eq(partnerNotes.partnerId, id))
      .orderBy(desc(partnerNotes.createdAt), desc(partnerNotes.id)),
    ctx.db
      .select({
        id: auditEvents.id,
        at: auditEvents.at,
        actorLabel: auditEvents.actorLabel,
        action: auditEvents.action,
        subjectType: auditEvents.subjectType,
        subjectId: auditEvents.subjectId,
      })
      .from(auditEvents)
      .where(eq(auditEvents.partnerId, id))
      .orderBy(desc(auditEvents.at), desc(auditEvents.id))
      .limit(ACTIVITY_LIMIT),
    ctx.db
      .select({ id: applications.id, status: applications.status, createdAt: applications.createdAt })
      .from(applications)
      .where(eq(applications.partnerId, id))
      .orderBy(desc(applications.createdAt))
      .limit(1),
    partner.partner.specializations.length
      ? ctx.db
          .select({ key: specializations.key, label: specializations.label })
          .from(specializations)
          .where(inArray(specializations.key, partner.partner.specializations))
      : Promise.resolve([]),
    vendorStaff(ctx),
  ]);
  const labels = new Map(specLabels.map((s) => [s.key, s.label]));
  return {
    partner: {
      ...partner.partner,
      countryName: countryName(partner.partner.country),
      ownerName: partner.ownerName,
      ownerEmail: partner.ownerEmail,
      specializationLabels: partner.partner.specializations.map((key) => ({ key, label: labels.get(key) ?? key })),
    },
    people,
    acceptances,
    notes,
    activity,
    application: origin[0] ?? null,
    ownerOptions: staff.filter((s) => s.status === "active" || s.id === partner.partner.ownerUserId),
  };
}

const changeOwnerSchema = z.object({
  ownerUserId: z.preprocess(
    blankToUndefined,
    z.string({ invalid_type_error: "Choose a colleague." }).uuid("Choose a colleague.").optional(),
  ),
});

/**
 * Gives the partner relationship to another colleague of the vendor (or to
 * nobody: an empty owner). Vendor admins only; audited as partner.owner_changed.
 */
export async function changePartnerOwner(ctx: Ctx, partnerId: string, raw: unknown): Promise<void> {
  requireVendor(ctx, "partners:manage");
  if (!partnerIdSchema.safeParse(partnerId).success) throw new NotFoundError("Partner not found.");
  const parsed = changeOwnerSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(parsed.error.flatten().fieldErrors as Record<string, string[]>);
  const ownerUserId = parsed.data.ownerUserId ?? null;
  const now = nowOf(ctx);
  await ctx.db.transaction(async (tx) => {
    let next: { id: string; name: string } | null = null;
    if (ownerUserId) {
      const [candidate] = await tx
        .select({ id: users.id, name: users.name })
        .from(users)
        .where(
          and(
            eq(users.id, ownerUserId),
            isNull(users.partnerId),
            inArray(users.role, [...vendorRoles]),
            eq(users.status, "active"),
          ),
        );
      if (!candidate) throw new ValidationError({ ownerUserId: ["Choose an active colleague of the vendor."] });
      next = candidate;
    }
    const [current] = await tx
      .select({ ownerUserId: partners.ownerUserId, ownerName: owner.name })
      .from(partners)
      .leftJoin(owner, eq(owner.id, partners.ownerUserId))
      .where(eq(partners.id, partnerId))
      .for("update", { of: partners });
    if (!current) throw new NotFoundError("Partner not found.");
    if (current.ownerUserId === ownerUserId) return;
    await tx.update(partners).set({ ownerUserId, updatedAt: now }).where(eq(partners.id, partnerId));
    await recordAudit(tx, ctx.actor, {
      action: "partner.owner_changed",
      subjectType: "partner",
      subjectId: partnerId,
      partnerId,
      before: { ownerUserId: current.ownerUserId, ownerName: current.ownerName },
      after: { ownerUserId, ownerName: next?.name ?? null },
    });
  });
}
