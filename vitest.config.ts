/**
 * Test projects (run one with `npx vitest run --project <name>`; `npm test`
 * runs them all through test/run.ts, which also provisions PostgreSQL):
 *
 * - unit:        pure logic, no database.
 * - integration: one fresh PostgreSQL database per test FILE (DATABASE_URL),
 *                cloned from the migrated template; see test/support/test-db.ts.
 * - pglite:      the embedded PGlite path.
 * - e2e:         browser tests (test/support/chromium.ts), one fork, long timeouts.
 *
 * Every project fails a test that calls console.error (test/support/setup-console.ts).
 */
import tsconfigPaths from "vite-tsconfig-paths";
import { defineConfig } from "vitest/config";

const consoleSetup = "./test/support/setup-console.ts";
const postgresGlobalSetup = "./test/support/global-postgres.ts";

export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    environment: "node",
    // One signing secret for the test process and the app servers it starts (they inherit the environment).
    env: { LINK_SIGNING_SECRET: "test-only-link-signing-secret-0123456789abcdef" },
    // Worker counts are global in vitest 3 (not per project); test/run.ts passes
    // --maxWorkers=2 for the integration project, as does `npm run test:integration`.
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.{ts,tsx}"],
          setupFiles: [consoleSetup],
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          setupFiles: [consoleSetup, "./test/support/setup-integration.ts"],
          globalSetup: [postgresGlobalSetup],
          pool: "forks",
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: "pglite",
          include: ["test/pglite/**/*.test.ts"],
          setupFiles: [consoleSetup],
          pool: "forks",
          // PGlite boots a WASM Postgres per instance: slow but bounded.
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          setupFiles: [consoleSetup],
          globalSetup: [postgresGlobalSetup],
          pool: "forks",
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
