import { sql } from "drizzle-orm";
import {
  bigint,
  date,
  index,
  integer,
  numeric,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { users } from "./auth";
import { currency, deals, products } from "./deals";
import { tierKey, partners } from "./partners";

/**
 * License fulfillment: the price list, partners' orders for their end
 * customers, the licenses issued for them (one per order line, with an
 * Ed25519-signed key), Stripe's events (the idempotency record) and the
 * exchange rates revenue is converted with. Amounts are integers in the
 * currency's minor unit (cents; whole yen for JPY). Tier discounts are a
 * benefit in the tier rules (schema/tiers.ts), not a table of their own.
 */

/** A product's list price per seat in one currency. */
export const productPrices = pgTable(
  "product_prices",
  {
    productId: uuid("product_id")
      .notNull()
      .references(() => products.id),
    currency: currency("currency").notNull(),
    unitAmountMinor: bigint("unit_amount_minor", { mode: "number" }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.productId, t.currency] })],
);

export const licenseOrderStatus = pgEnum("license_order_status", [
  "awaiting_payment",
  "paid",
  "fulfilled",
  "cancelled",
  "refunded",
  "payment_failed",
  "checkout_expired",
]);
export const paymentMethod = pgEnum("payment_method", ["card", "invoice"]);

export const licenseOrders = pgTable(
  "license_orders",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    partnerId: uuid("partner_id")
      .notNull()
      .references(() => partners.id),
    orderedBy: uuid("ordered_by").references(() => users.id),
    customerCompany: text("customer_company").notNull(),
    /** Normalized like deal registrations' (lowercase, no www., no address part). */
    customerDomain: text("customer_domain").notNull(),
    customerCountry: text("customer_country").notNull(),
    technicalContactName: text("technical_contact_name"),
    technicalContactEmail: text("technical_contact_email").notNull(),
    /** The partner's own reference (its purchase order number), optional. */
    partnerReference: text("partner_reference"),
    currency: currency("currency").notNull(),
    /** Σ list unit price × seats. */
    subtotalMinor: bigint("subtotal_minor", { mode: "number" }).notNull(),
    /** The partner's tier discount at order time. */
    discountPercent: integer("discount_percent").notNull(),
    discountMinor: bigint("discount_minor", { mode: "number" }).notNull(),
    /** What the partner pays (before tax, which Stripe Tax adds): subtotal − discount. */
    totalMinor: bigint("total_minor", { mode: "number" }).notNull(),
    /** The partner's tier when it ordered (for the record: its discount came from it). */
    tierAtOrder: tierKey("tier_at_order").notNull(),
    status: licenseOrderStatus("status").notNull().default("awaiting_payment"),
    paymentMethod: paymentMethod("payment_method").notNull(),
    /** The ordering partner's approved registration of this customer, marked won when the order is paid. */
    dealId: uuid("deal_id").references(() => deals.id),
    stripeCheckoutSessionId: text("stripe_checkout_session_id"),
    /** Checkout sessions started for this order: each attempt has its own idempotency key. */
    checkoutAttempts: integer("checkout_attempts").notNull().default(0),
    stripePaymentIntentId: text("stripe_payment_intent_id"),
    stripeInvoiceId: text("stripe_invoice_id"),
    /** The vendor's reference for an invoice payment (bank transfer id), or the Stripe payment. */
    paidReference: text("paid_reference"),
    paidAt: timestamp("paid_at", { withTimezone: true }),
    fulfilledAt: timestamp("fulfilled_at", { withTimezone: true }),
    cancelledAt: timestamp("cancelled_at", { withTimezone: true }),
    refundedAt: timestamp("refunded_at", { withTimezone: true }),
    /** Why the order ended unpaid or was refunded (cancel reason, Stripe's failure). */
    statusNote: text("status_note"),
    renewalOfLicenseId: uuid("renewal_of_license_id"),
    /** The order form's submission id (one per page load): a double click or a resubmitted form creates one order. */
    idempotencyKey: text("idempotency_key"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("license_orders_partner_created_idx").on(t.partnerId, t.createdAt),
    uniqueIndex("license_orders_idempotency_idx").on(t.partnerId, t.idempotencyKey),
    index("license_orders_status_created_idx").on(t.status, t.createdAt),
    index("license_orders_paid_at_idx").on(t.paidAt),
    index("license_orders_domain_idx").on(t.customerDomain),
    index("license_orders_renewal_idx").on(t.renewalOfLicenseId),
    uniqueIndex("license_orders_checkout_session_idx").on(t.stripeCheckoutSessionId),
    index("license_orders_payment_intent_idx").on(t.stripePaymentIntentId),
  ],
);

export const licenseOrderLines = pgTable(
  "license_order_lines",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orderId: uuid("order_id")
      .notNull()
      .references(() => licenseOrders.id),
    partnerId: uuid("partner_id")
      .notNull()
      .references(() => partners.id),
    position: integer("position").notNull(),
    productId: uuid("product_id")
      .notNull()
      .references(() => products.id),
    seats: integer("seats").notNull(),
    /** The list price per seat at order time. */
    unitAmountMinor: bigint("unit_amount_minor", { mode: "number" }).notNull(),
    /** The price per seat after the tier discount (what Checkout charges per seat). */
    discountedUnitAmountMinor: bigint("discounted_unit_amount_minor", { mode: "number" }).notNull(),
    /** discounted unit × seats. */
    lineTotalMinor: bigint("line_total_minor", { mode: "number" }).notNull(),
  },
  (t) => [uniqueIndex("license_order_lines_order_position_idx").on(t.orderId, t.position)],
);

export const licenseStatus = pgEnum("license_status", ["active", "revoked", "expired"]);

export const licenses = pgTable(
  "licenses",
  {
    id: uuid("id").primaryKey(),
    partnerId: uuid("partner_id")
      .notNull()
      .references(() => partners.id),
    orderId: uuid("order_id")
      .notNull()
      .references(() => licenseOrders.id),
    orderLineId: uuid("order_line_id")
      .notNull()
      .references(() => licenseOrderLines.id),
    productId: uuid("product_id")
      .notNull()
      .references(() => products.id),
    customerCompany: text("customer_company").notNull(),
    customerDomain: text("customer_domain").notNull(),
    customerCountry: text("customer_country").notNull(),
    technicalContactEmail: text("technical_contact_email").notNull(),
    seats: integer("seats").notNull(),
    /** The signed key (MRL1.<payload>.<signature>), verifiable offline with the public key. */
    key: text("key").notNull(),
    validFrom: timestamp("valid_from", { withTimezone: true }).notNull(),
    /** Null for a perpetual license. */
    validUntil: timestamp("valid_until", { withTimezone: true }),
    status: licenseStatus("status").notNull().default("active"),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    revokedBy: uuid("revoked_by").references(() => users.id),
    revokedReason: text("revoked_reason"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Exactly once: one license per order line, whatever races.
    uniqueIndex("licenses_order_line_idx").on(t.orderLineId),
    index("licenses_partner_created_idx").on(t.partnerId, t.createdAt),
    index("licenses_order_idx").on(t.orderId),
    index("licenses_status_valid_until_idx").on(t.status, t.validUntil),
    index("licenses_customer_trgm_idx").using("gin", sql`lower(${t.customerCompany}) gin_trgm_ops`),
  ],
);

/** Every Stripe event received, by its id: recorded in the transaction of its effect, so it takes effect once. */
export const stripeEvents = pgTable(
  "stripe_events",
  {
    eventId: text("event_id").primaryKey(),
    type: text("type").notNull(),
    orderId: uuid("order_id"),
    /** applied, duplicate (never stored: the first row stays), ignored, rejected. */
    outcome: text("outcome").notNull(),
    reason: text("reason"),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("stripe_events_order_idx").on(t.orderId)],
);

/** How many US dollars (the base currency) one unit of `currency` is worth from `effectiveDate` on. */
export const exchangeRates = pgTable(
  "exchange_rates",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    currency: currency("currency").notNull(),
    rateToBase: numeric("rate_to_base", { precision: 20, scale: 10, mode: "number" }).notNull(),
    effectiveDate: date("effective_date", { mode: "string" }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("exchange_rates_currency_date_idx").on(t.currency, t.effectiveDate)],
);

export type ProductPrice = typeof productPrices.$inferSelect;
export type LicenseOrder = typeof licenseOrders.$inferSelect;
export type LicenseOrderLine = typeof licenseOrderLines.$inferSelect;
export type License = typeof licenses.$inferSelect;
export type ExchangeRate = typeof exchangeRates.$inferSelect;
