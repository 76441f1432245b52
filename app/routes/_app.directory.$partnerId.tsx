import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useRef } from "react";
import { ErrorList } from "~/components/forms";
import { EmptyState, formatDate, formatDateTime } from "~/components/ui";
import { changePartnerOwner, getPartnerDetail } from "~/modules/partners/directory.server";
import { addPartnerNote, NOTE_MAX } from "~/modules/partners/notes.server";
import { reinstatePartner, suspendPartner, terminatePartner } from "~/modules/partners/status.server";
import { countryName } from "~/utils/countries";
import { DomainError, NotFoundError, ValidationError, toHttpError } from "~/utils/errors.server";
import { can, roleLabels, type Role } from "~/utils/permissions";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.detail.partner.name ?? "Partner"} · Partners · Channel Partner Portal` },
];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { user, ctx } = await requirePermission(request, "partners:read-all", context.ip);
  const detail = await getPartnerDetail(ctx, params.partnerId ?? "").catch(toHttpError);
  return {
    detail,
    manage: can(user.role, "partners:manage"),
    auditLink: can(user.role, "audit:read"),
    noteMax: NOTE_MAX,
  };
}

const manageIntents = new Set(["change-owner", "suspend", "reinstate", "terminate"]);
const notices: Record<string, string> = {
  "add-note": "Note added.",
  "change-owner": "Owner saved.",
  suspend: "The partner is suspended: its people are signed out and its admins are told.",
  reinstate: "The partner is reinstated and its admins are told.",
  terminate: "The partnership is terminated and its admins are told.",
};

export async function action({ request, params, context }: ActionFunctionArgs) {
  const formData = await request.formData();
  const intent = String(formData.get("intent") ?? "");
  const { ctx } = await requirePermission(
    request,
    manageIntents.has(intent) ? "partners:manage" : "partners:read-all",
    context.ip,
  );
  const id = params.partnerId ?? "";
  const reason = { reason: formData.get("reason") ?? undefined };
  const fail = (error: string, status: number, fields: Record<string, string[]> = {}) =>
    data({ intent, error, fields }, { status });
  try {
    if (intent === "add-note") await addPartnerNote(ctx, id, { body: formData.get("body") });
    else if (intent === "change-owner") await changePartnerOwner(ctx, id, { ownerUserId: formData.get("ownerUserId") });
    else if (intent === "suspend") await suspendPartner(ctx, id, reason);
    else if (intent === "reinstate") await reinstatePartner(ctx, id, reason);
    else if (intent === "terminate") await terminatePartner(ctx, id, reason);
    else return fail("Unknown action.", 400);
  } catch (err) {
    if (err instanceof NotFoundError) toHttpError(err);
    if (err instanceof ValidationError) return fail(err.message, 400, err.fields);
    if (err instanceof DomainError) return fail(err.message, err.status);
    throw err;
  }
  return { intent, notice: notices[intent]! };
}

/** Label and value side by side, the label muted. */
const factsStyle = { display: "grid", gridTemplateColumns: "max-content 1fr", gap: "0.3rem 1rem", margin: 0 } as const;

const ddStyle = { margin: 0, minWidth: 0, overflowWrap: "anywhere" } as const;

/** Forms whose field errors show under their fields. */
const fieldsInline = new Set(["add-note", "change-owner"]);

function statusBadge(status: string): string {
  if (status === "active") return "badge good";
  if (status === "suspended" || status === "terminated") return "badge bad";
  return "badge";
}

/** Only http(s) addresses become links: a partner-typed `javascript:` URL stays text. */
function safeHref(url: string | null): string | null {
  return url && /^https?:\/\//i.test(url) ? url : null;
}

/**
 * A destructive action behind a dialog that asks for a reason (ConfirmButton
 * with a reason field): the dialog's form posts `intent` and `reason`.
 */
function ReasonDialogButton({
  intent,
  label,
  question,
  confirmLabel,
  reasonRequired,
  danger = true,
}: {
  intent: string;
  label: string;
  question: string;
  confirmLabel: string;
  reasonRequired: boolean;
  danger?: boolean;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const busy = useNavigation().state === "submitting";
  const fieldId = `${intent}-reason`;
  return (
    <>
      <button type="button" className="secondary" onClick={() => dialog.current?.showModal()}>
        {label}
      </button>
      <dialog ref={dialog} aria-labelledby={`${intent}-question`}>
        <p id={`${intent}-question`}>{question}</p>
        <Form method="post" className="stack" onSubmit={() => dialog.current?.close()}>
          <div className="field">
            <label htmlFor={fieldId}>
              {reasonRequired ? "Reason (sent to the partner's admins)" : "Note to the partner (optional)"}
            </label>
            <textarea id={fieldId} name="reason" rows={4} maxLength={2000} required={reasonRequired} />
          </div>
          <div className="actions">
            <button
              type="submit"
              name="intent"
              value={intent}
              className={danger ? "danger" : undefined}
              disabled={busy}
            >
              {confirmLabel}
            </button>
            <button type="button" className="secondary" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
          </div>
        </Form>
      </dialog>
    </>
  );
}

export default function PartnerPage() {
  const { detail, manage, auditLink, noteMax } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const { partner, people, acceptances, notes, activity, application, ownerOptions } = detail;
  const fieldErrors = (intent: string, field: string) =>
    actionData && "fields" in actionData && actionData.intent === intent ? actionData.fields[field] : undefined;
  const website = safeHref(partner.website);
  const canSuspend = partner.status === "active" || partner.status === "approved";

  return (
    <>
      <p>
        <Link to="/directory">← All partners</Link>
      </p>
      <h1>
        {partner.name}{" "}
        <span className={statusBadge(partner.status)} data-testid="partner-status">
          {partner.status}
        </span>{" "}
        <span className={`badge ${partner.tier}`}>{partner.tier}</span>
      </h1>
      {actionData && "notice" in actionData ? (
        <p className="notice" role="status">
          {actionData.notice}
        </p>
      ) : null}
      {actionData && "error" in actionData ? (
        <div className="form-error" role="alert">
          {actionData.error}
          {/* The reason fields live in dialogs that close on submit: their messages are shown here. */}
          {fieldsInline.has(actionData.intent) ? "" : ` ${Object.values(actionData.fields).flat().join(" ")}`}
        </div>
      ) : null}

      {partner.status === "suspended" || partner.status === "terminated" ? (
        <div className="warning">
          <strong>
            {partner.status === "suspended" ? "Suspended" : "Terminated"} {formatDateTime(partner.statusChangedAt)}
          </strong>
          {partner.statusReason ? <div style={{ whiteSpace: "pre-wrap" }}>{partner.statusReason}</div> : null}
          <div className="muted">
            {partner.status === "suspended"
              ? "Its people cannot sign in and its API keys are refused until it is reinstated."
              : "Kept for history. Nobody can sign in any more."}
          </div>
        </div>
      ) : null}

      {manage && partner.status !== "terminated" ? (
        <div className="actions" style={{ marginBottom: "1rem" }}>
          {canSuspend ? (
            <ReasonDialogButton
              intent="suspend"
              label="Suspend"
              question={`Suspend ${partner.name}? Its people are signed out at once and cannot sign in, and its API keys stop working, until it is reinstated. Its admins receive the reason by mail.`}
              confirmLabel="Suspend the partner"
              reasonRequired
            />
          ) : null}
          {partner.status === "suspended" ? (
            <ReasonDialogButton
              intent="reinstate"
              label="Reinstate"
              question={`Reinstate ${partner.name}? Its people can sign in again and its admins are told by mail.`}
              confirmLabel="Reinstate the partner"
              reasonRequired={false}
              danger={false}
            />
          ) : null}
          <ReasonDialogButton
            intent="terminate"
            label="Terminate"
            question={`Terminate ${partner.name}? This ends the partnership for good: nobody can sign in any more and it cannot be reinstated. Its records are kept. Its admins receive the reason by mail.`}
            confirmLabel="Terminate the partnership"
            reasonRequired
          />
        </div>
      ) : null}

      <div className="grid" style={{ gridTemplateColumns: "repeat(auto-fit, minmax(320px, 1fr))" }}>
        <div className="card">
          <h2 style={{ marginTop: 0 }}>Profile</h2>
          <dl style={factsStyle}>
            <dt className="muted">Legal name</dt>
            <dd style={ddStyle}>{partner.legalName}</dd>
            <dt className="muted">Website</dt>
            <dd style={ddStyle}>
              {website ? (
                <a href={website} rel="noopener noreferrer nofollow" target="_blank">
                  {partner.website}
                </a>
              ) : (
                (partner.website ?? "—")
              )}
            </dd>
            <dt className="muted">Primary domain</dt>
            <dd style={ddStyle}>{partner.primaryDomain}</dd>
            <dt className="muted">Country</dt>
            <dd style={ddStyle}>
              {partner.countryName}
              {partner.region ? `, ${partner.region}` : ""}
            </dd>
            <dt className="muted">Business type</dt>
            <dd style={ddStyle}>{partner.businessType ? partner.businessType.replaceAll("_", " ") : "—"}</dd>
            <dt className="muted">Registration id</dt>
            <dd style={ddStyle}>{partner.registrationId ?? "—"}</dd>
            <dt className="muted">Phone</dt>
            <dd style={ddStyle}>{partner.phone ?? "—"}</dd>
          </dl>
        </div>
        <div className="card">
          <h2 style={{ marginTop: 0 }}>Programme</h2>
          <dl style={factsStyle}>
            <dt className="muted">Agreement</dt>
            <dd style={ddStyle}>
              {partner.agreementVersion === null ? "Not accepted yet" : `Version ${partner.agreementVersion}`}
            </dd>
            <dt className="muted">Specializations</dt>
            <dd style={ddStyle}>
              {partner.specializationLabels.length ? partner.specializationLabels.map((s) => s.label).join(", ") : "—"}
            </dd>
            <dt className="muted">Territories</dt>
            <dd style={ddStyle}>
              {partner.territories.length
                ? partner.territories.map((t) => (t.length === 2 ? countryName(t) : t)).join(", ")
                : "—"}
            </dd>
            <dt className="muted">Public partner locator</dt>
            <dd style={ddStyle}>{partner.listedInLocator ? "Listed" : "Not listed"}</dd>
            <dt className="muted">Partner since</dt>
            <dd style={ddStyle}>{formatDate(partner.createdAt)}</dd>
            <dt className="muted">Application</dt>
            <dd style={ddStyle}>
              {application ? (
                <Link to={`/applications/${application.id}`}>
                  Applied {formatDate(application.createdAt)} ({application.status.replaceAll("_", " ")})
                </Link>
              ) : (
                "—"
              )}
            </dd>
          </dl>
        </div>
        <div className="card">
          <h2 style={{ marginTop: 0 }}>Owner</h2>
          <p>
            {partner.ownerName ? (
              <>
                {partner.ownerName}
                <div className="muted">{partner.ownerEmail}</div>
              </>
            ) : (
              <span className="muted">No channel manager owns this partner.</span>
            )}
          </p>
          {manage ? (
            <Form method="post" className="stack" key={partner.ownerUserId ?? "none"}>
              <div className="field">
                <label htmlFor="ownerUserId">Change the owner</label>
                <select id="ownerUserId" name="ownerUserId" defaultValue={partner.ownerUserId ?? ""}>
                  <option value="">Unassigned</option>
                  {ownerOptions.map((o) => (
                    <option key={o.id} value={o.id}>
                      {o.name}
                    </option>
                  ))}
                </select>
                <ErrorList errors={fieldErrors("change-owner", "ownerUserId")} />
              </div>
              <button type="submit" name="intent" value="change-owner" className="secondary" disabled={busy}>
                Save the owner
              </button>
            </Form>
          ) : null}
        </div>
      </div>

      {partner.description ? (
        <div className="card">
          <h2 style={{ marginTop: 0 }}>About</h2>
          <p style={{ whiteSpace: "pre-wrap" }}>{partner.description}</p>
        </div>
      ) : null}

      <h2>Addresses</h2>
      {partner.addresses.length === 0 ? (
        <p className="muted">No addresses yet.</p>
      ) : (
        <div className="grid">
          {partner.addresses.map((a, i) => (
            <div className="card" key={i}>
              <strong>{a.label}</strong>
              <div>{a.street}</div>
              <div>
                {a.postalCode} {a.city}
              </div>
              <div>
                {a.region ? `${a.region}, ` : ""}
                {countryName(a.country)}
              </div>
            </div>
          ))}
        </div>
      )}

      <h2>Contacts</h2>
      {partner.contacts.length === 0 ? (
        <p className="muted">No contacts yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Role</th>
                <th>Name</th>
                <th>Email</th>
                <th>Phone</th>
              </tr>
            </thead>
            <tbody>
              {partner.contacts.map((c, i) => (
                <tr key={i}>
                  <td>{c.role}</td>
                  <td>{c.name}</td>
                  <td>{c.email}</td>
                  <td>{c.phone}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>People</h2>
      {people.length === 0 ? (
        <p className="muted">Nobody has an account yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Email</th>
                <th>Role</th>
                <th>Status</th>
                <th>Last sign-in</th>
              </tr>
            </thead>
            <tbody>
              {people.map((p) => (
                <tr key={p.id}>
                  <td>{p.name}</td>
                  <td>{p.email}</td>
                  <td>{roleLabels[p.role as Role]}</td>
                  <td>
                    <span className={`badge ${p.status === "active" ? "good" : "bad"}`}>{p.status}</span>
                  </td>
                  <td>{formatDateTime(p.lastSignInAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>Agreement history</h2>
      {acceptances.length === 0 ? (
        <p className="muted">No agreement accepted yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Version</th>
                <th>Title</th>
                <th>Accepted by</th>
                <th>At</th>
                <th>From</th>
              </tr>
            </thead>
            <tbody>
              {acceptances.map((a) => (
                <tr key={a.id}>
                  <td>v{a.version}</td>
                  <td>{a.title}</td>
                  <td>
                    {a.userName}
                    <div className="muted">{a.userEmail}</div>
                  </td>
                  <td>{formatDateTime(a.acceptedAt)}</td>
                  <td>
                    {a.ip ?? "—"}
                    {a.userAgent ? <div className="muted">{a.userAgent}</div> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>Internal notes</h2>
      <p className="muted">Only the vendor's staff see these notes.</p>
      <Form method="post" className="stack" key={`note-${notes.length}`}>
        <div className="field">
          <label htmlFor="note-body">Add a note</label>
          <textarea id="note-body" name="body" rows={3} maxLength={noteMax} required />
          <ErrorList errors={fieldErrors("add-note", "body")} />
        </div>
        <button type="submit" name="intent" value="add-note" disabled={busy}>
          Add the note
        </button>
      </Form>
      {notes.length === 0 ? (
        <p className="muted">No notes yet.</p>
      ) : (
        <ul style={{ listStyle: "none", padding: 0 }}>
          {notes.map((n) => (
            <li key={n.id} className="card">
              <div className="muted">
                {n.authorName} · {formatDateTime(n.createdAt)}
              </div>
              <div style={{ whiteSpace: "pre-wrap" }}>{n.body}</div>
            </li>
          ))}
        </ul>
      )}

      <h2>Activity</h2>
      {activity.length === 0 ? (
        <EmptyState title="No activity yet" />
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>When</th>
                <th>Who</th>
                <th>What</th>
              </tr>
            </thead>
            <tbody>
              {activity.map((e) => (
                <tr key={e.id}>
                  <td>{formatDateTime(e.at)}</td>
                  <td>{e.actorLabel}</td>
                  <td>
                    <code>{e.action}</code>
                    <div className="muted">{e.subjectType}</div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {auditLink ? (
        <p>
          <Link to={`/audit?partnerId=${partner.id}`}>All of this partner's events in the audit trail</Link>
        </p>
      ) : null}
    </>
  );
}
