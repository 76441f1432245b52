import { getFormProps, getInputProps } from "@conform-to/react";
import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useEffect, useState } from "react";
import { z } from "zod";
import { FormErrors, SelectField, TextArea } from "~/components/forms";
import {
  ActionDialog,
  ActionMessages,
  Dt,
  intentHasErrors,
  useIntentForm,
  type IntentResult,
} from "~/components/intent-forms";
import { formatDate, formatDateTime } from "~/components/ui";
import type { Ctx } from "~/modules/auth/actor";
import { resendKeys, revokeLicense } from "~/modules/licensing/licenses.server";
import { seatsText } from "~/modules/licensing/pricing";
import { getLicense } from "~/modules/licensing/queries.server";
import { licenseStatusLabels, orderRef, orderStatusLabels, revokeSchema } from "~/modules/licensing/schemas";
import { countryName } from "~/utils/countries";
import { toHttpError } from "~/utils/errors.server";
import { runIntent, type IntentForm } from "~/utils/intent-action.server";
import { isVendorRole } from "~/utils/permissions";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  {
    title: `${data ? `${data.license.customerCompany} · ${data.license.product}` : "License"} · Licenses · Channel Partner Portal`,
  },
];

/** The partner that holds the license and the vendor's license admins; another partner's license is 404. */
function requireLicenseAccess(request: Request, ip: string | null) {
  return requirePermission(request, (role) => (isVendorRole(role) ? "licenses:manage-all" : "licenses:order"), ip);
}

/** Where the keys go again; the request id makes a double submit one mail. */
const resendFormSchema = z.object({
  to: z.enum(["both", "partner", "customer"], { errorMap: () => ({ message: "Choose who receives the key." }) }),
  requestId: z.string().uuid().optional(),
});

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { ctx } = await requireLicenseAccess(request, context.ip);
  const l = await getLicense(ctx.db, { actor: ctx.actor, licenseId: params.licenseId ?? "" }).catch(toHttpError);
  const vendor = !ctx.actor.partnerId;
  return {
    viewer: vendor ? ("vendor" as const) : ("partner" as const),
    license: {
      id: l.id,
      partnerName: l.partnerName,
      orderId: l.orderId,
      orderRef: orderRef(l.orderId),
      product: `${l.productName} ${l.edition}`,
      sku: l.sku,
      term: l.termMonths ? `${l.termMonths} months` : "perpetual",
      seats: seatsText(l.seats, l.seatUnit),
      customerCompany: l.customerCompany,
      customerDomain: l.customerDomain,
      customerCountry: l.customerCountry,
      technicalContactEmail: l.technicalContactEmail,
      validFrom: l.validFrom,
      validUntil: l.validUntil,
      status: l.status,
      statusLabel: licenseStatusLabels[l.status],
      revokedAt: l.revokedAt,
      revokedReason: l.revokedReason,
      key: l.key,
    },
    renewals: l.renewals.map((r) => ({
      id: r.id,
      ref: orderRef(r.id),
      status: orderStatusLabels[r.status],
      createdAt: r.createdAt,
    })),
    can: {
      resend: !vendor && l.status === "active",
      renew: !vendor && l.status !== "revoked" && l.validUntil !== null,
      revoke: vendor && l.status !== "revoked",
    },
    requestId: crypto.randomUUID(),
  };
}

type Run = IntentForm<Ctx>["run"];
const forms = {
  resend: {
    schema: resendFormSchema,
    // This license's key goes again (getLicense scopes it: another partner's license is 404).
    run: (async (ctx, id, value: z.infer<typeof resendFormSchema>) => {
      const license = await getLicense(ctx.db, { actor: ctx.actor, licenseId: id });
      return resendKeys(ctx.db, { actor: ctx.actor, orderId: license.orderId, licenseId: license.id, input: value });
    }) as Run,
    done: "The key is on its way by mail.",
  },
  revoke: {
    schema: revokeSchema,
    run: ((ctx, id, value) => revokeLicense(ctx.db, { actor: ctx.actor, licenseId: id, input: value })) as Run,
    done: "License revoked: the partner was told. The key fails the online check from now on.",
  },
} as const;

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { ctx } = await requireLicenseAccess(request, context.ip);
  return runIntent(await request.formData(), forms, ctx, params.licenseId ?? "");
}

function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const t = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(t);
  }, [copied]);
  return (
    <button
      type="button"
      className="secondary"
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(() => setCopied(true));
      }}
    >
      {copied ? "Copied" : "Copy the key"}
    </button>
  );
}

const toOptions = [
  { value: "both", label: "Us and the customer's technical contact" },
  { value: "partner", label: "Only us" },
  { value: "customer", label: "Only the customer's technical contact" },
];

export default function LicenseDetailPage() {
  const { viewer, license: l, renewals, can, requestId } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as IntentResult | undefined;
  const busy = useNavigation().state === "submitting";
  const [resendForm, resendFields] = useIntentForm("resend", resendFormSchema, actionData, { to: "both", requestId });
  const [revokeForm, revokeFields] = useIntentForm("revoke", revokeSchema, actionData);
  return (
    <>
      <p>
        <Link to="/licenses">← Licenses</Link>
      </p>
      <h1>
        {l.customerCompany} · {l.product}{" "}
        <span className={`badge ${l.status === "active" ? "good" : "bad"}`} data-testid="license-status">
          {l.statusLabel}
        </span>
      </h1>
      <ActionMessages result={actionData} />
      {l.status === "revoked" ? (
        <div className="warning" role="note">
          <strong>Revoked {formatDateTime(l.revokedAt)}.</strong>
          {l.revokedReason ? <p style={{ whiteSpace: "pre-wrap", margin: "0.3rem 0 0" }}>{l.revokedReason}</p> : null}
        </div>
      ) : null}

      <section className="card">
        <h2 style={{ marginTop: 0 }}>License key</h2>
        <code className="secret" data-testid="license-key">
          {l.key}
        </code>
        <div className="actions" style={{ marginTop: "0.6rem" }}>
          <CopyButton text={l.key} />
          <span className="muted">
            Paste it into the mail server's configuration; it is checked offline with the vendor's public key.{" "}
            <a href="/verify-license">Verify a key</a>.
          </span>
        </div>
      </section>

      <div
        className="grid"
        style={{ gridTemplateColumns: "repeat(auto-fit, minmax(280px, 1fr))", alignItems: "start" }}
      >
        <section className="card">
          <h2 style={{ marginTop: 0 }}>License</h2>
          <dl style={{ margin: 0 }}>
            <Dt label="Product">
              {l.product} <span className="muted">({l.sku})</span>
            </Dt>
            <Dt label="Seats">{l.seats}</Dt>
            <Dt label="Term">{l.term}</Dt>
            <Dt label="Valid from">{formatDate(l.validFrom)}</Dt>
            <Dt label="Valid until">{l.validUntil ? formatDate(l.validUntil) : "perpetual"}</Dt>
            <Dt label="Order">
              <Link to={`/orders/${l.orderId}`}>{l.orderRef}</Link>
            </Dt>
            <Dt label="License id">
              <code>{l.id}</code>
            </Dt>
          </dl>
        </section>
        <section className="card">
          <h2 style={{ marginTop: 0 }}>End customer</h2>
          <dl style={{ margin: 0 }}>
            {viewer === "vendor" ? <Dt label="Partner">{l.partnerName}</Dt> : null}
            <Dt label="Company">{l.customerCompany}</Dt>
            <Dt label="Domain">{l.customerDomain}</Dt>
            <Dt label="Country">{countryName(l.customerCountry)}</Dt>
            <Dt label="Technical contact">{l.technicalContactEmail}</Dt>
          </dl>
        </section>
      </div>

      {can.resend || can.renew || can.revoke ? (
        <section className="card">
          <h2 style={{ marginTop: 0 }}>Actions</h2>
          <div className="actions">
            {can.renew ? (
              <Link to={`/orders/new?renew=${l.id}`} className="button">
                Renew
              </Link>
            ) : null}
            {can.resend ? (
              <ActionDialog
                intent="resend"
                label="Send the key mail again…"
                title="Send the key again"
                hasErrors={intentHasErrors(actionData, "resend")}
                secondary
              >
                <p className="muted">The mail carries this license's key (order {l.orderRef}).</p>
                <Form method="post" {...getFormProps(resendForm)} className="stack">
                  <FormErrors errors={resendForm.errors} id={resendForm.errorId} />
                  <input
                    {...getInputProps(resendFields.requestId, { type: "hidden" })}
                    key={resendFields.requestId.key}
                  />
                  <SelectField label="Send to" field={resendFields.to} options={toOptions} />
                  <button type="submit" name="intent" value="resend" disabled={busy}>
                    Send the key
                  </button>
                </Form>
              </ActionDialog>
            ) : null}
            {can.revoke ? (
              <ActionDialog
                intent="revoke"
                label="Revoke…"
                title="Revoke this license?"
                hasErrors={intentHasErrors(actionData, "revoke")}
                danger
              >
                <p>
                  The partner is told. The key keeps passing offline checks until it expires, but fails the online check
                  from now on. This cannot be undone.
                </p>
                <Form method="post" {...getFormProps(revokeForm)} className="stack">
                  <FormErrors errors={revokeForm.errors} id={revokeForm.errorId} />
                  <TextArea label="Reason (the partner receives it)" field={revokeFields.reason} rows={3} />
                  <button type="submit" name="intent" value="revoke" className="danger" disabled={busy}>
                    Revoke the license
                  </button>
                </Form>
              </ActionDialog>
            ) : null}
          </div>
        </section>
      ) : null}

      {renewals.length ? (
        <>
          <h2>Renewal orders</h2>
          <ul>
            {renewals.map((r) => (
              <li key={r.id}>
                <Link to={`/orders/${r.id}`}>{r.ref}</Link> · {r.status} · {formatDate(r.createdAt)}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}
