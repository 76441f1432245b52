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

/** Writes an audit event; call it with the transaction that makes the change. */
export async function recordAudit(tx: Db, actor: Pick<Actor, "userId" | "label" | "ip">, input: AuditInput) {
  await tx.insert(auditEvents).values({
    actorUserId: actor.userId,
    actorLabel: actor.label,
    ip: actor.ip ?? null,
    action: input.action,
    subjectType: input.subjectType,
    subjectId: input.subjectId ?? null,
    partnerId: input.partnerId ?? null,
    before: input.before ?? null,
    after: input.after ?? null,
  });
}
