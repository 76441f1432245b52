/**
 * Routing leads to partners: the per-lead path (routeLeadInTx / routeLead),
 * bulk routing (routeLeads) and the channel manager's manual actions (route
 * manually, override, hold, release, recall).
 *
 * Every writer of offers takes one transaction-level advisory lock
 * (ROUTING_LOCK) before it reads partners' open-lead counts, so capacity holds
 * however many routings run at once. Lock order: the lead row(s) first, then
 * the advisory lock (offers.server.ts locks the lead before it re-routes);
 * bulk routing takes the advisory lock first and its lead rows with SKIP
 * LOCKED, so it never waits on a lead someone else is changing.
 *
 * The engine's rules are pure (routing.ts); this file loads the facts and
 * writes the outcome. Both paths share the writer (prepareWrites): one
 * data-modifying statement per set of plans (explanations, decisions,
 * offers, leads, events, audit rows and the offer mails, stored with their
 * data and rendered at delivery). Bulk routing decides a chunk of leads in
 * memory over facts loaded once, in parts: each part's statement runs while
 * the next part is decided. Identical candidate lists (consecutive leads of
 * an area with the same interest) are stored once (routing_explanations).
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import pg from "pg";
import { reasonFormSchema, routeToFormSchema } from "./vendor-schemas";
import { and, arrayOverlaps, count, eq, inArray, isNull, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { schema, type Db } from "~db/client";
import {
  certifications,
  leadOffers,
  leads,
  mailOptOuts,
  partnerLeadSettings,
  partners,
  products,
  users,
  type RoutingCandidateJson,
  type RoutingRulesJson,
} from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import { nowOf, type Ctx } from "~/modules/auth/actor";
import { enqueueMail, enqueueMails, mailParts, type EnqueueInput } from "~/modules/mail/enqueue.server";
import type { Recipient } from "~/modules/mail/transports.server";
import { currentAgreement, standingOf } from "~/modules/onboarding/agreement-standing.server";
import { routingWeightsInForce } from "~/modules/tiers/in-force.server";
import { countryName } from "~/utils/countries";
import { appUrl } from "~/utils/env.server";
import { ForbiddenError, NotFoundError, RuleError, ValidationError } from "~/utils/errors.server";
import { fieldErrorsOf } from "~/utils/field-errors";
import { insertSql, send, withParts } from "~/utils/sql.server";
import { can } from "~/utils/permissions";
import { formatInZone, offerDeadlines, partnerTimeZone, type WorkCalendar } from "./business-hours";
import { recordLeadEvent } from "./events.server";
import { offerLinks, offerRecipients, type OfferRecipient } from "./offer-links.server";
import {
  chooseFrom,
  evaluateCandidates,
  excludedCandidate,
  exclusionLabels,
  exclusions,
  requirementsFor,
  SCORE_PARTS,
  scorePartner,
  servingAreas,
  type Evaluation,
  type ExclusionCode,
  type LeadFacts,
  type PartnerFacts,
  type RoutingDecisionResult,
  type Tier,
  type TierRanks,
  type TierWeights,
} from "./routing";
import { currentRules, holidaysByCountry } from "./rules.server";
import { partnerLeadStats } from "./stats.server";
import { CAPACITY_STATUSES, leadRef } from "./status";

export type RouteOutcome =
  | { kind: "offered"; leadId: string; partnerId: string; offerId: string; decisionId: string }
  | { kind: "no_partner"; leadId: string; decisionId: string }
  | { kind: "skipped"; leadId: string; reason: string };

type Mode = "auto" | "bulk" | "manual" | "override" | "job";

/** The one advisory lock every offer-making transaction takes (a fixed key). */
export const ROUTING_LOCK = 7_700_701;
const lockRouting = (tx: Db) => tx.execute(sql`select pg_advisory_xact_lock(${ROUTING_LOCK})`);

/** Partners the engine considers (others are neither listed nor counted). */
const KNOWN_STATUSES = ["approved", "active", "suspended"] as const;
/** Stats used for scoring cover the last year. */
const STATS_WINDOW_MS = 365 * 86_400_000;
export const BULK_CHUNK = 2500;
/** Leads per write statement within a bulk chunk (see routeLeads). */
const WRITE_PART = 250;
/** Lets the pg client send what is queued and read what has arrived. */
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

export function assertDistributor(ctx: Ctx): void {
  if (ctx.actor.partnerId || !can(ctx.actor.role, "leads:distribute")) throw new ForbiddenError();
}

// ---------------------------------------------------------------------------
// Facts.

interface RoutingPartner extends PartnerFacts {
  calendar: WorkCalendar;
}

interface LeadRow {
  id: string;
  number: number;
  status: string;
  country: string;
  region: string | null;
  productId: string | null;
  offerCount: number;
  companyName: string;
  message: string | null;
  seats: number | null;
}

interface World {
  now: Date;
  version: number;
  rules: RoutingRulesJson;
  /** The tier part of the score per tier: the routing weights of the tier rules in force at `now`. */
  tierWeights: TierWeights;
  /** Each tier's rank in the ladder of those tier rules (minimum tiers compare with it). */
  tierRanks: TierRanks;
  /** The tier rules version they come from (stored on each decision). */
  tierRulesVersion: number;
  partners: RoutingPartner[];
  byId: Map<string, RoutingPartner>;
  /** Partners by territory code (bulk: pick a lead's candidates without scanning all). */
  byTerritory: Map<string, RoutingPartner[]>;
  /** All partners the engine considers, loaded or not (for the territory count). */
  total: number;
  productNames: Map<string, string>;
  /** Who gets a partner's offer mails (its admins and chosen users), per partner. */
  offerRecipients: Map<string, OfferRecipient[]>;
  /** The channel team told of leads left with the vendor. */
  vendorRecipients: Recipient[];
}

function ruleCourseKeys(rules: RoutingRulesJson): string[] {
  return [
    ...new Set(
      [rules.requiredCertification, ...rules.productRules.map((r) => r.certification)].filter((c): c is string => !!c),
    ),
  ];
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/**
 * Loads what routing needs to know about partners: all the partners the
 * engine considers, or only those whose territories overlap `areas`.
 * Static facts only; open-lead counts come from loadOpenLeads (under the lock).
 */
async function loadWorld(
  tx: Db,
  now: Date,
  rulesRow: { version: number; rules: RoutingRulesJson },
  filter: { areas?: string[]; partnerIds?: string[] } = {},
): Promise<World> {
  const { rules } = rulesRow;
  const { areas, partnerIds } = filter;
  const filtered = !!(areas || partnerIds);
  const statusIn = inArray(partners.status, [...KNOWN_STATUSES]);
  // Sequential queries: a transaction is one connection.
  const rows = await tx
    .select({
      id: partners.id,
      name: partners.name,
      status: partners.status,
      agreementVersion: partners.agreementVersion,
      country: partners.country,
      region: partners.region,
      timeZone: partners.timeZone,
      territories: partners.territories,
      specializations: partners.specializations,
      tier: partners.tier,
      capacity: partnerLeadSettings.capacity,
      paused: partnerLeadSettings.paused,
    })
    .from(partners)
    .leftJoin(partnerLeadSettings, eq(partnerLeadSettings.partnerId, partners.id))
    .where(
      and(
        statusIn,
        areas ? arrayOverlaps(partners.territories, areas) : undefined,
        partnerIds ? inArray(partners.id, partnerIds) : undefined,
      ),
    );
  const totalRow = filtered ? await tx.select({ n: count() }).from(partners).where(statusIn) : null;
  const agreement = await currentAgreement(tx, now);
  const productRows = await tx.select({ id: products.id, name: products.name }).from(products);
  const ids = rows.map((r) => r.id);
  const courseKeys = ruleCourseKeys(rules);
  const certRows =
    courseKeys.length > 0 && ids.length > 0
      ? await tx
          .selectDistinct({ partnerId: certifications.partnerId, courseKey: certifications.courseKey })
          .from(certifications)
          .where(
            and(
              eq(certifications.status, "active"),
              sql`${certifications.expiresAt} > ${now.toISOString()}::timestamptz`,
              inArray(certifications.courseKey, courseKeys),
              filtered ? inArray(certifications.partnerId, ids) : undefined,
            ),
          )
      : [];
  const stats = await partnerLeadStats(tx, {
    partnerIds: filtered ? ids : undefined,
    since: new Date(now.getTime() - STATS_WINDOW_MS),
  });
  const tierWeights = await routingWeightsInForce(tx, now);
  const holidays = await holidaysByCountry(
    tx,
    [...new Set(rows.map((r) => r.country))],
    isoDay(new Date(now.getTime() - 2 * 86_400_000)),
    isoDay(new Date(now.getTime() + 120 * 86_400_000)),
  );
  const recipients = await offerRecipients(tx, ids);
  const vendor = await vendorRecipients(tx);
  const certs = new Map<string, Set<string>>();
  for (const c of certRows) {
    let s = certs.get(c.partnerId);
    if (!s) certs.set(c.partnerId, (s = new Set()));
    s.add(c.courseKey);
  }
  const none = new Set<string>();
  const list: RoutingPartner[] = rows.map((r) => {
    const st = stats.get(r.id);
    return {
      id: r.id,
      name: r.name,
      status: r.status,
      agreementCurrent: standingOf(agreement, r.agreementVersion, now).state !== "required",
      paused: r.paused ?? false,
      territories: r.territories,
      specializations: r.specializations,
      tier: r.tier as Tier,
      certifications: certs.get(r.id) ?? none,
      capacity: r.capacity ?? rules.defaultCapacity,
      openLeads: 0,
      acceptanceRate: st?.acceptanceRate ?? null,
      medianHoursToAccept: st?.medianHoursToAccept ?? null,
      winRate: st?.winRate ?? null,
      calendar: {
        timeZone: partnerTimeZone({ timeZone: r.timeZone, country: r.country, region: r.region }),
        startHour: rules.workdayStartHour,
        endHour: rules.workdayEndHour,
        holidays: holidays.get(r.country) ?? none,
      },
    };
  });
  const byTerritory = new Map<string, RoutingPartner[]>();
  for (const p of list) {
    for (const t of new Set(p.territories)) {
      let l = byTerritory.get(t);
      if (!l) byTerritory.set(t, (l = []));
      l.push(p);
    }
  }
  return {
    now,
    version: rulesRow.version,
    rules,
    tierWeights: tierWeights.weights,
    tierRanks: tierWeights.ranks,
    tierRulesVersion: tierWeights.version,
    partners: list,
    byId: new Map(list.map((p) => [p.id, p])),
    byTerritory,
    total: totalRow ? (totalRow[0]?.n ?? 0) : list.length,
    productNames: new Map(productRows.map((p) => [p.id, p.name])),
    offerRecipients: recipients,
    vendorRecipients: vendor,
  };
}

/** Open (offered + working) leads per partner, read under the routing lock. */
async function loadOpenLeads(tx: Db, world: World, partnerIds?: string[]): Promise<void> {
  if (partnerIds && partnerIds.length === 0) return;
  const rows = await tx
    .select({ partnerId: leads.partnerId, n: count() })
    .from(leads)
    .where(
      and(
        inArray(leads.status, [...CAPACITY_STATUSES]),
        partnerIds ? inArray(leads.partnerId, partnerIds) : sql`${leads.partnerId} is not null`,
      ),
    )
    .groupBy(leads.partnerId);
  for (const p of world.partners) p.openLeads = 0;
  for (const r of rows) {
    const p = r.partnerId ? world.byId.get(r.partnerId) : undefined;
    if (p) p.openLeads = r.n;
  }
}

const leadColumns = {
  id: leads.id,
  number: leads.number,
  status: leads.status,
  country: leads.country,
  region: leads.region,
  productId: leads.productId,
  offerCount: leads.offerCount,
  companyName: leads.companyName,
  message: leads.message,
  seats: leads.seats,
};

/** Earlier offers of these leads: who was offered each (any outcome) and whether one is pending. */
async function loadOfferHistory(tx: Db, leadIds: string[]) {
  const rows = leadIds.length
    ? await tx
        .select({ leadId: leadOffers.leadId, partnerId: leadOffers.partnerId, outcome: leadOffers.outcome })
        .from(leadOffers)
        .where(inArray(leadOffers.leadId, leadIds))
    : [];
  const byLead = new Map<string, { partners: Set<string>; pending: boolean }>();
  for (const r of rows) {
    let h = byLead.get(r.leadId);
    if (!h) byLead.set(r.leadId, (h = { partners: new Set(), pending: false }));
    h.partners.add(r.partnerId);
    if (r.outcome === null) h.pending = true;
  }
  return byLead;
}

// ---------------------------------------------------------------------------
// Planning.

interface Plan {
  lead: LeadRow;
  decisionId: string;
  mode: Mode;
  seed: string;
  decision: Pick<RoutingDecisionResult, "candidates" | "excludedCounts" | "summary">;
  /** Set when the lead is offered. */
  offer?: { id: string; partner: RoutingPartner; acceptBy: Date; remindAt: Date; acceptByText?: string };
  /** Set when the lead stays with (or returns to) the vendor. */
  attention?: string;
  /** Extra vendor-only event note (manual routing's reason). */
  auditAction: string;
  /** The pending offer recalled first (override). */
  recalled?: { offerId: string; partnerId: string };
}

const newSeed = () => randomBytes(8).toString("hex");

function skipReason(status: string, pending: boolean): string | null {
  if (status === "held") return "the lead is held";
  if (status === "won" || status === "lost") return "the lead is closed";
  if (status !== "new" || pending) return "the lead is already with a partner";
  return null;
}

function candidatesFor(world: World, areas: ReadonlySet<string>): RoutingPartner[] {
  const seen = new Set<RoutingPartner>();
  for (const a of areas) for (const p of world.byTerritory.get(a) ?? []) seen.add(p);
  return [...seen];
}

/** Within a bulk run every offer starts at the same moment: one SLA computation per partner and world. */
const deadlineCache = new WeakMap<World, Map<string, { acceptBy: Date; remindAt: Date; acceptByText: string }>>();
function deadlinesFor(world: World, p: RoutingPartner) {
  let perWorld = deadlineCache.get(world);
  if (!perWorld) deadlineCache.set(world, (perWorld = new Map()));
  let d = perWorld.get(p.id);
  if (!d) {
    const { acceptBy, remindAt } = offerDeadlines(world.now, world.rules.slaBusinessDays, p.calendar);
    d = { acceptBy, remindAt, acceptByText: formatInZone(acceptBy, p.calendar.timeZone) };
    perWorld.set(p.id, d);
  }
  return d;
}

/**
 * A lead's evaluation is a function of its area, its product interest, the
 * partners it was offered before and the partners' facts, of which only the
 * open-lead counts change while a world is in use: they decide the capacity
 * exclusion (and its figures). Leads with no earlier offer reuse the
 * evaluation of the last lead with the same area and interest while no
 * partner of that territory has crossed its capacity since (nor a full
 * one's count changed): the same candidates, the same explanation, only the
 * seeded draw is their own.
 */
interface Memo {
  evaluation: Evaluation;
  inside: RoutingPartner[];
  /** Per inside partner: its open leads when it was full, -1 when it had room. */
  full: number[];
}
const memos = new WeakMap<World, Map<string, Memo>>();
const fullness = (inside: RoutingPartner[]) => inside.map((p) => (p.openLeads >= p.capacity ? p.openLeads : -1));

function evaluationFor(world: World, facts: LeadFacts): Evaluation {
  const key =
    facts.previouslyOffered.size === 0 ? `${facts.country}|${facts.region ?? ""}|${facts.productId ?? ""}` : null;
  let perWorld = memos.get(world);
  if (!perWorld) memos.set(world, (perWorld = new Map()));
  const memo = key ? perWorld.get(key) : undefined;
  if (memo && memo.inside.every((p, i) => (p.openLeads >= p.capacity ? p.openLeads : -1) === memo.full[i])) {
    return memo.evaluation;
  }
  const areas = servingAreas(facts, world.rules);
  const inside = candidatesFor(world, areas);
  const evaluation = evaluateCandidates(facts, inside, world.rules, world.tierWeights, {
    tierRanks: world.tierRanks,
    areas,
    outsideTerritory: world.total - inside.length,
  });
  if (key) perWorld.set(key, { evaluation, inside, full: fullness(inside) });
  return evaluation;
}

/** The engine's plan for one routable lead (mutates the chosen partner's open-lead count). */
function planLead(world: World, lead: LeadRow, offered: ReadonlySet<string>, mode: Mode, seed: string): Plan {
  const decisionId = randomUUID();
  const made = Math.max(lead.offerCount, offered.size);
  if (made >= world.rules.maxOffers) {
    const reason = `offered to ${made} partner${made === 1 ? "" : "s"} without acceptance`;
    return {
      lead,
      decisionId,
      mode,
      seed,
      decision: { candidates: [], excludedCounts: {}, summary: `Returned to the vendor: ${reason}.` },
      attention: reason,
      auditAction: "lead.unroutable",
    };
  }
  const facts = {
    id: lead.id,
    country: lead.country,
    region: lead.region,
    productId: lead.productId,
    previouslyOffered: offered,
  };
  const evaluation = evaluationFor(world, facts);
  const result = {
    ...chooseFrom(evaluation, seed),
    candidates: evaluation.candidates,
    excludedCounts: evaluation.excludedCounts,
  };
  const base = { lead, decisionId, mode, seed, decision: result };
  if (!result.chosenPartnerId) {
    return { ...base, attention: result.summary.replace(/\.$/, ""), auditAction: "lead.unroutable" };
  }
  const partner = world.byId.get(result.chosenPartnerId)!;
  partner.openLeads += 1;
  return {
    ...base,
    offer: { id: randomUUID(), partner, ...deadlinesFor(world, partner) },
    auditAction: "lead.offered",
  };
}

// ---------------------------------------------------------------------------
// Writing.

function location(lead: Pick<LeadRow, "country" | "region">): string {
  return countryName(lead.country) + (lead.region ? ` (${lead.region})` : "");
}

function interest(world: World, lead: LeadRow): string {
  const product = lead.productId ? world.productNames.get(lead.productId) : undefined;
  return [product, lead.seats ? `${lead.seats} seats` : null].filter(Boolean).join(", ");
}

/** Active vendor admins and channel managers who did not turn lead-attention mails off. */
async function vendorRecipients(tx: Db): Promise<Recipient[]> {
  const rows = await tx
    .select({ id: users.id, email: users.email, name: users.name, off: mailOptOuts.userId })
    .from(users)
    .leftJoin(mailOptOuts, and(eq(mailOptOuts.userId, users.id), eq(mailOptOuts.template, "lead-attention")))
    .where(and(inArray(users.role, ["vendor_admin", "channel_manager"]), eq(users.status, "active")))
    .orderBy(users.email);
  return rows.filter((r) => !r.off).map((r) => ({ address: r.email, name: r.name }));
}

export interface RouteTimings {
  /** Reading leads, open-lead counts and offer history (and the facts, once). */
  loadMs: number;
  /** Deciding and preparing the writes, in Node (overlaps the database's writing). */
  decideMs: number;
  /** Waiting for the database to finish the writes after the last part was sent. */
  writeMs: number;
  mails: number;
}

/** The explanation hashes this world's writes stored or are storing: settled when the row is there for others to see. */
const explanationCaches = new WeakMap<World, Map<string, Promise<unknown>>>();
const explanationOf = new WeakMap<RoutingCandidateJson[], { json: string; hash: string }>();

/**
 * Prepares the writes of a set of plans as ONE statement (a data-modifying
 * WITH: explanations, decisions, offers, the leads, events, audit rows and
 * the mails) and returns the function that runs it in the caller's
 * transaction: bulk routing prepares the next set while the database writes
 * this one. With `summaryMail`, leads left with the vendor are told by the
 * caller (attentionSummary) instead of one mail per lead. With
 * `explanationsVia` (bulk routing's concurrent chunks), new explanations are
 * committed at once through it, outside the transaction, and the statement
 * waits for the ones it refers to (another chunk may be storing them).
 */
function prepareWrites(
  tx: Db,
  ctx: Ctx,
  world: World,
  plans: Plan[],
  opts: {
    summaryMail: boolean;
    explanationsVia?: (statement: SQL) => Promise<unknown>;
    /** Bulk routing collects the offer mails here and queues them per recipient at the end of its chunk. */
    collectOfferMails?: EnqueueInput<"lead-offer">[];
  },
): () => Promise<{ mails: number }> {
  if (plans.length === 0) return () => Promise.resolve({ mails: 0 });
  const now = world.now;
  const actor = ctx.actor;
  const at = now.toISOString();
  // Explanations: one row per distinct candidate list (consecutive leads of
  // an area share theirs), keyed by the sha256 of its json text.
  let stored = explanationCaches.get(world);
  if (!stored) explanationCaches.set(world, (stored = new Map()));
  const newExplanations = new Map<string, string>(); // hash → json
  const referenced = new Set<string>();
  const hashOf = plans.map((p) => {
    // Leads that share an evaluation share its candidates array: its json and hash are computed once.
    let known = explanationOf.get(p.decision.candidates);
    if (!known) {
      const json = JSON.stringify(p.decision.candidates);
      known = { json, hash: createHash("sha256").update(json).digest("hex") };
      explanationOf.set(p.decision.candidates, known);
    }
    if (!stored.has(known.hash)) newExplanations.set(known.hash, known.json);
    referenced.add(known.hash);
    return known.hash;
  });
  let explanationsPart = newExplanations.size
    ? insertSql(
        "routing_explanations",
        { hash: "text" },
        [...newExplanations.keys()].map((hash) => ({ hash })),
        {
          bulky: { column: "candidates", json: [...newExplanations.values()] },
          tail: "on conflict (hash) do nothing",
        },
      )
    : null;
  let committed: Promise<unknown> = Promise.resolve();
  if (explanationsPart && opts.explanationsVia) {
    // Committed now, on its own: content-addressed rows that any chunk may refer to.
    committed = opts.explanationsVia(explanationsPart);
    committed.catch(() => {}); // awaited by the statement below; not an unhandled rejection meanwhile
    explanationsPart = null;
  }
  for (const hash of newExplanations.keys()) stored.set(hash, committed);
  const waitFor = opts.explanationsVia ? [...referenced].map((h) => stored.get(h)!) : [];
  const decisionsPart = insertSql(
    "routing_decisions",
    {
      id: "uuid",
      lead_id: "uuid",
      mode: "routing_mode",
      seed: "text",
      chosen_partner_id: "uuid",
      excluded_counts: "jsonb",
      summary: "text",
      explanation_hash: "text",
    },
    plans.map((p, i) => ({
      id: p.decisionId,
      lead_id: p.lead.id,
      mode: p.mode,
      seed: p.seed,
      chosen_partner_id: p.offer?.partner.id ?? null,
      excluded_counts: p.decision.excludedCounts,
      summary: p.decision.summary,
      explanation_hash: hashOf[i],
    })),
    {
      same: {
        at: ["timestamptz", at],
        decided_by: ["uuid", actor.userId],
        rules_version: ["int", String(world.version)],
        tier_rules_version: ["int", String(world.tierRulesVersion)],
        tier_weights: ["jsonb", world.tierWeights],
      },
    },
  );
  const offered = plans.filter((p) => p.offer);
  const offersPart = offered.length
    ? insertSql(
        "lead_offers",
        {
          id: "uuid",
          lead_id: "uuid",
          partner_id: "uuid",
          decision_id: "uuid",
          accept_by: "timestamptz",
          remind_at: "timestamptz",
        },
        offered.map((p) => ({
          id: p.offer!.id,
          lead_id: p.lead.id,
          partner_id: p.offer!.partner.id,
          decision_id: p.decisionId,
          accept_by: p.offer!.acceptBy,
          remind_at: p.offer!.remindAt,
        })),
        { same: { offered_at: ["timestamptz", at] } },
      )
    : null;
  const updates = plans.map((p) => ({
    id: p.lead.id,
    status: p.offer ? "offered" : "new",
    partner_id: p.offer?.partner.id ?? null,
    offer_id: p.offer?.id ?? null,
    reason: p.attention ?? null,
  }));
  const leadsPart = sql`
    update leads l
       set status = v.status,
           partner_id = v.partner_id,
           current_offer_id = v.offer_id,
           offer_count = l.offer_count + (case when v.offer_id is null then 0 else 1 end),
           needs_attention = v.reason is not null,
           attention_reason = v.reason,
           held_by = null,
           held_reason = null,
           updated_at = ${at}::timestamptz
      from json_to_recordset(${JSON.stringify(updates)}::json)
           as v(id uuid, status lead_status, partner_id uuid, offer_id uuid, reason text)
     where l.id = v.id`;
  const events: Record<string, unknown>[] = [];
  for (const p of plans) {
    // The engine's offers are explained by their decision (shown with the
    // lead): the timeline has the offer. A channel manager's routing keeps
    // its own entry, with their reason.
    if (!p.offer || p.mode === "manual" || p.mode === "override") {
      const kind = p.offer ? "routed" : p.attention?.startsWith("offered to") ? "returned" : "unroutable";
      events.push({
        lead_id: p.lead.id,
        partner_id: null,
        kind,
        note: p.decision.summary,
      });
    }
    if (p.offer) {
      const acceptBy = p.offer.acceptByText ?? formatInZone(p.offer.acceptBy, p.offer.partner.calendar.timeZone);
      events.push({
        lead_id: p.lead.id,
        partner_id: p.offer.partner.id,
        kind: "offered",
        note: `Offered to ${p.offer.partner.name}; accept by ${acceptBy}.`,
      });
    }
  }
  const eventsPart = insertSql(
    "lead_events",
    { lead_id: "uuid", partner_id: "uuid", kind: "text", note: "text" },
    events,
    { same: { actor_label: ["text", actor.label], at: ["timestamptz", at] } },
  );
  const auditPart = insertSql(
    "audit_events",
    {
      action: "text",
      subject_id: "text",
      partner_id: "uuid",
      before: "jsonb",
      after: "jsonb",
    },
    plans.map((p) => ({
      action: p.auditAction,
      subject_id: p.lead.id,
      partner_id: p.offer?.partner.id ?? null,
      before: { status: p.lead.status, offerCount: p.lead.offerCount },
      after: p.offer
        ? {
            status: "offered",
            partnerId: p.offer.partner.id,
            offerId: p.offer.id,
            decisionId: p.decisionId,
            mode: p.mode,
          }
        : { status: "new", needsAttention: true, reason: p.attention, decisionId: p.decisionId, mode: p.mode },
    })),
    {
      same: {
        at: ["timestamptz", at],
        actor_user_id: ["uuid", actor.userId],
        actor_label: ["text", actor.label],
        ip: ["text", actor.ip ?? null],
        subject_type: ["text", "lead"],
      },
    },
  );
  // Offer mails: one per recipient, with that recipient's signed links;
  // rendered at delivery.
  const offerMails: EnqueueInput<"lead-offer">[] = [];
  for (const p of offered) {
    const o = p.offer!;
    const acceptBy = o.acceptByText ?? formatInZone(o.acceptBy, o.partner.calendar.timeZone);
    const ref = leadRef(p.lead.number);
    for (const r of world.offerRecipients.get(o.partner.id) ?? []) {
      const links = offerLinks(o.id, r.userId, o.acceptBy);
      offerMails.push({
        to: r.address,
        toName: r.name,
        template: "lead-offer",
        data: {
          recipientName: r.name,
          partnerName: o.partner.name,
          leadRef: ref,
          companyName: p.lead.companyName,
          location: location(p.lead),
          interest: interest(world, p.lead),
          message: p.lead.message ?? "",
          acceptBy,
          acceptUrl: links.acceptUrl,
          declineUrl: links.declineUrl,
          leadUrl: `${appUrl()}/leads/${p.lead.id}`,
        },
        dedupeKey: `lead-offer:${o.id}:${r.userId}`,
        critical: true,
        partnerId: o.partner.id,
        userId: r.userId,
      });
    }
  }
  // Leads left with the vendor: the channel team is told.
  const attentionMails: EnqueueInput<"lead-attention">[] = [];
  const flagged = plans.filter((p) => p.attention);
  const to = world.vendorRecipients;
  if (!opts.summaryMail && to.length > 0) {
    for (const p of flagged) attentionMails.push(attentionMail(to, p));
  }
  if (opts.collectOfferMails) opts.collectOfferMails.push(...offerMails);
  const mails = [
    ...mailParts(opts.collectOfferMails ? [] : offerMails, "offer_mail"),
    ...mailParts(attentionMails, "attention_mail"),
  ];
  const counted = mails.filter(([name]) => name.endsWith("_m")).map(([name]) => `(select count(*) from ${name})`);
  const statement = withParts(
    [
      explanationsPart ? ["explanations", explanationsPart] : null,
      ["decisions", decisionsPart],
      offersPart ? ["offers", offersPart] : null,
      ["lead_rows", leadsPart],
      ["events", eventsPart],
      ["audit", auditPart],
      ...mails,
    ],
    sql.raw(`select (${counted.length ? counted.join(" + ") : "0"})::int as mails`),
  );
  const run = () => send<{ mails: number }>(tx, statement).then((r) => ({ mails: r.rows[0]?.mails ?? 0 }));
  return waitFor.length ? () => Promise.all(waitFor).then(run) : run;
}

/** The channel team is told that a lead stays with the vendor. */
function attentionMail(to: Recipient[], p: Plan): EnqueueInput<"lead-attention"> {
  return {
    to,
    template: "lead-attention",
    data: {
      leadRef: leadRef(p.lead.number),
      companyName: p.lead.companyName,
      location: location(p.lead),
      headline: p.attention!.startsWith("offered to") ? "offers ran out" : "no eligible partner",
      message: p.decision.summary,
      leadUrl: `${appUrl()}/leads/manage/${p.lead.id}`,
    },
    dedupeKey: `lead-attention:${p.decisionId}`,
  };
}

/** Leads listed in one "lead-offers" mail at most (a longer digest goes as several). */
const DIGEST_LEADS = 25;

/**
 * A chunk's offer mails, per recipient: one lead stays a "lead-offer" mail;
 * several become "lead-offers" mails listing each lead with its own signed
 * links (bulk routing tends to offer a partner many leads at once: one mail,
 * not dozens).
 */
function offerDigests(inputs: EnqueueInput<"lead-offer">[]): EnqueueInput<"lead-offer" | "lead-offers">[] {
  const byRecipient = new Map<string, EnqueueInput<"lead-offer">[]>();
  for (const i of inputs) {
    const key = `${i.partnerId} ${i.userId}`;
    const list = byRecipient.get(key);
    if (list) list.push(i);
    else byRecipient.set(key, [i]);
  }
  const out: EnqueueInput<"lead-offer" | "lead-offers">[] = [];
  for (const list of byRecipient.values()) {
    if (list.length === 1) {
      out.push(list[0]!);
      continue;
    }
    for (let i = 0; i < list.length; i += DIGEST_LEADS) {
      const part = list.slice(i, i + DIGEST_LEADS);
      const first = part[0]!;
      out.push({
        to: first.to,
        toName: first.toName,
        template: "lead-offers",
        data: {
          recipientName: first.data.recipientName,
          partnerName: first.data.partnerName,
          leads: part.map(({ data: { recipientName: _name, partnerName: _partner, ...lead } }) => lead),
        },
        // The first lead's key, under the digest's name: unique per recipient and chunk.
        dedupeKey: first.dedupeKey.replace(/^lead-offer:/, "lead-offers:"),
        critical: true,
        partnerId: first.partnerId,
        userId: first.userId,
      });
    }
  }
  return out;
}

/** Bulk routing tells the channel team of the leads a chunk left with the vendor in one mail. */
function attentionSummary(world: World, flagged: Plan[]): EnqueueInput<"lead-attention"> | null {
  const to = world.vendorRecipients;
  if (flagged.length === 0 || to.length === 0) return null;
  if (flagged.length === 1) return attentionMail(to, flagged[0]!);
  const shown = flagged.slice(0, 25);
  return {
    to,
    template: "lead-attention",
    data: {
      leadRef: `${flagged.length} leads`,
      companyName: "bulk routing",
      location: [...new Set(flagged.map((p) => countryName(p.lead.country)))].slice(0, 8).join(", "),
      headline: `${flagged.length} leads stay with the vendor`,
      message:
        shown.map((p) => `${leadRef(p.lead.number)} ${p.lead.companyName}: ${p.attention}`).join("\n") +
        (flagged.length > shown.length ? `\n… and ${flagged.length - shown.length} more.` : ""),
      leadUrl: `${appUrl()}/leads/manage?attention=1`,
    },
    dedupeKey: `lead-attention-batch:${flagged[0]!.decisionId}`,
  };
}

function outcomeOf(p: Plan): RouteOutcome {
  return p.offer
    ? {
        kind: "offered",
        leadId: p.lead.id,
        partnerId: p.offer.partner.id,
        offerId: p.offer.id,
        decisionId: p.decisionId,
      }
    : { kind: "no_partner", leadId: p.lead.id, decisionId: p.decisionId };
}

// ---------------------------------------------------------------------------
// The per-lead path.

async function lockLead(tx: Db, leadId: string, opts: { skipLocked?: boolean } = {}): Promise<LeadRow | undefined> {
  const q = tx.select(leadColumns).from(leads).where(eq(leads.id, leadId));
  const [row] = await (opts.skipLocked ? q.for("update", { skipLocked: true }) : q.for("update"));
  return row;
}

/**
 * Routes one lead inside the caller's transaction: offers it to the best
 * eligible partner, or leaves it with the vendor flagged (no eligible partner,
 * or rules.maxOffers offers made already). A lead that is held, closed or
 * with a partner is skipped. No permission check: the callers decide who may
 * route (routeLead, the offer answers and the expiry job).
 */
export async function routeLeadInTx(
  tx: Db,
  ctx: Ctx,
  leadId: string,
  opts: { mode: "auto" | "job" | "bulk"; seed?: string },
): Promise<RouteOutcome> {
  const now = nowOf(ctx);
  const lead = await lockLead(tx, leadId);
  if (!lead) throw new NotFoundError("No such lead.");
  await lockRouting(tx);
  const history = (await loadOfferHistory(tx, [lead.id])).get(lead.id);
  const skip = skipReason(lead.status, history?.pending ?? false);
  if (skip) return { kind: "skipped", leadId, reason: skip };
  const rulesRow = await currentRules(tx);
  const areas = servingAreas({ country: lead.country, region: lead.region }, rulesRow.rules);
  const world = await loadWorld(tx, now, rulesRow, { areas: [...areas] });
  await loadOpenLeads(
    tx,
    world,
    world.partners.map((p) => p.id),
  );
  const plan = planLead(world, lead, history?.partners ?? new Set(), opts.mode, opts.seed ?? newSeed());
  await prepareWrites(tx, ctx, world, [plan], { summaryMail: false })();
  return outcomeOf(plan);
}

/** Routes one lead in its own transaction (channel managers; intake with `route`). */
export async function routeLead(
  ctx: Ctx,
  leadId: string,
  opts: { mode?: "auto" | "job"; seed?: string } = {},
): Promise<RouteOutcome> {
  assertDistributor(ctx);
  if (!z.string().uuid().safeParse(leadId).success) throw new NotFoundError("No such lead.");
  return ctx.db.transaction((tx) => routeLeadInTx(tx, ctx, leadId, { mode: opts.mode ?? "auto", seed: opts.seed }));
}

// ---------------------------------------------------------------------------
// Bulk routing.

/** The pool behind a PostgreSQL handle (null for PGlite). */
function poolOf(db: Db): pg.Pool | null {
  const client = (db as unknown as { $client?: unknown }).$client;
  return client instanceof pg.Pool ? client : null;
}

/** One two-lane bulk call at a time in this process: each holds three connections of the pool. */
let laneTurn: Promise<unknown> = Promise.resolve();

/**
 * Three connections of the pool for a two-lane bulk call, checked out before
 * any lock is taken (a call that held the routing lock and waited for the
 * pool could wait forever on requests that hold connections and wait for
 * the lock). Released when `fn` ends; a connection that saw an error is
 * closed (with any session lock it held).
 */
async function withLaneClients<T>(pool: pg.Pool, fn: (lock: Db, lanes: Db[]) => Promise<T>): Promise<T> {
  const previous = laneTurn;
  let done!: () => void;
  laneTurn = new Promise<void>((resolve) => (done = resolve));
  await previous;
  const clients: pg.PoolClient[] = [];
  let failed = false;
  try {
    for (let i = 0; i < 3; i++) clients.push(await pool.connect());
    const [lock, ...lanes] = clients.map((c) => drizzlePg(c, { schema }) as unknown as Db);
    return await fn(lock!, lanes);
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    for (const c of clients) c.release(failed);
    done();
  }
}

/**
 * Routes many leads, set-based: partners' facts, certifications and stats are
 * loaded once per call. Leads go in chunks of BULK_CHUNK, each chunk one
 * transaction: its lead rows are locked (SKIP LOCKED), every lead is decided
 * in memory while the chosen partners' open-lead counts go up, and the chunk
 * is written in parts, each part's statement running while the next part is
 * decided. Leads left with the vendor are told to the channel team in ONE
 * summary mail per chunk.
 *
 * Capacity: the open-lead counts are read under the routing lock, and the
 * lock is held until the chunks decided on those counts have committed. On
 * PGlite each chunk takes the lock in its transaction. On PostgreSQL a round
 * of chunks is routed under one session-level hold of the lock while two
 * chunk transactions write at once (both cores work); Node decides one lead
 * at a time, so the shared in-memory counts stay exact.
 */
export async function routeLeads(
  ctx: Ctx,
  leadIds: string[],
  opts: { mode?: "bulk"; seed?: string; chunkSize?: number; lanes?: 1 | 2 } = {},
): Promise<{ offered: number; noPartner: number; skipped: number; outcomes: RouteOutcome[]; timings: RouteTimings }> {
  assertDistributor(ctx);
  const ids = [...new Set(leadIds)];
  const bad = ids.filter((id) => !z.string().uuid().safeParse(id).success);
  if (bad.length > 0) throw new ValidationError({ leadIds: ["Choose leads from the list."] });
  const now = nowOf(ctx);
  const timings: RouteTimings = { loadMs: 0, decideMs: 0, writeMs: 0, mails: 0 };
  if (ids.length === 0) return { offered: 0, noPartner: 0, skipped: 0, outcomes: [], timings };
  const tLoad = performance.now();
  let world = await loadWorld(ctx.db, now, await currentRules(ctx.db));
  timings.loadMs += performance.now() - tLoad;
  const size = Math.max(1, opts.chunkSize ?? BULK_CHUNK);
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += size) chunks.push(ids.slice(i, i + size));
  const results: RouteOutcome[][] = [];
  const pool = poolOf(ctx.db);

  /** Under the routing lock: the rules in force (the chunks use those) and exact open-lead counts. */
  const refresh = async (db: Db) => {
    const latest = await currentRules(db);
    if (latest.version !== world.version) world = await loadWorld(db, now, latest);
    await loadOpenLeads(db, world);
  };

  if (!pool || opts.lanes === 1) {
    for (const [k, chunk] of chunks.entries()) {
      await ctx.db.transaction(async (tx) => {
        const t0 = performance.now();
        await lockRouting(tx);
        await refresh(tx);
        timings.loadMs += performance.now() - t0;
        results[k] = await routeChunk(tx, ctx, world, chunk, { seed: opts.seed, timings });
      });
    }
  } else {
    await withLaneClients(pool, async (lockDb, laneDbs) => {
      // Explanations are committed through the lock's connection, one statement at a time.
      let tail: Promise<unknown> = Promise.resolve();
      const explanationsVia = (statement: SQL) => {
        const p = tail.then(() => send(lockDb, statement));
        tail = p.catch(() => {});
        return p;
      };
      const perRound = laneDbs.length * 2;
      for (let first = 0; first < chunks.length; first += perRound) {
        const round = chunks.slice(first, first + perRound).map((chunk, i) => ({ k: first + i, chunk }));
        const t0 = performance.now();
        await lockDb.execute(sql`select pg_advisory_lock(${ROUTING_LOCK})`);
        try {
          await refresh(lockDb);
          timings.loadMs += performance.now() - t0;
          let failed = false;
          const lane = async (laneDb: Db) => {
            for (let next = round.shift(); next && !failed; next = round.shift()) {
              const { k, chunk } = next;
              try {
                results[k] = await laneDb.transaction((tx) =>
                  routeChunk(tx, ctx, world, chunk, { seed: opts.seed, timings, explanationsVia }),
                );
              } catch (err) {
                failed = true;
                throw err;
              }
            }
          };
          const settled = await Promise.allSettled(laneDbs.map(lane));
          const failure = settled.find((r) => r.status === "rejected");
          if (failure) throw failure.reason;
        } finally {
          await tail;
          await lockDb.execute(sql`select pg_advisory_unlock(${ROUTING_LOCK})`);
        }
      }
    });
  }
  const outcomes = results.flat();
  return {
    offered: outcomes.filter((o) => o.kind === "offered").length,
    noPartner: outcomes.filter((o) => o.kind === "no_partner").length,
    skipped: outcomes.filter((o) => o.kind === "skipped").length,
    outcomes,
    timings,
  };
}

/**
 * One chunk of bulk routing in the caller's transaction (its open-lead counts
 * read under the routing lock, which the caller holds until this commits).
 * Returns the chunk's outcomes in its order.
 */
async function routeChunk(
  tx: Db,
  ctx: Ctx,
  world: World,
  chunk: string[],
  opts: { seed?: string; timings: RouteTimings; explanationsVia?: (statement: SQL) => Promise<unknown> },
): Promise<RouteOutcome[]> {
  const { timings } = opts;
  const t0 = performance.now();
  const rows = await tx
    .select(leadColumns)
    .from(leads)
    .where(inArray(leads.id, chunk))
    .orderBy(leads.number)
    .for("update", { skipLocked: true });
  const history = await loadOfferHistory(
    tx,
    rows.map((r) => r.id),
  );
  const t1 = performance.now();
  timings.loadMs += t1 - t0;
  const found = new Set(rows.map((r) => r.id));
  const outcomes = new Map<string, RouteOutcome>();
  for (const id of chunk) {
    if (!found.has(id)) outcomes.set(id, { kind: "skipped", leadId: id, reason: "no such lead, or busy" });
  }
  // Decide and write in parts: each part's statement is sent before the
  // next part is decided, so the database writes while Node decides.
  // A transaction is one connection: each part is sent when the one
  // before it has run (the pg client takes one query at a time).
  const writes: Promise<{ mails: number }>[] = [];
  const after = (write: () => Promise<{ mails: number }>) => {
    const previous = writes.at(-1);
    const p = previous ? previous.then(() => write()) : write();
    p.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
    writes.push(p);
  };
  const flagged: Plan[] = [];
  const offerMails: EnqueueInput<"lead-offer">[] = [];
  let plans: Plan[] = [];
  const flush = async () => {
    if (plans.length === 0) return;
    after(
      prepareWrites(tx, ctx, world, plans, {
        summaryMail: true,
        explanationsVia: opts.explanationsVia,
        collectOfferMails: offerMails,
      }),
    );
    plans = [];
    await yieldToIo();
  };
  let failure: { error: unknown } | null = null;
  try {
    for (const lead of rows) {
      const h = history.get(lead.id);
      const skip = skipReason(lead.status, h?.pending ?? false);
      if (skip) {
        outcomes.set(lead.id, { kind: "skipped", leadId: lead.id, reason: skip });
        continue;
      }
      const seed = opts.seed ? `${opts.seed}:${lead.id}` : newSeed();
      const plan = planLead(world, lead, h?.partners ?? new Set(), "bulk", seed);
      plans.push(plan);
      if (plan.attention) flagged.push(plan);
      outcomes.set(lead.id, outcomeOf(plan));
      if (plans.length >= WRITE_PART) await flush();
    }
    await flush();
    const mails: EnqueueInput<"lead-offer" | "lead-offers" | "lead-attention">[] = offerDigests(offerMails);
    const summary = attentionSummary(world, flagged);
    if (summary) mails.push(summary);
    if (mails.length) after(() => enqueueMails(tx, mails).then((queued) => ({ mails: queued })));
  } catch (error) {
    failure = { error };
  }
  // Every part sent is awaited before the transaction ends (the first failure is the one reported).
  const t2 = performance.now();
  timings.decideMs += t2 - t1;
  const settled = await Promise.allSettled(writes);
  timings.writeMs += performance.now() - t2;
  if (failure) throw failure.error;
  const failed = settled.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
  for (const r of settled) if (r.status === "fulfilled") timings.mails += r.value.mails;
  return chunk.map((id) => outcomes.get(id)!);
}

// ---------------------------------------------------------------------------
// Manual actions.

const uuid = z.string().uuid();
/** The forms' schemas (shared with the browser): a partner and a reason; a reason alone (hold, recall). */
const manualRouteSchema = routeToFormSchema;
const reasonSchema = reasonFormSchema;

function parse<T extends z.ZodTypeAny>(schema: T, raw: unknown): z.infer<T> {
  const r = schema.safeParse(raw);
  if (!r.success) throw new ValidationError(fieldErrorsOf(r.error));
  return r.data;
}

async function lockVendorLead(tx: Db, leadId: string): Promise<LeadRow> {
  if (!uuid.safeParse(leadId).success) throw new NotFoundError("No such lead.");
  const lead = await lockLead(tx, leadId);
  if (!lead) throw new NotFoundError("No such lead.");
  return lead;
}

/** Closes the lead's pending offer as recalled (the vendor took it back) and tells the partner. */
async function recallPending(
  tx: Db,
  ctx: Ctx,
  lead: LeadRow,
  reason: string,
  now: Date,
): Promise<{ offerId: string; partnerId: string } | null> {
  const [closed] = await tx
    .update(leadOffers)
    .set({ outcome: "recalled", outcomeAt: now, outcomeBy: ctx.actor.userId, outcomeVia: "vendor" })
    .where(and(eq(leadOffers.leadId, lead.id), isNull(leadOffers.outcome)))
    .returning({ id: leadOffers.id, partnerId: leadOffers.partnerId });
  if (!closed) return null;
  const [partner] = await tx.select({ name: partners.name }).from(partners).where(eq(partners.id, closed.partnerId));
  await recordLeadEvent(tx, {
    leadId: lead.id,
    partnerId: null,
    actorLabel: ctx.actor.label,
    kind: "recalled",
    note: `Offer to ${partner?.name ?? "the partner"} recalled: ${reason}`,
    at: now,
  });
  const admins = await tx
    .select({ address: users.email, name: users.name })
    .from(users)
    .where(and(eq(users.partnerId, closed.partnerId), eq(users.role, "partner_admin"), eq(users.status, "active")))
    .orderBy(users.email);
  if (admins.length > 0) {
    await enqueueMail(tx, {
      to: admins,
      template: "lead-offer-closed",
      data: {
        partnerName: partner?.name ?? "",
        leadRef: leadRef(lead.number),
        companyName: lead.companyName,
        headline: "the offer was withdrawn",
        message: "The vendor's channel team took this lead back; you no longer need to answer it.",
      },
      dedupeKey: `lead-offer-closed:${closed.id}`,
      partnerId: closed.partnerId,
    });
  }
  return { offerId: closed.id, partnerId: closed.partnerId };
}

/**
 * Offers a lead to a partner the channel manager chose (mode manual). A
 * pending offer is recalled first (mode override). The chosen partner must be
 * active and not offered this lead before; the engine's view of it (score or
 * reasons it would have been excluded) is stored as the explanation.
 */
export async function manualRoute(
  ctx: Ctx,
  leadId: string,
  raw: unknown,
): Promise<{ leadId: string; partnerId: string; offerId: string; decisionId: string; mode: "manual" | "override" }> {
  assertDistributor(ctx);
  const input = parse(manualRouteSchema, raw);
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const lead = await lockVendorLead(tx, leadId);
    await lockRouting(tx);
    if (lead.status === "won" || lead.status === "lost") throw new RuleError("The lead is closed.");
    if (lead.status !== "new" && lead.status !== "held" && lead.status !== "offered") {
      throw new RuleError("The lead is being worked by a partner; it cannot be routed again.");
    }
    const history = (await loadOfferHistory(tx, [lead.id])).get(lead.id);
    const pendingFor = history?.pending
      ? (
          await tx
            .select({ partnerId: leadOffers.partnerId })
            .from(leadOffers)
            .where(and(eq(leadOffers.leadId, lead.id), isNull(leadOffers.outcome)))
        )[0]?.partnerId
      : undefined;
    if (pendingFor === input.partnerId) {
      throw new ValidationError({ partnerId: ["The lead is already offered to this partner."] });
    }
    if (history?.partners.has(input.partnerId)) {
      throw new ValidationError({
        partnerId: ["This partner was offered the lead before; each partner gets it once."],
      });
    }
    const rulesRow = await currentRules(tx);
    const world = await loadWorld(tx, now, rulesRow, { partnerIds: [input.partnerId] });
    const partner = world.byId.get(input.partnerId);
    if (!partner || partner.status !== "active") {
      throw new ValidationError({ partnerId: ["Choose an active partner."] });
    }
    await loadOpenLeads(tx, world, [partner.id]);
    const mode = pendingFor ? ("override" as const) : ("manual" as const);
    const recalled = pendingFor ? await recallPending(tx, ctx, lead, input.reason, now) : null;
    const offered = new Set(history?.partners ?? []);
    const req = requirementsFor({ productId: lead.productId }, rulesRow.rules, world.tierRanks);
    const why: { code: ExclusionCode; text: string }[] = exclusions(partner, { previouslyOffered: offered }, req);
    const areas = servingAreas({ country: lead.country, region: lead.region }, rulesRow.rules);
    if (!partner.territories.some((t) => areas.has(t))) {
      why.unshift({ code: "territory", text: exclusionLabels.territory });
    }
    const s = scorePartner(partner, rulesRow.rules.weights, world.tierWeights);
    const candidate: RoutingCandidateJson = {
      ...excludedCandidate(partner, why),
      score: s.score,
      parts: SCORE_PARTS.map((k) => s.parts[k]!),
    };
    const label = mode === "override" ? "Override" : "Manual";
    const plan: Plan = {
      lead: { ...lead, status: recalled ? "new" : lead.status },
      decisionId: randomUUID(),
      mode,
      seed: newSeed(),
      decision: {
        candidates: [candidate],
        excludedCounts: {},
        summary:
          `${label}: offered to ${partner.name} by ${ctx.actor.label}: ${input.reason}` +
          (why.length ? ` (the engine would exclude it: ${why.map((w) => w.text).join("; ")})` : "") +
          ".",
      },
      offer: { id: randomUUID(), partner, ...offerDeadlines(now, rulesRow.rules.slaBusinessDays, partner.calendar) },
      auditAction: mode === "override" ? "lead.overridden" : "lead.routed_manually",
      recalled: recalled ?? undefined,
    };
    await prepareWrites(tx, ctx, world, [plan], { summaryMail: false })();
    return { leadId: lead.id, partnerId: partner.id, offerId: plan.offer!.id, decisionId: plan.decisionId, mode };
  });
}

/** Holds a lead with the vendor: the engine leaves it alone until it is released. */
export async function holdLead(ctx: Ctx, leadId: string, raw: unknown): Promise<void> {
  assertDistributor(ctx);
  const { reason } = parse(reasonSchema, raw);
  const now = nowOf(ctx);
  await ctx.db.transaction(async (tx) => {
    const lead = await lockVendorLead(tx, leadId);
    if (lead.status === "held") throw new RuleError("The lead is already held.");
    if (lead.status !== "new") {
      throw new RuleError(
        lead.status === "offered"
          ? "Recall the offer before holding the lead."
          : "Only a lead with the vendor can be held.",
      );
    }
    await tx
      .update(leads)
      .set({
        status: "held",
        heldBy: ctx.actor.userId,
        heldReason: reason,
        needsAttention: false,
        attentionReason: null,
        updatedAt: now,
      })
      .where(eq(leads.id, lead.id));
    await recordLeadEvent(tx, {
      leadId: lead.id,
      partnerId: null,
      actorLabel: ctx.actor.label,
      kind: "held",
      note: reason,
      at: now,
    });
    await recordAudit(tx, ctx.actor, {
      action: "lead.held",
      subjectType: "lead",
      subjectId: lead.id,
      before: { status: lead.status },
      after: { status: "held", reason },
    });
  });
}

/** Releases a held lead back to "new" (it is not routed automatically). */
export async function releaseLead(ctx: Ctx, leadId: string): Promise<void> {
  assertDistributor(ctx);
  const now = nowOf(ctx);
  await ctx.db.transaction(async (tx) => {
    const lead = await lockVendorLead(tx, leadId);
    if (lead.status !== "held") throw new RuleError("The lead is not held.");
    await tx
      .update(leads)
      .set({ status: "new", heldBy: null, heldReason: null, updatedAt: now })
      .where(eq(leads.id, lead.id));
    await recordLeadEvent(tx, {
      leadId: lead.id,
      partnerId: null,
      actorLabel: ctx.actor.label,
      kind: "released",
      at: now,
    });
    await recordAudit(tx, ctx.actor, {
      action: "lead.released",
      subjectType: "lead",
      subjectId: lead.id,
      before: { status: "held" },
      after: { status: "new" },
    });
  });
}

/** Takes a pending offer back: the offer is recalled, the lead returns to the vendor as new. */
export async function recallOffer(
  ctx: Ctx,
  leadId: string,
  raw: unknown,
): Promise<{ offerId: string; partnerId: string }> {
  assertDistributor(ctx);
  const { reason } = parse(reasonSchema, raw);
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const lead = await lockVendorLead(tx, leadId);
    if (lead.status !== "offered") throw new RuleError("The lead has no pending offer to recall.");
    const recalled = await recallPending(tx, ctx, lead, reason, now);
    if (!recalled) throw new RuleError("The lead has no pending offer to recall.");
    await tx
      .update(leads)
      .set({ status: "new", partnerId: null, currentOfferId: null, updatedAt: now })
      .where(eq(leads.id, lead.id));
    await recordAudit(tx, ctx.actor, {
      action: "lead.offer_recalled",
      subjectType: "lead",
      subjectId: lead.id,
      partnerId: recalled.partnerId,
      before: { status: "offered", partnerId: recalled.partnerId, offerId: recalled.offerId },
      after: { status: "new", reason },
    });
    return recalled;
  });
}
