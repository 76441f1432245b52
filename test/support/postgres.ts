/**
 * Throwaway PostgreSQL clusters for tests (recipe: /work/shared/notes/postgres-cluster.md).
 *
 * `initdb` refuses to run as root, so when we are root the cluster directory is
 * handed to the `postgres` user and `initdb`/`pg_ctl` run through `runuser`.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { aptInstall } from "./apt";

const execFileAsync = promisify(execFile);

export interface Cluster {
  /** Superuser URL of the `postgres` database, e.g. postgres://postgres@127.0.0.1:41234/postgres */
  url: string;
  port: number;
  /** Fast shutdown and removal of the data directory. Idempotent. */
  stop(): Promise<void>;
}

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Server binaries live in /usr/lib/postgresql/<ver>/bin on Debian and are not on the PATH by default. */
function versionedBinDirs(): string[] {
  const root = "/usr/lib/postgresql";
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a)) // newest first
    .map((v) => path.join(root, v, "bin"));
}

/** Absolute path of a PostgreSQL server program, or undefined. */
export function findPgBinary(name: "initdb" | "pg_ctl" | "postgres"): string | undefined {
  const pathDirs = (process.env.PATH ?? "").split(path.delimiter).filter(Boolean);
  for (const dir of [...pathDirs, ...versionedBinDirs()]) {
    const file = path.join(dir, name);
    if (isExecutable(file)) return file;
  }
  return undefined;
}

/** Installs the Debian `postgresql` package when no `initdb` can be found. */
export async function ensurePostgresInstalled(): Promise<void> {
  if (findPgBinary("initdb") && findPgBinary("pg_ctl")) return;
  await aptInstall(["postgresql"]);
  if (!findPgBinary("initdb") || !findPgBinary("pg_ctl")) {
    throw new Error("postgresql installed but initdb/pg_ctl still not found");
  }
}

/** A port that was free a moment ago (bind to 0 and let the kernel choose). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === "object" ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** Runs a PostgreSQL program, as the `postgres` user when we are root. */
async function runPg(program: string, args: string[], cwd: string): Promise<void> {
  const [file, argv] = isRoot ? ["runuser", ["-u", "postgres", "--", program, ...args]] : [program, args];
  try {
    // cwd: the postgres user may not be allowed into the project directory.
    await execFileAsync(file, argv, { cwd, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`${path.basename(program)} failed: ${e.message}\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
}

/**
 * Creates and starts a fresh cluster on a free 127.0.0.1 port, trust auth,
 * superuser `postgres`, fsync off. Takes about half a second.
 */
export async function startCluster(): Promise<Cluster> {
  await ensurePostgresInstalled();
  const initdb = findPgBinary("initdb")!;
  const pgCtl = findPgBinary("pg_ctl")!;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgtest-"));
  const dataDir = path.join(dir, "data");
  const logFile = path.join(dir, "log");
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    if (isRoot) {
      const uid = Number((await execFileAsync("id", ["-u", "postgres"])).stdout.trim());
      const gid = Number((await execFileAsync("id", ["-g", "postgres"])).stdout.trim());
      fs.chownSync(dir, uid, gid);
    }
    await runPg(initdb, ["-D", dataDir, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"], dir);

    // The port is chosen before the server binds it, so another process could
    // grab it in between; retry a few times with a new port in that case.
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const serverOpts = [
        `-p ${port}`,
        `-k ${dir}`, // unix socket in the temp dir, not /var/run/postgresql
        "-c listen_addresses=127.0.0.1",
        "-c fsync=off",
        "-c synchronous_commit=off",
        "-c full_page_writes=off",
        "-c max_connections=200",
      ].join(" ");
      try {
        await runPg(pgCtl, ["-D", dataDir, "-l", logFile, "-w", "-t", "60", "-o", serverOpts, "start"], dir);
        break;
      } catch (err) {
        const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "";
        if (attempt < 3 && /could not (bind|create listen)|Address already in use/i.test(log)) continue;
        throw new Error(`${(err as Error).message}\n--- server log ---\n${log}`);
      }
    }

    let stopped: Promise<void> | undefined;
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      stop() {
        stopped ??= runPg(pgCtl, ["-D", dataDir, "-m", "fast", "-w", "stop"], dir)
          .catch((err: Error) => console.warn(`[harness] pg_ctl stop: ${err.message}`))
          .finally(cleanup);
        return stopped;
      },
    };
  } catch (err) {
    // A server that started but did not answer in time would outlive its directory.
    if (fs.existsSync(path.join(dataDir, "postmaster.pid"))) {
      await runPg(pgCtl, ["-D", dataDir, "-m", "immediate", "-w", "stop"], dir).catch(() => {});
    }
    cleanup();
    throw err;
  }
}
