import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { getLeadForApi } from "~/modules/leads/queries.server";
import { updateLeadWork } from "~/modules/leads/work.server";
import { handleApi } from "~/utils/api.server";
import { getDb } from "~/utils/db.server";
import { apiError, DomainError, ValidationError } from "~/utils/errors.server";

/** GET /api/v1/leads/<id>: the partner's lead; another partner's, or one that left it, is 404. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return handleApi(request, "leads:read", async ({ actor }) =>
    getLeadForApi({ db: await getDb(), actor }, params.leadId ?? ""),
  );
}

/**
 * PATCH /api/v1/leads/<id>: status (won with wonValue and currency, lost with
 * lostReason), nextStepDate / nextStep (null clears) and a note, on a lead the
 * partner accepted. Answers the lead as it is now.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "PATCH") {
    return apiError(new DomainError("method_not_allowed", "Use PATCH to update a lead.", 405));
  }
  return handleApi(request, "leads:write", async ({ actor }) => {
    const ctx = { db: await getDb(), actor: { ...actor, ip: context.ip } };
    let body: unknown;
    try {
      body = JSON.parse(await request.text());
    } catch {
      throw new ValidationError({ "": ["Send the changes as a JSON object."] });
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new ValidationError({ "": ["Send the changes as a JSON object."] });
    }
    const id = params.leadId ?? "";
    await updateLeadWork(ctx, id, body);
    return getLeadForApi(ctx, id);
  });
}
