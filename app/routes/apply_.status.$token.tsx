import { getFormProps, getTextareaProps, useForm } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import {
  data,
  redirect,
  type ActionFunctionArgs,
  type HeadersFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import {
  Form,
  Link,
  isRouteErrorResponse,
  useActionData,
  useLoaderData,
  useNavigation,
  useRouteError,
  useSearchParams,
} from "@remix-run/react";
import { ErrorList, FormErrors } from "~/components/forms";
import { PublicLayout } from "~/components/public-layout";
import { formatDate, formatDateTime } from "~/components/ui";
import { answerSchema } from "~/modules/onboarding/application-schemas";
import { answerInformationRequest, applicationStatusByToken } from "~/modules/onboarding/applications.server";
import { getDb } from "~/utils/db.server";
import { toHttpError } from "~/utils/errors.server";
import { replyWithError } from "~/utils/forms.server";

export const meta: MetaFunction = () => [
  { title: "Your partner application · Channel Partner Portal" },
  { name: "robots", content: "noindex" },
];

/** The link is a secret: never cached by a shared cache, never indexed. */
export const headers: HeadersFunction = () => ({ "Cache-Control": "private, no-store", "X-Robots-Tag": "noindex" });

export async function loader({ params }: LoaderFunctionArgs) {
  return applicationStatusByToken(await getDb(), params.token ?? "").catch(toHttpError);
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const token = params.token ?? "";
  const submission = parseWithZod(await request.formData(), { schema: answerSchema });
  if (submission.status !== "success") return data(submission.reply(), { status: 400 });
  try {
    await answerInformationRequest(await getDb(), token, submission.value, { ip: context.ip });
  } catch (err) {
    return replyWithError(submission, err, []);
  }
  return redirect(`/apply/status/${encodeURIComponent(token)}?answered=1`);
}

const statusHelp: Record<string, string> = {
  submitted: "Our channel team is reviewing your application. We will mail you when there is news.",
  info_requested: "We need a little more information before we can decide. Please answer the question below.",
  approved:
    "Your application was approved. We sent an invitation to create your partner admin account to your contact address.",
  rejected: "We cannot accept your application at this time.",
};

export default function ApplicationStatus() {
  const view = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>();
  const [search] = useSearchParams();
  const busy = useNavigation().state === "submitting";
  const [form, fields] = useForm({
    id: "answer",
    lastResult,
    constraint: getZodConstraint(answerSchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: answerSchema }),
    shouldValidate: "onBlur",
  });
  const { key: _key, ...bodyProps } = getTextareaProps(fields.body);
  return (
    <PublicLayout narrow>
      <h1>Partner application of {view.companyName}</h1>
      {search.get("answered") && view.status === "submitted" ? (
        <p className="notice" role="status">
          Thank you, your answer was sent to our channel team.
        </p>
      ) : null}
      {view.status !== "info_requested" ? <FormErrors errors={form.errors} id={form.errorId} /> : null}
      <div className="card">
        <p style={{ marginTop: 0 }}>
          <strong>Status:</strong>{" "}
          <span className={`badge ${view.status === "approved" ? "good" : view.status === "rejected" ? "bad" : ""}`}>
            {view.statusLabel}
          </span>
        </p>
        <p>{statusHelp[view.status]}</p>
        {view.rejectionReason ? (
          <blockquote
            style={{ whiteSpace: "pre-wrap", borderLeft: "3px solid #94a3b8", margin: 0, paddingLeft: "0.75rem" }}
          >
            {view.rejectionReason}
          </blockquote>
        ) : null}
        <p className="muted" style={{ marginBottom: 0 }}>
          Submitted on {formatDate(view.submittedAt)}
          {view.decidedAt ? ` · decided on ${formatDate(view.decidedAt)}` : ""}
        </p>
      </div>

      {view.messages.length ? (
        <>
          <h2>Messages</h2>
          {view.messages.map((m) => (
            <div key={m.id} className="card">
              <div className="muted" style={{ fontSize: "0.85rem" }}>
                {m.direction === "to_applicant" ? "Our channel team" : "You"} · {formatDateTime(m.createdAt)}
              </div>
              <p style={{ whiteSpace: "pre-wrap", marginBottom: 0 }}>{m.body}</p>
            </div>
          ))}
        </>
      ) : null}

      {view.status === "info_requested" ? (
        <div className="card">
          <h2 style={{ marginTop: 0 }}>Your answer</h2>
          <Form method="post" {...getFormProps(form)} style={{ display: "grid", gap: "0.9rem" }}>
            <FormErrors errors={form.errors} id={form.errorId} />
            <div className="field">
              <label htmlFor={fields.body.id}>Answer</label>
              <textarea {...bodyProps} rows={6} />
              <ErrorList id={fields.body.errorId} errors={fields.body.errors} />
            </div>
            <div>
              <button type="submit" disabled={busy}>
                Send the answer
              </button>
            </div>
          </Form>
        </div>
      ) : null}
    </PublicLayout>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  const notFound = isRouteErrorResponse(error) && error.status === 404;
  return (
    <PublicLayout narrow>
      <div className="card">
        <h1>{notFound ? "Status link not valid" : "Something went wrong"}</h1>
        <p>
          {notFound
            ? "This link does not lead to an application. If we asked you a question, use the link in our latest mail: each question comes with a new link and earlier ones stop working."
            : "An unexpected error happened. It has been logged; please try again."}
        </p>
        <Link to="/apply">Apply to become a partner</Link>
      </div>
    </PublicLayout>
  );
}
