import fs from "node:fs/promises";
import path from "node:path";
import nodemailer from "nodemailer";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import type { MailMessage } from "~db/schema";
import { classifySmtpError, type DeliveryOutcome } from "./retry";

export interface MailTransport {
  readonly name: string;
  send(message: MailMessage): Promise<DeliveryOutcome>;
  close(): void;
}

/** The message as it goes on the wire, with its stable Message-ID. */
export function composeRaw(message: MailMessage): Promise<Buffer> {
  const composer = new MailComposer({
    from: message.fromAddress,
    to: message.toName ? { name: message.toName, address: message.toAddress } : message.toAddress,
    subject: message.subject,
    html: message.html,
    text: message.text,
    messageId: message.messageId,
    date: message.createdAt,
  });
  return composer.compile().build();
}

/** Development: each message becomes an .eml file under DATA_DIR/mailbox. */
export function mailboxTransport(dir: string): MailTransport {
  return {
    name: "mailbox",
    async send(message) {
      await fs.mkdir(dir, { recursive: true });
      const file = path.join(dir, `${message.createdAt.toISOString().replace(/[:.]/g, "-")}-${message.id}.eml`);
      await fs.writeFile(file, await composeRaw(message));
      return { kind: "sent", response: `250 stored in mailbox as ${path.basename(file)}` };
    },
    close() {},
  };
}

/** Production: the vendor's relay over SMTP, through a connection pool. */
export function smtpTransport(url: string): MailTransport {
  const transporter = nodemailer.createTransport({ url, pool: true, maxConnections: 4 } as never);
  return {
    name: "smtp",
    async send(message) {
      try {
        const info = await transporter.sendMail({
          envelope: { from: addressOf(message.fromAddress), to: [message.toAddress] },
          raw: await composeRaw(message),
        });
        if (info.rejected.length > 0) return { kind: "permanent", response: String(info.response) };
        return { kind: "sent", response: String(info.response) };
      } catch (err) {
        return classifySmtpError(err as { responseCode?: number; response?: string; message?: string });
      }
    },
    close() {
      transporter.close();
    },
  };
}

function addressOf(from: string): string {
  const m = /<([^>]+)>/.exec(from);
  return m ? m[1]! : from;
}
