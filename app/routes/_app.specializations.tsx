import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { ErrorList, FormErrors } from "~/components/forms";
import { ConfirmButton, EmptyState } from "~/components/ui";
import {
  createSpecialization,
  createSpecializationSchema,
  deleteSpecialization,
  listSpecializations,
  renameSpecialization,
  setSpecializationActive,
} from "~/modules/onboarding/specializations.server";
import { DomainError, ValidationError } from "~/utils/errors.server";
import { replyWithError } from "~/utils/forms.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Specializations · Channel Partner Portal" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "specializations:manage", context.ip);
  return { rows: await listSpecializations(ctx) };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { ctx } = await requirePermission(request, "specializations:manage", context.ip);
  const formData = await request.formData();
  const intent = formData.get("intent");
  if (intent === "create") {
    const submission = parseWithZod(formData, { schema: createSpecializationSchema });
    if (submission.status !== "success") return data({ create: submission.reply() }, { status: 400 });
    try {
      await createSpecialization(ctx, submission.value);
      return { create: submission.reply({ resetForm: true }), notice: `“${submission.value.label}” was added.` };
    } catch (err) {
      const reply = replyWithError(submission, err);
      return data({ create: reply.data }, { status: reply.init?.status ?? 400 });
    }
  }
  const key = String(formData.get("key") ?? "");
  try {
    if (intent === "rename") await renameSpecialization(ctx, { key, label: formData.get("label") });
    else if (intent === "deactivate") await setSpecializationActive(ctx, key, false);
    else if (intent === "reactivate") await setSpecializationActive(ctx, key, true);
    else if (intent === "delete") await deleteSpecialization(ctx, key);
    else return data({ error: "Unknown action." }, { status: 400 });
  } catch (err) {
    if (err instanceof ValidationError) {
      return data(
        { rowError: { key, message: Object.values(err.fields ?? {}).flat()[0] ?? err.message } },
        { status: 400 },
      );
    }
    if (err instanceof DomainError) return data({ error: err.message }, { status: err.status });
    throw err;
  }
  return { notice: "Saved." };
}

export default function Specializations() {
  const { rows } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const [form, fields] = useForm<{ key: string; label: string }>({
    id: "create-specialization",
    lastResult: actionData && "create" in actionData ? actionData.create : undefined,
    shouldValidate: "onSubmit",
  });
  const rowError = actionData && "rowError" in actionData ? actionData.rowError : null;
  const { key: _k1, ...keyProps } = getInputProps(fields.key, { type: "text" });
  const { key: _k2, ...labelProps } = getInputProps(fields.label, { type: "text" });
  return (
    <>
      <h1>Specializations</h1>
      <p className="muted">
        What partners can say they do. Applications and partner profiles offer the active ones; the locator filters by
        them. A key never changes: rename changes the label only, and a key in use is deactivated rather than deleted.
      </p>
      {actionData && "notice" in actionData ? (
        <p className="notice" role="status">
          {actionData.notice}
        </p>
      ) : null}
      {actionData && "error" in actionData ? (
        <p className="form-error" role="alert">
          {actionData.error}
        </p>
      ) : null}
      {rows.length === 0 ? (
        <EmptyState title="No specializations yet">Add the first one below.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Key</th>
                <th>Label</th>
                <th>In use</th>
                <th>Status</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const inUse = r.partners + r.applications;
                return (
                  <tr key={r.key}>
                    <td>
                      <code>{r.key}</code>
                    </td>
                    <td>
                      <Form method="post" className="actions">
                        <input type="hidden" name="key" value={r.key} />
                        <input
                          name="label"
                          defaultValue={r.label}
                          aria-label={`Label of ${r.key}`}
                          required
                          minLength={2}
                          maxLength={60}
                          aria-invalid={rowError?.key === r.key ? true : undefined}
                        />
                        <button type="submit" name="intent" value="rename" className="secondary" disabled={busy}>
                          Rename
                        </button>
                      </Form>
                      {rowError?.key === r.key ? <ErrorList errors={[rowError.message]} /> : null}
                    </td>
                    <td>
                      {r.partners} partner{r.partners === 1 ? "" : "s"}, {r.applications} application
                      {r.applications === 1 ? "" : "s"}
                    </td>
                    <td>
                      <span className={`badge ${r.active ? "good" : "bad"}`}>{r.active ? "active" : "inactive"}</span>
                    </td>
                    <td>
                      <div className="actions">
                        {r.active ? (
                          <ConfirmButton
                            name="key"
                            intent="deactivate"
                            value={r.key}
                            label="Deactivate"
                            question={`Deactivate “${r.label}”? It is no longer offered to applicants and partners; partners that have it keep it.`}
                            confirmLabel="Deactivate"
                          />
                        ) : (
                          <Form method="post">
                            <input type="hidden" name="key" value={r.key} />
                            <button
                              type="submit"
                              name="intent"
                              value="reactivate"
                              className="secondary"
                              disabled={busy}
                            >
                              Reactivate
                            </button>
                          </Form>
                        )}
                        {inUse === 0 ? (
                          <ConfirmButton
                            name="key"
                            intent="delete"
                            value={r.key}
                            label="Delete"
                            question={`Delete “${r.label}”? Nobody uses it yet.`}
                            confirmLabel="Delete"
                          />
                        ) : null}
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}

      <div className="card" style={{ marginTop: "1.5rem" }}>
        <h2 style={{ marginTop: 0 }}>Add a specialization</h2>
        <Form method="post" className="stack" {...getFormProps(form)}>
          <FormErrors errors={form.errors} id={form.errorId} />
          <div className="field">
            <label htmlFor={fields.key.id}>Key</label>
            <input {...keyProps} required pattern="[a-z0-9\-]{2,40}" maxLength={40} autoComplete="off" />
            <p className="muted">Lowercase letters, digits and hyphens, e.g. mail-relay. It cannot be changed later.</p>
            <ErrorList id={fields.key.errorId} errors={fields.key.errors} />
          </div>
          <div className="field">
            <label htmlFor={fields.label.id}>Label</label>
            <input {...labelProps} required minLength={2} maxLength={60} />
            <ErrorList id={fields.label.errorId} errors={fields.label.errors} />
          </div>
          <button type="submit" name="intent" value="create" disabled={busy}>
            Add
          </button>
        </Form>
      </div>
    </>
  );
}
