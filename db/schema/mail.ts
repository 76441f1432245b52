import { boolean, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { partners } from "./partners";
import { users } from "./auth";

export const mailStatus = pgEnum("mail_status", ["queued", "sent", "failed"]);
export const recipientStatus = pgEnum("mail_recipient_status", ["queued", "sent", "failed"]);

/** The outbox: one row per notification, written in the transaction of its cause. */
export const mailMessages = pgTable(
  "mail_messages",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    messageId: text("message_id").notNull().unique(),
    dedupeKey: text("dedupe_key").notNull().unique(),
    template: text("template").notNull(),
    toAddress: text("to_address").notNull(),
    toName: text("to_name"),
    fromAddress: text("from_address").notNull(),
    subject: text("subject").notNull(),
    /** Null until rendered: a message queued in bulk (enqueueMails) is rendered from `data` at its first delivery. */
    html: text("html"),
    text: text("text"),
    /** The template's data, for a message rendered at delivery. */
    data: jsonb("data"),
    critical: boolean("critical").notNull().default(false),
    status: mailStatus("status").notNull().default("queued"),
    partnerId: uuid("partner_id").references(() => partners.id),
    userId: uuid("user_id").references(() => users.id),
    attemptCount: integer("attempt_count").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    leaseUntil: timestamp("lease_until", { withTimezone: true }),
    leasedBy: text("leased_by"),
    lastError: text("last_error"),
    /** When the first transient failure happened (failover to the other transport counts from here). */
    firstFailureAt: timestamp("first_failure_at", { withTimezone: true }),
    /** When a critical message still waiting raised its alert. */
    alertedAt: timestamp("alerted_at", { withTimezone: true }),
    lastTransport: text("last_transport"),
    relayResponse: text("relay_response"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** Start of the delivery lifetime: the enqueue time, or when an admin last retried it. */
    queuedAt: timestamp("queued_at", { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp("sent_at", { withTimezone: true }),
  },
  // No index on to_address: the mail list searches addresses with ILIKE '%…%', which a
  // b-tree cannot serve, and every queued message paid for one (bulk routing queues thousands).
  (t) => [index("mail_messages_due_idx").on(t.status, t.nextAttemptAt)],
);

export const mailAttempts = pgTable(
  "mail_attempts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    mailId: uuid("mail_id")
      .notNull()
      .references(() => mailMessages.id),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    transport: text("transport").notNull(),
    outcome: text("outcome").notNull(),
    response: text("response"),
  },
  (t) => [index("mail_attempts_mail_idx").on(t.mailId)],
);

export type MailMessage = typeof mailMessages.$inferSelect;
/** A message with its content rendered: what a transport sends. */
export type RenderedMessage = MailMessage & { html: string; text: string };

/** Each recipient of a message, delivered (or refused) on its own. */
export const mailRecipients = pgTable(
  "mail_recipients",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    mailId: uuid("mail_id")
      .notNull()
      .references(() => mailMessages.id),
    address: text("address").notNull(),
    name: text("name"),
    status: recipientStatus("status").notNull().default("queued"),
    response: text("response"),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  // No index on address, as for mail_messages.to_address (searched with ILIKE '%…%').
  (t) => [index("mail_recipients_mail_idx").on(t.mailId)],
);

/** Delivery switches an admin controls (one row, id 1). */
export const mailSettings = pgTable("mail_settings", {
  id: integer("id").primaryKey().default(1),
  paused: boolean("paused").notNull().default(false),
  updatedBy: text("updated_by"),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Notifications a user turned off (security mails cannot be). */
export const mailOptOuts = pgTable(
  "mail_opt_outs",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    template: text("template").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.template] })],
);

export type MailRecipient = typeof mailRecipients.$inferSelect;
