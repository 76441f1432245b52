import type { LoaderFunctionArgs } from "@remix-run/node";
import { exportPerformanceCsv, parsePerformanceQuery } from "~/modules/leads/performance.server";
import { requirePermission } from "~/utils/session.server";

/** GET /leads/performance.csv?period=90&sort=…: every partner's lead figures as a CSV download (vendor staff). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "leads:distribute", context.ip);
  const file = await exportPerformanceCsv(ctx, parsePerformanceQuery(new URL(request.url).searchParams));
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
