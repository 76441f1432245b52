import { getInputProps, getSelectProps, type FieldMetadata } from "@conform-to/react";
import type { ReactNode } from "react";
import { ErrorList, Field, SelectField, TextArea } from "~/components/forms";
import {
  MINUTES_MAX,
  MINUTES_MIN,
  VALIDITY_MAX,
  VALIDITY_MIN,
  audienceLabels,
  audiences,
  type CourseStatus,
} from "~/modules/training/course-schemas";

/** Badge classes of a course version's status. */
export const statusTone: Record<CourseStatus, string> = {
  draft: "badge",
  published: "badge good",
  superseded: "badge silver",
  retired: "badge bad",
};

/** A whole-number input with its label, hint and errors. */
export function NumberField({
  label,
  field,
  min,
  max,
  hint,
}: {
  label: string;
  field: FieldMetadata<unknown>;
  min: number;
  max: number;
  hint?: ReactNode;
}) {
  const { key: _key, ...props } = getInputProps(field as FieldMetadata<string | undefined>, { type: "number" });
  return (
    <div className="field">
      <label htmlFor={field.id}>{label}</label>
      <input {...props} min={min} max={max} step={1} style={{ maxWidth: "12rem" }} />
      {hint ? <p className="muted">{hint}</p> : null}
      <ErrorList id={field.errorId} errors={field.errors} />
    </div>
  );
}

/** The fields a course's metadata form needs (the key only when creating). */
export interface CourseMetaFieldSet {
  key?: FieldMetadata<string | undefined>;
  title: FieldMetadata<string | undefined>;
  summary: FieldMetadata<string | undefined>;
  audience: FieldMetadata<string | undefined>;
  estimatedMinutes: FieldMetadata<unknown>;
  prerequisites: FieldMetadata<unknown>;
  certificationName: FieldMetadata<string | undefined>;
  validityMonths: FieldMetadata<unknown>;
}

/**
 * Key (only when `withKey`: new courses), title, summary, audience, time,
 * prerequisites, certification and validity. (Conform's `fields` answers for
 * any name, so whether the key is shown is said explicitly.)
 */
export function CourseMetaFields({
  fields,
  prerequisiteOptions,
  withKey = false,
}: {
  fields: CourseMetaFieldSet;
  prerequisiteOptions: { key: string; title: string; published: boolean }[];
  withKey?: boolean;
}) {
  const { key: _key, ...prereqProps } = getSelectProps(fields.prerequisites as FieldMetadata<string[] | undefined>);
  return (
    <>
      {withKey && fields.key ? (
        <Field
          label="Key"
          field={fields.key}
          autoComplete="off"
          hint="Lowercase letters, digits and hyphens; it stays the same across versions and appears in links."
        />
      ) : null}
      <Field label="Title" field={fields.title} autoComplete="off" />
      <TextArea label="Summary" field={fields.summary} rows={3} />
      <SelectField
        label="Audience"
        field={fields.audience}
        options={audiences.map((a) => ({ value: a, label: audienceLabels[a] }))}
      />
      <NumberField
        label="Estimated time (minutes)"
        field={fields.estimatedMinutes}
        min={MINUTES_MIN}
        max={MINUTES_MAX}
      />
      <div className="field">
        <label htmlFor={fields.prerequisites.id}>Prerequisites</label>
        {prerequisiteOptions.length ? (
          <select {...prereqProps} multiple size={Math.min(6, Math.max(3, prerequisiteOptions.length))}>
            {prerequisiteOptions.map((o) => (
              <option key={o.key} value={o.key}>
                {o.title} ({o.key}){o.published ? "" : " · not published"}
              </option>
            ))}
          </select>
        ) : (
          <p className="muted">No other course exists yet.</p>
        )}
        <p className="muted">
          Learners must hold a current certification of each before enrolling. Hold Ctrl (⌘ on a Mac) to choose several.
        </p>
        <ErrorList id={fields.prerequisites.errorId} errors={fields.prerequisites.errors} />
      </div>
      <Field label="Certification granted" field={fields.certificationName} autoComplete="off" />
      <NumberField
        label="Validity (months)"
        field={fields.validityMonths}
        min={VALIDITY_MIN}
        max={VALIDITY_MAX}
        hint="Reminders go out 60, 30 and 7 days before a certification expires."
      />
    </>
  );
}
