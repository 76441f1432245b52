import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { formatDate } from "~/components/ui";
import { TrainingErrorBoundary } from "~/components/training-error-boundary";
import { certificateData } from "~/modules/training/certifications.server";
import { toHttpError } from "~/utils/errors.server";
import { isVendorRole } from "~/utils/permissions";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data ? `${data.name} · ${data.holderName}` : "Certificate"} · Channel Partner Portal` },
];

/** Own certificates; partner admins also their partner's; vendor staff all. Anything else is not found. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(
    request,
    (role) => (isVendorRole(role) ? "training:report" : "training:take"),
    context.ip,
  );
  const cert = await certificateData(ctx, params.certificationId ?? "").catch(toHttpError);
  return {
    id: cert.id,
    holderName: cert.holderName,
    partnerName: cert.partnerName,
    name: cert.name,
    courseKey: cert.courseKey,
    courseTitle: cert.courseTitle,
    courseVersion: cert.courseVersion,
    earnedAt: cert.earnedAt,
    expiresAt: cert.expiresAt,
    code: cert.code,
    verifyUrl: cert.verifyUrl,
    valid: cert.valid,
    mine: cert.mine,
  };
}

export default function CertificatePage() {
  const c = useLoaderData<typeof loader>();
  const [search] = useSearchParams();
  return (
    <>
      <div className="no-print">
        <p>
          <Link to="/training">← Training</Link>
        </p>
        {search.get("earned") && c.mine ? (
          <p className="notice" role="status">
            Congratulations: you earned {c.name}. A copy of this certificate is on its way to your mailbox.
          </p>
        ) : null}
        <div className="actions" style={{ marginBottom: "1rem" }}>
          <button type="button" onClick={() => window.print()}>
            Print
          </button>
          <a className="button" href={`/training/certificates/${c.id}.pdf`} download>
            Download PDF
          </a>
        </div>
      </div>

      <article className="certificate" aria-labelledby="certificate-title">
        <p className="certificate-brand">Channel Partner Portal</p>
        <h1 id="certificate-title">Certificate of completion</h1>
        <p className="certificate-lead">This certifies that</p>
        <p className="certificate-holder">{c.holderName}</p>
        <p className="certificate-lead">of {c.partnerName}</p>
        <p className="certificate-lead">has earned the certification</p>
        <p className="certificate-name">{c.name}</p>
        <p>
          by completing the course {c.courseTitle} (version {c.courseVersion})
        </p>
        <dl className="certificate-dates">
          <div>
            <dt>Earned</dt>
            <dd>{formatDate(c.earnedAt)}</dd>
          </div>
          <div>
            <dt>Valid until</dt>
            <dd>{formatDate(c.expiresAt)}</dd>
          </div>
          <div>
            <dt>Status</dt>
            <dd>
              <span className={`badge ${c.valid ? "good" : "bad"}`}>{c.valid ? "Valid" : "No longer valid"}</span>
            </dd>
          </div>
        </dl>
        <p className="certificate-verify">
          Verification code <strong>{c.code}</strong>
          <br />
          Check it at <a href={c.verifyUrl}>{c.verifyUrl}</a>
        </p>
      </article>
    </>
  );
}

export const ErrorBoundary = TrainingErrorBoundary;
