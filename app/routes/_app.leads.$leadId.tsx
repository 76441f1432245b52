import { getFormProps, getInputProps, getSelectProps, type FieldMetadata } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { ErrorList, Field, FormErrors, SelectField, TextArea } from "~/components/forms";
import {
  ActionDialog,
  Dt,
  intentHasErrors,
  useIntentForm,
  type IntentResult,
  ActionMessages,
} from "~/components/intent-forms";
import { EmptyState, formatDateTime } from "~/components/ui";
import type { Ctx } from "~/modules/auth/actor";
import { currencies } from "~/modules/deals/schemas";
import { acceptOffer, declineOffer } from "~/modules/leads/offers.server";
import { partnerLeadDetail, timeLeftText } from "~/modules/leads/queries.server";
import { PARTNER_SETTABLE, declineReasonLabels, declineReasons, leadStatusLabels } from "~/modules/leads/status";
import { addLeadNote, updateLeadWork } from "~/modules/leads/work.server";
import { declineOfferSchema, nextStepFormSchema, noteSchema, statusFormSchema } from "~/modules/leads/work-schemas";
import { DomainError, ValidationError, toHttpError } from "~/utils/errors.server";
import { runIntent, type IntentForm } from "~/utils/intent-action.server";
import { isVendorRole } from "~/utils/permissions";
import { requirePermission, requireUser } from "~/utils/session.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.lead.ref ?? "Lead"} · Leads · Channel Partner Portal` },
];

/** Vendor roles see the lead on the board's detail page; partners only the leads they hold (else 404). */
async function partnerCtx(request: Request, ip: string | null) {
  const user = await requireUser(request);
  const url = new URL(request.url);
  if (isVendorRole(user.role)) throw redirect(url.pathname.replace(/^\/leads\//, "/leads/manage/"));
  return (await requirePermission(request, "leads:work", ip)).ctx;
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const ctx = await partnerCtx(request, context.ip);
  const d = await partnerLeadDetail(ctx, params.leadId ?? "").catch(toHttpError);
  return { ...d, timeLeft: timeLeftText(d.lead.msLeft) };
}

type Run = IntentForm<Ctx>["run"];
const forms = {
  status: {
    schema: statusFormSchema,
    run: ((ctx, id, value) => updateLeadWork(ctx, id, value)) as Run,
    done: "Status saved.",
  },
  "next-step": {
    schema: nextStepFormSchema,
    run: ((ctx, id, value) => updateLeadWork(ctx, id, value)) as Run,
    done: "Next step saved.",
  },
  note: { schema: noteSchema, run: addLeadNote as Run, done: "Note added." },
} as const;

export async function action({ request, params, context }: ActionFunctionArgs) {
  const ctx = await partnerCtx(request, context.ip);
  const leadId = params.leadId ?? "";
  const formData = await request.formData();
  const intent = formData.get("intent");
  if (intent === "accept" || intent === "decline") {
    const submission = parseWithZod(formData, { schema: intent === "decline" ? declineOfferSchema : z.object({}) });
    if (submission.status !== "success") {
      return data<IntentResult>({ intent, result: submission.reply() }, { status: 400 });
    }
    try {
      if (intent === "accept") {
        await acceptOffer(ctx, leadId, "portal");
        return data<IntentResult>({
          intent,
          notice: "Accepted: the lead is yours to work. The contact's details are below.",
        });
      }
      const r = await declineOffer(ctx, leadId, submission.value, "portal");
      // The lead has left the partner: its page is 404 from now on.
      return redirect(`/leads?declined=${r.number}`);
    } catch (err) {
      if (err instanceof ValidationError) {
        return data<IntentResult>(
          { intent, result: submission.reply({ fieldErrors: err.fields ?? {} }) },
          { status: 400 },
        );
      }
      if (err instanceof DomainError) {
        if (err.status === 404) throw new Response(err.message, { status: 404 });
        return data<IntentResult>({ intent, error: err.message }, { status: err.status });
      }
      throw err;
    }
  }
  return runIntent(formData, forms, ctx, leadId);
}

const statusOptions = PARTNER_SETTABLE.map((s) => ({ value: s, label: leadStatusLabels[s] }));
const reasonOptions = declineReasons.map((r) => ({ value: r, label: declineReasonLabels[r] }));
const currencyOptions = currencies.map((c) => ({ value: c, label: c }));

export default function PartnerLeadPage() {
  const { lead: l, history, notes, can, timeLeft, partnerName } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as IntentResult | undefined;
  const busy = useNavigation().state === "submitting";
  const [declineForm, declineFields] = useIntentForm("decline", declineOfferSchema, actionData);
  const [statusForm, statusFields] = useIntentForm("status", statusFormSchema, actionData, {
    currency: l.currency ?? "USD",
  });
  const [stepForm, stepFields] = useIntentForm("next-step", nextStepFormSchema, actionData, {
    nextStepDate: l.nextStepDate,
    nextStep: l.nextStep,
  });
  const [noteForm, noteFields] = useIntentForm("note", noteSchema, actionData);
  return (
    <>
      <p>
        <Link to="/leads">← All leads</Link>
      </p>
      <h1>
        {l.ref} · {l.companyName} <span className="badge">{l.statusLabel}</span>
      </h1>
      <ActionMessages result={actionData} />

      {l.status === "offered" ? (
        <section className="card">
          <h2 style={{ marginTop: 0 }}>Offered to {partnerName}</h2>
          {l.acceptByText ? (
            <p>
              Accept by <strong>{l.acceptByText}</strong> ({timeLeft}). If nobody answers in time, the lead goes to
              another partner.
            </p>
          ) : null}
          <p className="muted">The contact's email and phone are shown once you accept.</p>
          <div className="actions">
            {can.accept ? (
              <Form method="post">
                <button type="submit" name="intent" value="accept" disabled={busy}>
                  Accept {l.ref}
                </button>
              </Form>
            ) : null}
            {can.decline ? (
              <ActionDialog
                intent="decline"
                label="Decline…"
                title={`Decline ${l.ref}`}
                hasErrors={intentHasErrors(actionData, "decline")}
                secondary
              >
                <p className="muted">The lead goes to another partner at once; you will not see it again.</p>
                <Form method="post" {...getFormProps(declineForm)} className="stack">
                  <FormErrors errors={declineForm.errors} id={declineForm.errorId} />
                  <SelectField label="Reason" field={declineFields.reason} options={reasonOptions} />
                  <TextArea
                    label="Note (required for Other)"
                    field={declineFields.note as FieldMetadata<string | undefined>}
                    rows={3}
                  />
                  <button type="submit" name="intent" value="decline" className="danger" disabled={busy}>
                    Decline the lead
                  </button>
                </Form>
              </ActionDialog>
            ) : null}
          </div>
        </section>
      ) : null}

      <div
        className="grid"
        style={{ gridTemplateColumns: "repeat(auto-fit, minmax(280px, 1fr))", alignItems: "start" }}
      >
        <section className="card">
          <h2 style={{ marginTop: 0 }}>Prospect</h2>
          <dl style={{ margin: 0 }}>
            <Dt label="Company">
              {l.companyName}
              {l.companyDomain ? <div className="muted">{l.companyDomain}</div> : null}
            </Dt>
            <Dt label="Location">
              {l.countryName}
              {l.region ? ` · ${l.region}` : ""}
            </Dt>
            <Dt label="Contact">
              {l.contactName}
              {l.contactTitle ? `, ${l.contactTitle}` : ""}
              {l.contactEmail ? <div>{l.contactEmail}</div> : <div className="muted">shown after you accept</div>}
              {l.contactPhone ? <div>{l.contactPhone}</div> : null}
            </Dt>
            <Dt label="Interest">
              {l.productName ?? "—"}
              {l.seats ? ` · ${l.seats} seats` : ""}
              {l.estimatedValue ? ` · about ${l.estimatedValue}` : ""}
            </Dt>
            {l.message ? (
              <Dt label="Message">
                <span style={{ whiteSpace: "pre-wrap" }}>{l.message}</span>
              </Dt>
            ) : null}
          </dl>
        </section>
        <section className="card">
          <h2 style={{ marginTop: 0 }}>Progress</h2>
          <dl style={{ margin: 0 }}>
            <Dt label="Status">{l.statusLabel}</Dt>
            {l.acceptedAt ? <Dt label="Accepted">{formatDateTime(l.acceptedAt)}</Dt> : null}
            <Dt label="Next step">
              {l.nextStepDate ? `${l.nextStepDate}${l.nextStep ? `: ${l.nextStep}` : ""}` : "—"}
            </Dt>
            {l.wonValue ? <Dt label="Won at">{l.wonValue}</Dt> : null}
            {l.lostReason ? (
              <Dt label="Lost because">
                <span style={{ whiteSpace: "pre-wrap" }}>{l.lostReason}</span>
              </Dt>
            ) : null}
            {l.closedAt ? <Dt label="Closed">{formatDateTime(l.closedAt)}</Dt> : null}
            {l.dealId ? (
              <Dt label="Deal registration">
                <Link to={`/deals/${l.dealId}`}>Open the registration</Link>
              </Dt>
            ) : null}
          </dl>
          {can.convert ? (
            <p>
              <Link to={`/deals/new?lead=${l.id}`} className="button secondary">
                Convert to deal registration
              </Link>
            </p>
          ) : null}
        </section>
      </div>

      {can.work ? (
        <section className="card">
          <h2 style={{ marginTop: 0 }}>Work the lead</h2>
          <Form method="post" {...getFormProps(statusForm)} className="stack" style={{ maxWidth: 560 }}>
            <FormErrors errors={statusForm.errors} id={statusForm.errorId} />
            <div className="field">
              <label htmlFor={statusFields.status.id}>Status</label>
              <select {...getSelectProps(statusFields.status)}>
                <option value="">Choose…</option>
                {statusOptions.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
              <ErrorList id={statusFields.status.errorId} errors={statusFields.status.errors} />
            </div>
            <Field label="Won value (when won)" field={statusFields.wonValue} hint="e.g. 24500.00; whole yen for JPY" />
            <SelectField label="Currency (when won)" field={statusFields.currency} options={currencyOptions} />
            <TextArea label="Why it was lost (when lost)" field={statusFields.lostReason} rows={2} />
            <button type="submit" name="intent" value="status" disabled={busy}>
              Save the status
            </button>
          </Form>
          <Form
            method="post"
            {...getFormProps(stepForm)}
            className="stack"
            style={{ maxWidth: 560, marginTop: "1rem" }}
          >
            <FormErrors errors={stepForm.errors} id={stepForm.errorId} />
            <div className="field">
              <label htmlFor={stepFields.nextStepDate.id}>Next step date</label>
              <input {...getInputProps(stepFields.nextStepDate, { type: "date" })} />
              <ErrorList id={stepFields.nextStepDate.errorId} errors={stepFields.nextStepDate.errors} />
            </div>
            <Field label="Next step (optional)" field={stepFields.nextStep} />
            <button type="submit" name="intent" value="next-step" className="secondary" disabled={busy}>
              Save the next step
            </button>
          </Form>
        </section>
      ) : null}

      <h2>Notes</h2>
      {can.note ? (
        <Form method="post" {...getFormProps(noteForm)} className="stack" style={{ maxWidth: 640 }}>
          <FormErrors errors={noteForm.errors} id={noteForm.errorId} />
          <TextArea label="Add a note (your company and the vendor see it)" field={noteFields.body} rows={3} />
          <button type="submit" name="intent" value="note" className="secondary" disabled={busy}>
            Add the note
          </button>
        </Form>
      ) : null}
      {notes.length === 0 ? (
        <EmptyState title="No notes yet" />
      ) : (
        <ul className="stack" style={{ listStyle: "none", padding: 0 }}>
          {notes.map((n) => (
            <li key={n.id} className="card">
              <div className="muted">
                {n.authorLabel} · {formatDateTime(n.createdAt)}
              </div>
              <p style={{ whiteSpace: "pre-wrap", margin: "0.3rem 0 0" }}>{n.body}</p>
            </li>
          ))}
        </ul>
      )}

      <h2>History</h2>
      {history.length === 0 ? (
        <EmptyState title="No history yet" />
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>When</th>
                <th>What</th>
                <th>Who</th>
              </tr>
            </thead>
            <tbody>
              {history.map((h) => (
                <tr key={h.id}>
                  <td>{formatDateTime(h.at)}</td>
                  <td>
                    {h.label}
                    {h.note ? <div style={{ whiteSpace: "pre-wrap" }}>{h.note}</div> : null}
                  </td>
                  <td>{h.actorLabel}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
