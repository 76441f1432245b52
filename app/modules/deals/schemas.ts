import { z } from "zod";
import { emailField } from "~/modules/accounts/schemas";
import { isCountryCode } from "~/utils/countries";
import { isFreeMailDomain, normalizeCompanyName, normalizeCustomerDomain } from "./normalize";

/**
 * Deal registration's input rules, shared by the server (domain functions,
 * API) and the browser (Conform). Money travels as a decimal string
 * ("12500.00") and is stored in the currency's minor unit.
 */

export const currencies = ["USD", "EUR", "JPY", "AUD"] as const;
export type Currency = (typeof currencies)[number];

export const salesStages = ["prospecting", "qualification", "proposal", "negotiation", "commit"] as const;
export type SalesStage = (typeof salesStages)[number];
export const stageLabels: Record<SalesStage, string> = {
  prospecting: "Prospecting",
  qualification: "Qualification",
  proposal: "Proposal",
  negotiation: "Negotiation",
  commit: "Commit",
};

export const dealStatuses = [
  "pending_review",
  "changes_requested",
  "approved",
  "rejected",
  "won",
  "lost",
  "expired",
] as const;
export type DealStatus = (typeof dealStatuses)[number];
export const statusLabels: Record<DealStatus, string> = {
  pending_review: "Pending review",
  changes_requested: "Changes requested",
  approved: "Approved",
  rejected: "Rejected",
  won: "Won",
  lost: "Lost",
  expired: "Expired",
};
/** The badge tone of a status (the `badge` CSS modifiers): good, bad, gold (waiting on the partner) or none. */
export function statusTone(status: string): "good" | "bad" | "gold" | "" {
  if (status === "approved" || status === "won") return "good";
  if (status === "rejected" || status === "lost" || status === "expired") return "bad";
  if (status === "changes_requested") return "gold";
  return "";
}
/** Registrations that count for conflicts: still open, or protected. */
export const openStatuses = [
  "pending_review",
  "changes_requested",
  "approved",
] as const satisfies readonly DealStatus[];

/** Digits after the decimal point per currency: JPY has no minor unit. */
export const MINOR_DIGITS: Record<Currency, number> = { USD: 2, EUR: 2, JPY: 0, AUD: 2 };
/** The largest value accepted, in minor units (10^12: ten billion dollars, a trillion yen). */
export const MAX_VALUE_MINOR = 1_000_000_000_000;
export const LINES_MAX = 20;
export const QUANTITY_MAX = 1_000_000;
export const TEXT_MAX = 2000;
export const CLOSE_DATE_MAX_YEARS = 3;

export type MoneyResult =
  { ok: true; minor: number } | { ok: false; problem: "format" | "decimals" | "zero" | "too_large"; message: string };

/**
 * "12500.00" (or "12,500.00") in `currency` → minor units. JPY takes whole
 * yen ("1500000"; "1500.50" is refused, "1500.00" is read as 1500).
 */
export function parseMoney(raw: string | number, currency: string | undefined): MoneyResult {
  const digits = currency && currency in MINOR_DIGITS ? MINOR_DIGITS[currency as Currency] : 2;
  let s = String(raw).trim();
  if (/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) s = s.replace(/,/g, "");
  if (!/^\d+(\.\d+)?$/.test(s)) {
    return {
      ok: false,
      problem: "format",
      message: "Enter an amount with digits and a dot for decimals, e.g. 12500.00.",
    };
  }
  const [intPart, fracRaw = ""] = s.split(".") as [string, string?];
  const frac = fracRaw.length > digits && /^0+$/.test(fracRaw.slice(digits)) ? fracRaw.slice(0, digits) : fracRaw;
  if (frac.length > digits) {
    return {
      ok: false,
      problem: "decimals",
      message:
        digits === 0
          ? `${currency} has no minor unit: enter a whole amount, e.g. 1500000.`
          : `Use at most ${digits} decimals.`,
    };
  }
  const int = intPart.replace(/^0+(?=\d)/, "");
  if (int.length > 15) return { ok: false, problem: "too_large", message: "That value is too large." };
  const minor = Number(int) * 10 ** digits + Number(frac.padEnd(digits, "0") || "0");
  if (minor <= 0) return { ok: false, problem: "zero", message: "Enter a value above zero." };
  if (minor > MAX_VALUE_MINOR) {
    return {
      ok: false,
      problem: "too_large",
      message: `That value is too large: at most ${minorToDecimal(MAX_VALUE_MINOR, currency)}.`,
    };
  }
  return { ok: true, minor };
}

/** Minor units → the decimal string the API and the form use ("12500.00"; "1500000" for JPY). */
export function minorToDecimal(minor: number, currency: string | undefined): string {
  const digits = currency && currency in MINOR_DIGITS ? MINOR_DIGITS[currency as Currency] : 2;
  if (digits === 0) return String(minor);
  const unit = 10 ** digits;
  return `${Math.floor(minor / unit)}.${String(minor % unit).padStart(digits, "0")}`;
}

/** For people: "USD 12,500.00", "JPY 1,500,000" (the same on the server and in the browser). */
export function formatMoney(minor: number, currency: string): string {
  const [int, frac] = minorToDecimal(minor, currency).split(".");
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${currency} ${grouped}${frac ? `.${frac}` : ""}`;
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/**
 * The earliest and latest expected close date accepted on `now`'s UTC date.
 * One day of slack before "today" covers partners west of UTC late in their day.
 */
export function closeDateRange(now: Date): { min: string; max: string } {
  const min = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1));
  const max = new Date(Date.UTC(now.getUTCFullYear() + CLOSE_DATE_MAX_YEARS, now.getUTCMonth(), now.getUTCDate()));
  return { min: isoDay(min), max: isoDay(max) };
}

function optionalText(max: number) {
  return z
    .string({ invalid_type_error: "Enter text." })
    .trim()
    .max(max, `Use at most ${max} characters.`)
    .nullish()
    .transform((v) => (v ? v : null));
}

function requiredText(max: number, missing: string) {
  return z
    .string({ required_error: missing, invalid_type_error: missing })
    .trim()
    .min(1, missing)
    .max(max, `Use at most ${max} characters.`);
}

export const customerNameField = requiredText(200, "Enter the customer's company name.").refine(
  (v) => normalizeCompanyName(v) !== "",
  "Enter the company's name with letters or digits.",
);

/** A domain, a website address or an email address at the customer → the normalized domain. */
export const customerDomainField = z
  .string({
    required_error: "Enter the customer's web domain, e.g. tokai-shipping.co.jp.",
    invalid_type_error: "Enter the customer's web domain, e.g. tokai-shipping.co.jp.",
  })
  .trim()
  .min(1, "Enter the customer's web domain, e.g. tokai-shipping.co.jp.")
  .max(254, "That domain is too long.")
  .transform((v, ctx) => {
    const domain = normalizeCustomerDomain(v);
    if (!domain) {
      ctx.addIssue({
        code: "custom",
        message: "Enter the customer's web domain or an email address at it, e.g. tokai-shipping.co.jp.",
      });
      return z.NEVER;
    }
    if (isFreeMailDomain(domain)) {
      ctx.addIssue({ code: "custom", message: "Enter the customer's own domain, not a free mail provider's." });
      return z.NEVER;
    }
    return domain;
  });

const countryField = z
  .string({ required_error: "Choose the customer's country.", invalid_type_error: "Choose the customer's country." })
  .trim()
  .toUpperCase()
  .refine(isCountryCode, "Choose the customer's country (an ISO code such as JP, DE or US).");

const lineSchema = z.object({
  productId: z
    .string({ required_error: "Choose a product.", invalid_type_error: "Choose a product." })
    .uuid("Choose a product from the list."),
  quantity: z.coerce
    .number({ required_error: "Enter a quantity.", invalid_type_error: "Enter a quantity." })
    .int("Enter a whole number.")
    .min(1, "Enter at least 1.")
    .max(QUANTITY_MAX, `Enter at most ${QUANTITY_MAX.toLocaleString("en")}.`),
});

function dealFields(now: Date) {
  const { min, max } = closeDateRange(now);
  return {
    customerName: customerNameField,
    customerDomain: customerDomainField,
    country: countryField,
    region: optionalText(100),
    contactName: requiredText(120, "Enter the contact's name."),
    contactTitle: optionalText(120),
    contactEmail: emailField,
    lines: z
      .array(lineSchema, {
        required_error: "Add at least one product.",
        invalid_type_error: "Add at least one product.",
      })
      .min(1, "Add at least one product.")
      .max(LINES_MAX, `Use at most ${LINES_MAX} product lines.`)
      .superRefine((lines, ctx) => {
        const seen = new Set<string>();
        lines.forEach((l, i) => {
          if (seen.has(l.productId)) {
            ctx.addIssue({
              code: "custom",
              path: [i, "productId"],
              message: "This product is already listed; change that line's quantity.",
            });
          }
          seen.add(l.productId);
        });
      }),
    value: z
      .union([z.string(), z.number()], {
        required_error: "Enter the estimated value.",
        invalid_type_error: 'Enter the estimated value as a decimal string, e.g. "12500.00".',
      })
      // The currency-free part here, so it shows with the other fields' errors; the currency's rules below.
      .superRefine((v, ctx) => {
        const money = parseMoney(v, "USD");
        if (!money.ok && money.problem !== "too_large") ctx.addIssue({ code: "custom", message: money.message });
      }),
    currency: z.enum(currencies, {
      errorMap: () => ({ message: `Choose a currency: ${currencies.join(", ")}.` }),
    }),
    expectedCloseDate: z
      .string({ required_error: "Enter the expected close date.", invalid_type_error: "Enter a date as YYYY-MM-DD." })
      .trim()
      .superRefine((v, ctx) => {
        const valid = /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`));
        if (!valid || isoDay(new Date(`${v}T00:00:00Z`)) !== v) {
          ctx.addIssue({ code: "custom", message: "Enter a date as YYYY-MM-DD." });
        } else if (v < min) {
          ctx.addIssue({ code: "custom", message: "The expected close date is in the past." });
        } else if (v > max) {
          ctx.addIssue({
            code: "custom",
            message: `The expected close date must be within ${CLOSE_DATE_MAX_YEARS} years.`,
          });
        }
      }),
    stage: z.enum(salesStages, {
      errorMap: () => ({ message: `Choose the sales stage: ${salesStages.join(", ")}.` }),
    }),
    competition: optionalText(TEXT_MAX),
    notes: optionalText(TEXT_MAX),
    leadId: z
      .string({ invalid_type_error: "Enter the lead's id." })
      .trim()
      .uuid("Enter the lead's id (a UUID).")
      .nullish()
      .or(z.literal("").transform(() => null))
      .transform((v) => v ?? null),
  };
}

/** value (decimal string) + currency → valueMinor; a value the currency does not allow is a field error. */
function addValueMinor<T extends { value: string | number; currency: Currency }>(v: T, ctx: z.RefinementCtx) {
  const money = parseMoney(v.value, v.currency);
  if (!money.ok) {
    ctx.addIssue({ code: "custom", path: ["value"], message: money.message });
    return z.NEVER;
  }
  return { ...v, value: minorToDecimal(money.minor, v.currency), valueMinor: money.minor };
}

/**
 * The currency's own rules for the value (JPY has no minor unit; the maximum
 * depends on the unit). Checked beside the other fields (an intersection), so
 * that this error shows together with theirs rather than after they are fixed.
 */
const valueForCurrency = z.object({ value: z.unknown(), currency: z.unknown() }).superRefine((v, ctx) => {
  if (typeof v.value !== "string" && typeof v.value !== "number") return;
  if (typeof v.currency !== "string" || !(currencies as readonly string[]).includes(v.currency)) return;
  const general = parseMoney(v.value, "USD");
  if (!general.ok && general.problem !== "too_large") return; // the value field reports it
  const money = parseMoney(v.value, v.currency);
  if (!money.ok) ctx.addIssue({ code: "custom", path: ["value"], message: money.message });
});

/** A registration as the API and the domain function take it. */
export function registerDealSchema(now: Date = new Date()) {
  return z.intersection(z.object(dealFields(now)), valueForCurrency).transform(addValueMinor);
}
export type RegisterDealInput = z.infer<ReturnType<typeof registerDealSchema>>;

/** The registration form: the same fields plus the hidden submission id that makes a double click harmless. */
export function registerDealFormSchema(now: Date = new Date()) {
  return z
    .intersection(
      z.object({ ...dealFields(now), submissionId: z.string().trim().min(1).max(200).optional() }),
      valueForCurrency,
    )
    .transform(addValueMinor);
}

/** The idempotency key of a registration: the API's Idempotency-Key header or the form's submission id. */
export const idempotencyKeySchema = z
  .string()
  .min(1, "The Idempotency-Key must not be empty.")
  .max(200, "The Idempotency-Key must be at most 200 characters.");

/** The private claim check: who the customer is (country optional). */
export const claimCheckSchema = z.object({
  customerName: customerNameField,
  customerDomain: customerDomainField,
  country: z
    .string()
    .trim()
    .toUpperCase()
    .refine((v) => v === "" || isCountryCode(v), "Choose a country (an ISO code such as JP).")
    .nullish()
    .transform((v) => v || null),
});
export type ClaimCheckInput = z.infer<typeof claimCheckSchema>;

/** What a claim check answers, and nothing else. */
export const claimStatuses = ["clear", "needs_review", "already_protected", "you_registered"] as const;
export type ClaimStatus = (typeof claimStatuses)[number];
export const claimStatusText: Record<ClaimStatus, { title: string; detail: string }> = {
  clear: {
    title: "Clear",
    detail: "No open or protected registration matches this customer. Register it to be protected once approved.",
  },
  needs_review: {
    title: "Needs review",
    detail:
      "A similar registration exists. You can still register; a channel manager reviews it and decides who is protected.",
  },
  already_protected: {
    title: "Already protected",
    detail:
      "This customer is protected by another registration. You can still register, but it is unlikely to be approved while that protection lasts.",
  },
  you_registered: {
    title: "You already registered this customer",
    detail: "Your company has an open or protected registration for this customer. Open your deal list to find it.",
  },
};

/** The partner's deal list filters (the web page); bad values are ignored. */
export const DEAL_PAGE_SIZE = 25;
export const dealListFilterSchema = z.object({
  status: z.enum(dealStatuses).optional().catch(undefined),
  stage: z.enum(salesStages).optional().catch(undefined),
  q: z.string().trim().max(100).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).default(1).catch(1),
});
export type DealListFilter = z.infer<typeof dealListFilterSchema> & { pageSize?: number; updatedSince?: Date };

/** GET /api/v1/deals query parameters; bad values are a 400 with fields. */
export const apiDealListSchema = z.object({
  status: z.enum(dealStatuses, { errorMap: () => ({ message: `Use one of: ${dealStatuses.join(", ")}.` }) }).optional(),
  stage: z.enum(salesStages, { errorMap: () => ({ message: `Use one of: ${salesStages.join(", ")}.` }) }).optional(),
  q: z.string().trim().max(100, "Use at most 100 characters.").optional(),
  updatedSince: z
    .string()
    .trim()
    .refine((v) => !Number.isNaN(Date.parse(v)), "Use an ISO 8601 date or date-time, e.g. 2026-01-31T00:00:00Z.")
    .transform((v) => new Date(v))
    .optional(),
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
