import { and, asc, eq, inArray, isNull, lt, lte, or } from "drizzle-orm";
import type { Db } from "~db/client";
import { mailAttempts, mailMessages, mailRecipients, type MailMessage } from "~db/schema";
import { isPaused } from "./admin.server";
import { afterAttempt, DEFAULT_LIFETIME_MS, type DeliveryOutcome } from "./retry";
import { renderedMessage } from "./render.server";
import type { MailTransport, SendResult } from "./transports.server";

export interface Transports {
  primary: MailTransport;
  /** Used for a message that has failed transiently on the primary for longer than failoverAfterMs. */
  fallback?: MailTransport | null;
}

export interface DeliverOptions {
  workerId: string;
  limit?: number;
  leaseMs?: number;
  lifetimeMs?: number;
  failoverAfterMs?: number;
  now?: () => Date;
}

export const DEFAULT_FAILOVER_AFTER_MS = 15 * 60_000;

/**
 * Claims due messages (FOR UPDATE SKIP LOCKED, with a lease so that a crashed
 * worker's claims come back), sends each to its recipients still waiting,
 * records the attempt, and marks recipients sent only after the transport
 * accepted them. Returns how many messages it handled (0 when paused).
 */
export async function deliverDue(db: Db, transports: Transports | MailTransport, opts: DeliverOptions): Promise<number> {
  const { primary, fallback } = "primary" in transports ? transports : { primary: transports, fallback: null };
  if (await isPaused(db)) return 0;
  const clock = opts.now ?? (() => new Date());
  const now = clock();
  const leaseMs = opts.leaseMs ?? 60_000;
  const leaseUntil = new Date(now.getTime() + leaseMs);
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

  const failoverAfter = opts.failoverAfterMs ?? DEFAULT_FAILOVER_AFTER_MS;
  for (const message of claimed) {
    // A batch can outlast its lease (a slow relay), and another worker may
    // have claimed the rest of it since: renew the lease for this message
    // while it is still ours, or leave the message to the other worker.
    const held = await db
      .update(mailMessages)
      .set({ leaseUntil: new Date(clock().getTime() + leaseMs) })
      .where(and(eq(mailMessages.id, message.id), eq(mailMessages.leasedBy, opts.workerId)))
      .returning({ id: mailMessages.id });
    if (held.length === 0) continue;
    const failingLong =
      message.firstFailureAt !== null && now.getTime() - message.firstFailureAt.getTime() >= failoverAfter;
    const transport = fallback && failingLong ? fallback : primary;
    await attempt(db, message, transport, clock, opts.lifetimeMs ?? DEFAULT_LIFETIME_MS);
  }
  return claimed.length;
}

async function attempt(db: Db, queued: MailMessage, transport: MailTransport, clock: () => Date, lifetimeMs: number) {
  const message = await renderedMessage(db, queued, { store: true });
  const pending = await db
    .select({ id: mailRecipients.id, address: mailRecipients.address, name: mailRecipients.name })
    .from(mailRecipients)
    .where(and(eq(mailRecipients.mailId, message.id), eq(mailRecipients.status, "queued")));

  let result: SendResult;
  if (pending.length === 0) {
    result = { response: "no recipient left to deliver to", outcomes: [] };
  } else {
    try {
      result = await transport.send(message, pending);
    } catch (err) {
      const outcome: DeliveryOutcome = { kind: "transient", response: `${transport.name}: ${(err as Error).message}` };
      result = { response: outcome.response, outcomes: pending.map((r) => ({ address: r.address, outcome })) };
    }
  }
  const at = clock();
  const outcomeOf = new Map(result.outcomes.map((o) => [o.address.toLowerCase(), o.outcome]));
  const transient = result.outcomes.filter((o) => o.outcome.kind === "transient");
  const retry = transient.length
    ? afterAttempt(transient[0]!.outcome, message.attemptCount + 1, message.queuedAt, at, lifetimeMs)
    : null;
  const kinds = new Set(result.outcomes.map((o) => o.outcome.kind));
  const summary = kinds.size === 1 ? [...kinds][0]! : "partial";

  await db.transaction(async (tx) => {
    for (const r of pending) {
      const outcome = outcomeOf.get(r.address.toLowerCase()) ?? { kind: "transient", response: "no answer for this recipient" };
      const status =
        outcome.kind === "sent" ? "sent" : outcome.kind === "permanent" || retry?.status === "failed" ? "failed" : "queued";
      await tx
        .update(mailRecipients)
        .set({
          status,
          response: retry?.status === "failed" && outcome.kind === "transient" ? `gave up after the message lifetime: ${outcome.response}` : outcome.response,
          updatedAt: at,
        })
        .where(eq(mailRecipients.id, r.id));
    }
    const counts = await tx
      .select({ status: mailRecipients.status })
      .from(mailRecipients)
      .where(eq(mailRecipients.mailId, message.id));
    const waiting = counts.some((c) => c.status === "queued");
    const anySent = counts.some((c) => c.status === "sent");
    const status = waiting ? "queued" : anySent ? "sent" : "failed";
    await tx.insert(mailAttempts).values({
      mailId: message.id,
      at,
      transport: transport.name,
      outcome: summary,
      response: result.response,
    });
    await tx
      .update(mailMessages)
      .set({
        status,
        attemptCount: message.attemptCount + 1,
        leaseUntil: null,
        leasedBy: null,
        lastTransport: transport.name,
        ...(status === "sent" ? { sentAt: message.sentAt ?? at } : {}),
        ...(kinds.has("sent") ? { relayResponse: result.response } : {}),
        ...(summary !== "sent" ? { lastError: result.outcomes.find((o) => o.outcome.kind !== "sent")?.outcome.response ?? result.response } : {}),
        ...(transient.length && !message.firstFailureAt ? { firstFailureAt: at } : {}),
        ...(status === "queued" && retry?.status === "queued" ? { nextAttemptAt: retry.nextAttemptAt } : {}),
      })
      .where(eq(mailMessages.id, message.id));
  });
}
