import { getFormProps, useForm, type FieldMetadata, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { FormErrors, SelectField, TextArea } from "~/components/forms";
import { PublicLayout } from "~/components/public-layout";
import { acceptByLink, declineByLink, offerByLink } from "~/modules/leads/offers.server";
import { declineReasonLabels, declineReasons } from "~/modules/leads/status";
import { declineOfferSchema } from "~/modules/leads/work-schemas";
import { getDb } from "~/utils/db.server";
import { DomainError, ValidationError } from "~/utils/errors.server";

export const meta: MetaFunction = () => [
  { title: "Lead offer · Channel Partner Portal" },
  { name: "robots", content: "noindex" },
];

/**
 * The landing page of an offer mail's one-click link. A GET only shows the
 * offer (mail scanners fetch links): accepting or declining takes a POST
 * from this page, as the user the link was sent to.
 */
export async function loader({ params }: LoaderFunctionArgs) {
  return offerByLink(await getDb(), params.token ?? "", new Date());
}

type ActionResult =
  | { done: "accepted" | "declined"; leadId: string; message: string }
  | { error: string }
  | { result: SubmissionResult<string[]> };

export async function action({ request, params, context }: ActionFunctionArgs) {
  const db = await getDb();
  const token = params.token ?? "";
  const now = new Date();
  const view = await offerByLink(db, token, now);
  if (!view.ok) return data<ActionResult>({ error: view.message }, { status: 409 });
  const formData = await request.formData();
  try {
    if (view.action === "accept") {
      await acceptByLink(db, token, now, context.ip);
      return data<ActionResult>({
        done: "accepted",
        leadId: view.leadId,
        message: `${view.leadRef} is yours: sign in to see the contact's details and work the lead.`,
      });
    }
    const submission = parseWithZod(formData, { schema: declineOfferSchema });
    if (submission.status !== "success") return data<ActionResult>({ result: submission.reply() }, { status: 400 });
    try {
      await declineByLink(db, token, submission.value, now, context.ip);
    } catch (err) {
      if (err instanceof ValidationError) {
        return data<ActionResult>({ result: submission.reply({ fieldErrors: err.fields ?? {} }) }, { status: 400 });
      }
      throw err;
    }
    return data<ActionResult>({
      done: "declined",
      leadId: view.leadId,
      message: `You declined ${view.leadRef}; it goes to another partner. Thank you for answering.`,
    });
  } catch (err) {
    if (err instanceof DomainError) return data<ActionResult>({ error: err.message }, { status: err.status });
    throw err;
  }
}

const reasonOptions = declineReasons.map((r) => ({ value: r, label: declineReasonLabels[r] }));

export default function OfferLanding() {
  const view = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const [form, fields] = useForm({
    id: "decline",
    lastResult: actionData && "result" in actionData ? actionData.result : undefined,
    constraint: getZodConstraint(declineOfferSchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: declineOfferSchema }),
    shouldValidate: "onBlur",
  });
  if (actionData && "done" in actionData) {
    return (
      <PublicLayout narrow>
        <h1>{actionData.done === "accepted" ? "Lead accepted" : "Lead declined"}</h1>
        <p className="notice" role="status">
          {actionData.message}
        </p>
        {actionData.done === "accepted" ? (
          <p>
            <Link to={`/login?redirectTo=${encodeURIComponent(`/leads/${actionData.leadId}`)}`} className="button">
              Sign in to the lead
            </Link>
          </p>
        ) : (
          <p>
            <Link to="/login?redirectTo=%2Fleads">Sign in to your leads</Link>
          </p>
        )}
      </PublicLayout>
    );
  }
  if (!view.ok) {
    return (
      <PublicLayout narrow>
        <h1>This link cannot be used</h1>
        <p className="form-error" role="alert">
          {view.message}
        </p>
        <p>
          <Link to="/login?redirectTo=%2Fleads">Sign in to your leads</Link>
        </p>
      </PublicLayout>
    );
  }
  return (
    <PublicLayout narrow>
      <h1>
        {view.leadRef}: {view.companyName}
      </h1>
      <p>
        Offered to <strong>{view.partnerName}</strong>. Hello {view.recipientName}: answer by{" "}
        <strong>{view.acceptBy}</strong>.
      </p>
      <dl>
        <dt className="muted">Location</dt>
        <dd>{view.location}</dd>
        {view.interest ? (
          <>
            <dt className="muted">Interest</dt>
            <dd>{view.interest}</dd>
          </>
        ) : null}
        {view.message ? (
          <>
            <dt className="muted">Message</dt>
            <dd style={{ whiteSpace: "pre-wrap" }}>{view.message}</dd>
          </>
        ) : null}
      </dl>
      {actionData && "error" in actionData ? (
        <p className="form-error" role="alert">
          {actionData.error}
        </p>
      ) : null}
      {view.action === "accept" ? (
        <Form method="post">
          <button type="submit" disabled={busy}>
            Accept {view.leadRef}
          </button>
        </Form>
      ) : (
        <Form method="post" {...getFormProps(form)} className="stack">
          <FormErrors errors={form.errors} id={form.errorId} />
          <SelectField label="Why do you decline?" field={fields.reason} options={reasonOptions} />
          <TextArea
            label="Note (required for Other)"
            field={fields.note as FieldMetadata<string | undefined>}
            rows={3}
          />
          <button type="submit" className="danger" disabled={busy}>
            Decline {view.leadRef}
          </button>
        </Form>
      )}
      <p className="muted">
        This link works once and expires with the offer. You can also answer in the portal:{" "}
        <Link to={`/login?redirectTo=${encodeURIComponent(`/leads/${view.leadId}`)}`}>sign in to the lead</Link>.
      </p>
    </PublicLayout>
  );
}
