/**
 * The Resend transport through the real `resend` SDK against the local stub
 * of Resend's API, and failover: a message that keeps failing on the relay
 * (Sendmail, stopped) goes out through Resend once it has been failing
 * longer than the threshold, with the same Message-ID.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { mailAttempts, mailMessages, type RenderedMessage } from "~db/schema";
import { deliverDue, type Transports } from "~/modules/mail/deliver.server";
import { enqueueMail } from "~/modules/mail/enqueue.server";
import { resendTransport, smtpTransport, type MailTransport } from "~/modules/mail/transports.server";
import { freePort } from "../../support/postgres";
import { setupTestDb, unique } from "../../support/factories";
import { startResendStub, type ResendStub } from "../../support/resend-stub";
import { startRelay, type Relay } from "../../support/sendmail";
import { startSink, type Sink } from "../../support/smtp-sink";

const db = setupTestDb();
const MIN = 60_000;

let sink: Sink;
let relay: Relay;
let stub: ResendStub;
let smtp: MailTransport;
let resend: MailTransport;
beforeAll(async () => {
  sink = await startSink();
  relay = await startRelay(sink.port);
  stub = await startResendStub();
  smtp = smtpTransport(relay.url, { timeoutMs: 5_000 });
  resend = resendTransport(stub.apiKey, { baseUrl: stub.url });
});
afterAll(async () => {
  smtp?.close();
  await relay?.destroy();
  await sink?.stop();
  await stub?.stop();
});
beforeEach(() => {
  stub.failAlways(null);
});

async function queue(to = `${unique("rcpt")}@example.test`): Promise<RenderedMessage> {
  const id = await enqueueMail(db(), {
    to,
    toName: "Ada Lovelace",
    template: "password-changed",
    data: { name: "Ada Lovelace", portalUrl: "https://portal.vendor.test" },
    dedupeKey: unique("failover"),
  });
  // Only this message is due.
  await db()
    .update(mailMessages)
    .set({ nextAttemptAt: new Date("2100-01-01T00:00:00Z") });
  await db()
    .update(mailMessages)
    .set({ nextAttemptAt: new Date(Date.now() - 1000) })
    .where(eq(mailMessages.id, id!));
  // enqueueMail renders at once (enqueueMails leaves it to delivery).
  return (await db().select().from(mailMessages).where(eq(mailMessages.id, id!)))[0]! as RenderedMessage;
}

const reload = async (id: string) => (await db().select().from(mailMessages).where(eq(mailMessages.id, id)))[0]!;
const attemptsOf = (id: string) =>
  db().select().from(mailAttempts).where(eq(mailAttempts.mailId, id)).orderBy(mailAttempts.at);

describe("failover from the relay to Resend", () => {
  it("sends through Resend, with the same Message-ID, once the relay has failed for longer than the threshold", async () => {
    await relay.stop();
    try {
      const transports: Transports = { primary: smtp, fallback: resend };
      const m = await queue("grace@example.test");
      const t0 = new Date();
      const round = (at: number) =>
        deliverDue(db(), transports, {
          workerId: "w",
          failoverAfterMs: 15 * MIN,
          now: () => new Date(t0.getTime() + at),
        });

      // Retries on the relay at 0, 1, 3 and 7 minutes (connection refused each time) ...
      for (const at of [0, 1, 3, 7]) {
        expect(await round(at * MIN)).toBe(1);
        expect(await reload(m.id)).toMatchObject({ status: "queued", lastTransport: "smtp" });
      }
      expect(stub.emails).toHaveLength(0);
      expect((await reload(m.id)).nextAttemptAt.getTime()).toBe(t0.getTime() + 15 * MIN);
      // ... and at 15 minutes, failing for 15 minutes: through Resend.
      expect(await round(15 * MIN)).toBe(1);

      const sent = await reload(m.id);
      expect(sent).toMatchObject({ status: "sent", lastTransport: "resend", attemptCount: 5 });
      expect(stub.emails).toHaveLength(1);
      const email = stub.emails[0]!;
      expect(sent.relayResponse).toBe(`resend accepted id ${email.id}`);
      expect(email.headers["Message-ID"]).toBe(m.messageId);
      expect(email.to).toEqual(["Ada Lovelace <grace@example.test>"]);
      expect(email).toMatchObject({ from: m.fromAddress, subject: m.subject, html: m.html, text: m.text });
      expect(email.idempotencyKey).toContain(m.dedupeKey);

      const attempts = await attemptsOf(m.id);
      expect(attempts.map((a) => [a.transport, a.outcome, (a.at.getTime() - t0.getTime()) / MIN])).toEqual([
        ["smtp", "transient", 0],
        ["smtp", "transient", 1],
        ["smtp", "transient", 3],
        ["smtp", "transient", 7],
        ["resend", "sent", 15],
      ]);
      expect(attempts[0]!.response).toMatch(/ECONNREFUSED/);
      // Nothing went through the relay.
      expect(sink.received.filter((r) => r.messageId === m.messageId)).toHaveLength(0);
    } finally {
      await relay.start();
    }
  });

  it("stays on the relay when it recovers before the threshold", async () => {
    const transports: Transports = { primary: smtp, fallback: resend };
    const m = await queue();
    const t0 = new Date();
    await relay.stop();
    try {
      expect(await deliverDue(db(), transports, { workerId: "w", now: () => t0 })).toBe(1);
    } finally {
      await relay.start();
    }
    expect(await deliverDue(db(), transports, { workerId: "w", now: () => new Date(t0.getTime() + MIN) })).toBe(1);
    expect(await reload(m.id)).toMatchObject({ status: "sent", lastTransport: "smtp" });
    await sink.waitFor((mails) => mails.some((r) => r.messageId === m.messageId));
    expect(stub.emails.filter((e) => e.headers["Message-ID"] === m.messageId)).toHaveLength(0);
  });
});

describe("the Resend transport (real SDK, stub API)", () => {
  it("retries 429 and 500 answers, and sends once the API accepts", async () => {
    const m = await queue();
    const t0 = new Date();
    stub.failNext(429);
    stub.failNext(500);
    expect(await deliverDue(db(), resend, { workerId: "w", now: () => t0 })).toBe(1);
    expect(await reload(m.id)).toMatchObject({ status: "queued", attemptCount: 1 });
    expect((await reload(m.id)).lastError).toMatch(/^429 rate_limit_exceeded: Too many requests/);
    expect(await deliverDue(db(), resend, { workerId: "w", now: () => new Date(t0.getTime() + MIN) })).toBe(1);
    expect((await reload(m.id)).lastError).toMatch(/^500 internal_server_error/);
    expect(await deliverDue(db(), resend, { workerId: "w", now: () => new Date(t0.getTime() + 3 * MIN) })).toBe(1);
    expect(await reload(m.id)).toMatchObject({ status: "sent", attemptCount: 3, lastTransport: "resend" });
    expect((await attemptsOf(m.id)).map((a) => a.outcome)).toEqual(["transient", "transient", "sent"]);
    expect(stub.emails.filter((e) => e.headers["Message-ID"] === m.messageId)).toHaveLength(1);
  });

  it("fails a 422 answer at once", async () => {
    const m = await queue();
    stub.failNext(422);
    expect(await deliverDue(db(), resend, { workerId: "w" })).toBe(1);
    const failed = await reload(m.id);
    expect(failed).toMatchObject({ status: "failed", attemptCount: 1 });
    expect(failed.lastError).toMatch(/^422 validation_error: /);
    expect(await deliverDue(db(), resend, { workerId: "w", now: () => new Date(Date.now() + 86_400_000) })).toBe(0);
  });

  it("treats an unreachable API as transient", async () => {
    const down = resendTransport(stub.apiKey, { baseUrl: `http://127.0.0.1:${await freePort()}` });
    const m = await queue();
    expect(await deliverDue(db(), down, { workerId: "w" })).toBe(1);
    const after = await reload(m.id);
    expect(after).toMatchObject({ status: "queued", attemptCount: 1 });
    expect(after.lastError).toMatch(/^no answer /);
  });

  it("sends a message once even when the same attempt is made twice (idempotency key)", async () => {
    // As after a crash between Resend's answer and the database update.
    const m = await queue();
    const rcpt = [{ address: m.toAddress, name: m.toName }];
    const first = await resend.send(m, rcpt);
    const second = await resend.send(m, rcpt);
    expect(first.outcomes[0]!.outcome.kind).toBe("sent");
    expect(second.response).toBe(first.response);
    expect(stub.emails.filter((e) => e.headers["Message-ID"] === m.messageId)).toHaveLength(1);
    const posts = stub.requests.filter((r) => r.idempotencyKey?.startsWith(m.dedupeKey));
    expect(posts.map((r) => r.status)).toEqual([200, 200]);
  });

  it("keeps a message when our API key is refused: a configuration error is transient", async () => {
    const wrong = resendTransport("re_wrong_key", { baseUrl: stub.url });
    const m = await queue();
    const result = await wrong.send(m, [{ address: m.toAddress, name: null }]);
    expect(result.outcomes[0]!.outcome).toEqual({
      kind: "transient",
      response: "403 invalid_api_key: API key is invalid",
    });
  });
});
