/**
 * The browser side of pages with several forms told apart by `intent`
 * (app/utils/intent-action.server.ts runs them): one Conform form per intent,
 * and a dialog holding one action's form as its confirmation step.
 */
import { useForm, type DefaultValue, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import { useNavigation } from "@remix-run/react";
import { useEffect, useRef, type ReactNode } from "react";
import type { z } from "zod";

export interface IntentResult<I extends string = string> {
  intent: I | null;
  result?: SubmissionResult<string[]>;
  notice?: string;
  /** A decision that lost the race, or a rule that blocks it: shown at the top of the page. */
  error?: string;
}

/** The Conform form of one intent: it shows the server's answer only when that answer was for this intent. */
export function useIntentForm<S extends z.ZodTypeAny>(
  intent: string,
  schema: S,
  actionData: IntentResult | undefined,
  defaultValue?: Partial<Record<keyof z.input<S>, string | null>>,
) {
  return useForm<z.input<S>>({
    id: intent,
    lastResult: actionData?.intent === intent ? actionData.result : undefined,
    constraint: getZodConstraint(schema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema }),
    shouldValidate: "onBlur",
    defaultValue: defaultValue as DefaultValue<z.input<S>>,
  });
}

/** Whether the server answered this intent with field errors (its dialog opens again to show them). */
export function intentHasErrors(actionData: IntentResult | undefined, intent: string): boolean {
  return actionData?.intent === intent && Object.keys(actionData.result?.error ?? {}).length > 0;
}

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

/** A term and its description in a facts list. */
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

/** The outcome of the last action on a page: its notice, or the error that stopped it. */
export function ActionMessages({
  result,
}: {
  result: { notice?: string | null; error?: string | null } | undefined | null;
}) {
  return (
    <>
      {result?.notice ? (
        <p className="notice" role="status">
          {result.notice}
        </p>
      ) : null}
      {result?.error ? (
        <p className="form-error" role="alert">
          {result.error}
        </p>
      ) : null}
    </>
  );
}
