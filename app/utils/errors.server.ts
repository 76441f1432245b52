/** Typed domain errors, mapped to HTTP answers in one place (toResponse / apiError). */
export class DomainError extends Error {
  constructor(
    public readonly code: string,
    message: string,
    public readonly status: number,
    public readonly fields?: Record<string, string[]>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {
  constructor(what = "Not found") {
    super("not_found", what, 404);
  }
}
export class ForbiddenError extends DomainError {
  constructor(message = "You are not allowed to do that.") {
    super("forbidden", message, 403);
  }
}
export class UnauthorizedError extends DomainError {
  constructor(message = "Authentication required.") {
    super("unauthorized", message, 401);
  }
}
export class ConflictError extends DomainError {
  constructor(message: string) {
    super("conflict", message, 409);
  }
}
export class ValidationError extends DomainError {
  constructor(fields: Record<string, string[]>, message = "Some fields need attention.") {
    super("invalid_input", message, 400, fields);
  }
}
export class RuleError extends DomainError {
  constructor(message: string, fields?: Record<string, string[]>) {
    super("rule_broken", message, 422, fields);
  }
}
export class RateLimitError extends DomainError {
  constructor(
    message: string,
    public readonly retryAfterSeconds: number,
  ) {
    super("rate_limited", message, 429);
  }
}

/** The API's JSON error shape: {"error": {"code", "message", "fields"?}}. */
export function apiError(err: DomainError): Response {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (err instanceof RateLimitError) headers["retry-after"] = String(err.retryAfterSeconds);
  return new Response(
    JSON.stringify({ error: { code: err.code, message: err.message, ...(err.fields ? { fields: err.fields } : {}) } }),
    { status: err.status, headers },
  );
}

/** For web routes: throw a Remix error response for a DomainError; rethrow anything else. */
export function toHttpError(err: unknown): never {
  if (err instanceof DomainError) {
    throw new Response(err.message, { status: err.status });
  }
  throw err;
}
