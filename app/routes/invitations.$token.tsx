import { getFormProps, useForm } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Field, FormErrors } from "~/components/forms";
import { acceptInvitation, findUsableInvitation } from "~/modules/accounts/invitations.server";
import { acceptInvitationSchema } from "~/modules/accounts/schemas";
import { signIn } from "~/modules/auth/sign-in.server";
import { getDb } from "~/utils/db.server";
import { replyInvalid, replyWithError } from "~/utils/forms.server";
import { roleLabels, type Role } from "~/utils/permissions";
import { commitSession, readSessionToken } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Accept your invitation · Channel Partner Portal" }];

export async function loader({ params }: LoaderFunctionArgs) {
  const found = await findUsableInvitation(await getDb(), params.token ?? "");
  if (!found.ok) return { ok: false as const };
  const inv = found.invitation;
  return {
    ok: true as const,
    email: inv.email,
    organisation: inv.partnerName ?? "the vendor's channel team",
    role: roleLabels[inv.role as Role],
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const submission = parseWithZod(await request.formData(), { schema: acceptInvitationSchema });
  if (submission.status !== "success") return replyInvalid(submission);
  const db = await getDb();
  try {
    const { email } = await acceptInvitation(db, params.token ?? "", submission.value, { ip: context.ip });
    const session = await signIn(db, {
      email,
      password: submission.value.password,
      ip: context.ip,
      userAgent: request.headers.get("user-agent"),
      previousToken: await readSessionToken(request),
    });
    if (!session.ok) return redirect("/login");
    return redirect("/", { headers: { "Set-Cookie": await commitSession(session.token) } });
  } catch (err) {
    return replyWithError(submission, err);
  }
}

export default function AcceptInvitation() {
  const invitation = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const [form, fields] = useForm({
    id: "accept",
    lastResult,
    constraint: getZodConstraint(acceptInvitationSchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: acceptInvitationSchema }),
    shouldRevalidate: "onBlur",
  });
  return (
    <div className="auth-page">
      <div className="card auth-card">
        <div className="brand">Channel Partner Portal</div>
        {invitation.ok ? (
          <>
            <h1>Join {invitation.organisation}</h1>
            <p>
              You were invited as <strong>{invitation.role}</strong> with the address <strong>{invitation.email}</strong>.
              Choose your name and a password to finish.
            </p>
            <Form method="post" className="stack" {...getFormProps(form)}>
              <FormErrors errors={form.errors} id={form.errorId} />
              <Field label="Your name" field={fields.name} autoComplete="name" autoFocus />
              <Field label="Password" field={fields.password} type="password" autoComplete="new-password" hint="At least 10 characters." />
              <Field label="Repeat the password" field={fields.confirmPassword} type="password" autoComplete="new-password" />
              <button type="submit" disabled={busy}>
                Create my account
              </button>
            </Form>
          </>
        ) : (
          <>
            <h1>Invitation not valid</h1>
            <p>This invitation link was used already, revoked, or it expired. Ask whoever invited you for a new one.</p>
            <Link to="/login">Go to sign in</Link>
          </>
        )}
      </div>
    </div>
  );
}
