import type { LoaderFunctionArgs } from "@remix-run/node";
import { logoForViewer } from "~/modules/partners/logo.server";
import { getDb } from "~/utils/db.server";
import { isVendorRole } from "~/utils/permissions";
import { getSessionUser } from "~/utils/session.server";

/**
 * A partner's logo. Public for partners in the locator; otherwise only for
 * the partner's own users and vendor staff. Anything else is a 404, the same
 * as an unknown slug.
 *
 * `X-Content-Type-Options: nosniff` comes with every response from
 * server/app.ts (setting it here too would send it twice).
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await getSessionUser(request);
  const viewer = user ? { partnerId: user.partnerId, vendor: isVendorRole(user.role) } : null;
  const logo = await logoForViewer(await getDb(), params.slug ?? "", viewer);
  if (!logo) {
    return new Response("Not found", {
      status: 404,
      headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" },
    });
  }
  const etag = `"${logo.sha256}"`;
  const headers = new Headers({
    "Content-Type": logo.contentType,
    ETag: etag,
    "Last-Modified": logo.updatedAt.toUTCString(),
    // Listed logos may sit in shared caches briefly; a private one only in the viewer's browser.
    "Cache-Control": logo.isPublic ? "public, max-age=300" : "private, max-age=60",
    "Content-Security-Policy": "default-src 'none'; sandbox",
  });
  if (!logo.isPublic) headers.set("Vary", "Cookie");
  const ifNoneMatch = request.headers.get("If-None-Match");
  if (ifNoneMatch && ifNoneMatch.split(",").some((t) => t.trim().replace(/^W\//, "") === etag)) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(new Uint8Array(logo.bytes), {
    status: 200,
    headers: { ...Object.fromEntries(headers), "Content-Length": String(logo.bytes.length) },
  });
}
