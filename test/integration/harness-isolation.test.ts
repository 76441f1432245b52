/**
 * Proves the integration harness: each test file gets its own freshly
 * migrated database (see test/support/setup-integration.ts).
 * Second file with the same checks as harness.test.ts, to prove isolation.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, schema, type DbHandle } from "~db/client";
import { fileDatabase } from "../support/test-db";

let handle: DbHandle;

beforeAll(async () => {
  handle = await openDatabase({ url: process.env.DATABASE_URL, poolSize: 2 });
});
afterAll(async () => {
  await handle.close();
});

async function scalar<T>(query: ReturnType<typeof sql>): Promise<T> {
  const result = (await handle.db.execute(query)) as unknown as { rows: Array<Record<string, T>> };
  const row = result.rows[0];
  if (!row) throw new Error("query returned no rows");
  return Object.values(row)[0] as T;
}

describe("integration harness (second file)", () => {
  it("points DATABASE_URL at a per-file t_* database on PostgreSQL", async () => {
    expect(handle.kind).toBe("postgres");
    const name = await scalar<string>(sql`select current_database()`);
    expect(name).toMatch(/^t_[0-9a-f]+$/);
    expect(name).toBe(fileDatabase().name);
  });

  it("clones the migrated template: users exists and is empty", async () => {
    expect(await scalar<string | null>(sql`select to_regclass('public.users')::text`)).toBe("users");
    expect(await handle.db.$count(schema.users)).toBe(0);
  });

  it("does not share the database with other test files", async () => {
    // Fails with "already exists" if another file's database were this one.
    await handle.db.execute(sql`create table harness_marker (id int)`);
    expect(await scalar<string | null>(sql`select to_regclass('public.harness_marker')::text`)).toBe("harness_marker");
  });
});
