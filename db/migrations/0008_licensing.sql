CREATE TYPE "public"."license_order_status" AS ENUM('awaiting_payment', 'paid', 'fulfilled', 'cancelled', 'refunded', 'payment_failed', 'checkout_expired');--> statement-breakpoint
CREATE TYPE "public"."license_status" AS ENUM('active', 'revoked', 'expired');--> statement-breakpoint
CREATE TYPE "public"."payment_method" AS ENUM('card', 'invoice');--> statement-breakpoint
CREATE TABLE "exchange_rates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"currency" "currency" NOT NULL,
	"rate_to_base" numeric(20, 10) NOT NULL,
	"effective_date" date NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "license_order_lines" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"order_id" uuid NOT NULL,
	"partner_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"product_id" uuid NOT NULL,
	"seats" integer NOT NULL,
	"unit_amount_minor" bigint NOT NULL,
	"discounted_unit_amount_minor" bigint NOT NULL,
	"line_total_minor" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "license_orders" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"partner_id" uuid NOT NULL,
	"ordered_by" uuid,
	"customer_company" text NOT NULL,
	"customer_domain" text NOT NULL,
	"customer_country" text NOT NULL,
	"technical_contact_name" text,
	"technical_contact_email" text NOT NULL,
	"partner_reference" text,
	"currency" "currency" NOT NULL,
	"subtotal_minor" bigint NOT NULL,
	"discount_percent" integer NOT NULL,
	"discount_minor" bigint NOT NULL,
	"total_minor" bigint NOT NULL,
	"tier_at_order" "partner_tier" NOT NULL,
	"status" "license_order_status" DEFAULT 'awaiting_payment' NOT NULL,
	"payment_method" "payment_method" NOT NULL,
	"deal_id" uuid,
	"stripe_checkout_session_id" text,
	"checkout_attempts" integer DEFAULT 0 NOT NULL,
	"stripe_payment_intent_id" text,
	"stripe_invoice_id" text,
	"paid_reference" text,
	"paid_at" timestamp with time zone,
	"fulfilled_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	"refunded_at" timestamp with time zone,
	"status_note" text,
	"renewal_of_license_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "licenses" (
	"id" uuid PRIMARY KEY NOT NULL,
	"partner_id" uuid NOT NULL,
	"order_id" uuid NOT NULL,
	"order_line_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"customer_company" text NOT NULL,
	"customer_domain" text NOT NULL,
	"customer_country" text NOT NULL,
	"technical_contact_email" text NOT NULL,
	"seats" integer NOT NULL,
	"key" text NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_until" timestamp with time zone,
	"status" "license_status" DEFAULT 'active' NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoked_by" uuid,
	"revoked_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "product_prices" (
	"product_id" uuid NOT NULL,
	"currency" "currency" NOT NULL,
	"unit_amount_minor" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "product_prices_product_id_currency_pk" PRIMARY KEY("product_id","currency")
);
--> statement-breakpoint
CREATE TABLE "stripe_events" (
	"event_id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"order_id" uuid,
	"outcome" text NOT NULL,
	"reason" text,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tier_discounts" (
	"tier" "partner_tier" PRIMARY KEY NOT NULL,
	"percent" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "partners" ADD COLUMN "invoice_terms_allowed" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "license_order_lines" ADD CONSTRAINT "license_order_lines_order_id_license_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."license_orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "license_order_lines" ADD CONSTRAINT "license_order_lines_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "license_order_lines" ADD CONSTRAINT "license_order_lines_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "license_orders" ADD CONSTRAINT "license_orders_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "license_orders" ADD CONSTRAINT "license_orders_ordered_by_users_id_fk" FOREIGN KEY ("ordered_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "license_orders" ADD CONSTRAINT "license_orders_deal_id_deals_id_fk" FOREIGN KEY ("deal_id") REFERENCES "public"."deals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "licenses" ADD CONSTRAINT "licenses_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "licenses" ADD CONSTRAINT "licenses_order_id_license_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."license_orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "licenses" ADD CONSTRAINT "licenses_order_line_id_license_order_lines_id_fk" FOREIGN KEY ("order_line_id") REFERENCES "public"."license_order_lines"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "licenses" ADD CONSTRAINT "licenses_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "licenses" ADD CONSTRAINT "licenses_revoked_by_users_id_fk" FOREIGN KEY ("revoked_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "product_prices" ADD CONSTRAINT "product_prices_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "exchange_rates_currency_date_idx" ON "exchange_rates" USING btree ("currency","effective_date");--> statement-breakpoint
CREATE UNIQUE INDEX "license_order_lines_order_position_idx" ON "license_order_lines" USING btree ("order_id","position");--> statement-breakpoint
CREATE INDEX "license_orders_partner_created_idx" ON "license_orders" USING btree ("partner_id","created_at");--> statement-breakpoint
CREATE INDEX "license_orders_status_created_idx" ON "license_orders" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "license_orders_paid_at_idx" ON "license_orders" USING btree ("paid_at");--> statement-breakpoint
CREATE INDEX "license_orders_domain_idx" ON "license_orders" USING btree ("customer_domain");--> statement-breakpoint
CREATE INDEX "license_orders_renewal_idx" ON "license_orders" USING btree ("renewal_of_license_id");--> statement-breakpoint
CREATE UNIQUE INDEX "license_orders_checkout_session_idx" ON "license_orders" USING btree ("stripe_checkout_session_id");--> statement-breakpoint
CREATE INDEX "license_orders_payment_intent_idx" ON "license_orders" USING btree ("stripe_payment_intent_id");--> statement-breakpoint
CREATE UNIQUE INDEX "licenses_order_line_idx" ON "licenses" USING btree ("order_line_id");--> statement-breakpoint
CREATE INDEX "licenses_partner_created_idx" ON "licenses" USING btree ("partner_id","created_at");--> statement-breakpoint
CREATE INDEX "licenses_order_idx" ON "licenses" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "licenses_status_valid_until_idx" ON "licenses" USING btree ("status","valid_until");--> statement-breakpoint
CREATE INDEX "licenses_customer_trgm_idx" ON "licenses" USING gin (lower("customer_company") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "stripe_events_order_idx" ON "stripe_events" USING btree ("order_id");--> statement-breakpoint
INSERT INTO "tier_discounts" ("tier", "percent") VALUES ('registered', 10), ('silver', 20), ('gold', 30)
ON CONFLICT DO NOTHING;--> statement-breakpoint
INSERT INTO "product_prices" ("product_id", "currency", "unit_amount_minor")
SELECT p.id, v.currency::"currency", v.amount
  FROM (VALUES
    ('MSE-STD-12', 'USD', 2400), ('MSE-STD-12', 'EUR', 2200), ('MSE-STD-12', 'JPY', 3300), ('MSE-STD-12', 'AUD', 3600),
    ('MSE-ADV-12', 'USD', 3600), ('MSE-ADV-12', 'EUR', 3300), ('MSE-ADV-12', 'JPY', 5000), ('MSE-ADV-12', 'AUD', 5400),
    ('MSE-ADV-36', 'USD', 9600), ('MSE-ADV-36', 'EUR', 8800), ('MSE-ADV-36', 'JPY', 13500), ('MSE-ADV-36', 'AUD', 14400),
    ('ASG-12', 'USD', 120000), ('ASG-12', 'EUR', 110000), ('ASG-12', 'JPY', 165000), ('ASG-12', 'AUD', 180000),
    ('SRL-PERP', 'USD', 480000), ('SRL-PERP', 'EUR', 440000), ('SRL-PERP', 'JPY', 660000), ('SRL-PERP', 'AUD', 720000)
  ) AS v(sku, currency, amount)
  JOIN "products" p ON p.sku = v.sku
ON CONFLICT DO NOTHING;
