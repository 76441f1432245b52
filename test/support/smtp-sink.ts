/**
 * A downstream SMTP sink on loopback: the place where mail relayed by the
 * real MTA arrives in tests. It parses every message and can be told to answer
 * 4xx or 5xx for chosen recipients (or for everyone), as a remote MTA would.
 */
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";
import { freePort } from "./postgres";

export interface ReceivedMail {
  envelopeTo: string[];
  messageId: string | undefined;
  subject: string | undefined;
  html: string | false;
  text: string | undefined;
  raw: string;
  parsed: ParsedMail;
}

export type Verdict = "accept" | "tempfail" | "reject";

export interface Sink {
  port: number;
  received: ReceivedMail[];
  /** Per-recipient answers; recipients not listed get the default. */
  setVerdict(recipient: string | "*", verdict: Verdict): void;
  waitFor(predicate: (mails: ReceivedMail[]) => boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  const port = await freePort();
  const received: ReceivedMail[] = [];
  const verdicts = new Map<string, Verdict>();
  const verdictOf = (rcpt: string) => verdicts.get(rcpt.toLowerCase()) ?? verdicts.get("*") ?? "accept";

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    size: 10 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      const verdict = verdictOf(address.address);
      if (verdict === "reject") {
        const err = Object.assign(new Error("5.1.1 User unknown"), { responseCode: 550 });
        return callback(err);
      }
      if (verdict === "tempfail") {
        const err = Object.assign(new Error("4.2.0 Mailbox busy, try again later"), { responseCode: 451 });
        return callback(err);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        simpleParser(raw)
          .then((parsed) => {
            received.push({
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              messageId: parsed.messageId,
              subject: parsed.subject,
              html: parsed.html || false,
              text: parsed.text,
              raw,
              parsed,
            });
            callback();
          })
          .catch(callback);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    port,
    received,
    setVerdict(recipient, verdict) {
      verdicts.set(recipient.toLowerCase(), verdict);
    },
    async waitFor(predicate, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > deadline) throw new Error(`sink: condition not met within ${timeoutMs} ms (${received.length} received)`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
