/**
 * What the benchmarks share: a throwaway PostgreSQL cluster with one migrated
 * database, the app's handle on it and a raw client for generating data in
 * SQL; the machine's description; command-line options, medians and number formats.
 */
import os from "node:os";
import pg from "pg";
import { openDatabase, type Db, type DbHandle } from "../../db/client";
import { runMigrations } from "../../db/migrate";
import { ensurePostgresInstalled, startCluster } from "../support/postgres";
import { databaseUrl } from "../support/test-db";

export interface BenchDatabase {
  db: Db;
  handle: DbHandle;
  /** A plain client on the same database, for generating data in SQL. */
  raw: pg.Client;
  url: string;
  /** Stops everything (safe to call once, in a finally). */
  close(): Promise<void>;
}

/** Prints the machine and the server, then a migrated database `name` on a fresh cluster (fsync off). */
export async function benchDatabase(name: string, opts: { poolSize: number }): Promise<BenchDatabase> {
  console.log(`node ${process.version}, ${os.cpus().length} CPU(s) ${os.cpus()[0]?.model ?? ""}`);
  await ensurePostgresInstalled();
  const cluster = await startCluster();
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  const version = (await admin.query<{ server_version: string }>("show server_version")).rows[0]!.server_version;
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = databaseUrl(cluster.url, name);
  console.log(`PostgreSQL ${version} (throwaway cluster, fsync off)`);
  await runMigrations(url);
  const handle = await openDatabase({ url, poolSize: opts.poolSize });
  const raw = new pg.Client({ connectionString: url });
  await raw.connect();
  return {
    db: handle.db,
    handle,
    raw,
    url,
    close: async () => {
      await raw.end().catch(() => {});
      await handle.close();
      await cluster.stop();
    },
  };
}

/** A positive whole-number option from the command line, `--name=1_000` or `--name 1000`; `fallback` when absent. */
export function arg(name: string, fallback: number): number {
  const i = process.argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const raw = process.argv[i]!.includes("=") ? process.argv[i]!.split("=")[1] : process.argv[i + 1];
  const value = Number(String(raw).replace(/_/g, ""));
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return Math.floor(value);
}

/** The middle value (the mean of the two middle ones for an even count). */
export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
export const f0 = (x: number) => Math.round(x).toLocaleString("en");

/** Runs a benchmark's main and exits with its outcome (the pools and clusters it started are closed by then). */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
