import { and, asc, eq, inArray, isNull, lt, lte, or } from "drizzle-orm";
import type { Db } from "~db/client";
import { mailAttempts, mailMessages } from "~db/schema";
import { afterAttempt } from "./retry";
import type { MailTransport } from "./transports.server";

export interface DeliverOptions {
  workerId: string;
  limit?: number;
  leaseMs?: number;
  now?: () => Date;
}

/**
 * Claims due messages (FOR UPDATE SKIP LOCKED, with a lease so a crashed
 * worker's claims come back), sends each, records the attempt and marks the
 * message sent only after the transport accepted it. Returns how many it handled.
 */
export async function deliverDue(db: Db, transport: MailTransport, opts: DeliverOptions): Promise<number> {
  const clock = opts.now ?? (() => new Date());
  const now = clock();
  const leaseUntil = new Date(now.getTime() + (opts.leaseMs ?? 60_000));
  const due = db
    .select({ id: mailMessages.id })
    .from(mailMessages)
    .where(
      and(
        eq(mailMessages.status, "queued"),
        lte(mailMessages.nextAttemptAt, now),
        or(isNull(mailMessages.leaseUntil), lt(mailMessages.leaseUntil, now)),
      ),
    )
    .orderBy(asc(mailMessages.nextAttemptAt))
    .limit(opts.limit ?? 20)
    .for("update", { skipLocked: true });
  const claimed = await db
    .update(mailMessages)
    .set({ leaseUntil, leasedBy: opts.workerId })
    .where(inArray(mailMessages.id, due))
    .returning();

  for (const message of claimed) {
    const outcome = await transport.send(message);
    const at = clock();
    const failed = outcome.kind === "sent" ? message.attemptCount : message.attemptCount + 1;
    const next = afterAttempt(outcome, failed, message.createdAt, at);
    await db.transaction(async (tx) => {
      await tx.insert(mailAttempts).values({
        mailId: message.id,
        at,
        transport: transport.name,
        outcome: outcome.kind,
        response: outcome.response,
      });
      await tx
        .update(mailMessages)
        .set({
          status: next.status,
          attemptCount: message.attemptCount + 1,
          leaseUntil: null,
          leasedBy: null,
          ...(next.status === "sent" ? { sentAt: at, relayResponse: outcome.response } : { lastError: outcome.response }),
          ...(next.status === "queued" ? { nextAttemptAt: next.nextAttemptAt } : {}),
        })
        .where(eq(mailMessages.id, message.id));
    });
  }
  return claimed.length;
}
