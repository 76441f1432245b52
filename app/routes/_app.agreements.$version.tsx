import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { EmptyState, formatDate, formatDateTime } from "~/components/ui";
import { agreementDetail } from "~/modules/onboarding/agreements.server";
import { toHttpError } from "~/utils/errors.server";
import { renderMarkdown } from "~/utils/markdown.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data ? `Agreement version ${data.agreement.version}` : "Not found"} · Channel Partner Portal` },
];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "agreements:publish", context.ip);
  const detail = await agreementDetail(ctx, params.version ?? "").catch(toHttpError);
  const { body, ...agreement } = detail.agreement;
  return { ...detail, agreement: { ...agreement, html: renderMarkdown(body) } };
}

const standingLabel = { grace: "in grace period", required: "blocked until accepted" } as const;

export default function AgreementVersion() {
  const { agreement, accepted, pending } = useLoaderData<typeof loader>();
  return (
    <>
      <p>
        <Link to="/agreements">← All versions</Link>
      </p>
      <h1>
        Version {agreement.version}: {agreement.title}
      </h1>
      <p className="muted">
        {agreement.phase === "upcoming" ? "Takes effect" : "Effective"} {formatDateTime(agreement.effectiveAt)} · grace
        period {agreement.graceDays} days (accept by {formatDateTime(agreement.deadline)}) · published{" "}
        {formatDateTime(agreement.publishedAt)}
        {agreement.publishedBy ? ` by ${agreement.publishedBy}` : ""} · <strong>{agreement.phase}</strong>
      </p>

      <h2>Accepted by ({accepted.length})</h2>
      {accepted.length === 0 ? (
        <EmptyState title="No partner has accepted this version yet" />
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Partner</th>
                <th>Accepted</th>
                <th>By</th>
                <th>From address</th>
                <th>Browser</th>
              </tr>
            </thead>
            <tbody>
              {accepted.map((a) => (
                <tr key={a.id}>
                  <td>{a.partnerName}</td>
                  <td>{formatDateTime(a.acceptedAt)}</td>
                  <td>
                    {a.userName} <span className="muted">({a.userEmail})</span>
                  </td>
                  <td>{a.ip ?? "—"}</td>
                  <td className="muted" style={{ maxWidth: "22rem", overflowWrap: "anywhere" }}>
                    {a.userAgent ?? "—"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>Pending ({pending.length})</h2>
      <p className="muted">Partners in the programme that have accepted neither this version nor a later one.</p>
      {pending.length === 0 ? (
        <EmptyState title="Every partner in the programme has accepted" />
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Partner</th>
                <th>Country</th>
                <th>Status</th>
                <th>Last accepted version</th>
                {agreement.phase === "current" ? <th>Standing</th> : null}
              </tr>
            </thead>
            <tbody>
              {pending.map((p) => (
                <tr key={p.id}>
                  <td>{p.name}</td>
                  <td>{p.country}</td>
                  <td>{p.status}</td>
                  <td>{p.agreementVersion ?? "none"}</td>
                  {agreement.phase === "current" ? (
                    <td>
                      {p.standing === "grace" || p.standing === "required" ? (
                        <span className={`badge${p.standing === "required" ? " bad" : ""}`}>
                          {standingLabel[p.standing]}
                        </span>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>Text</h2>
      <article className="card">
        <p className="muted" style={{ marginTop: 0 }}>
          In force from {formatDate(agreement.effectiveAt)}
        </p>
        {/* Rendered by markdown.server: raw HTML in the source is escaped, links are checked. */}
        <div className="markdown" dangerouslySetInnerHTML={{ __html: agreement.html }} />
      </article>
    </>
  );
}
