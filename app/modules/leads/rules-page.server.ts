/**
 * What the routing rules page (/leads/rules, vendor admins) shows: the rules
 * in force, their version history, the choices of the form (products,
 * specializations, course keys) and the public holidays by country and year.
 * Reads only; publishing and holidays are rules.server.ts's.
 */
import { asc, eq, inArray } from "drizzle-orm";
import { courses, products, specializations, users } from "~db/schema";
import { nowOf, type Ctx } from "~/modules/auth/actor";
import { tierLadderInForce } from "~/modules/tiers/in-force.server";
import { countryName } from "~/utils/countries";
import { holidayFilterSchema } from "./rules-schemas";
import { assertConfigurer, currentRules, listHolidays, listRuleVersions } from "./rules.server";

export async function rulesPageData(ctx: Ctx, query: URLSearchParams) {
  assertConfigurer(ctx);
  const filter = holidayFilterSchema.parse(Object.fromEntries(query));
  const year = filter.year ?? (ctx.now ?? new Date()).getUTCFullYear();
  const [current, versions, holidays, productRows, specRows, courseRows] = await Promise.all([
    currentRules(ctx.db),
    listRuleVersions(ctx.db),
    listHolidays(ctx.db, { country: filter.country ?? null, year }),
    ctx.db
      .select({ id: products.id, name: products.name, edition: products.edition, sku: products.sku })
      .from(products)
      .orderBy(asc(products.name), asc(products.sku)),
    ctx.db
      .select({ key: specializations.key, label: specializations.label })
      .from(specializations)
      .where(eq(specializations.active, true))
      .orderBy(asc(specializations.sort), asc(specializations.label)),
    ctx.db.selectDistinct({ key: courses.key }).from(courses).orderBy(asc(courses.key)),
  ]);
  const authorIds = [...new Set(versions.map((v) => v.createdBy).filter((id): id is string => !!id))];
  const authors = authorIds.length
    ? await ctx.db.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, authorIds))
    : [];
  const authorName = new Map(authors.map((a) => [a.id, a.name]));
  return {
    current,
    versions: versions.map((v) => ({ ...v, author: v.createdBy ? (authorName.get(v.createdBy) ?? null) : null })),
    holidays: holidays.map((h) => ({ ...h, countryName: countryName(h.country) })),
    holidayFilter: { country: filter.country ?? null, year },
    options: {
      products: productRows.map((p) => ({ value: p.id, label: `${p.name} ${p.edition} (${p.sku})` })),
      specializations: specRows.map((s) => ({ value: s.key, label: s.label })),
      courses: courseRows.map((c) => ({ value: c.key, label: c.key })),
      tiers: (await tierLadderInForce(ctx.db, nowOf(ctx))).map((t) => ({ value: t.key, label: t.name })),
    },
  };
}
export type RulesPageData = Awaited<ReturnType<typeof rulesPageData>>;
