import { count, desc, eq, gte, ilike, inArray, or } from "drizzle-orm";
import { z } from "zod";
import { dealLines, deals, partners, products, type Deal } from "~db/schema";
import { scopeOf, type Ctx } from "~/modules/auth/actor";
import { scopeWhere } from "~/modules/partners/scope.server";
import { NotFoundError, ValidationError } from "~/utils/errors.server";
import { fieldErrorsOf } from "~/utils/field-errors";
import { escapeLike } from "~/utils/sql.server";
import { apiDealListSchema, DEAL_PAGE_SIZE, minorToDecimal, type DealListFilter } from "./schemas";

/** One row of a deal list (the partner's own, or every partner's for the vendor). */
export interface DealListRow {
  id: string;
  partnerId: string;
  partnerName: string;
  customerName: string;
  customerDomain: string;
  country: string;
  valueMinor: number;
  currency: Deal["currency"];
  stage: Deal["stage"];
  status: Deal["status"];
  expectedCloseDate: string;
  protectedUntil: Date | null;
  conflictFlag: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Deals newest first, filtered and paginated. Partners see only their own
 * (scopeWhere); the vendor sees every partner's.
 */
export async function listDeals(ctx: Ctx, filter: DealListFilter) {
  const pageSize = filter.pageSize ?? DEAL_PAGE_SIZE;
  const q = filter.q ? `%${escapeLike(filter.q)}%` : undefined;
  const where = scopeWhere(
    scopeOf(ctx.actor),
    deals,
    filter.status ? eq(deals.status, filter.status) : undefined,
    filter.stage ? eq(deals.stage, filter.stage) : undefined,
    q ? or(ilike(deals.customerName, q), ilike(deals.customerDomain, q)) : undefined,
    filter.updatedSince ? gte(deals.updatedAt, filter.updatedSince) : undefined,
  );
  const [total] = await ctx.db.select({ n: count() }).from(deals).where(where);
  const rows: DealListRow[] = await ctx.db
    .select({
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
      createdAt: deals.createdAt,
      updatedAt: deals.updatedAt,
    })
    .from(deals)
    .innerJoin(partners, eq(partners.id, deals.partnerId))
    .where(where)
    .orderBy(...(filter.updatedSince ? [desc(deals.updatedAt)] : [desc(deals.createdAt)]), desc(deals.id))
    .limit(pageSize)
    .offset((filter.page - 1) * pageSize);
  return { rows, total: total?.n ?? 0, page: filter.page, pageSize };
}

export interface DealLineView {
  productId: string;
  sku: string;
  productName: string;
  edition: string;
  quantity: number;
}

export type DealWithLines = Deal & { partnerName: string; lines: DealLineView[] };

async function linesOf(ctx: Ctx, dealIds: string[]): Promise<Map<string, DealLineView[]>> {
  const byDeal = new Map<string, DealLineView[]>();
  if (dealIds.length === 0) return byDeal;
  const rows = await ctx.db
    .select({
      dealId: dealLines.dealId,
      productId: dealLines.productId,
      sku: products.sku,
      productName: products.name,
      edition: products.edition,
      quantity: dealLines.quantity,
    })
    .from(dealLines)
    .innerJoin(products, eq(products.id, dealLines.productId))
    .where(scopeWhere(scopeOf(ctx.actor), dealLines, inArray(dealLines.dealId, dealIds)))
    .orderBy(dealLines.id);
  for (const { dealId, ...line } of rows) {
    const list = byDeal.get(dealId) ?? [];
    list.push(line);
    byDeal.set(dealId, list);
  }
  return byDeal;
}

/** One deal with its lines; a foreign, unknown or malformed id is NotFoundError (404). */
export async function getDeal(ctx: Ctx, id: string): Promise<DealWithLines> {
  if (!z.string().uuid().safeParse(id).success) throw new NotFoundError("Deal not found.");
  const [row] = await ctx.db
    .select({ deal: deals, partnerName: partners.name })
    .from(deals)
    .innerJoin(partners, eq(partners.id, deals.partnerId))
    .where(scopeWhere(scopeOf(ctx.actor), deals, eq(deals.id, id)));
  if (!row) throw new NotFoundError("Deal not found.");
  const lines = await linesOf(ctx, [id]);
  return { ...row.deal, partnerName: row.partnerName, lines: lines.get(id) ?? [] };
}

/** Full deals (with lines) for an API list page, in the list's order. */
export async function listDealsWithLines(ctx: Ctx, filter: DealListFilter) {
  const page = await listDeals(ctx, filter);
  const ids = page.rows.map((r) => r.id);
  if (ids.length === 0) return { ...page, deals: [] as DealWithLines[] };
  const full = await ctx.db
    .select({ deal: deals, partnerName: partners.name })
    .from(deals)
    .innerJoin(partners, eq(partners.id, deals.partnerId))
    .where(scopeWhere(scopeOf(ctx.actor), deals, inArray(deals.id, ids)));
  const lines = await linesOf(ctx, ids);
  const byId = new Map(
    full.map((r) => [r.deal.id, { ...r.deal, partnerName: r.partnerName, lines: lines.get(r.deal.id) ?? [] }]),
  );
  return { ...page, deals: ids.map((id) => byId.get(id)!).filter(Boolean) };
}

/**
 * A deal as the API shows it. A partner sees its own deal and `conflictFlag`
 * only; the vendor also sees the partner and the conflicts (other
 * registrations' ids, partners, scores and reasons).
 */
export function toApiDeal(d: DealWithLines, audience: "partner" | "vendor") {
  const base = {
    id: d.id,
    customerName: d.customerName,
    customerDomain: d.customerDomain,
    country: d.country,
    region: d.region,
    contactName: d.contactName,
    contactTitle: d.contactTitle,
    contactEmail: d.contactEmail,
    lines: d.lines.map((l) => ({
      productId: l.productId,
      sku: l.sku,
      name: `${l.productName} ${l.edition}`,
      quantity: l.quantity,
    })),
    value: minorToDecimal(d.valueMinor, d.currency),
    valueMinor: d.valueMinor,
    currency: d.currency,
    expectedCloseDate: d.expectedCloseDate,
    stage: d.stage,
    competition: d.competition,
    notes: d.notes,
    leadId: d.leadId,
    status: d.status,
    conflictFlag: d.conflictFlag,
    protectedUntil: d.protectedUntil?.toISOString() ?? null,
    decisionNote: d.decisionNote,
    decidedAt: d.decidedAt?.toISOString() ?? null,
    finalValue: d.finalValueMinor === null ? null : minorToDecimal(d.finalValueMinor, d.currency),
    lostReason: d.lostReason,
    closedAt: d.closedAt?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
  if (audience === "partner") return base;
  return {
    ...base,
    partner: { id: d.partnerId, name: d.partnerName },
    conflicts: d.conflicts.map((c) => ({
      dealId: c.dealId,
      partnerId: c.partnerId,
      score: c.score,
      reasons: c.reasons,
    })),
  };
}
export type ApiDeal = ReturnType<typeof toApiDeal>;

/** GET /api/v1/deals: the query string validated (400 with fields), the page as JSON. */
export async function listDealsForApi(ctx: Ctx, query: URLSearchParams) {
  const parsed = apiDealListSchema.safeParse(Object.fromEntries(query));
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const page = await listDealsWithLines(ctx, parsed.data);
  const audience = ctx.actor.partnerId ? "partner" : "vendor";
  return {
    deals: page.deals.map((d) => toApiDeal(d, audience)),
    page: page.page,
    pageSize: page.pageSize,
    total: page.total,
  };
}

/** GET /api/v1/deals/<id>: the deal as JSON; another partner's is 404. */
export async function getDealForApi(ctx: Ctx, id: string) {
  return toApiDeal(await getDeal(ctx, id), ctx.actor.partnerId ? "partner" : "vendor");
}

/** The products a registration may name (active ones), for the form. */
export async function listActiveProducts(ctx: Ctx) {
  const rows = await ctx.db
    .select({
      id: products.id,
      sku: products.sku,
      name: products.name,
      edition: products.edition,
      termMonths: products.termMonths,
    })
    .from(products)
    .where(eq(products.active, true))
    .orderBy(products.name, products.sku);
  return rows.map((p) => ({
    id: p.id,
    label: `${p.name} ${p.edition}${p.termMonths ? `, ${p.termMonths} months` : ", perpetual"} (${p.sku})`,
  }));
}
