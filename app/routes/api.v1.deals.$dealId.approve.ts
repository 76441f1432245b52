import type { ActionFunctionArgs } from "@remix-run/node";
import { approveDealFromApi } from "~/modules/deals/review.server";
import { handleApi } from "~/utils/api.server";
import { getDb } from "~/utils/db.server";
import { apiError, DomainError } from "~/utils/errors.server";

/**
 * POST /api/v1/deals/<id>/approve: a vendor key (deals:write) approves a
 * registration waiting for review or an appealed rejection. 409 when another
 * registration already protects the customer domain, or when it was decided
 * meanwhile; a partner key is 403.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") {
    return apiError(new DomainError("method_not_allowed", "Use POST to approve a deal.", 405));
  }
  return handleApi(request, "deals:write", async ({ actor }) =>
    approveDealFromApi(
      { db: await getDb(), actor: { ...actor, ip: context.ip } },
      params.dealId ?? "",
      await request.text(),
    ),
  );
}

export const loader = () => apiError(new DomainError("method_not_allowed", "Use POST to approve a deal.", 405));
