CREATE TABLE "partner_tier_states" (
	"partner_id" uuid PRIMARY KEY NOT NULL,
	"evaluated_tier" "partner_tier" NOT NULL,
	"at_risk_since" timestamp with time zone,
	"downgrade_due_at" timestamp with time zone,
	"target_tier" "partner_tier",
	"pinned_tier" "partner_tier",
	"pin_reason" text,
	"pinned_until" timestamp with time zone,
	"pinned_by" uuid,
	"pinned_at" timestamp with time zone,
	"rules_version" integer,
	"last_evaluated_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tier_changes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"partner_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"from_tier" "partner_tier" NOT NULL,
	"to_tier" "partner_tier" NOT NULL,
	"reason" text NOT NULL,
	"rules_version" integer,
	"due_at" timestamp with time zone,
	"actor_label" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tier_rules" (
	"version" integer PRIMARY KEY NOT NULL,
	"effective_at" timestamp with time zone NOT NULL,
	"rules" jsonb NOT NULL,
	"note" text,
	"published_by" uuid,
	"published_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "partner_tier_states" ADD CONSTRAINT "partner_tier_states_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "partner_tier_states" ADD CONSTRAINT "partner_tier_states_pinned_by_users_id_fk" FOREIGN KEY ("pinned_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tier_changes" ADD CONSTRAINT "tier_changes_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tier_rules" ADD CONSTRAINT "tier_rules_published_by_users_id_fk" FOREIGN KEY ("published_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "partner_tier_states_due_idx" ON "partner_tier_states" USING btree ("downgrade_due_at");--> statement-breakpoint
CREATE INDEX "tier_changes_partner_at_idx" ON "tier_changes" USING btree ("partner_id","at");--> statement-breakpoint
CREATE INDEX "tier_changes_at_idx" ON "tier_changes" USING btree ("at");--> statement-breakpoint
CREATE INDEX "tier_rules_effective_idx" ON "tier_rules" USING btree ("effective_at");--> statement-breakpoint
INSERT INTO "tier_rules" ("version", "effective_at", "rules", "note") VALUES (1, '2026-01-01T00:00:00Z', '{"graceDays": 60, "tiers": {"registered": {"requirements": {"certifications": [], "revenueUsdMinor": 0, "wonDeals": 0, "acceptanceRate": null}, "benefits": {"discountPercent": 10, "routingWeight": 0, "protectionDays": 90}}, "silver": {"requirements": {"certifications": [{"courseKey": "mail-relay-fundamentals", "min": 1}], "revenueUsdMinor": 2000000, "wonDeals": 1, "acceptanceRate": 0.5}, "benefits": {"discountPercent": 20, "routingWeight": 0.5, "protectionDays": 90}}, "gold": {"requirements": {"certifications": [{"courseKey": "mail-relay-fundamentals", "min": 2}, {"courseKey": "secure-relay-tls-auth", "min": 1}], "revenueUsdMinor": 10000000, "wonDeals": 2, "acceptanceRate": 0.7}, "benefits": {"discountPercent": 30, "routingWeight": 1, "protectionDays": 90}}}}'::jsonb, 'Initial rules');
