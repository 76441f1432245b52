/**
 * Pieces shared by the deal detail and review pages: a dialog holding one
 * action's form, a definition row, the status badge, the product lines and
 * the history list.
 */
import { useNavigation } from "@remix-run/react";
import { useEffect, useRef, type ReactNode } from "react";
import { formatDateTime } from "~/components/ui";
import { statusTone } from "~/modules/deals/schemas";

/**
 * An action behind a button: the button opens a dialog with the action's
 * fields and its final button (the confirmation step). The dialog closes
 * while the action is sent and opens again when the server answers with
 * field errors.
 */
export function ActionDialog({
  intent,
  label,
  title,
  children,
  hasErrors,
  danger = false,
  secondary = false,
}: {
  intent: string;
  label: string;
  title: string;
  children: ReactNode;
  hasErrors: boolean;
  danger?: boolean;
  secondary?: boolean;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const submitting = useNavigation().formData?.get("intent") === intent;
  useEffect(() => {
    if (submitting) dialog.current?.close();
  }, [submitting]);
  useEffect(() => {
    if (hasErrors && dialog.current && !dialog.current.open) dialog.current.showModal();
  }, [hasErrors]);
  return (
    <>
      <button
        type="button"
        className={danger ? "danger" : secondary ? "secondary" : undefined}
        onClick={() => dialog.current?.showModal()}
      >
        {label}
      </button>
      <dialog ref={dialog} aria-label={title} style={{ width: "min(520px, 95vw)", maxWidth: "none" }}>
        <h2 style={{ marginTop: 0 }}>{title}</h2>
        {children}
        <div className="actions" style={{ marginTop: "0.75rem" }}>
          <button type="button" className="secondary" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
        </div>
      </dialog>
    </>
  );
}

export function Dt({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt className="muted" style={{ fontSize: "0.85rem" }}>
        {label}
      </dt>
      <dd style={{ margin: "0 0 0.6rem" }}>{children}</dd>
    </>
  );
}

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
