import { z } from "zod";

/** Zod schemas of the programme agreement forms, shared by the server and the browser (Conform). */

export const AGREEMENT_TITLE_MAX = 200;
export const AGREEMENT_BODY_MAX = 100_000;
export const GRACE_DAYS_DEFAULT = 30;
export const GRACE_DAYS_MAX = 365;

/** A calendar date as a date input sends it (YYYY-MM-DD), checked to exist (no 31 February). */
export const isoDate = z
  .string({ required_error: "Choose a date.", invalid_type_error: "Choose a date." })
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Enter the date as YYYY-MM-DD.")
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, "That date does not exist.");

export const publishAgreementSchema = z.object({
  title: z
    .string({ required_error: "Give the version a title.", invalid_type_error: "Give the version a title." })
    .trim()
    .min(1, "Give the version a title.")
    .max(AGREEMENT_TITLE_MAX, `Use at most ${AGREEMENT_TITLE_MAX} characters.`),
  body: z
    .string({ required_error: "Write the agreement text.", invalid_type_error: "Write the agreement text." })
    // Browsers send textarea line breaks as CRLF; store plain LF.
    .transform((s) => s.replace(/\r\n?/g, "\n"))
    .refine((s) => s.trim().length > 0, "Write the agreement text.")
    .refine(
      (s) => s.length <= AGREEMENT_BODY_MAX,
      `Use at most ${AGREEMENT_BODY_MAX.toLocaleString("en")} characters.`,
    ),
  effectiveDate: isoDate,
  graceDays: z.coerce
    .number({ invalid_type_error: "Enter a number of days." })
    .int("Enter whole days.")
    .min(1, "At least 1 day.")
    .max(GRACE_DAYS_MAX, `At most ${GRACE_DAYS_MAX} days.`)
    .default(GRACE_DAYS_DEFAULT),
});
export type PublishAgreementInput = z.input<typeof publishAgreementSchema>;

/** A checkbox sends "on" (or the value it was given) when ticked and nothing otherwise. */
const ticked = z.preprocess(
  (v) => v === true || v === "on" || v === "true" || v === "yes",
  z.literal(true, {
    errorMap: () => ({ message: "Tick the box to confirm that you have read and accept the agreement." }),
  }),
);

export const acceptAgreementSchema = z.object({
  version: z.coerce
    .number({ required_error: "Which version?", invalid_type_error: "Which version?" })
    .int("Which version?")
    .positive("Which version?"),
  confirm: ticked,
});
export type AcceptAgreementInput = z.input<typeof acceptAgreementSchema>;
