import { getInputProps, type FieldMetadata } from "@conform-to/react";
import { ErrorList, Field } from "./forms";

type ProductFieldName = "sku" | "name" | "edition" | "termMonths" | "seatUnit";

/** A catalog product's fields (add on /catalog, edit on its own page): one set of labels, hints and limits. */
export function ProductFields({ fields }: { fields: Record<ProductFieldName, FieldMetadata<unknown>> }) {
  const text = (f: FieldMetadata<unknown>) => f as FieldMetadata<string | undefined>;
  return (
    <>
      <Field label="SKU" field={text(fields.sku)} hint="Letters, digits and dashes, e.g. MSE-STD-12." />
      <Field label="Name" field={text(fields.name)} />
      <Field label="Edition" field={text(fields.edition)} hint="e.g. Standard, Advanced, Enterprise." />
      <TermField field={fields.termMonths} />
      <Field label="Seat unit" field={text(fields.seatUnit)} hint="What one seat is: mailbox, domain or server." />
    </>
  );
}

/** The term in months (empty: perpetual). */
function TermField({ field }: { field: FieldMetadata<unknown> }) {
  const { key: _key, ...props } = getInputProps(field, { type: "number" });
  return (
    <div className="field">
      <label htmlFor={field.id}>Term in months</label>
      <input {...props} min={1} max={120} step={1} inputMode="numeric" />
      <p className="muted">Leave empty for a perpetual license.</p>
      <ErrorList id={field.errorId} errors={field.errors} />
    </div>
  );
}
