/**
 * Helpers shared by the mail integration tests and the mail benchmark:
 * queueing many notifications through the real enqueueMail, waiting for a
 * condition, and counting what arrived at the sink per Message-ID.
 */
import type { Db } from "../../db/client";
import { enqueueMail } from "../../app/modules/mail/enqueue.server";
import type { ReceivedMail } from "./smtp-sink";

/**
 * Queues `count` password-changed notifications through enqueueMail, `perTx`
 * to a transaction, `parallel` transactions at a time. Returns their ids.
 */
export async function queueMany(
  db: Db,
  count: number,
  opts: { prefix?: string; perTx?: number; parallel?: number; critical?: boolean } = {},
): Promise<string[]> {
  const prefix = opts.prefix ?? `bulk-${Date.now().toString(36)}`;
  const perTx = opts.perTx ?? 50;
  const parallel = opts.parallel ?? 3;
  const chunks: number[][] = [];
  for (let i = 0; i < count; i += perTx)
    chunks.push(Array.from({ length: Math.min(perTx, count - i) }, (_, k) => i + k));
  const ids: string[] = [];
  let next = 0;
  const runner = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++]!;
      const got = await db.transaction(async (tx) => {
        const out: string[] = [];
        for (const i of chunk) {
          const id = await enqueueMail(tx, {
            to: `${prefix}-${i}@example.test`,
            toName: `Recipient ${i}`,
            template: "password-changed",
            data: { name: `Recipient ${i}`, portalUrl: "https://portal.vendor.test" },
            dedupeKey: `${prefix}:${i}`,
            critical: opts.critical,
          });
          if (!id) throw new Error("queueMany: nothing queued");
          out.push(id);
        }
        return out;
      });
      ids.push(...got);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, chunks.length) }, runner));
  return ids;
}

/** Polls `condition` until it holds; fails with `what` (and the last detail) after `timeoutMs`. */
export async function waitUntil(
  what: string,
  condition: () => boolean | Promise<boolean>,
  opts: { timeoutMs?: number; intervalMs?: number; detail?: () => unknown } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) {
      const detail = opts.detail ? ` (${JSON.stringify(await opts.detail())})` : "";
      throw new Error(`timed out after ${opts.timeoutMs ?? 30_000} ms waiting for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 25));
  }
}

/** How many times each Message-ID arrived. */
export function arrivals(received: ReceivedMail[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of received) {
    const id = m.messageId ?? "(none)";
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** Runs deliverDue-like `round` until it reports no more work; returns the total handled. */
export async function drain(round: () => Promise<number>, maxRounds = 100_000): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxRounds; i++) {
    const n = await round();
    if (n === 0) return total;
    total += n;
  }
  throw new Error(`drain: still work after ${maxRounds} rounds`);
}
