import type { LoaderFunctionArgs } from "@remix-run/node";
import { exportPipelineCsv } from "~/modules/deals/pipeline.server";
import { requirePermission } from "~/utils/session.server";

/** GET /deals/pipeline.csv: the vendor's pipeline with the page's filters, every row, as a CSV download. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "deals:review", context.ip);
  const file = await exportPipelineCsv(ctx, request.url);
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
