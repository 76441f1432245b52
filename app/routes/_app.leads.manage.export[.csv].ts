import type { LoaderFunctionArgs } from "@remix-run/node";
import { exportLeadsCsv, parseBoardFilter } from "~/modules/leads/board.server";
import { requirePermission } from "~/utils/session.server";

/** GET /leads/manage/export.csv?<the board's filters>: every matching lead as a CSV download. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "leads:distribute", context.ip);
  const file = await exportLeadsCsv(ctx, parseBoardFilter(new URL(request.url).searchParams));
  return new Response(file.body, {
    status: 200,
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${file.filename}"`,
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
