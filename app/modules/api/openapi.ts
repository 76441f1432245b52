import { apiKeyScopes } from "~/modules/accounts/schemas";

/** The OpenAPI 3.1 document of /api/v1; each endpoint is added here as it ships. */
export function openApiDocument(serverUrl: string) {
  const error = {
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["code", "message"],
        properties: {
          code: { type: "string", examples: ["unauthorized"] },
          message: { type: "string" },
          fields: { type: "object", additionalProperties: { type: "array", items: { type: "string" } } },
        },
      },
    },
  };
  const errorResponse = (description: string) => ({
    description,
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  });
  return {
    openapi: "3.1.0",
    info: {
      title: "Channel Partner Portal API",
      version: "1.0.0",
      description:
        "Connect your CRM to the portal. Authenticate with `Authorization: Bearer <key>`; partner admins create keys on the API keys page.",
    },
    servers: [{ url: `${serverUrl}/api/v1` }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "An API key (cpk_…)" } },
      schemas: {
        Error: error,
        Scope: { type: "string", enum: [...apiKeyScopes] },
        Me: {
          type: "object",
          required: ["partner", "scopes"],
          properties: {
            partner: {
              oneOf: [
                {
                  type: "object",
                  required: ["id", "name", "slug"],
                  properties: { id: { type: "string", format: "uuid" }, name: { type: "string" }, slug: { type: "string" } },
                },
                { type: "null", description: "A vendor key" },
              ],
            },
            scopes: { type: "array", items: { $ref: "#/components/schemas/Scope" } },
          },
        },
      },
    },
    paths: {
      "/me": {
        get: {
          operationId: "getMe",
          summary: "The partner and scopes of the calling key",
          responses: {
            "200": { description: "The key's partner and scopes", content: { "application/json": { schema: { $ref: "#/components/schemas/Me" } } } },
            "401": errorResponse("No key, or a key that is unknown or revoked"),
          },
        },
      },
    },
  };
}
