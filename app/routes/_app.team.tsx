import { getFormProps, useForm } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Field, FormErrors, SelectField } from "~/components/forms";
import { ConfirmButton, EmptyState, formatDateTime } from "~/components/ui";
import { inviteUser, revokeInvitation } from "~/modules/accounts/invitations.server";
import { inviteSchema } from "~/modules/accounts/schemas";
import { changeRole, deactivateUser, listTeam, reactivateUser } from "~/modules/accounts/team.server";
import { DomainError } from "~/utils/errors.server";
import { replyWithError } from "~/utils/forms.server";
import { can, invitableRoles, isVendorRole, roleLabels, type Role } from "~/utils/permissions";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Team · Channel Partner Portal" }];

/** Partner people see their team (admins manage it); vendor admins manage the vendor's staff. */
function requireTeamAccess(request: Request, ip: string | null, manage: boolean) {
  return requirePermission(request, (role) => (isVendorRole(role) ? "vendor-staff:manage" : manage ? "team:manage" : "team:read"), ip);
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, ctx } = await requireTeamAccess(request, context.ip, false);
  const team = await listTeam(ctx);
  const manage = can(user.role, "team:manage") || can(user.role, "vendor-staff:manage");
  return {
    team,
    me: user.id,
    manage,
    vendor: isVendorRole(user.role),
    roleOptions: invitableRoles(user.role).map((r) => ({ value: r, label: roleLabels[r] })),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { ctx } = await requireTeamAccess(request, context.ip, true);
  const formData = await request.formData();
  const intent = formData.get("intent");
  if (intent === "invite") {
    const submission = parseWithZod(formData, { schema: inviteSchema });
    if (submission.status !== "success") return data({ invite: submission.reply() }, { status: 400 });
    try {
      await inviteUser(ctx, submission.value);
      return { invite: submission.reply({ resetForm: true }), notice: `Invitation sent to ${submission.value.email}.` };
    } catch (err) {
      const reply = replyWithError(submission, err);
      return data({ invite: reply.data }, { status: reply.init?.status ?? 400 });
    }
  }
  const id = String(formData.get("id") ?? "");
  try {
    if (intent === "deactivate") await deactivateUser(ctx, id);
    else if (intent === "reactivate") await reactivateUser(ctx, id);
    else if (intent === "revoke-invitation") await revokeInvitation(ctx, id);
    else if (intent === "change-role") await changeRole(ctx, id, formData.get("role"));
    else return data({ error: "Unknown action." }, { status: 400 });
  } catch (err) {
    if (err instanceof DomainError) return data({ error: err.message }, { status: err.status });
    throw err;
  }
  return { notice: "Saved." };
}

export default function Team() {
  const { team, me, manage, vendor, roleOptions } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const [form, fields] = useForm({
    id: "invite",
    lastResult: actionData && "invite" in actionData ? actionData.invite : undefined,
    constraint: getZodConstraint(inviteSchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: inviteSchema }),
  });
  return (
    <>
      <h1>{vendor ? "Vendor staff" : "Team"}</h1>
      {actionData && "notice" in actionData ? <p className="notice" role="status">{actionData.notice}</p> : null}
      {actionData && "error" in actionData ? <p className="form-error" role="alert">{actionData.error}</p> : null}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Email</th>
              <th>Role</th>
              <th>Status</th>
              <th>Last sign-in</th>
              {manage ? <th>Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {team.people.map((p) => (
              <tr key={p.id}>
                <td>{p.name}</td>
                <td>{p.email}</td>
                <td>
                  {manage && p.id !== me ? (
                    <Form method="post" className="actions">
                      <input type="hidden" name="id" value={p.id} />
                      <select name="role" defaultValue={p.role} aria-label={`Role of ${p.name}`}>
                        {roleOptions.map((o) => (
                          <option key={o.value} value={o.value}>
                            {o.label}
                          </option>
                        ))}
                      </select>
                      <button type="submit" name="intent" value="change-role" className="secondary" disabled={busy}>
                        Save
                      </button>
                    </Form>
                  ) : (
                    roleLabels[p.role as Role]
                  )}
                </td>
                <td>
                  <span className={`badge ${p.status === "active" ? "good" : "bad"}`}>{p.status}</span>
                </td>
                <td>{formatDateTime(p.lastSignInAt)}</td>
                {manage ? (
                  <td>
                    {p.id === me ? (
                      <span className="muted">You</span>
                    ) : p.status === "active" ? (
                      <ConfirmButton
                        intent="deactivate"
                        value={p.id}
                        label="Deactivate"
                        question={`Deactivate ${p.name}? They are signed out at once and cannot sign in until reactivated.`}
                        confirmLabel="Deactivate"
                      />
                    ) : (
                      <Form method="post">
                        <input type="hidden" name="id" value={p.id} />
                        <button type="submit" name="intent" value="reactivate" className="secondary">
                          Reactivate
                        </button>
                      </Form>
                    )}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>Pending invitations</h2>
      {team.pending.length === 0 ? (
        <EmptyState title="No pending invitations" />
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Email</th>
                <th>Role</th>
                <th>Expires</th>
                {manage ? <th /> : null}
              </tr>
            </thead>
            <tbody>
              {team.pending.map((i) => (
                <tr key={i.id}>
                  <td>{i.email}</td>
                  <td>{roleLabels[i.role as Role]}</td>
                  <td>{formatDateTime(i.expiresAt)}</td>
                  {manage ? (
                    <td>
                      <ConfirmButton
                        intent="revoke-invitation"
                        value={i.id}
                        label="Revoke"
                        question={`Revoke the invitation to ${i.email}? The link stops working.`}
                        confirmLabel="Revoke"
                      />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {manage ? (
        <div className="card" style={{ marginTop: "1.5rem" }}>
          <h2 style={{ marginTop: 0 }}>Invite a colleague</h2>
          <Form method="post" className="stack" {...getFormProps(form)}>
            <FormErrors errors={form.errors} id={form.errorId} />
            <Field label="Email address" field={fields.email} type="email" autoComplete="off" />
            <SelectField label="Role" field={fields.role} options={roleOptions} />
            <button type="submit" name="intent" value="invite" disabled={busy}>
              Send the invitation
            </button>
          </Form>
        </div>
      ) : null}
    </>
  );
}
