import type { LoaderFunctionArgs } from "@remix-run/node";
import { certificateData } from "~/modules/training/certifications.server";
import { certificatePdf } from "~/modules/training/pdf.server";
import { toHttpError } from "~/utils/errors.server";
import { isVendorRole } from "~/utils/permissions";
import { requirePermission } from "~/utils/session.server";

/** GET /training/certificates/<id>.pdf: the certificate as an A4 landscape PDF download (same access as the page). */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(
    request,
    (role) => (isVendorRole(role) ? "training:report" : "training:take"),
    context.ip,
  );
  const cert = await certificateData(ctx, params.certificationId ?? "").catch(toHttpError);
  const pdf = new Uint8Array(await certificatePdf(cert));
  return new Response(pdf, {
    status: 200,
    headers: {
      "Content-Type": "application/pdf",
      "Content-Disposition": `attachment; filename="certificate-${cert.code}.pdf"`,
      "Content-Length": String(pdf.byteLength),
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
