import type { Db } from "~db/client";
import { leadEvents } from "~db/schema";

export interface LeadEventInput {
  leadId: string;
  /** The partner the event concerns: that partner sees it in the lead's history. Null: vendor only. */
  partnerId: string | null;
  actorLabel: string;
  /** created, routed, offered, reminded, accepted, declined, expired, recalled, held, released, returned, status, note, converted */
  kind: string;
  note?: string | null;
  at: Date;
}

/** One line of the lead's history; write it in the transaction that makes the change. */
export async function recordLeadEvent(tx: Db, e: LeadEventInput | LeadEventInput[]): Promise<void> {
  const rows = Array.isArray(e) ? e : [e];
  if (rows.length === 0) return;
  await tx.insert(leadEvents).values(
    rows.map((r) => ({
      leadId: r.leadId,
      partnerId: r.partnerId,
      actorLabel: r.actorLabel,
      kind: r.kind,
      note: r.note ?? null,
      at: r.at,
    })),
  );
}
