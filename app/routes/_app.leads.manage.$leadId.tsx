import { getFormProps, getSelectProps } from "@conform-to/react";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { ErrorList, FormErrors, TextArea } from "~/components/forms";
import {
  ActionDialog,
  Dt,
  intentHasErrors,
  useIntentForm,
  type IntentResult,
  ActionMessages,
} from "~/components/intent-forms";
import { LeadStatusBadge } from "~/components/lead-board";
import { LeadExplanation } from "~/components/lead-explanation";
import { formatDateTime } from "~/components/ui";
import type { Ctx } from "~/modules/auth/actor";
import { holdLead, manualRoute, recallOffer, releaseLead, routeLead } from "~/modules/leads/route.server";
import { addVendorNote, vendorLeadDetail } from "~/modules/leads/vendor-detail.server";
import { reasonFormSchema, routeToFormSchema, vendorNoteSchema } from "~/modules/leads/vendor-schemas";
import { RuleError, toHttpError } from "~/utils/errors.server";
import { runIntent, type IntentForm } from "~/utils/intent-action.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.lead.ref ?? "Lead"} ${data?.lead.companyName ?? ""} · Channel Partner Portal` },
];

/** One lead as the channel team sees it: offers, "why this partner", history, notes and the routing actions. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "leads:distribute", context.ip);
  return vendorLeadDetail(ctx, params.leadId ?? "").catch(toHttpError);
}

type Run = IntentForm<Ctx>["run"];

const forms = {
  route: {
    schema: z.object({}),
    run: (async (ctx, id) => {
      const outcome = await routeLead(ctx, id);
      if (outcome.kind === "skipped") {
        throw new RuleError(`Not routed: ${outcome.reason}.`);
      }
      return outcome;
    }) as Run,
    done: "Routed: see the decision below.",
  },
  "route-to": {
    schema: routeToFormSchema,
    run: manualRoute as Run,
    done: "Offered to the partner you chose; the decision and your reason are recorded.",
  },
  hold: {
    schema: reasonFormSchema,
    run: holdLead as Run,
    done: "Held: the engine leaves the lead alone until released.",
  },
  release: {
    schema: z.object({}),
    run: ((ctx, id) => releaseLead(ctx, id)) as Run,
    done: "Released: the lead is new again (route it when ready).",
  },
  recall: {
    schema: reasonFormSchema,
    run: recallOffer as Run,
    done: "Offer recalled: the partner was told, and the lead is back with you.",
  },
  note: { schema: vendorNoteSchema, run: addVendorNote as Run, done: "Note added (vendor-internal)." },
} as const;

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { ctx } = await requirePermission(request, "leads:distribute", context.ip);
  return runIntent(await request.formData(), forms, ctx, params.leadId ?? "");
}

export default function VendorLeadPage() {
  const view = useLoaderData<typeof loader>();
  const { lead, currentOffer, offers, decisions, events, notes, routing, can } = view;
  const actionData = useActionData<typeof action>() as IntentResult | undefined;
  const busy = useNavigation().state === "submitting";
  const errorsOf = (intent: string) => intentHasErrors(actionData, intent);
  const [routeToForm, routeToFields] = useIntentForm("route-to", routeToFormSchema, actionData);
  const [holdForm, holdFields] = useIntentForm("hold", reasonFormSchema, actionData);
  const [recallForm, recallFields] = useIntentForm("recall", reasonFormSchema, actionData);
  const [noteForm, noteFields] = useIntentForm("note", vendorNoteSchema, actionData);
  const { key: _selectKey, ...partnerSelect } = getSelectProps(routeToFields.partnerId);
  const holderName = currentOffer?.pending ? currentOffer.partnerName : null;

  return (
    <>
      <p>
        <Link to="/leads/manage">← Lead board</Link>
      </p>
      <h1>
        {lead.companyName} <LeadStatusBadge status={lead.status} label={lead.statusLabel} />
      </h1>
      <p className="muted">
        {lead.ref} · {lead.sourceLabel} · created {formatDateTime(lead.createdAt)}
      </p>
      <ActionMessages result={actionData} />
      {lead.needsAttention ? (
        <p className="warning" role="note">
          Needs attention: {lead.attentionReason ?? "no partner could take it"}.
        </p>
      ) : null}
      {lead.status === "held" ? (
        <p className="warning" role="note">
          Held{lead.heldByName ? ` by ${lead.heldByName}` : ""}: {lead.heldReason}
        </p>
      ) : null}

      <section className="card">
        <h2 style={{ marginTop: 0 }}>Routing</h2>
        {currentOffer ? (
          <p data-current-offer>
            {currentOffer.pending ? (
              <>
                Offered to <strong>{currentOffer.partnerName}</strong> {formatDateTime(currentOffer.offeredAt)}; accept
                by <strong>{currentOffer.acceptByLocal}</strong> ({formatDateTime(currentOffer.acceptBy)}){" "}
                <span className={`badge ${currentOffer.overdue ? "bad" : ""}`}>{currentOffer.timeLeft}</span>
              </>
            ) : (
              <>
                Accepted by <strong>{currentOffer.partnerName}</strong> {formatDateTime(currentOffer.outcomeAt)} (
                {currentOffer.responseTime} after the offer).
              </>
            )}
          </p>
        ) : (
          <p className="muted">With the vendor. {lead.offerCount} offer(s) made so far.</p>
        )}
        <div className="actions">
          {can.route ? (
            <Form method="post">
              <button type="submit" name="intent" value="route" disabled={busy}>
                Route now
              </button>
            </Form>
          ) : null}
          {can.routeManually ? (
            <ActionDialog
              intent="route-to"
              label={can.override ? "Override: route to another partner…" : "Route to a partner…"}
              title={can.override ? "Override the offer" : "Route to a partner"}
              hasErrors={errorsOf("route-to")}
              secondary
            >
              {can.override && holderName ? (
                <p className="warning">
                  This recalls the pending offer to {holderName} (they are told) and offers the lead to the partner you
                  choose.
                </p>
              ) : null}
              <Form method="post" {...getFormProps(routeToForm)} className="stack">
                <FormErrors errors={routeToForm.errors} id={routeToForm.errorId} />
                <div className="field">
                  <label htmlFor={routeToFields.partnerId.id}>Partner</label>
                  <select {...partnerSelect}>
                    <option value="">Choose…</option>
                    {routing.options.map((o) => (
                      <option key={o.partnerId} value={o.partnerId} disabled={o.offeredBefore}>
                        {o.name} —{" "}
                        {o.eligible ? `eligible, score ${o.score.toFixed(2)}` : `not eligible: ${o.reasons.join("; ")}`}
                      </option>
                    ))}
                  </select>
                  <ErrorList id={routeToFields.partnerId.errorId} errors={routeToFields.partnerId.errors} />
                  <p className="muted">
                    Partners the rules would not offer it to can still be chosen; their reasons are recorded with the
                    decision. Partners offered this lead before cannot get it again.
                  </p>
                </div>
                <TextArea label="Reason (recorded with the decision)" field={routeToFields.reason} rows={3} />
                <button
                  type="submit"
                  name="intent"
                  value="route-to"
                  className={can.override ? "danger" : undefined}
                  disabled={busy}
                >
                  {can.override ? "Recall and offer" : "Offer to this partner"}
                </button>
              </Form>
            </ActionDialog>
          ) : null}
          {can.hold ? (
            <ActionDialog intent="hold" label="Hold…" title="Hold the lead" hasErrors={errorsOf("hold")} secondary>
              <Form method="post" {...getFormProps(holdForm)} className="stack">
                <FormErrors errors={holdForm.errors} id={holdForm.errorId} />
                <TextArea label="Reason" field={holdFields.reason} rows={3} />
                <button type="submit" name="intent" value="hold" disabled={busy}>
                  Hold
                </button>
              </Form>
            </ActionDialog>
          ) : null}
          {can.release ? (
            <Form method="post">
              <button type="submit" name="intent" value="release" className="secondary" disabled={busy}>
                Release
              </button>
            </Form>
          ) : null}
          {can.recall ? (
            <ActionDialog
              intent="recall"
              label="Recall the offer…"
              title="Recall the offer"
              hasErrors={errorsOf("recall")}
              danger
            >
              <p>{holderName} is told that the offer was withdrawn; the lead comes back to you as new.</p>
              <Form method="post" {...getFormProps(recallForm)} className="stack">
                <FormErrors errors={recallForm.errors} id={recallForm.errorId} />
                <TextArea label="Reason" field={recallFields.reason} rows={3} />
                <button type="submit" name="intent" value="recall" className="danger" disabled={busy}>
                  Recall
                </button>
              </Form>
            </ActionDialog>
          ) : null}
        </div>
        <details style={{ marginTop: "0.75rem" }}>
          <summary>
            Partners under the rules in force (version {routing.rulesVersion}):{" "}
            {routing.options.filter((o) => o.eligible).length} eligible of {routing.options.length} active
          </summary>
          <p className="muted">Served by territories: {routing.areas.join(", ")}</p>
          <div className="table-wrap">
            <table aria-label="Routing options">
              <thead>
                <tr>
                  <th scope="col">Partner</th>
                  <th scope="col">Tier</th>
                  <th scope="col">Open / capacity</th>
                  <th scope="col">Eligible</th>
                </tr>
              </thead>
              <tbody>
                {routing.options.map((o) => (
                  <tr key={o.partnerId} data-option={o.partnerId}>
                    <td>{o.name}</td>
                    <td>{o.tier}</td>
                    <td>
                      {o.openLeads} / {o.capacity}
                    </td>
                    <td>
                      {o.eligible ? (
                        <span className="badge good">yes, score {o.score.toFixed(2)}</span>
                      ) : (
                        <span className="muted">no: {o.reasons.join("; ")}</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      </section>

      <LeadExplanation decisions={decisions} />

      <div
        className="grid"
        style={{ gridTemplateColumns: "repeat(auto-fit, minmax(320px, 1fr))", alignItems: "start" }}
      >
        <section className="card">
          <h2 style={{ marginTop: 0 }}>The lead</h2>
          <dl style={{ margin: 0 }}>
            <Dt label="Company">
              {lead.companyName}
              {lead.companyDomain ? <div className="muted">{lead.companyDomain}</div> : null}
            </Dt>
            <Dt label="Contact">
              {lead.contactName}
              {lead.contactTitle ? `, ${lead.contactTitle}` : ""}
              <div className="muted">
                {lead.contactEmail}
                {lead.contactPhone ? ` · ${lead.contactPhone}` : ""}
              </div>
            </Dt>
            <Dt label="Country and region">
              {lead.countryName}
              {lead.region ? ` · ${lead.region}` : ""}
            </Dt>
            <Dt label="Interest">
              {lead.productName ?? "—"}
              {lead.seats ? ` · ${lead.seats} seats` : ""}
            </Dt>
            {lead.partnerName ? <Dt label="Partner">{lead.partnerName}</Dt> : null}
            {lead.message ? (
              <Dt label="Message">
                <span style={{ whiteSpace: "pre-wrap" }}>{lead.message}</span>
              </Dt>
            ) : null}
            {lead.status === "lost" && lead.lostReason ? <Dt label="Lost because">{lead.lostReason}</Dt> : null}
            {lead.dealId ? (
              <Dt label="Deal registration">
                <Link to={`/deals/review/${lead.dealId}`}>Open it</Link>
              </Dt>
            ) : null}
          </dl>
        </section>
        <section className="card">
          <h2 style={{ marginTop: 0 }}>Offers</h2>
          {offers.length === 0 ? (
            <p className="muted">No offer yet.</p>
          ) : (
            <div className="table-wrap">
              <table aria-label="Offers">
                <thead>
                  <tr>
                    <th scope="col">Partner</th>
                    <th scope="col">Offered</th>
                    <th scope="col">Outcome</th>
                    <th scope="col">Response</th>
                  </tr>
                </thead>
                <tbody>
                  {offers.map((o) => (
                    <tr key={o.id} data-offer={o.id}>
                      <td>{o.partnerName}</td>
                      <td>
                        {formatDateTime(o.offeredAt)}
                        <div className="muted">accept by {o.acceptByLocal}</div>
                      </td>
                      <td>
                        {o.outcomeLabel}
                        {o.outcomeVia ? <span className="muted"> via {o.outcomeVia}</span> : null}
                        {o.declineReasonLabel ? <div>{o.declineReasonLabel}</div> : null}
                        {o.declineNote ? (
                          <div className="muted" style={{ whiteSpace: "pre-wrap" }}>
                            {o.declineNote}
                          </div>
                        ) : null}
                      </td>
                      <td>
                        {o.responseTime ?? "—"} {o.late ? <span className="badge bad">late</span> : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      </div>

      <section className="card">
        <h2 style={{ marginTop: 0 }}>Notes</h2>
        {notes.length === 0 ? <p className="muted">No notes yet.</p> : null}
        <ul style={{ paddingLeft: "1.1rem" }}>
          {notes.map((n) => (
            <li key={n.id} data-note={n.id}>
              <strong>{n.whose}</strong> · {n.authorLabel} · {formatDateTime(n.createdAt)}
              <div style={{ whiteSpace: "pre-wrap" }}>{n.body}</div>
            </li>
          ))}
        </ul>
        <Form method="post" {...getFormProps(noteForm)} className="stack">
          <FormErrors errors={noteForm.errors} id={noteForm.errorId} />
          <TextArea label="Internal note (partners never see it)" field={noteFields.body} rows={3} />
          <button type="submit" name="intent" value="note" disabled={busy}>
            Add note
          </button>
        </Form>
      </section>

      <h2>History</h2>
      {events.length === 0 ? (
        <p className="muted">Nothing yet.</p>
      ) : (
        <ol className="muted" style={{ paddingLeft: "1.1rem" }}>
          {events.map((e) => (
            <li key={e.id}>
              {formatDateTime(e.at)} · <strong>{e.label}</strong> · {e.actorLabel}
              {e.note ? <span style={{ whiteSpace: "pre-wrap" }}>: {e.note}</span> : null}
              {e.partnerId ? <span> (the partner sees this)</span> : null}
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
