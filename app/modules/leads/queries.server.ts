/**
 * The partner's view of its leads: the list (offers waiting for an answer
 * first, with the time left; then the leads being worked; then the closed
 * ones) and the detail with its history and notes, plus the lead's API shape.
 *
 * Everything reads through scopeWhere on leads.partner_id, the partner that
 * holds the lead now: a lead offered to someone else, or one that was
 * declined, expired or recalled away from this partner, is NotFoundError
 * (404), exactly like an unknown id. The contact's email and phone stay
 * hidden while the lead is only offered; the history shows only the events
 * of this partner (lead_events.partner_id) and the notes only its own.
 */
import { asc, count, desc, eq, ilike, inArray, or, sql, type SQL } from "drizzle-orm";
import { leadEventLabels } from "./status";
import { z } from "zod";
import {
  leadEvents,
  leadNotes,
  leadOffers,
  leads,
  partnerLeadSettings,
  partners,
  products,
  users,
  type Lead,
  type LeadStatus,
} from "~db/schema";
import { scopeOf, type Ctx } from "~/modules/auth/actor";
import { minorToDecimal, formatMoney } from "~/modules/deals/schemas";
import { scopeWhere } from "~/modules/partners/scope.server";
import { countryName } from "~/utils/countries";
import { ForbiddenError, NotFoundError, ValidationError } from "~/utils/errors.server";
import { fieldErrorsOf } from "~/utils/field-errors";
import { escapeLike } from "~/utils/sql.server";
import { can } from "~/utils/permissions";
import { formatInZone, partnerTimeZone } from "./business-hours";
import {
  CAPACITY_STATUSES,
  CLOSED_STATUSES,
  WORKING_STATUSES,
  declineReasonLabels,
  leadRef,
  leadStatusLabels,
} from "./status";
import { LEAD_PAGE_SIZE, apiLeadListSchema, type PartnerLeadFilter } from "./work-schemas";

const leadIdSchema = z.string().uuid();

/** The actor's partner, or ForbiddenError (vendor staff use the board). */
export function partnerOf(ctx: Ctx): string {
  const scope = scopeOf(ctx.actor);
  if (scope.kind !== "partner" || !can(ctx.actor.role, "leads:work")) {
    throw new ForbiddenError("This view is for partners; the vendor's staff use the lead board.");
  }
  return scope.partnerId;
}

function statusCondition(status: PartnerLeadFilter["status"]): SQL | undefined {
  switch (status) {
    case "all":
      return undefined;
    case "open":
      return inArray(leads.status, [...CAPACITY_STATUSES]);
    case "offered":
      return eq(leads.status, "offered");
    case "working":
      return inArray(leads.status, [...WORKING_STATUSES]);
    case "closed":
      return inArray(leads.status, [...CLOSED_STATUSES]);
    default:
      return eq(leads.status, status as LeadStatus);
  }
}

const groupOrder = sql<number>`case when ${leads.status} = 'offered' then 0 when ${leads.status} in ('won', 'lost') then 2 else 1 end`;

export interface PartnerLeadRow {
  id: string;
  ref: string;
  companyName: string;
  country: string;
  countryName: string;
  region: string | null;
  productName: string | null;
  seats: number | null;
  status: LeadStatus;
  statusLabel: string;
  acceptBy: Date | null;
  /** The accept-by time in the partner's time zone. */
  acceptByText: string;
  /** Milliseconds left to answer (offered leads). */
  msLeft: number | null;
  nextStepDate: string | null;
  nextStep: string | null;
  acceptedAt: Date | null;
  closedAt: Date | null;
  updatedAt: Date;
}

/**
 * The partner's leads: offered first (soonest accept-by first), then working
 * (next step soonest first), then closed (most recent first). Filters:
 * status (a group or one status) and a search over company, domain and contact name.
 */
export async function partnerLeads(ctx: Ctx, filter: PartnerLeadFilter, now: Date = new Date()) {
  const partnerId = partnerOf(ctx);
  const pageSize = filter.pageSize ?? LEAD_PAGE_SIZE;
  const q = filter.q ? `%${escapeLike(filter.q)}%` : undefined;
  const where = scopeWhere(
    { kind: "partner", partnerId },
    leads,
    statusCondition(filter.status),
    q ? or(ilike(leads.companyName, q), ilike(leads.companyDomain, q), ilike(leads.contactName, q)) : undefined,
  );
  const [total] = await ctx.db.select({ n: count() }).from(leads).where(where);
  const rows = await ctx.db
    .select({
      id: leads.id,
      number: leads.number,
      companyName: leads.companyName,
      country: leads.country,
      region: leads.region,
      productName: products.name,
      seats: leads.seats,
      status: leads.status,
      acceptBy: leadOffers.acceptBy,
      offerOutcome: leadOffers.outcome,
      nextStepDate: leads.nextStepDate,
      nextStep: leads.nextStep,
      acceptedAt: leads.acceptedAt,
      closedAt: leads.closedAt,
      updatedAt: leads.updatedAt,
    })
    .from(leads)
    .leftJoin(leadOffers, eq(leadOffers.id, leads.currentOfferId))
    .leftJoin(products, eq(products.id, leads.productId))
    .where(where)
    .orderBy(
      groupOrder,
      sql`case when ${leads.status} = 'offered' then ${leadOffers.acceptBy} end asc nulls last`,
      sql`case when ${leads.status} not in ('offered', 'won', 'lost') then ${leads.nextStepDate} end asc nulls last`,
      desc(leads.updatedAt),
      desc(leads.id),
    )
    .limit(pageSize)
    .offset((filter.page - 1) * pageSize);
  // Accept-by times read in the partner's own time zone, as its mails say them.
  const [partner] = await ctx.db
    .select({ timeZone: partners.timeZone, country: partners.country, region: partners.region })
    .from(partners)
    .where(eq(partners.id, partnerId));
  const zone = partner ? partnerTimeZone(partner) : "UTC";
  const list: PartnerLeadRow[] = rows.map((r) => {
    const offered = r.status === "offered" && r.offerOutcome === null && r.acceptBy;
    return {
      id: r.id,
      ref: leadRef(r.number),
      companyName: r.companyName,
      country: r.country,
      countryName: countryName(r.country),
      region: r.region,
      productName: r.productName,
      seats: r.seats,
      status: r.status,
      statusLabel: leadStatusLabels[r.status],
      acceptBy: offered ? r.acceptBy : null,
      acceptByText: offered ? formatInZone(r.acceptBy!, zone) : "",
      msLeft: offered ? Math.max(0, r.acceptBy!.getTime() - now.getTime()) : null,
      nextStepDate: r.nextStepDate,
      nextStep: r.nextStep,
      acceptedAt: r.acceptedAt,
      closedAt: r.closedAt,
      updatedAt: r.updatedAt,
    };
  });
  return { rows: list, total: total?.n ?? 0, page: filter.page, pageSize };
}

/** "1 day 4 h left", "35 min left", "time is up". */
export function timeLeftText(ms: number | null): string {
  if (ms === null) return "";
  if (ms <= 0) return "time is up";
  const minutes = Math.floor(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return `${days} day${days === 1 ? "" : "s"} ${hours} h left`;
  if (hours > 0) return `${hours} h ${minutes % 60} min left`;
  return `${minutes} min left`;
}

/** The lead the partner holds, or NotFoundError. */
async function heldLead(ctx: Ctx, partnerId: string, leadId: string): Promise<Lead> {
  if (!leadIdSchema.safeParse(leadId).success) throw new NotFoundError("Lead not found.");
  const [lead] = await ctx.db
    .select()
    .from(leads)
    .where(scopeWhere({ kind: "partner", partnerId }, leads, eq(leads.id, leadId)));
  if (!lead) throw new NotFoundError("Lead not found.");
  return lead;
}

/** The lead as the partner sees it, with what it may do now. */
export async function partnerLeadDetail(ctx: Ctx, leadId: string, now: Date = new Date()) {
  const partnerId = partnerOf(ctx);
  const lead = await heldLead(ctx, partnerId, leadId);
  const [partner] = await ctx.db
    .select({ name: partners.name, timeZone: partners.timeZone, country: partners.country, region: partners.region })
    .from(partners)
    .where(eq(partners.id, partnerId));
  const zone = partnerTimeZone(partner!);
  const [offer] = lead.currentOfferId
    ? await ctx.db
        .select()
        .from(leadOffers)
        .where(scopeWhere({ kind: "partner", partnerId }, leadOffers, eq(leadOffers.id, lead.currentOfferId)))
    : [];
  const [product] = lead.productId
    ? await ctx.db.select({ name: products.name }).from(products).where(eq(products.id, lead.productId))
    : [];
  const history = await ctx.db
    .select({
      id: leadEvents.id,
      at: leadEvents.at,
      actorLabel: leadEvents.actorLabel,
      kind: leadEvents.kind,
      note: leadEvents.note,
    })
    .from(leadEvents)
    .where(scopeWhere({ kind: "partner", partnerId }, leadEvents, eq(leadEvents.leadId, lead.id)))
    .orderBy(desc(leadEvents.at), desc(leadEvents.id));
  const notes = await ctx.db
    .select({
      id: leadNotes.id,
      body: leadNotes.body,
      authorLabel: leadNotes.authorLabel,
      createdAt: leadNotes.createdAt,
    })
    .from(leadNotes)
    .where(scopeWhere({ kind: "partner", partnerId }, leadNotes, eq(leadNotes.leadId, lead.id)))
    .orderBy(desc(leadNotes.createdAt), desc(leadNotes.id));
  const offered = lead.status === "offered";
  const working = (WORKING_STATUSES as readonly string[]).includes(lead.status);
  const closed = (CLOSED_STATUSES as readonly string[]).includes(lead.status);
  const pending = offered && offer && offer.outcome === null;
  const open = pending && offer!.acceptBy.getTime() > now.getTime();
  return {
    partnerName: partner!.name,
    lead: {
      id: lead.id,
      ref: leadRef(lead.number),
      status: lead.status,
      statusLabel: leadStatusLabels[lead.status],
      companyName: lead.companyName,
      companyDomain: lead.companyDomain,
      contactName: lead.contactName,
      contactTitle: lead.contactTitle,
      // Hidden until the partner accepts.
      contactEmail: offered ? null : lead.contactEmail,
      contactPhone: offered ? null : lead.contactPhone,
      country: lead.country,
      countryName: countryName(lead.country),
      region: lead.region,
      productId: lead.productId,
      productName: product?.name ?? null,
      seats: lead.seats,
      estimatedValue:
        lead.estimatedValueMinor !== null && lead.currency
          ? formatMoney(lead.estimatedValueMinor, lead.currency)
          : null,
      estimatedValueMinor: lead.estimatedValueMinor,
      currency: lead.currency,
      message: lead.message,
      acceptBy: pending ? offer!.acceptBy : null,
      acceptByText: pending ? formatInZone(offer!.acceptBy, zone) : null,
      msLeft: pending ? Math.max(0, offer!.acceptBy.getTime() - now.getTime()) : null,
      acceptedAt: lead.acceptedAt,
      nextStepDate: lead.nextStepDate,
      nextStep: lead.nextStep,
      wonValue:
        lead.wonValueMinor !== null && lead.wonCurrency ? formatMoney(lead.wonValueMinor, lead.wonCurrency) : null,
      lostReason: lead.lostReason,
      closedAt: lead.closedAt,
      dealId: lead.dealId,
      createdAt: lead.createdAt,
      updatedAt: lead.updatedAt,
    },
    history: history.map((h) => ({ ...h, label: leadEventLabels[h.kind] ?? h.kind })),
    notes,
    can: {
      accept: !!open,
      decline: !!pending,
      work: working,
      note: working || closed,
      convert: (working || lead.status === "won") && !lead.dealId,
    },
  };
}
export type PartnerLeadDetail = Awaited<ReturnType<typeof partnerLeadDetail>>;

/**
 * What a deal registration starts from when a lead is converted (the
 * registration form's prefill): only a lead the partner holds and works.
 */
export async function leadDealPrefill(ctx: Ctx, leadId: string) {
  const partnerId = partnerOf(ctx);
  const lead = await heldLead(ctx, partnerId, leadId);
  if (lead.status === "offered" || lead.status === "lost") {
    throw new NotFoundError("Only a lead you accepted can become a deal registration.");
  }
  return {
    leadId: lead.id,
    leadRef: leadRef(lead.number),
    customerName: lead.companyName,
    customerDomain: lead.companyDomain ?? lead.contactEmail.split("@")[1] ?? "",
    country: lead.country,
    region: lead.region ?? "",
    contactName: lead.contactName,
    contactTitle: lead.contactTitle ?? "",
    contactEmail: lead.contactEmail,
    productId: lead.productId ?? "",
    quantity: lead.seats ? String(lead.seats) : "",
    value:
      lead.status === "won" && lead.wonValueMinor !== null && lead.wonCurrency
        ? minorToDecimal(lead.wonValueMinor, lead.wonCurrency)
        : lead.estimatedValueMinor !== null && lead.currency
          ? minorToDecimal(lead.estimatedValueMinor, lead.currency)
          : "",
    currency: (lead.status === "won" ? lead.wonCurrency : lead.currency) ?? lead.currency ?? "",
  };
}

// ---------------------------------------------------------------------------------------------------------------
// API

export function toApiLead(lead: Lead, extra: { acceptBy: Date | null; productName: string | null }) {
  const offered = lead.status === "offered";
  return {
    id: lead.id,
    ref: leadRef(lead.number),
    status: lead.status,
    companyName: lead.companyName,
    companyDomain: lead.companyDomain,
    contact: {
      name: lead.contactName,
      title: lead.contactTitle,
      email: offered ? null : lead.contactEmail,
      phone: offered ? null : lead.contactPhone,
    },
    country: lead.country,
    region: lead.region,
    product: lead.productId ? { id: lead.productId, name: extra.productName } : null,
    seats: lead.seats,
    estimatedValue:
      lead.estimatedValueMinor !== null && lead.currency
        ? minorToDecimal(lead.estimatedValueMinor, lead.currency)
        : null,
    currency: lead.currency,
    message: lead.message,
    acceptBy: offered ? (extra.acceptBy?.toISOString() ?? null) : null,
    acceptedAt: lead.acceptedAt?.toISOString() ?? null,
    nextStepDate: lead.nextStepDate,
    nextStep: lead.nextStep,
    wonValue:
      lead.wonValueMinor !== null && lead.wonCurrency ? minorToDecimal(lead.wonValueMinor, lead.wonCurrency) : null,
    wonCurrency: lead.wonCurrency,
    lostReason: lead.lostReason,
    closedAt: lead.closedAt?.toISOString() ?? null,
    dealId: lead.dealId,
    createdAt: lead.createdAt.toISOString(),
    updatedAt: lead.updatedAt.toISOString(),
  };
}
export type ApiLead = ReturnType<typeof toApiLead>;

async function apiLeadsByIds(ctx: Ctx, partnerId: string | null, ids: string[]) {
  if (ids.length === 0) return [];
  const rows = await ctx.db
    .select({ lead: leads, acceptBy: leadOffers.acceptBy, productName: products.name })
    .from(leads)
    .leftJoin(leadOffers, eq(leadOffers.id, leads.currentOfferId))
    .leftJoin(products, eq(products.id, leads.productId))
    .where(
      partnerId ? scopeWhere({ kind: "partner", partnerId }, leads, inArray(leads.id, ids)) : inArray(leads.id, ids),
    );
  const byId = new Map(rows.map((r) => [r.lead.id, toApiLead(r.lead, r)]));
  return ids.map((id) => byId.get(id)).filter((l): l is ApiLead => !!l);
}

/** GET /api/v1/leads: a partner key's offered and working leads (open), paginated; bad filters are a 400. */
export async function listLeadsForApi(ctx: Ctx, query: URLSearchParams) {
  const partnerId = partnerOf(ctx);
  const parsed = apiLeadListSchema.safeParse(Object.fromEntries(query));
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const { status, q, page, pageSize } = parsed.data;
  const list = await partnerLeads(ctx, { status, q, page, pageSize });
  return {
    leads: await apiLeadsByIds(
      ctx,
      partnerId,
      list.rows.map((r) => r.id),
    ),
    page: list.page,
    pageSize: list.pageSize,
    total: list.total,
  };
}

/** GET /api/v1/leads/<id>: the partner's lead; another partner's (or one that left it) is 404. */
export async function getLeadForApi(ctx: Ctx, leadId: string): Promise<ApiLead> {
  const partnerId = partnerOf(ctx);
  await heldLead(ctx, partnerId, leadId);
  const [lead] = await apiLeadsByIds(ctx, partnerId, [leadId]);
  if (!lead) throw new NotFoundError("Lead not found.");
  return lead;
}

/** A lead as a vendor key sees it after creating it (POST /api/v1/leads). */
export async function vendorApiLead(ctx: Ctx, leadId: string) {
  if (ctx.actor.partnerId !== null) throw new ForbiddenError("Only vendor keys create leads.");
  const [row] = await ctx.db
    .select({ lead: leads, acceptBy: leadOffers.acceptBy, productName: products.name, partnerName: partners.name })
    .from(leads)
    .leftJoin(leadOffers, eq(leadOffers.id, leads.currentOfferId))
    .leftJoin(products, eq(products.id, leads.productId))
    .leftJoin(partners, eq(partners.id, leads.partnerId))
    .where(eq(leads.id, leadId));
  if (!row) throw new NotFoundError("Lead not found.");
  const base = toApiLead(row.lead, row);
  return {
    ...base,
    // The vendor sees the contact at every stage.
    contact: {
      name: row.lead.contactName,
      title: row.lead.contactTitle,
      email: row.lead.contactEmail,
      phone: row.lead.contactPhone,
    },
    partner: row.lead.partnerId ? { id: row.lead.partnerId, name: row.partnerName } : null,
    needsAttention: row.lead.needsAttention,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Partner lead settings

/** The settings page: the partner's users (who may receive offers), the chosen ones, capacity in force, open leads. */
export async function partnerLeadSettingsView(ctx: Ctx, defaultCapacity: number) {
  const partnerId = partnerOf(ctx);
  const [settings] = await ctx.db
    .select()
    .from(partnerLeadSettings)
    .where(scopeWhere({ kind: "partner", partnerId }, partnerLeadSettings));
  const people = await ctx.db
    .select({ id: users.id, name: users.name, email: users.email, role: users.role })
    .from(users)
    .where(scopeWhere({ kind: "partner", partnerId }, users, eq(users.status, "active")))
    .orderBy(asc(users.name), asc(users.email));
  const [open] = await ctx.db
    .select({ n: count() })
    .from(leads)
    .where(scopeWhere({ kind: "partner", partnerId }, leads, inArray(leads.status, [...CAPACITY_STATUSES])));
  const chosen = new Set(settings?.offerRecipientIds ?? []);
  return {
    people: people.map((p) => ({
      ...p,
      admin: p.role === "partner_admin",
      chosen: p.role === "partner_admin" || chosen.has(p.id),
    })),
    capacity: settings?.capacity ?? defaultCapacity,
    ownCapacity: settings?.capacity !== null && settings?.capacity !== undefined,
    paused: settings?.paused ?? false,
    openLeads: open?.n ?? 0,
  };
}

export { declineReasonLabels };
