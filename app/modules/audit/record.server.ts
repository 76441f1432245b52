import type { Db } from "~db/client";
import { auditEvents } from "~db/schema";
import type { Actor } from "~/modules/auth/actor";

export interface AuditInput {
  action: string;
  subjectType: string;
  subjectId?: string | null;
  partnerId?: string | null;
  before?: unknown;
  after?: unknown;
}

type AuditActor = Pick<Actor, "userId" | "label" | "ip">;

/** The audit_events row of one event. */
function auditRow(actor: AuditActor, input: AuditInput): typeof auditEvents.$inferInsert {
  return {
    actorUserId: actor.userId,
    actorLabel: actor.label,
    ip: actor.ip ?? null,
    action: input.action,
    subjectType: input.subjectType,
    subjectId: input.subjectId ?? null,
    partnerId: input.partnerId ?? null,
    before: input.before ?? null,
    after: input.after ?? null,
  };
}

/** Writes an audit event; call it with the transaction that makes the change. */
export async function recordAudit(tx: Db, actor: AuditActor, input: AuditInput) {
  await tx.insert(auditEvents).values(auditRow(actor, input));
}

/** Rows per INSERT of recordAudits (well under PostgreSQL's 65,535 parameters a statement). */
const AUDIT_CHUNK = 1000;

/** Writes many audit events by one actor with one INSERT per thousand (bulk changes); same rows as recordAudit. */
export async function recordAudits(tx: Db, actor: AuditActor, inputs: AuditInput[]) {
  for (let i = 0; i < inputs.length; i += AUDIT_CHUNK) {
    await tx.insert(auditEvents).values(inputs.slice(i, i + AUDIT_CHUNK).map((input) => auditRow(actor, input)));
  }
}
