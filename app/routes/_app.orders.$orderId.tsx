import { getFormProps, type FieldMetadata } from "@conform-to/react";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { DealHistory } from "~/components/deal-actions";
import { Field, FormErrors, TextArea } from "~/components/forms";
import {
  ActionDialog,
  ActionMessages,
  Dt,
  intentHasErrors,
  useIntentForm,
  type IntentResult,
} from "~/components/intent-forms";
import { EmptyState, formatDate, formatDateTime } from "~/components/ui";
import type { Ctx } from "~/modules/auth/actor";
import { formatAmount } from "~/modules/deals/lifecycle-schemas";
import { billOrderByStripeInvoice, cancelOrder, markOrderPaid, startCheckout } from "~/modules/licensing/orders.server";
import { orderHistory } from "~/modules/licensing/pages.server";
import { seatsText } from "~/modules/licensing/pricing";
import { getOrder } from "~/modules/licensing/queries.server";
import {
  PAYABLE_STATUSES,
  cancelOrderSchema,
  licenseStatusLabels,
  markPaidSchema,
  orderRef,
  orderStatusLabels,
  paymentMethodLabels,
} from "~/modules/licensing/schemas";
import { stripeConfigured } from "~/modules/licensing/stripe.server";
import { countryName } from "~/utils/countries";
import { DomainError, toHttpError } from "~/utils/errors.server";
import { runIntent, type IntentForm } from "~/utils/intent-action.server";
import { isVendorRole } from "~/utils/permissions";
import { requirePermission } from "~/utils/session.server";

/** How often the page looks again while a card payment is being confirmed by Stripe's webhook. */
const PROCESSING_REFRESH_SECONDS = 3;

/** The partner that owns the order and the vendor's license admins; another partner's order is 404. */
function requireOrderAccess(request: Request, ip: string | null) {
  return requirePermission(request, (role) => (isVendorRole(role) ? "licenses:manage-all" : "licenses:order"), ip);
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { ctx } = await requireOrderAccess(request, context.ip);
  const o = await getOrder(ctx.db, { actor: ctx.actor, orderId: params.orderId ?? "" }).catch(toHttpError);
  const history = await orderHistory(
    ctx,
    o,
    o.licenses.map((l) => l.id),
  );
  const checkout = new URL(request.url).searchParams.get("checkout");
  const vendor = !ctx.actor.partnerId;
  const payable = (PAYABLE_STATUSES as readonly string[]).includes(o.status);
  const card = o.paymentMethod === "card";
  // Back from Stripe Checkout: the webhook, not this return, fulfills the order; until it has, the page waits.
  const processing = checkout === "success" && card && o.status === "awaiting_payment";
  const money = (minor: number) => formatAmount(minor, o.currency);
  const unitOf = new Map(o.lines.map((l) => [l.id, l.seatUnit]));
  return {
    viewer: vendor ? ("vendor" as const) : ("partner" as const),
    order: {
      id: o.id,
      ref: orderRef(o.id),
      partnerName: o.partnerName,
      orderedBy: o.orderedByName,
      customerCompany: o.customerCompany,
      customerDomain: o.customerDomain,
      customerCountry: o.customerCountry,
      technicalContactName: o.technicalContactName,
      technicalContactEmail: o.technicalContactEmail,
      partnerReference: o.partnerReference,
      subtotal: money(o.subtotalMinor),
      discountPercent: o.discountPercent,
      discount: money(o.discountMinor),
      total: money(o.totalMinor),
      status: o.status,
      statusLabel: orderStatusLabels[o.status],
      statusNote: o.statusNote,
      paymentMethod: o.paymentMethod,
      paymentMethodLabel: paymentMethodLabels[o.paymentMethod],
      paidReference: o.paidReference,
      stripeInvoiceId: o.stripeInvoiceId,
      paidAt: o.paidAt,
      createdAt: o.createdAt,
      deal: o.deal,
      renewalOfLicenseId: o.renewalOfLicenseId,
    },
    lines: o.lines.map((l) => ({
      id: l.id,
      product: `${l.productName} ${l.edition}`,
      sku: l.sku,
      term: l.termMonths ? `${l.termMonths} months` : "perpetual",
      seats: seatsText(l.seats, l.seatUnit),
      unit: money(l.unitAmountMinor),
      discountedUnit: money(l.discountedUnitAmountMinor),
      lineTotal: money(l.lineTotalMinor),
    })),
    // getOrder lists them in the order of the lines they were issued for.
    licenses: o.licenses.map((l) => ({
      id: l.id,
      product: `${l.productName} ${l.edition}`,
      seats: seatsText(l.seats, unitOf.get(l.orderLineId) ?? "seat"),
      key: l.key,
      validFrom: l.validFrom,
      validUntil: l.validUntil,
      status: l.status,
      statusLabel: licenseStatusLabels[l.status],
    })),
    history,
    can: {
      payByCard: !vendor && card && payable && stripeConfigured(),
      cardUnavailable: !vendor && card && payable && !stripeConfigured(),
      // Not while a payment just made is being confirmed.
      cancel: payable && !processing,
      markPaid: vendor && !card && payable,
      stripeInvoice: vendor && !card && payable && stripeConfigured() && !o.stripeInvoiceId,
    },
    processing,
  };
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data ? `Order ${data.order.ref}` : "Order"} · Channel Partner Portal` },
  // The return from Checkout is a full page load: the page loads again every few seconds (with or without
  // JavaScript) until the webhook has fulfilled the order; then it renders without the refresh.
  ...(data?.processing ? [{ httpEquiv: "refresh", content: String(PROCESSING_REFRESH_SECONDS) }] : []),
];

type Run = IntentForm<Ctx>["run"];
const forms = {
  cancel: {
    schema: cancelOrderSchema,
    run: ((ctx, id, value) => cancelOrder(ctx.db, { actor: ctx.actor, orderId: id, input: value })) as Run,
    done: "Order cancelled.",
  },
  "stripe-invoice": {
    schema: z.object({}),
    run: ((ctx, id) => billOrderByStripeInvoice(ctx.db, { actor: ctx.actor, orderId: id })) as Run,
    done: "Invoice sent through Stripe: the order is fulfilled when Stripe reports it paid.",
  },
  "mark-paid": {
    schema: markPaidSchema,
    run: ((ctx, id, value) => markOrderPaid(ctx.db, { actor: ctx.actor, orderId: id, input: value })) as Run,
    done: "Marked paid: the licenses were issued and the keys mailed to the partner and the customer's technical contact.",
  },
} as const;

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { ctx } = await requireOrderAccess(request, context.ip);
  const orderId = params.orderId ?? "";
  const formData = await request.formData();
  if (formData.get("intent") === "pay") {
    // "Pay by card": Stripe Checkout for this order (the domain prices it from the stored order), then off to Stripe.
    try {
      const { url } = await startCheckout(ctx.db, { actor: ctx.actor, orderId });
      return redirect(url);
    } catch (err) {
      if (err instanceof DomainError && err.status !== 404) {
        return data<IntentResult>({ intent: "pay", error: err.message }, { status: err.status });
      }
      return toHttpError(err);
    }
  }
  return runIntent(formData, forms, ctx, orderId);
}

const statusTone: Record<string, string> = {
  fulfilled: "good",
  paid: "good",
  cancelled: "bad",
  refunded: "bad",
  payment_failed: "bad",
  checkout_expired: "bad",
};

export default function OrderDetailPage() {
  const { viewer, order: o, lines, licenses, history, can, processing } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as IntentResult | undefined;
  const busy = useNavigation().state === "submitting";
  const [search] = useSearchParams();
  const checkout = search.get("checkout");
  const created = search.get("created") === "1";
  const [cancelForm, cancelFields] = useIntentForm("cancel", cancelOrderSchema, actionData);
  const [paidForm, paidFields] = useIntentForm("mark-paid", markPaidSchema, actionData);

  return (
    <>
      <p>
        <Link to="/orders">← Orders</Link>
      </p>
      <h1>
        Order {o.ref} · {o.customerCompany}{" "}
        <span className={`badge ${statusTone[o.status] ?? ""}`} data-testid="order-status">
          {o.statusLabel}
        </span>
      </h1>
      <ActionMessages result={actionData} />

      {created && o.status === "awaiting_payment" ? (
        <p className="notice" role="status">
          Order placed.{" "}
          {o.paymentMethod === "invoice"
            ? "The vendor invoices you; the keys are issued and mailed as soon as the payment is recorded."
            : "Pay by card to have the keys issued."}
        </p>
      ) : null}
      {processing ? (
        <div className="notice warn" role="status" aria-live="polite" data-testid="payment-processing">
          <strong>Payment processing…</strong> Stripe is confirming your payment. This page updates by itself; the
          license keys appear here and are mailed as soon as the payment is confirmed.
        </div>
      ) : null}
      {checkout === "success" && o.status === "fulfilled" ? (
        <p className="notice" role="status">
          Payment received: your license keys are below and on their way by mail.
        </p>
      ) : null}
      {checkout === "cancelled" && o.status !== "fulfilled" ? (
        <p className="warning" role="status" data-testid="checkout-cancelled">
          Payment was cancelled: nothing was charged. The order is still open; pay by card when you are ready, or cancel
          it.
        </p>
      ) : null}
      {o.statusNote && o.status !== "fulfilled" ? (
        <p className="warning" role="note">
          {o.statusNote}
        </p>
      ) : null}

      <div
        className="grid"
        style={{ gridTemplateColumns: "repeat(auto-fit, minmax(280px, 1fr))", alignItems: "start" }}
      >
        <section className="card">
          <h2 style={{ marginTop: 0 }}>End customer</h2>
          <dl style={{ margin: 0 }}>
            {viewer === "vendor" ? <Dt label="Partner">{o.partnerName}</Dt> : null}
            <Dt label="Company">{o.customerCompany}</Dt>
            <Dt label="Domain">{o.customerDomain}</Dt>
            <Dt label="Country">{countryName(o.customerCountry)}</Dt>
            <Dt label="Technical contact">
              {o.technicalContactName ? `${o.technicalContactName} · ` : ""}
              {o.technicalContactEmail}
            </Dt>
            {o.partnerReference ? <Dt label="Partner reference">{o.partnerReference}</Dt> : null}
          </dl>
        </section>
        <section className="card">
          <h2 style={{ marginTop: 0 }}>Payment</h2>
          <dl style={{ margin: 0 }}>
            <Dt label="Status">{o.statusLabel}</Dt>
            <Dt label="Method">{o.paymentMethodLabel}</Dt>
            <Dt label="Placed">
              {formatDateTime(o.createdAt)}
              {o.orderedBy ? ` by ${o.orderedBy}` : ""}
            </Dt>
            {o.paidAt ? <Dt label="Paid">{formatDateTime(o.paidAt)}</Dt> : null}
            {o.paidReference ? <Dt label="Payment reference">{o.paidReference}</Dt> : null}
            {o.stripeInvoiceId && !o.paidAt ? <Dt label="Stripe invoice">{o.stripeInvoiceId} (sent)</Dt> : null}
            {o.deal ? (
              <Dt label="Deal registration">
                <Link to={`/deals/${o.deal.id}`}>{o.deal.customerName}</Link>
                {o.deal.status === "won" ? " (won)" : " (marked won when paid)"}
              </Dt>
            ) : null}
            {o.renewalOfLicenseId ? (
              <Dt label="Renews">
                <Link to={`/licenses/${o.renewalOfLicenseId}`}>the earlier license</Link>
              </Dt>
            ) : null}
          </dl>
        </section>
      </div>

      <h2>Lines</h2>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Product</th>
              <th>Term</th>
              <th>Seats</th>
              <th>List price per seat</th>
              <th>Your price per seat</th>
              <th>Line total</th>
            </tr>
          </thead>
          <tbody>
            {lines.map((l) => (
              <tr key={l.id}>
                <td>
                  {l.product} <span className="muted">({l.sku})</span>
                </td>
                <td>{l.term}</td>
                <td>{l.seats}</td>
                <td>{l.unit}</td>
                <td>{l.discountedUnit}</td>
                <td>{l.lineTotal}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <dl
        style={{
          display: "grid",
          gridTemplateColumns: "max-content max-content",
          gap: "0.25rem 1rem",
          marginTop: "0.75rem",
        }}
        data-testid="order-totals"
      >
        <dt className="muted">Subtotal (list)</dt>
        <dd style={{ margin: 0 }}>{o.subtotal}</dd>
        <dt className="muted">Discount ({o.discountPercent} %)</dt>
        <dd style={{ margin: 0 }}>−{o.discount}</dd>
        <dt>
          <strong>Total</strong>
        </dt>
        <dd style={{ margin: 0 }}>
          <strong>{o.total}</strong> <span className="muted">before tax</span>
        </dd>
      </dl>

      {can.payByCard || can.cardUnavailable || can.cancel || can.markPaid || can.stripeInvoice ? (
        <section className="card" style={{ marginTop: "1rem" }}>
          <h2 style={{ marginTop: 0 }}>{o.paymentMethod === "invoice" ? "Invoice payment" : "Card payment"}</h2>
          {o.paymentMethod === "invoice" && viewer === "partner" ? (
            <p className="muted">The vendor invoices this order; the keys are issued when the payment is recorded.</p>
          ) : null}
          {can.cardUnavailable ? (
            <p className="muted">Card payment is unavailable: online payment is not set up on this portal.</p>
          ) : null}
          <div className="actions">
            {can.payByCard && !processing ? (
              <Form method="post">
                <button type="submit" name="intent" value="pay" disabled={busy}>
                  Pay by card
                </button>
              </Form>
            ) : null}
            {can.markPaid ? (
              <ActionDialog
                intent="mark-paid"
                label="Mark paid…"
                title="Record the invoice payment"
                hasErrors={intentHasErrors(actionData, "mark-paid")}
              >
                <p>
                  Recording the payment issues the licenses now and mails the keys to the partner and to the customer's
                  technical contact. This cannot be undone here.
                </p>
                <Form method="post" {...getFormProps(paidForm)} className="stack">
                  <FormErrors errors={paidForm.errors} id={paidForm.errorId} />
                  <Field label="Payment reference" field={paidFields.reference} hint="e.g. the bank transfer's id" />
                  <button type="submit" name="intent" value="mark-paid" disabled={busy}>
                    Mark paid and issue the keys
                  </button>
                </Form>
              </ActionDialog>
            ) : null}
            {can.stripeInvoice ? (
              <ActionDialog
                intent="stripe-invoice"
                label="Bill through Stripe…"
                title="Send a Stripe invoice?"
                hasErrors={false}
                secondary
              >
                <p>
                  Stripe sends the partner an invoice for {o.total} (tax per the Stripe Tax settings), due in 30 days,
                  and collects it; the keys are issued when Stripe reports it paid.
                </p>
                <Form method="post">
                  <button type="submit" name="intent" value="stripe-invoice" disabled={busy}>
                    Send the invoice
                  </button>
                </Form>
              </ActionDialog>
            ) : null}
            {can.cancel ? (
              <ActionDialog
                intent="cancel"
                label="Cancel the order…"
                title="Cancel this order?"
                hasErrors={intentHasErrors(actionData, "cancel")}
                secondary
              >
                <p>The order will not be paid or fulfilled. Place a new order if the customer still needs licenses.</p>
                <Form method="post" {...getFormProps(cancelForm)} className="stack">
                  <FormErrors errors={cancelForm.errors} id={cancelForm.errorId} />
                  <TextArea
                    label="Reason (optional)"
                    field={cancelFields.reason as FieldMetadata<string | undefined>}
                    rows={3}
                  />
                  <button type="submit" name="intent" value="cancel" className="danger" disabled={busy}>
                    Cancel the order
                  </button>
                </Form>
              </ActionDialog>
            ) : null}
          </div>
        </section>
      ) : null}

      <h2>License keys</h2>
      {licenses.length === 0 ? (
        <EmptyState title={processing ? "Waiting for the payment confirmation" : "No licenses yet"}>
          <p>The keys are issued once the order is paid.</p>
        </EmptyState>
      ) : (
        <div className="stack" data-testid="license-keys">
          {licenses.map((l) => (
            <div key={l.id} className="card">
              <div className="actions" style={{ justifyContent: "space-between" }}>
                <strong>
                  <Link to={`/licenses/${l.id}`}>{l.product}</Link> · {l.seats}
                </strong>
                <span className={`badge ${l.status === "active" ? "good" : "bad"}`}>{l.statusLabel}</span>
              </div>
              <p className="muted" style={{ margin: "0.3rem 0" }}>
                Valid {formatDate(l.validFrom)} to {l.validUntil ? formatDate(l.validUntil) : "perpetual"}
              </p>
              <code className="secret" data-testid="license-key">
                {l.key}
              </code>
            </div>
          ))}
        </div>
      )}

      <h2>History</h2>
      <DealHistory entries={history} />
    </>
  );
}
