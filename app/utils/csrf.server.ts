/**
 * Cross-site request forgery guard: a state-changing request from a browser
 * must come from our own origin. Browsers send Origin on every cross-site and
 * same-site POST; a request without Origin falls back to Referer, and one with
 * neither is refused. API calls (bearer keys, no cookies) and signed webhooks
 * are exempt.
 */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const EXEMPT_PREFIXES = ["/api/", "/webhooks/"];

export function csrfVerdict(input: {
  method: string;
  path: string;
  host: string | undefined;
  origin: string | undefined;
  referer: string | undefined;
  allowedOrigins?: string[];
}): { ok: true } | { ok: false; reason: string } {
  if (SAFE_METHODS.has(input.method.toUpperCase())) return { ok: true };
  if (EXEMPT_PREFIXES.some((p) => input.path.startsWith(p))) return { ok: true };
  const source = input.origin && input.origin !== "null" ? input.origin : input.referer;
  if (!source) return { ok: false, reason: "missing Origin" };
  let sourceHost: string;
  try {
    sourceHost = new URL(source).host;
  } catch {
    return { ok: false, reason: "malformed Origin" };
  }
  const allowed = new Set<string>();
  if (input.host) allowed.add(input.host);
  for (const o of input.allowedOrigins ?? []) {
    try {
      allowed.add(new URL(o).host);
    } catch {
      /* ignore a malformed configured origin */
    }
  }
  return allowed.has(sourceHost) ? { ok: true } : { ok: false, reason: `cross-site request from ${sourceHost}` };
}
