import { and, asc, count, eq, ilike, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~db/client";
import { partnerLogos, partners } from "~db/schema";
import { activeSpecializations } from "~/modules/onboarding/specializations.server";
import { isCountryCode } from "~/utils/countries";
import { escapeLike } from "~/utils/sql.server";

/**
 * The public partner locator (/partners): active partners that opted in.
 * A deliberate cross-partner read with a fixed, public set of columns: no
 * ids beyond the slug, no users, no contacts, no addresses.
 */

export const LOCATOR_PAGE_SIZE = 20;

export const locatorFilterSchema = z.object({
  country: z.string().trim().toUpperCase().refine(isCountryCode).optional().catch(undefined),
  specialization: z
    .string()
    .trim()
    .regex(/^[a-z0-9-]{2,40}$/)
    .optional()
    .catch(undefined),
  q: z.string().trim().max(100).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(1000).default(1).catch(1),
});
export type LocatorFilter = z.infer<typeof locatorFilterSchema>;

function listed(): SQL {
  return and(eq(partners.status, "active"), eq(partners.listedInLocator, true))!;
}

/** Covers a country: based there, or the country (or one of its subdivisions) among its territories. */
function coversCountry(country: string): SQL {
  return sql`(${partners.country} = ${country} or exists (select 1 from unnest(${partners.territories}) as t(code) where t.code = ${country} or t.code like ${`${country}-%`}))`;
}

export async function searchLocator(db: Db, filter: LocatorFilter) {
  const where = and(
    listed(),
    filter.country ? coversCountry(filter.country) : undefined,
    filter.specialization ? sql`${filter.specialization} = any(${partners.specializations})` : undefined,
    filter.q ? ilike(partners.name, `%${escapeLike(filter.q)}%`) : undefined,
  );
  const [total] = await db.select({ n: count() }).from(partners).where(where);
  const rows = await db
    .select({
      slug: partners.slug,
      name: partners.name,
      country: partners.country,
      territories: partners.territories,
      specializations: partners.specializations,
      description: partners.description,
      website: partners.website,
      tier: partners.tier,
      logoSha: partnerLogos.sha256,
    })
    .from(partners)
    .leftJoin(partnerLogos, eq(partnerLogos.partnerId, partners.id))
    .where(where)
    .orderBy(asc(sql`lower(${partners.name})`), asc(partners.slug))
    .limit(LOCATOR_PAGE_SIZE)
    .offset((filter.page - 1) * LOCATOR_PAGE_SIZE);

  const specs = await activeSpecializations(db);
  const labelOf = new Map(specs.map((s) => [s.key, s.label]));
  return {
    partners: rows.map((r) => ({
      slug: r.slug,
      name: r.name,
      country: r.country,
      territories: r.territories,
      // Only what the vendor still offers, by its label.
      specializations: r.specializations.flatMap((k) => (labelOf.has(k) ? [labelOf.get(k)!] : [])),
      description: r.description,
      website: safeWebsite(r.website),
      tier: r.tier,
      logo: r.logoSha ? `/partners/${r.slug}/logo?v=${r.logoSha.slice(0, 12)}` : null,
    })),
    total: total?.n ?? 0,
    page: filter.page,
    pageSize: LOCATOR_PAGE_SIZE,
    specializations: specs,
    countries: await coveredCountries(db),
  };
}

/** Countries where listed partners are based or work: the locator's country filter. */
async function coveredCountries(db: Db): Promise<string[]> {
  const rows = await db
    .select({ country: partners.country, territories: partners.territories })
    .from(partners)
    .where(listed());
  const codes = new Set<string>();
  for (const r of rows) {
    codes.add(r.country);
    for (const t of r.territories) codes.add(t.slice(0, 2));
  }
  return [...codes].filter(isCountryCode);
}

/** Only http(s) links leave the page (older data might hold anything). */
function safeWebsite(website: string | null): string | null {
  if (!website) return null;
  try {
    const url = new URL(website);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}
