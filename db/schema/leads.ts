import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  date,
  index,
  integer,
  json,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { apiKeys, users } from "./auth";
import { currency, products } from "./deals";
import { partners } from "./partners";

/**
 * Lead sharing. A lead is with the vendor (new, held) until the routing engine
 * offers it to one partner at a time; the partner accepts within the SLA and
 * works it to won or lost, or declines / lets it expire and it moves on.
 *
 * `leads.partner_id` is the partner that currently holds the lead (offered or
 * working). It is the tenant column: a partner sees a lead only while it holds
 * it, so a recalled or declined lead is 404 for the partner that lost it.
 */
export const leadSource = pgEnum("lead_source", ["form", "api", "contact", "import"]);
export const leadStatus = pgEnum("lead_status", [
  /** With the vendor, waiting to be routed. */
  "new",
  /** Held by a channel manager: the engine leaves it alone. */
  "held",
  /** Offered to `partner_id`, waiting for accept or decline. */
  "offered",
  /** Accepted by `partner_id`, not yet worked. */
  "accepted",
  "contacted",
  "meeting",
  "qualified",
  "proposal",
  "won",
  "lost",
]);
export const offerOutcome = pgEnum("offer_outcome", ["accepted", "declined", "expired", "recalled"]);
export const declineReason = pgEnum("decline_reason", ["no_capacity", "outside_territory", "not_qualified", "other"]);
export const routingMode = pgEnum("routing_mode", ["auto", "bulk", "manual", "override", "job"]);

export const leads = pgTable(
  "leads",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Human reference shown as L-<number>. */
    number: bigserial("number", { mode: "number" }).notNull().unique(),
    source: leadSource("source").notNull(),
    companyName: text("company_name").notNull(),
    /** Lowercase, no www. (normalizeDomain); from the website or the contact's address. */
    companyDomain: text("company_domain"),
    contactName: text("contact_name").notNull(),
    contactEmail: text("contact_email").notNull(),
    contactPhone: text("contact_phone"),
    contactTitle: text("contact_title"),
    /** ISO 3166-1 alpha-2. */
    country: text("country").notNull(),
    /** ISO 3166-2 subdivision (e.g. US-CO) when known. */
    region: text("region"),
    /** What the lead is interested in (drives the specialization / certification rules). */
    productId: uuid("product_id").references(() => products.id),
    seats: integer("seats"),
    /** In the currency's minor unit (cents; whole yen for JPY). */
    estimatedValueMinor: bigint("estimated_value_minor", { mode: "number" }),
    currency: currency("currency"),
    /** What the prospect wrote (contact form) or the vendor's summary. */
    message: text("message"),
    status: leadStatus("status").notNull().default("new"),
    /** The partner holding it (offered or working); null while with the vendor. */
    partnerId: uuid("partner_id").references(() => partners.id),
    /** The pending or accepted offer. */
    currentOfferId: uuid("current_offer_id"),
    /** Offers made so far (each partner at most once). */
    offerCount: integer("offer_count").notNull().default(0),
    /** With the vendor and needing a person: no eligible partner, or every offer ran out. */
    needsAttention: boolean("needs_attention").notNull().default(false),
    attentionReason: text("attention_reason"),
    heldBy: uuid("held_by").references(() => users.id),
    heldReason: text("held_reason"),
    acceptedAt: timestamp("accepted_at", { withTimezone: true }),
    nextStepDate: date("next_step_date", { mode: "string" }),
    nextStep: text("next_step"),
    wonValueMinor: bigint("won_value_minor", { mode: "number" }),
    wonCurrency: currency("won_currency"),
    lostReason: text("lost_reason"),
    closedAt: timestamp("closed_at", { withTimezone: true }),
    /** The deal registration it was converted into (deals.lead_id points back). */
    dealId: uuid("deal_id"),
    createdBy: uuid("created_by").references(() => users.id),
    apiKeyId: uuid("api_key_id").references(() => apiKeys.id),
    importId: uuid("import_id"),
    /** The API client's Idempotency-Key: one lead per key. */
    idempotencyKey: text("idempotency_key"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("leads_partner_status_idx").on(t.partnerId, t.status, t.createdAt),
    index("leads_status_created_idx").on(t.status, t.createdAt),
    // Duplicate detection runs against open leads only.
    index("leads_open_email_idx")
      .on(sql`lower(${t.contactEmail})`)
      .where(sql`status not in ('won', 'lost')`),
    index("leads_open_domain_idx")
      .on(t.companyDomain)
      .where(sql`status not in ('won', 'lost')`),
    index("leads_attention_idx")
      .on(t.createdAt)
      .where(sql`needs_attention`),
    uniqueIndex("leads_idempotency_idx").on(t.idempotencyKey),
  ],
);

/** One offer of a lead to one partner. At most one pending and one accepted offer per lead (the database decides races). */
export const leadOffers = pgTable(
  "lead_offers",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    leadId: uuid("lead_id")
      .notNull()
      .references(() => leads.id),
    partnerId: uuid("partner_id")
      .notNull()
      .references(() => partners.id),
    decisionId: uuid("decision_id"),
    offeredAt: timestamp("offered_at", { withTimezone: true }).notNull(),
    /** The SLA: business hours in the partner's time zone and working days. */
    acceptBy: timestamp("accept_by", { withTimezone: true }).notNull(),
    /** Half the SLA: when the reminder goes out. */
    remindAt: timestamp("remind_at", { withTimezone: true }).notNull(),
    remindedAt: timestamp("reminded_at", { withTimezone: true }),
    outcome: offerOutcome("outcome"),
    outcomeAt: timestamp("outcome_at", { withTimezone: true }),
    outcomeBy: uuid("outcome_by").references(() => users.id),
    /** portal, link (signed mail link), api, job, vendor */
    outcomeVia: text("outcome_via"),
    declineReason: declineReason("decline_reason"),
    declineNote: text("decline_note"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("lead_offers_lead_idx").on(t.leadId, t.offeredAt),
    index("lead_offers_partner_idx").on(t.partnerId, t.offeredAt),
    uniqueIndex("lead_offers_one_pending_idx")
      .on(t.leadId)
      .where(sql`outcome is null`),
    uniqueIndex("lead_offers_one_accepted_idx")
      .on(t.leadId)
      .where(sql`outcome = 'accepted'`),
    // Each partner is offered a lead at most once.
    uniqueIndex("lead_offers_lead_partner_idx").on(t.leadId, t.partnerId),
    index("lead_offers_due_idx")
      .on(t.acceptBy)
      .where(sql`outcome is null`),
    index("lead_offers_remind_idx")
      .on(t.remindAt)
      .where(sql`outcome is null and reminded_at is null`),
  ],
);

/**
 * How a candidate fared in one routing decision (stored in routing_decisions.candidates).
 * Kept small (a decision lists every partner of the lead's territory): the
 * partner's name is looked up by id when the explanation is shown, and
 * exclusions are codes (routing.ts's ExclusionCode) that the reader words.
 * Decisions stored before that carry `name` and worded exclusions; both read.
 */
export interface RoutingCandidateJson {
  partnerId: string;
  /** The partner's name when decided (older decisions only). */
  name?: string;
  /** Why the partner could not get the lead (empty when eligible): exclusion codes, or sentences in older decisions. */
  excluded: string[];
  /** With the "capacity" exclusion: the partner's open leads and its capacity then. */
  capacity?: [open: number, capacity: number];
  /** Total score 0..1 (eligible candidates only). */
  score?: number;
  /**
   * Weighted parts of the score: [tier, acceptanceRate, timeToAccept, winRate]
   * (older decisions: an object with those keys).
   */
  parts?: number[] | Record<string, number>;
}

/**
 * The candidate lists of routing decisions, stored once per distinct content
 * (keyed by the sha256 of the json text): consecutive leads from the same
 * area with the same product interest are decided over the same partners
 * with the same outcome for each, so their decisions share one explanation.
 */
export const routingExplanations = pgTable("routing_explanations", {
  hash: text("hash").primaryKey(),
  /** json, not jsonb: written in bulk and only ever read whole (json input only checks the text). */
  candidates: json("candidates").$type<RoutingCandidateJson[]>().notNull(),
});

/** Every routing decision with its explanation: the candidates, how each scored or why it was excluded, and the seed. */
export const routingDecisions = pgTable(
  "routing_decisions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    leadId: uuid("lead_id")
      .notNull()
      .references(() => leads.id),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    mode: routingMode("mode").notNull(),
    decidedBy: uuid("decided_by").references(() => users.id),
    rulesVersion: integer("rules_version"),
    /** The tie-break draw's seed: replaying the candidates with it gives the same partner. */
    seed: text("seed").notNull(),
    chosenPartnerId: uuid("chosen_partner_id").references(() => partners.id),
    /** The candidates considered, how each scored or why it was excluded (shared with identical decisions). */
    explanationHash: text("explanation_hash")
      .notNull()
      .references(() => routingExplanations.hash),
    /** Partners left out before scoring, counted by reason (e.g. {"territory": 1940}). */
    excludedCounts: jsonb("excluded_counts")
      .$type<Record<string, number>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    /** One sentence: "Offered to X: highest score 0.82 of 12 eligible" / "No eligible partner: …" / "Manual: …". */
    summary: text("summary").notNull(),
    /** The tier rules version whose routing weights gave each score's tier part (null: older decisions, fixed values). */
    tierRulesVersion: integer("tier_rules_version"),
    /** Those routing weights per tier (0..1), as the scores used them. */
    tierWeights: jsonb("tier_weights").$type<Record<string, number>>(),
  },
  (t) => [index("routing_decisions_lead_idx").on(t.leadId, t.at)],
);

/** The routing rules, versioned: the highest version is in force; each decision records the version it used. */
export interface RoutingRulesJson {
  /** Lead country or subdivision → the partner territories that serve it (e.g. NZ → [AU]; LU → [BE, NL]). */
  territoryMap: { area: string; servedBy: string[] }[];
  /** Per product interest: what a partner needs to receive such a lead. */
  productRules: {
    productId: string;
    specialization: string | null;
    certification: string | null;
    /** A tier key (tiers.key); null: none. */
    minimumTier: string | null;
  }[];
  /** Applies to every lead. */
  /** A tier key (tiers.key). */
  minimumTier: string;
  /** A certification (course key) every receiving partner needs; null for none. */
  requiredCertification: string | null;
  /** Maximum open (offered + working) leads per partner, unless the partner has its own. */
  defaultCapacity: number;
  /** Score weights, 0..10 each. */
  weights: { tier: number; acceptanceRate: number; timeToAccept: number; winRate: number };
  /** The accept-by SLA in business days, and the business hours (local time) that count. */
  slaBusinessDays: number;
  workdayStartHour: number;
  workdayEndHour: number;
  /** Offers before a lead returns to the vendor. */
  maxOffers: number;
}

export const routingRules = pgTable("routing_rules", {
  version: integer("version").primaryKey(),
  rules: jsonb("rules").$type<RoutingRulesJson>().notNull(),
  note: text("note"),
  createdBy: uuid("created_by").references(() => users.id),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** A partner's own limit of open leads (overrides the rules' default). */
export const partnerLeadSettings = pgTable("partner_lead_settings", {
  partnerId: uuid("partner_id")
    .primaryKey()
    .references(() => partners.id),
  capacity: integer("capacity"),
  /** Users besides the partner admins who receive offers by mail. */
  offerRecipientIds: uuid("offer_recipient_ids")
    .array()
    .notNull()
    .default(sql`'{}'::uuid[]`),
  /** Paused partners get no new offers. */
  paused: boolean("paused").notNull().default(false),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Public holidays per country: not working days for the SLA. */
export const publicHolidays = pgTable(
  "public_holidays",
  {
    country: text("country").notNull(),
    date: date("date", { mode: "string" }).notNull(),
    name: text("name").notNull(),
  },
  (t) => [primaryKey({ columns: [t.country, t.date] })],
);

/** The lead's history. partner_id set: shown to that partner too; null: vendor only. */
export const leadEvents = pgTable(
  "lead_events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    leadId: uuid("lead_id")
      .notNull()
      .references(() => leads.id),
    partnerId: uuid("partner_id").references(() => partners.id),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    actorLabel: text("actor_label").notNull(),
    kind: text("kind").notNull(),
    note: text("note"),
  },
  (t) => [index("lead_events_lead_idx").on(t.leadId, t.at)],
);

/** Notes on a lead: a partner's notes are seen by that partner and the vendor (partner_id null: vendor-internal). */
export const leadNotes = pgTable(
  "lead_notes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    leadId: uuid("lead_id")
      .notNull()
      .references(() => leads.id),
    partnerId: uuid("partner_id").references(() => partners.id),
    authorId: uuid("author_id").references(() => users.id),
    authorLabel: text("author_label").notNull(),
    body: text("body").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("lead_notes_lead_idx").on(t.leadId, t.createdAt)],
);

export const leadImportStatus = pgEnum("lead_import_status", ["uploaded", "queued", "processing", "done", "failed"]);

/** A CSV upload: stored whole so any worker can process it; progress counted as rows go. */
export const leadImports = pgTable(
  "lead_imports",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    createdBy: uuid("created_by").references(() => users.id),
    filename: text("filename").notNull(),
    content: text("content").notNull(),
    headers: jsonb("headers").$type<string[]>().notNull(),
    /** Lead field → CSV column header. */
    mapping: jsonb("mapping").$type<Record<string, string>>(),
    /** Route the created leads at once. */
    routeAfter: boolean("route_after").notNull().default(false),
    status: leadImportStatus("status").notNull().default("uploaded"),
    totalRows: integer("total_rows").notNull().default(0),
    processedRows: integer("processed_rows").notNull().default(0),
    createdCount: integer("created_count").notNull().default(0),
    skippedCount: integer("skipped_count").notNull().default(0),
    failedCount: integer("failed_count").notNull().default(0),
    /** Worker lease while processing (a crashed worker's import is picked up again). */
    leaseUntil: timestamp("lease_until", { withTimezone: true }),
    error: text("error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [index("lead_imports_status_idx").on(t.status, t.createdAt)],
);

/** Rows an import skipped (duplicate) or could not take (invalid), downloadable as CSV. */
export const leadImportIssues = pgTable(
  "lead_import_issues",
  {
    importId: uuid("import_id")
      .notNull()
      .references(() => leadImports.id, { onDelete: "cascade" }),
    rowNumber: integer("row_number").notNull(),
    kind: text("kind").$type<"skipped" | "failed">().notNull(),
    values: jsonb("values").$type<Record<string, string>>().notNull(),
    message: text("message").notNull(),
  },
  (t) => [primaryKey({ columns: [t.importId, t.rowNumber] })],
);

export type Lead = typeof leads.$inferSelect;
export type LeadOffer = typeof leadOffers.$inferSelect;
export type RoutingDecision = typeof routingDecisions.$inferSelect;
export type LeadStatus = (typeof leadStatus.enumValues)[number];
