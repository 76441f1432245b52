import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

/**
 * The catalogue of programme tiers: every tier key ever published in the tier
 * rules, with its latest published name. The rules version in force orders
 * the tiers and gives their requirements and benefits (tier_rules.rules.tiers);
 * this table is what the tier columns reference, so a partner, a pin, a tier
 * change or an order can only name a tier that exists. Rows are added (or
 * renamed) when rules are published and never deleted. "registered" is the
 * base tier every ladder starts with.
 */
export const tiers = pgTable("tiers", {
  key: text("key").primaryKey(),
  name: text("name").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** The base tier: the lowest rung of every ladder, never removed; a new partner's tier. */
export const BASE_TIER_KEY = "registered";

/** A tier column: a tier key that must exist in the catalogue. */
export const tierKey = (name: string) => text(name).references(() => tiers.key);
export const partnerStatus = pgEnum("partner_status", ["applied", "approved", "active", "suspended", "terminated"]);

export const partners = pgTable(
  "partners",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    slug: text("slug").notNull().unique(),
    name: text("name").notNull(),
    legalName: text("legal_name").notNull(),
    website: text("website"),
    primaryDomain: text("primary_domain").notNull(),
    country: text("country").notNull(),
    region: text("region"),
    /** IANA time zone for business hours (lead SLA); null: the country's main zone. */
    timeZone: text("time_zone"),
    territories: text("territories")
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    specializations: text("specializations")
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    tier: tierKey("tier").notNull().default(BASE_TIER_KEY),
    status: partnerStatus("status").notNull().default("applied"),
    /** The latest programme agreement version this partner accepted. */
    agreementVersion: integer("agreement_version"),
    businessType: text("business_type"),
    registrationId: text("registration_id"),
    phone: text("phone"),
    description: text("description"),
    addresses: jsonb("addresses")
      .$type<PartnerAddressJson[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    contacts: jsonb("contacts")
      .$type<PartnerContactJson[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    /** Opted in to the public partner locator (/partners). */
    listedInLocator: boolean("listed_in_locator").notNull().default(false),
    /** May pay license orders by invoice (distributors on terms); set by the vendor. */
    invoiceTermsAllowed: boolean("invoice_terms_allowed").notNull().default(false),
    /** The vendor's channel manager who owns the relationship (a users.id; no FK to keep the tables' order simple). */
    ownerUserId: uuid("owner_user_id"),
    /** Why the partner was suspended or terminated. */
    statusReason: text("status_reason"),
    statusChangedAt: timestamp("status_changed_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("partners_country_idx").on(t.country),
    index("partners_status_idx").on(t.status),
    index("partners_owner_idx").on(t.ownerUserId),
    index("partners_name_trgm_idx").using("gin", sql`lower(${t.name}) gin_trgm_ops`),
  ],
);

export type Partner = typeof partners.$inferSelect;
export interface PartnerAddressJson {
  label: string;
  street: string;
  city: string;
  postalCode: string;
  region: string;
  country: string;
}
export interface PartnerContactJson {
  role: "sales" | "technical" | "billing" | "executive";
  name: string;
  email: string;
  phone: string;
}
