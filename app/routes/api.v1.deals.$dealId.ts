import type { LoaderFunctionArgs } from "@remix-run/node";
import { getDealForApi } from "~/modules/deals/queries.server";
import { handleApi } from "~/utils/api.server";
import { getDb } from "~/utils/db.server";
import { apiError, DomainError } from "~/utils/errors.server";

/** GET /api/v1/deals/<id>: one deal; another partner's deal is 404, as is an unknown id. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return handleApi(request, "deals:read", async ({ actor }) =>
    getDealForApi({ db: await getDb(), actor }, params.dealId ?? ""),
  );
}

export const action = () => apiError(new DomainError("method_not_allowed", "Use GET to read a deal.", 405));
