ALTER TABLE "routing_decisions" ADD COLUMN "tier_rules_version" integer;--> statement-breakpoint
ALTER TABLE "routing_decisions" ADD COLUMN "tier_weights" jsonb;