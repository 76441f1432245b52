import { licenseSigningPublicKeyPem } from "~/modules/licensing/keys.server";

/**
 * GET /.well-known/license-signing-key: the vendor's Ed25519 public key (SPKI
 * PEM) that verifies license keys offline. Public; it changes only when the
 * vendor rotates LICENSE_SIGNING_KEY, so caches keep it for an hour.
 */
export function loader() {
  return new Response(licenseSigningPublicKeyPem(), {
    status: 200,
    headers: {
      "Content-Type": "text/plain; charset=utf-8",
      "Cache-Control": "public, max-age=3600",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
