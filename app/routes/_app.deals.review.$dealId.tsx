import { getFormProps } from "@conform-to/react";
import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
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
import { FormErrors, TextArea } from "~/components/forms";
import { formatDate, formatDateTime } from "~/components/ui";
import type { Ctx } from "~/modules/auth/actor";
import { denyExtension, grantExtension } from "~/modules/deals/lifecycle.server";
import {
  dealEventLabels,
  denyExtensionSchema,
  grantExtensionSchema,
  rejectSchema,
  requestChangesSchema,
} from "~/modules/deals/lifecycle-schemas";
import { approveDeal, getDealForReview, rejectDeal, requestDealChanges } from "~/modules/deals/review.server";
import { toHttpError } from "~/utils/errors.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `Review ${data?.deal.customerName ?? "deal"} · Channel Partner Portal` },
];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "deals:review", context.ip);
  const view = await getDealForReview(ctx, params.dealId ?? "").catch(toHttpError);
  return {
    ...view,
    history: view.history.map((e) => ({ ...e, label: dealEventLabels[e.kind] ?? e.kind, actor: e.actorLabel })),
  };
}

type Run = IntentForm<Ctx>["run"];
const extensionIdOf = (formData: FormData) => String(formData.get("extensionId") ?? "");

const forms = {
  approve: {
    schema: z.object({}),
    run: ((ctx, id) => approveDeal(ctx, id)) as Run,
    done: "Approved: the partner was told, and the customer is protected for them.",
  },
  reject: { schema: rejectSchema, run: rejectDeal as Run, done: "Rejected: the partner was told the reason." },
  "request-changes": {
    schema: requestChangesSchema,
    run: requestDealChanges as Run,
    done: "Sent back to the partner with your message.",
  },
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
  const { ctx } = await requirePermission(request, "deals:review", context.ip);
  return runIntent(await request.formData(), forms, ctx, params.dealId ?? "");
}

type Loaded = ReturnType<typeof useLoaderData<typeof loader>>;
type Summary = Loaded["deal"] | NonNullable<Loaded["conflicts"][number]["deal"]>;

/** One registration's facts, the same on both sides of the comparison. */
function DealFacts({ d }: { d: Summary }) {
  return (
    <dl style={{ margin: 0 }}>
      <Dt label="Partner">{d.partnerName}</Dt>
      <Dt label="Customer">
        {d.customerName}
        <div className="muted">{d.customerDomain}</div>
      </Dt>
      <Dt label="Country and region">
        {d.countryName}
        {d.region ? ` · ${d.region}` : ""}
      </Dt>
      <Dt label="Contact">
        {d.contactName}
        {d.contactTitle ? `, ${d.contactTitle}` : ""}
        <div className="muted">{d.contactEmail}</div>
      </Dt>
      <Dt label="Products">
        <DealLines lines={d.lines} />
      </Dt>
      <Dt label="Value, stage, close">
        {d.value} · {d.stage} · {d.expectedCloseDate}
      </Dt>
      <Dt label="Status">
        <DealStatusBadge status={d.status} label={d.statusLabel} />
        {d.status === "approved" && d.protectedUntil ? ` until ${formatDate(d.protectedUntil)}` : ""}
      </Dt>
      <Dt label="Registered">{formatDateTime(d.createdAt)}</Dt>
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
  );
}

export default function DealReview() {
  const view = useLoaderData<typeof loader>();
  const { deal: d, conflicts, laterSameDomain, protectedBy, history, extensions, review, can, protectionDays } = view;
  const actionData = useActionData<typeof action>() as IntentResult | undefined;
  const busy = useNavigation().state === "submitting";
  const errorsOf = (intent: string) => intentHasErrors(actionData, intent);
  const [rejectForm, rejectFields] = useIntentForm("reject", rejectSchema, actionData);
  const [changesForm, changesFields] = useIntentForm("request-changes", requestChangesSchema, actionData);
  const pending = extensions.find((e) => e.status === "pending");

  return (
    <>
      <p>
        <Link to="/deals/review">← Review queue</Link> · <Link to={`/deals/${d.id}`}>Registration page</Link>
      </p>
      <h1>
        {d.customerName} <DealStatusBadge status={d.status} label={d.statusLabel} />
      </h1>
      <ActionMessages result={actionData} />
      {review ? (
        <p className={review.overdue ? "warning" : "muted"}>
          {review.kind === "appeal" ? "Appeal: " : ""}
          {review.label} (due {formatDateTime(review.dueAt)})
        </p>
      ) : null}
      {protectedBy && protectedBy.id !== d.id ? (
        <p className="warning" role="note">
          {protectedBy.partnerName}&apos;s registration of {protectedBy.customerName} already protects{" "}
          <strong>{d.customerDomain}</strong>
          {protectedBy.protectedUntil ? ` until ${formatDate(protectedBy.protectedUntil)}` : ""}: this one cannot be
          approved while it lasts (first in). <Link to={`/deals/review/${protectedBy.id}`}>Open it</Link>
        </p>
      ) : null}
      {review?.kind === "appeal" && d.appealComment ? (
        <div className="warning" role="note">
          <strong>The partner appealed {formatDateTime(d.appealedAt)}:</strong>
          <p style={{ whiteSpace: "pre-wrap", margin: "0.3rem 0" }}>{d.appealComment}</p>
          <span className="muted">Rejected before because: {d.decisionNote}</span>
        </div>
      ) : null}

      {can.approve || can.reject || can.requestChanges ? (
        <section className="card">
          <h2 style={{ marginTop: 0 }}>Decision</h2>
          <p className="muted">
            Approving protects the customer for {d.partnerName} for {protectionDays} days. Rejections and requests for
            changes mail your text to the partner; a rejection can be appealed once. Other registrations for this
            customer are not rejected automatically: reject them here one by one (their partners are told that the
            customer is protected for another partner, without a name).
          </p>
          <div className="actions">
            {can.approve ? (
              <ActionDialog intent="approve" label="Approve…" title={`Approve ${d.customerName}`} hasErrors={false}>
                <p>
                  {d.partnerName} gets {protectionDays} days of protection for {d.customerDomain}.
                </p>
                <Form method="post" className="stack">
                  <button type="submit" name="intent" value="approve" disabled={busy}>
                    Approve and protect
                  </button>
                </Form>
              </ActionDialog>
            ) : null}
            {can.requestChanges ? (
              <ActionDialog
                intent="request-changes"
                label="Request changes…"
                title="Ask the partner for changes"
                hasErrors={errorsOf("request-changes")}
                secondary
              >
                <Form method="post" {...getFormProps(changesForm)} className="stack">
                  <FormErrors errors={changesForm.errors} id={changesForm.errorId} />
                  <TextArea label="What should change (mailed to the partner)" field={changesFields.message} rows={6} />
                  <button type="submit" name="intent" value="request-changes" disabled={busy}>
                    Send the request
                  </button>
                </Form>
              </ActionDialog>
            ) : null}
            {can.reject ? (
              <ActionDialog
                intent="reject"
                label="Reject…"
                title={`Reject ${d.customerName}`}
                hasErrors={errorsOf("reject")}
                danger
              >
                <Form method="post" {...getFormProps(rejectForm)} className="stack">
                  <FormErrors errors={rejectForm.errors} id={rejectForm.errorId} />
                  <TextArea label="Reason (mailed to the partner)" field={rejectFields.reason} rows={6} />
                  <button type="submit" name="intent" value="reject" className="danger" disabled={busy}>
                    Reject and tell the partner
                  </button>
                </Form>
              </ActionDialog>
            ) : null}
          </div>
        </section>
      ) : null}

      <div
        className="grid"
        style={{ gridTemplateColumns: "repeat(auto-fit, minmax(320px, 1fr))", alignItems: "start" }}
        aria-label="Side by side"
      >
        <section className="card" data-side="registration">
          <h2 style={{ marginTop: 0 }}>This registration</h2>
          <DealFacts d={d} />
          {d.registeredBy ? <p className="muted">Registered by {d.registeredBy}</p> : null}
        </section>
        <div>
          {conflicts.length === 0 ? (
            <section className="card">
              <h2 style={{ marginTop: 0 }}>Conflicts</h2>
              <p className="muted">No other registration matched this one when it was registered.</p>
            </section>
          ) : (
            conflicts.map((c, i) => (
              <section className="card" key={c.deal?.id ?? i} data-side="conflict">
                <h2 style={{ marginTop: 0 }}>
                  Conflict {i + 1} of {conflicts.length} <span className="badge bad">score {c.score.toFixed(2)}</span>
                </h2>
                <p>
                  <strong>Why:</strong> {c.reasons.join(", ")}
                </p>
                {c.deal ? (
                  <>
                    <DealFacts d={c.deal} />
                    <Link to={`/deals/review/${c.deal.id}`}>Open it side by side</Link>
                  </>
                ) : (
                  <p className="muted">That registration no longer exists.</p>
                )}
              </section>
            ))
          )}
          {laterSameDomain.length ? (
            <section className="card">
              <h2 style={{ marginTop: 0 }}>Other open registrations for {d.customerDomain}</h2>
              <ul>
                {laterSameDomain.map((o) => (
                  <li key={o.id}>
                    <Link to={`/deals/review/${o.id}`}>{o.customerName}</Link> by {o.partnerName},{" "}
                    {formatDateTime(o.createdAt)} ({o.statusLabel})
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
        </div>
      </div>

      {pending && d.status === "approved" ? (
        <ExtensionDecision pending={pending} actionData={actionData} busy={busy}>
          ; protected until {formatDate(d.protectedUntil)} now.
        </ExtensionDecision>
      ) : null}

      <h2>History</h2>
      <DealHistory entries={history} />
    </>
  );
}
