/**
 * Input schemas of the routing rules and the public holidays. They accept JSON
 * objects and form values alike (numbers as strings, "" for none, a comma
 * separated list for servedBy). What needs the database (products,
 * specializations, course keys exist) is checked in rules.server.ts.
 */
import { z } from "zod";
import { isCountryCode, isTerritory } from "~/utils/countries";

/** A programme tier key (checked against the tier catalogue in rules.server.ts). */
const tierKey = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9-]{0,29}$/, "Choose a tier.");

const blankToNull = (v: unknown) => (typeof v === "string" && v.trim() === "" ? null : v);
const upper = (v: unknown) => (typeof v === "string" ? v.trim().toUpperCase() : v);

const territoryCode = z.preprocess(
  upper,
  z.string({ required_error: "Enter a territory code." }).refine(isTerritory, {
    message: "Use a country code (JP) or a subdivision (US-CO).",
  }),
);

const codeList = z.preprocess(
  (v) =>
    typeof v === "string"
      ? v
          .split(/[\s,;]+/)
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z.array(territoryCode).min(1, "Name at least one territory that serves it.").max(50),
);

const weight = z.coerce
  .number({ invalid_type_error: "Enter a number." })
  .min(0, "Weights are 0 to 10.")
  .max(10, "Weights are 0 to 10.");

const int = (min: number, max: number, label: string) =>
  z.coerce
    .number({ invalid_type_error: "Enter a whole number." })
    .int("Enter a whole number.")
    .min(min, `${label} is ${min} to ${max}.`)
    .max(max, `${label} is ${min} to ${max}.`);

const optionalKey = z.preprocess(blankToNull, z.string().trim().min(1).max(80).nullable().default(null));
const optionalTier = z.preprocess(blankToNull, tierKey.nullable().default(null));

export const productRuleSchema = z.object({
  productId: z.string({ required_error: "Choose a product." }).uuid("Choose a product."),
  specialization: optionalKey,
  certification: optionalKey,
  minimumTier: optionalTier,
});

export const rulesSchema = z
  .object({
    territoryMap: z
      .array(z.object({ area: territoryCode, servedBy: codeList }))
      .max(500)
      .default([]),
    productRules: z.array(productRuleSchema).max(200).default([]),
    minimumTier: z.string({ invalid_type_error: "Choose a tier." }).pipe(tierKey).default("registered"),
    requiredCertification: optionalKey,
    defaultCapacity: int(1, 10_000, "Capacity"),
    weights: z.object({ tier: weight, acceptanceRate: weight, timeToAccept: weight, winRate: weight }),
    slaBusinessDays: int(1, 10, "The SLA"),
    workdayStartHour: int(0, 24, "The hour"),
    workdayEndHour: int(0, 24, "The hour"),
    maxOffers: int(1, 10, "Offers"),
    note: z.preprocess(blankToNull, z.string().trim().max(500).nullable().default(null)),
  })
  .superRefine((r, ctx) => {
    const w = r.weights;
    if (w.tier + w.acceptanceRate + w.timeToAccept + w.winRate <= 0) {
      ctx.addIssue({ code: "custom", path: ["weights"], message: "At least one weight must be above zero." });
    }
    if (r.workdayStartHour >= r.workdayEndHour) {
      ctx.addIssue({ code: "custom", path: ["workdayEndHour"], message: "The working day must end after it starts." });
    }
    const areas = new Set<string>();
    r.territoryMap.forEach((row, i) => {
      if (areas.has(row.area)) {
        ctx.addIssue({ code: "custom", path: ["territoryMap", i, "area"], message: "This area is mapped twice." });
      }
      areas.add(row.area);
    });
    const products = new Set<string>();
    r.productRules.forEach((row, i) => {
      if (products.has(row.productId)) {
        ctx.addIssue({
          code: "custom",
          path: ["productRules", i, "productId"],
          message: "This product has two rules.",
        });
      }
      products.add(row.productId);
    });
  });
export type RulesInput = z.infer<typeof rulesSchema>;

const isoDate = z
  .string({ required_error: "Enter a date." })
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Use YYYY-MM-DD.")
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, "Not a calendar date.");

const countryCode = z.preprocess(
  upper,
  z.string({ required_error: "Choose a country." }).refine(isCountryCode, "Choose a country."),
);

export const holidaySchema = z.object({
  country: countryCode,
  date: isoDate,
  name: z.string({ required_error: "Name the holiday." }).trim().min(1, "Name the holiday.").max(120),
});
export const holidayKeySchema = z.object({ country: countryCode, date: isoDate });

export const holidayFilterSchema = z.object({
  country: z.preprocess(blankToNull, countryCode.nullable().optional()).catch(undefined),
  year: z.coerce.number().int().min(2000).max(2100).optional().catch(undefined),
});
