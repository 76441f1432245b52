/**
 * End to end through the real MTA: a password reset requested in the portal
 * is queued in the outbox, handed by deliverDue over pooled SMTP to Sendmail
 * (Debian's sendmail-bin on loopback), which relays it to the downstream sink.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mailAttempts, mailMessages } from "~db/schema";
import { requestPasswordReset } from "~/modules/accounts/password-reset.server";
import { deliverDue } from "~/modules/mail/deliver.server";
import { smtpTransport, type MailTransport } from "~/modules/mail/transports.server";
import { appUrl } from "~/utils/env.server";
import { createPartner, createUser, setupTestDb, unique } from "../../support/factories";
import { waitUntil } from "../../support/mail-helpers";
import { startRelay, type Relay } from "../../support/sendmail";
import { startSink, type Sink } from "../../support/smtp-sink";

const db = setupTestDb();

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

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("a password reset mail through Sendmail", () => {
  it("arrives at the downstream sink with the outbox Message-ID, an HTML and a text part with the link", async () => {
    const partner = await createPartner(db());
    const user = await createUser(db(), {
      role: "partner_user",
      partnerId: partner.id,
      name: "Grace Hopper",
      email: `${unique("grace")}@example.test`,
    });
    await requestPasswordReset(db(), { email: user.email });
    const [queued] = await db().select().from(mailMessages).where(eq(mailMessages.userId, user.id));
    expect(queued).toMatchObject({ template: "password-reset", status: "queued", toAddress: user.email });

    expect(await deliverDue(db(), smtp, { workerId: "e2e" })).toBe(1);

    const [sent] = await db().select().from(mailMessages).where(eq(mailMessages.id, queued!.id));
    expect(sent).toMatchObject({ status: "sent", attemptCount: 1, lastTransport: "smtp" });
    // Sendmail's own acceptance, with its queue id.
    expect(sent!.relayResponse).toMatch(/^250 2\.0\.0 [A-Za-z0-9]+ Message accepted for delivery$/);
    const attempts = await db().select().from(mailAttempts).where(eq(mailAttempts.mailId, sent!.id));
    expect(attempts).toEqual([
      expect.objectContaining({ transport: "smtp", outcome: "sent", response: sent!.relayResponse }),
    ]);

    await sink.waitFor((mails) => mails.some((m) => m.messageId === sent!.messageId), 20_000);
    const mails = sink.received.filter((m) => m.messageId === sent!.messageId);
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.envelopeTo).toEqual([user.email]);
    expect(mail.subject).toBe("Reset your Channel Partner Portal password");
    // It went through Sendmail: the relay stamped its Received header, with the queue id it answered.
    const queueId = /^250 2\.0\.0 (\S+) /.exec(sent!.relayResponse!)![1]!;
    const received = mail.parsed.headers.get("received");
    expect(JSON.stringify(received)).toContain("relay.portal.test");
    expect(JSON.stringify(received)).toContain(queueId);

    const link = new RegExp(`${escape(appUrl())}/reset-password/[A-Za-z0-9_-]{20,}`);
    expect(mail.text).toMatch(link);
    expect(mail.text).toContain("Hello Grace Hopper");
    expect(mail.html).toBeTruthy();
    const htmlLink = link.exec(mail.html as string)?.[0];
    expect(htmlLink).toBe(link.exec(mail.text!)![0]);
    expect(mail.html).toContain("Grace Hopper");
    const types = mail.parsed.headers.get("content-type") as { value: string };
    expect(types.value).toBe("multipart/alternative");
    expect(mail.raw).toMatch(/Content-Type: text\/plain/i);
    expect(mail.raw).toMatch(/Content-Type: text\/html/i);

    // Relayed once, and Sendmail's queue is empty again.
    await waitUntil("Sendmail's queue to empty", () => relay.queued() === 0);
    expect(sink.received.filter((m) => m.messageId === sent!.messageId)).toHaveLength(1);
  });
});
