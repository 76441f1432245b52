import { index, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { partners } from "./partners";
import { users } from "./auth";

export const auditEvents = pgTable(
  "audit_events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    actorUserId: uuid("actor_user_id").references(() => users.id),
    actorLabel: text("actor_label").notNull(),
    partnerId: uuid("partner_id").references(() => partners.id),
    action: text("action").notNull(),
    subjectType: text("subject_type").notNull(),
    subjectId: text("subject_id"),
    before: jsonb("before"),
    after: jsonb("after"),
    ip: text("ip"),
  },
  (t) => [
    index("audit_events_at_idx").on(t.at),
    index("audit_events_action_idx").on(t.action),
    index("audit_events_partner_idx").on(t.partnerId),
  ],
);

export type AuditEvent = typeof auditEvents.$inferSelect;
