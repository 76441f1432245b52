/**
 * The outbox and one delivery round against a real SMTP server: the sink
 * (smtp-server) answering 250, 451 or 550 per recipient, reached directly
 * through the portal's pooled smtpTransport. Time is a controlled clock
 * (`now`), so the retry schedule is checked without waiting.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { mailAttempts, mailMessages, mailOptOuts, mailRecipients, type MailMessage } from "~db/schema";
import { deliverDue } from "~/modules/mail/deliver.server";
import { enqueueMail, enqueueMails } from "~/modules/mail/enqueue.server";
import { getMail, listMail } from "~/modules/mail/queries.server";
import { mailboxTransport, smtpTransport, type MailTransport, type Recipient } from "~/modules/mail/transports.server";
import { createUser, ctxFor, setupTestDb, unique } from "../../support/factories";
import { startSink, type Sink } from "../../support/smtp-sink";

const db = setupTestDb();

let sink: Sink;
let smtp: MailTransport;
const tmpDirs: string[] = [];
beforeAll(async () => {
  sink = await startSink();
  smtp = smtpTransport(`smtp://127.0.0.1:${sink.port}`, { timeoutMs: 5_000 });
});
afterAll(async () => {
  smtp?.close();
  await sink?.stop();
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  sink.setVerdict("*", "accept");
});

function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "portal-mailbox-"));
  tmpDirs.push(dir);
  return dir;
}

const address = (prefix = "rcpt") => `${unique(prefix)}@example.test`;

async function queue(opts: { dedupeKey?: string; to?: string | Recipient[] } = {}): Promise<string> {
  const id = await enqueueMail(db(), {
    to: opts.to ?? address(),
    toName: "Ada Lovelace",
    template: "password-changed",
    data: { name: "Ada Lovelace", portalUrl: "https://portal.vendor.test" },
    dedupeKey: opts.dedupeKey ?? unique("test"),
  });
  if (!id) throw new Error("expected a queued message");
  return id;
}

async function message(id: string): Promise<MailMessage> {
  const [row] = await db().select().from(mailMessages).where(eq(mailMessages.id, id));
  if (!row) throw new Error(`no mail ${id}`);
  return row;
}

const attemptsOf = (id: string) =>
  db().select().from(mailAttempts).where(eq(mailAttempts.mailId, id)).orderBy(mailAttempts.at);
const recipientsOf = (id: string) =>
  db().select().from(mailRecipients).where(eq(mailRecipients.mailId, id)).orderBy(mailRecipients.address);
const arrived = (messageId: string) => sink.received.filter((m) => m.messageId === messageId);

/** Only the message under test is due (at `at`): park everything else in the future. */
async function onlyDue(id: string, at = new Date()) {
  await db()
    .update(mailMessages)
    .set({ nextAttemptAt: new Date("2100-01-01T00:00:00Z") });
  await db()
    .update(mailMessages)
    .set({ nextAttemptAt: new Date(at.getTime() - 1000) })
    .where(eq(mailMessages.id, id));
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
    expect(await recipientsOf(first)).toHaveLength(1);
  });

  it("the same request retried in a second transaction, even concurrently, queues one row", async () => {
    const key = `lead-offer:${unique("retried")}`;
    const enqueue = (tx: Parameters<typeof enqueueMail>[0]) =>
      enqueueMail(tx, {
        to: address(),
        template: "password-changed",
        data: { name: "Ada", portalUrl: "https://portal.vendor.test" },
        dedupeKey: key,
      });
    // The first request has queued its mail but not committed yet when the retry comes in.
    let releaseFirst!: () => void;
    const firstMayCommit = new Promise<void>((r) => (releaseFirst = r));
    let firstQueued!: () => void;
    const queuedInFirst = new Promise<void>((r) => (firstQueued = r));
    const first = db().transaction(async (tx) => {
      const id = await enqueue(tx);
      firstQueued();
      await firstMayCommit;
      return id;
    });
    await queuedInFirst;
    const second = db().transaction((tx) => enqueue(tx)); // blocks on the unique dedupe key
    releaseFirst();
    const [a, b] = await Promise.all([first, second]);
    expect(a).toBeTruthy();
    expect(b).toBe(a);
    // And once more, after both committed.
    expect(await db().transaction((tx) => enqueue(tx))).toBe(a);
    expect(await db().$count(mailMessages, eq(mailMessages.dedupeKey, key))).toBe(1);
    expect(await db().$count(mailRecipients, eq(mailRecipients.mailId, a!))).toBe(1);
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

  it("honours a user's opt-out, except for security mails", async () => {
    const user = await createUser(db(), { role: "vendor_admin" });
    await db().insert(mailOptOuts).values({ userId: user.id, template: "password-changed" });
    const input = {
      to: user.email,
      template: "password-changed" as const,
      data: { name: user.name, portalUrl: "https://portal.vendor.test" },
      userId: user.id,
    };
    // password-changed is a security mail: queued despite the opt-out row.
    expect(await enqueueMail(db(), { ...input, dedupeKey: unique("optout") })).toBeTruthy();
  });
});

describe("enqueueMails (bulk, rendered at delivery)", () => {
  const offer = (to: string, key: string, userId: string | null = null) => ({
    to,
    toName: "Yui Tanaka",
    template: "password-changed" as const,
    data: { name: `Yui ${key}`, portalUrl: "https://portal.vendor.test" },
    dedupeKey: key,
    critical: true,
    userId,
  });
  const byKey = async (key: string) =>
    (await db().select().from(mailMessages).where(eq(mailMessages.dedupeKey, key)))[0];

  it("queues many messages with their data and subject, content still to render, recipients included", async () => {
    const keys = [unique("bulk"), unique("bulk"), unique("bulk")];
    expect(await enqueueMails(db(), keys.map((k) => offer(address("yui"), k)))).toBe(3);
    for (const k of keys) {
      const m = (await byKey(k))!;
      expect(m).toMatchObject({ html: null, text: null, critical: true, status: "queued", subject: "Your Channel Partner Portal password was changed" });
      expect(m.data).toEqual({ name: `Yui ${k}`, portalUrl: "https://portal.vendor.test" });
      expect(await recipientsOf(m.id)).toHaveLength(1);
    }
  });

  it("skips dedupe keys already queued (by either function) and keeps the first message", async () => {
    const key = unique("bulk-dupe");
    const firstId = await queue({ dedupeKey: key });
    expect(await enqueueMails(db(), [offer(address(), key), offer(address(), unique("bulk-new"))])).toBe(1);
    expect((await byKey(key))!.id).toBe(firstId);
    expect(await recipientsOf(firstId)).toHaveLength(1);
  });

  it("honours opt-outs of non-security templates", async () => {
    const user = await createUser(db(), { role: "vendor_admin" });
    await db().insert(mailOptOuts).values({ userId: user.id, template: "application-new" });
    const key = unique("bulk-optout");
    const queued = await enqueueMails(db(), [
      {
        to: user.email,
        template: "application-new",
        data: { companyName: "Acme", country: "Netherlands", reviewUrl: "https://portal.vendor.test/r" },
        dedupeKey: key,
        userId: user.id,
      },
    ]);
    expect(queued).toBe(0);
    expect(await byKey(key)).toBeUndefined();
  });

  it("is rendered at its first delivery, stored once, and the admin page shows it rendered without storing", async () => {
    const key = unique("bulk-deliver");
    const to = address("yui");
    await enqueueMails(db(), [offer(to, key)]);
    const queued = (await byKey(key))!;
    const admin = await createUser(db(), { role: "vendor_admin" });
    const shown = await getMail(ctxFor(db(), admin), queued.id);
    expect(shown.message.text).toContain(`Hello Yui ${key}`);
    expect((await byKey(key))!.html).toBeNull();

    await onlyDue(queued.id);
    expect(await deliverDue(db(), smtp, { workerId: "test-worker" })).toBe(1);
    const sent = (await byKey(key))!;
    expect(sent.status).toBe("sent");
    expect(sent.text).toContain(`Hello Yui ${key}`);
    expect(sent.html).toContain(`Yui ${key}`);
    const mails = arrived(sent.messageId);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe("Your Channel Partner Portal password was changed");
    expect(mails[0]!.text).toContain(`Hello Yui ${key}`);
  });
});

describe("deliverDue through a real SMTP server", () => {
  it("delivers with the outbox Message-ID, marks the message sent and records the server's reply", async () => {
    const to = address("ada");
    const id = await queue({ to });
    await onlyDue(id);
    expect(await deliverDue(db(), smtp, { workerId: "test-worker" })).toBe(1);

    const m = await message(id);
    expect(m).toMatchObject({
      status: "sent",
      attemptCount: 1,
      leaseUntil: null,
      leasedBy: null,
      lastTransport: "smtp",
    });
    expect(m.sentAt).not.toBeNull();
    expect(m.relayResponse).toMatch(/^250 /);
    const mails = arrived(m.messageId);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.envelopeTo).toEqual([to]);
    expect(mails[0]!.subject).toBe(m.subject);
    expect(mails[0]!.text).toContain("Hello Ada Lovelace");
    expect(mails[0]!.html).toContain("Ada Lovelace");

    expect(await attemptsOf(id)).toEqual([
      expect.objectContaining({ transport: "smtp", outcome: "sent", response: m.relayResponse }),
    ]);
    expect(await recipientsOf(id)).toEqual([
      expect.objectContaining({ address: to, status: "sent", response: m.relayResponse }),
    ]);

    // Sent once: a later round finds nothing to do.
    expect(
      await deliverDue(db(), smtp, { workerId: "test-worker", now: () => new Date(Date.now() + 86_400_000) }),
    ).toBe(0);
    expect(arrived(m.messageId)).toHaveLength(1);
  });

  it("leaves messages that are not yet due, or leased by a live worker, alone", async () => {
    const id = await queue();
    const now = new Date();
    await onlyDue(id, now);
    await db()
      .update(mailMessages)
      .set({ nextAttemptAt: new Date(now.getTime() + 60_000) })
      .where(eq(mailMessages.id, id));
    expect(await deliverDue(db(), smtp, { workerId: "w", now: () => now })).toBe(0);

    await db()
      .update(mailMessages)
      .set({
        nextAttemptAt: new Date(now.getTime() - 1000),
        leaseUntil: new Date(now.getTime() + 30_000),
        leasedBy: "other",
      })
      .where(eq(mailMessages.id, id));
    expect(await deliverDue(db(), smtp, { workerId: "w", now: () => now })).toBe(0);
    const { messageId } = await message(id);
    expect(arrived(messageId)).toHaveLength(0);

    // The other worker's lease ran out (it crashed): the message is picked up again.
    const later = new Date(now.getTime() + 31_000);
    expect(await deliverDue(db(), smtp, { workerId: "w", now: () => later })).toBe(1);
    expect(arrived(messageId)).toHaveLength(1);
    expect((await message(id)).status).toBe("sent");
  });

  it("retries a 4xx answer on the MTA schedule (1 min, then 2, then 4) until it is accepted", async () => {
    const to = address("busy");
    sink.setVerdict(to, "tempfail");
    const id = await queue({ to });
    const t0 = new Date();
    await onlyDue(id, t0);

    expect(await deliverDue(db(), smtp, { workerId: "w", now: () => t0 })).toBe(1);
    let m = await message(id);
    expect(m).toMatchObject({ status: "queued", attemptCount: 1, sentAt: null, leaseUntil: null });
    expect(m.lastError).toBe("451 4.2.0 Mailbox busy, try again later");
    expect(m.firstFailureAt?.getTime()).toBe(t0.getTime());
    expect(m.nextAttemptAt.getTime()).toBe(t0.getTime() + 60_000);
    expect(await recipientsOf(id)).toEqual([
      expect.objectContaining({ status: "queued", response: "451 4.2.0 Mailbox busy, try again later" }),
    ]);

    // Not due again before its time.
    expect(await deliverDue(db(), smtp, { workerId: "w", now: () => new Date(t0.getTime() + 59_000) })).toBe(0);

    const t1 = new Date(t0.getTime() + 60_000);
    expect(await deliverDue(db(), smtp, { workerId: "w", now: () => t1 })).toBe(1);
    m = await message(id);
    expect(m).toMatchObject({ status: "queued", attemptCount: 2 });
    expect(m.nextAttemptAt.getTime()).toBe(t1.getTime() + 120_000);

    const t2 = new Date(t1.getTime() + 120_000);
    expect(await deliverDue(db(), smtp, { workerId: "w", now: () => t2 })).toBe(1);
    m = await message(id);
    expect(m).toMatchObject({ status: "queued", attemptCount: 3 });
    expect(m.nextAttemptAt.getTime()).toBe(t2.getTime() + 240_000);
    expect(arrived(m.messageId)).toHaveLength(0);

    // The mailbox frees up: the next scheduled attempt delivers.
    sink.setVerdict(to, "accept");
    const t3 = new Date(t2.getTime() + 240_000);
    expect(await deliverDue(db(), smtp, { workerId: "w", now: () => t3 })).toBe(1);
    m = await message(id);
    expect(m).toMatchObject({ status: "sent", attemptCount: 4 });
    expect(m.sentAt?.getTime()).toBe(t3.getTime());
    expect(arrived(m.messageId)).toHaveLength(1);
    const attempts = await attemptsOf(id);
    expect(attempts.map((a) => [a.outcome, a.at.getTime() - t0.getTime()])).toEqual([
      ["transient", 0],
      ["transient", 60_000],
      ["transient", 180_000],
      ["sent", 420_000],
    ]);
    expect(attempts[0]!.response).toBe("451 4.2.0 Mailbox busy, try again later");
  });

  it("gives up on a 4xx once the message lifetime is over", async () => {
    const to = address("busy-forever");
    sink.setVerdict(to, "tempfail");
    const id = await queue({ to });
    const t0 = new Date();
    await onlyDue(id, t0);
    const lifetimeMs = 5 * 60_000;
    let now = t0;
    for (let i = 0; i < 10 && (await message(id)).status === "queued"; i++) {
      await deliverDue(db(), smtp, { workerId: "w", now: () => now, lifetimeMs });
      now = (await message(id)).nextAttemptAt;
    }
    const m = await message(id);
    // Attempts at 0, 1 and 3 min; the next one (7 min) would be past the 5-minute lifetime.
    expect(m).toMatchObject({ status: "failed", attemptCount: 3, sentAt: null });
    expect(await recipientsOf(id)).toEqual([
      expect.objectContaining({
        status: "failed",
        response: expect.stringMatching(/^gave up after the message lifetime: 451 4\.2\.0/),
      }),
    ]);
    expect(arrived(m.messageId)).toHaveLength(0);
  });

  it("fails a 5xx answer after one attempt, keeps the message and shows the server's words to the admin", async () => {
    const to = address("nobody");
    sink.setVerdict(to, "reject");
    const id = await queue({ to });
    await onlyDue(id);
    expect(await deliverDue(db(), smtp, { workerId: "w" })).toBe(1);
    const m = await message(id);
    expect(m).toMatchObject({ status: "failed", attemptCount: 1, lastError: "550 5.1.1 User unknown", sentAt: null });
    expect(await attemptsOf(id)).toEqual([
      expect.objectContaining({ transport: "smtp", outcome: "permanent", response: "550 5.1.1 User unknown" }),
    ]);
    // Never tried again, however late.
    expect(await deliverDue(db(), smtp, { workerId: "w", now: () => new Date(Date.now() + 7 * 86_400_000) })).toBe(0);
    expect(await db().$count(mailAttempts, eq(mailAttempts.mailId, id))).toBe(1);

    // The admin mail page: the list and the message's details carry the relay's words.
    const admin = await createUser(db(), { role: "vendor_admin" });
    const page = await listMail(ctxFor(db(), admin), { q: to, page: 1 });
    expect(page.rows).toEqual([expect.objectContaining({ id, status: "failed", lastError: "550 5.1.1 User unknown" })]);
    const detail = await getMail(ctxFor(db(), admin), id);
    expect(detail.recipients).toEqual([
      expect.objectContaining({ address: to, status: "failed", response: "550 5.1.1 User unknown" }),
    ]);
    expect(detail.attempts).toHaveLength(1);
  });

  it("delivers to the other recipients when one is refused with 5xx, and records each", async () => {
    const good = [address("good"), address("good")];
    const bad = address("bad");
    sink.setVerdict(bad, "reject");
    const id = await queue({
      to: [
        { address: good[0]!, name: "Good One" },
        { address: bad, name: null },
        { address: good[1]!, name: null },
      ],
    });
    await onlyDue(id);
    expect(await deliverDue(db(), smtp, { workerId: "w" })).toBe(1);

    const m = await message(id);
    expect(m).toMatchObject({ status: "sent", attemptCount: 1, lastError: "550 5.1.1 User unknown" });
    const mails = arrived(m.messageId);
    expect(mails).toHaveLength(1);
    expect([...mails[0]!.envelopeTo].sort()).toEqual([...good].sort());

    const rows = await recipientsOf(id);
    expect(rows.find((r) => r.address === bad)).toMatchObject({ status: "failed", response: "550 5.1.1 User unknown" });
    for (const g of good)
      expect(rows.find((r) => r.address === g)).toMatchObject({ status: "sent", response: m.relayResponse });
    expect(await attemptsOf(id)).toEqual([expect.objectContaining({ outcome: "partial" })]);
  });

  it("retries only the recipient that answered 4xx; the others are not sent twice", async () => {
    const good = address("good");
    const busy = address("busy");
    sink.setVerdict(busy, "tempfail");
    const id = await queue({
      to: [
        { address: good, name: null },
        { address: busy, name: null },
      ],
    });
    const t0 = new Date();
    await onlyDue(id, t0);
    expect(await deliverDue(db(), smtp, { workerId: "w", now: () => t0 })).toBe(1);
    let m = await message(id);
    expect(m).toMatchObject({ status: "queued", attemptCount: 1 });
    expect(m.nextAttemptAt.getTime()).toBe(t0.getTime() + 60_000);
    expect(
      await db()
        .select({ a: mailRecipients.address, s: mailRecipients.status })
        .from(mailRecipients)
        .where(eq(mailRecipients.mailId, id)),
    ).toEqual(
      expect.arrayContaining([
        { a: good, s: "sent" },
        { a: busy, s: "queued" },
      ]),
    );

    sink.setVerdict(busy, "accept");
    expect(await deliverDue(db(), smtp, { workerId: "w", now: () => new Date(t0.getTime() + 60_000) })).toBe(1);
    m = await message(id);
    expect(m).toMatchObject({ status: "sent", attemptCount: 2 });
    const mails = arrived(m.messageId);
    expect(mails.map((x) => x.envelopeTo)).toEqual([[good], [busy]]);
    expect(
      await db().$count(mailRecipients, and(eq(mailRecipients.mailId, id), eq(mailRecipients.status, "sent"))),
    ).toBe(2);
  });
});

describe("the development mailbox", () => {
  it("writes an .eml with the Message-ID and records the attempt", async () => {
    const id = await queue({ to: "ada@example.test" });
    await onlyDue(id);
    const dir = tmpDir();
    expect(await deliverDue(db(), mailboxTransport(dir), { workerId: "test-worker" })).toBe(1);

    const m = await message(id);
    expect(m.status).toBe("sent");
    expect(m.relayResponse).toMatch(/^250 stored in mailbox as .+\.eml$/);
    const files = fs.readdirSync(dir).filter((f) => f.endsWith(".eml"));
    expect(files).toHaveLength(1);
    const parsed = await simpleParser(fs.readFileSync(path.join(dir, files[0]!)));
    expect(parsed.messageId).toBe(m.messageId);
    expect(parsed.subject).toBe(m.subject);
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0]?.address : undefined).toBe("ada@example.test");
    expect(parsed.text).toContain("Hello Ada Lovelace");
    expect(await attemptsOf(id)).toEqual([
      expect.objectContaining({ transport: "mailbox", outcome: "sent", response: m.relayResponse }),
    ]);
  });
});
