import { z } from "zod";
import { emailField } from "~/modules/accounts/schemas";
import { isCountryCode } from "~/utils/countries";
import { emailDomain, normalizeDomain, sameOrganisationDomain } from "./domains";

/**
 * Zod schemas of the partner application and its review, shared by the server
 * (the domain functions parse with them) and the browser (Conform).
 */

export const businessTypes = ["reseller", "distributor", "managed_service_provider", "systems_integrator"] as const;
export type BusinessType = (typeof businessTypes)[number];
export const businessTypeLabels: Record<BusinessType, string> = {
  reseller: "Reseller",
  distributor: "Distributor",
  managed_service_provider: "Managed service provider",
  systems_integrator: "Systems integrator",
};

/** A programme tier key: the tier rules in force list the tiers (approveApplication checks it is one of them). */
export type PartnerTier = string;

export const applicationStatuses = ["submitted", "info_requested", "approved", "rejected"] as const;
export type ApplicationStatus = (typeof applicationStatuses)[number];
export const applicationStatusLabels: Record<ApplicationStatus, string> = {
  submitted: "Waiting for review",
  info_requested: "Information requested",
  approved: "Approved",
  rejected: "Rejected",
};

/** Expected annual volume: whole US dollars, up to a billion (anything larger is a typo). */
export const MAX_ANNUAL_VOLUME = 1_000_000_000;
export const MESSAGE_MAX = 2000;
export const NOTE_MAX = 5000;

/** The name of the honeypot field: visually hidden, a person leaves it empty. */
export const HONEYPOT_FIELD = "website_url";

/** Conform sends an empty field as undefined: the required message then comes from required_error. */
function text(label: string, min: number, max: number) {
  const required = `Enter ${label}.`;
  return z
    .string({ required_error: required, invalid_type_error: required })
    .trim()
    .min(1, required)
    .max(max, `Use at most ${max} characters.`)
    .refine((v) => v.length === 0 || v.length >= min, `Use at least ${min} characters.`);
}

/**
 * A website as typed ("example.com", "https://www.example.com/about") made an
 * http(s) URL; null when it is not one (other schemes, no plausible host).
 */
export function normalizeWebsite(input: string): string | null {
  const raw = input.trim();
  if (!raw || /\s/.test(raw)) return null;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if (url.username || url.password) return null;
  if (!normalizeDomain(url.hostname)) return null;
  const path = url.pathname === "/" ? "" : url.pathname.replace(/\/$/, "");
  return `${url.protocol}//${url.host}${path}`;
}

/** The domain of a website URL (normalized), or null. */
export function websiteDomain(website: string): string | null {
  const url = normalizeWebsite(website);
  return url ? normalizeDomain(new URL(url).hostname) : null;
}

const PHONE_MESSAGE = "Enter a phone number with its country code, e.g. +31 20 555 0123.";

export function plausiblePhone(value: string): boolean {
  if (!/^\+?[\d\s\-()]+$/.test(value)) return false;
  const digits = value.replace(/\D/g, "").length;
  return digits >= 6 && digits <= 20;
}

function mismatchMessage(domain: string): string {
  return `This address is not at ${domain}. If that is right, tick "I use an address outside our company domain" below.`;
}

/**
 * The application form. `specializationKeys` are the active keys of the
 * vendor's list (the server reads them from the database; the browser gets
 * them from the loader): any other key is refused.
 *
 * Output: website as an http(s) URL, primaryDomain normalized (derived from
 * the website when left empty), contactDomainMismatch computed. Parsing the
 * output again gives the same output.
 */
export function applicationSchema(specializationKeys: readonly string[]) {
  const known = new Set(specializationKeys);
  return z
    .object({
      companyName: text("your company's name", 2, 120),
      legalName: text("the registered legal name", 2, 160),
      website: z
        .string({ required_error: "Enter your company's website." })
        .trim()
        .min(1, "Enter your company's website.")
        .max(200, "Use at most 200 characters.")
        .transform((v, ctx) => {
          const url = normalizeWebsite(v);
          if (!url) {
            ctx.addIssue({ code: "custom", message: "Enter a website address such as https://www.example.com." });
            return z.NEVER;
          }
          return url;
        }),
      primaryDomain: z
        .string()
        .trim()
        .max(253, "Use at most 253 characters.")
        .optional()
        .transform((v, ctx) => {
          if (!v) return undefined;
          const d = normalizeDomain(v);
          if (!d) {
            ctx.addIssue({ code: "custom", message: "Enter a domain such as example.com (no address, no path)." });
            return z.NEVER;
          }
          return d;
        }),
      country: z
        .string({ required_error: "Choose a country." })
        .trim()
        .toUpperCase()
        .refine(isCountryCode, "Choose a country from the list."),
      region: z.string().trim().max(100, "Use at most 100 characters.").optional(),
      address: text("your company's address", 5, 500),
      registrationId: text("your tax or company registration number", 2, 60),
      businessType: z.enum(businessTypes, { errorMap: () => ({ message: "Choose your type of business." }) }),
      specializations: z
        .array(z.string({ invalid_type_error: "Choose from the list." }), {
          required_error: "Choose at least one specialization.",
          invalid_type_error: "Choose at least one specialization.",
        })
        .min(1, "Choose at least one specialization.")
        .max(20, "Choose at most 20.")
        .refine((keys) => keys.every((k) => known.has(k)), "Choose specializations from the list.")
        .transform((keys) => [...new Set(keys)]),
      expectedAnnualVolume: z
        .number({
          required_error: "Enter your expected annual volume in US dollars.",
          invalid_type_error: "Enter a whole number of US dollars, without separators.",
        })
        .int("Enter a whole number of US dollars, without separators.")
        .min(0, "The volume cannot be negative.")
        .max(MAX_ANNUAL_VOLUME, "Enter at most 1000000000 (one billion US dollars)."),
      contactName: text("the contact person's name", 2, 120),
      contactEmail: emailField,
      contactPhone: z
        .string({ required_error: "Enter a phone number." })
        .trim()
        .min(1, "Enter a phone number.")
        .max(30, PHONE_MESSAGE)
        .refine(plausiblePhone, PHONE_MESSAGE),
      /** The contact confirmed an address outside the company's domain on purpose. */
      contactDomainConfirmed: z.boolean().optional(),
      privacyAccepted: z
        .boolean({
          required_error: "Accept the privacy notice to apply.",
          invalid_type_error: "Accept the privacy notice to apply.",
        })
        .refine((v) => v === true, "Accept the privacy notice to apply."),
    })
    .superRefine((v, ctx) => {
      // Zod runs this even when another field failed (so the warning shows with the other errors): check types.
      if (typeof v.website !== "string" || typeof v.contactEmail !== "string") return;
      const site = websiteDomain(v.website);
      const contact = emailDomain(v.contactEmail);
      if (!site || !contact) return;
      const ours = [site, ...(typeof v.primaryDomain === "string" ? [v.primaryDomain] : [])];
      const matches = ours.some((d) => sameOrganisationDomain(contact, d));
      if (!matches && !v.contactDomainConfirmed) {
        ctx.addIssue({ code: "custom", path: ["contactEmail"], message: mismatchMessage(v.primaryDomain ?? site) });
      }
    })
    .transform((v) => {
      const site = websiteDomain(v.website) ?? "";
      const primaryDomain = v.primaryDomain ?? site;
      const contact = emailDomain(v.contactEmail);
      const contactDomainMismatch =
        !contact || ![site, primaryDomain].some((d) => d && sameOrganisationDomain(contact, d));
      return { ...v, region: v.region ?? "", primaryDomain, contactDomainMismatch };
    });
}
export type ApplicationInput = z.infer<ReturnType<typeof applicationSchema>>;

const reviewerMessage = (what: string) =>
  z
    .string({ required_error: `Write the ${what}.` })
    .trim()
    .min(1, `Write the ${what}.`)
    .max(MESSAGE_MAX, `Use at most ${MESSAGE_MAX} characters.`);

export const approveSchema = z.object({
  tier: z
    .string({ required_error: "Choose the initial tier." })
    .trim()
    .regex(/^[a-z][a-z0-9-]{0,29}$/, "Choose the initial tier."),
  ownerUserId: z
    .string({ required_error: "Choose the channel manager who owns the partner." })
    .uuid("Choose the channel manager who owns the partner."),
});

export const rejectSchema = z.object({ reason: reviewerMessage("reason (the applicant receives it)") });
export const requestInfoSchema = z.object({ message: reviewerMessage("question for the applicant") });

export const noteSchema = z.object({
  body: z
    .string({ required_error: "Write the note." })
    .trim()
    .min(1, "Write the note.")
    .max(NOTE_MAX, `Use at most ${NOTE_MAX} characters.`),
});

export const answerSchema = z.object({
  body: z
    .string({ required_error: "Write your answer." })
    .trim()
    .min(1, "Write your answer.")
    .max(NOTE_MAX, `Use at most ${NOTE_MAX} characters.`),
});

export const APPLICATIONS_PAGE_SIZE = 25;

/** The review queue's filters; anything malformed falls back to the default. */
export const applicationFilterSchema = z.object({
  status: z
    .enum(["open", "all", ...applicationStatuses])
    .default("open")
    .catch("open"),
  country: z.string().trim().toUpperCase().refine(isCountryCode).optional().catch(undefined),
  businessType: z.enum(businessTypes).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).default(1).catch(1),
});
export type ApplicationFilter = z.infer<typeof applicationFilterSchema>;
