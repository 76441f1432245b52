/** A user's search text for LIKE/ILIKE, its wildcards taken literally (`_` is common in emails and action names). */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, "\\$&");
}
