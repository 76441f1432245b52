import { getFormProps, getInputProps, getSelectProps } from "@conform-to/react";
import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { DealHistory, DealLines, DealStatusBadge, ExtensionDecision } from "~/components/deal-actions";
import {
  ActionDialog,
  Dt,
  intentHasErrors,
  useIntentForm,
  type IntentResult,
  ActionMessages,
} from "~/components/intent-forms";
import { runIntent, type IntentForm } from "~/utils/intent-action.server";
import { ErrorList, Field, FormErrors, SelectField, TextArea } from "~/components/forms";
import { EmptyState, formatDate, formatDateTime } from "~/components/ui";
import type { Ctx } from "~/modules/auth/actor";
import { getDealDetail } from "~/modules/deals/detail.server";
import {
  appealRejection,
  denyExtension,
  grantExtension,
  markDealLost,
  markDealWon,
  requestExtension,
  resubmitDeal,
  updateDealStage,
} from "~/modules/deals/lifecycle.server";
import {
  EXTENSION_MAX_DAYS,
  EXTENSION_MIN_DAYS,
  appealSchema,
  currencies,
  denyExtensionSchema,
  extensionRequestSchema,
  grantExtensionSchema,
  lostSchema,
  resubmitSchema,
  salesStages,
  stageLabels,
  stageSchema,
  wonFormSchema,
} from "~/modules/deals/lifecycle-schemas";
import { toHttpError } from "~/utils/errors.server";
import { isVendorRole } from "~/utils/permissions";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.deal.customerName ?? "Deal"} · Deals · Channel Partner Portal` },
];

/** The partner that owns the deal and the vendor's staff; another partner's deal is 404. */
function requireDealAccess(request: Request, ip: string | null) {
  return requirePermission(request, (role) => (isVendorRole(role) ? "deals:review" : "deals:register"), ip);
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { ctx } = await requireDealAccess(request, context.ip);
  return getDealDetail(ctx, params.dealId ?? "").catch(toHttpError);
}

type Run = IntentForm<Ctx>["run"];
const extensionIdOf = (formData: FormData) => String(formData.get("extensionId") ?? "");

const forms = {
  stage: { schema: stageSchema, run: updateDealStage as Run, done: "Stage updated." },
  won: { schema: wonFormSchema, run: markDealWon as Run, done: "Marked won: well done." },
  lost: { schema: lostSchema, run: markDealLost as Run, done: "Marked lost." },
  extension: {
    schema: extensionRequestSchema,
    run: requestExtension as Run,
    done: "Extension requested: the channel team decides and you receive a mail.",
  },
  appeal: {
    schema: appealSchema,
    run: appealRejection as Run,
    done: "Appeal sent: the channel team reviews the registration again.",
  },
  resubmit: { schema: resubmitSchema, run: resubmitDeal as Run, done: "Sent again: the channel team reviews it." },
  "grant-extension": {
    schema: grantExtensionSchema,
    run: ((ctx, _id, value, fd) => grantExtension(ctx, extensionIdOf(fd), value)) as Run,
    done: "Extension granted: the partner was told.",
  },
  "deny-extension": {
    schema: denyExtensionSchema,
    run: ((ctx, _id, value, fd) => denyExtension(ctx, extensionIdOf(fd), value)) as Run,
    done: "Extension denied: the partner was told.",
  },
} as const;

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { ctx } = await requireDealAccess(request, context.ip);
  return runIntent(await request.formData(), forms, ctx, params.dealId ?? "");
}

const stageOptions = salesStages.map((s) => ({ value: s, label: stageLabels[s] }));
const currencyOptions = currencies.map((c) => ({ value: c, label: c }));

export default function DealDetailPage() {
  const { viewer, deal: d, lines, history, extensions, pendingExtension, can } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as IntentResult | undefined;
  const busy = useNavigation().state === "submitting";
  const errorsOf = (intent: string) => intentHasErrors(actionData, intent);

  const [stageForm, stageFields] = useIntentForm("stage", stageSchema, actionData, { stage: d.stage });
  const [wonForm, wonFields] = useIntentForm("won", wonFormSchema, actionData);
  const [lostForm, lostFields] = useIntentForm("lost", lostSchema, actionData);
  const [extForm, extFields] = useIntentForm("extension", extensionRequestSchema, actionData, { days: "30" });
  const [appealForm, appealFields] = useIntentForm("appeal", appealSchema, actionData);
  const [resubmitForm, resubmitFields] = useIntentForm("resubmit", resubmitSchema, actionData, {
    region: d.region,
    contactName: d.contactName,
    contactTitle: d.contactTitle,
    contactEmail: d.contactEmail,
    value: d.valueInput,
    currency: d.currency,
    expectedCloseDate: d.expectedCloseDate,
    stage: d.stage,
    competition: d.competition,
    notes: d.notes,
  });

  const partnerActions = can.markWon || can.markLost || can.requestExtension || can.appeal;
  return (
    <>
      <p>
        <Link to="/deals">← All deals</Link>
      </p>
      <h1>
        {d.customerName} <DealStatusBadge status={d.status} label={d.statusLabel} />
      </h1>
      <ActionMessages result={actionData} />

      {d.status === "changes_requested" && d.decisionNote ? (
        <div className="warning" role="note">
          <strong>The channel team asked for changes:</strong>
          <p style={{ whiteSpace: "pre-wrap", margin: "0.3rem 0 0" }}>{d.decisionNote}</p>
        </div>
      ) : null}
      {d.status === "rejected" && d.decisionNote ? (
        <div className="warning" role="note">
          <strong>{d.appealedAt && !d.appealOpen ? "Rejected after your appeal:" : "Rejected:"}</strong>
          <p style={{ whiteSpace: "pre-wrap", margin: "0.3rem 0 0" }}>{d.decisionNote}</p>
          {d.appealOpen ? (
            <p className="muted" style={{ margin: "0.3rem 0 0" }}>
              Appealed {formatDateTime(d.appealedAt)}: the channel team is reviewing it again.
            </p>
          ) : null}
        </div>
      ) : null}

      {viewer === "vendor" ? (
        <div className="actions" style={{ marginBottom: "1rem" }}>
          {can.review ? (
            <Link to={`/deals/review/${d.id}`} className="button">
              Review this registration
            </Link>
          ) : (
            <Link to={`/deals/review/${d.id}`}>Side by side with its conflicts</Link>
          )}
          {d.conflictFlag ? (
            <span className="badge bad">
              conflicts with {d.conflictCount} registration{d.conflictCount === 1 ? "" : "s"}
            </span>
          ) : null}
        </div>
      ) : null}

      <div
        className="grid"
        style={{ gridTemplateColumns: "repeat(auto-fit, minmax(280px, 1fr))", alignItems: "start" }}
      >
        <section className="card">
          <h2 style={{ marginTop: 0 }}>Customer</h2>
          <dl style={{ margin: 0 }}>
            {viewer === "vendor" ? <Dt label="Partner">{d.partnerName}</Dt> : null}
            <Dt label="Company">{d.customerName}</Dt>
            <Dt label="Domain">{d.customerDomain}</Dt>
            <Dt label="Country and region">
              {d.countryName}
              {d.region ? ` · ${d.region}` : ""}
            </Dt>
            <Dt label="Contact">
              {d.contactName}
              {d.contactTitle ? `, ${d.contactTitle}` : ""}
              <div className="muted">{d.contactEmail}</div>
            </Dt>
          </dl>
        </section>
        <section className="card">
          <h2 style={{ marginTop: 0 }}>Deal</h2>
          <dl style={{ margin: 0 }}>
            <Dt label="Estimated value">{d.value}</Dt>
            <Dt label="Stage">{d.stageLabel}</Dt>
            <Dt label="Expected close">{d.expectedCloseDate}</Dt>
            <Dt label="Products">
              <DealLines lines={lines} />
            </Dt>
            {d.competition ? (
              <Dt label="Competition">
                <span style={{ whiteSpace: "pre-wrap" }}>{d.competition}</span>
              </Dt>
            ) : null}
            {d.notes ? (
              <Dt label="Notes">
                <span style={{ whiteSpace: "pre-wrap" }}>{d.notes}</span>
              </Dt>
            ) : null}
          </dl>
        </section>
        <section className="card">
          <h2 style={{ marginTop: 0 }}>Status</h2>
          <dl style={{ margin: 0 }}>
            <Dt label="Status">
              <DealStatusBadge status={d.status} label={d.statusLabel} />
            </Dt>
            <Dt label="Registered">
              {formatDateTime(d.createdAt)}
              {d.registeredBy ? ` by ${d.registeredBy}` : ""}
            </Dt>
            {d.protectedUntil ? (
              <Dt label={d.status === "approved" ? "Protected until" : "Protection ended"}>
                {formatDate(d.protectedUntil)}
              </Dt>
            ) : null}
            {d.appealComment ? (
              <Dt label={`Appeal (${formatDateTime(d.appealedAt)})`}>
                <span style={{ whiteSpace: "pre-wrap" }}>{d.appealComment}</span>
              </Dt>
            ) : null}
            {d.finalValue ? <Dt label="Final value">{d.finalValue}</Dt> : null}
            {d.lostReason ? (
              <Dt label="Lost because">
                <span style={{ whiteSpace: "pre-wrap" }}>{d.lostReason}</span>
              </Dt>
            ) : null}
            {d.closedAt ? <Dt label="Closed">{formatDateTime(d.closedAt)}</Dt> : null}
          </dl>
        </section>
      </div>

      {can.updateStage || partnerActions ? (
        <section className="card">
          <h2 style={{ marginTop: 0 }}>Update</h2>
          {can.updateStage ? (
            <Form method="post" {...getFormProps(stageForm)} className="actions" style={{ alignItems: "flex-end" }}>
              <div className="field" style={{ marginBottom: 0 }}>
                <label htmlFor={stageFields.stage.id}>Sales stage</label>
                <select {...getSelectProps(stageFields.stage)}>
                  {stageOptions.map((o) => (
                    <option key={o.value} value={o.value}>
                      {o.label}
                    </option>
                  ))}
                </select>
                <ErrorList id={stageFields.stage.errorId} errors={stageFields.stage.errors} />
              </div>
              <button type="submit" name="intent" value="stage" className="secondary" disabled={busy}>
                Save the stage
              </button>
            </Form>
          ) : null}
          <div className="actions" style={{ marginTop: "0.75rem" }}>
            {can.markWon ? (
              <ActionDialog intent="won" label="Mark won…" title="Mark the deal won" hasErrors={errorsOf("won")}>
                <Form method="post" {...getFormProps(wonForm)} className="stack">
                  <FormErrors errors={wonForm.errors} id={wonForm.errorId} />
                  <Field
                    label={`Final value (${d.currency})`}
                    field={wonFields.finalValue}
                    hint={d.currency === "JPY" ? "Whole yen, e.g. 1480000." : "For example 24500.00."}
                  />
                  <button type="submit" name="intent" value="won" disabled={busy}>
                    Mark won
                  </button>
                </Form>
              </ActionDialog>
            ) : null}
            {can.markLost ? (
              <ActionDialog
                intent="lost"
                label="Mark lost…"
                title="Mark the deal lost"
                hasErrors={errorsOf("lost")}
                secondary
              >
                <Form method="post" {...getFormProps(lostForm)} className="stack">
                  <FormErrors errors={lostForm.errors} id={lostForm.errorId} />
                  <TextArea label="Why was it lost?" field={lostFields.reason} />
                  <button type="submit" name="intent" value="lost" className="danger" disabled={busy}>
                    Mark lost
                  </button>
                </Form>
              </ActionDialog>
            ) : null}
            {can.requestExtension ? (
              <ActionDialog
                intent="extension"
                label="Request an extension…"
                title="Ask for a longer protection"
                hasErrors={errorsOf("extension")}
                secondary
              >
                <Form method="post" {...getFormProps(extForm)} className="stack">
                  <FormErrors errors={extForm.errors} id={extForm.errorId} />
                  <div className="field">
                    <label htmlFor={extFields.days.id}>
                      More days ({EXTENSION_MIN_DAYS} to {EXTENSION_MAX_DAYS})
                    </label>
                    <input {...getInputProps(extFields.days, { type: "number" })} />
                    <ErrorList id={extFields.days.errorId} errors={extFields.days.errors} />
                  </div>
                  <TextArea label="Reason (the channel team reads it)" field={extFields.reason} />
                  <button type="submit" name="intent" value="extension" disabled={busy}>
                    Send the request
                  </button>
                </Form>
              </ActionDialog>
            ) : null}
            {can.appeal ? (
              <ActionDialog
                intent="appeal"
                label="Appeal the rejection…"
                title="Appeal the rejection"
                hasErrors={errorsOf("appeal")}
              >
                <p className="muted">
                  A registration can be appealed once. Tell the channel team what they should know.
                </p>
                <Form method="post" {...getFormProps(appealForm)} className="stack">
                  <FormErrors errors={appealForm.errors} id={appealForm.errorId} />
                  <TextArea label="Your comment" field={appealFields.comment} rows={6} />
                  <button type="submit" name="intent" value="appeal" disabled={busy}>
                    Send the appeal
                  </button>
                </Form>
              </ActionDialog>
            ) : null}
          </div>
          {d.status === "approved" && pendingExtension ? (
            <p className="muted">
              Extension of {pendingExtension.requestedDays} days requested {formatDateTime(pendingExtension.createdAt)}:
              waiting for the channel team.
            </p>
          ) : null}
        </section>
      ) : null}

      {can.resubmit ? (
        <section className="card">
          <h2 style={{ marginTop: 0 }}>Edit and send again</h2>
          <p className="muted">
            The customer, its domain, country and products stay as registered; register a new deal for another customer.
          </p>
          <Form method="post" {...getFormProps(resubmitForm)} className="stack" style={{ maxWidth: 640 }}>
            <FormErrors errors={resubmitForm.errors} id={resubmitForm.errorId} />
            <Field label="Contact name" field={resubmitFields.contactName} />
            <Field label="Contact title (optional)" field={resubmitFields.contactTitle} />
            <Field label="Contact email" field={resubmitFields.contactEmail} type="email" />
            <Field label="Region (optional)" field={resubmitFields.region} />
            <Field
              label="Estimated value"
              field={resubmitFields.value}
              hint="Digits and a dot for decimals; whole yen for JPY."
            />
            <SelectField label="Currency" field={resubmitFields.currency} options={currencyOptions} />
            <div className="field">
              <label htmlFor={resubmitFields.expectedCloseDate.id}>Expected close date</label>
              <input {...getInputProps(resubmitFields.expectedCloseDate, { type: "date" })} />
              <ErrorList
                id={resubmitFields.expectedCloseDate.errorId}
                errors={resubmitFields.expectedCloseDate.errors}
              />
            </div>
            <SelectField label="Sales stage" field={resubmitFields.stage} options={stageOptions} />
            <TextArea label="Competition (optional)" field={resubmitFields.competition} rows={2} />
            <TextArea label="Notes (optional)" field={resubmitFields.notes} />
            <TextArea label="What changed (for the channel team, optional)" field={resubmitFields.comment} rows={3} />
            <button type="submit" name="intent" value="resubmit" disabled={busy}>
              Send for review again
            </button>
          </Form>
        </section>
      ) : null}

      {can.decideExtension && pendingExtension ? (
        <ExtensionDecision pending={pendingExtension} actionData={actionData} busy={busy} />
      ) : null}

      <h2>Extension requests</h2>
      {extensions.length === 0 ? (
        <EmptyState title="No extension requests" />
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Asked</th>
                <th>Days</th>
                <th>Reason</th>
                <th>Decision</th>
              </tr>
            </thead>
            <tbody>
              {extensions.map((e) => (
                <tr key={e.id}>
                  <td>{formatDateTime(e.createdAt)}</td>
                  <td>{e.requestedDays}</td>
                  <td style={{ whiteSpace: "pre-wrap" }}>{e.reason}</td>
                  <td>
                    <DealStatusBadge
                      status={e.status === "granted" ? "approved" : e.status === "denied" ? "rejected" : ""}
                      label={e.status}
                    />
                    {e.decidedAt ? <div className="muted">{formatDateTime(e.decidedAt)}</div> : null}
                    {e.decisionNote ? <div style={{ whiteSpace: "pre-wrap" }}>{e.decisionNote}</div> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>History</h2>
      <DealHistory entries={history} />
    </>
  );
}
