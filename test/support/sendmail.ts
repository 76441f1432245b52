/**
 * Sendmail (the vendor's own MTA, from Debian's packages) as a loopback relay
 * for tests, following shared/notes/sendmail-relay.md: a private .mc built
 * with m4, its own queue, started in its own UTS namespace with a fully
 * qualified host name so it never waits on the missing DNS. It relays
 * everything to a downstream sink port.
 */
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { aptInstall } from "./apt";
import { freePort } from "./postgres";

const execFileAsync = promisify(execFile);
const CF_M4 = "/usr/share/sendmail/cf/m4/cf.m4";

export async function ensureSendmail(): Promise<void> {
  if (fs.existsSync("/usr/sbin/sendmail") && fs.existsSync(CF_M4) && hasM4()) return;
  await aptInstall(["sendmail-bin", "sendmail-cf", "m4"]);
}

function hasM4(): boolean {
  try {
    execFileSync("m4", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export interface Relay {
  port: number;
  url: string;
  /**
   * Stops the daemon and its SMTP sessions (an outage: pooled connections
   * opened before break too); start() brings it back on the same port and queue.
   */
  stop(): Promise<void>;
  /** Messages in Sendmail's own queue (accepted, not yet relayed to the sink). */
  queued(): number;
  start(): Promise<void>;
  /** Stops it for good and removes its files. */
  destroy(): Promise<void>;
}

function mc(opts: { port: number; sinkPort: number; queueDir: string; pidFile: string }): string {
  return `include(\`${CF_M4}')dnl
OSTYPE(\`debian')dnl
define(\`confDONT_PROBE_INTERFACES',\`True')dnl
define(\`confDOMAIN_NAME',\`relay.portal.test')dnl
define(\`confSERVICE_SWITCH_FILE',\`/etc/mail/service.switch-nodns')dnl
define(\`confBIND_OPTS',\`-DNSRCH -DEFNAMES')dnl
define(\`confHOST_STATUS_DIRECTORY',\`')dnl
define(\`confTO_QUEUEWARN',\`4h')dnl
define(\`confMIN_QUEUE_AGE',\`0')dnl
define(\`confQUEUE_LA',\`200')dnl
define(\`confREFUSE_LA',\`400')dnl
define(\`SMART_HOST',\`esmtp:[127.0.0.1]')dnl
define(\`ESMTP_MAILER_ARGS',\`TCP $h ${opts.sinkPort}')dnl
define(\`SMTP_MAILER_ARGS',\`TCP $h ${opts.sinkPort}')dnl
define(\`RELAY_MAILER_ARGS',\`TCP $h ${opts.sinkPort}')dnl
define(\`QUEUE_DIR',\`${opts.queueDir}')dnl
define(\`confPID_FILE',\`${opts.pidFile}')dnl
FEATURE(\`no_default_msa')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`promiscuous_relay')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`accept_unqualified_senders')dnl
DAEMON_OPTIONS(\`Port=${opts.port},Addr=127.0.0.1,Name=MTA')dnl
MAILER(\`smtp')dnl
`;
}

async function waitForPort(port: number, up: boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (open === up) return;
    if (Date.now() > deadline) throw new Error(`sendmail: port ${port} still ${open ? "open" : "closed"} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts Sendmail on a free loopback port, relaying to 127.0.0.1:sinkPort. */
export async function startRelay(sinkPort: number): Promise<Relay> {
  await ensureSendmail();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sendmail-relay-"));
  const queueDir = path.join(dir, "queue");
  fs.mkdirSync(queueDir, { mode: 0o700 });
  const pidFile = path.join(dir, "sendmail.pid");
  const port = await freePort();
  const cfFile = path.join(dir, "relay.cf");
  fs.writeFileSync(path.join(dir, "relay.mc"), mc({ port, sinkPort, queueDir, pidFile }));
  fs.writeFileSync(cfFile, execFileSync("m4", [path.join(dir, "relay.mc")]));

  const start = async () => {
    await execFileAsync("unshare", [
      "--uts",
      "sh",
      "-c",
      `hostname relay.portal.test; exec /usr/sbin/sendmail -C ${cfFile} -bd -q5s`,
    ]);
    await waitForPort(port, true);
  };
  const stop = async () => {
    if (!fs.existsSync(pidFile)) return;
    const pid = Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]);
    if (pid > 0) {
      try {
        // The daemon leads its own process group, with the children serving open
        // SMTP sessions (delivery children towards the sink have their own group).
        // Killing only the daemon would leave pooled connections working.
        process.kill(-pid, "SIGTERM");
      } catch {
        try {
          process.kill(pid, "SIGTERM");
        } catch {
          /* already gone */
        }
      }
    }
    fs.rmSync(pidFile, { force: true });
    await waitForPort(port, false);
  };
  await start();
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    start,
    stop,
    queued: () => fs.readdirSync(queueDir).filter((f) => f.startsWith("qf")).length,
    async destroy() {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
