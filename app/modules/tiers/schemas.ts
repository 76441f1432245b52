/**
 * The tier admin page's forms (Zod; shared with the browser for Conform): the
 * rule set as flat fields (one per requirement and benefit per tier), turned
 * into the stored rules shape by toRules, and the pin form.
 */
import { z } from "zod";
import { TIERS, type Tier, type TierRules } from "./rules";

const blank = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const int = (max: number, what: string) =>
  z.coerce
    .number({ invalid_type_error: `Enter ${what} as a whole number.` })
    .int(`Enter ${what} as a whole number.`)
    .min(0, `${what[0]!.toUpperCase()}${what.slice(1)} cannot be negative.`)
    .max(max, `At most ${max}.`);

/** "mail-relay-fundamentals: 2" per line. */
const certificationLines = z
  .string()
  .max(2000)
  .optional()
  .transform((v, ctx) => {
    const out: { courseKey: string; min: number }[] = [];
    for (const raw of (v ?? "").split(/\r?\n/)) {
      const line = raw.trim();
      if (!line) continue;
      const m = /^([a-z0-9][a-z0-9-]*)\s*[:=]\s*(\d{1,4})$/.exec(line);
      if (!m) {
        ctx.addIssue({ code: "custom", message: `“${line}”: write one “course-key: number” per line.` });
        return z.NEVER;
      }
      if (out.some((c) => c.courseKey === m[1])) {
        ctx.addIssue({ code: "custom", message: `${m[1]} is listed twice.` });
        return z.NEVER;
      }
      out.push({ courseKey: m[1]!, min: Number(m[2]) });
    }
    return out;
  });

const tierFields = (t: Tier) => ({
  [`${t}Certifications`]: certificationLines,
  [`${t}RevenueUsd`]: z.preprocess(blank, int(1_000_000_000, "the revenue").default(0)),
  [`${t}WonDeals`]: z.preprocess(blank, int(100_000, "the number of deals").default(0)),
  [`${t}AcceptancePercent`]: z.preprocess(blank, int(100, "the acceptance rate").optional()),
  [`${t}Discount`]: z.preprocess(blank, int(100, "the discount")),
  [`${t}RoutingWeight`]: z.preprocess(
    blank,
    z.coerce
      .number({ invalid_type_error: "Enter a number from 0 to 1." })
      .min(0, "From 0 to 1.")
      .max(1, "From 0 to 1."),
  ),
  [`${t}ProtectionDays`]: z.preprocess(blank, int(730, "the protection period").min(1, "At least 1 day.")),
});

export const rulesFormSchema = z.object({
  effectiveDate: z
    .string({ required_error: "Choose the date the rules take effect." })
    .regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date."),
  note: z.preprocess(blank, z.string().trim().max(500).optional()),
  graceDays: z.preprocess(blank, int(365, "the grace period")),
  ...tierFields("registered"),
  ...tierFields("silver"),
  ...tierFields("gold"),
});
export type RulesForm = z.infer<typeof rulesFormSchema>;

type Flat = Record<string, unknown>;

/** The stored rules from the form's values. */
export function toRules(form: RulesForm): TierRules {
  const f = form as unknown as Flat;
  const tier = (t: Tier) => {
    const acceptance = f[`${t}AcceptancePercent`] as number | undefined;
    return {
      requirements: {
        certifications: (f[`${t}Certifications`] as { courseKey: string; min: number }[]) ?? [],
        revenueUsdMinor: (f[`${t}RevenueUsd`] as number) * 100,
        wonDeals: f[`${t}WonDeals`] as number,
        acceptanceRate: acceptance === undefined || acceptance === 0 ? null : acceptance / 100,
      },
      benefits: {
        discountPercent: f[`${t}Discount`] as number,
        routingWeight: f[`${t}RoutingWeight`] as number,
        protectionDays: f[`${t}ProtectionDays`] as number,
      },
    };
  };
  return {
    graceDays: form.graceDays,
    tiers: { registered: tier("registered"), silver: tier("silver"), gold: tier("gold") },
  };
}

/** The form's default values from stored rules (the editor starts from the rules in force). */
export function formValuesOf(rules: TierRules): Record<string, string> {
  const out: Record<string, string> = { graceDays: String(rules.graceDays) };
  for (const t of TIERS) {
    const { requirements: r, benefits: b } = rules.tiers[t];
    out[`${t}Certifications`] = r.certifications.map((c) => `${c.courseKey}: ${c.min}`).join("\n");
    out[`${t}RevenueUsd`] = String(Math.round(r.revenueUsdMinor / 100));
    out[`${t}WonDeals`] = String(r.wonDeals);
    out[`${t}AcceptancePercent`] = r.acceptanceRate === null ? "" : String(Math.round(r.acceptanceRate * 100));
    out[`${t}Discount`] = String(b.discountPercent);
    out[`${t}RoutingWeight`] = String(b.routingWeight);
    out[`${t}ProtectionDays`] = String(b.protectionDays);
  }
  return out;
}

export const pinFormSchema = z.object({
  partnerId: z.string().uuid("Choose a partner."),
  tier: z.enum(TIERS, { errorMap: () => ({ message: "Choose a tier." }) }),
  reason: z
    .string({ required_error: "Say why the tier is pinned." })
    .trim()
    .min(3, "Say why the tier is pinned.")
    .max(500),
  until: z.string({ required_error: "Choose the end date." }).regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date."),
});
export type PinForm = z.infer<typeof pinFormSchema>;

export const unpinFormSchema = z.object({ partnerId: z.string().uuid() });
