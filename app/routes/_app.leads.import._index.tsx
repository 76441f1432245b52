import {
  data,
  MaxPartSizeExceededError,
  redirect,
  unstable_createMemoryUploadHandler,
  unstable_parseMultipartFormData,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { ErrorList } from "~/components/forms";
import { EmptyState, formatDateTime } from "~/components/ui";
import {
  IMPORT_MAX_BYTES,
  IMPORT_MAX_ROWS,
  leadFieldLabels,
  leadFieldNames,
  requiredLeadFields,
} from "~/modules/leads/intake-schemas";
import { listLeadImports, uploadLeadImport } from "~/modules/leads/import.server";
import { ValidationError } from "~/utils/errors.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Import leads · Channel Partner Portal" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "leads:distribute", context.ip);
  return { imports: await listLeadImports(ctx, { limit: 20 }) };
}

const TOO_LARGE = "The file is larger than 10 MB: split it and upload the parts.";

export async function action({ request, context }: ActionFunctionArgs) {
  const { ctx } = await requirePermission(request, "leads:distribute", context.ip);
  let formData: FormData;
  try {
    formData = await unstable_parseMultipartFormData(
      request,
      unstable_createMemoryUploadHandler({ maxPartSize: IMPORT_MAX_BYTES }),
    );
  } catch (err) {
    if (err instanceof MaxPartSizeExceededError) return data({ errors: [TOO_LARGE] }, { status: 413 });
    return data({ errors: ["Choose a CSV file to upload."] }, { status: 400 });
  }
  const file = formData.get("file");
  if (!(file instanceof File) || file.size === 0) {
    return data({ errors: ["Choose a CSV file to upload."] }, { status: 400 });
  }
  try {
    const { id } = await uploadLeadImport(ctx, {
      filename: file.name || "leads.csv",
      bytes: new Uint8Array(await file.arrayBuffer()),
    });
    return redirect(`/leads/import/${id}`);
  } catch (err) {
    if (err instanceof ValidationError) {
      return data({ errors: err.fields?.file ?? [err.message] }, { status: 400 });
    }
    throw err;
  }
}

const statusLabels: Record<string, string> = {
  uploaded: "Waiting for mapping",
  queued: "Queued",
  processing: "Importing",
  done: "Done",
  failed: "Failed",
};

export default function LeadImports() {
  const { imports } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  return (
    <>
      <p>
        <Link to="/leads/manage">← Leads</Link>
      </p>
      <h1>Import leads</h1>
      <section className="card">
        <h2 style={{ marginTop: 0 }}>Upload a CSV file</h2>
        <p className="muted">
          UTF-8 (as Excel's &ldquo;CSV UTF-8&rdquo; saves it), a header row naming the columns, at most 10 MB and{" "}
          {IMPORT_MAX_ROWS.toLocaleString("en")} rows. You map the columns to lead fields next and see a preview before
          anything is imported. Each lead needs{" "}
          {requiredLeadFields.map((f) => leadFieldLabels[f].toLowerCase()).join(", ")}; the other fields are optional (
          {leadFieldNames
            .filter((f) => !requiredLeadFields.includes(f))
            .map((f) => leadFieldLabels[f].toLowerCase())
            .join(", ")}
          ).
        </p>
        <Form method="post" encType="multipart/form-data" className="actions">
          <label htmlFor="file">CSV file</label>
          <input id="file" name="file" type="file" accept=".csv,text/csv" required aria-describedby="file-error" />
          <button type="submit" disabled={busy}>
            {busy ? "Uploading…" : "Upload"}
          </button>
        </Form>
        <ErrorList id="file-error" errors={actionData?.errors} />
      </section>

      <h2>Recent imports</h2>
      {imports.length === 0 ? (
        <EmptyState title="No imports yet">Upload a CSV file to import many leads at once.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>File</th>
                <th>By</th>
                <th>Uploaded</th>
                <th>Status</th>
                <th style={{ textAlign: "right" }}>Rows</th>
                <th style={{ textAlign: "right" }}>Created</th>
                <th style={{ textAlign: "right" }}>Skipped</th>
                <th style={{ textAlign: "right" }}>Failed</th>
              </tr>
            </thead>
            <tbody>
              {imports.map((i) => (
                <tr key={i.id}>
                  <td>
                    <Link to={`/leads/import/${i.id}`}>{i.filename}</Link>
                  </td>
                  <td>{i.createdByName ?? "—"}</td>
                  <td>{formatDateTime(i.createdAt)}</td>
                  <td>
                    <span className={`badge ${i.status === "done" ? "good" : i.status === "failed" ? "bad" : ""}`}>
                      {statusLabels[i.status] ?? i.status}
                    </span>
                    {i.status === "processing"
                      ? ` ${Math.floor((100 * i.processedRows) / Math.max(1, i.totalRows))}%`
                      : ""}
                  </td>
                  <td style={{ textAlign: "right" }}>{i.totalRows.toLocaleString("en")}</td>
                  <td style={{ textAlign: "right" }}>{i.createdCount.toLocaleString("en")}</td>
                  <td style={{ textAlign: "right" }}>{i.skippedCount.toLocaleString("en")}</td>
                  <td style={{ textAlign: "right" }}>{i.failedCount.toLocaleString("en")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
