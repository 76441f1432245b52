import fs from "node:fs/promises";
import path from "node:path";
import nodemailer from "nodemailer";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { Resend } from "resend";
import type { RenderedMessage } from "~db/schema";
import { classifyHttpError, classifySmtpError, type DeliveryOutcome } from "./retry";

export interface Recipient {
  address: string;
  name: string | null;
}

/** What a transport says about one attempt: per recipient, plus the reply to show (e.g. the relay's queue id). */
export interface SendResult {
  response: string;
  outcomes: { address: string; outcome: DeliveryOutcome }[];
}

export interface MailTransport {
  readonly name: string;
  send(message: RenderedMessage, recipients: Recipient[]): Promise<SendResult>;
  close(): void;
}

const formatAddress = (r: Recipient) => (r.name ? { name: r.name, address: r.address } : r.address);

/** The message as it goes on the wire, with its stable Message-ID. */
export function composeRaw(message: RenderedMessage, recipients: Recipient[]): Promise<Buffer> {
  const composer = new MailComposer({
    from: message.fromAddress,
    to: recipients.map(formatAddress),
    subject: message.subject,
    html: message.html,
    text: message.text,
    messageId: message.messageId,
    date: message.createdAt,
  });
  return composer.compile().build();
}

function allRecipients(recipients: Recipient[], outcome: DeliveryOutcome): SendResult {
  return { response: outcome.response, outcomes: recipients.map((r) => ({ address: r.address, outcome })) };
}

/** Development: each message becomes an .eml file under DATA_DIR/mailbox. */
export function mailboxTransport(dir: string): MailTransport {
  return {
    name: "mailbox",
    async send(message, recipients) {
      await fs.mkdir(dir, { recursive: true });
      const file = path.join(dir, `${message.createdAt.toISOString().replace(/[:.]/g, "-")}-${message.id}.eml`);
      await fs.writeFile(file, await composeRaw(message, recipients));
      return allRecipients(recipients, { kind: "sent", response: `250 stored in mailbox as ${path.basename(file)}` });
    },
    close() {},
  };
}

export function envelopeSender(from: string): string {
  const m = /<([^>]+)>/.exec(from);
  return m ? m[1]! : from;
}

interface SmtpError {
  responseCode?: number;
  response?: string;
  message?: string;
  code?: string;
  rejected?: string[];
  rejectedErrors?: SmtpError[];
}

/**
 * Production: the vendor's relay over SMTP, through a pooled connection.
 * Recipients the relay refuses are reported one by one (4xx transient, 5xx
 * permanent); the others are delivered.
 */
export function smtpTransport(url: string, opts: { timeoutMs?: number; maxConnections?: number } = {}): MailTransport {
  const timeout = opts.timeoutMs ?? 30_000;
  const transporter = nodemailer.createTransport({
    url,
    pool: true,
    maxConnections: opts.maxConnections ?? 4,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout * 2,
  } as never);
  const perRecipient = (rejected: string[] = [], errors: SmtpError[] = []) =>
    rejected.map((address, i) => ({ address, outcome: classifySmtpError(errors[i] ?? { message: "rejected" }) }));
  return {
    name: "smtp",
    async send(message, recipients) {
      try {
        const info = await transporter.sendMail({
          envelope: { from: envelopeSender(message.fromAddress), to: recipients.map((r) => r.address) },
          raw: await composeRaw(message, recipients),
        });
        const response = String(info.response);
        const rejected = perRecipient(info.rejected as string[], (info as { rejectedErrors?: SmtpError[] }).rejectedErrors);
        const refused = new Set(rejected.map((r) => r.address));
        return {
          response,
          outcomes: [
            ...recipients.filter((r) => !refused.has(r.address)).map((r) => ({ address: r.address, outcome: { kind: "sent", response } as const })),
            ...rejected,
          ],
        };
      } catch (raw) {
        const err = raw as SmtpError;
        if (err.rejected?.length && err.rejectedErrors?.length) {
          // every recipient refused at RCPT TO: each with its own code
          return { response: err.response ?? err.message ?? "all recipients refused", outcomes: perRecipient(err.rejected, err.rejectedErrors) };
        }
        return allRecipients(recipients, classifySmtpError(err));
      }
    },
    close() {
      transporter.close();
    },
  };
}

/**
 * The Resend API through its SDK. The dedupe key is Resend's idempotency key,
 * so a retried attempt never sends twice from Resend's side; the SDK returns
 * errors instead of throwing: 429 and 5xx are transient, other 4xx permanent.
 */
export function resendTransport(apiKey: string, opts: { baseUrl?: string } = {}): MailTransport {
  const client = new Resend(apiKey, opts.baseUrl ? { baseUrl: opts.baseUrl } : undefined);
  return {
    name: "resend",
    async send(message, recipients) {
      const { data, error } = await client.emails.send(
        {
          from: message.fromAddress,
          to: recipients.map((r) => (r.name ? `${r.name} <${r.address}>` : r.address)),
          subject: message.subject,
          html: message.html,
          text: message.text,
          headers: { "Message-ID": message.messageId },
        },
        { idempotencyKey: `${message.dedupeKey}:${recipients.map((r) => r.address).join(",")}`.slice(0, 256) },
      );
      if (error) return allRecipients(recipients, classifyHttpError(error.statusCode ?? null, `${error.name}: ${error.message}`));
      return allRecipients(recipients, { kind: "sent", response: `resend accepted id ${data?.id ?? "?"}` });
    },
    close() {},
  };
}
