import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { createLead } from "~/modules/leads/intake.server";
import { listLeadsForApi, vendorApiLead } from "~/modules/leads/queries.server";
import { handleApi } from "~/utils/api.server";
import { getDb } from "~/utils/db.server";
import { apiError, DomainError, ForbiddenError, ValidationError } from "~/utils/errors.server";

/** GET /api/v1/leads: a partner key's offered and working leads (leads:read), paginated. */
export async function loader({ request }: LoaderFunctionArgs) {
  return handleApi(request, "leads:read", async ({ actor }) =>
    listLeadsForApi({ db: await getDb(), actor }, new URL(request.url).searchParams),
  );
}

/** The largest JSON body POST /api/v1/leads reads. */
const BODY_MAX = 64 * 1024;

async function jsonObject(request: Request): Promise<Record<string, unknown>> {
  const text = await request.text();
  if (text.length > BODY_MAX) throw new ValidationError({ "": [`The body is too large (at most ${BODY_MAX} bytes).`] });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ValidationError({ "": ["Send the lead as a JSON object."] });
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ValidationError({ "": ["Send the lead as a JSON object."] });
  }
  return body as Record<string, unknown>;
}

/**
 * POST /api/v1/leads: a vendor key (leads:write) creates a lead, routed at
 * once unless "route": false. 201 with the lead (Location header); a retry
 * with the same Idempotency-Key answers 200 with the same lead. A partner
 * key is 403.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "POST") {
    return apiError(new DomainError("method_not_allowed", "Use GET to list leads or POST to create one.", 405));
  }
  let created = false;
  const res = await handleApi(request, "leads:write", async ({ actor }) => {
    if (actor.partnerId !== null) throw new ForbiddenError("Only vendor keys create leads.");
    const ctx = { db: await getDb(), actor: { ...actor, ip: context.ip } };
    const { route, ...body } = await jsonObject(request);
    if (route !== undefined && typeof route !== "boolean") {
      throw new ValidationError({ route: ["Send true or false."] });
    }
    const result = await createLead(ctx, body, {
      source: "api",
      idempotencyKey: request.headers.get("idempotency-key"),
      route: route ?? true,
    });
    created = result.created;
    return {
      ...(await vendorApiLead(ctx, result.lead.id)),
      duplicateOf: result.duplicateOf.map((d) => ({ id: d.id, ref: d.ref })),
      routing: result.route ? { outcome: result.route.kind } : null,
    };
  });
  if (res.status !== 200) return res;
  const lead = (await res.clone().json()) as { id: string };
  const headers = new Headers(res.headers);
  headers.set("location", `/api/v1/leads/${lead.id}`);
  return new Response(res.body, { status: created ? 201 : 200, headers });
}
