CREATE TYPE "public"."decline_reason" AS ENUM('no_capacity', 'outside_territory', 'not_qualified', 'other');--> statement-breakpoint
CREATE TYPE "public"."lead_import_status" AS ENUM('uploaded', 'queued', 'processing', 'done', 'failed');--> statement-breakpoint
CREATE TYPE "public"."lead_source" AS ENUM('form', 'api', 'contact', 'import');--> statement-breakpoint
CREATE TYPE "public"."lead_status" AS ENUM('new', 'held', 'offered', 'accepted', 'contacted', 'meeting', 'qualified', 'proposal', 'won', 'lost');--> statement-breakpoint
CREATE TYPE "public"."offer_outcome" AS ENUM('accepted', 'declined', 'expired', 'recalled');--> statement-breakpoint
CREATE TYPE "public"."routing_mode" AS ENUM('auto', 'bulk', 'manual', 'override', 'job');--> statement-breakpoint
CREATE TABLE "lead_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"lead_id" uuid NOT NULL,
	"partner_id" uuid,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_label" text NOT NULL,
	"kind" text NOT NULL,
	"note" text
);
--> statement-breakpoint
CREATE TABLE "lead_import_issues" (
	"import_id" uuid NOT NULL,
	"row_number" integer NOT NULL,
	"kind" text NOT NULL,
	"values" jsonb NOT NULL,
	"message" text NOT NULL,
	CONSTRAINT "lead_import_issues_import_id_row_number_pk" PRIMARY KEY("import_id","row_number")
);
--> statement-breakpoint
CREATE TABLE "lead_imports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created_by" uuid,
	"filename" text NOT NULL,
	"content" text NOT NULL,
	"headers" jsonb NOT NULL,
	"mapping" jsonb,
	"route_after" boolean DEFAULT false NOT NULL,
	"status" "lead_import_status" DEFAULT 'uploaded' NOT NULL,
	"total_rows" integer DEFAULT 0 NOT NULL,
	"processed_rows" integer DEFAULT 0 NOT NULL,
	"created_count" integer DEFAULT 0 NOT NULL,
	"skipped_count" integer DEFAULT 0 NOT NULL,
	"failed_count" integer DEFAULT 0 NOT NULL,
	"lease_until" timestamp with time zone,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "lead_notes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"lead_id" uuid NOT NULL,
	"partner_id" uuid,
	"author_id" uuid,
	"author_label" text NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lead_offers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"lead_id" uuid NOT NULL,
	"partner_id" uuid NOT NULL,
	"decision_id" uuid,
	"offered_at" timestamp with time zone NOT NULL,
	"accept_by" timestamp with time zone NOT NULL,
	"remind_at" timestamp with time zone NOT NULL,
	"reminded_at" timestamp with time zone,
	"outcome" "offer_outcome",
	"outcome_at" timestamp with time zone,
	"outcome_by" uuid,
	"outcome_via" text,
	"decline_reason" "decline_reason",
	"decline_note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "leads" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"number" bigserial NOT NULL,
	"source" "lead_source" NOT NULL,
	"company_name" text NOT NULL,
	"company_domain" text,
	"contact_name" text NOT NULL,
	"contact_email" text NOT NULL,
	"contact_phone" text,
	"contact_title" text,
	"country" text NOT NULL,
	"region" text,
	"product_id" uuid,
	"seats" integer,
	"estimated_value_minor" bigint,
	"currency" "currency",
	"message" text,
	"status" "lead_status" DEFAULT 'new' NOT NULL,
	"partner_id" uuid,
	"current_offer_id" uuid,
	"offer_count" integer DEFAULT 0 NOT NULL,
	"needs_attention" boolean DEFAULT false NOT NULL,
	"attention_reason" text,
	"held_by" uuid,
	"held_reason" text,
	"accepted_at" timestamp with time zone,
	"next_step_date" date,
	"next_step" text,
	"won_value_minor" bigint,
	"won_currency" "currency",
	"lost_reason" text,
	"closed_at" timestamp with time zone,
	"deal_id" uuid,
	"created_by" uuid,
	"api_key_id" uuid,
	"import_id" uuid,
	"idempotency_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "leads_number_unique" UNIQUE("number")
);
--> statement-breakpoint
CREATE TABLE "partner_lead_settings" (
	"partner_id" uuid PRIMARY KEY NOT NULL,
	"capacity" integer,
	"offer_recipient_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "public_holidays" (
	"country" text NOT NULL,
	"date" date NOT NULL,
	"name" text NOT NULL,
	CONSTRAINT "public_holidays_country_date_pk" PRIMARY KEY("country","date")
);
--> statement-breakpoint
CREATE TABLE "routing_decisions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"lead_id" uuid NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"mode" "routing_mode" NOT NULL,
	"decided_by" uuid,
	"rules_version" integer,
	"seed" text NOT NULL,
	"chosen_partner_id" uuid,
	"candidates" jsonb NOT NULL,
	"excluded_counts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"summary" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "routing_rules" (
	"version" integer PRIMARY KEY NOT NULL,
	"rules" jsonb NOT NULL,
	"note" text,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "partners" ADD COLUMN "time_zone" text;--> statement-breakpoint
ALTER TABLE "lead_events" ADD CONSTRAINT "lead_events_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "public"."leads"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lead_events" ADD CONSTRAINT "lead_events_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lead_import_issues" ADD CONSTRAINT "lead_import_issues_import_id_lead_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."lead_imports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lead_imports" ADD CONSTRAINT "lead_imports_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lead_notes" ADD CONSTRAINT "lead_notes_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "public"."leads"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lead_notes" ADD CONSTRAINT "lead_notes_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lead_notes" ADD CONSTRAINT "lead_notes_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lead_offers" ADD CONSTRAINT "lead_offers_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "public"."leads"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lead_offers" ADD CONSTRAINT "lead_offers_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lead_offers" ADD CONSTRAINT "lead_offers_outcome_by_users_id_fk" FOREIGN KEY ("outcome_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leads" ADD CONSTRAINT "leads_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leads" ADD CONSTRAINT "leads_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leads" ADD CONSTRAINT "leads_held_by_users_id_fk" FOREIGN KEY ("held_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leads" ADD CONSTRAINT "leads_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leads" ADD CONSTRAINT "leads_api_key_id_api_keys_id_fk" FOREIGN KEY ("api_key_id") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "partner_lead_settings" ADD CONSTRAINT "partner_lead_settings_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "routing_decisions" ADD CONSTRAINT "routing_decisions_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "public"."leads"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "routing_decisions" ADD CONSTRAINT "routing_decisions_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "routing_decisions" ADD CONSTRAINT "routing_decisions_chosen_partner_id_partners_id_fk" FOREIGN KEY ("chosen_partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "routing_rules" ADD CONSTRAINT "routing_rules_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "lead_events_lead_idx" ON "lead_events" USING btree ("lead_id","at");--> statement-breakpoint
CREATE INDEX "lead_imports_status_idx" ON "lead_imports" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "lead_notes_lead_idx" ON "lead_notes" USING btree ("lead_id","created_at");--> statement-breakpoint
CREATE INDEX "lead_offers_lead_idx" ON "lead_offers" USING btree ("lead_id","offered_at");--> statement-breakpoint
CREATE INDEX "lead_offers_partner_idx" ON "lead_offers" USING btree ("partner_id","offered_at");--> statement-breakpoint
CREATE UNIQUE INDEX "lead_offers_one_pending_idx" ON "lead_offers" USING btree ("lead_id") WHERE outcome is null;--> statement-breakpoint
CREATE UNIQUE INDEX "lead_offers_one_accepted_idx" ON "lead_offers" USING btree ("lead_id") WHERE outcome = 'accepted';--> statement-breakpoint
CREATE UNIQUE INDEX "lead_offers_lead_partner_idx" ON "lead_offers" USING btree ("lead_id","partner_id");--> statement-breakpoint
CREATE INDEX "lead_offers_due_idx" ON "lead_offers" USING btree ("accept_by") WHERE outcome is null;--> statement-breakpoint
CREATE INDEX "lead_offers_remind_idx" ON "lead_offers" USING btree ("remind_at") WHERE outcome is null and reminded_at is null;--> statement-breakpoint
CREATE INDEX "leads_partner_status_idx" ON "leads" USING btree ("partner_id","status","created_at");--> statement-breakpoint
CREATE INDEX "leads_status_created_idx" ON "leads" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "leads_open_email_idx" ON "leads" USING btree (lower("contact_email")) WHERE status not in ('won', 'lost');--> statement-breakpoint
CREATE INDEX "leads_open_domain_idx" ON "leads" USING btree ("company_domain") WHERE status not in ('won', 'lost');--> statement-breakpoint
CREATE INDEX "leads_attention_idx" ON "leads" USING btree ("created_at") WHERE needs_attention;--> statement-breakpoint
CREATE UNIQUE INDEX "leads_idempotency_idx" ON "leads" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "routing_decisions_lead_idx" ON "routing_decisions" USING btree ("lead_id","at");--> statement-breakpoint
INSERT INTO "routing_rules" ("version", "rules", "note") VALUES (1, '{"territoryMap": [], "productRules": [], "minimumTier": "registered", "requiredCertification": null, "defaultCapacity": 25, "weights": {"tier": 3, "acceptanceRate": 3, "timeToAccept": 2, "winRate": 2}, "slaBusinessDays": 2, "workdayStartHour": 9, "workdayEndHour": 17, "maxOffers": 3}'::jsonb, 'Initial rules');
