import { hostname } from "node:os";
import path from "node:path";
import type { Db } from "~db/client";
import { deliverDue } from "~/modules/mail/deliver.server";
import { mailboxTransport, smtpTransport, type MailTransport } from "~/modules/mail/transports.server";
import { pruneFailures } from "~/modules/auth/rate-limit.server";
import { pruneSessions } from "~/modules/auth/sessions.server";
import { env } from "~/utils/env.server";

export function mailTransportFromEnv(): MailTransport {
  const e = env();
  return e.MAIL_RELAY_URL ? smtpTransport(e.MAIL_RELAY_URL) : mailboxTransport(path.resolve(e.DATA_DIR, "mailbox"));
}

/**
 * The background jobs of one process: mail delivery and housekeeping. Any
 * number of processes may run them against one PostgreSQL (work is claimed
 * with SKIP LOCKED and leases). Returns a function that stops them.
 */
export function startJobs(db: Db, opts: { pollMs?: number; log?: (msg: string) => void } = {}) {
  const log = opts.log ?? ((m: string) => console.log(m));
  const transport = mailTransportFromEnv();
  const workerId = `${hostname()}:${process.pid}`;
  const pollMs = opts.pollMs ?? env().MAIL_POLL_MS;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let lastPrune = 0;

  const tick = async () => {
    try {
      while (!stopped && (await deliverDue(db, transport, { workerId })) > 0) {
        /* keep draining while there is work */
      }
      if (Date.now() - lastPrune > 10 * 60_000) {
        lastPrune = Date.now();
        await pruneSessions(db, new Date());
        await pruneFailures(db, new Date());
      }
    } catch (err) {
      log(`[jobs] ${(err as Error).message}`);
    }
    if (!stopped) timer = setTimeout(tick, pollMs);
  };
  timer = setTimeout(tick, 10);
  log(`[jobs] running (mail via ${transport.name})`);
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    transport.close();
  };
}
