import type { ActionFunctionArgs } from "@remix-run/node";
import { claimCheckFromApi } from "~/modules/deals/conflicts.server";
import { handleApi } from "~/utils/api.server";
import { getDb } from "~/utils/db.server";
import { apiError, DomainError } from "~/utils/errors.server";

/**
 * POST /api/v1/deals/claim-check {customerName, customerDomain, country?}:
 * {"status": "clear" | "needs_review" | "already_protected" | "you_registered"},
 * and nothing else. A key with deals:read or deals:write may ask.
 */
export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") {
    return apiError(new DomainError("method_not_allowed", "Use POST to check a customer.", 405));
  }
  return handleApi(request, null, async ({ actor, scopes }) =>
    claimCheckFromApi({ db: await getDb(), actor }, scopes, await request.text()),
  );
}

export const loader = () => apiError(new DomainError("method_not_allowed", "Use POST to check a customer.", 405));
