import { getFormProps, getInputProps, useForm, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { ErrorList, FormErrors } from "~/components/forms";
import { EmptyState, formatDate, formatDateTime } from "~/components/ui";
import { acceptAgreementSchema } from "~/modules/onboarding/agreement-schemas";
import { agreementStanding } from "~/modules/onboarding/agreement-standing.server";
import { acceptAgreement, agreementPage } from "~/modules/onboarding/agreements.server";
import { getDb } from "~/utils/db.server";
import { replyWithError } from "~/utils/forms.server";
import { renderMarkdown } from "~/utils/markdown.server";
import { can } from "~/utils/permissions";
import { actorOf, agreementBlocks, requirePermission, requireUser } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Programme agreement · Channel Partner Portal" }];

/**
 * The programme agreement as partner users see it. This page (with the
 * layout) is the one place that does not apply the agreement gate: a blocked
 * partner's users see only it. Partner admins accept here; partner users read.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, { agreementGate: false });
  const page = await agreementPage({ db: await getDb(), actor: actorOf(user, context.ip) });
  const text = <T extends { body: string }>({ body, ...rest }: T) => ({ ...rest, html: renderMarkdown(body) });
  return {
    partner: user.partnerId !== null,
    partnerName: user.partnerName,
    vendorAdmin: can(user.role, "agreements:publish"),
    current: page.current ? text(page.current) : null,
    upcoming: page.upcoming ? text(page.upcoming) : null,
    standing: page.standing,
    acceptedVersion: page.acceptedVersion,
    history: page.history,
    canAccept: page.canAccept,
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { user, ctx } = await requirePermission(request, "agreement:accept", context.ip, { agreementGate: false });
  const formData = await request.formData();
  const submission = parseWithZod(formData, { schema: acceptAgreementSchema });
  const version = Number(formData.get("version"));
  if (submission.status !== "success") return data({ version, result: submission.reply() }, { status: 400 });
  const wasBlocked = agreementBlocks(await agreementStanding(ctx.db, user.partnerId!, new Date()));
  try {
    const accepted = await acceptAgreement(ctx, submission.value, {
      ip: context.ip,
      userAgent: request.headers.get("user-agent"),
    });
    // Stopped at the agreement until now: the portal opens.
    if (wasBlocked) return redirect("/");
    return {
      version,
      result: submission.reply({ resetForm: true }),
      notice: accepted.alreadyAccepted
        ? `Your company had already accepted version ${accepted.version}.`
        : `Thank you: version ${accepted.version} of the programme agreement is accepted for your company.`,
    };
  } catch (err) {
    const reply = replyWithError(submission, err);
    return data({ version, result: reply.data }, { status: reply.init?.status ?? 400 });
  }
}

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>;

function AcceptForm({ version, lastResult }: { version: number; lastResult?: SubmissionResult<string[]> }) {
  const busy = useNavigation().state === "submitting";
  const [form, fields] = useForm({
    id: `accept-${version}`,
    lastResult,
    constraint: getZodConstraint(acceptAgreementSchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: acceptAgreementSchema }),
  });
  return (
    <Form method="post" className="stack" style={{ maxWidth: "40rem" }} {...getFormProps(form)}>
      <FormErrors errors={form.errors} id={form.errorId} />
      <input type="hidden" name="version" value={version} />
      <div>
        <div className="checkbox-row">
          <label>
            <input {...getInputProps(fields.confirm, { type: "checkbox" })} />I have read and accept version {version}{" "}
            of the programme agreement on behalf of my company.
          </label>
        </div>
        <div className="field">
          <ErrorList id={fields.confirm.errorId} errors={fields.confirm.errors} />
          <ErrorList errors={fields.version.errors} />
        </div>
      </div>
      <button type="submit" name="intent" value="accept" disabled={busy}>
        Accept version {version}
      </button>
    </Form>
  );
}

function Status({ d }: { d: LoaderData }) {
  const { standing, history, acceptedVersion } = d;
  if (!standing || standing.state === "none") return null;
  const { current } = standing;
  if (standing.state === "ok") {
    const row = history.find((h) => h.version === acceptedVersion);
    return (
      <p className="notice" role="status">
        {row
          ? `${d.partnerName ?? "Your company"} accepted version ${row.version} on ${formatDateTime(row.acceptedAt)} (${row.userName}).`
          : `${d.partnerName ?? "Your company"} accepted version ${standing.acceptedVersion}.`}
      </p>
    );
  }
  if (standing.state === "grace") {
    return (
      <p className="notice warn" role="status">
        Your company accepted version {standing.acceptedVersion}. Version {current.version} is in force since{" "}
        {formatDate(current.effectiveAt)} and must be accepted by {formatDateTime(standing.deadline)}; after that the
        portal shows only the agreement until it is accepted.
      </p>
    );
  }
  return (
    <p className="form-error" role="alert">
      {standing.deadline
        ? `The time to accept version ${current.version} ended on ${formatDateTime(standing.deadline)}. `
        : "Your company has not accepted the programme agreement yet. "}
      The portal opens again once a partner admin of your company accepts it.
    </p>
  );
}

export default function AgreementPage() {
  const d = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const resultFor = (version: number) =>
    actionData && actionData.version === version ? (actionData.result as SubmissionResult<string[]>) : undefined;
  const { current, upcoming, standing, canAccept, partner, acceptedVersion } = d;
  const mustAcceptCurrent = partner && !!current && (acceptedVersion ?? 0) < current.version;
  const mayAcceptUpcoming = partner && !!upcoming && (acceptedVersion ?? 0) < upcoming.version;
  const formVersions = [
    ...(canAccept && mustAcceptCurrent ? [current.version] : []),
    ...(canAccept && mayAcceptUpcoming ? [upcoming.version] : []),
  ];
  // An answer about a version that has no form on the page any more (e.g. an outdated tab): shown at the top.
  const strayErrors =
    actionData && !("notice" in actionData) && !formVersions.includes(actionData.version)
      ? (actionData.result as SubmissionResult<string[]>).error
      : undefined;
  return (
    <>
      <h1>Programme agreement</h1>
      {actionData && "notice" in actionData ? (
        <p className="notice" role="status">
          {actionData.notice}
        </p>
      ) : null}
      <FormErrors errors={strayErrors ? Object.values(strayErrors).flatMap((e) => e ?? []) : null} />
      {!partner ? (
        <p className="muted">
          Partner admins accept the programme agreement here for their company.
          {d.vendorAdmin ? (
            <>
              {" "}
              Versions are published on the <Link to="/agreements">Agreements</Link> page.
            </>
          ) : null}
        </p>
      ) : null}
      <Status d={d} />

      {!current && !upcoming ? (
        <EmptyState title="No programme agreement is published yet">There is nothing to accept for now.</EmptyState>
      ) : null}

      {current ? (
        <>
          <article className="card" aria-labelledby="current-title">
            <p className="muted" style={{ marginTop: 0 }}>
              Version {current.version} · in force since {formatDate(current.effectiveAt)}
            </p>
            <h2 id="current-title" className="doc-title">
              {current.title}
            </h2>
            {/* Rendered by markdown.server: raw HTML in the source is escaped, links are checked. */}
            <div className="markdown" dangerouslySetInnerHTML={{ __html: current.html }} />
          </article>
          {mustAcceptCurrent ? (
            <div className="card">
              {canAccept ? (
                <AcceptForm version={current.version} lastResult={resultFor(current.version)} />
              ) : (
                <p style={{ margin: 0 }}>
                  A partner admin of your company must accept this agreement
                  {standing?.state === "grace" ? ` by ${formatDateTime(standing.deadline)}` : ""}.
                </p>
              )}
            </div>
          ) : null}
        </>
      ) : null}

      {upcoming ? (
        <section className="card" aria-labelledby="upcoming-title">
          <p className="muted" style={{ marginTop: 0 }}>
            Version {upcoming.version} · takes effect on {formatDate(upcoming.effectiveAt)}
            {partner && current ? `; to be accepted by ${formatDate(upcoming.deadline)}` : ""}
          </p>
          <h2 id="upcoming-title" className="doc-title">
            {upcoming.title}
          </h2>
          <details open={!current}>
            <summary>Read version {upcoming.version}</summary>
            <div className="markdown" dangerouslySetInnerHTML={{ __html: upcoming.html }} />
          </details>
          {mayAcceptUpcoming ? (
            canAccept ? (
              <>
                <p>You may accept it now, ahead of its effective date.</p>
                <AcceptForm version={upcoming.version} lastResult={resultFor(upcoming.version)} />
              </>
            ) : (
              <p>A partner admin of your company will need to accept it.</p>
            )
          ) : partner ? (
            <p className="muted">Your company has accepted this version.</p>
          ) : null}
        </section>
      ) : null}

      {partner ? (
        <>
          <h2>Your company's acceptances</h2>
          {d.history.length === 0 ? (
            <EmptyState title="No acceptances yet" />
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>Version</th>
                    <th>Title</th>
                    <th>Accepted</th>
                    <th>By</th>
                    <th>From address</th>
                  </tr>
                </thead>
                <tbody>
                  {d.history.map((h) => (
                    <tr key={h.id}>
                      <td>{h.version}</td>
                      <td>{h.title}</td>
                      <td>{formatDateTime(h.acceptedAt)}</td>
                      <td>
                        {h.userName} <span className="muted">({h.userEmail})</span>
                      </td>
                      <td>{h.ip ?? "—"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      ) : null}
    </>
  );
}
