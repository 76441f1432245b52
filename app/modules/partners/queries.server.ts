import { and, asc, count, eq, inArray } from "drizzle-orm";
import { deals, leads, partners, users } from "~db/schema";
import { CAPACITY_STATUSES, OPEN_STATUSES } from "~/modules/leads/status";
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

/** The dashboard's counts, scoped: a partner's own people, leads and registrations; the vendor's whole channel. */
export async function dashboardFigures(ctx: Ctx) {
  const scope = scopeOf(ctx.actor);
  const [people] = await ctx.db.select({ n: count() }).from(users).where(scopeWhere(scope, users));
  const [partnerCount] = await ctx.db
    .select({ n: count() })
    .from(partners)
    .where(scopeWhere(scope, { partnerId: partners.id }));
  // A partner's open leads are those it holds (offered or being worked); the vendor's are all open ones.
  const openStatuses = scope.kind === "partner" ? CAPACITY_STATUSES : OPEN_STATUSES;
  const [openLeads] = await ctx.db
    .select({ n: count() })
    .from(leads)
    .where(scopeWhere(scope, leads, inArray(leads.status, [...openStatuses])));
  const [waiting] = await ctx.db
    .select({ n: count() })
    .from(leads)
    .where(
      scope.kind === "partner"
        ? scopeWhere(scope, leads, eq(leads.status, "offered"))
        : and(eq(leads.needsAttention, true), inArray(leads.status, ["new", "held"])),
    );
  const [openDeals] = await ctx.db
    .select({ n: count() })
    .from(deals)
    .where(scopeWhere(scope, deals, inArray(deals.status, ["pending_review", "changes_requested", "approved"])));
  return {
    people: people?.n ?? 0,
    partners: partnerCount?.n ?? 0,
    openLeads: openLeads?.n ?? 0,
    /** Partner: offers waiting for its answer. Vendor: leads flagged for a channel manager. */
    leadsWaiting: waiting?.n ?? 0,
    openDeals: openDeals?.n ?? 0,
  };
}
