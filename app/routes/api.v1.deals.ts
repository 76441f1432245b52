import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { listDealsForApi } from "~/modules/deals/queries.server";
import { DuplicateDealError, registerDealFromApi } from "~/modules/deals/register.server";
import { handleApi } from "~/utils/api.server";
import { getDb } from "~/utils/db.server";
import { apiError, DomainError } from "~/utils/errors.server";

/** GET /api/v1/deals: the key's partner's deals (a vendor key: every partner's), filtered and paginated. */
export async function loader({ request }: LoaderFunctionArgs) {
  return handleApi(request, "deals:read", async ({ actor }) =>
    listDealsForApi({ db: await getDb(), actor }, new URL(request.url).searchParams),
  );
}

/**
 * POST /api/v1/deals: registers a deal. 201 with the deal (Location header);
 * a retry with the same Idempotency-Key answers 200 with the same deal; the
 * partner's own registration of the same customer is 409 naming it (dealId).
 */
export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "POST") {
    return apiError(new DomainError("method_not_allowed", "Use GET to list deals or POST to register one.", 405));
  }
  let created = false;
  let duplicateOf: string | null = null;
  const res = await handleApi(request, "deals:write", async ({ actor }) => {
    try {
      const result = await registerDealFromApi(
        { db: await getDb(), actor: { ...actor, ip: context.ip } },
        await request.text(),
        request.headers.get("idempotency-key"),
      );
      created = result.created;
      return result.deal;
    } catch (err) {
      if (err instanceof DuplicateDealError) duplicateOf = err.existingDealId;
      throw err;
    }
  });
  if (duplicateOf && res.status === 409) {
    const body = (await res.json()) as { error: Record<string, unknown> };
    return Response.json(
      { error: { ...body.error, dealId: duplicateOf, url: `/deals/${duplicateOf}` } },
      { status: 409, headers: res.headers },
    );
  }
  if (res.status !== 200) return res;
  const deal = (await res.clone().json()) as { id: string };
  const headers = new Headers(res.headers);
  headers.set("location", `/api/v1/deals/${deal.id}`);
  return new Response(res.body, { status: created ? 201 : 200, headers });
}
