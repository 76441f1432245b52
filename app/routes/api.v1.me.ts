import type { LoaderFunctionArgs } from "@remix-run/node";
import { handleApi } from "~/utils/api.server";

/** GET /api/v1/me: the key's partner (null for a vendor key) and scopes. */
export async function loader({ request }: LoaderFunctionArgs) {
  return handleApi(request, null, async ({ partner, scopes }) => ({ partner, scopes }));
}
