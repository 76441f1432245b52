import type { ZodError } from "zod";

/**
 * Zod issues keyed by Conform field names ("name", "addresses[1].city"; ""
 * for the form as a whole), the shape ValidationError carries so that a form
 * shows each message at its field. Shared by the server and the browser.
 */
export function fieldErrorsOf(error: ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const name = issue.path.reduce<string>(
      (acc, part) => (typeof part === "number" ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part),
      "",
    );
    const list = (out[name] ??= []);
    if (!list.includes(issue.message)) list.push(issue.message);
  }
  return out;
}
