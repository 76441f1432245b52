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
