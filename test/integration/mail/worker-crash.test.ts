/**
 * The worker crashes: `npm run worker` (tsx server/worker.ts) runs as a child
 * process against this file's database and the real Sendmail relay, and is
 * killed with SIGKILL in the middle of delivering, again and again. Its
 * claimed messages come back after the lease (MAIL_LEASE_MS, short here).
 * Afterwards every message has arrived; a duplicate is only possible for the
 * one message whose 250 the killed worker had not recorded yet, so there are
 * at most as many duplicates as kills, each with the same Message-ID.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import path from "node:path";
import { and, count, eq, inArray, isNotNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mailMessages } from "~db/schema";
import { setupTestDb } from "../../support/factories";
import { arrivals, queueMany, waitUntil } from "../../support/mail-helpers";
import { startRelay, type Relay } from "../../support/sendmail";
import { startSink, type Sink } from "../../support/smtp-sink";

const db = setupTestDb();
const ROOT = path.resolve(import.meta.dirname, "../../..");
const N = 400;
const KILLS = 12;
const LEASE_MS = 1_000;

let sink: Sink;
let relay: Relay;
const children = new Set<ChildProcess>();
beforeAll(async () => {
  sink = await startSink();
  relay = await startRelay(sink.port);
});
afterAll(async () => {
  for (const child of children) killGroup(child, "SIGKILL");
  await relay?.destroy();
  await sink?.stop();
});

interface Worker {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | string | null>;
}

/** tsx runs the script in a child node process: signal the whole group, as a supervisor (or the OOM killer of a cgroup) would. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    /* already gone */
  }
}

function workerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    DATABASE_URL: process.env.DATABASE_URL,
    MAIL_RELAY_URL: relay.url,
    MAIL_TRANSPORT: "smtp",
    MAIL_POLL_MS: "50",
    MAIL_LEASE_MS: String(LEASE_MS),
    // Production requires the license signing key (the worker issues no keys here; any valid key will do).
    LICENSE_SIGNING_KEY: generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
  delete env.RESEND_API_KEY; // relay only: no failover here
  return env;
}

async function startWorker(): Promise<Worker> {
  let out = "";
  // As `npm run worker` runs it: node with tsx's loader, one process. (The tsx
  // command relays a SIGTERM to its child and, when the child is slow to
  // confirm on a loaded machine, kills it and exits 143: seen in CI.)
  const child = spawn(process.execPath, ["--import", "tsx", "server/worker.ts"], {
    cwd: ROOT,
    detached: true, // its own process group
    stdio: ["ignore", "pipe", "pipe"],
    env: workerEnv(),
  });
  children.add(child);
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | string | null>((resolve) =>
    child.on("exit", (code, signal) => {
      children.delete(child);
      resolve(signal ?? code);
    }),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  await waitUntil("the worker to start", () => gone || out.includes("[jobs] running (mail via smtp)"), {
    timeoutMs: 30_000,
    detail: () => out,
  });
  if (gone) throw new Error(`the worker exited at start:\n${out}`);
  return { child, output: () => out, exited };
}

async function sentCount(): Promise<number> {
  const [row] = await db().select({ n: count() }).from(mailMessages).where(eq(mailMessages.status, "sent"));
  return row!.n;
}

describe("the worker as a child process", () => {
  it(
    `killed with SIGKILL ${KILLS} times mid-delivery, delivers every message, duplicates at most one per kill and with the same Message-ID`,
    { timeout: 120_000 },
    async () => {
      const ids = await queueMany(db(), N, { prefix: "crash" });
      const orphaned = new Set<string>();
      let kills = 0;
      for (; kills < KILLS; kills++) {
        const worker = await startWorker();
        const before = await sentCount();
        // Kill after a few more messages went out, at a random point of a batch,
        // keeping enough messages back for the kills still to come.
        const share = Math.floor((N - before) / (KILLS - kills + 2));
        const step = Math.max(2, Math.min(share, 5 + Math.floor(Math.random() * 15)));
        await waitUntil("the worker to make progress", async () => (await sentCount()) >= before + step, {
          timeoutMs: 30_000,
          intervalMs: 5,
          detail: () => worker.output(),
        });
        killGroup(worker.child, "SIGKILL");
        expect(await worker.exited).toBe("SIGKILL");
        // What the dead worker had claimed and not finished: held by its lease for now.
        const held = await db()
          .select({ id: mailMessages.id })
          .from(mailMessages)
          .where(and(eq(mailMessages.status, "queued"), isNotNull(mailMessages.leasedBy)));
        for (const h of held) orphaned.add(h.id);
      }
      expect(await sentCount()).toBeLessThan(N); // the kills did interrupt delivery
      expect(orphaned.size).toBeGreaterThan(0); // and left claims behind

      // A last worker runs to the end: the dead workers' claims come back after their lease.
      const last = await startWorker();
      await waitUntil("every message sent", async () => (await sentCount()) === N, {
        timeoutMs: 60_000,
        detail: () => last.output(),
      });
      await waitUntil(
        "all messages at the sink and Sendmail's queue empty",
        () => arrivals(sink.received).size >= N && relay.queued() === 0,
        {
          timeoutMs: 60_000,
          detail: () => ({
            distinct: arrivals(sink.received).size,
            received: sink.received.length,
            sendmailQueue: relay.queued(),
          }),
        },
      );
      killGroup(last.child, "SIGTERM");
      expect(await last.exited).toBe(0);

      const rows = await db()
        .select({ id: mailMessages.id, messageId: mailMessages.messageId, status: mailMessages.status })
        .from(mailMessages)
        .where(inArray(mailMessages.id, ids));
      expect(rows.filter((r) => r.status !== "sent")).toEqual([]);
      const seen = arrivals(sink.received);
      const outbox = new Set(rows.map((r) => r.messageId));
      // Nothing arrived that is not an outbox message (a duplicate keeps its Message-ID) ...
      expect([...seen.keys()].filter((id) => !outbox.has(id))).toEqual([]);
      // ... every message arrived ...
      expect(rows.filter((r) => !seen.has(r.messageId))).toEqual([]);
      // ... and duplicates are at most one per kill.
      const duplicates = [...seen.values()].reduce((n, c) => n + (c - 1), 0);
      expect(duplicates).toBeLessThanOrEqual(kills);
      expect(sink.received).toHaveLength(N + duplicates);
      // The orphaned claims were all delivered by a later worker.
      expect(rows.filter((r) => orphaned.has(r.id) && r.status !== "sent")).toEqual([]);
      console.info(
        `[crash test] ${kills} kills, ${orphaned.size} claims orphaned, ${duplicates} duplicate(s) at the sink`,
      );
    },
  );

  it("on SIGTERM finishes the batch in hand and leaves no claim behind", { timeout: 60_000 }, async () => {
    const ids = await queueMany(db(), 200, { prefix: "graceful" });
    const worker = await startWorker();
    const before = await sentCount();
    await waitUntil("the worker to make progress", async () => (await sentCount()) >= before + 10, {
      timeoutMs: 30_000,
      intervalMs: 5,
      detail: () => worker.output(),
    });
    // As `docker stop` does: SIGTERM to the process (tsx relays it to its node child).
    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
    expect(worker.output()).not.toMatch(/\[jobs\] (?!running)/); // no error logged by the job loop
    const rows = await db()
      .select({ status: mailMessages.status, leasedBy: mailMessages.leasedBy })
      .from(mailMessages)
      .where(inArray(mailMessages.id, ids));
    expect(rows.filter((r) => r.leasedBy !== null)).toEqual([]);
    const sent = rows.filter((r) => r.status === "sent").length;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(ids.length); // it stopped before the end
  });
});
