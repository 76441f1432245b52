/**
 * One deal registration as its page shows it, to the partner that owns it
 * and to the vendor's staff: the customer, contact, products, value in its
 * currency, stage and status, protection, history and extension requests,
 * and which actions are open to the viewer.
 *
 * Partner viewers read through scopeWhere: another partner's deal is
 * NotFoundError. They never see anything of conflicting registrations, and
 * the channel team's changes in the history are named "Channel team".
 */
import { eq } from "drizzle-orm";
import { deals, partners, users } from "~db/schema";
import { scopeOf, type Ctx } from "~/modules/auth/actor";
import { scopeWhere } from "~/modules/partners/scope.server";
import { countryName } from "~/utils/countries";
import { NotFoundError } from "~/utils/errors.server";
import { assertDealId, assertReviewer } from "./changes.server";
import {
  LOSABLE_STATUSES,
  openStatuses,
  SYSTEM_EVENT_KINDS,
  VENDOR_EVENT_KINDS,
  dealEventLabels,
  statusLabels,
  formatAmount,
  stageLabels,
  type Currency,
} from "./lifecycle-schemas";
import { dealHistory, extensionsOf, linesOf } from "./review.server";
import { minorToDecimal } from "./schemas";

const vendorKinds = new Set<string>(VENDOR_EVENT_KINDS);
const systemKinds = new Set<string>(SYSTEM_EVENT_KINDS);

export async function getDealDetail(ctx: Ctx, id: string) {
  const vendor = !ctx.actor.partnerId;
  if (vendor) assertReviewer(ctx);
  assertDealId(id);
  const [row] = await ctx.db
    .select({ deal: deals, partnerName: partners.name, registeredByName: users.name })
    .from(deals)
    .innerJoin(partners, eq(partners.id, deals.partnerId))
    .leftJoin(users, eq(users.id, deals.registeredBy))
    .where(scopeWhere(scopeOf(ctx.actor), deals, eq(deals.id, id)));
  if (!row) throw new NotFoundError("Deal registration not found.");
  const d = row.deal;
  const currency = d.currency as Currency;
  const [lines, events, extensions] = await Promise.all([
    linesOf(ctx.db, [d.id]),
    dealHistory(ctx.db, d.id),
    extensionsOf(ctx.db, d.id),
  ]);
  const open = (openStatuses as readonly string[]).includes(d.status);
  const pendingExtension = extensions.find((e) => e.status === "pending") ?? null;
  const appealOpen =
    d.status === "rejected" && !!d.appealedAt && (!d.decidedAt || d.appealedAt.getTime() > d.decidedAt.getTime());

  return {
    viewer: vendor ? ("vendor" as const) : ("partner" as const),
    deal: {
      id: d.id,
      partnerName: row.partnerName,
      registeredBy: row.registeredByName,
      customerName: d.customerName,
      customerDomain: d.customerDomain,
      country: d.country,
      countryName: countryName(d.country),
      region: d.region,
      contactName: d.contactName,
      contactTitle: d.contactTitle,
      contactEmail: d.contactEmail,
      value: formatAmount(d.valueMinor, currency),
      valueInput: minorToDecimal(d.valueMinor, currency),
      currency,
      expectedCloseDate: d.expectedCloseDate,
      stage: d.stage,
      stageLabel: stageLabels[d.stage],
      status: d.status,
      statusLabel: statusLabels[d.status],
      competition: d.competition,
      notes: d.notes,
      protectedUntil: d.protectedUntil,
      decidedAt: d.decidedAt,
      decisionNote: d.decisionNote,
      appealComment: d.appealComment,
      appealedAt: d.appealedAt,
      appealOpen,
      finalValue: d.finalValueMinor ? formatAmount(d.finalValueMinor, currency) : null,
      lostReason: d.lostReason,
      closedAt: d.closedAt,
      createdAt: d.createdAt,
      /** Vendor viewers only: whether and how often it matched other registrations. */
      conflictFlag: vendor ? d.conflictFlag : null,
      conflictCount: vendor ? d.conflicts.length : null,
    },
    lines: lines.get(d.id) ?? [],
    history: events.map((e) => ({
      id: e.id,
      at: e.at,
      kind: e.kind,
      label: dealEventLabels[e.kind] ?? e.kind,
      actor: vendor
        ? e.actorLabel
        : vendorKinds.has(e.kind)
          ? "Channel team"
          : systemKinds.has(e.kind)
            ? "Portal"
            : e.actorLabel,
      note: e.note,
    })),
    extensions,
    pendingExtension,
    /** What the viewer may do: the partner works its deal, the vendor reviews and decides extensions. */
    can: {
      updateStage: !vendor && open,
      markWon: !vendor && d.status === "approved",
      markLost: !vendor && (LOSABLE_STATUSES as readonly string[]).includes(d.status),
      requestExtension: !vendor && d.status === "approved" && !pendingExtension,
      appeal: !vendor && d.status === "rejected" && !d.appealedAt,
      resubmit: !vendor && d.status === "changes_requested",
      review: vendor && (d.status === "pending_review" || appealOpen),
      decideExtension: vendor && !!pendingExtension && d.status === "approved",
    },
  };
}

export type DealDetail = Awaited<ReturnType<typeof getDealDetail>>;
