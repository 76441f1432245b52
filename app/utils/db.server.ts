import { openDatabase, type Db, type DbHandle } from "~db/client";
import { env } from "./env.server";
import { singleton } from "./singleton.server";

/** The process's database: PostgreSQL when DATABASE_URL is set, PGlite under DATA_DIR otherwise. */
export function getDbHandle(): Promise<DbHandle> {
  return singleton("db", () => {
    const e = env();
    return openDatabase({ url: e.DATABASE_URL, dataDir: e.DATA_DIR });
  });
}

export async function getDb(): Promise<Db> {
  return (await getDbHandle()).db;
}
