CREATE TABLE "tiers" (
	"key" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Hand-added to the generated migration: the catalogue starts with the three tiers of the former enum, so the
-- foreign keys below find every stored value.
INSERT INTO "tiers" ("key", "name") VALUES ('registered', 'Registered'), ('silver', 'Silver'), ('gold', 'Gold');--> statement-breakpoint
ALTER TABLE "partners" ALTER COLUMN "tier" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "partners" ALTER COLUMN "tier" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "partners" ALTER COLUMN "tier" SET DEFAULT 'registered';--> statement-breakpoint
ALTER TABLE "applications" ALTER COLUMN "initial_tier" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "license_orders" ALTER COLUMN "tier_at_order" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "partner_tier_states" ALTER COLUMN "evaluated_tier" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "partner_tier_states" ALTER COLUMN "target_tier" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "partner_tier_states" ALTER COLUMN "pinned_tier" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "tier_changes" ALTER COLUMN "from_tier" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "tier_changes" ALTER COLUMN "to_tier" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "partners" ADD CONSTRAINT "partners_tier_tiers_key_fk" FOREIGN KEY ("tier") REFERENCES "public"."tiers"("key") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "applications" ADD CONSTRAINT "applications_initial_tier_tiers_key_fk" FOREIGN KEY ("initial_tier") REFERENCES "public"."tiers"("key") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "license_orders" ADD CONSTRAINT "license_orders_tier_at_order_tiers_key_fk" FOREIGN KEY ("tier_at_order") REFERENCES "public"."tiers"("key") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "partner_tier_states" ADD CONSTRAINT "partner_tier_states_evaluated_tier_tiers_key_fk" FOREIGN KEY ("evaluated_tier") REFERENCES "public"."tiers"("key") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "partner_tier_states" ADD CONSTRAINT "partner_tier_states_target_tier_tiers_key_fk" FOREIGN KEY ("target_tier") REFERENCES "public"."tiers"("key") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "partner_tier_states" ADD CONSTRAINT "partner_tier_states_pinned_tier_tiers_key_fk" FOREIGN KEY ("pinned_tier") REFERENCES "public"."tiers"("key") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tier_changes" ADD CONSTRAINT "tier_changes_from_tier_tiers_key_fk" FOREIGN KEY ("from_tier") REFERENCES "public"."tiers"("key") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tier_changes" ADD CONSTRAINT "tier_changes_to_tier_tiers_key_fk" FOREIGN KEY ("to_tier") REFERENCES "public"."tiers"("key") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
DROP TYPE "public"."partner_tier";--> statement-breakpoint
-- Hand-added: each stored rules version's tiers, an object keyed registered/silver/gold, becomes the ordered ladder
-- [{ key, name, requirements, benefits }, …], lowest first.
UPDATE "tier_rules" SET "rules" = jsonb_set(
  "rules",
  '{tiers}',
  (
    SELECT coalesce(jsonb_agg(jsonb_build_object('key', t.key, 'name', t.name) || ("rules"->'tiers'->t.key) ORDER BY t.rank), '[]'::jsonb)
    FROM (VALUES ('registered', 'Registered', 0), ('silver', 'Silver', 1), ('gold', 'Gold', 2)) AS t(key, name, rank)
    WHERE "rules"->'tiers' ? t.key
  )
)
WHERE jsonb_typeof("rules"->'tiers') = 'object';