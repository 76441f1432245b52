/** The embedded PGlite path: migrations apply to a fresh data directory. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase, schema } from "~db/client";
import { runMigrations } from "~db/migrate";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "pglite-test-"));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe("PGlite migrations", () => {
  it("creates the schema in a fresh data directory", async () => {
    await runMigrations(undefined, dataDir);

    const handle = await openDatabase({ dataDir });
    try {
      expect(handle.kind).toBe("pglite");
      const result = (await handle.db.execute(sql`select to_regclass('public.users')::text as t`)) as unknown as {
        rows: Array<{ t: string | null }>;
      };
      expect(result.rows[0]?.t).toBe("users");
      expect(await handle.db.$count(schema.users)).toBe(0);
    } finally {
      await handle.close();
    }
  });

  it("is idempotent: a second run applies nothing and does not fail", async () => {
    await expect(runMigrations(undefined, dataDir)).resolves.toBeUndefined();
  });
});
