import type { ActionFunctionArgs } from "@remix-run/node";
import { declineOffer } from "~/modules/leads/offers.server";
import { leadRef } from "~/modules/leads/status";
import { handleApi } from "~/utils/api.server";
import { getDb } from "~/utils/db.server";
import { apiError, DomainError, ValidationError } from "~/utils/errors.server";

/**
 * POST /api/v1/leads/<id>/decline {reason, note}: a partner key (leads:write)
 * declines the lead offered to its partner; the lead leaves the partner at
 * once (404 from then on) and moves on to another partner.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") {
    return apiError(new DomainError("method_not_allowed", "Use POST to decline a lead.", 405));
  }
  return handleApi(request, "leads:write", async ({ actor }) => {
    const ctx = { db: await getDb(), actor: { ...actor, ip: context.ip } };
    let body: unknown;
    try {
      body = JSON.parse(await request.text());
    } catch {
      throw new ValidationError({ reason: ['Send {"reason": …, "note": …} as JSON.'] });
    }
    const r = await declineOffer(ctx, params.leadId ?? "", body, "api");
    return { id: r.leadId, ref: leadRef(r.number), declined: true };
  });
}

export const loader = () => apiError(new DomainError("method_not_allowed", "Use POST to decline a lead.", 405));
