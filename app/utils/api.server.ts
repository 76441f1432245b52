import { authenticateApiKey, type ApiPrincipal } from "~/modules/accounts/api-keys.server";
import { agreementStanding } from "~/modules/onboarding/agreement-standing.server";
import { getDb } from "./db.server";
import { DomainError, ForbiddenError, apiError } from "./errors.server";

/**
 * Runs an API handler: authenticates the bearer key (401), checks the scope
 * (403) and maps domain errors to the JSON error shape. Anything else is a
 * bug: logged, and answered with a generic 500 that reveals nothing.
 */
export async function handleApi(
  request: Request,
  scope: string | null,
  handler: (principal: ApiPrincipal) => Promise<unknown>,
): Promise<Response> {
  try {
    const principal = await authenticateApiKey(await getDb(), request.headers.get("authorization"));
    if (scope && !principal.scopes.includes(scope)) throw new ForbiddenError(`This key lacks the '${scope}' scope.`);
    if (principal.partner) {
      const standing = await agreementStanding(await getDb(), principal.partner.id, new Date());
      if (standing.state === "required") {
        throw new ForbiddenError("A partner admin must accept the current programme agreement in the portal first.");
      }
    }
    const body = await handler(principal);
    return Response.json(body);
  } catch (err) {
    if (err instanceof DomainError) return apiError(err);
    console.error("[api]", err);
    return Response.json(
      { error: { code: "internal", message: "Something went wrong on our side." } },
      { status: 500 },
    );
  }
}
