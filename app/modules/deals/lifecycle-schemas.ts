/**
 * Zod schemas of the review decisions and of a deal's life after
 * registration (appeal, resubmission, stage, won / lost, extensions), the
 * filters of the review queue and the pipeline, and the labels and money
 * formatting they show. Shared by the server (the domain functions parse with
 * them) and the browser (Conform).
 */
import { z } from "zod";
import { emailField } from "~/modules/accounts/schemas";
import { isCountryCode } from "~/utils/countries";
import {
  MINOR_DIGITS,
  currencies,
  dealStatuses,
  openStatuses,
  parseMoney,
  salesStages,
  type Currency,
} from "./schemas";

export {
  currencies,
  dealStatuses,
  openStatuses,
  salesStages,
  stageLabels,
  statusLabels,
  type Currency,
  type DealStatus,
  type SalesStage,
} from "./schemas";

/** A deal may be marked lost from these (the open ones). */
export const LOSABLE_STATUSES = openStatuses;

const formatters = new Map<Currency, Intl.NumberFormat>();
/**
 * An amount for people, in its currency with Intl: "$25,000.00", "€1,200.50",
 * "¥1,500,000" (JPY has no decimals), "A$900.00". Format on the server (the
 * browser's Intl may differ and break hydration).
 */
export function formatAmount(minor: number, currency: Currency): string {
  let f = formatters.get(currency);
  if (!f) {
    const digits = MINOR_DIGITS[currency];
    f = new Intl.NumberFormat("en-US", {
      style: "currency",
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    formatters.set(currency, f);
  }
  return f.format(minor / 10 ** MINOR_DIGITS[currency]);
}

// ---------------------------------------------------------------------------------------------------------------
// Decisions and the partner's actions

export const MESSAGE_MAX = 2000;
export const EXTENSION_MIN_DAYS = 7;
export const EXTENSION_MAX_DAYS = 90;

/** Conform sends an empty field as undefined: the required message comes from required_error. */
function message(what: string) {
  const required = `Write the ${what}.`;
  return z
    .string({ required_error: required, invalid_type_error: required })
    .trim()
    .min(1, required)
    .max(MESSAGE_MAX, `Use at most ${MESSAGE_MAX} characters.`);
}

/** Optional text: blank is undefined. */
function optionalText(max: number) {
  return z
    .string({ invalid_type_error: "Enter text." })
    .trim()
    .max(max, `Use at most ${max} characters.`)
    .optional()
    .transform((v) => (v ? v : undefined));
}

export const rejectSchema = z.object({ reason: message("reason (the partner receives it)") });
export const requestChangesSchema = z.object({ message: message("changes you need (the partner receives them)") });
export const appealSchema = z.object({ comment: message("comment for the channel team") });
export const lostSchema = z.object({ reason: message("reason the deal was lost") });
export const denyExtensionSchema = z.object({ note: message("reason (the partner receives it)") });
export const grantExtensionSchema = z.object({ note: optionalText(MESSAGE_MAX) });

export const stageSchema = z.object({
  stage: z.enum(salesStages, { errorMap: () => ({ message: "Choose a sales stage from the list." }) }),
});

/** A decimal amount in `currency` ("25000.00"; JPY whole yen) → minor units, or the field's message. */
function amount(currency: Currency | undefined, missing: string) {
  return z
    .union([z.string(), z.number()], { required_error: missing, invalid_type_error: missing })
    .transform((v, ctx) => {
      if (typeof v === "string" && v.trim() === "") {
        ctx.addIssue({ code: "custom", message: missing });
        return z.NEVER;
      }
      const money = parseMoney(v, currency);
      if (!money.ok) {
        ctx.addIssue({ code: "custom", message: money.message });
        return z.NEVER;
      }
      return money.minor;
    });
}

/** The final value of a won deal in the deal's currency → minor units (the server's rule). */
export function wonSchema(currency: Currency) {
  return z.object({ finalValue: amount(currency, "Enter the final value.") });
}
/** The won form in the browser: the amount as typed (the server reads it in the deal's currency). */
export const wonFormSchema = z.object({
  finalValue: z
    .string({ required_error: "Enter the final value." })
    .trim()
    .min(1, "Enter the final value.")
    .max(30, "Enter an amount such as 25000.00."),
});

export const extensionRequestSchema = z.object({
  reason: message("reason for the extension"),
  days: z
    .number({
      required_error: `Enter the number of days (${EXTENSION_MIN_DAYS} to ${EXTENSION_MAX_DAYS}).`,
      invalid_type_error: `Enter a whole number of days (${EXTENSION_MIN_DAYS} to ${EXTENSION_MAX_DAYS}).`,
    })
    .int(`Enter a whole number of days (${EXTENSION_MIN_DAYS} to ${EXTENSION_MAX_DAYS}).`)
    .min(EXTENSION_MIN_DAYS, `Ask for at least ${EXTENSION_MIN_DAYS} days.`)
    .max(EXTENSION_MAX_DAYS, `Ask for at most ${EXTENSION_MAX_DAYS} days.`),
});

const isoDate = /^\d{4}-\d{2}-\d{2}$/;
function validDate(v: string): boolean {
  if (!isoDate.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}

/**
 * What the partner edits when the channel team asked for changes: the
 * contact, the value and currency, the expected close date, the stage, the
 * competition and the notes. (A different customer is a new registration.)
 * The close date's "not in the past" and the value's currency rules are
 * checked by the server against the deal.
 */
export const resubmitSchema = z
  .object({
    region: optionalText(100),
    contactName: z
      .string({ required_error: "Enter the contact's name." })
      .trim()
      .min(1, "Enter the contact's name.")
      .max(120, "Use at most 120 characters."),
    contactTitle: optionalText(120),
    contactEmail: emailField,
    value: z
      .string({ required_error: "Enter the estimated value.", invalid_type_error: "Enter the estimated value." })
      .trim()
      .min(1, "Enter the estimated value.")
      .max(30, "Enter an amount such as 25000.00."),
    currency: z.enum(currencies, { errorMap: () => ({ message: "Choose a currency: USD, EUR, JPY or AUD." }) }),
    expectedCloseDate: z
      .string({ required_error: "Enter the expected close date." })
      .trim()
      .refine(validDate, "Enter a date as YYYY-MM-DD."),
    stage: stageSchema.shape.stage,
    competition: optionalText(MESSAGE_MAX),
    notes: optionalText(MESSAGE_MAX),
    comment: optionalText(MESSAGE_MAX),
  })
  .transform((v, ctx) => {
    const money = parseMoney(v.value, v.currency);
    if (!money.ok) {
      ctx.addIssue({ code: "custom", path: ["value"], message: money.message });
      return z.NEVER;
    }
    return { ...v, valueMinor: money.minor };
  });
export type ResubmitInput = z.infer<typeof resubmitSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Filters (query strings: a bad value is dropped, never an error)

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optional = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess(blankToUndefined, schema.optional()).catch(undefined);
const country = z
  .string()
  .trim()
  .toUpperCase()
  .refine((c) => isCountryCode(c));
const page = z.coerce.number().int().min(1).max(10_000).default(1).catch(1);

export const REVIEW_PAGE_SIZE = 25;
export const reviewFilterSchema = z.object({
  country: optional(country),
  partnerId: optional(z.string().uuid()),
  conflict: optional(z.enum(["yes", "no"])),
  currency: optional(z.enum(currencies)),
  page,
});
export type ReviewFilter = z.infer<typeof reviewFilterSchema>;

export const PIPELINE_PAGE_SIZE = 50;
export const pipelineFilterSchema = z.object({
  /** "open" (default): waiting for review, changes requested or approved; "all"; or one status. */
  status: z.preprocess(blankToUndefined, z.enum(["open", "all", ...dealStatuses]).default("open")).catch("open"),
  stage: optional(z.enum(salesStages)),
  country: optional(country),
  partnerId: optional(z.string().uuid()),
  currency: optional(z.enum(currencies)),
  closeFrom: optional(z.string().refine(validDate)),
  closeTo: optional(z.string().refine(validDate)),
  page,
});
export type PipelineFilter = z.infer<typeof pipelineFilterSchema>;

// ---------------------------------------------------------------------------------------------------------------
// History

/** How a deal_events kind reads in the history; an unknown kind shows as it is. */
export const dealEventLabels: Record<string, string> = {
  registered: "Registered",
  approved: "Approved",
  rejected: "Rejected",
  changes_requested: "Changes requested",
  appealed: "Rejection appealed",
  resubmitted: "Resubmitted with changes",
  stage_changed: "Stage changed",
  won: "Marked won",
  lost: "Marked lost",
  extension_requested: "Extension requested",
  extension_granted: "Extension granted",
  extension_denied: "Extension denied",
  expired: "Protection expired",
};

/** Changes made by the channel team (named "Channel team" to the partner) and by the portal's jobs. */
export const VENDOR_EVENT_KINDS = [
  "approved",
  "rejected",
  "changes_requested",
  "extension_granted",
  "extension_denied",
] as const;
export const SYSTEM_EVENT_KINDS = ["expired"] as const;
