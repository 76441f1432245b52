import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { ErrorList, FormErrors } from "~/components/forms";
import { formatDateTime } from "~/components/ui";
import {
  leadFieldLabels,
  leadFieldNames,
  requiredLeadFields,
  type LeadFieldName,
} from "~/modules/leads/intake-schemas";
import {
  getLeadImport,
  listLeadImportIssues,
  previewLeadImport,
  startLeadImport,
  suggestMapping,
  type ImportMapping,
} from "~/modules/leads/import.server";
import { DomainError, toHttpError, ValidationError } from "~/utils/errors.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Lead import · Channel Partner Portal" }];

function cleanMapping(m: Partial<Record<LeadFieldName, string | null>>): ImportMapping {
  return Object.fromEntries(Object.entries(m).filter(([, h]) => !!h)) as ImportMapping;
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "leads:distribute", context.ip);
  const imp = await getLeadImport(ctx, params.importId ?? "").catch(toHttpError);
  const mapping = cleanMapping(imp.mapping ?? suggestMapping(imp.headers));
  const finished = imp.status === "done" || imp.status === "failed";
  return {
    imp,
    mapping,
    preview: imp.status === "uploaded" ? await previewLeadImport(ctx, imp.id, mapping) : null,
    issues: finished ? await listLeadImportIssues(ctx, imp.id, { limit: 20 }) : [],
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { ctx } = await requirePermission(request, "leads:distribute", context.ip);
  const id = params.importId ?? "";
  const formData = await request.formData();
  const mapping = cleanMapping(
    Object.fromEntries(leadFieldNames.map((f) => [f, String(formData.get(`mapping.${f}`) ?? "")])),
  );
  try {
    if (formData.get("intent") === "preview") {
      return { preview: await previewLeadImport(ctx, id, mapping), errors: {}, formError: null };
    }
    await startLeadImport(ctx, id, { mapping, routeAfter: formData.get("routeAfter") });
    return redirect(`/leads/import/${id}`);
  } catch (err) {
    if (err instanceof ValidationError) {
      return data({ preview: null, errors: err.fields ?? {}, formError: null }, { status: 400 });
    }
    if (err instanceof DomainError) {
      return data({ preview: null, errors: {}, formError: err.message }, { status: err.status });
    }
    throw err;
  }
}

export default function LeadImport() {
  const { imp, mapping, preview: loaded, issues } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const revalidator = useRevalidator();
  const running = imp.status === "queued" || imp.status === "processing";

  // While the job works, the page refreshes its figures every second.
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, 1000);
    return () => clearInterval(timer);
  }, [running, revalidator]);

  const preview = actionData?.preview ?? loaded;
  const errors: Record<string, string[]> = actionData?.errors ?? {};
  const shown = leadFieldNames.filter((f) => preview?.some((r) => f in r.values));
  const percent = imp.totalRows ? Math.floor((100 * imp.processedRows) / imp.totalRows) : 0;

  return (
    <>
      <p>
        <Link to="/leads/import">← Imports</Link>
      </p>
      <h1>Import of {imp.filename}</h1>
      <p className="muted">
        {imp.totalRows.toLocaleString("en")} rows, uploaded {formatDateTime(imp.createdAt)}
        {imp.createdByName ? ` by ${imp.createdByName}` : ""}.
      </p>

      {imp.status === "uploaded" ? (
        <Form method="post" className="card" style={{ display: "grid", gap: "1rem" }}>
          <FormErrors errors={actionData?.formError ? [actionData.formError] : null} />
          <section>
            <h2 style={{ marginTop: 0 }}>Columns</h2>
            <p className="muted">
              Which column of the file holds each lead field. The suggestions come from the column names; required
              fields are marked.
            </p>
            <div className="grid">
              {leadFieldNames.map((f) => {
                const required = requiredLeadFields.includes(f);
                const fieldErrors = errors[`mapping.${f}`];
                return (
                  <div className="field" key={f}>
                    <label htmlFor={`mapping.${f}`}>
                      {leadFieldLabels[f]}
                      {required ? " (required)" : ""}
                    </label>
                    <select
                      id={`mapping.${f}`}
                      name={`mapping.${f}`}
                      defaultValue={mapping[f] ?? ""}
                      aria-invalid={fieldErrors ? true : undefined}
                      aria-describedby={fieldErrors ? `mapping.${f}-error` : undefined}
                    >
                      <option value="">{required ? "Choose a column…" : "Not in the file"}</option>
                      {imp.headers.map((h) => (
                        <option key={h} value={h}>
                          {h}
                        </option>
                      ))}
                    </select>
                    <ErrorList id={`mapping.${f}-error`} errors={fieldErrors} />
                  </div>
                );
              })}
            </div>
            <div className="actions" style={{ marginTop: "0.75rem" }}>
              <button type="submit" name="intent" value="preview" className="secondary" disabled={busy}>
                Update the preview
              </button>
            </div>
          </section>

          <section>
            <h2 style={{ marginTop: 0 }}>Preview of the first rows</h2>
            {preview && preview.length > 0 ? (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th>Row</th>
                      {shown.map((f) => (
                        <th key={f}>{leadFieldLabels[f]}</th>
                      ))}
                      <th>Check</th>
                    </tr>
                  </thead>
                  <tbody>
                    {preview.map((r) => (
                      <tr key={r.n} data-testid={`preview-row-${r.n}`}>
                        <td>{r.n}</td>
                        {shown.map((f) => (
                          <td key={f}>{r.values[f]}</td>
                        ))}
                        <td>
                          {r.errors.length > 0 ? (
                            <span className="error">{r.errors.join(" ")}</span>
                          ) : r.duplicateOf.length > 0 ? (
                            <span className="badge gold">Skipped: duplicate of {r.duplicateOf.join(", ")}</span>
                          ) : (
                            <span className="badge good">OK</span>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : (
              <p className="muted">No rows to show.</p>
            )}
          </section>

          <label style={{ display: "flex", gap: "0.5rem", alignItems: "center", fontWeight: 400 }}>
            <input type="checkbox" name="routeAfter" defaultChecked style={{ width: "auto" }} />
            Route the created leads to partners when the import is done
          </label>
          <div className="actions">
            <button type="submit" name="intent" value="start" disabled={busy}>
              Start import
            </button>
            <span className="muted">
              Rows with errors and duplicates of open leads (or of earlier rows in the file) are skipped and listed
              afterwards.
            </span>
          </div>
        </Form>
      ) : null}

      {running ? (
        <section className="card" aria-live="polite">
          <h2 style={{ marginTop: 0 }}>{imp.status === "queued" ? "Waiting to start…" : "Importing…"}</h2>
          <p data-testid="import-progress">
            {imp.processedRows.toLocaleString("en")} of {imp.totalRows.toLocaleString("en")} rows processed ({percent}%)
            {imp.processedRows === imp.totalRows && imp.routeAfter ? "; routing the created leads…" : ""}
          </p>
          <div
            className="progress"
            role="progressbar"
            aria-valuemin={0}
            aria-valuemax={imp.totalRows}
            aria-valuenow={imp.processedRows}
            aria-label="Import progress"
          >
            <div className="progress-bar" style={{ width: `${percent}%` }} />
          </div>
          <p className="muted">
            So far: {imp.createdCount.toLocaleString("en")} created, {imp.skippedCount.toLocaleString("en")} skipped,{" "}
            {imp.failedCount.toLocaleString("en")} failed. You can leave this page: you get a mail when it is done.
          </p>
        </section>
      ) : null}

      {imp.status === "done" || imp.status === "failed" ? (
        <section className="card">
          <h2 style={{ marginTop: 0 }}>{imp.status === "done" ? "Summary" : "The import stopped"}</h2>
          {imp.status === "failed" ? (
            <p className="form-error">
              {imp.error ?? "Something went wrong."} The rows up to row {imp.processedRows.toLocaleString("en")} were
              processed.
            </p>
          ) : null}
          <div className="grid">
            <div>
              <div className="stat" data-testid="import-created">
                {imp.createdCount.toLocaleString("en")}
              </div>
              <div className="muted">created</div>
            </div>
            <div>
              <div className="stat" data-testid="import-skipped">
                {imp.skippedCount.toLocaleString("en")}
              </div>
              <div className="muted">skipped (duplicates of open leads or of earlier rows)</div>
            </div>
            <div>
              <div className="stat" data-testid="import-failed">
                {imp.failedCount.toLocaleString("en")}
              </div>
              <div className="muted">failed (rows with errors)</div>
            </div>
          </div>
          <p className="muted">Finished {formatDateTime(imp.finishedAt)}.</p>
          <div className="actions">
            <Link to="/leads/manage">See the leads</Link>
            {imp.skippedCount + imp.failedCount > 0 ? (
              <a href={`/leads/import/${imp.id}/issues.csv`} download>
                Download the skipped and failed rows (CSV)
              </a>
            ) : null}
          </div>
          {issues.length > 0 ? (
            <div className="table-wrap" style={{ marginTop: "1rem" }}>
              <table>
                <thead>
                  <tr>
                    <th>Row</th>
                    <th>Outcome</th>
                    <th>Reason</th>
                  </tr>
                </thead>
                <tbody>
                  {issues.map((i) => (
                    <tr key={i.rowNumber}>
                      <td>{i.rowNumber}</td>
                      <td>
                        <span className={`badge ${i.kind === "failed" ? "bad" : "gold"}`}>
                          {i.kind === "failed" ? "Failed" : "Skipped"}
                        </span>
                      </td>
                      <td>{i.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {imp.skippedCount + imp.failedCount > issues.length ? (
                <p className="muted">The first {issues.length} are shown; the CSV has them all.</p>
              ) : null}
            </div>
          ) : null}
        </section>
      ) : null}
    </>
  );
}
