/**
 * `npm start` (and `npm run dev` with --dev): validates the environment,
 * builds the app when needed, migrates, seeds an empty database, starts the
 * background jobs and serves HTTP. Prints the URL and the demo sign-ins.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { env, appUrl } from "../app/utils/env.server";
import { getDbHandle } from "../app/utils/db.server";
import { startJobs } from "../app/modules/jobs/jobs.server";
import { migrateHandle } from "../db/migrate";
import { DEMO_PASSWORD, demoSignIns, seedDemo } from "../db/seed";
import { createApp } from "./app";
import { buildState, root } from "./build-state";

const dev = process.argv.includes("--dev");

function buildIfNeeded() {
  if (buildState() === "current") return;
  console.log("Building the portal (first start or changed sources)…");
  execFileSync(process.execPath, [path.join(root, "node_modules/@remix-run/dev/dist/cli.js"), "vite:build"], {
    cwd: root,
    stdio: "inherit",
  });
}

async function main() {
  let e;
  try {
    e = env();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  if (!dev) buildIfNeeded();
  const handle = await getDbHandle();
  await migrateHandle(handle);
  if (e.NODE_ENV !== "production" && (await seedDemo(handle.db, e))) console.log("Seeded the demo world.");
  const stopJobs = e.JOBS === "on" ? startJobs(handle.db) : async () => {};
  const { app, close } = await createApp({ mode: dev ? "development" : "production" });
  const server = app.listen(e.PORT, e.HOST, () => {
    const where = handle.kind === "pglite" ? `PGlite under ${path.resolve(e.DATA_DIR)}` : "PostgreSQL";
    const mail = e.MAIL_RELAY_URL ? "the relay at MAIL_RELAY_URL" : `the dev mailbox (${path.resolve(e.DATA_DIR, "mailbox")})`;
    console.log(`\nChannel Portal is running at ${appUrl()}  (database: ${where}; mail: ${mail})`);
    if (e.NODE_ENV !== "production") {
      console.log(`Demo sign-ins (password "${DEMO_PASSWORD}"):`);
      for (const s of demoSignIns) console.log(`  ${s.email.padEnd(32)} ${s.role}`);
    }
  });
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return; // a second signal (e.g. to the whole process group)
    stopping = true;
    server.close();
    await stopJobs();
    await close();
    await handle.close();
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
