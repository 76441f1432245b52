/**
 * A local stand-in for Resend's HTTP API (the part the portal uses: POST
 * /emails), driven in tests through the real `resend` SDK with
 * `new Resend(apiKey, { baseUrl: stub.url })`.
 *
 * It answers as the real API does (https://resend.com/docs/api-reference):
 * - `Authorization: Bearer <key>`: 401 missing_api_key without it, 403
 *   invalid_api_key with another key;
 * - 422 validation_error when from, to, subject or a body is missing;
 * - 200 `{ id }` otherwise, the email stored in `emails`;
 * - `Idempotency-Key`: the same key with the same body answers the same id
 *   again without storing the email twice; the same key with another body
 *   is 409 invalid_idempotent_request;
 * - error bodies are `{ statusCode, name, message }`, which the SDK returns
 *   as its `error`.
 * It can be told to answer 429, 500 or 422 (or any status) instead.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface StubEmail {
  id: string;
  idempotencyKey: string | null;
  from: string;
  to: string[];
  subject: string;
  html: string | undefined;
  text: string | undefined;
  headers: Record<string, string>;
  receivedAt: Date;
}

export interface StubRequest {
  method: string;
  path: string;
  idempotencyKey: string | null;
  status: number;
}

export interface ResendStub {
  /** The SDK's `baseUrl`. */
  url: string;
  /** The key the stub accepts. */
  apiKey: string;
  /** Emails accepted (each stored once). */
  emails: StubEmail[];
  /** Every request, in order, with the status it got. */
  requests: StubRequest[];
  /** Answers `status` to the next `times` POST /emails (before any other check). */
  failNext(status: number, times?: number): void;
  /** Answers `status` to every POST /emails until called with null. */
  failAlways(status: number | null): void;
  stop(): Promise<void>;
}

const ERROR_NAMES: Record<number, [string, string]> = {
  400: ["validation_error", "Invalid request."],
  401: ["missing_api_key", "Missing API key in the authorization header."],
  403: ["invalid_api_key", "API key is invalid"],
  409: ["invalid_idempotent_request", "Same idempotency key used with a different request payload."],
  422: ["validation_error", "Invalid `to` field. The email address needs to follow the `email@example.com` format."],
  429: ["rate_limit_exceeded", "Too many requests. You can only make 2 requests per second."],
  500: ["internal_server_error", "An unexpected error occurred."],
  503: ["application_error", "Service unavailable."],
};

function errorBody(status: number, message?: string) {
  const [name, defaultMessage] = ERROR_NAMES[status] ?? ["application_error", `HTTP ${status}`];
  return { statusCode: status, name, message: message ?? defaultMessage };
}

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === "string" ? [v] : []);

export async function startResendStub(opts: { apiKey?: string } = {}): Promise<ResendStub> {
  const apiKey = opts.apiKey ?? `re_test_${randomUUID().replace(/-/g, "")}`;
  const emails: StubEmail[] = [];
  const requests: StubRequest[] = [];
  /** idempotency key → the body it was first used with and the id answered */
  const idempotent = new Map<string, { body: string; id: string }>();
  const failures: number[] = [];
  let always: number | null = null;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = (req.url ?? "/").split("?")[0]!;
      const idempotencyKey = (req.headers["idempotency-key"] as string | undefined) ?? null;
      const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        requests.push({ method: req.method ?? "?", path, idempotencyKey, status });
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(JSON.stringify(body));
      };

      if (req.method !== "POST" || path !== "/emails") return answer(404, errorBody(404, "Not found"));
      const auth = req.headers.authorization ?? "";
      if (!auth.startsWith("Bearer ")) return answer(401, errorBody(401));
      if (auth.slice("Bearer ".length) !== apiKey) return answer(403, errorBody(403));

      const injected = failures.length ? failures.shift()! : always;
      if (injected !== null) {
        const headers: Record<string, string> =
          injected === 429 ? { "retry-after": "1", "ratelimit-remaining": "0" } : {};
        return answer(injected, errorBody(injected), headers);
      }

      const raw = Buffer.concat(chunks).toString("utf8");
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return answer(400, errorBody(400, "Invalid JSON body."));
      }
      const to = asList(body.to);
      const missing = !body.from
        ? "from"
        : to.length === 0
          ? "to"
          : !body.subject
            ? "subject"
            : !body.html && !body.text
              ? "html"
              : null;
      if (missing) return answer(422, errorBody(422, `Missing \`${missing}\` field.`));

      if (idempotencyKey) {
        const seen = idempotent.get(idempotencyKey);
        if (seen && seen.body !== raw) return answer(409, errorBody(409));
        if (seen) return answer(200, { id: seen.id });
      }
      const id = randomUUID();
      if (idempotencyKey) idempotent.set(idempotencyKey, { body: raw, id });
      emails.push({
        id,
        idempotencyKey,
        from: String(body.from),
        to,
        subject: String(body.subject),
        html: typeof body.html === "string" ? body.html : undefined,
        text: typeof body.text === "string" ? body.text : undefined,
        headers: (body.headers as Record<string, string> | undefined) ?? {},
        receivedAt: new Date(),
      });
      return answer(200, { id });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    emails,
    requests,
    failNext(status, times = 1) {
      for (let i = 0; i < times; i++) failures.push(status);
    },
    failAlways(status) {
      always = status;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
