import { boolean, index, integer, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { partners } from "./partners";
import { users } from "./auth";

export const mailStatus = pgEnum("mail_status", ["queued", "sent", "failed"]);

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
    html: text("html").notNull(),
    text: text("text").notNull(),
    critical: boolean("critical").notNull().default(false),
    status: mailStatus("status").notNull().default("queued"),
    partnerId: uuid("partner_id").references(() => partners.id),
    userId: uuid("user_id").references(() => users.id),
    attemptCount: integer("attempt_count").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    leaseUntil: timestamp("lease_until", { withTimezone: true }),
    leasedBy: text("leased_by"),
    lastError: text("last_error"),
    relayResponse: text("relay_response"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp("sent_at", { withTimezone: true }),
  },
  (t) => [
    index("mail_messages_due_idx").on(t.status, t.nextAttemptAt),
    index("mail_messages_to_idx").on(t.toAddress),
  ],
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
