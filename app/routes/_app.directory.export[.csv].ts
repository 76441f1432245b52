import type { LoaderFunctionArgs } from "@remix-run/node";
import { exportDirectoryCsv, parseDirectoryQuery } from "~/modules/partners/directory.server";
import { requirePermission } from "~/utils/session.server";

/** GET /directory/export.csv?<the directory's filters>: the whole filtered, sorted set as a CSV download. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "partners:read-all", context.ip);
  const file = await exportDirectoryCsv(ctx, parseDirectoryQuery(new URL(request.url).searchParams));
  const headers: Record<string, string> = {
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Disposition": `attachment; filename="${file.filename}"`,
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
  };
  if (file.truncated) headers["X-Export-Truncated"] = String(file.rowCount);
  return new Response(file.body, { status: 200, headers });
}
