import { sql } from "drizzle-orm";
import { pgEnum, pgTable, text, timestamp, uuid, integer, index } from "drizzle-orm/pg-core";

export const partnerTier = pgEnum("partner_tier", ["registered", "silver", "gold"]);
export const partnerStatus = pgEnum("partner_status", [
  "applied",
  "approved",
  "active",
  "suspended",
  "terminated",
]);

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
    territories: text("territories").array().notNull().default(sql`'{}'::text[]`),
    specializations: text("specializations").array().notNull().default(sql`'{}'::text[]`),
    tier: partnerTier("tier").notNull().default("registered"),
    status: partnerStatus("status").notNull().default("applied"),
    agreementVersion: integer("agreement_version"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("partners_country_idx").on(t.country), index("partners_status_idx").on(t.status)],
);

export type Partner = typeof partners.$inferSelect;
