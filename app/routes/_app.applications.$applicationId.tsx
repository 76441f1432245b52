import { getFormProps } from "@conform-to/react";
import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { FormErrors, SelectField, TextArea } from "~/components/forms";
import {
  ActionDialog,
  Dt,
  intentHasErrors,
  useIntentForm,
  type IntentResult,
  ActionMessages,
} from "~/components/intent-forms";
import { runIntent } from "~/utils/intent-action.server";
import { EmptyState, formatDateTime } from "~/components/ui";
import {
  applicationStatusLabels,
  approveSchema,
  businessTypeLabels,
  noteSchema,
  rejectSchema,
  requestInfoSchema,
  type ApplicationStatus,
  type BusinessType,
} from "~/modules/onboarding/application-schemas";
import { nowOf } from "~/modules/auth/actor";
import { tierLadderInForce } from "~/modules/tiers/in-force.server";
import { tierName } from "~/modules/tiers/rules";
import {
  addApplicationNote,
  approveApplication,
  getApplicationForReview,
  rejectApplication,
  requestApplicationInformation,
  reviewerOptions,
} from "~/modules/onboarding/applications.server";
import { countryName } from "~/utils/countries";
import { toHttpError } from "~/utils/errors.server";
import { roleLabels } from "~/utils/permissions";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.application.companyName ?? "Application"} · Applications · Channel Partner Portal` },
];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "applications:review", context.ip);
  const detail = await getApplicationForReview(ctx, params.applicationId ?? "").catch(toHttpError);
  const owners = await reviewerOptions(ctx);
  // The initial tier is chosen from the ladder in force (its names label the tiers).
  const tiers = await tierLadderInForce(ctx.db, nowOf(ctx));
  // The country's name from the server's Intl (the browser's may differ and break hydration).
  return { ...detail, countryLabel: countryName(detail.application.country), owners, tiers };
}

const forms = {
  note: { schema: noteSchema, run: addApplicationNote, done: "Note added." },
  approve: {
    schema: approveSchema,
    run: approveApplication,
    done: "Approved: the partner exists and its admin was invited.",
  },
  reject: { schema: rejectSchema, run: rejectApplication, done: "Rejected: the applicant was told the reason." },
  "request-info": {
    schema: requestInfoSchema,
    run: requestApplicationInformation,
    done: "Question sent: the applicant answers through the status link.",
  },
} as const;

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { ctx } = await requirePermission(request, "applications:review", context.ip);
  return runIntent(await request.formData(), forms, ctx, params.applicationId ?? "");
}

function statusBadge(status: ApplicationStatus) {
  const tone =
    status === "approved" ? "good" : status === "rejected" ? "bad" : status === "info_requested" ? "silver" : "";
  return <span className={`badge ${tone}`}>{applicationStatusLabels[status]}</span>;
}

const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });

export default function ApplicationDetail() {
  const {
    application: a,
    countryLabel,
    partner,
    notes,
    messages,
    related,
    owners,
    tiers,
  } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as IntentResult | undefined;
  const busy = useNavigation().state === "submitting";

  const [noteForm, noteFields] = useIntentForm("note", noteSchema, actionData);
  const [approveForm, approveFields] = useIntentForm("approve", approveSchema, actionData);
  const [rejectForm, rejectFields] = useIntentForm("reject", rejectSchema, actionData);
  const [infoForm, infoFields] = useIntentForm("request-info", requestInfoSchema, actionData);
  const errorsOf = (intent: string) => intentHasErrors(actionData, intent);

  const website = /^https?:\/\//.test(a.website) ? a.website : null;
  return (
    <>
      <p>
        <Link to="/applications">← All applications</Link>
      </p>
      <h1>
        {a.companyName} {statusBadge(a.status)}
      </h1>
      <ActionMessages result={actionData} />
      {a.contactDomainMismatch ? (
        <p className="warning" role="note">
          The contact address is at <strong>{a.contactDomain ?? "another domain"}</strong>, not at the company&apos;s
          domain <strong>{a.primaryDomain}</strong>. The applicant confirmed this on the form; check that the contact
          really works for the company.
        </p>
      ) : null}
      {related.sameDomain.length ? (
        <p className="warning" role="note">
          Partners on this domain already exist:{" "}
          {related.sameDomain.map((p, i) => (
            <span key={p.id}>
              {i > 0 ? ", " : ""}
              <Link to={`/directory/${p.id}`}>{p.name}</Link> ({p.primaryDomain}, {p.status})
            </span>
          ))}
          .
        </p>
      ) : null}

      <div
        className="grid"
        style={{ gridTemplateColumns: "repeat(auto-fit, minmax(300px, 1fr))", alignItems: "start" }}
      >
        <section className="card">
          <h2 style={{ marginTop: 0 }}>Company</h2>
          <dl style={{ margin: 0 }}>
            <Dt label="Legal name">{a.legalName}</Dt>
            <Dt label="Website">
              {website ? (
                <a href={website} target="_blank" rel="noopener noreferrer nofollow">
                  {a.website}
                </a>
              ) : (
                a.website
              )}
            </Dt>
            <Dt label="Primary domain">{a.primaryDomain}</Dt>
            <Dt label="Country and region">
              {countryLabel}
              {a.region ? ` · ${a.region}` : ""}
            </Dt>
            <Dt label="Address">
              <span style={{ whiteSpace: "pre-wrap" }}>{a.address}</span>
            </Dt>
            <Dt label="Registration number">{a.registrationId}</Dt>
            <Dt label="Business type">{businessTypeLabels[a.businessType as BusinessType]}</Dt>
            <Dt label="Specializations">{a.specializationLabels.join(", ")}</Dt>
            <Dt label="Expected annual volume">{usd.format(a.expectedAnnualVolume)}</Dt>
          </dl>
        </section>
        <section className="card">
          <h2 style={{ marginTop: 0 }}>Contact and application</h2>
          <dl style={{ margin: 0 }}>
            <Dt label="Contact">{a.contactName}</Dt>
            <Dt label="Email">
              {a.contactEmail}
              {a.contactDomainMismatch ? <span className="badge bad"> outside the domain</span> : null}
            </Dt>
            <Dt label="Phone">{a.contactPhone}</Dt>
            <Dt label="Received">{formatDateTime(a.createdAt)}</Dt>
            <Dt label="Privacy notice accepted">{formatDateTime(a.privacyAcceptedAt)}</Dt>
            <Dt label="Sent from">
              {a.ip ?? "—"}
              {a.userAgent ? <div className="muted">{a.userAgent}</div> : null}
            </Dt>
            {a.decidedAt ? (
              <Dt label="Decision">
                {applicationStatusLabels[a.status]} by {a.decidedByName ?? "—"} at {formatDateTime(a.decidedAt)}
                {a.initialTier ? ` · ${tierName(tiers, a.initialTier)}` : ""}
                {a.ownerName ? ` · owner ${a.ownerName}` : ""}
              </Dt>
            ) : null}
            {a.decisionReason ? (
              <Dt label="Reason sent to the applicant">
                <span style={{ whiteSpace: "pre-wrap" }}>{a.decisionReason}</span>
              </Dt>
            ) : null}
            {partner ? (
              <Dt label="Partner">
                <Link to={`/directory/${partner.id}`}>{partner.name}</Link> ({partner.status})
              </Dt>
            ) : null}
          </dl>
        </section>
      </div>

      {a.open ? (
        <section className="card">
          <h2 style={{ marginTop: 0 }}>Decision</h2>
          <p className="muted">
            Approving creates the partner and invites {a.contactEmail} as its partner admin. Rejecting and asking for
            more information mail the applicant your text.
          </p>
          <div className="actions">
            <ActionDialog
              intent="approve"
              label="Approve…"
              title={`Approve ${a.companyName}`}
              hasErrors={errorsOf("approve")}
            >
              <Form method="post" {...getFormProps(approveForm)} className="stack">
                <FormErrors errors={approveForm.errors} id={approveForm.errorId} />
                <SelectField
                  label="Initial tier"
                  field={approveFields.tier}
                  options={tiers.map((t) => ({ value: t.key, label: t.name }))}
                />
                <SelectField
                  label="Owner (channel manager)"
                  field={approveFields.ownerUserId}
                  options={owners.map((o) => ({ value: o.id, label: `${o.name} (${roleLabels[o.role]})` }))}
                />
                <button type="submit" name="intent" value="approve" disabled={busy}>
                  Approve and invite the partner admin
                </button>
              </Form>
            </ActionDialog>
            <ActionDialog
              intent="request-info"
              label="Ask for more information…"
              title="Ask the applicant for more information"
              hasErrors={errorsOf("request-info")}
            >
              <Form method="post" {...getFormProps(infoForm)} className="stack">
                <FormErrors errors={infoForm.errors} id={infoForm.errorId} />
                <TextArea label="Question (mailed to the applicant)" field={infoFields.message} rows={6} />
                <button type="submit" name="intent" value="request-info" disabled={busy}>
                  Send the question
                </button>
              </Form>
            </ActionDialog>
            <ActionDialog
              intent="reject"
              label="Reject…"
              title={`Reject ${a.companyName}`}
              hasErrors={errorsOf("reject")}
              danger
            >
              <Form method="post" {...getFormProps(rejectForm)} className="stack">
                <FormErrors errors={rejectForm.errors} id={rejectForm.errorId} />
                <TextArea label="Reason (mailed to the applicant)" field={rejectFields.reason} rows={6} />
                <button type="submit" name="intent" value="reject" className="danger" disabled={busy}>
                  Reject and tell the applicant
                </button>
              </Form>
            </ActionDialog>
          </div>
        </section>
      ) : null}

      <h2>Messages with the applicant</h2>
      {messages.length === 0 ? (
        <EmptyState title="No messages">Questions you ask and the applicant&apos;s answers appear here.</EmptyState>
      ) : (
        messages.map((m) => (
          <div key={m.id} className="card">
            <div className="muted" style={{ fontSize: "0.85rem" }}>
              {m.direction === "to_applicant"
                ? `Question from ${m.authorName ?? "the channel team"}`
                : "Answer from the applicant"}{" "}
              · {formatDateTime(m.createdAt)}
            </div>
            <p style={{ whiteSpace: "pre-wrap", marginBottom: 0 }}>{m.body}</p>
          </div>
        ))
      )}

      <h2>Internal notes</h2>
      <p className="muted">Only the vendor&apos;s staff see these; the applicant never does.</p>
      {notes.map((n) => (
        <div key={n.id} className="card">
          <div className="muted" style={{ fontSize: "0.85rem" }}>
            {n.authorName} · {formatDateTime(n.createdAt)}
          </div>
          <p style={{ whiteSpace: "pre-wrap", marginBottom: 0 }}>{n.body}</p>
        </div>
      ))}
      <Form method="post" {...getFormProps(noteForm)} className="stack" style={{ maxWidth: 640 }}>
        <FormErrors errors={noteForm.errors} id={noteForm.errorId} />
        <TextArea label="Add a note" field={noteFields.body} />
        <button type="submit" name="intent" value="note" className="secondary" disabled={busy}>
          Add the note
        </button>
      </Form>

      <h2>Related records</h2>
      {related.sameDomain.length + related.similarNames.length + related.otherApplications.length === 0 ? (
        <EmptyState title="Nothing related">
          No partner or other application shares this domain or a similar name.
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Record</th>
                <th>Domain</th>
                <th>Why</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {related.sameDomain.map((p) => (
                <tr key={`d-${p.id}`}>
                  <td>
                    <Link to={`/directory/${p.id}`}>{p.name}</Link> <span className="muted">partner</span>
                  </td>
                  <td>{p.primaryDomain}</td>
                  <td>Same domain</td>
                  <td>{p.status}</td>
                </tr>
              ))}
              {related.similarNames.map((p) => (
                <tr key={`n-${p.id}`}>
                  <td>
                    <Link to={`/directory/${p.id}`}>{p.name}</Link> <span className="muted">partner</span>
                  </td>
                  <td>{p.primaryDomain}</td>
                  <td>Similar name</td>
                  <td>{p.status}</td>
                </tr>
              ))}
              {related.otherApplications.map((o) => (
                <tr key={`a-${o.id}`}>
                  <td>
                    <Link to={`/applications/${o.id}`}>{o.companyName}</Link>{" "}
                    <span className="muted">application of {formatDateTime(o.createdAt)}</span>
                  </td>
                  <td>{o.primaryDomain}</td>
                  <td>{o.primaryDomain === a.primaryDomain ? "Same domain" : "Similar name"}</td>
                  <td>{statusBadge(o.status)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
