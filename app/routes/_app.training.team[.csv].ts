import type { LoaderFunctionArgs } from "@remix-run/node";
import { exportTeamMatrixCsv } from "~/modules/training/reports.server";
import { requirePermission } from "~/utils/session.server";

/** GET /training/team.csv: the team matrix as a CSV download (partner admins, their own people only). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "training:team", context.ip);
  const file = await exportTeamMatrixCsv(ctx);
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
