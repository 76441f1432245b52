CREATE TABLE "routing_explanations" (
	"hash" text PRIMARY KEY NOT NULL,
	"candidates" json NOT NULL
);
--> statement-breakpoint
ALTER TABLE "routing_decisions" ALTER COLUMN "candidates" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "routing_decisions" ADD COLUMN "explanation_hash" text;--> statement-breakpoint
ALTER TABLE "routing_decisions" ADD CONSTRAINT "routing_decisions_explanation_hash_routing_explanations_hash_fk" FOREIGN KEY ("explanation_hash") REFERENCES "public"."routing_explanations"("hash") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
INSERT INTO "routing_explanations" ("hash", "candidates")
SELECT DISTINCT ON (h) h, "candidates"
  FROM (SELECT encode(sha256(convert_to("candidates"::text, 'UTF8')), 'hex') AS h, "candidates"
          FROM "routing_decisions") AS x
ON CONFLICT DO NOTHING;--> statement-breakpoint
UPDATE "routing_decisions" SET "explanation_hash" = encode(sha256(convert_to("candidates"::text, 'UTF8')), 'hex');
