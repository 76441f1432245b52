/**
 * An MTA-like retry schedule: first retry after a minute, doubling, capped at
 * an hour, for a lifetime of five days. Pure, so it is tested without a clock.
 */
export const FIRST_RETRY_MS = 60_000;
export const MAX_RETRY_MS = 60 * 60_000;
export const DEFAULT_LIFETIME_MS = 5 * 24 * 60 * 60_000;

/** Delay before the next attempt after `failedAttempts` transient failures (1 = the first failure). */
export function retryDelayMs(failedAttempts: number): number {
  const n = Math.max(1, failedAttempts);
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(n - 1, 20));
}

export type DeliveryOutcome =
  | { kind: "sent"; response: string }
  | { kind: "transient"; response: string }
  | { kind: "permanent"; response: string };

/** What to do after an attempt: sent, retry at a time, or give up. */
export function afterAttempt(
  outcome: DeliveryOutcome,
  failedAttempts: number,
  createdAt: Date,
  now: Date,
  lifetimeMs = DEFAULT_LIFETIME_MS,
): { status: "sent" } | { status: "failed" } | { status: "queued"; nextAttemptAt: Date } {
  if (outcome.kind === "sent") return { status: "sent" };
  if (outcome.kind === "permanent") return { status: "failed" };
  const next = new Date(now.getTime() + retryDelayMs(failedAttempts));
  if (next.getTime() - createdAt.getTime() > lifetimeMs) return { status: "failed" };
  return { status: "queued", nextAttemptAt: next };
}

/** SMTP reply codes: 5xx is permanent, anything else that is not 2xx is transient. */
export function classifySmtpError(err: { responseCode?: number; response?: string; message?: string; code?: string }): DeliveryOutcome {
  const response = err.response ?? `${err.code ?? "error"}: ${err.message ?? "unknown error"}`;
  if (typeof err.responseCode === "number" && err.responseCode >= 500 && err.responseCode < 600) {
    return { kind: "permanent", response };
  }
  return { kind: "transient", response };
}

/**
 * HTTP API answers: no answer, 429 and 5xx are transient, and so are 401/403
 * (our key is misconfigured: an operator fixes it, the mail must not be lost)
 * and 409 (a concurrent request with the same idempotency key); any other 4xx
 * is permanent.
 */
export function classifyHttpError(status: number | null, response: string): DeliveryOutcome {
  const transient = status === null || status === 401 || status === 403 || status === 409 || status === 429 || status >= 500;
  if (transient) return { kind: "transient", response: `${status ?? "no answer"} ${response}` };
  return { kind: "permanent", response: `${status} ${response}` };
}
