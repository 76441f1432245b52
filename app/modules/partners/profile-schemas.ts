import { z } from "zod";
import { emailField } from "~/modules/accounts/schemas";
import { isCountryCode, isTerritory } from "~/utils/countries";

/**
 * The partner profile as its partner admin edits it (shared by the server and
 * the browser, for Conform). Legal name, primary domain, country, tier and
 * status are not here: they change only through the vendor.
 */

export const DESCRIPTION_MAX = 1000;
export const ADDRESSES_MAX = 5;
export const CONTACTS_MAX = 6;
export const TERRITORIES_MAX = 100;
export const SPECIALIZATIONS_MAX = 20;

export const contactRoles = ["sales", "technical", "billing", "executive"] as const;
export type ContactRole = (typeof contactRoles)[number];
export const contactRoleLabels: Record<ContactRole, string> = {
  sales: "Sales",
  technical: "Technical",
  billing: "Billing",
  executive: "Executive",
};

/** Labels offered for addresses; one address must be the head office. */
export const addressLabelSuggestions = [
  "Head office",
  "Branch office",
  "Billing address",
  "Support centre",
  "Warehouse",
];
const HEAD_OFFICE = /\b(head\s*office|headquarters|head\s*quarters|hq|main\s*office|registered\s*office)\b/i;
export function isHeadOfficeLabel(label: string): boolean {
  return HEAD_OFFICE.test(label);
}

/** Optional text: trimmed, "" becomes null, at most `max` characters. */
function optionalText(max: number, tooLong = `Use at most ${max} characters.`) {
  return z
    .string()
    .trim()
    .max(max, tooLong)
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

const PHONE = /^\+?[0-9][0-9 ()./-]{3,28}[0-9]$/;
const phoneField = optionalText(30, "Use at most 30 characters.").refine((v) => v === null || PHONE.test(v), {
  message: "Enter a phone number with digits, spaces and + ( ) - . / only, e.g. +31 20 555 0199.",
});

/** A website: http(s) only; a bare host name gets https:// in front. */
export const websiteField = z
  .string()
  .trim()
  .max(200, "Use at most 200 characters.")
  .nullish()
  .transform((v, ctx) => {
    if (!v) return null;
    const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(v) ? v : `https://${v}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      ctx.addIssue({ code: "custom", message: "Enter the website's address, e.g. https://www.example.com." });
      return z.NEVER;
    }
    if (
      (url.protocol !== "https:" && url.protocol !== "http:") ||
      !url.hostname.includes(".") ||
      url.username ||
      url.password
    ) {
      ctx.addIssue({ code: "custom", message: "Enter an http or https address, e.g. https://www.example.com." });
      return z.NEVER;
    }
    return withScheme;
  });

export const addressSchema = z.object({
  label: requiredText(60, "Name the address, e.g. Head office."),
  street: optionalText(200),
  city: requiredText(100, "Enter the city."),
  postalCode: optionalText(20),
  region: optionalText(100),
  country: z
    .string({ required_error: "Choose the country.", invalid_type_error: "Choose the country." })
    .trim()
    .toUpperCase()
    .refine(isCountryCode, { message: "Choose the country." }),
});

export const contactSchema = z.object({
  role: z.enum(contactRoles, {
    required_error: "Choose the contact's role.",
    invalid_type_error: "Choose the contact's role.",
  }),
  name: requiredText(120, "Enter the contact's name."),
  email: emailField,
  phone: phoneField,
});

const territoryMessage = (v: string) => ({
  message: `“${v.slice(0, 20)}” is not an ISO country or subdivision code (e.g. JP or US-CO).`,
});
const territoryCode = z.string().trim().toUpperCase().refine(isTerritory, territoryMessage);

/** Subdivisions typed as free text: "US-CO, AU-NSW" (commas, semicolons or spaces between). */
export function splitTerritories(text: string | null | undefined): string[] {
  return (text ?? "")
    .split(/[\s,;]+/)
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
}

const subdivisionsField = z
  .string()
  .max(2000, "Use at most 2000 characters.")
  .nullish()
  .transform((v, ctx) => {
    const codes = splitTerritories(v);
    for (const code of codes) {
      if (!isTerritory(code)) ctx.addIssue({ code: "custom", ...territoryMessage(code) });
    }
    return codes;
  });

export const SPECIALIZATION_KEY = /^[a-z0-9-]{2,40}$/;

export const profileSchema = z
  .object({
    name: requiredText(120, "Enter the company's display name.").refine((v) => v.length >= 2, {
      message: "Use at least 2 characters.",
    }),
    website: websiteField,
    phone: phoneField,
    description: optionalText(DESCRIPTION_MAX, `Use at most ${DESCRIPTION_MAX} characters.`),
    addresses: z
      .array(addressSchema, {
        required_error: "Add at least one address.",
        invalid_type_error: "Add at least one address.",
      })
      .min(1, "Add at least one address.")
      .max(ADDRESSES_MAX, `Use at most ${ADDRESSES_MAX} addresses.`),
    /** Whole countries (the browser's multi-select) or subdivisions: any valid territory. */
    territories: z.array(territoryCode).max(TERRITORIES_MAX, `Use at most ${TERRITORIES_MAX} territories.`).default([]),
    /** More territories as free text (subdivisions such as US-CO); merged into `territories`. */
    subdivisions: subdivisionsField,
    specializations: z
      .array(z.string().trim().regex(SPECIALIZATION_KEY, "Choose from the list."))
      .max(SPECIALIZATIONS_MAX, `Choose at most ${SPECIALIZATIONS_MAX}.`)
      .default([]),
    contacts: z
      .array(contactSchema, {
        required_error: "Add at least one contact.",
        invalid_type_error: "Add at least one contact.",
      })
      .min(1, "Add at least one contact.")
      .max(CONTACTS_MAX, `Use at most ${CONTACTS_MAX} contacts.`),
    listedInLocator: z.boolean().default(false),
  })
  .superRefine((v, ctx) => {
    if (!v.addresses.some((a) => isHeadOfficeLabel(a.label))) {
      ctx.addIssue({ code: "custom", path: ["addresses"], message: "Label one address “Head office”." });
    }
    if (new Set([...v.territories, ...v.subdivisions]).size > TERRITORIES_MAX) {
      ctx.addIssue({ code: "custom", path: ["territories"], message: `Use at most ${TERRITORIES_MAX} territories.` });
    }
  })
  .transform(({ subdivisions, ...v }) => ({
    ...v,
    territories: [...new Set([...v.territories, ...subdivisions])],
    specializations: [...new Set(v.specializations)],
  }));

export type ProfileInput = z.input<typeof profileSchema>;
export type ProfileValues = z.output<typeof profileSchema>;

/** What a partner profile lacks to count as complete (empty when complete); drives the onboarding checklist. */
export function profileMissing(p: {
  description: string | null;
  addresses: { street?: string | null; city?: string | null }[];
  territories: string[];
  specializations: string[];
  contacts: unknown[];
}): string[] {
  const missing: string[] = [];
  if (!p.description?.trim()) missing.push("a description");
  if (!p.addresses.some((a) => a.street?.trim() && a.city?.trim())) missing.push("an address with street and city");
  if (p.territories.length === 0) missing.push("a territory");
  if (p.specializations.length === 0) missing.push("a specialization");
  if (p.contacts.length === 0) missing.push("a contact");
  return missing;
}

/** Territories split for the form: whole countries (multi-select) and subdivisions (free text). */
export function territoriesForForm(territories: string[]): { territories: string[]; subdivisions: string } {
  return {
    territories: territories.filter((t) => !t.includes("-")),
    subdivisions: territories.filter((t) => t.includes("-")).join(", "),
  };
}
