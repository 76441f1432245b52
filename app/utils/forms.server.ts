import type { Submission } from "@conform-to/react";
import { data } from "@remix-run/node";
import { DomainError, RateLimitError, ValidationError } from "./errors.server";

/**
 * Maps a domain error to the form's reply: field errors under their fields,
 * anything else as a form-level message, with the error's HTTP status.
 * Errors that are not domain errors are bugs and are rethrown.
 */
export function replyWithError<T>(
  submission: Submission<T>,
  err: unknown,
  hideFields: string[] = ["password", "confirmPassword"],
) {
  if (err instanceof ValidationError) {
    return data(submission.reply({ fieldErrors: err.fields ?? {}, hideFields }), { status: 400 });
  }
  if (err instanceof DomainError) {
    const headers: Record<string, string> =
      err instanceof RateLimitError ? { "Retry-After": String(err.retryAfterSeconds) } : {};
    return data(submission.reply({ formErrors: [err.message], hideFields }), { status: err.status, headers });
  }
  throw err;
}

export function replyInvalid<T>(submission: Submission<T>, hideFields: string[] = ["password", "confirmPassword"]) {
  return data(submission.reply({ hideFields }), { status: 400 });
}
