import { getFormProps, useForm } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Field, FormErrors } from "~/components/forms";
import { findUsableReset, resetPassword } from "~/modules/accounts/password-reset.server";
import { resetPasswordSchema } from "~/modules/accounts/schemas";
import { getDb } from "~/utils/db.server";
import { replyInvalid, replyWithError } from "~/utils/forms.server";

export const meta: MetaFunction = () => [{ title: "Choose a new password · Channel Partner Portal" }];

export async function loader({ params }: LoaderFunctionArgs) {
  const usable = await findUsableReset(await getDb(), params.token ?? "");
  return { usable: Boolean(usable) };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const submission = parseWithZod(await request.formData(), { schema: resetPasswordSchema });
  if (submission.status !== "success") return replyInvalid(submission);
  try {
    await resetPassword(await getDb(), params.token ?? "", submission.value, { ip: context.ip });
  } catch (err) {
    return replyWithError(submission, err);
  }
  return redirect("/login?reset=1");
}

export default function ResetPassword() {
  const { usable } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const [form, fields] = useForm({
    id: "reset",
    lastResult,
    constraint: getZodConstraint(resetPasswordSchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: resetPasswordSchema }),
    shouldRevalidate: "onBlur",
  });
  return (
    <div className="auth-page">
      <div className="card auth-card">
        <div className="brand">Channel Partner Portal</div>
        <h1>Choose a new password</h1>
        {usable ? (
          <Form method="post" className="stack" {...getFormProps(form)}>
            <FormErrors errors={form.errors} id={form.errorId} />
            <Field label="New password" field={fields.password} type="password" autoComplete="new-password" hint="At least 10 characters." />
            <Field label="Repeat the new password" field={fields.confirmPassword} type="password" autoComplete="new-password" />
            <button type="submit" disabled={busy}>
              Save the new password
            </button>
          </Form>
        ) : (
          <>
            <p className="form-error">This reset link is not valid any more: it was used already or it expired.</p>
            <Link to="/forgot-password">Ask for a new link</Link>
          </>
        )}
      </div>
    </div>
  );
}
