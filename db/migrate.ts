import path from "node:path";
import { fileURLToPath } from "node:url";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import { openDatabase, type DbHandle } from "./client";

export const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");

/** Applies every committed migration that has not run yet. */
export async function migrateHandle(handle: DbHandle): Promise<void> {
  if (handle.kind === "postgres") {
    await migratePg(handle.db as unknown as NodePgDatabase, { migrationsFolder });
  } else {
    await migratePglite(handle.db as unknown as PgliteDatabase, { migrationsFolder });
  }
}

/** Opens the database at `url` (PGlite under dataDir when undefined), migrates it and closes it. */
export async function runMigrations(url?: string, dataDir = ".data"): Promise<void> {
  const handle = await openDatabase({ url, dataDir, poolSize: 1 });
  try {
    await migrateHandle(handle);
  } finally {
    await handle.close();
  }
}
