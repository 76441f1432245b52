CREATE TYPE "public"."currency" AS ENUM('USD', 'EUR', 'JPY', 'AUD');--> statement-breakpoint
CREATE TYPE "public"."deal_status" AS ENUM('pending_review', 'changes_requested', 'approved', 'rejected', 'won', 'lost', 'expired');--> statement-breakpoint
CREATE TYPE "public"."extension_status" AS ENUM('pending', 'granted', 'denied');--> statement-breakpoint
CREATE TYPE "public"."sales_stage" AS ENUM('prospecting', 'qualification', 'proposal', 'negotiation', 'commit');--> statement-breakpoint
CREATE TABLE "deal_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"deal_id" uuid NOT NULL,
	"partner_id" uuid NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_label" text NOT NULL,
	"kind" text NOT NULL,
	"note" text
);
--> statement-breakpoint
CREATE TABLE "deal_extensions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"deal_id" uuid NOT NULL,
	"partner_id" uuid NOT NULL,
	"requested_by" uuid,
	"reason" text NOT NULL,
	"requested_days" integer NOT NULL,
	"status" "extension_status" DEFAULT 'pending' NOT NULL,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"decision_note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deal_lines" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"deal_id" uuid NOT NULL,
	"partner_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"quantity" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deals" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"partner_id" uuid NOT NULL,
	"registered_by" uuid,
	"api_key_id" uuid,
	"customer_name" text NOT NULL,
	"customer_name_normalized" text NOT NULL,
	"customer_domain" text NOT NULL,
	"country" text NOT NULL,
	"region" text,
	"contact_name" text NOT NULL,
	"contact_title" text,
	"contact_email" text NOT NULL,
	"value_minor" bigint NOT NULL,
	"currency" "currency" NOT NULL,
	"expected_close_date" date NOT NULL,
	"stage" "sales_stage" NOT NULL,
	"competition" text,
	"notes" text,
	"lead_id" uuid,
	"status" "deal_status" DEFAULT 'pending_review' NOT NULL,
	"conflict_flag" boolean DEFAULT false NOT NULL,
	"conflicts" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"protected_until" timestamp with time zone,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"decision_note" text,
	"appeal_comment" text,
	"appealed_at" timestamp with time zone,
	"final_value_minor" bigint,
	"lost_reason" text,
	"closed_at" timestamp with time zone,
	"idempotency_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "products" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"sku" text NOT NULL,
	"name" text NOT NULL,
	"edition" text NOT NULL,
	"term_months" integer,
	"seat_unit" text DEFAULT 'mailbox' NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "products_sku_unique" UNIQUE("sku")
);
--> statement-breakpoint
ALTER TABLE "deal_events" ADD CONSTRAINT "deal_events_deal_id_deals_id_fk" FOREIGN KEY ("deal_id") REFERENCES "public"."deals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_events" ADD CONSTRAINT "deal_events_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_extensions" ADD CONSTRAINT "deal_extensions_deal_id_deals_id_fk" FOREIGN KEY ("deal_id") REFERENCES "public"."deals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_extensions" ADD CONSTRAINT "deal_extensions_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_extensions" ADD CONSTRAINT "deal_extensions_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_extensions" ADD CONSTRAINT "deal_extensions_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_lines" ADD CONSTRAINT "deal_lines_deal_id_deals_id_fk" FOREIGN KEY ("deal_id") REFERENCES "public"."deals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_lines" ADD CONSTRAINT "deal_lines_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_lines" ADD CONSTRAINT "deal_lines_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deals" ADD CONSTRAINT "deals_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deals" ADD CONSTRAINT "deals_registered_by_users_id_fk" FOREIGN KEY ("registered_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deals" ADD CONSTRAINT "deals_api_key_id_api_keys_id_fk" FOREIGN KEY ("api_key_id") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deals" ADD CONSTRAINT "deals_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "deal_events_deal_idx" ON "deal_events" USING btree ("deal_id","at");--> statement-breakpoint
CREATE INDEX "deal_extensions_deal_idx" ON "deal_extensions" USING btree ("deal_id");--> statement-breakpoint
CREATE UNIQUE INDEX "deal_extensions_open_idx" ON "deal_extensions" USING btree ("deal_id") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "deal_lines_deal_idx" ON "deal_lines" USING btree ("deal_id");--> statement-breakpoint
CREATE INDEX "deals_partner_status_idx" ON "deals" USING btree ("partner_id","status","created_at");--> statement-breakpoint
CREATE INDEX "deals_status_created_idx" ON "deals" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "deals_domain_idx" ON "deals" USING btree ("customer_domain");--> statement-breakpoint
CREATE INDEX "deals_name_trgm_idx" ON "deals" USING gin ("customer_name_normalized" gin_trgm_ops);--> statement-breakpoint
CREATE UNIQUE INDEX "deals_idempotency_idx" ON "deals" USING btree ("partner_id","idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "deals_one_protected_idx" ON "deals" USING btree ("customer_domain") WHERE status = 'approved';--> statement-breakpoint
INSERT INTO "products" ("sku", "name", "edition", "term_months", "seat_unit") VALUES
  ('MSE-STD-12', 'Mail Server Enterprise', 'Standard', 12, 'mailbox'),
  ('MSE-ADV-12', 'Mail Server Enterprise', 'Advanced', 12, 'mailbox'),
  ('MSE-ADV-36', 'Mail Server Enterprise', 'Advanced', 36, 'mailbox'),
  ('ASG-12', 'Anti-Spam Gateway', 'Gateway', 12, 'domain'),
  ('SRL-PERP', 'Secure Relay', 'Perpetual', NULL, 'server')
ON CONFLICT DO NOTHING;
