/** Paths whose last segment is a secret token (a capability link): logged as `:token`. */
const TOKEN_PATHS = [/^(\/apply\/status\/)[^/]+/, /^(\/invitations\/)[^/]+/, /^(\/reset-password\/)[^/]+/];

/** A request path that is safe to write to the logs. */
export function loggablePath(pathname: string): string {
  for (const re of TOKEN_PATHS) {
    if (re.test(pathname)) return pathname.replace(re, "$1:token");
  }
  return pathname;
}
