/** What a log line says of a failed database operation, and the unique-violation test, however the error is wrapped. */
import { describe, expect, it } from "vitest";
import { errorSummary, isUniqueViolation } from "~/utils/db-errors.server";

/** A server error as pg and PGlite throw it: message, severity and SQLSTATE code. */
const dbError = (message: string, code: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { severity: "ERROR", code, ...extra });
/** drizzle's wrapper: the statement and its values in the message, the driver's error as cause. */
const drizzleWrapped = (cause: unknown) =>
  new Error("Failed query: update users set email = $1\nparams: someone@customer.test", { cause });

describe("errorSummary", () => {
  it("gives the database's message and SQLSTATE, never drizzle's statement and values", () => {
    const summary = errorSummary(drizzleWrapped(dbError("deadlock detected", "40P01")));
    expect(summary).toBe("deadlock detected (SQLSTATE 40P01)");
    expect(errorSummary(dbError("canceling statement due to lock timeout", "55P03"))).toBe(
      "canceling statement due to lock timeout (SQLSTATE 55P03)",
    );
  });

  it("gives the innermost cause's message when no SQLSTATE is found", () => {
    expect(errorSummary(drizzleWrapped(new Error("Connection terminated unexpectedly")))).toBe(
      "Connection terminated unexpectedly",
    );
    expect(errorSummary(new Error("plain"))).toBe("plain");
    expect(errorSummary("a string")).toBe("a string");
    // A Node system error's code is not a SQLSTATE.
    const broken = Object.assign(new Error("write EPIPE"), { code: "EPIPE" });
    expect(errorSummary(drizzleWrapped(broken))).toBe("write EPIPE");
  });
});

describe("isUniqueViolation", () => {
  it("finds 23505 through drizzle's wrapper, on the named constraint when one is asked for", () => {
    const err = drizzleWrapped(dbError("duplicate key value", "23505", { constraint: "users_email_key" }));
    expect(isUniqueViolation(err)).toBe(true);
    expect(isUniqueViolation(err, "users_email_key")).toBe(true);
    expect(isUniqueViolation(err, "other_key")).toBe(false);
    expect(isUniqueViolation(drizzleWrapped(dbError("deadlock detected", "40P01")))).toBe(false);
  });
});
