import type { LoaderFunctionArgs } from "@remix-run/node";
import { leadImportIssuesCsv } from "~/modules/leads/import.server";
import { CSV_BOM } from "~/utils/csv";
import { toHttpError } from "~/utils/errors.server";
import { requirePermission } from "~/utils/session.server";

/** GET /leads/import/<id>/issues.csv: the import's skipped and failed rows with their original columns and the reason. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "leads:distribute", context.ip);
  const file = await leadImportIssuesCsv(ctx, params.importId ?? "").catch(toHttpError);
  const filename = file.filename.replace(/[^\w.-]+/g, "_");
  return new Response(CSV_BOM + file.csv, {
    status: 200,
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
