/**
 * One lead as the vendor sees it (channel managers, vendor admins): the lead,
 * its current offer and accept-by time in the partner's zone, every offer
 * with its outcome, the routing decisions with their stored explanation
 * ("why this partner"), the whole history, every note, and the partners a
 * channel manager may route it to by hand (with why the rules would not).
 */
import { and, asc, count, desc, eq, inArray, sql } from "drizzle-orm";
import { leadEventLabels } from "./status";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import {
  certifications,
  leadEvents,
  leadNotes,
  leadOffers,
  leads,
  partnerLeadSettings,
  partners,
  products,
  routingDecisions,
  routingExplanations,
  tierRules,
  users,
  type Lead,
  type RoutingCandidateJson,
} from "~db/schema";
import { nowOf, type Ctx } from "~/modules/auth/actor";
import { currentAgreement, standingOf } from "~/modules/onboarding/agreement-standing.server";
import { routingWeightsInForce } from "~/modules/tiers/in-force.server";
import { tierName } from "~/modules/tiers/rules";
import { countryName } from "~/utils/countries";
import { NotFoundError, ValidationError } from "~/utils/errors.server";
import { fieldErrorsOf } from "~/utils/field-errors";
import { assertDistributor, formatDuration, leadSourceLabels } from "./board.server";
import { formatInZone, partnerTimeZone } from "./business-hours";
import { recordLeadEvent } from "./events.server";
import {
  exclusionWords,
  exclusions,
  inTerritory,
  partsByName,
  requirementsFor,
  scorePartner,
  servingAreas,
  type PartnerFacts,
  type Requirements,
  type Tier,
} from "./routing";
import { currentRules } from "./rules.server";
import { partnerLeadStats } from "./stats.server";
import { CAPACITY_STATUSES } from "./status";
import { declineReasonLabels, leadRef, leadStatusLabels } from "./status";
import { vendorNoteSchema } from "./vendor-schemas";

const HOUR_MS = 3_600_000;

export const routingModeLabels = {
  auto: "Automatic",
  bulk: "Bulk routing",
  manual: "Manual",
  override: "Override",
  job: "Re-routed by the SLA job",
} as const;

export const offerOutcomeLabels = {
  accepted: "Accepted",
  declined: "Declined",
  expired: "Expired (accept-by passed)",
  recalled: "Recalled",
} as const;

const uuid = z.string().uuid();
function assertLeadId(id: string): void {
  if (!uuid.safeParse(id).success) throw new NotFoundError("Lead not found.");
}

/** The lead page of the vendor. Unknown or malformed id: NotFoundError (404). */
export async function vendorLeadDetail(ctx: Ctx, leadId: string) {
  assertDistributor(ctx);
  assertLeadId(leadId);
  const now = nowOf(ctx);
  const holder = alias(partners, "holder");
  const heldBy = alias(users, "held_by_user");
  const [row] = await ctx.db
    .select({
      lead: leads,
      partnerName: holder.name,
      productName: products.name,
      productEdition: products.edition,
      heldByName: heldBy.name,
    })
    .from(leads)
    .leftJoin(holder, eq(holder.id, leads.partnerId))
    .leftJoin(products, eq(products.id, leads.productId))
    .leftJoin(heldBy, eq(heldBy.id, leads.heldBy))
    .where(eq(leads.id, leadId));
  if (!row) throw new NotFoundError("Lead not found.");
  const lead = row.lead;

  const outcomeUser = alias(users, "outcome_user");
  const deciderUser = alias(users, "decider_user");
  const chosen = alias(partners, "chosen_partner");
  const [offerRows, decisionRows, events, notes] = await Promise.all([
    ctx.db
      .select({
        offer: leadOffers,
        partnerName: partners.name,
        partnerCountry: partners.country,
        partnerRegion: partners.region,
        partnerTimeZone: partners.timeZone,
        outcomeByName: outcomeUser.name,
      })
      .from(leadOffers)
      .innerJoin(partners, eq(partners.id, leadOffers.partnerId))
      .leftJoin(outcomeUser, eq(outcomeUser.id, leadOffers.outcomeBy))
      .where(eq(leadOffers.leadId, leadId))
      .orderBy(asc(leadOffers.offeredAt), asc(leadOffers.createdAt)),
    ctx.db
      .select({
        decision: routingDecisions,
        candidates: routingExplanations.candidates,
        decidedByName: deciderUser.name,
        chosenName: chosen.name,
      })
      .from(routingDecisions)
      .innerJoin(routingExplanations, eq(routingExplanations.hash, routingDecisions.explanationHash))
      .leftJoin(deciderUser, eq(deciderUser.id, routingDecisions.decidedBy))
      .leftJoin(chosen, eq(chosen.id, routingDecisions.chosenPartnerId))
      .where(eq(routingDecisions.leadId, leadId))
      .orderBy(desc(routingDecisions.at), desc(routingDecisions.id)),
    ctx.db
      .select({
        id: leadEvents.id,
        at: leadEvents.at,
        kind: leadEvents.kind,
        actorLabel: leadEvents.actorLabel,
        note: leadEvents.note,
        partnerId: leadEvents.partnerId,
      })
      .from(leadEvents)
      .where(eq(leadEvents.leadId, leadId))
      .orderBy(asc(leadEvents.at), asc(leadEvents.id)),
    ctx.db
      .select({
        id: leadNotes.id,
        partnerId: leadNotes.partnerId,
        partnerName: partners.name,
        authorLabel: leadNotes.authorLabel,
        body: leadNotes.body,
        createdAt: leadNotes.createdAt,
      })
      .from(leadNotes)
      .leftJoin(partners, eq(partners.id, leadNotes.partnerId))
      .where(eq(leadNotes.leadId, leadId))
      .orderBy(asc(leadNotes.createdAt), asc(leadNotes.id)),
  ]);

  const offers = offerRows.map(({ offer: o, ...p }) => {
    const zone = partnerTimeZone({ timeZone: p.partnerTimeZone, country: p.partnerCountry, region: p.partnerRegion });
    const answered = o.outcome === "accepted" || o.outcome === "declined";
    return {
      id: o.id,
      partnerId: o.partnerId,
      partnerName: p.partnerName,
      decisionId: o.decisionId,
      offeredAt: o.offeredAt,
      acceptBy: o.acceptBy,
      acceptByLocal: formatInZone(o.acceptBy, zone),
      timeZone: zone,
      remindAt: o.remindAt,
      remindedAt: o.remindedAt,
      outcome: o.outcome,
      outcomeLabel: o.outcome ? offerOutcomeLabels[o.outcome] : "Pending",
      outcomeAt: o.outcomeAt,
      outcomeVia: o.outcomeVia,
      outcomeBy: p.outcomeByName,
      declineReason: o.declineReason,
      declineReasonLabel: o.declineReason ? declineReasonLabels[o.declineReason] : null,
      declineNote: o.declineNote,
      /** Hours from the offer to the answer (accepted or declined). */
      responseHours:
        answered && o.outcomeAt
          ? Math.round(((o.outcomeAt.getTime() - o.offeredAt.getTime()) / HOUR_MS) * 10) / 10
          : null,
      responseTime: answered && o.outcomeAt ? formatDuration(o.outcomeAt.getTime() - o.offeredAt.getTime()) : null,
      /** Answered after the accept-by time, or still pending past it. */
      late: o.outcomeAt ? answered && o.outcomeAt > o.acceptBy : o.outcome === null && o.acceptBy < now,
    };
  });

  const current = offers.find((o) => o.id === lead.currentOfferId) ?? null;
  const currentOffer = current
    ? {
        ...current,
        pending: current.outcome === null,
        timeLeft:
          current.outcome === null
            ? current.acceptBy >= now
              ? `${formatDuration(current.acceptBy.getTime() - now.getTime())} left`
              : `overdue by ${formatDuration(now.getTime() - current.acceptBy.getTime())}`
            : null,
        overdue: current.outcome === null && current.acceptBy < now,
      }
    : null;

  // Decisions store candidates by partner id: their names are looked up here (older decisions stored the name then).
  const unnamed = new Set<string>();
  for (const { candidates } of decisionRows) {
    for (const c of candidates ?? []) if (!c.name) unnamed.add(c.partnerId);
  }
  const names = new Map(
    unnamed.size > 0
      ? (
          await ctx.db
            .select({ id: partners.id, name: partners.name })
            .from(partners)
            .where(inArray(partners.id, [...unnamed]))
        ).map((r) => [r.id, r.name])
      : [],
  );
  // Each decision's tier weights in the order and with the names of the ladder of the tier rules they came from.
  const tierVersions = [
    ...new Set(decisionRows.map((r) => r.decision.tierRulesVersion).filter((v): v is number => v !== null)),
  ];
  const ladders = new Map(
    tierVersions.length
      ? (
          await ctx.db
            .select({ version: tierRules.version, rules: tierRules.rules })
            .from(tierRules)
            .where(inArray(tierRules.version, tierVersions))
        ).map((r) => [r.version, r.rules.tiers] as const)
      : [],
  );
  const weightList = (weights: Record<string, number>, version: number | null) => {
    const ladder = (version !== null ? ladders.get(version) : undefined) ?? [];
    const keys = [
      ...ladder.map((t) => t.key).filter((k) => k in weights),
      ...Object.keys(weights).filter((k) => !ladder.some((t) => t.key === k)),
    ];
    return keys.map((key) => ({ key, name: tierName(ladder, key), weight: weights[key]! }));
  };
  const decisions = decisionRows.map(({ decision: d, candidates, decidedByName, chosenName }) => ({
    id: d.id,
    at: d.at,
    mode: d.mode,
    modeLabel: routingModeLabels[d.mode],
    decidedBy: decidedByName,
    rulesVersion: d.rulesVersion,
    seed: d.seed,
    tierRulesVersion: d.tierRulesVersion,
    tierWeights: d.tierWeights,
    tierWeightList: d.tierWeights ? weightList(d.tierWeights, d.tierRulesVersion) : null,
    chosenPartnerId: d.chosenPartnerId,
    chosenPartnerName: chosenName,
    summary: d.summary,
    excludedCounts: Object.entries(d.excludedCounts ?? {})
      .map(([reason, n]) => ({ reason, count: n }))
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
    candidates: sortCandidates(candidates ?? [], d.chosenPartnerId, names),
  }));

  const hasPending = currentOffer?.pending ?? false;
  const open = !["won", "lost"].includes(lead.status);
  const withVendor = lead.status === "new" || lead.status === "held";

  return {
    lead: {
      ...lead,
      ref: leadRef(lead.number),
      statusLabel: leadStatusLabels[lead.status],
      sourceLabel: leadSourceLabels[lead.source],
      countryName: countryName(lead.country),
      partnerName: row.partnerName,
      productName: row.productName ? `${row.productName} ${row.productEdition ?? ""}`.trim() : null,
      heldByName: row.heldByName,
    },
    currentOffer,
    offers,
    decisions,
    events: events.map((e) => ({ ...e, label: leadEventLabels[e.kind] ?? e.kind })),
    notes: notes.map((n) => ({ ...n, whose: n.partnerId ? (n.partnerName ?? "Partner") : "Vendor (internal)" })),
    routing: await routingOptions(ctx, lead),
    can: {
      route: lead.status === "new",
      routeManually: open && (withVendor || lead.status === "offered"),
      override: hasPending,
      hold: lead.status === "new",
      release: lead.status === "held",
      recall: hasPending,
      note: true,
    },
  };
}
export type VendorLeadDetail = Awaited<ReturnType<typeof vendorLeadDetail>>;

/** The chosen partner first, then eligible candidates by score, then the excluded ones by name. */
function sortCandidates(
  candidates: RoutingCandidateJson[],
  chosenId: string | null,
  names: ReadonlyMap<string, string>,
) {
  return [...candidates]
    .map((c) => ({
      partnerId: c.partnerId,
      name: c.name ?? names.get(c.partnerId) ?? "(partner removed)",
      excluded: exclusionWords(c),
      score: c.score ?? null,
      parts: partsByName(c.parts),
      chosen: c.partnerId === chosenId,
    }))
    .sort((a, b) => {
      if (a.chosen !== b.chosen) return a.chosen ? -1 : 1;
      const ae = a.excluded.length > 0;
      const be = b.excluded.length > 0;
      if (ae !== be) return ae ? 1 : -1;
      if (!ae && a.score !== b.score) return (b.score ?? 0) - (a.score ?? 0);
      return a.name.localeCompare(b.name, "en");
    });
}

/** Scores use the partners' figures of the last year (as the engine does). */
const STATS_WINDOW_MS = 365 * 86_400_000;

export interface RoutingOption {
  partnerId: string;
  name: string;
  country: string;
  tier: string;
  eligible: boolean;
  /** Why the rules in force would not offer it this lead (empty when eligible). */
  reasons: string[];
  /** The engine's score for it (0..1). */
  score: number;
  /** Open leads now and its capacity. */
  openLeads: number;
  capacity: number;
  /** Holds the pending offer now. */
  current: boolean;
  /** Offered this lead before (now or earlier): each partner gets a lead once, so it cannot be chosen. */
  offeredBefore: boolean;
}

/**
 * Every active partner with whether the rules in force would let it receive
 * this lead, and why not: the facts are loaded here, the rules are routing.ts's
 * (servingAreas, inTerritory, requirementsFor, exclusions, scorePartner).
 * Eligible partners first by score, then the others by name.
 */
export async function routingOptions(
  ctx: Ctx,
  lead: Pick<Lead, "id" | "country" | "region" | "productId" | "currentOfferId" | "partnerId" | "status">,
): Promise<{ rulesVersion: number; requirements: Requirements; areas: string[]; options: RoutingOption[] }> {
  const now = nowOf(ctx);
  const { version, rules } = await currentRules(ctx.db);
  const { weights: tierWeights, ranks: tierRanks } = await routingWeightsInForce(ctx.db, now);
  const requirements = requirementsFor({ productId: lead.productId }, rules, tierRanks);
  const areas = servingAreas({ country: lead.country, region: lead.region }, rules);
  const courseKeys = requirements.certifications;
  const [rows, agreement, offered, open, certRows, stats] = await Promise.all([
    ctx.db
      .select({
        id: partners.id,
        name: partners.name,
        country: partners.country,
        status: partners.status,
        agreementVersion: partners.agreementVersion,
        territories: partners.territories,
        specializations: partners.specializations,
        tier: partners.tier,
        capacity: partnerLeadSettings.capacity,
        paused: partnerLeadSettings.paused,
      })
      .from(partners)
      .leftJoin(partnerLeadSettings, eq(partnerLeadSettings.partnerId, partners.id))
      .where(eq(partners.status, "active"))
      .orderBy(asc(partners.name)),
    currentAgreement(ctx.db, now),
    ctx.db.select({ partnerId: leadOffers.partnerId }).from(leadOffers).where(eq(leadOffers.leadId, lead.id)),
    ctx.db
      .select({ partnerId: leads.partnerId, n: count() })
      .from(leads)
      .where(and(inArray(leads.status, [...CAPACITY_STATUSES]), sql`${leads.partnerId} is not null`))
      .groupBy(leads.partnerId),
    courseKeys.length
      ? ctx.db
          .selectDistinct({ partnerId: certifications.partnerId, courseKey: certifications.courseKey })
          .from(certifications)
          .where(
            and(
              eq(certifications.status, "active"),
              sql`${certifications.expiresAt} > ${now.toISOString()}::timestamptz`,
              inArray(certifications.courseKey, courseKeys),
            ),
          )
      : Promise.resolve([]),
    partnerLeadStats(ctx.db, { since: new Date(now.getTime() - STATS_WINDOW_MS) }),
  ]);
  const previouslyOffered = new Set(offered.map((o) => o.partnerId));
  const openBy = new Map(open.map((o) => [o.partnerId!, o.n]));
  const certs = new Map<string, Set<string>>();
  for (const c of certRows) {
    let set = certs.get(c.partnerId);
    if (!set) certs.set(c.partnerId, (set = new Set()));
    set.add(c.courseKey);
  }
  const holder = lead.status === "offered" ? lead.partnerId : null;
  const options = rows.map((r): RoutingOption => {
    const st = stats.get(r.id);
    const facts: PartnerFacts = {
      id: r.id,
      name: r.name,
      status: r.status,
      agreementCurrent: standingOf(agreement, r.agreementVersion, now).state !== "required",
      paused: r.paused ?? false,
      territories: r.territories,
      specializations: r.specializations,
      tier: r.tier as Tier,
      certifications: certs.get(r.id) ?? new Set(),
      capacity: r.capacity ?? rules.defaultCapacity,
      openLeads: openBy.get(r.id) ?? 0,
      acceptanceRate: st?.acceptanceRate ?? null,
      medianHoursToAccept: st?.medianHoursToAccept ?? null,
      winRate: st?.winRate ?? null,
    };
    const reasons = exclusions(facts, { previouslyOffered }, requirements).map((e) => e.text);
    if (!inTerritory(facts.territories, areas)) reasons.unshift("outside the territory");
    return {
      partnerId: r.id,
      name: r.name,
      country: r.country,
      tier: r.tier,
      eligible: reasons.length === 0,
      reasons,
      score: scorePartner(facts, rules.weights, tierWeights).score,
      openLeads: facts.openLeads,
      capacity: facts.capacity,
      current: r.id === holder,
      offeredBefore: previouslyOffered.has(r.id),
    };
  });
  options.sort((a, b) =>
    a.eligible !== b.eligible
      ? a.eligible
        ? -1
        : 1
      : (a.eligible ? b.score - a.score : 0) || a.name.localeCompare(b.name, "en"),
  );
  return { rulesVersion: version, requirements, areas: [...areas].sort(), options };
}

/** A vendor-internal note on the lead (partner_id null: partners never see it). */
export async function addVendorNote(ctx: Ctx, leadId: string, raw: unknown): Promise<{ id: string }> {
  assertDistributor(ctx);
  assertLeadId(leadId);
  const parsed = vendorNoteSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const [lead] = await tx.select({ id: leads.id }).from(leads).where(eq(leads.id, leadId));
    if (!lead) throw new NotFoundError("Lead not found.");
    const [note] = await tx
      .insert(leadNotes)
      .values({
        leadId,
        partnerId: null,
        authorId: ctx.actor.userId,
        authorLabel: ctx.actor.label,
        body: parsed.data.body,
        createdAt: now,
      })
      .returning({ id: leadNotes.id });
    await recordLeadEvent(tx, { leadId, partnerId: null, actorLabel: ctx.actor.label, kind: "note", at: now });
    return { id: note!.id };
  });
}
