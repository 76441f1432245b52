import type { LoaderFunctionArgs } from "@remix-run/node";
import { licensesCsv, listLicenses } from "~/modules/licensing/queries.server";
import { licenseQueryOf } from "~/modules/licensing/pages.server";
import { CSV_BOM } from "~/utils/csv";
import { isVendorRole } from "~/utils/permissions";
import { requirePermission } from "~/utils/session.server";

/** GET /licenses/export.csv: the license list with the page's search and status, every row, as a CSV download. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(
    request,
    (role) => (isVendorRole(role) ? "licenses:manage-all" : "licenses:order"),
    context.ip,
  );
  const { rows } = await listLicenses(ctx.db, { actor: ctx.actor, query: licenseQueryOf(request.url), all: true });
  const body = CSV_BOM + licensesCsv(rows, { withPartner: !ctx.actor.partnerId });
  const filename = `licenses-${new Date().toISOString().slice(0, 10)}.csv`;
  return new Response(body, {
    status: 200,
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
