import { sql } from "drizzle-orm";
import {
  boolean,
  customType,
  index,
  integer,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { partners, tierKey } from "./partners";
import { users } from "./auth";

/** Raw bytes (logos): PostgreSQL bytea, a Node Buffer in and out. */
const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => "bytea",
  fromDriver: (v) => (Buffer.isBuffer(v) ? v : Buffer.from(v)),
});

export const businessType = pgEnum("business_type", [
  "reseller",
  "distributor",
  "managed_service_provider",
  "systems_integrator",
]);

/** The vendor-managed list of specializations (partners and applications store the keys). */
export const specializations = pgTable("specializations", {
  key: text("key").primaryKey(),
  label: text("label").notNull(),
  active: boolean("active").notNull().default(true),
  sort: integer("sort").notNull().default(0),
});

export const applicationStatus = pgEnum("application_status", ["submitted", "info_requested", "approved", "rejected"]);

export const applications = pgTable(
  "applications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    status: applicationStatus("status").notNull().default("submitted"),
    companyName: text("company_name").notNull(),
    legalName: text("legal_name").notNull(),
    website: text("website").notNull(),
    /** Normalized: lowercase, no scheme, no `www.`. */
    primaryDomain: text("primary_domain").notNull(),
    country: text("country").notNull(),
    region: text("region").notNull(),
    address: text("address").notNull(),
    registrationId: text("registration_id").notNull(),
    businessType: businessType("business_type").notNull(),
    specializations: text("specializations")
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** Expected annual license volume in USD. */
    expectedAnnualVolume: integer("expected_annual_volume").notNull(),
    contactName: text("contact_name").notNull(),
    contactEmail: text("contact_email").notNull(),
    contactPhone: text("contact_phone").notNull(),
    /** The contact's email domain differs from the website's: shown to the reviewer. */
    contactDomainMismatch: boolean("contact_domain_mismatch").notNull().default(false),
    privacyAcceptedAt: timestamp("privacy_accepted_at", { withTimezone: true }).notNull(),
    /** Hash of the token in the applicant's status link. */
    statusTokenHash: text("status_token_hash").notNull().unique(),
    ip: text("ip"),
    userAgent: text("user_agent"),
    decidedBy: uuid("decided_by").references(() => users.id),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
    /** Rejection reason (sent to the applicant). */
    decisionReason: text("decision_reason"),
    initialTier: tierKey("initial_tier"),
    ownerUserId: uuid("owner_user_id").references(() => users.id),
    partnerId: uuid("partner_id").references(() => partners.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("applications_status_idx").on(t.status, t.createdAt),
    index("applications_country_idx").on(t.country),
    // One open application per domain, even under concurrent submissions.
    uniqueIndex("applications_open_domain_idx")
      .on(t.primaryDomain)
      .where(sql`status in ('submitted', 'info_requested')`),
  ],
);

export const applicationNotes = pgTable(
  "application_notes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    applicationId: uuid("application_id")
      .notNull()
      .references(() => applications.id),
    authorId: uuid("author_id")
      .notNull()
      .references(() => users.id),
    body: text("body").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("application_notes_app_idx").on(t.applicationId, t.createdAt)],
);

export const messageDirection = pgEnum("message_direction", ["to_applicant", "from_applicant"]);

/** Requests for more information and the applicant's answers (through the status link). */
export const applicationMessages = pgTable(
  "application_messages",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    applicationId: uuid("application_id")
      .notNull()
      .references(() => applications.id),
    direction: messageDirection("direction").notNull(),
    authorId: uuid("author_id").references(() => users.id),
    body: text("body").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("application_messages_app_idx").on(t.applicationId, t.createdAt)],
);

/** Programme agreement versions. The current one is the highest version whose effective date has passed. */
export const agreements = pgTable("agreements", {
  id: uuid("id").primaryKey().defaultRandom(),
  version: integer("version").notNull().unique(),
  title: text("title").notNull(),
  /** Markdown. */
  body: text("body").notNull(),
  effectiveAt: timestamp("effective_at", { withTimezone: true }).notNull(),
  /** Partners that accepted an earlier version have this many days after effectiveAt to accept. */
  graceDays: integer("grace_days").notNull().default(30),
  publishedBy: uuid("published_by").references(() => users.id),
  publishedAt: timestamp("published_at", { withTimezone: true }).notNull().defaultNow(),
});

export const agreementAcceptances = pgTable(
  "agreement_acceptances",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    agreementId: uuid("agreement_id")
      .notNull()
      .references(() => agreements.id),
    version: integer("version").notNull(),
    partnerId: uuid("partner_id")
      .notNull()
      .references(() => partners.id),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    acceptedAt: timestamp("accepted_at", { withTimezone: true }).notNull().defaultNow(),
    ip: text("ip"),
    userAgent: text("user_agent"),
  },
  (t) => [uniqueIndex("agreement_acceptances_partner_version_idx").on(t.partnerId, t.version)],
);

/** Vendor-internal notes on a partner. */
export const partnerNotes = pgTable(
  "partner_notes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    partnerId: uuid("partner_id")
      .notNull()
      .references(() => partners.id),
    authorId: uuid("author_id")
      .notNull()
      .references(() => users.id),
    body: text("body").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("partner_notes_partner_idx").on(t.partnerId, t.createdAt)],
);

/** A partner's logo, kept in the database so that any app process can serve it. */
export const partnerLogos = pgTable("partner_logos", {
  partnerId: uuid("partner_id")
    .primaryKey()
    .references(() => partners.id),
  contentType: text("content_type").notNull(),
  bytes: bytea("bytes").notNull(),
  sha256: text("sha256").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type Application = typeof applications.$inferSelect;
export type Agreement = typeof agreements.$inferSelect;
