import type { LoaderFunctionArgs } from "@remix-run/node";
import { exportRevenueCsv } from "~/modules/licensing/vendor-pages.server";
import { toHttpError } from "~/utils/errors.server";
import { requirePermission } from "~/utils/session.server";

/** GET /licenses/revenue.csv: the revenue page's paid orders (same filters), one row per order, as a CSV download. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "licenses:manage-all", context.ip);
  const file = await exportRevenueCsv(ctx, request.url).catch(toHttpError);
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
