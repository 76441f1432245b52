import { data, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { PublicLayout } from "~/components/public-layout";
import { formatDate } from "~/components/ui";
import { verifyCertification } from "~/modules/training/certifications.server";
import { getDb } from "~/utils/db.server";

export const meta: MetaFunction = () => [
  { title: "Verify a certification · Channel Partner Portal" },
  { name: "robots", content: "noindex" },
];

/**
 * Public (no sign-in): confirms a certification by its code with the holder's
 * name, company, certification, course, dates and validity, and nothing else.
 */
export async function loader({ params }: LoaderFunctionArgs) {
  const found = await verifyCertification(await getDb(), params.code ?? "", new Date());
  const headers = { "Cache-Control": "no-store", "X-Robots-Tag": "noindex" };
  if (!found) return data({ found: null }, { status: 404, headers });
  return data(
    {
      found: {
        holderName: found.holderName,
        partnerName: found.partnerName,
        certificationName: found.certificationName,
        courseTitle: found.courseTitle,
        earnedAt: found.earnedAt,
        expiresAt: found.expiresAt,
        valid: found.valid,
        state: found.state,
      },
    },
    { headers },
  );
}

/** Validity changes over time (expiry, revocation): never cached. */
export const headers: HeadersFunction = () => ({ "Cache-Control": "no-store", "X-Robots-Tag": "noindex" });

const stateText = { valid: "Valid", expired: "Expired", revoked: "Revoked" } as const;

export default function VerifyPage() {
  const { found } = useLoaderData<typeof loader>();
  return (
    <PublicLayout narrow>
      <h1>Certification check</h1>
      {found ? (
        <div className="card">
          <p className={found.valid ? "notice" : "form-error"} role="status">
            {found.valid
              ? `This certification is valid until ${formatDate(found.expiresAt)}.`
              : `This certification is not valid: ${stateText[found.state].toLowerCase()}.`}
          </p>
          <dl className="verify-facts">
            <dt>Holder</dt>
            <dd>{found.holderName}</dd>
            <dt>Company</dt>
            <dd>{found.partnerName}</dd>
            <dt>Certification</dt>
            <dd>{found.certificationName}</dd>
            <dt>Course</dt>
            <dd>{found.courseTitle}</dd>
            <dt>Earned</dt>
            <dd>{formatDate(found.earnedAt)}</dd>
            <dt>Expires</dt>
            <dd>{formatDate(found.expiresAt)}</dd>
            <dt>Status</dt>
            <dd>
              <span className={`badge ${found.valid ? "good" : "bad"}`}>{stateText[found.state]}</span>
            </dd>
          </dl>
        </div>
      ) : (
        <div className="card empty">
          <strong>No certification with this code</strong>
          <p>Check the code on the certificate: it has 12 letters and digits.</p>
        </div>
      )}
      <p className="muted">
        Certifications are issued by the vendor&apos;s partner programme. <Link to="/partners">Find a partner</Link>.
      </p>
    </PublicLayout>
  );
}
