import { sql } from "drizzle-orm";
import { getDbHandle } from "~/utils/db.server";

/** GET /healthz: 200 when the database answers, 503 otherwise. */
export async function loader() {
  try {
    const handle = await getDbHandle();
    await handle.db.execute(sql`select 1`);
    return Response.json({ status: "ok", database: { status: "ok", kind: handle.kind } });
  } catch {
    return Response.json({ status: "degraded", database: { status: "unavailable" } }, { status: 503 });
  }
}
