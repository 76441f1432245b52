ALTER TABLE "routing_decisions" ALTER COLUMN "explanation_hash" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "routing_decisions" DROP COLUMN "candidates";