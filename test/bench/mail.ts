/**
 * `npm run bench:mail`: how fast the outbox gets mail to the real relay.
 *
 * Provisions its own PostgreSQL cluster, a Sendmail relay on loopback and the
 * downstream SMTP sink (test/support), then, in each of ROUNDS rounds on a
 * fresh database:
 *
 *  1. queues N notifications through enqueueMail (not timed);
 *  2. direct: sends the same N messages (same bytes, same envelopes) with a
 *     pooled nodemailer transport (4 connections, all handed to the pool at
 *     once) straight to the relay: msgs/s;
 *  3. outbox: the worker's delivery loop (deliverDue until nothing is due,
 *     WORKERS loops with their own pools) sends them from the outbox to the
 *     relay: msgs/s, and the ratio outbox / direct;
 *  4. latency: with the real worker loop running (startJobs, polling every
 *     POLL_MS as `npm run worker` does), LAT_N notifications are queued one
 *     per transaction at RATE per second; enqueue-to-accepted latency (the
 *     outbox row's created_at to the relay's 250) p50 / p95.
 *
 * Between phases it waits until the sink has every message and Sendmail's
 * queue is empty, so phases do not overlap. Prints each round and the medians.
 *
 *   npm run bench:mail -- [--n=2000] [--rounds=3] [--workers=1] [--poll-ms=1000] [--lat-n=500] [--rate=50]
 */
import os from "node:os";
import { execFileSync } from "node:child_process";
import { inArray } from "drizzle-orm";
import nodemailer from "nodemailer";
import { openDatabase } from "../../db/client";
import { mailMessages, type RenderedMessage } from "../../db/schema";
import { startJobs } from "../../app/modules/jobs/jobs.server";
import { deliverDue } from "../../app/modules/mail/deliver.server";
import { enqueueMail } from "../../app/modules/mail/enqueue.server";
import { composeRaw, envelopeSender, smtpTransport } from "../../app/modules/mail/transports.server";
import { queueMany, waitUntil } from "../support/mail-helpers";
import { ensurePostgresInstalled, startCluster } from "../support/postgres";
import { startRelay } from "../support/sendmail";
import { startSink } from "../support/smtp-sink";
import { createTemplateDatabase, createTestDatabase } from "../support/test-db";
import { arg, median, runBench } from "./bench-db";

const N = arg("n", 2000);
const ROUNDS = arg("rounds", 3);
const WORKERS = arg("workers", 1);
const POLL_MS = arg("poll-ms", 1000);
const LAT_N = arg("lat-n", 500);
const RATE = arg("rate", 50);
const TEMPLATE = "bench_template";

/** Nearest-rank percentile. */
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Round {
  enqueuePerSec: number;
  direct: number;
  outbox: number;
  ratio: number;
  p50: number;
  p95: number;
}

async function main() {
  console.log(
    `mail benchmark: N=${N}, rounds=${ROUNDS}, outbox workers=${WORKERS}, latency: ${LAT_N} msgs at ${RATE}/s, poll ${POLL_MS} ms`,
  );
  let sendmailVersion = "?";
  try {
    sendmailVersion =
      /Version (\S+)/.exec(
        execFileSync("/usr/sbin/sendmail", ["-d0.1", "-bt"], { input: "", encoding: "utf8" }),
      )?.[1] ?? "?";
  } catch {
    /* informational only */
  }
  console.log(
    `node ${process.version}, ${os.cpus().length} CPU(s) ${os.cpus()[0]?.model ?? ""}, sendmail ${sendmailVersion}`,
  );

  await ensurePostgresInstalled();
  const cluster = await startCluster();
  const sink = await startSink();
  const relay = await startRelay(sink.port);
  try {
    process.env.TEST_PG_URL = cluster.url;
    process.env.TEST_TEMPLATE_DB = TEMPLATE;
    // Read by env() on first use (enqueueMail, startJobs): the worker talks to the relay.
    process.env.MAIL_RELAY_URL = relay.url;
    process.env.MAIL_TRANSPORT = "smtp";
    process.env.MAIL_POLL_MS = String(POLL_MS);
    delete process.env.RESEND_API_KEY;
    await createTemplateDatabase(cluster.url, TEMPLATE);

    const drained = async (expected: number, what: string) => {
      await waitUntil(
        `${what}: ${expected} at the sink and Sendmail's queue empty`,
        () => sink.received.length >= expected && relay.queued() === 0,
        {
          timeoutMs: 300_000,
          intervalMs: 50,
          detail: () => ({ received: sink.received.length, sendmailQueue: relay.queued() }),
        },
      );
      if (sink.received.length !== expected)
        throw new Error(`${what}: ${sink.received.length} arrived, expected ${expected}`);
    };

    const rounds: Round[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      const database = await createTestDatabase({ poolSize: 4 + 2 * WORKERS });
      const db = database.handle.db;
      try {
        // 1. The outbox rows.
        let t = performance.now();
        const ids = await queueMany(db, N, { prefix: `bench-${r}` });
        const enqueuePerSec = N / ((performance.now() - t) / 1000);
        const rows = await db.select().from(mailMessages).where(inArray(mailMessages.id, ids));

        // 2. Direct: the same messages, straight into a pooled nodemailer transport.
        const raws = await Promise.all(
          rows.map(async (m) => ({
            m,
            raw: await composeRaw(m as RenderedMessage, [{ address: m.toAddress, name: m.toName }]),
          })),
        );
        const transporter = nodemailer.createTransport({ url: relay.url, pool: true, maxConnections: 4 } as never);
        const base = sink.received.length;
        t = performance.now();
        const infos = await Promise.all(
          raws.map(({ m, raw }) =>
            transporter.sendMail({ envelope: { from: envelopeSender(m.fromAddress), to: [m.toAddress] }, raw }),
          ),
        );
        const direct = N / ((performance.now() - t) / 1000);
        transporter.close();
        if (infos.some((i) => !String(i.response).startsWith("250")))
          throw new Error("direct: a message was not accepted");
        await drained(base + N, "direct");

        // 3. Outbox: the worker's delivery loop.
        const extra = await Promise.all(
          Array.from({ length: WORKERS - 1 }, () => openDatabase({ url: database.url, poolSize: 2 })),
        );
        const workers = [database.handle, ...extra].map((h, w) => ({ w, db: h.db, smtp: smtpTransport(relay.url) }));
        t = performance.now();
        const handled = await Promise.all(
          workers.map(async ({ w, db: wdb, smtp }) => {
            let n = 0;
            for (;;) {
              const k = await deliverDue(wdb, smtp, { workerId: `bench-${w}` });
              if (k === 0) return n;
              n += k;
            }
          }),
        );
        const outbox = N / ((performance.now() - t) / 1000);
        for (const w of workers) w.smtp.close();
        for (const h of extra) await h.close();
        if (handled.reduce((a, b) => a + b, 0) < N) throw new Error("outbox: not every message was handled");
        const notSent = (
          await db.select({ status: mailMessages.status }).from(mailMessages).where(inArray(mailMessages.id, ids))
        ).filter((m) => m.status !== "sent");
        if (notSent.length) throw new Error(`outbox: ${notSent.length} messages not sent`);
        await drained(base + 2 * N, "outbox");

        // 4. Latency with the real worker loop running.
        const stop = startJobs(db, { log: () => {} });
        const latIds: string[] = [];
        const start = performance.now();
        for (let i = 0; i < LAT_N; i++) {
          const due = start + (i * 1000) / RATE;
          const wait = due - performance.now();
          if (wait > 0) await sleep(wait);
          const id = await db.transaction((tx) =>
            enqueueMail(tx, {
              to: `lat-${r}-${i}@example.test`,
              template: "password-changed",
              data: { name: `Latency ${i}`, portalUrl: "https://portal.vendor.test" },
              dedupeKey: `lat-${r}:${i}`,
            }),
          );
          latIds.push(id!);
        }
        await waitUntil(
          "latency messages sent",
          async () =>
            (
              await db.select({ s: mailMessages.status }).from(mailMessages).where(inArray(mailMessages.id, latIds))
            ).every((m) => m.s === "sent"),
          { timeoutMs: 120_000, intervalMs: 200 },
        );
        await stop();
        const lat = (await db.select().from(mailMessages).where(inArray(mailMessages.id, latIds))).map(
          (m) => m.sentAt!.getTime() - m.createdAt.getTime(),
        );
        await drained(base + 2 * N + LAT_N, "latency");

        const round: Round = {
          enqueuePerSec,
          direct,
          outbox,
          ratio: outbox / direct,
          p50: percentile(lat, 50),
          p95: percentile(lat, 95),
        };
        rounds.push(round);
        console.log(
          `round ${r}: direct ${direct.toFixed(0)} msgs/s, outbox ${outbox.toFixed(0)} msgs/s, ratio ${round.ratio.toFixed(2)}, ` +
            `latency p50 ${round.p50} ms p95 ${round.p95} ms (enqueue ${enqueuePerSec.toFixed(0)} msgs/s)`,
        );
      } finally {
        await database.drop();
      }
    }
    const m = (k: keyof Round) => median(rounds.map((x) => x[k]));
    console.log("");
    console.log(`median of ${ROUNDS} rounds, ${N} messages to Sendmail on loopback:`);
    const outboxLabel = `outbox (deliverDue, ${WORKERS} worker${WORKERS > 1 ? "s" : ""})`;
    const w = Math.max(outboxLabel.length, 26);
    console.log(`  ${"direct pooled nodemailer".padEnd(w)}  ${m("direct").toFixed(0)} msgs/s`);
    console.log(`  ${outboxLabel.padEnd(w)}  ${m("outbox").toFixed(0)} msgs/s`);
    console.log(`  ${"ratio outbox / direct".padEnd(w)}  ${m("ratio").toFixed(2)}`);
    console.log(
      `  enqueue-to-accepted latency (worker polling every ${POLL_MS} ms, ${RATE} msgs/s): p50 ${m("p50")} ms, p95 ${m("p95")} ms`,
    );
  } finally {
    await relay.destroy();
    await sink.stop();
    await cluster.stop();
  }
}

runBench(main);
