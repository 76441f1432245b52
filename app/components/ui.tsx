import { Form, Link, useNavigation } from "@remix-run/react";
import { useRef, type ReactNode } from "react";

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="card empty">
      <strong>{title}</strong>
      {children}
    </div>
  );
}

export function Pagination({ page, pageSize, total, search }: { page: number; pageSize: number; total: number; search: URLSearchParams }) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const to = (p: number) => {
    const s = new URLSearchParams(search);
    s.set("page", String(p));
    return `?${s.toString()}`;
  };
  return (
    <div className="pagination">
      {page > 1 ? <Link to={to(page - 1)}>← Newer</Link> : <span />}
      <span className="muted">
        Page {page} of {pages} · {total} in all
      </span>
      {page < pages ? <Link to={to(page + 1)}>Older →</Link> : null}
    </div>
  );
}

/** A button that asks for confirmation in a dialog before submitting a destructive action. */
export function ConfirmButton({
  intent,
  value,
  label,
  question,
  confirmLabel,
  name = "id",
}: {
  intent: string;
  value: string;
  label: string;
  question: string;
  confirmLabel: string;
  name?: string;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const busy = useNavigation().state === "submitting";
  return (
    <>
      <button type="button" className="secondary" onClick={() => dialog.current?.showModal()}>
        {label}
      </button>
      <dialog ref={dialog}>
        <p>{question}</p>
        <Form method="post" className="actions" onSubmit={() => dialog.current?.close()}>
          <input type="hidden" name={name} value={value} />
          <button type="submit" name="intent" value={intent} className="danger" disabled={busy}>
            {confirmLabel}
          </button>
          <button type="button" className="secondary" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
        </Form>
      </dialog>
    </>
  );
}

export function formatDateTime(value: string | Date | null | undefined): string {
  if (!value) return "—";
  const d = typeof value === "string" ? new Date(value) : value;
  return d.toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

export function formatDate(value: string | Date | null | undefined): string {
  if (!value) return "—";
  const d = typeof value === "string" ? new Date(value) : value;
  return d.toISOString().slice(0, 10);
}
