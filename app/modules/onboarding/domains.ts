/**
 * Domain normalization shared by applications, profiles and (later) deal
 * conflict checks: lowercase, no scheme, path, port, trailing dot or `www.`.
 * Returns null when what is left is not a plausible host name.
 */
export function normalizeDomain(input: string): string | null {
  let s = input.trim().toLowerCase();
  if (!s) return null;
  const at = s.lastIndexOf("@");
  if (at >= 0) s = s.slice(at + 1);
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//, "");
  s = s.split(/[/?#]/, 1)[0]!;
  s = s.replace(/:\d+$/, "").replace(/\.$/, "");
  if (s.startsWith("www.")) s = s.slice(4);
  const label = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
  if (!new RegExp(`^(?:${label}\\.)+[a-z][a-z0-9-]{1,62}$`).test(s)) return null;
  return s;
}

/** The domain of an email address, normalized; null when malformed. */
export function emailDomain(email: string): string | null {
  const at = email.lastIndexOf("@");
  return at > 0 ? normalizeDomain(email.slice(at + 1)) : null;
}

/**
 * Whether an email domain belongs to a website's domain: the same, or a
 * subdomain of it (mail.example.com for example.com), or the other way round.
 */
export function sameOrganisationDomain(a: string, b: string): boolean {
  return a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`);
}
