ALTER TABLE "tier_rules" ADD COLUMN "applied_at" timestamp with time zone;--> statement-breakpoint
-- Hand-added: versions already in force were applied when published (or by the daily run); a version still to come
-- stays null, and the jobs apply it at its effective moment.
UPDATE "tier_rules" SET "applied_at" = greatest("effective_at", "published_at") WHERE "effective_at" <= now();
