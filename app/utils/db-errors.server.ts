/**
 * A PostgreSQL unique violation (SQLSTATE 23505), on `constraint` when given,
 * however the driver wraps it (pg, PGlite, drizzle's query error in `cause`).
 */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    const { code, constraint: name } = e as { code?: unknown; constraint?: unknown };
    if (code === "23505" && (constraint === undefined || name === undefined || name === constraint)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * One line for a log about a failed operation: the database's own message
 * and SQLSTATE when the driver's error is wrapped (drizzle's "Failed query:
 * <sql> params: <values>" would put the statement and its values, people's
 * addresses among them, into the log), else the innermost cause's message.
 */
export function errorSummary(err: unknown): string {
  let innermost: unknown = err;
  for (let e: unknown = err, depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    // The server's errors (pg and PGlite alike) carry a severity; Node's own ("EPIPE") do not.
    const { code, message, severity } = e as { code?: unknown; message?: unknown; severity?: unknown };
    if (typeof code === "string" && typeof severity === "string" && typeof message === "string") {
      return `${message} (SQLSTATE ${code})`;
    }
    innermost = e;
    e = (e as { cause?: unknown }).cause;
  }
  return innermost instanceof Error ? innermost.message : String(innermost);
}
