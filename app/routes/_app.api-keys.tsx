import { getFormProps, useForm } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { ErrorList, Field, FormErrors } from "~/components/forms";
import { ConfirmButton, EmptyState, formatDateTime } from "~/components/ui";
import { createApiKey, listApiKeys, revokeApiKey } from "~/modules/accounts/api-keys.server";
import { apiKeyScopes, createApiKeySchema } from "~/modules/accounts/schemas";
import { DomainError } from "~/utils/errors.server";
import { replyWithError } from "~/utils/forms.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "API keys · Channel Partner Portal" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "api-keys:manage", context.ip);
  return { keys: await listApiKeys(ctx) };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { ctx } = await requirePermission(request, "api-keys:manage", context.ip);
  const formData = await request.formData();
  if (formData.get("intent") === "revoke") {
    try {
      await revokeApiKey(ctx, String(formData.get("id") ?? ""));
    } catch (err) {
      if (err instanceof DomainError) return data({ error: err.message }, { status: err.status });
      throw err;
    }
    return { notice: "The key was revoked. Requests that use it are refused from now on." };
  }
  const submission = parseWithZod(formData, { schema: createApiKeySchema });
  if (submission.status !== "success") return data({ create: submission.reply() }, { status: 400 });
  try {
    const created = await createApiKey(ctx, submission.value);
    return { create: submission.reply({ resetForm: true }), created: { key: created.key, name: submission.value.name } };
  } catch (err) {
    const reply = replyWithError(submission, err);
    return data({ create: reply.data }, { status: reply.init?.status ?? 400 });
  }
}

export default function ApiKeys() {
  const { keys } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const [form, fields] = useForm({
    id: "create-key",
    lastResult: actionData && "create" in actionData ? actionData.create : undefined,
    constraint: getZodConstraint(createApiKeySchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: createApiKeySchema }),
    defaultValue: { scopes: ["me:read"] },
  });
  return (
    <>
      <h1>API keys</h1>
      <p className="muted">
        Connect your CRM to the portal's API (<a href="/api/v1/openapi.json">OpenAPI document</a>). Send a key as{" "}
        <code>Authorization: Bearer &lt;key&gt;</code>.
      </p>
      {actionData && "created" in actionData && actionData.created ? (
        <div className="card" role="status">
          <strong>Key "{actionData.created.name}" created.</strong> Copy it now: it is shown only once.
          <code className="secret" data-testid="new-api-key">
            {actionData.created.key}
          </code>
        </div>
      ) : null}
      {actionData && "notice" in actionData ? <p className="notice">{actionData.notice}</p> : null}
      {actionData && "error" in actionData ? <p className="form-error">{actionData.error}</p> : null}
      {keys.length === 0 ? (
        <EmptyState title="No API keys yet">Create one below to connect your own tools.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Key</th>
                <th>Scopes</th>
                <th>Created</th>
                <th>Last used</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td>
                    <code>cpk_{k.prefix}_…</code>
                  </td>
                  <td>{k.scopes.join(", ")}</td>
                  <td>{formatDateTime(k.createdAt)}</td>
                  <td>{k.lastUsedAt ? formatDateTime(k.lastUsedAt) : "Never"}</td>
                  <td>
                    {k.revokedAt ? (
                      <span className="badge bad">revoked {formatDateTime(k.revokedAt)}</span>
                    ) : (
                      <ConfirmButton
                        intent="revoke"
                        value={k.id}
                        label="Revoke"
                        question={`Revoke "${k.name}"? Anything that uses it stops working at once.`}
                        confirmLabel="Revoke the key"
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="card" style={{ marginTop: "1.5rem" }}>
        <h2 style={{ marginTop: 0 }}>Create a key</h2>
        <Form method="post" className="stack" {...getFormProps(form)}>
          <FormErrors errors={form.errors} id={form.errorId} />
          <Field label="Name" field={fields.name} hint="Where it is used, e.g. “Salesforce sync”." />
          <fieldset className="field">
            <legend>Scopes</legend>
            <div className="checkbox-row">
              {apiKeyScopes.map((s) => (
                <label key={s}>
                  <input type="checkbox" name={fields.scopes.name} value={s} defaultChecked={s === "me:read"} /> {s}
                </label>
              ))}
            </div>
            <ErrorList errors={fields.scopes.errors} id={fields.scopes.errorId} />
          </fieldset>
          <button type="submit" name="intent" value="create" disabled={busy}>
            Create the key
          </button>
        </Form>
      </div>
    </>
  );
}
