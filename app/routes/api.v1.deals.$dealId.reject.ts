import type { ActionFunctionArgs } from "@remix-run/node";
import { rejectDealFromApi } from "~/modules/deals/review.server";
import { handleApi } from "~/utils/api.server";
import { getDb } from "~/utils/db.server";
import { apiError, DomainError } from "~/utils/errors.server";

/**
 * POST /api/v1/deals/<id>/reject {"reason": "…"}: a vendor key (deals:write)
 * rejects a registration waiting for review or an appealed rejection; the
 * reason is mailed to the partner. 400 without a reason (1..2000 characters),
 * 409 when it was decided meanwhile; a partner key is 403.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") {
    return apiError(new DomainError("method_not_allowed", "Use POST to reject a deal.", 405));
  }
  return handleApi(request, "deals:write", async ({ actor }) =>
    rejectDealFromApi(
      { db: await getDb(), actor: { ...actor, ip: context.ip } },
      params.dealId ?? "",
      await request.text(),
    ),
  );
}

export const loader = () => apiError(new DomainError("method_not_allowed", "Use POST to reject a deal.", 405));
