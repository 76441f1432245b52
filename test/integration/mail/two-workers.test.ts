/**
 * Two workers against one PostgreSQL: two deliverDue loops running at the
 * same time, each with its own connection pool and its own pooled SMTP
 * transport to the real Sendmail relay. No message is sent twice, also when
 * a worker's batch outlasts its lease (a slow relay) and the other worker
 * takes over the rest of it.
 */
import { count, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DbHandle } from "~db/client";
import { mailAttempts, mailMessages } from "~db/schema";
import { deliverDue, type DeliverOptions } from "~/modules/mail/deliver.server";
import { smtpTransport, type MailTransport } from "~/modules/mail/transports.server";
import { setupTestDb } from "../../support/factories";
import { arrivals, queueMany, waitUntil } from "../../support/mail-helpers";
import { startRelay, type Relay } from "../../support/sendmail";
import { startSink, type Sink } from "../../support/smtp-sink";

const db = setupTestDb();

let sink: Sink;
let relay: Relay;
const handles: DbHandle[] = [];
const transports: MailTransport[] = [];
beforeAll(async () => {
  sink = await startSink();
  relay = await startRelay(sink.port);
});
afterAll(async () => {
  for (const t of transports) t.close();
  for (const h of handles) await h.close();
  await relay?.destroy();
  await sink?.stop();
});

/** A worker of its own: a separate pg pool and SMTP pool, draining until nothing is due. */
async function worker(name: string, opts: Omit<DeliverOptions, "workerId"> = {}) {
  const handle = await openDatabase({ url: process.env.DATABASE_URL!, poolSize: 2 });
  handles.push(handle);
  const smtp = smtpTransport(relay.url, { timeoutMs: 10_000 });
  transports.push(smtp);
  return {
    name,
    handled: 0,
    async run() {
      for (;;) {
        const n = await deliverDue(handle.db, smtp, { workerId: name, ...opts });
        if (n === 0) return this.handled;
        this.handled += n;
      }
    },
  };
}

async function checkDeliveredOnce(ids: string[]) {
  const rows = await db()
    .select({ id: mailMessages.id, messageId: mailMessages.messageId, status: mailMessages.status })
    .from(mailMessages)
    .where(inArray(mailMessages.id, ids));
  expect(rows.filter((r) => r.status !== "sent")).toEqual([]);
  // One attempt per message in the outbox ...
  const attempts = await db()
    .select({ mailId: mailAttempts.mailId, n: count() })
    .from(mailAttempts)
    .where(inArray(mailAttempts.mailId, ids))
    .groupBy(mailAttempts.mailId);
  expect(attempts).toHaveLength(ids.length);
  expect(attempts.filter((a) => a.n !== 1)).toEqual([]);
  // ... and one arrival per Message-ID at the sink, once Sendmail has relayed everything.
  const wanted = new Set(rows.map((r) => r.messageId));
  const arrivedOfThese = () => sink.received.filter((m) => wanted.has(m.messageId ?? "")).length;
  await waitUntil(
    "every message at the sink and Sendmail's queue empty",
    () => arrivedOfThese() >= ids.length && relay.queued() === 0,
    {
      timeoutMs: 60_000,
      detail: () => ({ arrived: arrivedOfThese(), sendmailQueue: relay.queued() }),
    },
  );
  const seen = arrivals(sink.received);
  expect(rows.filter((r) => seen.get(r.messageId) !== 1)).toEqual([]);
  expect(arrivedOfThese()).toBe(ids.length);
}

describe("two workers on one PostgreSQL", () => {
  it("share the queue without sending any message twice", { timeout: 90_000 }, async () => {
    const ids = await queueMany(db(), 400, { prefix: "two-workers" });
    const a = await worker("worker-a", { limit: 10 });
    const b = await worker("worker-b", { limit: 10 });
    const [na, nb] = await Promise.all([a.run(), b.run()]);
    expect(na + nb).toBe(400);
    // Both really worked (the test would prove nothing if one found the queue empty).
    expect(na).toBeGreaterThan(40);
    expect(nb).toBeGreaterThan(40);
    await checkDeliveredOnce(ids);
  });

  it(
    "a worker whose batch outlasts its lease leaves what the other worker took over",
    { timeout: 90_000 },
    async () => {
      // Worker A claims 200 messages with a 500 ms lease: sending them through
      // Sendmail takes longer, so its leases run out mid-batch while B, taking
      // 10 at a time, claims what A has not sent yet.
      const N = 300;
      const ids = await queueMany(db(), N, { prefix: "lease-overrun" });
      const a = await worker("batch-a", { limit: 200, leaseMs: 500 });
      const b = await worker("small-b", { limit: 10, leaseMs: 500 });
      const [na, nb] = await Promise.all([a.run(), b.run()]);
      // Claims overlapped: some messages were claimed by both (B took them over from A).
      expect(na + nb).toBeGreaterThan(N);
      // Yet each was sent by one of them only.
      await checkDeliveredOnce(ids);
    },
  );
});
