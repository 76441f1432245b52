/**
 * The real portal as a child process, for HTTP-level and browser tests.
 *
 *   const server = await startAppServer();   // in beforeAll (allow ~60 s)
 *   await fetch(`${server.url}/healthz`);
 *   await server.stop();                     // in afterAll
 *
 * Each server gets its own database (a scratch clone of the migrated template,
 * see test-db.ts) and its own temporary DATA_DIR, and runs exactly what
 * `npm start` runs (`tsx server/main.ts`): migrate, seed the demo world
 * (NODE_ENV is not production), start the mail jobs (MAIL_POLL_MS=200, no
 * MAIL_RELAY_URL, so mail goes to the dev mailbox under DATA_DIR/mailbox) and
 * serve on 127.0.0.1:<free port>, with APP_URL set to that address. Inherited
 * MAIL_* and RESEND_* variables are dropped; pass `env` to set any of them.
 * Inherited STRIPE_* variables are dropped too (Stripe not configured, as in
 * the embedded default); pass `stripe: stub.env()` (test/support/stripe-stub.ts)
 * for STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and STRIPE_API_BASE.
 *
 * It serves the built app in build/: test/run.ts builds before the suites.
 * server/main.ts would rebuild when sources are newer than the build, which
 * with several servers starting at once would mean concurrent builds into the
 * same folder; so a stale build is refused here with a message instead.
 *
 * Needs TEST_PG_URL (the integration and e2e projects' global setup provides it).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";
import { freePort } from "./postgres";
import { createScratchDatabase, type ScratchDatabase } from "./test-db";
import { buildState } from "../../server/build-state";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
const OUTPUT_LIMIT = 256 * 1024;

export interface AppServer {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:41234 */
  url: string;
  /** The server's DATA_DIR (the dev mailbox is `${dataDir}/mailbox`). */
  dataDir: string;
  /** Superuser URL of the server's own database, for assertions with pg. */
  databaseUrl: string;
  /** Everything the server printed so far (stdout and stderr interleaved, capped). */
  output(): string;
  /** What the server printed on stderr so far: console.error and warnings. */
  errorOutput(): string;
  /** Stops the process (SIGTERM, then SIGKILL), drops its database and removes DATA_DIR. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Extra or overriding environment variables for the server process. */
  env?: Record<string, string>;
  /** Stripe for the server: STRIPE_SECRET_KEY (sk_test_…), STRIPE_WEBHOOK_SECRET (whsec_…), STRIPE_API_BASE (the stub's URL). */
  stripe?: Partial<Record<"STRIPE_SECRET_KEY" | "STRIPE_WEBHOOK_SECRET" | "STRIPE_API_BASE", string>>;
}

/** server/main.ts would rebuild a stale build; several test servers at once must not, so refuse instead. */
function assertBuildCurrent(): void {
  const state = buildState();
  if (state === "missing") {
    throw new Error(
      "build/server/index.js is missing: run `npm run build` (or the tests through test/run.ts without SKIP_BUILD)",
    );
  }
  if (state === "stale") {
    throw new Error(
      "build/ is older than app/, db/ or vite.config.ts: run `npm run build` (or test/run.ts without SKIP_BUILD) first",
    );
  }
}

/** Under vitest the cluster URL comes from the global setup; outside it from the environment. */
function ensurePgUrl(): void {
  if (process.env.TEST_PG_URL) return;
  try {
    const provided = inject("testPgUrl");
    if (provided) process.env.TEST_PG_URL = provided;
  } catch {
    /* not inside a vitest worker */
  }
}

/** A capped text buffer of a child's output. */
class OutputLog {
  private text = "";
  append(chunk: Buffer | string): void {
    this.text += chunk.toString();
    if (this.text.length > OUTPUT_LIMIT) this.text = this.text.slice(-OUTPUT_LIMIT);
  }
  toString(): string {
    return this.text;
  }
}

/** Kills the child's whole process group (tsx runs the app in a grandchild). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    // The group outlives tsx itself when its child is slow to exit, so try it even after tsx is gone.
    process.kill(-child.pid, signal);
  } catch {
    /* ESRCH: the whole group is gone */
  }
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Children still running when the test process exits are killed with it.
 * The set lives on globalThis: vitest imports this module afresh for each
 * test file in the same process, and one exit hook per process is enough.
 */
const RUNNING = Symbol.for("portal.test.runningChildren");
function trackChild(child: ChildProcess): void {
  const holder = globalThis as typeof globalThis & { [RUNNING]?: Set<ChildProcess> };
  let running = holder[RUNNING];
  if (!running) {
    const children = (running = holder[RUNNING] = new Set<ChildProcess>());
    process.once("exit", () => {
      for (const c of children) killGroup(c, "SIGKILL");
    });
  }
  running.add(child);
  child.once("exit", () => running.delete(child));
}

interface Launched {
  child: ChildProcess;
  all: OutputLog;
  stderr: OutputLog;
  url: string;
}

async function launchOnce(env: NodeJS.ProcessEnv, port: number): Promise<Launched> {
  const url = `http://127.0.0.1:${port}`;
  const all = new OutputLog();
  const stderr = new OutputLog();
  // node with tsx's loader, as `npm start` runs it: one process, so a signal
  // reaches the server itself (the tsx command relays signals to a child and
  // force-kills it when the child is slow to confirm, as on a loaded machine).
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    cwd: ROOT,
    env: { ...env, PORT: String(port), APP_URL: url },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // own process group, so that stop() reaches anything it started
  });
  trackChild(child);
  child.stdout!.on("data", (d: Buffer) => all.append(d));
  child.stderr!.on("data", (d: Buffer) => {
    all.append(d);
    stderr.append(d);
  });

  const exited = new Promise<string>((resolve) => {
    child.once("error", (err) => resolve(`could not start: ${err.message}`));
    child.once("exit", (code, signal) => resolve(`exited early (code ${code}, signal ${signal})`));
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastProblem = "no answer yet";
  let early: string | undefined;
  void exited.then((why) => (early = why));
  while (Date.now() < deadline && !early) {
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return { child, all, stderr, url };
      lastProblem = `GET /healthz answered ${res.status}: ${(await res.text()).slice(0, 500)}`;
    } catch (err) {
      lastProblem = `GET /healthz failed: ${(err as Error).message}`;
    }
    await Promise.race([new Promise((r) => setTimeout(r, 150)), exited]);
  }
  killGroup(child, "SIGKILL");
  await waitForExit(child, STOP_GRACE_MS);
  const why = early ?? `not ready after ${READY_TIMEOUT_MS / 1000} s (${lastProblem})`;
  const error = new Error(`the app server on ${url} ${why}\n--- server output ---\n${all.toString() || "(none)"}`);
  (error as Error & { addressInUse?: boolean }).addressInUse = /EADDRINUSE/.test(all.toString());
  throw error;
}

/** Starts the portal against a fresh database; see the header comment. */
export async function startAppServer(opts: StartOptions = {}): Promise<AppServer> {
  assertBuildCurrent();
  ensurePgUrl();
  const db: ScratchDatabase = await createScratchDatabase();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "portal-app-"));
  const cleanup = async () => {
    await db.drop().catch((err: Error) => console.warn(`[app-server] dropping ${db.name}: ${err.message}`));
    fs.rmSync(dataDir, { recursive: true, force: true });
  };

  // The parent's environment minus anything that would point the server elsewhere.
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(base)) {
    if (/^(MAIL_|RESEND_)/.test(k)) delete base[k]; // mail goes to the dev mailbox unless opts.env says otherwise
    if (/^STRIPE_/.test(k)) delete base[k]; // a developer's own Stripe keys never reach a test server
  }
  for (const k of [
    "DATABASE_URL",
    "APP_URL",
    "PORT",
    "HOST",
    "DATA_DIR",
    "JOBS",
    "TRUST_PROXY",
    "VITEST_POOL_ID",
    "VITEST_WORKER_ID",
  ]) {
    delete base[k];
  }
  const env: NodeJS.ProcessEnv = {
    ...base,
    NODE_ENV: "test",
    DATABASE_URL: db.url,
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    MAIL_POLL_MS: "200",
    ...opts.stripe,
    ...opts.env,
  };

  let launched: Launched | undefined;
  try {
    for (let attempt = 1; !launched; attempt++) {
      try {
        launched = await launchOnce(env, await freePort());
      } catch (err) {
        // The port was free when chosen but someone took it before the server bound it.
        if (attempt < 3 && (err as { addressInUse?: boolean }).addressInUse) continue;
        throw err;
      }
    }
  } catch (err) {
    await cleanup();
    throw err;
  }

  const { child, all, stderr, url } = launched;
  let stopped: Promise<void> | undefined;
  return {
    url,
    dataDir,
    databaseUrl: db.url,
    output: () => all.toString(),
    errorOutput: () => stderr.toString(),
    stop() {
      stopped ??= (async () => {
        killGroup(child, "SIGTERM");
        if (!(await waitForExit(child, STOP_GRACE_MS))) {
          killGroup(child, "SIGKILL");
          await waitForExit(child, STOP_GRACE_MS);
        }
        killGroup(child, "SIGKILL"); // anything of the group that ignored SIGTERM
        await cleanup();
      })();
      return stopped;
    },
  };
}
