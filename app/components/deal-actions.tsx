/**
 * Pieces shared by the deal detail and review pages: the status badge, the
 * product lines, the history list and the extension decision.
 */
import { getFormProps } from "@conform-to/react";
import { Form } from "@remix-run/react";
import type { ReactNode } from "react";
import { FormErrors, TextArea } from "~/components/forms";
import { ActionDialog, intentHasErrors, useIntentForm, type IntentResult } from "~/components/intent-forms";
import { formatDateTime } from "~/components/ui";
import { denyExtensionSchema, grantExtensionSchema } from "~/modules/deals/lifecycle-schemas";
import { statusTone } from "~/modules/deals/schemas";

export function DealStatusBadge({ status, label }: { status: string; label: string }) {
  return <span className={`badge ${statusTone(status)}`}>{label}</span>;
}

export function DealLines({ lines }: { lines: { sku: string; product: string; quantity: number }[] }) {
  if (lines.length === 0) return <span className="muted">—</span>;
  return (
    <ul style={{ margin: 0, paddingLeft: "1.1rem" }}>
      {lines.map((l) => (
        <li key={l.sku}>
          {l.product} <span className="muted">({l.sku})</span> × {l.quantity.toLocaleString("en-US")}
        </li>
      ))}
    </ul>
  );
}

export interface HistoryEntry {
  id: string;
  at: string | Date;
  label: string;
  actor: string;
  note: string | null;
}

/** The deal's history, oldest first; notes are shown as text (never as HTML). */
export function DealHistory({ entries }: { entries: HistoryEntry[] }) {
  if (entries.length === 0) return <p className="muted">No changes yet.</p>;
  return (
    <ol className="stack" style={{ listStyle: "none", padding: 0, margin: 0 }} aria-label="History">
      {entries.map((e) => (
        <li key={e.id} className="card" style={{ marginBottom: "0.5rem" }}>
          <div className="muted" style={{ fontSize: "0.85rem" }}>
            {formatDateTime(e.at)} · {e.actor}
          </div>
          <strong>{e.label}</strong>
          {e.note ? <p style={{ whiteSpace: "pre-wrap", margin: "0.3rem 0 0" }}>{e.note}</p> : null}
        </li>
      ))}
    </ol>
  );
}

/** A channel manager's answer to a pending extension request: grant or deny, each behind a confirmation dialog. */
export function ExtensionDecision({
  pending,
  actionData,
  busy,
  children,
}: {
  pending: { id: string; requestedDays: number; createdAt: string | Date; reason: string };
  actionData: IntentResult | undefined;
  busy: boolean;
  /** What else the reviewer should see (e.g. the current protection end). */
  children?: ReactNode;
}) {
  const [grantForm, grantFields] = useIntentForm("grant-extension", grantExtensionSchema, actionData);
  const [denyForm, denyFields] = useIntentForm("deny-extension", denyExtensionSchema, actionData);
  return (
    <section className="card">
      <h2 style={{ marginTop: 0 }}>Extension request</h2>
      <p>
        {pending.requestedDays} more days, asked {formatDateTime(pending.createdAt)}
        {children}
      </p>
      <p style={{ whiteSpace: "pre-wrap" }}>{pending.reason}</p>
      <div className="actions">
        <ActionDialog
          intent="grant-extension"
          label="Grant…"
          title={`Grant ${pending.requestedDays} more days`}
          hasErrors={intentHasErrors(actionData, "grant-extension")}
        >
          <Form method="post" {...getFormProps(grantForm)} className="stack">
            <input type="hidden" name="extensionId" value={pending.id} />
            <FormErrors errors={grantForm.errors} id={grantForm.errorId} />
            <TextArea label="Note to the partner (optional)" field={grantFields.note} />
            <button type="submit" name="intent" value="grant-extension" disabled={busy}>
              Grant the extension
            </button>
          </Form>
        </ActionDialog>
        <ActionDialog
          intent="deny-extension"
          label="Deny…"
          title="Deny the extension"
          hasErrors={intentHasErrors(actionData, "deny-extension")}
          danger
        >
          <Form method="post" {...getFormProps(denyForm)} className="stack">
            <input type="hidden" name="extensionId" value={pending.id} />
            <FormErrors errors={denyForm.errors} id={denyForm.errorId} />
            <TextArea label="Reason (mailed to the partner)" field={denyFields.note} />
            <button type="submit" name="intent" value="deny-extension" className="danger" disabled={busy}>
              Deny the extension
            </button>
          </Form>
        </ActionDialog>
      </div>
    </section>
  );
}
