/** `npm run worker`: only the background jobs, for deployments that scale web and workers apart. */
import { getDbHandle } from "../app/utils/db.server";
import { env } from "../app/utils/env.server";
import { startJobs } from "../app/modules/jobs/jobs.server";
import { migrateHandle } from "../db/migrate";

async function main() {
  env();
  const handle = await getDbHandle();
  await migrateHandle(handle);
  const stop = startJobs(handle.db);
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return; // a second signal (e.g. to the whole process group)
    stopping = true;
    await stop();
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
