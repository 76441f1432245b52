import { getFormProps, useForm } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { Field, FormErrors } from "~/components/forms";
import { signInSchema } from "~/modules/auth/schemas";
import { signIn } from "~/modules/auth/sign-in.server";
import { getDb } from "~/utils/db.server";
import { replyWithError } from "~/utils/forms.server";
import { commitSession, getSessionUser, readSessionToken, safeRedirect } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Sign in · Channel Partner Portal" }];

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getSessionUser(request)) throw redirect("/");
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const formData = await request.formData();
  const submission = parseWithZod(formData, { schema: signInSchema });
  if (submission.status !== "success") return data(submission.reply({ hideFields: ["password"] }), { status: 400 });
  try {
    const result = await signIn(await getDb(), {
      ...submission.value,
      ip: context.ip,
      userAgent: request.headers.get("user-agent"),
      previousToken: await readSessionToken(request),
    });
    if (!result.ok) {
      return data(submission.reply({ formErrors: [result.message], hideFields: ["password"] }), { status: 400 });
    }
    return redirect(safeRedirect(formData.get("redirectTo")), {
      headers: { "Set-Cookie": await commitSession(result.token) },
    });
  } catch (err) {
    return replyWithError(submission, err, ["password"]);
  }
}

export default function Login() {
  const lastResult = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const busy = useNavigation().state === "submitting";
  const [form, fields] = useForm({
    id: "login",
    lastResult,
    constraint: getZodConstraint(signInSchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: signInSchema }),
    shouldRevalidate: "onBlur",
  });
  return (
    <div className="auth-page">
      <div className="card auth-card">
        <div className="brand">Channel Partner Portal</div>
        <h1>Sign in</h1>
        <Form method="post" className="stack" {...getFormProps(form)}>
          <input type="hidden" name="redirectTo" value={searchParams.get("redirectTo") ?? "/"} />
          {searchParams.get("reset") ? (
            <p className="notice" role="status">
              Your password was changed. Sign in with the new one.
            </p>
          ) : null}
          <FormErrors errors={form.errors} id={form.errorId} />
          <Field label="Email address" field={fields.email} type="email" autoComplete="username" autoFocus />
          <Field label="Password" field={fields.password} type="password" autoComplete="current-password" />
          <div className="actions">
            <button type="submit" disabled={busy}>
              {busy ? "Signing in…" : "Sign in"}
            </button>
            <Link to="/forgot-password">Forgot password?</Link>
          </div>
        </Form>
        <p className="muted" style={{ marginBottom: 0 }}>
          Not a partner yet? <Link to="/apply">Become a partner</Link>
        </p>
      </div>
    </div>
  );
}
