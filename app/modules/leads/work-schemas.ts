/**
 * Zod schemas of the partner's side of a lead: declining an offer (with its
 * reason), working an accepted lead (status, won value, lost reason, next
 * step), notes, the partner's list filters and the offer-recipient settings.
 * Shared by the server (the domain functions parse with them) and the
 * browser (Conform).
 */
import { z } from "zod";
import { currencies, parseMoney } from "~/modules/deals/schemas";
import { PARTNER_SETTABLE, declineReasons, leadStatusLabels } from "./status";

export const NOTE_MAX = 4000;
export const TEXT_MAX = 2000;

/** Conform sends an empty field as undefined; the API may send null: both mean "not given". */
function optionalText(max: number) {
  return z
    .string({ invalid_type_error: "Enter text." })
    .trim()
    .max(max, `Use at most ${max} characters.`)
    .nullish()
    .transform((v) => (v ? v : undefined));
}

function requiredText(max: number, missing: string) {
  return z
    .string({ required_error: missing, invalid_type_error: missing })
    .trim()
    .min(1, missing)
    .max(max, `Use at most ${max} characters.`);
}

// ---------------------------------------------------------------------------------------------------------------
// Declining an offer

export const declineOfferSchema = z
  .object({
    reason: z.enum(declineReasons, {
      errorMap: () => ({ message: "Choose a reason: no capacity, outside territory, not qualified or other." }),
    }),
    note: optionalText(TEXT_MAX),
  })
  .superRefine((v, ctx) => {
    if (v.reason === "other" && !v.note) {
      ctx.addIssue({ code: "custom", path: ["note"], message: "Tell the channel team why (the reason is other)." });
    }
  });
export type DeclineOfferInput = z.infer<typeof declineOfferSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Working a lead

const isoDate = /^\d{4}-\d{2}-\d{2}$/;
function validDate(v: string): boolean {
  if (!isoDate.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}

/**
 * One update of an accepted lead: a status (won needs the value and its
 * currency, lost the reason), the next step (date and text; null clears it in
 * the API) and a note. At least one of them.
 */
export const leadWorkSchema = z
  .object({
    status: z
      .enum(PARTNER_SETTABLE, {
        errorMap: () => ({ message: `Choose a status: ${PARTNER_SETTABLE.join(", ")}.` }),
      })
      .optional(),
    wonValue: z
      .union([z.string(), z.number()], { invalid_type_error: 'Enter the value as a decimal string, e.g. "12500.00".' })
      .nullish(),
    currency: z
      .enum(currencies, { errorMap: () => ({ message: `Choose a currency: ${currencies.join(", ")}.` }) })
      .nullish(),
    lostReason: optionalText(TEXT_MAX),
    nextStepDate: z
      .string({ invalid_type_error: "Enter a date as YYYY-MM-DD." })
      .trim()
      .refine((v) => v === "" || validDate(v), "Enter a date as YYYY-MM-DD.")
      .nullish(),
    nextStep: z.string({ invalid_type_error: "Enter text." }).trim().max(500, "Use at most 500 characters.").nullish(),
    note: optionalText(NOTE_MAX),
  })
  .superRefine((v, ctx) => {
    if (v.status === "won") {
      if (v.wonValue === undefined || v.wonValue === null || String(v.wonValue).trim() === "") {
        ctx.addIssue({ code: "custom", path: ["wonValue"], message: "Enter the value the lead was won at." });
      } else {
        const money = parseMoney(v.wonValue, v.currency ?? undefined);
        if (!money.ok) ctx.addIssue({ code: "custom", path: ["wonValue"], message: money.message });
      }
      if (!v.currency) ctx.addIssue({ code: "custom", path: ["currency"], message: "Choose the currency." });
    }
    if (v.status === "lost" && !v.lostReason) {
      ctx.addIssue({ code: "custom", path: ["lostReason"], message: "Write why the lead was lost." });
    }
    const nothing =
      v.status === undefined && v.nextStepDate === undefined && v.nextStep === undefined && v.note === undefined;
    if (nothing) {
      ctx.addIssue({ code: "custom", path: ["status"], message: "Change the status, the next step or add a note." });
    }
  })
  .transform((v) => {
    const wonValueMinor =
      v.status === "won" && v.wonValue != null
        ? (parseMoney(v.wonValue, v.currency ?? undefined) as { minor: number }).minor
        : null;
    return {
      status: v.status,
      wonValueMinor,
      currency: v.currency ?? null,
      lostReason: v.lostReason ?? null,
      /** undefined: unchanged; null: cleared. */
      nextStepDate: v.nextStepDate === undefined ? undefined : v.nextStepDate ? v.nextStepDate : null,
      nextStep: v.nextStep === undefined ? undefined : v.nextStep ? v.nextStep : null,
      note: v.note,
    };
  });
export type LeadWorkInput = z.infer<typeof leadWorkSchema>;

/** The status form of the detail page (the browser's copy; the server parses with leadWorkSchema). */
export const statusFormSchema = z.object({
  status: z.enum(PARTNER_SETTABLE, { errorMap: () => ({ message: "Choose a status." }) }),
  wonValue: z.string().trim().max(30, "Enter an amount such as 25000.00.").optional(),
  currency: z.enum(currencies).optional(),
  lostReason: z.string().trim().max(TEXT_MAX).optional(),
});

export const nextStepFormSchema = z.object({
  nextStepDate: z
    .string({ required_error: "Enter the date of the next step." })
    .trim()
    .refine(validDate, "Enter a date as YYYY-MM-DD."),
  nextStep: z.string().trim().max(500, "Use at most 500 characters.").optional(),
});

export const noteSchema = z.object({ body: requiredText(NOTE_MAX, "Write the note.") });

// ---------------------------------------------------------------------------------------------------------------
// The partner's list

export const LEAD_PAGE_SIZE = 25;
export const partnerListStatuses = ["open", "offered", "working", "closed", "all"] as const;
export type PartnerListStatus = (typeof partnerListStatuses)[number] | keyof typeof leadStatusLabels;

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
/** The list's filters from a query string: a bad value is dropped, never an error. */
export const partnerLeadFilterSchema = z.object({
  status: z
    .preprocess(
      blankToUndefined,
      z
        .enum([...partnerListStatuses, "accepted", "contacted", "meeting", "qualified", "proposal", "won", "lost"])
        .default("all"),
    )
    .catch("all"),
  q: z.preprocess(blankToUndefined, z.string().trim().max(100).optional()).catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).default(1).catch(1),
});
export type PartnerLeadFilter = z.infer<typeof partnerLeadFilterSchema> & { pageSize?: number };

/** GET /api/v1/leads: bad values are a 400 with fields. */
export const apiLeadListSchema = z.object({
  status: z
    .enum(["open", "offered", "working", "accepted", "contacted", "meeting", "qualified", "proposal"], {
      errorMap: () => ({
        message: "Use one of: open, offered, working, accepted, contacted, meeting, qualified, proposal.",
      }),
    })
    .default("open"),
  q: z.string().trim().max(100, "Use at most 100 characters.").optional(),
  page: z.coerce
    .number({ invalid_type_error: "Use a page number from 1." })
    .int("Use a page number from 1.")
    .min(1, "Use a page number from 1.")
    .max(100_000, "That page is too far.")
    .default(1),
  pageSize: z.coerce
    .number({ invalid_type_error: "Use a page size from 1 to 100." })
    .int("Use a page size from 1 to 100.")
    .min(1, "Use a page size from 1 to 100.")
    .max(100, "Use a page size from 1 to 100.")
    .default(25),
});

// ---------------------------------------------------------------------------------------------------------------
// Who receives the partner's offers

export const offerRecipientsSchema = z.object({
  userIds: z
    .array(z.string().uuid("Choose people from the list."), { invalid_type_error: "Choose people from the list." })
    .max(200, "Choose at most 200 people.")
    .default([]),
});
