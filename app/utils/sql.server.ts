import { sql } from "drizzle-orm";
import type { Db } from "~db/client";

/** A user's search text for LIKE/ILIKE, its wildcards taken literally (`_` is common in emails and action names). */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, "\\$&");
}

/**
 * A multi-row INSERT with one parameter: the rows as a json array, unpacked
 * with json_to_recordset (drizzle's values() builder costs ~0.2 ms per row,
 * more than the database; one json text parsed once is the cheapest way in).
 * `cols` maps column → SQL type; table, column names and `tail` are the
 * callers' constants, never input.
 *
 * - `bulky` names a json column whose values come as a second json array,
 *   matched by position: json_to_recordset would check a json column's text
 *   twice (the array, then the value), which for large values is most of the
 *   statement's time.
 * - `tail` is appended to the statement (e.g. `on conflict (k) do nothing
 *   returning id, k`); the statement's rows are returned.
 */
export async function insertRows<R = Record<string, unknown>>(
  tx: Db,
  table: string,
  cols: Record<string, string>,
  rows: Record<string, unknown>[],
  opts: { bulky?: { column: string; values: unknown[] }; tail?: string } = {},
): Promise<R[]> {
  if (rows.length === 0) return [];
  const { bulky, tail = "" } = opts;
  const names = Object.keys(cols);
  const defs = Object.entries(cols)
    .map(([n, t]) => `${n} ${t}`)
    .join(", ");
  const result = !bulky
    ? await tx.execute(
        sql`insert into ${sql.raw(table)} (${sql.raw(names.join(", "))}) select ${sql.raw(names.join(", "))} from json_to_recordset(${JSON.stringify(rows)}::json) as v(${sql.raw(defs)}) ${sql.raw(tail)}`,
      )
    : await tx.execute(sql`
      insert into ${sql.raw(table)} (${sql.raw([...names, bulky.column].join(", "))})
      select ${sql.raw(names.map((n) => `v.${n}`).join(", "))}, b.value
        from rows from (json_to_recordset(${JSON.stringify(rows)}::json) as (${sql.raw(defs)}))
             with ordinality as v(${sql.raw(names.join(", "))}, n)
        join json_array_elements(${JSON.stringify(bulky.values)}::json) with ordinality as b(value, n) using (n)
      ${sql.raw(tail)}`);
  return (result as unknown as { rows: R[] }).rows ?? [];
}
