import { getInputProps, getSelectProps, getTextareaProps, type FieldMetadata } from "@conform-to/react";
import type { ReactNode } from "react";

export function ErrorList({ id, errors }: { id?: string; errors?: string[] | null }) {
  if (!errors?.length) return null;
  return (
    <div id={id}>
      {errors.map((e) => (
        <p className="error" key={e}>
          {e}
        </p>
      ))}
    </div>
  );
}

export function Field({
  label,
  field,
  type = "text",
  autoComplete,
  hint,
  autoFocus,
}: {
  label: string;
  field: FieldMetadata<string | undefined>;
  type?: "text" | "email" | "password" | "url";
  autoComplete?: string;
  hint?: ReactNode;
  autoFocus?: boolean;
}) {
  return (
    <div className="field">
      <label htmlFor={field.id}>{label}</label>
      <input {...getInputProps(field, { type })} autoComplete={autoComplete} autoFocus={autoFocus} />
      {hint ? <p className="muted">{hint}</p> : null}
      <ErrorList id={field.errorId} errors={field.errors} />
    </div>
  );
}

export function SelectField({
  label,
  field,
  options,
}: {
  label: string;
  field: FieldMetadata<string | undefined>;
  options: { value: string; label: string }[];
}) {
  return (
    <div className="field">
      <label htmlFor={field.id}>{label}</label>
      <select {...getSelectProps(field)}>
        <option value="">Choose…</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <ErrorList id={field.errorId} errors={field.errors} />
    </div>
  );
}

export function FormErrors({ errors, id }: { errors?: string[] | null; id?: string }) {
  if (!errors?.length) return null;
  return (
    <div className="form-error" role="alert" id={id}>
      {errors.join(" ")}
    </div>
  );
}

export function TextArea({
  label,
  field,
  rows = 4,
}: {
  label: string;
  field: FieldMetadata<string | undefined>;
  rows?: number;
}) {
  const { key: _key, ...props } = getTextareaProps(field);
  return (
    <div className="field">
      <label htmlFor={field.id}>{label}</label>
      <textarea {...props} rows={rows} />
      <ErrorList id={field.errorId} errors={field.errors} />
    </div>
  );
}

/** A checkbox with its label beside it (consents, confirmations). */
export function Checkbox({ field, children }: { field: FieldMetadata<boolean | undefined>; children: ReactNode }) {
  const { key: _key, ...props } = getInputProps(field, { type: "checkbox" });
  return (
    <div className="field">
      <label htmlFor={field.id} style={{ display: "flex", gap: "0.5rem", alignItems: "flex-start", fontWeight: 400 }}>
        <input {...props} style={{ width: "auto", marginTop: "0.3rem" }} />
        <span>{children}</span>
      </label>
      <ErrorList id={field.errorId} errors={field.errors} />
    </div>
  );
}

/** A select in a GET filter form: "all" first (empty value), then the options. */
export function FilterSelect({
  name,
  label,
  allLabel,
  value,
  options,
}: {
  name: string;
  label: string;
  allLabel: string;
  value: string | null | undefined;
  options: { value: string; label: string }[];
}) {
  return (
    <div className="field">
      <label htmlFor={name}>{label}</label>
      <select id={name} name={name} defaultValue={value ?? ""}>
        <option value="">{allLabel}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}
