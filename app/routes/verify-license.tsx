import { getFormProps, getTextareaProps, useForm } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import { data, type ActionFunctionArgs, type HeadersFunction, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { ErrorList } from "~/components/forms";
import { PublicLayout } from "~/components/public-layout";
import { formatDate, formatDateTime } from "~/components/ui";
import { verifyWithPortalKey } from "~/modules/licensing/keys.server";
import { REVOCATION_NOTE, verdictMessages } from "~/modules/licensing/license-key";
import { licenseStanding } from "~/modules/licensing/pages.server";
import { seatsText } from "~/modules/licensing/pricing";
import { getDb } from "~/utils/db.server";

export const meta: MetaFunction = () => [
  { title: "Verify a license key · Channel Partner Portal" },
  { name: "robots", content: "noindex" },
];

export const headers: HeadersFunction = () => ({ "Cache-Control": "no-store", "X-Robots-Tag": "noindex" });

const verifySchema = z.object({
  key: z
    .string({ required_error: "Paste a license key.", invalid_type_error: "Paste a license key." })
    .trim()
    .min(1, "Paste a license key.")
    .max(8000, "That is far longer than a license key."),
});

/** What an offline check cannot tell (from the server: license-key.ts uses node:crypto). */
export function loader() {
  return { revocationNote: REVOCATION_NOTE };
}

/**
 * Public (no sign-in): checks a pasted key offline with the vendor's public
 * key (shape, signature, expiry), the way a customer's server does; then, as
 * this is the portal, whether the license with that id was revoked here. The
 * key is posted, not put in the address, so it stays out of logs and history.
 */
export async function action({ request }: ActionFunctionArgs) {
  const submission = parseWithZod(await request.formData(), { schema: verifySchema });
  if (submission.status !== "success") return data({ result: submission.reply(), verdict: null }, { status: 400 });
  const verdict = verifyWithPortalKey(submission.value.key);
  // Only a key this vendor signed is looked up: a forged one's license id means nothing.
  const payload = verdict.valid || verdict.reason === "expired" ? verdict.payload : null;
  const standing = payload ? await licenseStanding(await getDb(), payload.licenseId) : null;
  return {
    result: submission.reply(),
    verdict: {
      valid: verdict.valid,
      reason: verdict.valid ? null : verdict.reason,
      message: verdict.valid ? null : verdictMessages[verdict.reason],
      license: payload
        ? {
            id: payload.licenseId,
            product: `${payload.product} ${payload.edition} (${payload.sku})`,
            seats: seatsText(payload.seats, payload.seatUnit),
            customer: `${payload.customer.company} (${payload.customer.domain})`,
            validFrom: payload.validFrom,
            validUntil: payload.validUntil,
          }
        : null,
      standing: standing
        ? standing.known
          ? { known: true as const, revoked: standing.status === "revoked", revokedAt: standing.revokedAt }
          : { known: false as const }
        : null,
    },
  };
}

export default function VerifyLicensePage() {
  const { revocationNote } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const [form, fields] = useForm({
    id: "verify-license",
    lastResult: actionData?.result,
    constraint: getZodConstraint(verifySchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: verifySchema }),
    shouldValidate: "onSubmit",
  });
  const v = actionData?.verdict ?? null;
  const revoked = v?.standing?.known && v.standing.revoked;
  const { key: _key, ...keyProps } = getTextareaProps(fields.key);
  return (
    <PublicLayout narrow>
      <h1>Verify a license key</h1>
      <p className="muted">
        Paste a key (it starts with <code>MRL1.</code>). It is checked with the vendor's public signing key, as your
        mail server checks it; the key is not stored.
      </p>
      <Form method="post" {...getFormProps(form)} className="card" style={{ display: "grid", gap: "0.75rem" }}>
        <div className="field">
          <label htmlFor={fields.key.id}>License key</label>
          <textarea {...keyProps} rows={5} spellCheck={false} autoComplete="off" style={{ fontFamily: "monospace" }} />
          <ErrorList id={fields.key.errorId} errors={fields.key.errors} />
        </div>
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? "Checking…" : "Verify"}
          </button>
        </div>
      </Form>

      {v ? (
        <div className="card" data-testid="verdict">
          {v.valid && !revoked ? (
            <p className="notice" role="status">
              <strong>Valid.</strong> The signature is the vendor's and the license is in its term.
            </p>
          ) : v.valid && revoked ? (
            <p className="form-error" role="status">
              <strong>Revoked.</strong> The signature is valid, but the vendor revoked this license.
            </p>
          ) : (
            <p className="form-error" role="status">
              <strong>Not valid.</strong> {v.message}
            </p>
          )}
          {v.license ? (
            <dl className="verify-facts">
              <dt>Product</dt>
              <dd>{v.license.product}</dd>
              <dt>Seats</dt>
              <dd>{v.license.seats}</dd>
              <dt>Customer</dt>
              <dd>{v.license.customer}</dd>
              <dt>Valid from</dt>
              <dd>{formatDate(v.license.validFrom)}</dd>
              <dt>{v.reason === "expired" ? "Expired" : "Valid until"}</dt>
              <dd>{v.license.validUntil ? formatDate(v.license.validUntil) : "perpetual"}</dd>
              <dt>License id</dt>
              <dd>
                <code>{v.license.id}</code>
              </dd>
              <dt>Revocation</dt>
              <dd data-testid="revocation">
                {v.standing?.known
                  ? v.standing.revoked
                    ? `Revoked ${formatDateTime(v.standing.revokedAt)} (portal records).`
                    : "Not revoked (portal records)."
                  : "This portal has no record of this license id."}
              </dd>
            </dl>
          ) : null}
        </div>
      ) : null}
      <p className="muted">{revocationNote}</p>
      <p className="muted">
        The public key is published at <a href="/.well-known/license-signing-key">/.well-known/license-signing-key</a>{" "}
        for offline verification.
      </p>
    </PublicLayout>
  );
}
