/**
 * A PGlite database in a fresh data directory, migrated and seeded with the
 * demo world for the test file (as `npm start` makes it). Call at the top
 * level of a test file; use the returned getter inside tests.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { openDatabase, type DbHandle } from "~db/client";
import { migrateHandle } from "~db/migrate";
import { seedDemo } from "~db/seed";

export function setupSeededPglite(prefix: string): () => DbHandle {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  let handle: DbHandle | undefined;
  beforeAll(async () => {
    handle = await openDatabase({ dataDir });
    await migrateHandle(handle);
    expect(await seedDemo(handle.db, { NODE_ENV: "test" })).toBe(true);
  }, 60_000);
  afterAll(async () => {
    await handle?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  return () => handle!;
}
