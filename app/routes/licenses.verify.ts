import { redirect } from "@remix-run/node";

/**
 * /licenses/verify, the address the key mails link to (access.server.ts's
 * verifyPageUrl): the public verify page lives at /verify-license. A static
 * segment, so it wins over /licenses/:licenseId (which needs a sign-in).
 */
export function loader() {
  return redirect("/verify-license", 301);
}
