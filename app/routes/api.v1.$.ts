import { apiError, NotFoundError } from "~/utils/errors.server";

/** Any other /api/v1 path answers the API's JSON 404. */
export const loader = () => apiError(new NotFoundError("No such API endpoint."));
export const action = loader;
