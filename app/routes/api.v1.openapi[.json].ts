import { openApiDocument } from "~/modules/api/openapi";
import { appUrl } from "~/utils/env.server";

export const loader = () => Response.json(openApiDocument(appUrl()));
