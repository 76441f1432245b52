import type { ActionFunctionArgs } from "@remix-run/node";
import { acceptOffer } from "~/modules/leads/offers.server";
import { getLeadForApi } from "~/modules/leads/queries.server";
import { handleApi } from "~/utils/api.server";
import { getDb } from "~/utils/db.server";
import { apiError, DomainError } from "~/utils/errors.server";

/**
 * POST /api/v1/leads/<id>/accept: a partner key (leads:write) accepts the lead
 * offered to its partner. 409 when the offer was already answered (the message
 * says how and when); 404 for another partner's lead or an offer that expired
 * or was recalled.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") {
    return apiError(new DomainError("method_not_allowed", "Use POST to accept a lead.", 405));
  }
  return handleApi(request, "leads:write", async ({ actor }) => {
    const ctx = { db: await getDb(), actor: { ...actor, ip: context.ip } };
    await acceptOffer(ctx, params.leadId ?? "", "api");
    return getLeadForApi(ctx, params.leadId ?? "");
  });
}

export const loader = () => apiError(new DomainError("method_not_allowed", "Use POST to accept a lead.", 405));
