/**
 * The routing rules in force (the highest version) and publishing a new
 * version; the public holidays that the SLA skips.
 */
import { and, asc, desc, eq, gte, inArray, lt, max, type SQL } from "drizzle-orm";
import type { Db } from "~db/client";
import {
  courses,
  products,
  publicHolidays,
  routingRules,
  specializations,
  tiers,
  type RoutingRulesJson,
} from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import type { Ctx } from "~/modules/auth/actor";
import { isUniqueViolation } from "~/utils/db-errors.server";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "~/utils/errors.server";
import { fieldErrorsOf } from "~/utils/field-errors";
import { can } from "~/utils/permissions";
import { holidayFilterSchema, holidayKeySchema, holidaySchema, rulesSchema } from "./rules-schemas";

export function assertConfigurer(ctx: Ctx): void {
  if (ctx.actor.partnerId || !can(ctx.actor.role, "routing:configure")) throw new ForbiddenError();
}

/** The rules in force: the highest version. */
export async function currentRules(db: Db): Promise<{ version: number; rules: RoutingRulesJson }> {
  const [row] = await db
    .select({ version: routingRules.version, rules: routingRules.rules })
    .from(routingRules)
    .orderBy(desc(routingRules.version))
    .limit(1);
  if (!row) throw new Error("routing_rules is empty: the migration inserts version 1");
  return row;
}

/** Earlier versions, newest first (what changed when). */
export async function listRuleVersions(db: Db, limit = 20) {
  return db
    .select({
      version: routingRules.version,
      note: routingRules.note,
      createdBy: routingRules.createdBy,
      createdAt: routingRules.createdAt,
    })
    .from(routingRules)
    .orderBy(desc(routingRules.version))
    .limit(limit);
}

/**
 * Publishes the next version of the rules. Bad input (ranges, territory
 * codes, unknown products, specializations or course keys) → ValidationError
 * with fields, and nothing is stored.
 */
export async function publishRules(ctx: Ctx, raw: unknown): Promise<{ version: number }> {
  assertConfigurer(ctx);
  const parsed = rulesSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const { note, ...rules } = parsed.data;
  await checkReferences(ctx.db, rules);
  try {
    return await ctx.db.transaction(async (tx) => {
      const [top] = await tx.select({ v: max(routingRules.version) }).from(routingRules);
      const before = top?.v ?? 0;
      const version = before + 1;
      const [prev] = before
        ? await tx.select({ rules: routingRules.rules }).from(routingRules).where(eq(routingRules.version, before))
        : [];
      await tx.insert(routingRules).values({ version, rules, note, createdBy: ctx.actor.userId });
      await recordAudit(tx, ctx.actor, {
        action: "routing.rules_published",
        subjectType: "routing_rules",
        subjectId: String(version),
        before: prev?.rules ?? null,
        after: rules,
      });
      return { version };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError("Someone published rules at the same moment; try again.");
    throw err;
  }
}

async function checkReferences(db: Db, rules: RoutingRulesJson): Promise<void> {
  const productIds = [...new Set(rules.productRules.map((r) => r.productId))];
  const specs = [...new Set(rules.productRules.map((r) => r.specialization).filter((s): s is string => !!s))];
  const certs = [
    ...new Set(
      [rules.requiredCertification, ...rules.productRules.map((r) => r.certification)].filter((s): s is string => !!s),
    ),
  ];
  // One after the other: publishRules may run inside a caller's transaction (one connection, one query at a time).
  const knownProducts = productIds.length
    ? await db.select({ id: products.id }).from(products).where(inArray(products.id, productIds))
    : [];
  const knownSpecs = specs.length
    ? await db.select({ key: specializations.key }).from(specializations).where(inArray(specializations.key, specs))
    : [];
  const tierKeys = [
    ...new Set([rules.minimumTier, ...rules.productRules.map((r) => r.minimumTier)].filter((t): t is string => !!t)),
  ];
  const knownTiers = tierKeys.length
    ? await db.select({ key: tiers.key }).from(tiers).where(inArray(tiers.key, tierKeys))
    : [];
  const knownCourses = certs.length
    ? await db.selectDistinct({ key: courses.key }).from(courses).where(inArray(courses.key, certs))
    : [];
  const p = new Set(knownProducts.map((r) => r.id));
  const s = new Set(knownSpecs.map((r) => r.key));
  const c = new Set(knownCourses.map((r) => r.key));
  const t = new Set(knownTiers.map((r) => r.key));
  const fields: Record<string, string[]> = {};
  rules.productRules.forEach((r, i) => {
    if (!p.has(r.productId)) fields[`productRules[${i}].productId`] = ["No such product."];
    if (r.specialization && !s.has(r.specialization)) {
      fields[`productRules[${i}].specialization`] = ["No such specialization."];
    }
    if (r.certification && !c.has(r.certification)) fields[`productRules[${i}].certification`] = ["No such course."];
    if (r.minimumTier && !t.has(r.minimumTier)) fields[`productRules[${i}].minimumTier`] = ["No such tier."];
  });
  if (!t.has(rules.minimumTier)) fields.minimumTier = ["No such tier."];
  if (rules.requiredCertification && !c.has(rules.requiredCertification)) {
    fields.requiredCertification = ["No such course."];
  }
  if (Object.keys(fields).length > 0) throw new ValidationError(fields);
}

// ---------------------------------------------------------------------------
// Public holidays.

export async function listHolidays(db: Db, raw: { country?: string | null; year?: number | string | null } = {}) {
  const f = holidayFilterSchema.parse(raw);
  const conds: SQL[] = [];
  if (f.country) conds.push(eq(publicHolidays.country, f.country));
  if (f.year) {
    conds.push(gte(publicHolidays.date, `${f.year}-01-01`), lt(publicHolidays.date, `${f.year + 1}-01-01`));
  }
  return db
    .select()
    .from(publicHolidays)
    .where(and(...conds))
    .orderBy(asc(publicHolidays.date), asc(publicHolidays.country));
}

/** Adds a holiday (or renames the one on that date). */
export async function addHoliday(ctx: Ctx, raw: unknown): Promise<{ country: string; date: string; name: string }> {
  assertConfigurer(ctx);
  const parsed = holidaySchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const h = parsed.data;
  return ctx.db.transaction(async (tx) => {
    const [before] = await tx
      .select()
      .from(publicHolidays)
      .where(and(eq(publicHolidays.country, h.country), eq(publicHolidays.date, h.date)));
    await tx
      .insert(publicHolidays)
      .values(h)
      .onConflictDoUpdate({ target: [publicHolidays.country, publicHolidays.date], set: { name: h.name } });
    await recordAudit(tx, ctx.actor, {
      action: "routing.holiday_added",
      subjectType: "public_holiday",
      subjectId: `${h.country}:${h.date}`,
      before: before ?? null,
      after: h,
    });
    return h;
  });
}

export async function removeHoliday(ctx: Ctx, raw: { country: string; date: string }): Promise<void> {
  assertConfigurer(ctx);
  const parsed = holidayKeySchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const k = parsed.data;
  await ctx.db.transaction(async (tx) => {
    const [removed] = await tx
      .delete(publicHolidays)
      .where(and(eq(publicHolidays.country, k.country), eq(publicHolidays.date, k.date)))
      .returning();
    if (!removed) throw new NotFoundError("No such holiday.");
    await recordAudit(tx, ctx.actor, {
      action: "routing.holiday_removed",
      subjectType: "public_holiday",
      subjectId: `${k.country}:${k.date}`,
      before: removed,
    });
  });
}

/** Holidays of these countries between two local dates (inclusive), as country → set of "YYYY-MM-DD". */
export async function holidaysByCountry(
  db: Db,
  countries: string[],
  from: string,
  to: string,
): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  if (countries.length === 0) return out;
  const rows = await db
    .select({ country: publicHolidays.country, date: publicHolidays.date })
    .from(publicHolidays)
    .where(
      and(inArray(publicHolidays.country, countries), gte(publicHolidays.date, from), lt(publicHolidays.date, to)),
    );
  for (const r of rows) {
    let s = out.get(r.country);
    if (!s) out.set(r.country, (s = new Set()));
    s.add(r.date);
  }
  return out;
}
