/**
 * Vitest setup file of the `integration` project. Runs in the worker before
 * each test FILE is imported: clones a fresh database from the template and
 * points DATABASE_URL at it, so app modules that read the environment at
 * import time see it. The database is dropped after the file's tests.
 */
import { afterAll, inject } from "vitest";
import { createScratchDatabase, setFileDatabase } from "./test-db";

// Provided by global-postgres.ts (which also types it); the runner sets both to the same URL.
const provided = inject("testPgUrl");
if (provided) process.env.TEST_PG_URL = provided;

const fileDb = await createScratchDatabase();
process.env.DATABASE_URL = fileDb.url;
setFileDatabase(fileDb);

afterAll(async () => {
  setFileDatabase(undefined);
  await fileDb.drop();
});
