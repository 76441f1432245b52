import { getFormProps, getInputProps, getTextareaProps, useForm } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { ErrorList, Field, FormErrors } from "~/components/forms";
import { EmptyState, formatDate, formatDateTime } from "~/components/ui";
import {
  AGREEMENT_BODY_MAX,
  GRACE_DAYS_DEFAULT,
  GRACE_DAYS_MAX,
  publishAgreementSchema,
} from "~/modules/onboarding/agreement-schemas";
import { listAgreementVersions, publishAgreement } from "~/modules/onboarding/agreements.server";
import { replyWithError } from "~/utils/forms.server";
import { renderMarkdown } from "~/utils/markdown.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Agreements · Channel Partner Portal" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "agreements:publish", context.ip);
  const list = await listAgreementVersions(ctx);
  const published = Number(new URL(request.url).searchParams.get("published")) || null;
  return { ...list, today: new Date().toISOString().slice(0, 10), published };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { ctx } = await requirePermission(request, "agreements:publish", context.ip);
  const formData = await request.formData();
  const submission = parseWithZod(formData, { schema: publishAgreementSchema });
  if (formData.get("intent") === "preview") {
    const body = formData.get("body");
    return {
      publish: submission.reply(),
      preview: typeof body === "string" && body.trim() ? renderMarkdown(body.replace(/\r\n?/g, "\n")) : null,
    };
  }
  if (submission.status !== "success") return data({ publish: submission.reply(), preview: null }, { status: 400 });
  try {
    const published = await publishAgreement(ctx, submission.value);
    return redirect(`/agreements?published=${published.version}`);
  } catch (err) {
    const reply = replyWithError(submission, err);
    return data({ publish: reply.data, preview: null }, { status: reply.init?.status ?? 400 });
  }
}

const phaseBadge = { upcoming: "badge", current: "badge good", superseded: "badge silver" } as const;

export default function Agreements() {
  const { versions, partnersInProgramme, today, published } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  // A fresh form after each publication (the page is the same route, so it would keep what was typed).
  const formId = `publish-agreement-${versions[0]?.version ?? 0}`;
  const [form, fields] = useForm({
    id: formId,
    lastResult: actionData?.publish,
    constraint: getZodConstraint(publishAgreementSchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: publishAgreementSchema }),
    shouldValidate: "onSubmit",
    shouldRevalidate: "onInput",
    defaultValue: { effectiveDate: today, graceDays: String(GRACE_DAYS_DEFAULT) },
  });
  return (
    <>
      <h1>Programme agreement</h1>
      {published ? (
        <p className="notice" role="status">
          Version {published} is published. The partner admins of every partner in the programme were notified.
        </p>
      ) : null}
      <p className="muted">
        The version in force is the highest whose effective date has passed. Partners that accepted an earlier version
        have its grace period to accept it; new partners must accept it before they can use the portal.
      </p>
      {versions.length === 0 ? (
        <EmptyState title="No version published yet">
          Until a version is published, partners are not asked to accept anything.
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Version</th>
                <th>Title</th>
                <th>Effective</th>
                <th>Grace</th>
                <th>Accept by</th>
                <th>Accepted</th>
                <th>Published</th>
              </tr>
            </thead>
            <tbody>
              {versions.map((v) => (
                <tr key={v.id}>
                  <td>
                    <Link to={`/agreements/${v.version}`}>Version {v.version}</Link>{" "}
                    <span className={phaseBadge[v.phase]}>{v.phase}</span>
                  </td>
                  <td>{v.title}</td>
                  <td style={{ whiteSpace: "nowrap" }}>{formatDate(v.effectiveAt)}</td>
                  <td style={{ whiteSpace: "nowrap" }}>{v.graceDays} days</td>
                  <td style={{ whiteSpace: "nowrap" }}>{formatDateTime(v.deadline)}</td>
                  <td>
                    {v.accepted} / {partnersInProgramme}
                  </td>
                  <td>
                    {formatDateTime(v.publishedAt)}
                    {v.publishedBy ? <span className="muted"> by {v.publishedBy}</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="muted">
        Accepted: partners in the programme (active or approved) that accepted this version or a later one, out of all
        partners in the programme.
      </p>

      <div className="card" style={{ marginTop: "1.5rem" }} key={formId}>
        <h2 style={{ marginTop: 0 }}>Publish a new version</h2>
        <Form method="post" className="stack" style={{ maxWidth: "none" }} {...getFormProps(form)}>
          <FormErrors errors={form.errors} id={form.errorId} />
          <Field label="Title" field={fields.title} autoComplete="off" />
          <div className="field">
            <label htmlFor={fields.body.id}>Text (Markdown)</label>
            <textarea {...getTextareaProps(fields.body)} rows={18} style={{ fontFamily: "monospace" }} />
            <p className="muted">
              Headings (#), lists, **bold**, links. HTML is shown as text. At most{" "}
              {AGREEMENT_BODY_MAX.toLocaleString("en")} characters.
            </p>
            <ErrorList id={fields.body.errorId} errors={fields.body.errors} />
          </div>
          <div className="actions">
            <div className="field">
              <label htmlFor={fields.effectiveDate.id}>Effective date</label>
              <input {...getInputProps(fields.effectiveDate, { type: "date" })} min={today} />
              <ErrorList id={fields.effectiveDate.errorId} errors={fields.effectiveDate.errors} />
            </div>
            <div className="field">
              <label htmlFor={fields.graceDays.id}>Grace period (days)</label>
              <input {...getInputProps(fields.graceDays, { type: "number" })} min={1} max={GRACE_DAYS_MAX} />
              <ErrorList id={fields.graceDays.errorId} errors={fields.graceDays.errors} />
            </div>
          </div>
          <p className="muted" style={{ margin: 0 }}>
            Today means at once. Partners that accepted an earlier version get the grace period, counted from the
            effective date, to accept; their admins are mailed now and reminded 14, 7 and 1 day(s) before it ends.
          </p>
          <div className="actions">
            <button type="submit" name="intent" value="preview" className="secondary" disabled={busy}>
              Preview
            </button>
            <button type="submit" name="intent" value="publish" disabled={busy}>
              Publish
            </button>
          </div>
        </Form>
      </div>
      {actionData?.preview ? (
        <article className="card" aria-label="Preview">
          <p className="muted" style={{ marginTop: 0 }}>
            Preview: how partners will see the text.
          </p>
          {/* Rendered by markdown.server: raw HTML in the source is escaped, links are checked. */}
          <div className="markdown" dangerouslySetInnerHTML={{ __html: actionData.preview }} />
        </article>
      ) : null}
    </>
  );
}
