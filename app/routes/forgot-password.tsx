import { getFormProps, useForm } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import { data, type ActionFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation } from "@remix-run/react";
import { Field } from "~/components/forms";
import { requestPasswordReset } from "~/modules/accounts/password-reset.server";
import { forgotPasswordSchema } from "~/modules/accounts/schemas";
import { getDb } from "~/utils/db.server";
import { replyWithError } from "~/utils/forms.server";

export const meta: MetaFunction = () => [{ title: "Forgot password · Channel Partner Portal" }];

export async function action({ request, context }: ActionFunctionArgs) {
  const submission = parseWithZod(await request.formData(), { schema: forgotPasswordSchema });
  if (submission.status !== "success") return data({ sent: false, result: submission.reply() }, { status: 400 });
  try {
    await requestPasswordReset(await getDb(), submission.value, { ip: context.ip });
  } catch (err) {
    return replyWithError(submission, err);
  }
  return { sent: true, result: submission.reply({ resetForm: true }) };
}

export default function ForgotPassword() {
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const lastResult = actionData && "result" in actionData ? actionData.result : actionData;
  const [form, fields] = useForm({
    id: "forgot",
    lastResult,
    constraint: getZodConstraint(forgotPasswordSchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: forgotPasswordSchema }),
  });
  const sent = actionData && "sent" in actionData && actionData.sent;
  return (
    <div className="auth-page">
      <div className="card auth-card">
        <div className="brand">Channel Partner Portal</div>
        <h1>Forgot your password?</h1>
        {sent ? (
          <p className="notice" role="status">
            If an account uses that address, a link to choose a new password is on its way. It works once, for one hour.
          </p>
        ) : null}
        <Form method="post" className="stack" {...getFormProps(form)}>
          <Field label="Email address" field={fields.email} type="email" autoComplete="username" autoFocus />
          <div className="actions">
            <button type="submit" disabled={busy}>
              Send the reset link
            </button>
            <Link to="/login">Back to sign in</Link>
          </div>
        </Form>
      </div>
    </div>
  );
}
