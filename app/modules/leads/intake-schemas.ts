import { z } from "zod";
import { emailField } from "~/modules/accounts/schemas";
import { currencies, parseMoney, type Currency } from "~/modules/deals/schemas";
import { isFreeMailDomain } from "~/modules/deals/normalize";
import { emailDomain, normalizeDomain } from "~/modules/onboarding/domains";
import { isCountryCode, isTerritory } from "~/utils/countries";

/**
 * A lead's input rules, shared by the vendor form (Conform, in the browser),
 * the API, the public contact form and the CSV import (each row). Every value
 * may arrive as text (forms, CSV) or typed (JSON); an empty text is "not given".
 *
 * Field names (also the CSV mapping's targets and the API's JSON keys):
 * companyName, website, contactName, contactEmail, contactPhone, contactTitle,
 * country, region, product (a product id or SKU), seats, estimatedValue,
 * currency, message.
 */

export const COMPANY_NAME_MAX = 200;
export const MESSAGE_MAX = 5000;
export const SEATS_MAX = 1_000_000;
/** The CSV import's limits (checked on the server; shown on the upload page). */
export const IMPORT_MAX_BYTES = 10 * 1024 * 1024;
export const IMPORT_MAX_ROWS = 100_000;

/** The lead fields a CSV column can be mapped to, in the order forms show them. */
export const leadFieldNames = [
  "companyName",
  "website",
  "contactName",
  "contactEmail",
  "contactPhone",
  "contactTitle",
  "country",
  "region",
  "product",
  "seats",
  "estimatedValue",
  "currency",
  "message",
] as const;
export type LeadFieldName = (typeof leadFieldNames)[number];

export const leadFieldLabels: Record<LeadFieldName, string> = {
  companyName: "Company name",
  website: "Website or domain",
  contactName: "Contact name",
  contactEmail: "Contact email",
  contactPhone: "Phone",
  contactTitle: "Job title",
  country: "Country",
  region: "Region",
  product: "Product interest",
  seats: "Seats",
  estimatedValue: "Estimated value",
  currency: "Currency",
  message: "Message",
};

/** Fields a lead cannot be created without (the import's mapping needs a column for each). */
export const requiredLeadFields: readonly LeadFieldName[] = ["companyName", "contactName", "contactEmail", "country"];

/**
 * Free mail providers: their domain says nothing about the prospect's company.
 * The deal registration's list, plus any gmx.* / yahoo.* / hotmail.* country domain.
 */
export function isFreeMail(domain: string): boolean {
  return (
    isFreeMailDomain(domain) || /^(?:gmx|yahoo|hotmail|outlook|live|ymail)\.[a-z]{2,3}(?:\.[a-z]{2})?$/.test(domain)
  );
}

/** The company's domain: the website's when given, otherwise the contact's address's unless it is free mail. */
export function companyDomainOf(website: string | null | undefined, contactEmail: string): string | null {
  if (website) return normalizeDomain(website);
  const fromEmail = emailDomain(contactEmail);
  return fromEmail && !isFreeMail(fromEmail) ? fromEmail : null;
}

/** "CO" with country US → "US-CO"; "us-co" → "US-CO". */
export function normalizeRegion(region: string, country: string): string {
  const r = region.trim().toUpperCase();
  return r.includes("-") ? r : `${country}-${r}`;
}

/** "" and whitespace-only text read as "not given" (CSV cells, JSON clients that send ""). */
const blank = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

function optionalText(max: number) {
  return z.preprocess(
    blank,
    z
      .string({ invalid_type_error: "Enter text." })
      .trim()
      .max(max, `Use at most ${max.toLocaleString("en")} characters.`)
      .nullish()
      .transform((v) => v ?? null),
  );
}

function requiredText(max: number, missing: string) {
  return z.preprocess(
    blank,
    z
      .string({ required_error: missing, invalid_type_error: missing })
      .trim()
      .min(1, missing)
      .max(max, `Use at most ${max.toLocaleString("en")} characters.`),
  );
}

const flag = z.preprocess(
  (v) => (typeof v === "string" ? ["on", "true", "1", "yes"].includes(v.trim().toLowerCase()) : v),
  z.boolean({ invalid_type_error: "Use true or false." }).optional(),
);

const COUNTRY_MESSAGE = "Choose the country (an ISO code such as JP, DE or US).";

function leadFields() {
  return {
    companyName: requiredText(COMPANY_NAME_MAX, "Enter the company's name."),
    website: z.preprocess(
      blank,
      z
        .string({ invalid_type_error: "Enter the company's website or domain, e.g. example.com." })
        .trim()
        .max(254, "That address is too long.")
        .refine((v) => normalizeDomain(v) !== null, "Enter the company's website or domain, e.g. example.com.")
        .nullish()
        .transform((v) => v ?? null),
    ),
    contactName: requiredText(120, "Enter the contact's name."),
    contactEmail: z.preprocess(blank, emailField),
    contactPhone: z.preprocess(
      blank,
      z
        .string({ invalid_type_error: "Enter a phone number." })
        .trim()
        .max(40, "Use at most 40 characters.")
        .refine(
          (v) => /^\+?[0-9 ()./-]+(?:\s*(?:ext\.?|x)\s*\d+)?$/i.test(v) && (v.match(/\d/g)?.length ?? 0) >= 5,
          "Enter a phone number with digits, e.g. +81 3 1234 5678.",
        )
        .nullish()
        .transform((v) => v ?? null),
    ),
    contactTitle: optionalText(120),
    country: z.preprocess(
      blank,
      z
        .string({ required_error: "Choose the country.", invalid_type_error: COUNTRY_MESSAGE })
        .trim()
        .toUpperCase()
        .refine(isCountryCode, COUNTRY_MESSAGE),
    ),
    // Checked against the country in `crossChecks`.
    region: optionalText(10),
    /** A product id or SKU; the server looks it up (an unknown one is a field error there). */
    product: optionalText(100),
    seats: z.preprocess(
      blank,
      z.coerce
        .number({ invalid_type_error: "Enter the number of seats." })
        .int("Enter a whole number of seats.")
        .min(1, "Enter at least 1 seat.")
        .max(SEATS_MAX, `Enter at most ${SEATS_MAX.toLocaleString("en")} seats.`)
        .nullish()
        .transform((v) => v ?? null),
    ),
    // JSON numbers are read as their decimal text (a union here would make Conform mark the field required).
    estimatedValue: z.preprocess(
      (v) => (typeof v === "number" && Number.isFinite(v) ? String(v) : blank(v)),
      z
        .string({ invalid_type_error: 'Enter the estimated value as a decimal, e.g. "12500.00".' })
        // The currency-free part here; the currency's rules (JPY whole yen) in crossChecks.
        .superRefine((v, ctx) => {
          const money = parseMoney(v, "USD");
          if (!money.ok && money.problem !== "too_large") ctx.addIssue({ code: "custom", message: money.message });
        })
        .nullish()
        .transform((v) => (v === undefined || v === null ? null : v.trim())),
    ),
    currency: z.preprocess(
      (v) => (typeof v === "string" ? blank(v.trim().toUpperCase()) : v),
      z
        .enum(currencies, { errorMap: () => ({ message: `Choose a currency: ${currencies.join(", ")}.` }) })
        .nullish()
        .transform((v) => v ?? null),
    ),
    message: optionalText(MESSAGE_MAX),
  };
}

const str = (v: unknown): string | null => {
  if (typeof v === "number") return String(v);
  if (typeof v !== "string") return null;
  return v.trim() === "" ? null : v.trim();
};

/**
 * The checks between fields (region within the country; value and currency
 * both or neither, in the currency's unit). Run beside the fields (an
 * intersection) so these errors show together with the others. An object
 * (not z.unknown) so that Conform can read constraints from the schema; its
 * output is empty so that it never disagrees with the fields' output.
 */
const crossChecks = z
  .object({})
  .passthrough()
  .superRefine((r, ctx) => {
    const country = str(r.country)?.toUpperCase() ?? null;
    const region = str(r.region);
    if (region) {
      if (!country || !isCountryCode(country)) {
        // The country's own error says what to fix.
      } else {
        const full = normalizeRegion(region, country);
        if (!isTerritory(full) || !full.startsWith(`${country}-`)) {
          ctx.addIssue({
            code: "custom",
            path: ["region"],
            message: `Enter a region of ${country} as an ISO 3166-2 code, e.g. ${country}-01, or leave it empty.`,
          });
        }
      }
    }
    const value = str(r.estimatedValue);
    const currency = str(r.currency)?.toUpperCase() ?? null;
    if (value !== null && currency === null) {
      ctx.addIssue({ code: "custom", path: ["currency"], message: "Choose the currency of the estimated value." });
    } else if (value === null && currency !== null) {
      ctx.addIssue({
        code: "custom",
        path: ["estimatedValue"],
        message: "Enter the estimated value, or leave the currency empty.",
      });
    } else if (value !== null && currency !== null && (currencies as readonly string[]).includes(currency)) {
      const general = parseMoney(value, "USD");
      if (!general.ok && general.problem !== "too_large") return; // the value field reports it
      const money = parseMoney(value, currency);
      if (!money.ok) ctx.addIssue({ code: "custom", path: ["estimatedValue"], message: money.message });
    }
  })
  .transform(() => ({}));

interface ParsedFields {
  companyName: string;
  website: string | null;
  contactName: string;
  contactEmail: string;
  contactPhone: string | null;
  contactTitle: string | null;
  country: string;
  region: string | null;
  product: string | null;
  seats: number | null;
  estimatedValue: string | null;
  currency: Currency | null;
  message: string | null;
}

/** Normalized lead input: the domain derived, the region completed, the value in minor units. */
export interface LeadInput extends ParsedFields {
  companyDomain: string | null;
  estimatedValueMinor: number | null;
}

function finish<T extends ParsedFields>(v: T): T & LeadInput {
  const minor = v.estimatedValue !== null && v.currency !== null ? parseMoney(v.estimatedValue, v.currency) : null;
  return {
    ...v,
    region: v.region ? normalizeRegion(v.region, v.country) : null,
    companyDomain: companyDomainOf(v.website, v.contactEmail),
    estimatedValueMinor: minor && minor.ok ? minor.minor : null,
  };
}

/**
 * One lead as the API, createLead and the import take it. `confirmDuplicate`
 * (the form's checkbox) or `allowDuplicate` (the API) creates the lead even
 * when it looks like an open one.
 */
export const leadIntakeSchema = z
  .intersection(z.object({ ...leadFields(), confirmDuplicate: flag, allowDuplicate: flag }), crossChecks)
  .transform(finish);
export type LeadIntakeInput = z.infer<typeof leadIntakeSchema>;

/** Just the lead's fields (the import validates each row with it). */
export const leadRowSchema = z.intersection(z.object(leadFields()), crossChecks).transform(finish);

/** The vendor's form: the lead plus "create anyway", "route now" and the submission id that makes a double click harmless. */
export const leadFormSchema = z
  .intersection(
    z.object({
      ...leadFields(),
      confirmDuplicate: flag,
      routeNow: flag,
      submissionId: z.string().trim().min(1).max(200).optional(),
    }),
    crossChecks,
  )
  .transform(finish);

/** The public "Contact sales" form's honeypot: people never see it, bots fill it in. */
export const CONTACT_HONEYPOT_FIELD = "company_website";

/** The public "Contact sales" form: fewer fields. */
export const contactFormSchema = z.object({
  companyName: leadFields().companyName,
  contactName: requiredText(120, "Enter your name."),
  contactEmail: leadFields().contactEmail,
  contactPhone: leadFields().contactPhone,
  country: leadFields().country,
  product: leadFields().product,
  seats: leadFields().seats,
  message: optionalText(MESSAGE_MAX),
});
export type ContactFormInput = z.infer<typeof contactFormSchema>;

/** The idempotency key: the API's Idempotency-Key header or the form's submission id. */
export const leadIdempotencyKeySchema = z
  .string()
  .min(1, "The Idempotency-Key must not be empty.")
  .max(200, "The Idempotency-Key must be at most 200 characters.");
