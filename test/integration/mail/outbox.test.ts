import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { simpleParser } from "mailparser";
import { afterAll, describe, expect, it } from "vitest";
import { mailAttempts, mailMessages, type MailMessage } from "~db/schema";
import { deliverDue } from "~/modules/mail/deliver.server";
import { enqueueMail } from "~/modules/mail/enqueue.server";
import type { DeliveryOutcome } from "~/modules/mail/retry";
import { mailboxTransport, type MailTransport } from "~/modules/mail/transports.server";
import { unique, setupTestDb } from "../../support/factories";

const db = setupTestDb();

const tmpDirs: string[] = [];
function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "portal-mailbox-"));
  tmpDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function queue(opts: { dedupeKey?: string; to?: string } = {}) {
  return enqueueMail(db(), {
    to: opts.to ?? `${unique("rcpt")}@example.test`,
    toName: "Ada Lovelace",
    template: "password-changed",
    data: { name: "Ada Lovelace", portalUrl: "https://portal.vendor.test" },
    dedupeKey: opts.dedupeKey ?? unique("test"),
  });
}

async function message(id: string): Promise<MailMessage> {
  const [row] = await db().select().from(mailMessages).where(eq(mailMessages.id, id));
  if (!row) throw new Error(`no mail ${id}`);
  return row;
}

/** Only the messages these tests queue are due: park everything else in the future. */
async function onlyDue(id: string) {
  await db().update(mailMessages).set({ nextAttemptAt: new Date("2100-01-01T00:00:00Z") });
  await db().update(mailMessages).set({ nextAttemptAt: new Date(Date.now() - 1000) }).where(eq(mailMessages.id, id));
}

/** A transport standing in for the relay (an external system), answering as told. */
function relayAnswering(outcome: DeliveryOutcome): MailTransport & { sent: string[] } {
  const sent: string[] = [];
  return {
    name: "test-relay",
    sent,
    async send(m) {
      sent.push(m.messageId);
      return outcome;
    },
    close() {},
  };
}

describe("enqueueMail", () => {
  it("queues one row per dedupe key, however often it is called", async () => {
    const key = `invitation:${unique("dedupe")}`;
    const first = await queue({ dedupeKey: key });
    const second = await queue({ dedupeKey: key, to: "someone-else@example.test" });
    expect(second).toBe(first);
    const rows = await db().select().from(mailMessages).where(eq(mailMessages.dedupeKey, key));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "queued", attemptCount: 0, template: "password-changed" });
  });

  it("renders subject, HTML and text with a stable Message-ID", async () => {
    const m = await message(await queue());
    expect(m.subject).toBe("Your Channel Partner Portal password was changed");
    expect(m.html).toContain("Ada Lovelace");
    expect(m.html).toMatch(/^<!DOCTYPE html/);
    expect(m.text).toContain("Hello Ada Lovelace");
    expect(m.messageId).toMatch(/^<[0-9a-f-]{36}@[^>]+>$/);
  });

  it("writes nothing when the surrounding transaction rolls back", async () => {
    const key = unique("rollback");
    await expect(
      db().transaction(async (tx) => {
        await enqueueMail(tx, {
          to: "x@example.test",
          template: "password-changed",
          data: { name: "X", portalUrl: "https://portal.vendor.test" },
          dedupeKey: key,
        });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await db().$count(mailMessages, eq(mailMessages.dedupeKey, key))).toBe(0);
  });
});

describe("deliverDue", () => {
  it("writes an .eml with the Message-ID to the mailbox, marks the message sent and records the attempt", async () => {
    const id = await queue({ to: "ada@example.test" });
    await onlyDue(id);
    const dir = tmpDir();
    expect(await deliverDue(db(), mailboxTransport(dir), { workerId: "test-worker" })).toBe(1);

    const m = await message(id);
    expect(m.status).toBe("sent");
    expect(m.attemptCount).toBe(1);
    expect(m.sentAt).not.toBeNull();
    expect(m.leaseUntil).toBeNull();
    expect(m.leasedBy).toBeNull();
    expect(m.relayResponse).toMatch(/^250 stored in mailbox as .+\.eml$/);

    const files = fs.readdirSync(dir).filter((f) => f.endsWith(".eml"));
    expect(files).toHaveLength(1);
    const raw = fs.readFileSync(path.join(dir, files[0]!), "utf8");
    expect(raw).toContain(`Message-ID: ${m.messageId}`);
    const parsed = await simpleParser(raw);
    expect(parsed.messageId).toBe(m.messageId);
    expect(parsed.subject).toBe(m.subject);
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0]?.address : undefined).toBe("ada@example.test");
    expect(parsed.text).toContain("Hello Ada Lovelace");

    const attempts = await db().select().from(mailAttempts).where(eq(mailAttempts.mailId, id));
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ transport: "mailbox", outcome: "sent", response: m.relayResponse });

    // Sent once: a second round finds nothing to do.
    expect(await deliverDue(db(), mailboxTransport(dir), { workerId: "test-worker" })).toBe(0);
    expect(fs.readdirSync(dir)).toHaveLength(1);
  });

  it("leaves messages that are not yet due, or leased by a live worker, alone", async () => {
    const id = await queue();
    await onlyDue(id);
    const now = new Date();
    await db().update(mailMessages).set({ nextAttemptAt: new Date(now.getTime() + 60_000) }).where(eq(mailMessages.id, id));
    const relay = relayAnswering({ kind: "sent", response: "250 ok" });
    expect(await deliverDue(db(), relay, { workerId: "w", now: () => now })).toBe(0);

    await db()
      .update(mailMessages)
      .set({ nextAttemptAt: new Date(now.getTime() - 1000), leaseUntil: new Date(now.getTime() + 30_000), leasedBy: "other" })
      .where(eq(mailMessages.id, id));
    expect(await deliverDue(db(), relay, { workerId: "w", now: () => now })).toBe(0);

    // The other worker's lease ran out (it crashed): the message is picked up again.
    const later = new Date(now.getTime() + 31_000);
    expect(await deliverDue(db(), relay, { workerId: "w", now: () => later })).toBe(1);
    expect(relay.sent).toHaveLength(1);
    expect((await message(id)).status).toBe("sent");
  });

  it("reschedules a transient failure and keeps the relay's words", async () => {
    const id = await queue();
    await onlyDue(id);
    const now = new Date();
    const relay = relayAnswering({ kind: "transient", response: "421 4.7.0 try again later" });
    expect(await deliverDue(db(), relay, { workerId: "w", now: () => now })).toBe(1);
    const m = await message(id);
    expect(m).toMatchObject({ status: "queued", attemptCount: 1, lastError: "421 4.7.0 try again later", sentAt: null, leaseUntil: null });
    expect(m.nextAttemptAt.getTime()).toBe(now.getTime() + 60_000);
    const attempts = await db().select().from(mailAttempts).where(eq(mailAttempts.mailId, id));
    expect(attempts).toEqual([expect.objectContaining({ transport: "test-relay", outcome: "transient", response: "421 4.7.0 try again later" })]);

    // Second failure: two minutes.
    const retryAt = new Date(now.getTime() + 60_000);
    expect(await deliverDue(db(), relay, { workerId: "w", now: () => retryAt })).toBe(1);
    expect((await message(id)).nextAttemptAt.getTime()).toBe(retryAt.getTime() + 120_000);
    expect((await message(id)).attemptCount).toBe(2);
  });

  it("stops at a permanent failure without deleting the message", async () => {
    const id = await queue();
    await onlyDue(id);
    const relay = relayAnswering({ kind: "permanent", response: "550 5.1.1 no such user" });
    expect(await deliverDue(db(), relay, { workerId: "w" })).toBe(1);
    expect(await message(id)).toMatchObject({ status: "failed", attemptCount: 1, lastError: "550 5.1.1 no such user", sentAt: null });
    expect(await deliverDue(db(), relay, { workerId: "w", now: () => new Date(Date.now() + 86_400_000) })).toBe(0);
    expect(relay.sent).toHaveLength(1);
  });
});
