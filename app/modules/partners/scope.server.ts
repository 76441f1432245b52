import { and, eq, sql, type SQL } from "drizzle-orm";
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

/**
 * The WHERE clause of a read of several partners' rows at once (tier
 * evaluation and reviews): one partner is the partner scope itself; several
 * are an explicit cross-partner read, `partner_id = any($ids)` (one array
 * parameter whatever their number).
 */
export function partnersWhere(
  partnerIds: readonly string[],
  table: { partnerId: AnyPgColumn },
  ...conditions: (SQL | undefined)[]
): SQL | undefined {
  if (partnerIds.length === 1) return scopeWhere(partnerScope(partnerIds[0]!), table, ...conditions);
  return and(sql`${table.partnerId} = any(${uuidArray(partnerIds)})`, ...conditions);
}

/** Ids as one `uuid[]` parameter (for `= any(…)`). */
export function uuidArray(ids: readonly string[]): SQL {
  return sql`${`{${ids.join(",")}}`}::uuid[]`;
}
