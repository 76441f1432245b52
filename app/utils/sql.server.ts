import { sql, type SQL } from "drizzle-orm";
import type { Db } from "~db/client";

/** A user's search text for LIKE/ILIKE, its wildcards taken literally (`_` is common in emails and action names). */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, "\\$&");
}

/**
 * Runs a statement and sends it to the server now. Drizzle's query objects
 * start on their first `then`, and `await` calls it only in a later
 * microtask; with `send` the statement is on its way (or in the client's
 * queue) before the caller goes on preparing the next one, so the database
 * works while Node does (bulk lead routing overlaps the two this way).
 */
export function send<R = Record<string, unknown>>(tx: Db, query: SQL): Promise<{ rows: R[] }> {
  return tx.execute(query).then((r) => r as unknown as { rows: R[] });
}

export interface InsertOptions {
  bulky?: { column: string; values?: unknown[]; json?: string[] };
  tail?: string;
  where?: string;
  extra?: Record<string, string>;
  /** Columns with the same value in every row: column → [SQL type, value] (objects go as json text). */
  same?: Record<string, [type: string, value: unknown]>;
}

/**
 * A multi-row INSERT with one parameter: the rows as a json array, unpacked
 * with json_to_recordset (drizzle's values() builder costs ~0.2 ms per row,
 * more than the database; one json text parsed once is the cheapest way in).
 * `cols` maps column → SQL type; table, column names and `tail` are the
 * callers' constants, never input. Returns the statement, to run alone
 * (send) or as one part of a larger one (a data-modifying WITH).
 *
 * - `bulky` names a json column whose values come as a second json array,
 *   matched by position: json_to_recordset would check a json column's text
 *   twice (the array, then the value), which for large values is most of the
 *   statement's time. `bulkyJson` gives those values already as json texts.
 * - `tail` is appended to the statement (e.g. `on conflict (k) do nothing
 *   returning id, k`).
 * - `where` filters the rows (an SQL condition over `v.<column>`); `extra`
 *   declares row fields it reads that are not columns of the table.
 * - `same` gives columns whose value every row shares, as parameters.
 */
export function insertSql(
  table: string,
  cols: Record<string, string>,
  rows: Record<string, unknown>[],
  opts: InsertOptions = {},
): SQL {
  const { bulky, tail = "", where, extra = {}, same = {} } = opts;
  const names = Object.keys(cols);
  const all = { ...cols, ...extra };
  const defs = Object.entries(all)
    .map(([n, t]) => `${n} ${t}`)
    .join(", ");
  const filter = where ? sql.raw(` where ${where}`) : sql``;
  // Values every row shares: one parameter each instead of a copy per row in the json.
  const sameNames = Object.keys(same);
  const sameValues = sameNames.map((n) => {
    const [type, value] = same[n]!;
    const text = value === null || typeof value === "string" ? value : JSON.stringify(value);
    return sql`, ${text}::${sql.raw(type)}`;
  });
  const columns = sql.raw([...names, ...(bulky ? [bulky.column] : []), ...sameNames].join(", "));
  const selected = sql.raw(names.map((n) => `v.${n}`).join(", "));
  if (!bulky) {
    return sql`insert into ${sql.raw(table)} (${columns}) select ${selected}${sql.join(sameValues)} from json_to_recordset(${JSON.stringify(rows)}::json) as v(${sql.raw(defs)})${filter} ${sql.raw(tail)}`;
  }
  const values = bulky.json ? `[${bulky.json.join(",")}]` : JSON.stringify(bulky.values ?? []);
  return sql`
      insert into ${sql.raw(table)} (${columns})
      select ${selected}, b.value${sql.join(sameValues)}
        from rows from (json_to_recordset(${JSON.stringify(rows)}::json) as (${sql.raw(defs)}))
             with ordinality as v(${sql.raw(Object.keys(all).join(", "))}, n)
        join json_array_elements(${values}::json) with ordinality as b(value, n) using (n)${filter}
      ${sql.raw(tail)}`;
}

/**
 * Several data-modifying statements as one: `with a as (…), b as (…) select …`.
 * Each part sees the same snapshot and they all run to completion (foreign
 * keys between them are checked at the end of the statement), so a
 * transaction's writes go to the server in one round trip. Empty parts are
 * left out. `select` is the final query (default: `select 1`).
 */
export function withParts(parts: Array<[name: string, statement: SQL] | null>, select?: SQL): SQL {
  const used = parts.filter((p): p is [string, SQL] => p !== null);
  if (used.length === 0) return select ?? sql`select 1`;
  return sql`with ${sql.join(
    used.map(([name, statement]) => sql`${sql.raw(name)} as (${statement})`),
    sql`, `,
  )} ${select ?? sql`select 1`}`;
}
