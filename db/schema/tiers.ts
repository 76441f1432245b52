import { index, integer, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./auth";
import { partners, tierKey } from "./partners";

/**
 * Programme tiers: the versioned tier rules (requirements and benefits per
 * tier, each version in force from its effective date), each partner's tier
 * state (the tier it qualifies for, at-risk grace, a vendor pin) and the
 * history of its tier changes. `partners.tier` stays the tier in force (what
 * routing and licensing read); the evaluation keeps it up to date.
 */

/** The rules as stored (validated by tierRulesSchema in app/modules/tiers/rules.ts). */
export interface TierRulesJson {
  /** Days a partner below its tier keeps it ("at risk") before it is downgraded. */
  graceDays: number;
  /**
   * The ladder, lowest first: "registered" (the base tier) always first. Each
   * tier's key (a slug, also in the `tiers` catalogue), display name,
   * requirements and benefits.
   */
  tiers: TierDefinitionJson[];
}

export interface TierDefinitionJson {
  key: string;
  name: string;
  requirements: {
    /** Minimum certified people per certification (course key), counted by named person, expired ones excluded. */
    certifications: { courseKey: string; min: number }[];
    /** Minimum trailing-12-month license revenue in US cents. */
    revenueUsdMinor: number;
    /** Minimum deals won in the trailing 12 months. */
    wonDeals: number;
    /** Minimum lead acceptance rate (0..1) over the trailing 12 months; null: no requirement. */
    acceptanceRate: number | null;
  };
  benefits: { discountPercent: number; routingWeight: number; protectionDays: number };
}

export const tierRules = pgTable(
  "tier_rules",
  {
    version: integer("version").primaryKey(),
    /** In force from this moment until the next version's effective date. */
    effectiveAt: timestamp("effective_at", { withTimezone: true }).notNull(),
    rules: jsonb("rules").$type<TierRulesJson>().notNull(),
    note: text("note"),
    publishedBy: uuid("published_by").references(() => users.id),
    publishedAt: timestamp("published_at", { withTimezone: true }).notNull().defaultNow(),
    /**
     * When every partner was evaluated under this version (at publishing when it is in force at once; by the jobs
     * when its effective moment comes). Null: still to apply.
     */
    appliedAt: timestamp("applied_at", { withTimezone: true }),
  },
  (t) => [index("tier_rules_effective_idx").on(t.effectiveAt)],
);

/** One row per evaluated partner: where it stands against the rules, and any pin. */
export const partnerTierStates = pgTable(
  "partner_tier_states",
  {
    partnerId: uuid("partner_id")
      .primaryKey()
      .references(() => partners.id),
    /** The tier the partner's figures qualified for at the last evaluation. */
    evaluatedTier: tierKey("evaluated_tier").notNull(),
    /** Below its tier since: the grace period runs from here. Null when not at risk. */
    atRiskSince: timestamp("at_risk_since", { withTimezone: true }),
    downgradeDueAt: timestamp("downgrade_due_at", { withTimezone: true }),
    /** The tier it would drop to when the grace period ends. */
    targetTier: tierKey("target_tier"),
    pinnedTier: tierKey("pinned_tier"),
    pinReason: text("pin_reason"),
    pinnedUntil: timestamp("pinned_until", { withTimezone: true }),
    pinnedBy: uuid("pinned_by").references(() => users.id),
    pinnedAt: timestamp("pinned_at", { withTimezone: true }),
    rulesVersion: integer("rules_version"),
    lastEvaluatedAt: timestamp("last_evaluated_at", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("partner_tier_states_due_idx").on(t.downgradeDueAt)],
);

/** Every change of a partner's tier standing: upgrade, downgrade, at risk, recovered, pinned, pin ended. */
export const tierChanges = pgTable(
  "tier_changes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    partnerId: uuid("partner_id")
      .notNull()
      .references(() => partners.id),
    kind: text("kind").notNull(),
    fromTier: tierKey("from_tier").notNull(),
    toTier: tierKey("to_tier").notNull(),
    /** What triggered the evaluation (daily job, certification expired, deal won, rules published, pin). */
    reason: text("reason").notNull(),
    rulesVersion: integer("rules_version"),
    /** For at-risk changes: when the downgrade is due. */
    dueAt: timestamp("due_at", { withTimezone: true }),
    actorLabel: text("actor_label").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull(),
  },
  (t) => [index("tier_changes_partner_at_idx").on(t.partnerId, t.at), index("tier_changes_at_idx").on(t.at)],
);

export type TierRuleVersion = typeof tierRules.$inferSelect;
export type PartnerTierState = typeof partnerTierStates.$inferSelect;
export type TierChange = typeof tierChanges.$inferSelect;
