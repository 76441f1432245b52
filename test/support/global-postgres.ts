/**
 * Vitest globalSetup of the projects that need PostgreSQL. Under test/run.ts
 * TEST_PG_URL is already set and this does nothing; when vitest is started
 * directly (`npm run test:integration`) it starts a throwaway cluster with a
 * migrated template for the duration of the run.
 */
import type { TestProject } from "vitest/node";
import { startCluster } from "./postgres";
import { createTemplateDatabase } from "./test-db";

declare module "vitest" {
  export interface ProvidedContext {
    /** Superuser URL of the test cluster (same as env TEST_PG_URL). */
    testPgUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  const existing = process.env.TEST_PG_URL;
  if (existing) {
    project.provide("testPgUrl", existing);
    return;
  }
  const cluster = await startCluster();
  try {
    await createTemplateDatabase(cluster.url);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  // Also visible to later projects' global setups and to the workers' environment.
  process.env.TEST_PG_URL = cluster.url;
  project.provide("testPgUrl", cluster.url);
  return async () => {
    delete process.env.TEST_PG_URL;
    await cluster.stop();
  };
}
