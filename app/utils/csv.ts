/**
 * CSV for spreadsheet exports (RFC 4180): comma-separated, CRLF line ends,
 * a field quoted when it holds a comma, a quote, CR or LF, quotes doubled.
 *
 * Exports are opened in spreadsheets, which run a cell starting with `=`, `+`,
 * `-` or `@` as a formula (CSV injection), and so do some of them for a
 * leading tab or carriage return. Such text cells get a leading `'`, which
 * spreadsheets show as text. Numbers are written as they are (a negative
 * number is not a formula).
 */
export interface CsvColumn<T> {
  header: string;
  value: (row: T) => unknown;
}

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One cell as text: null/undefined empty, dates ISO 8601, arrays joined with "; ", text formulas neutralized. */
export function csvCell(value: unknown): string {
  let text: string;
  if (value === null || value === undefined) text = "";
  else if (value instanceof Date) text = Number.isNaN(value.getTime()) ? "" : value.toISOString();
  else if (typeof value === "number" || typeof value === "bigint") text = String(value);
  else if (typeof value === "boolean") text = value ? "yes" : "no";
  else if (Array.isArray(value))
    text = neutralize(value.map((v) => (v === null || v === undefined ? "" : String(v))).join("; "));
  else text = neutralize(String(value));
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function neutralize(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** The whole file: a header row, then one row per item, each line ended by CRLF. */
export function toCsv<T>(rows: readonly T[], columns: readonly CsvColumn<T>[]): string {
  const lines = [columns.map((c) => csvCell(c.header)).join(",")];
  for (const row of rows) lines.push(columns.map((c) => csvCell(c.value(row))).join(","));
  return lines.join("\r\n") + "\r\n";
}

/** A UTF-8 byte order mark: without it, Excel reads UTF-8 CSV as the local code page (Müller becomes MÃ¼ller). */
export const CSV_BOM = "\uFEFF";
