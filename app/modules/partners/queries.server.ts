import { asc, count, eq } from "drizzle-orm";
import { partners, users } from "~db/schema";
import { scopeOf, type Ctx } from "~/modules/auth/actor";
import { scopeWhere } from "./scope.server";

/** Partners the actor may see: all for vendor staff, its own for a partner. */
export async function listPartners(ctx: Ctx) {
  const scoped = { partnerId: partners.id };
  return ctx.db
    .select({
      id: partners.id,
      name: partners.name,
      country: partners.country,
      tier: partners.tier,
      status: partners.status,
      primaryDomain: partners.primaryDomain,
      people: count(users.id),
    })
    .from(partners)
    .leftJoin(users, eq(users.partnerId, partners.id))
    .where(scopeWhere(scopeOf(ctx.actor), scoped))
    .groupBy(partners.id)
    .orderBy(asc(partners.name));
}

export async function dashboardFigures(ctx: Ctx) {
  const scope = scopeOf(ctx.actor);
  const [people] = await ctx.db.select({ n: count() }).from(users).where(scopeWhere(scope, users));
  const [partnerCount] = await ctx.db
    .select({ n: count() })
    .from(partners)
    .where(scopeWhere(scope, { partnerId: partners.id }));
  return { people: people?.n ?? 0, partners: partnerCount?.n ?? 0 };
}
