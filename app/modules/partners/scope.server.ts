import { and, eq, type SQL } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";

/**
 * The tenancy boundary. Every partner-scoped read and write builds its WHERE
 * clause here, so the partner is always part of the query (and row-level
 * security can be added beneath it later without touching callers).
 *
 * A partner scope filters on the table's partner_id; the vendor scope sees
 * every partner, and its few cross-partner reads are explicit at the call site.
 */
export type Scope = { kind: "partner"; partnerId: string } | { kind: "vendor" };

export function partnerScope(partnerId: string): Scope {
  return { kind: "partner", partnerId };
}
export const vendorScope: Scope = { kind: "vendor" };

export function scopeWhere(
  scope: Scope,
  table: { partnerId: AnyPgColumn },
  ...conditions: (SQL | undefined)[]
): SQL | undefined {
  return and(scope.kind === "partner" ? eq(table.partnerId, scope.partnerId) : undefined, ...conditions);
}
