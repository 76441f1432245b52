/**
 * The relay is down: 1,000 notifications are queued while Sendmail is
 * stopped. Every attempt fails transiently (connection refused) and is
 * rescheduled; Sendmail comes back on the same port; the outbox retries on
 * its schedule (a controlled clock) until it is empty, and all 1,000 reach
 * the downstream sink, every Message-ID exactly once.
 */
import { count, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mailAttempts, mailMessages } from "~db/schema";
import { deliverDue } from "~/modules/mail/deliver.server";
import { smtpTransport, type MailTransport } from "~/modules/mail/transports.server";
import { setupTestDb } from "../../support/factories";
import { arrivals, drain, queueMany, waitUntil } from "../../support/mail-helpers";
import { startRelay, type Relay } from "../../support/sendmail";
import { startSink, type Sink } from "../../support/smtp-sink";

const db = setupTestDb();
const N = 1_000;

let sink: Sink;
let relay: Relay;
let smtp: MailTransport;
beforeAll(async () => {
  sink = await startSink();
  relay = await startRelay(sink.port);
  smtp = smtpTransport(relay.url, { timeoutMs: 10_000 });
});
afterAll(async () => {
  smtp?.close();
  await relay?.destroy();
  await sink?.stop();
});

describe("relay down", () => {
  it(
    "loses none of 1,000 notifications queued during an outage, and sends each once",
    { timeout: 120_000 },
    async () => {
      // A first message goes through, so the pool holds a live connection when the relay stops.
      const [warm] = await queueMany(db(), 1, { prefix: "warm-up" });
      expect(await deliverDue(db(), smtp, { workerId: "w" })).toBe(1);
      await sink.waitFor((m) => m.length === 1);

      await relay.stop();
      const ids = await queueMany(db(), N, { prefix: "outage" });
      expect(new Set(ids).size).toBe(N);

      // Every attempt during the outage fails transiently and is rescheduled a minute later.
      const t0 = new Date();
      const handled = await drain(() => deliverDue(db(), smtp, { workerId: "w", limit: 100, now: () => t0 }));
      expect(handled).toBe(N);
      const outage = await db()
        .select({
          status: mailMessages.status,
          attempts: mailMessages.attemptCount,
          next: mailMessages.nextAttemptAt,
          error: mailMessages.lastError,
        })
        .from(mailMessages)
        .where(inArray(mailMessages.id, ids));
      expect(outage.every((m) => m.status === "queued" && m.attempts === 1)).toBe(true);
      expect(outage.every((m) => m.next.getTime() === t0.getTime() + 60_000)).toBe(true);
      expect(outage.filter((m) => !/ECONNREFUSED|ECONNRESET|closed/i.test(m.error ?? ""))).toEqual([]);
      const [transient] = await db()
        .select({ n: count() })
        .from(mailAttempts)
        .where(eq(mailAttempts.outcome, "transient"));
      expect(transient!.n).toBe(N);
      expect(sink.received).toHaveLength(1);

      // Still down a minute later: the second retry is two minutes after that.
      const t1 = new Date(t0.getTime() + 60_000);
      expect(await drain(() => deliverDue(db(), smtp, { workerId: "w", limit: 100, now: () => t1 }))).toBe(N);
      const [{ next } = { next: undefined }] = await db()
        .selectDistinct({ next: mailMessages.nextAttemptAt })
        .from(mailMessages)
        .where(inArray(mailMessages.id, ids));
      expect(next?.getTime()).toBe(t1.getTime() + 120_000);

      // The relay comes back; the next round at the scheduled time delivers everything.
      await relay.start();
      const t2 = new Date(t1.getTime() + 120_000);
      expect(await deliverDue(db(), smtp, { workerId: "w", now: () => new Date(t2.getTime() - 1) })).toBe(0);
      // Three delivery loops at once (as three workers would), sharing the relay's connection pool.
      const recovered = await Promise.all(
        ["w1", "w2", "w3"].map((workerId) =>
          drain(() => deliverDue(db(), smtp, { workerId, limit: 20, now: () => t2 })),
        ),
      );
      expect(recovered.reduce((a, b) => a + b, 0)).toBe(N);

      const after = await db()
        .select({
          id: mailMessages.id,
          messageId: mailMessages.messageId,
          status: mailMessages.status,
          relay: mailMessages.relayResponse,
        })
        .from(mailMessages)
        .where(inArray(mailMessages.id, ids));
      expect(after.filter((m) => m.status !== "sent")).toEqual([]);
      expect(after.every((m) => /^250 2\.0\.0 \S+ Message accepted for delivery$/.test(m.relay ?? ""))).toBe(true);

      await waitUntil(
        "all 1,000 at the sink and Sendmail's queue empty",
        () => sink.received.length >= N + 1 && relay.queued() === 0,
        {
          timeoutMs: 60_000,
          detail: () => ({ received: sink.received.length, sendmailQueue: relay.queued() }),
        },
      );
      const seen = arrivals(sink.received);
      const expected = [warm, ...ids];
      const [warmRow] = await db()
        .select({ messageId: mailMessages.messageId })
        .from(mailMessages)
        .where(eq(mailMessages.id, warm!));
      expect(expected).toHaveLength(N + 1);
      expect(seen.size).toBe(N + 1);
      for (const m of after) expect(seen.get(m.messageId), m.messageId).toBe(1);
      expect(seen.get(warmRow!.messageId)).toBe(1);
      expect(sink.received).toHaveLength(N + 1);
    },
  );
});
