/**
 * Per-test databases cloned from a migrated template.
 *
 * The runner (test/run.ts) or, when vitest is started directly, the global
 * setup (global-postgres.ts) starts a cluster, migrates `portal_template` and
 * exports TEST_PG_URL (superuser URL of the `postgres` database).
 * `CREATE DATABASE … TEMPLATE portal_template` then gives each test file its
 * own migrated database in a few tens of milliseconds.
 */
import crypto from "node:crypto";
import pg from "pg";
import type { DbHandle } from "../../db/client";

export const DEFAULT_TEMPLATE_DB = "portal_template";

export function templateDbName(): string {
  return process.env.TEST_TEMPLATE_DB || DEFAULT_TEMPLATE_DB;
}

/** Superuser URL of the test cluster's `postgres` database. */
export function adminUrl(): string {
  const url = process.env.TEST_PG_URL;
  if (!url) {
    throw new Error("TEST_PG_URL is not set: run the tests through `npm test` or `npx vitest --project <name>`");
  }
  return url;
}

/** `url` with its database name replaced. */
export function databaseUrl(baseUrl: string, database: string): string {
  const u = new URL(baseUrl);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function withAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function dropDatabase(admin: string, name: string): Promise<void> {
  await withAdmin(admin, async (c) => {
    // A template database cannot be dropped; FORCE ends sessions still connected (e.g. unclosed pools).
    const { rowCount } = await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rowCount) return;
    await c.query(`ALTER DATABASE ${quoteIdent(name)} WITH IS_TEMPLATE false`);
    await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  });
}

/**
 * (Re)creates the template database and applies every migration to it. Afterwards
 * it refuses connections: CREATE DATABASE … TEMPLATE fails while anyone is connected.
 */
export async function createTemplateDatabase(admin: string, name = templateDbName()): Promise<void> {
  await dropDatabase(admin, name);
  await withAdmin(admin, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
  // Imported lazily so that a broken app module fails this step, not the import of the harness.
  const { runMigrations } = await import("../../db/migrate");
  await runMigrations(databaseUrl(admin, name));
  await withAdmin(admin, (c) => c.query(`ALTER DATABASE ${quoteIdent(name)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`));
}

export interface ScratchDatabase {
  name: string;
  url: string;
  /** Drops the database, ending any session still connected to it. Idempotent. */
  drop(): Promise<void>;
}

/** A fresh `t_<random>` database cloned from the template. Does not open a connection to it. */
export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const admin = adminUrl();
  const name = `t_${crypto.randomBytes(6).toString("hex")}`;
  await withAdmin(admin, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(templateDbName())}`));
  let dropped: Promise<void> | undefined;
  return { name, url: databaseUrl(admin, name), drop: () => (dropped ??= dropDatabase(admin, name)) };
}

export interface TestDatabase extends ScratchDatabase {
  /** drizzle handle from `openDatabase`; closed by `drop()`. */
  handle: DbHandle;
}

/** A fresh migrated database plus an open handle to it. Call `drop()` when done. */
export async function createTestDatabase(opts: { poolSize?: number } = {}): Promise<TestDatabase> {
  const scratch = await createScratchDatabase();
  const { openDatabase } = await import("../../db/client");
  const handle = await openDatabase({ url: scratch.url, poolSize: opts.poolSize ?? 5 });
  let dropped: Promise<void> | undefined;
  return {
    ...scratch,
    handle,
    drop: () => (dropped ??= handle.close().finally(() => scratch.drop())),
  };
}

const FILE_DB = Symbol.for("portal.test.fileDatabase");
type GlobalWithFileDb = typeof globalThis & { [FILE_DB]?: ScratchDatabase };

/** Set by setup-integration.ts. */
export function setFileDatabase(db: ScratchDatabase | undefined): void {
  (globalThis as GlobalWithFileDb)[FILE_DB] = db;
}

/**
 * The database the integration setup created for the current test file
 * (its URL is also in process.env.DATABASE_URL).
 */
export function fileDatabase(): ScratchDatabase {
  const db = (globalThis as GlobalWithFileDb)[FILE_DB];
  if (!db) throw new Error("no per-file database: only available in the `integration` project");
  return db;
}
