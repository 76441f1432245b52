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
        Lead: leadComponent(),
        Me: {
          type: "object",
          required: ["partner", "scopes"],
          properties: {
            partner: {
              oneOf: [
                {
                  type: "object",
                  required: ["id", "name", "slug"],
                  properties: {
                    id: { type: "string", format: "uuid" },
                    name: { type: "string" },
                    slug: { type: "string" },
                  },
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
            "200": {
              description: "The key's partner and scopes",
              content: { "application/json": { schema: { $ref: "#/components/schemas/Me" } } },
            },
            "401": errorResponse("No key, or a key that is unknown or revoked"),
          },
        },
      },
      // --- Deal registration (partner keys register; vendor keys read all) ---------------------------------------
      ...dealRegistrationPaths(errorResponse),
      // --- Deal review decisions (vendor keys) -------------------------------------------------------------------
      ...dealDecisionPaths(errorResponse),
      // --- Lead sharing (partner keys answer and work leads; vendor keys create them) ----------------------------
      ...leadPaths(errorResponse),
    },
  };
}

/** POST /deals/{dealId}/approve and /reject: the channel team's decisions, for vendor keys with deals:write. */
function dealDecisionPaths(errorResponse: (description: string) => object) {
  const decision = {
    type: "object",
    required: ["id", "status", "protectedUntil", "decidedAt", "decisionNote"],
    properties: {
      id: { type: "string", format: "uuid" },
      status: {
        type: "string",
        enum: ["pending_review", "changes_requested", "approved", "rejected", "won", "lost", "expired"],
      },
      protectedUntil: {
        type: ["string", "null"],
        format: "date-time",
        description: "Set when approved: the end of the protection",
      },
      decidedAt: { type: ["string", "null"], format: "date-time" },
      decisionNote: { type: ["string", "null"], description: "The rejection reason sent to the partner" },
    },
  };
  const dealId = {
    name: "dealId",
    in: "path",
    required: true,
    schema: { type: "string", format: "uuid" },
    description: "The registration's id",
  };
  const answers = (done: string) => ({
    "200": { description: done, content: { "application/json": { schema: decision } } },
    "400": errorResponse("Bad input (`fields` names each problem)"),
    "401": errorResponse("No key, or a key that is unknown or revoked"),
    "403": errorResponse("Not a vendor key, or the key lacks deals:write"),
    "404": errorResponse("No such registration"),
    "409": errorResponse(
      "Not waiting for a decision (decided meanwhile), or another registration already protects the customer domain",
    ),
  });
  return {
    "/deals/{dealId}/approve": {
      post: {
        operationId: "approveDeal",
        summary: "Approve a registration (vendor keys)",
        description:
          "Approves a registration waiting for review, or an appealed rejection: it is protected for the programme's " +
          "protection period. At most one registration per customer domain is approved at a time (first in): when " +
          "another one already is, the answer is 409 with the date its protection ends. No body is needed.",
        parameters: [dealId],
        responses: answers("Approved"),
      },
    },
    "/deals/{dealId}/reject": {
      post: {
        operationId: "rejectDeal",
        summary: "Reject a registration (vendor keys)",
        description:
          "Rejects a registration waiting for review, or an appealed rejection; the reason is mailed to the partner, " +
          "who may appeal a first rejection once.",
        parameters: [dealId],
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: {
                type: "object",
                required: ["reason"],
                properties: { reason: { type: "string", minLength: 1, maxLength: 2000 } },
              },
            },
          },
        },
        responses: answers("Rejected"),
      },
    },
  };
}

/** GET/POST /deals, GET /deals/{dealId} and POST /deals/claim-check. */
function dealRegistrationPaths(errorResponse: (description: string) => object) {
  const uuid = { type: "string", format: "uuid" };
  const nullableText = (max: number) => ({ type: ["string", "null"], maxLength: max });
  const statuses = ["pending_review", "changes_requested", "approved", "rejected", "won", "lost", "expired"];
  const stages = ["prospecting", "qualification", "proposal", "negotiation", "commit"];
  const currencies = ["USD", "EUR", "JPY", "AUD"];
  const money = {
    type: "string",
    pattern: "^\\d+(\\.\\d{1,2})?$",
    examples: ["12500.00", "1500000"],
    description: "A decimal string in the currency (JPY: whole yen, no decimals; others: at most 2 decimals)",
  };
  const registration = {
    type: "object",
    required: [
      "customerName",
      "customerDomain",
      "country",
      "contactName",
      "contactEmail",
      "lines",
      "value",
      "currency",
      "expectedCloseDate",
      "stage",
    ],
    properties: {
      customerName: { type: "string", maxLength: 200, examples: ["Tokai Shipping K.K."] },
      customerDomain: {
        type: "string",
        description: "The customer's web domain; a website address or an email address at the customer also works",
        examples: ["tokai-shipping.co.jp"],
      },
      country: { type: "string", pattern: "^[A-Z]{2}$", description: "ISO 3166-1 alpha-2", examples: ["JP"] },
      region: nullableText(100),
      contactName: { type: "string", maxLength: 120 },
      contactTitle: nullableText(120),
      contactEmail: { type: "string", format: "email" },
      lines: {
        type: "array",
        minItems: 1,
        maxItems: 20,
        items: {
          type: "object",
          required: ["productId", "quantity"],
          properties: {
            productId: { ...uuid, description: "An active product (each product once)" },
            quantity: { type: "integer", minimum: 1, maximum: 1_000_000 },
          },
        },
      },
      value: { ...money, description: `${money.description}; above zero, at most 10^12 minor units` },
      currency: { type: "string", enum: currencies },
      expectedCloseDate: {
        type: "string",
        format: "date",
        description: "Not in the past (one day of slack for time zones), at most 3 years ahead",
      },
      stage: { type: "string", enum: stages },
      competition: nullableText(2000),
      notes: nullableText(2000),
      leadId: { type: ["string", "null"], format: "uuid", description: "The lead it came from" },
    },
  };
  const deal = {
    type: "object",
    required: ["id", "customerName", "customerDomain", "country", "lines", "value", "valueMinor", "currency", "status"],
    properties: {
      id: uuid,
      customerName: { type: "string" },
      customerDomain: { type: "string", description: "Normalized: lowercase, no www., no address part" },
      country: { type: "string" },
      region: { type: ["string", "null"] },
      contactName: { type: "string" },
      contactTitle: { type: ["string", "null"] },
      contactEmail: { type: "string" },
      lines: {
        type: "array",
        items: {
          type: "object",
          properties: {
            productId: uuid,
            sku: { type: "string" },
            name: { type: "string" },
            quantity: { type: "integer" },
          },
        },
      },
      value: money,
      valueMinor: { type: "integer", description: "In the currency's minor unit (cents; whole yen for JPY)" },
      currency: { type: "string", enum: currencies },
      expectedCloseDate: { type: "string", format: "date" },
      stage: { type: "string", enum: stages },
      competition: { type: ["string", "null"] },
      notes: { type: ["string", "null"] },
      leadId: { type: ["string", "null"], format: "uuid" },
      status: { type: "string", enum: statuses },
      conflictFlag: {
        type: "boolean",
        description: "A similar registration exists, so a channel manager looks closer (never who or which)",
      },
      protectedUntil: { type: ["string", "null"], format: "date-time" },
      decisionNote: { type: ["string", "null"], description: "A rejection reason or the changes requested" },
      decidedAt: { type: ["string", "null"], format: "date-time" },
      finalValue: { type: ["string", "null"] },
      lostReason: { type: ["string", "null"] },
      closedAt: { type: ["string", "null"], format: "date-time" },
      createdAt: { type: "string", format: "date-time" },
      updatedAt: { type: "string", format: "date-time" },
      partner: {
        type: "object",
        description: "Vendor keys only",
        properties: { id: uuid, name: { type: "string" } },
      },
      conflicts: {
        type: "array",
        description: "Vendor keys only: the other registrations that match, with score (0..1) and reasons",
        items: {
          type: "object",
          properties: {
            dealId: uuid,
            partnerId: uuid,
            score: { type: "number", minimum: 0, maximum: 1 },
            reasons: {
              type: "array",
              items: { type: "string" },
              examples: [["same domain", "name 0.82 similar", "same country", "same products"]],
            },
          },
        },
      },
    },
  };
  const json = (schema: object) => ({ "application/json": { schema } });
  const common = {
    "401": errorResponse("No key, or a key that is unknown or revoked"),
  };
  return {
    "/deals": {
      get: {
        operationId: "listDeals",
        summary: "Deal registrations: a partner key's own, a vendor key's all",
        description: "Newest first; with updatedSince, most recently updated first. Needs deals:read.",
        parameters: [
          { name: "status", in: "query", schema: { type: "string", enum: statuses } },
          { name: "stage", in: "query", schema: { type: "string", enum: stages } },
          {
            name: "q",
            in: "query",
            schema: { type: "string", maxLength: 100 },
            description: "Customer name or domain contains",
          },
          {
            name: "updatedSince",
            in: "query",
            schema: { type: "string", format: "date-time" },
            description: "Only deals updated at or after this time (for incremental sync)",
          },
          { name: "page", in: "query", schema: { type: "integer", minimum: 1, default: 1 } },
          { name: "pageSize", in: "query", schema: { type: "integer", minimum: 1, maximum: 100, default: 25 } },
        ],
        responses: {
          "200": {
            description: "One page of deals",
            content: json({
              type: "object",
              required: ["deals", "page", "pageSize", "total"],
              properties: {
                deals: { type: "array", items: deal },
                page: { type: "integer" },
                pageSize: { type: "integer" },
                total: { type: "integer" },
              },
            }),
          },
          "400": errorResponse("A bad filter (`fields` names it)"),
          ...common,
          "403": errorResponse("The key lacks deals:read"),
        },
      },
      post: {
        operationId: "registerDeal",
        summary: "Register a deal (partner keys with deals:write)",
        description:
          "Validates, runs the private claim check and stores the registration for review. Another partner's open " +
          "or protected registration of the same customer flags it (`conflictFlag`); your own is a duplicate (409). " +
          "Send an `Idempotency-Key` to make retries safe: the same key returns the same registration (200).",
        parameters: [
          {
            name: "Idempotency-Key",
            in: "header",
            required: false,
            schema: { type: "string", minLength: 1, maxLength: 200 },
            description: "Any unique string per registration, e.g. your CRM's opportunity id",
          },
        ],
        requestBody: { required: true, content: json(registration) },
        responses: {
          "201": {
            description: "Registered (Location: /api/v1/deals/{id})",
            content: json(deal),
          },
          "200": {
            description: "A retry with an Idempotency-Key already used: the same registration",
            content: json(deal),
          },
          "400": errorResponse("Bad input: `fields` names each problem (e.g. `lines[0].productId`, `value`)"),
          ...common,
          "403": errorResponse("Not a partner key, or the key lacks deals:write"),
          "409": {
            description: "You already registered this customer: `dealId` and `url` name the existing registration",
            content: json({
              type: "object",
              properties: {
                error: {
                  type: "object",
                  properties: {
                    code: { type: "string", examples: ["conflict"] },
                    message: { type: "string" },
                    dealId: uuid,
                    url: { type: "string", examples: ["/deals/5f0c…"] },
                  },
                },
              },
            }),
          },
        },
      },
    },
    "/deals/{dealId}": {
      get: {
        operationId: "getDeal",
        summary: "One deal registration",
        parameters: [{ name: "dealId", in: "path", required: true, schema: uuid }],
        responses: {
          "200": { description: "The deal", content: json(deal) },
          ...common,
          "403": errorResponse("The key lacks deals:read"),
          "404": errorResponse("No such deal, or another partner's"),
        },
      },
    },
    "/deals/claim-check": {
      post: {
        operationId: "claimCheck",
        summary: "Private claim check: is this customer free to register?",
        description:
          "Answers only `clear`, `needs_review` (a similar registration exists), `already_protected` (another " +
          "partner's approved registration covers it) or `you_registered` (your own open or protected one), never " +
          "who holds the customer or any detail. Partner keys with deals:read or deals:write.",
        requestBody: {
          required: true,
          content: json({
            type: "object",
            required: ["customerName", "customerDomain"],
            properties: {
              customerName: { type: "string", maxLength: 200 },
              customerDomain: { type: "string", description: "Domain, website or email address" },
              country: { type: ["string", "null"], pattern: "^[A-Z]{2}$" },
            },
          }),
        },
        responses: {
          "200": {
            description: "The answer",
            content: json({
              type: "object",
              required: ["status"],
              additionalProperties: false,
              properties: {
                status: { type: "string", enum: ["clear", "needs_review", "already_protected", "you_registered"] },
              },
            }),
          },
          "400": errorResponse("Bad input (`fields` names each problem)"),
          ...common,
          "403": errorResponse("Not a partner key, or the key lacks deals:read and deals:write"),
        },
      },
    },
  };
}

const leadCurrencies = ["USD", "EUR", "JPY", "AUD"];
const leadMoney = {
  type: ["string", "null"],
  pattern: "^\\d+(\\.\\d{1,2})?$",
  description: "A decimal string in the currency (JPY: whole yen)",
};

/** A lead as the partner API shows it (components.schemas.Lead). */
function leadComponent() {
  const uuid = { type: "string", format: "uuid" };
  const currencies = leadCurrencies;
  const money = leadMoney;
  const statuses = [
    "new",
    "held",
    "offered",
    "accepted",
    "contacted",
    "meeting",
    "qualified",
    "proposal",
    "won",
    "lost",
  ];
  return {
    type: "object",
    required: ["id", "ref", "status", "companyName", "contact", "country"],
    properties: {
      id: uuid,
      ref: { type: "string", examples: ["L-000123"] },
      status: { type: "string", enum: statuses },
      companyName: { type: "string" },
      companyDomain: { type: ["string", "null"] },
      contact: {
        type: "object",
        description: "Email and phone are null while the lead is only offered: accept it to see them",
        properties: {
          name: { type: "string" },
          title: { type: ["string", "null"] },
          email: { type: ["string", "null"] },
          phone: { type: ["string", "null"] },
        },
      },
      country: { type: "string", description: "ISO 3166-1 alpha-2" },
      region: { type: ["string", "null"], description: "ISO 3166-2 subdivision" },
      product: { type: ["object", "null"], properties: { id: uuid, name: { type: ["string", "null"] } } },
      seats: { type: ["integer", "null"] },
      estimatedValue: money,
      currency: { type: ["string", "null"], enum: [...currencies, null] },
      message: { type: ["string", "null"] },
      acceptBy: { type: ["string", "null"], format: "date-time", description: "Offered leads: answer before this" },
      acceptedAt: { type: ["string", "null"], format: "date-time" },
      nextStepDate: { type: ["string", "null"], format: "date" },
      nextStep: { type: ["string", "null"] },
      wonValue: money,
      wonCurrency: { type: ["string", "null"], enum: [...currencies, null] },
      lostReason: { type: ["string", "null"] },
      closedAt: { type: ["string", "null"], format: "date-time" },
      dealId: { type: ["string", "null"], format: "uuid", description: "The deal registration it was converted into" },
      createdAt: { type: "string", format: "date-time" },
      updatedAt: { type: "string", format: "date-time" },
    },
  };
}

/** GET/POST /leads, GET/PATCH /leads/{leadId}, POST /leads/{leadId}/accept and /decline. */
function leadPaths(errorResponse: (description: string) => object) {
  const uuid = { type: "string", format: "uuid" };
  const json = (schema: object) => ({ "application/json": { schema } });
  const currencies = leadCurrencies;
  const money = leadMoney;
  const createdLead = {
    allOf: [
      { $ref: "#/components/schemas/Lead" },
      {
        type: "object",
        properties: {
          partner: { type: ["object", "null"], properties: { id: uuid, name: { type: "string" } } },
          needsAttention: { type: "boolean" },
          duplicateOf: {
            type: "array",
            items: { type: "object", properties: { id: uuid, ref: { type: "string" } } },
          },
          routing: {
            type: ["object", "null"],
            properties: { outcome: { type: "string", enum: ["offered", "no_partner", "skipped"] } },
          },
        },
      },
    ],
  };
  const newLead = {
    type: "object",
    required: ["companyName", "contactName", "contactEmail", "country"],
    properties: {
      companyName: { type: "string", maxLength: 200 },
      website: { type: ["string", "null"] },
      contactName: { type: "string" },
      contactEmail: { type: "string", format: "email" },
      contactPhone: { type: ["string", "null"] },
      contactTitle: { type: ["string", "null"] },
      country: { type: "string", pattern: "^[A-Z]{2}$" },
      region: { type: ["string", "null"] },
      product: { type: ["string", "null"], description: "A product id or SKU" },
      seats: { type: ["integer", "null"], minimum: 1 },
      estimatedValue: money,
      currency: { type: ["string", "null"], enum: [...currencies, null] },
      message: { type: ["string", "null"], maxLength: 5000 },
      allowDuplicate: { type: "boolean", description: "Create it although it looks like an open lead" },
      route: { type: "boolean", default: true, description: "Route the lead to a partner at once" },
    },
  };
  const leadId = { name: "leadId", in: "path", required: true, schema: uuid };
  const common = {
    "401": errorResponse("No key, or a key that is unknown or revoked"),
  };
  return {
    "/leads": {
      get: {
        operationId: "listLeads",
        summary: "The partner's offered and working leads (partner keys with leads:read)",
        description: "Offers waiting for an answer first (soonest accept-by first), then leads being worked.",
        parameters: [
          {
            name: "status",
            in: "query",
            schema: {
              type: "string",
              enum: ["open", "offered", "working", "accepted", "contacted", "meeting", "qualified", "proposal"],
              default: "open",
            },
          },
          {
            name: "q",
            in: "query",
            schema: { type: "string", maxLength: 100 },
            description: "Company, domain or contact",
          },
          { name: "page", in: "query", schema: { type: "integer", minimum: 1, default: 1 } },
          { name: "pageSize", in: "query", schema: { type: "integer", minimum: 1, maximum: 100, default: 25 } },
        ],
        responses: {
          "200": {
            description: "One page of leads",
            content: json({
              type: "object",
              required: ["leads", "page", "pageSize", "total"],
              properties: {
                leads: { type: "array", items: { $ref: "#/components/schemas/Lead" } },
                page: { type: "integer" },
                pageSize: { type: "integer" },
                total: { type: "integer" },
              },
            }),
          },
          "400": errorResponse("A bad filter (`fields` names it)"),
          ...common,
          "403": errorResponse("Not a partner key, or the key lacks leads:read"),
        },
      },
      post: {
        operationId: "createLead",
        summary: "Create a lead (vendor keys with leads:write)",
        description:
          "For the vendor's website and marketing tools. The lead is routed to a partner at once unless `route` is " +
          "false. A lead that looks like an open one (same contact email or company domain) is 409 unless " +
          "`allowDuplicate` is true. Send an `Idempotency-Key` to make retries safe: the same key returns the same lead (200).",
        parameters: [
          {
            name: "Idempotency-Key",
            in: "header",
            required: false,
            schema: { type: "string", minLength: 1, maxLength: 200 },
          },
        ],
        requestBody: { required: true, content: json(newLead) },
        responses: {
          "201": { description: "Created (Location: /api/v1/leads/{id})", content: json(createdLead) },
          "200": {
            description: "A retry with an Idempotency-Key already used: the same lead",
            content: json(createdLead),
          },
          "400": errorResponse("Bad input: `fields` names each problem"),
          ...common,
          "403": errorResponse("A partner key, or the key lacks leads:write"),
          "409": errorResponse("Possible duplicate of an open lead (the message names it)"),
        },
      },
    },
    "/leads/{leadId}": {
      get: {
        operationId: "getLead",
        summary: "One of the partner's leads",
        parameters: [leadId],
        responses: {
          "200": { description: "The lead", content: json({ $ref: "#/components/schemas/Lead" }) },
          ...common,
          "403": errorResponse("The key lacks leads:read"),
          "404": errorResponse(
            "No such lead, another partner's, or one that left the partner (declined, expired, recalled)",
          ),
        },
      },
      patch: {
        operationId: "updateLead",
        summary: "Work an accepted lead: status, next step, note",
        description:
          "Won needs `wonValue` and `currency`; lost needs `lostReason`. A won or lost lead keeps its status (a note can " +
          "still be added). `nextStepDate` and `nextStep` null clear them.",
        parameters: [leadId],
        requestBody: {
          required: true,
          content: json({
            type: "object",
            properties: {
              status: { type: "string", enum: ["contacted", "meeting", "qualified", "proposal", "won", "lost"] },
              wonValue: money,
              currency: { type: "string", enum: currencies },
              lostReason: { type: "string", maxLength: 2000 },
              nextStepDate: { type: ["string", "null"], format: "date" },
              nextStep: { type: ["string", "null"], maxLength: 500 },
              note: { type: "string", maxLength: 4000 },
            },
          }),
        },
        responses: {
          "200": { description: "The lead as it is now", content: json({ $ref: "#/components/schemas/Lead" }) },
          "400": errorResponse("Bad input (`fields` names each problem)"),
          ...common,
          "403": errorResponse("Not a partner key, or the key lacks leads:write"),
          "404": errorResponse("No such lead, or not the partner's"),
          "422": errorResponse("Not accepted yet, or closed"),
        },
      },
    },
    "/leads/{leadId}/accept": {
      post: {
        operationId: "acceptLead",
        summary: "Accept a lead offered to the partner",
        description: "Exactly one answer per offer: a second answer (or one racing it) is 409 saying what happened.",
        parameters: [leadId],
        responses: {
          "200": {
            description: "Accepted: the lead with the contact's details",
            content: json({ $ref: "#/components/schemas/Lead" }),
          },
          ...common,
          "403": errorResponse("Not a partner key, or the key lacks leads:write"),
          "404": errorResponse("Not offered to the partner (another partner's, expired or recalled)"),
          "409": errorResponse("Already answered (accepted or declined, by whom and when)"),
          "422": errorResponse("The time to accept has ended"),
        },
      },
    },
    "/leads/{leadId}/decline": {
      post: {
        operationId: "declineLead",
        summary: "Decline a lead offered to the partner",
        description: "The lead leaves the partner at once (404 from then on) and is offered to another partner.",
        parameters: [leadId],
        requestBody: {
          required: true,
          content: json({
            type: "object",
            required: ["reason"],
            properties: {
              reason: { type: "string", enum: ["no_capacity", "outside_territory", "not_qualified", "other"] },
              note: { type: ["string", "null"], maxLength: 2000, description: "Required when the reason is other" },
            },
          }),
        },
        responses: {
          "200": {
            description: "Declined",
            content: json({
              type: "object",
              properties: { id: uuid, ref: { type: "string" }, declined: { type: "boolean", const: true } },
            }),
          },
          "400": errorResponse("No reason, or other without a note"),
          ...common,
          "403": errorResponse("Not a partner key, or the key lacks leads:write"),
          "404": errorResponse("Not offered to the partner"),
          "409": errorResponse("Already answered"),
        },
      },
    },
  };
}
