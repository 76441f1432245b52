import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  date,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { apiKeys, users } from "./auth";
import { partners } from "./partners";

/** The vendor's product list (deal registration picks from it; license fulfillment adds prices). */
export const products = pgTable("products", {
  id: uuid("id").primaryKey().defaultRandom(),
  sku: text("sku").notNull().unique(),
  name: text("name").notNull(),
  edition: text("edition").notNull(),
  /** Months of the subscription term; null for perpetual. */
  termMonths: integer("term_months"),
  seatUnit: text("seat_unit").notNull().default("mailbox"),
  active: boolean("active").notNull().default(true),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const currency = pgEnum("currency", ["USD", "EUR", "JPY", "AUD"]);
export const salesStage = pgEnum("sales_stage", ["prospecting", "qualification", "proposal", "negotiation", "commit"]);
export const dealStatus = pgEnum("deal_status", [
  "pending_review",
  "changes_requested",
  "approved",
  "rejected",
  "won",
  "lost",
  "expired",
]);

export interface DealMatch {
  dealId: string;
  partnerId: string;
  /** 0..1 */
  score: number;
  /** e.g. "same domain", "name 0.82 similar", "same country", "same products" */
  reasons: string[];
}

export const deals = pgTable(
  "deals",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    partnerId: uuid("partner_id")
      .notNull()
      .references(() => partners.id),
    registeredBy: uuid("registered_by").references(() => users.id),
    apiKeyId: uuid("api_key_id").references(() => apiKeys.id),
    customerName: text("customer_name").notNull(),
    /** Lowercase, no legal suffixes, punctuation or accents: what name matching compares. */
    customerNameNormalized: text("customer_name_normalized").notNull(),
    /** Lowercase, no www., no address part. */
    customerDomain: text("customer_domain").notNull(),
    country: text("country").notNull(),
    region: text("region"),
    contactName: text("contact_name").notNull(),
    contactTitle: text("contact_title"),
    contactEmail: text("contact_email").notNull(),
    /** In the currency's minor unit (cents; whole yen for JPY). */
    valueMinor: bigint("value_minor", { mode: "number" }).notNull(),
    currency: currency("currency").notNull(),
    expectedCloseDate: date("expected_close_date", { mode: "string" }).notNull(),
    stage: salesStage("stage").notNull(),
    competition: text("competition"),
    notes: text("notes"),
    /** The lead it came from (lead sharing, a later issue). */
    leadId: uuid("lead_id"),
    status: dealStatus("status").notNull().default("pending_review"),
    /** Another partner's open or protected registration matched: needs a reviewer's eye. */
    conflictFlag: boolean("conflict_flag").notNull().default(false),
    conflicts: jsonb("conflicts")
      .$type<DealMatch[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    protectedUntil: timestamp("protected_until", { withTimezone: true }),
    decidedBy: uuid("decided_by").references(() => users.id),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
    /** Rejection reason or requested changes (sent to the partner). */
    decisionNote: text("decision_note"),
    appealComment: text("appeal_comment"),
    appealedAt: timestamp("appealed_at", { withTimezone: true }),
    finalValueMinor: bigint("final_value_minor", { mode: "number" }),
    lostReason: text("lost_reason"),
    closedAt: timestamp("closed_at", { withTimezone: true }),
    /** The client's Idempotency-Key (API) or the form's submission id: one registration per key and partner. */
    idempotencyKey: text("idempotency_key"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("deals_partner_status_idx").on(t.partnerId, t.status, t.createdAt),
    index("deals_status_created_idx").on(t.status, t.createdAt),
    index("deals_domain_idx").on(t.customerDomain),
    // Only open and protected registrations are matched: a partial index keeps the check fast with years of history.
    index("deals_open_name_trgm_idx")
      .using("gin", t.customerNameNormalized.op("gin_trgm_ops"))
      .where(sql`status in ('pending_review', 'changes_requested', 'approved')`),
    uniqueIndex("deals_idempotency_idx").on(t.partnerId, t.idempotencyKey),
    // First-in rule: at most one approved (protected) registration per customer domain, whoever holds it.
    uniqueIndex("deals_one_protected_idx")
      .on(t.customerDomain)
      .where(sql`status = 'approved'`),
  ],
);

export const dealLines = pgTable(
  "deal_lines",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    dealId: uuid("deal_id")
      .notNull()
      .references(() => deals.id),
    partnerId: uuid("partner_id")
      .notNull()
      .references(() => partners.id),
    productId: uuid("product_id")
      .notNull()
      .references(() => products.id),
    quantity: integer("quantity").notNull(),
  },
  (t) => [index("deal_lines_deal_idx").on(t.dealId)],
);

/** The deal's history as the partner and the vendor see it. */
export const dealEvents = pgTable(
  "deal_events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    dealId: uuid("deal_id")
      .notNull()
      .references(() => deals.id),
    partnerId: uuid("partner_id")
      .notNull()
      .references(() => partners.id),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    actorLabel: text("actor_label").notNull(),
    kind: text("kind").notNull(),
    note: text("note"),
  },
  (t) => [index("deal_events_deal_idx").on(t.dealId, t.at)],
);

export const extensionStatus = pgEnum("extension_status", ["pending", "granted", "denied"]);

export const dealExtensions = pgTable(
  "deal_extensions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    dealId: uuid("deal_id")
      .notNull()
      .references(() => deals.id),
    partnerId: uuid("partner_id")
      .notNull()
      .references(() => partners.id),
    requestedBy: uuid("requested_by").references(() => users.id),
    reason: text("reason").notNull(),
    requestedDays: integer("requested_days").notNull(),
    status: extensionStatus("status").notNull().default("pending"),
    decidedBy: uuid("decided_by").references(() => users.id),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
    decisionNote: text("decision_note"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("deal_extensions_deal_idx").on(t.dealId),
    // One open request per deal.
    uniqueIndex("deal_extensions_open_idx")
      .on(t.dealId)
      .where(sql`status = 'pending'`),
  ],
);

export type Deal = typeof deals.$inferSelect;
export type Product = typeof products.$inferSelect;
