/**
 * The tier admin page's forms (Zod; shared with the browser for Conform): the
 * rule set as flat fields (one per requirement and benefit per tier, the
 * ladder's keys in order in `tiers`, each tier's name, a "remove" box per
 * added tier, and the "add a tier" fields prefixed `new`), turned into the
 * stored rules shape by parseRulesForm, and the pin form.
 *
 * The field names depend on the ladder being edited, so the schema is built
 * from the submitted `tiers` list (rulesFormSchema(keys)).
 */
import { z } from "zod";
import { BASE_TIER, MAX_TIERS, TIER_KEY_PATTERN, tierKeySchema, type Tier, type TierRules } from "./rules";

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

/** The requirement and benefit fields of one tier (`prefix` is its key, or "new" for the tier being added). */
const tierFields = (prefix: string) => ({
  [`${prefix}Certifications`]: certificationLines,
  [`${prefix}RevenueUsd`]: z.preprocess(blank, int(1_000_000_000, "the revenue").default(0)),
  [`${prefix}WonDeals`]: z.preprocess(blank, int(100_000, "the number of deals").default(0)),
  [`${prefix}AcceptancePercent`]: z.preprocess(blank, int(100, "the acceptance rate").optional()),
  [`${prefix}Discount`]: z.preprocess(blank, int(100, "the discount")),
  [`${prefix}RoutingWeight`]: z.preprocess(
    blank,
    z.coerce
      .number({ invalid_type_error: "Enter a number from 0 to 1." })
      .min(0, "From 0 to 1.")
      .max(1, "From 0 to 1."),
  ),
  [`${prefix}ProtectionDays`]: z.preprocess(blank, int(730, "the protection period").min(1, "At least 1 day.")),
});

const tierName = z.preprocess(
  (v) => (typeof v === "string" ? v.trim() : v),
  z.string({ required_error: "Name the tier." }).min(1, "Name the tier.").max(40, "At most 40 characters."),
);

const checkbox = z.preprocess((v) => v === "on" || v === "true" || v === true, z.boolean());

/** The ladder's keys as the form sends them: "registered,silver,gold" (lowest first). */
export function ladderKeysOf(raw: unknown): string[] {
  const v = raw && typeof raw === "object" ? (raw as Record<string, unknown>).tiers : undefined;
  return typeof v === "string"
    ? v
        .split(",")
        .map((k) => k.trim())
        .filter(Boolean)
    : [];
}

/**
 * The rules form for a ladder of `keys` (lowest first): the version's
 * fields, each tier's name, requirements and benefits, a remove box per tier
 * above the base tier, and the optional new tier (`newKey`, `newName`,
 * `newAbove`: the key of the tier it sits directly above, and its fields).
 */
export function rulesFormSchema(keys: readonly string[]) {
  const validKeys = keys.filter((k) => TIER_KEY_PATTERN.test(k));
  const shape: Record<string, z.ZodTypeAny> = {
    effectiveDate: z
      .string({ required_error: "Choose the date the rules take effect." })
      .regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date."),
    note: z.preprocess(blank, z.string().trim().max(500).optional()),
    graceDays: z.preprocess(blank, int(365, "the grace period")),
    tiers: z.string({ required_error: "The form lost its list of tiers; reload the page." }).refine(
      (v) => {
        const l = v.split(",").map((k) => k.trim());
        return l[0] === BASE_TIER && l.every((k) => TIER_KEY_PATTERN.test(k)) && new Set(l).size === l.length;
      },
      { message: "The form's list of tiers is damaged; reload the page." },
    ),
    newKey: z.preprocess(blank, z.string().optional()),
    newName: z.preprocess(blank, z.string().optional()),
    newAbove: z.preprocess(blank, z.string().optional()),
    newCertifications: z.string().optional(),
    newRevenueUsd: z.unknown().optional(),
    newWonDeals: z.unknown().optional(),
    newAcceptancePercent: z.unknown().optional(),
    newDiscount: z.unknown().optional(),
    newRoutingWeight: z.unknown().optional(),
    newProtectionDays: z.unknown().optional(),
  };
  for (const k of validKeys) {
    Object.assign(shape, tierFields(k), { [`${k}Name`]: tierName });
    if (k !== BASE_TIER) shape[`${k}Remove`] = checkbox;
  }
  return z.object(shape);
}

const str = (v: unknown) => (typeof v === "string" ? v.trim() : "");
const checked = (v: unknown) => v === "on" || v === "true" || v === true;

/**
 * The ladder's own checks, on the raw values (so they are reported together
 * with any bad number): each name once, and the new tier's key (a slug, not
 * taken), name (not taken), place and fields.
 */
export function ladderIssues(raw: Record<string, unknown>, keys: readonly string[]): z.ZodIssue[] {
  const out: z.ZodIssue[] = [];
  const issue = (path: string, message: string) => out.push({ code: "custom", path: [path], message });
  const validKeys = keys.filter((k) => TIER_KEY_PATTERN.test(k));
  const seen = new Map<string, string>();
  for (const k of validKeys) {
    if (checked(raw[`${k}Remove`])) continue;
    const name = str(raw[`${k}Name`]);
    if (!name) continue;
    const other = seen.get(name.toLowerCase());
    if (other) issue(`${k}Name`, `Another tier (${other}) is already named “${name}”.`);
    else seen.set(name.toLowerCase(), k);
  }
  const newKey = str(raw.newKey);
  const newName = str(raw.newName);
  const newAbove = str(raw.newAbove);
  if (!newKey && !newName) return out;
  if (validKeys.filter((k) => !checked(raw[`${k}Remove`])).length >= MAX_TIERS) {
    issue("newKey", `At most ${MAX_TIERS} tiers.`);
  }
  if (!newKey) issue("newKey", "Give the new tier a key.");
  else {
    const key = tierKeySchema.safeParse(newKey);
    if (!key.success) issue("newKey", key.error.issues[0]!.message);
    else if (keys.includes(key.data)) issue("newKey", `A tier with the key “${key.data}” already exists.`);
  }
  if (!newName) issue("newName", "Name the new tier.");
  else if (newName.length > 40) issue("newName", "At most 40 characters.");
  else if (seen.has(newName.toLowerCase())) issue("newName", `A tier named “${newName}” already exists.`);
  if (!newAbove || !validKeys.includes(newAbove)) issue("newAbove", "Choose where the new tier goes.");
  else if (checked(raw[`${newAbove}Remove`])) issue("newAbove", "That tier is being removed; choose another place.");
  const fields = z.object(tierFields("new")).safeParse(raw);
  if (!fields.success) out.push(...fields.error.issues);
  return out;
}

export type RulesForm = Record<string, unknown>;

type Flat = Record<string, unknown>;

function tierOf(f: Flat, prefix: string) {
  const acceptance = f[`${prefix}AcceptancePercent`] as number | undefined;
  return {
    requirements: {
      certifications: (f[`${prefix}Certifications`] as { courseKey: string; min: number }[]) ?? [],
      revenueUsdMinor: (f[`${prefix}RevenueUsd`] as number) * 100,
      wonDeals: f[`${prefix}WonDeals`] as number,
      acceptanceRate: acceptance === undefined || acceptance === 0 ? null : acceptance / 100,
    },
    benefits: {
      discountPercent: f[`${prefix}Discount`] as number,
      routingWeight: f[`${prefix}RoutingWeight`] as number,
      protectionDays: f[`${prefix}ProtectionDays`] as number,
    },
  };
}

export type ParsedRulesForm =
  | {
      success: true;
      data: {
        rules: TierRules;
        effectiveDate: string;
        note: string | undefined;
        /** Keys of the tiers the draft removes from the ladder it was edited from. */
        removed: Tier[];
        added: Tier | null;
      };
    }
  | { success: false; error: z.ZodError };

/** The stored rules (the ladder in order, the added tier in its place, removed ones left out) from the form. */
export function parseRulesForm(raw: unknown): ParsedRulesForm {
  const keys = ladderKeysOf(raw);
  const values = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  const parsed = rulesFormSchema(keys).safeParse(values);
  const issues = [...(parsed.success ? [] : parsed.error.issues), ...ladderIssues(values, keys)];
  if (!parsed.success || issues.length) return { success: false, error: new z.ZodError(issues) };
  const f = parsed.data as Flat;
  // The new tier's fields were checked by ladderIssues; parse them again for their coerced values.
  const adding = typeof f.newKey === "string" && f.newKey.trim().length > 0;
  const added = adding ? (z.object(tierFields("new")).parse(values) as Flat) : null;
  const removed = keys.filter((k) => k !== BASE_TIER && f[`${k}Remove`]);
  const tiers: TierRules["tiers"] = [];
  for (const k of keys) {
    if (!removed.includes(k)) tiers.push({ key: k, name: f[`${k}Name`] as string, ...tierOf(f, k) });
    if (added && f.newAbove === k) {
      tiers.push({ key: (f.newKey as string).trim(), name: (f.newName as string).trim(), ...tierOf(added, "new") });
    }
  }
  return {
    success: true,
    data: {
      rules: { graceDays: f.graceDays as number, tiers },
      effectiveDate: f.effectiveDate as string,
      note: f.note as string | undefined,
      removed,
      added: added ? (f.newKey as string).trim() : null,
    },
  };
}

/** The form's default values from stored rules (the editor starts from the rules in force). */
export function formValuesOf(rules: TierRules): Record<string, string> {
  const out: Record<string, string> = {
    graceDays: String(rules.graceDays),
    tiers: rules.tiers.map((t) => t.key).join(","),
  };
  for (const t of rules.tiers) {
    const { requirements: r, benefits: b } = t;
    out[`${t.key}Name`] = t.name;
    out[`${t.key}Certifications`] = r.certifications.map((c) => `${c.courseKey}: ${c.min}`).join("\n");
    out[`${t.key}RevenueUsd`] = String(Math.round(r.revenueUsdMinor / 100));
    out[`${t.key}WonDeals`] = String(r.wonDeals);
    out[`${t.key}AcceptancePercent`] = r.acceptanceRate === null ? "" : String(Math.round(r.acceptanceRate * 100));
    out[`${t.key}Discount`] = String(b.discountPercent);
    out[`${t.key}RoutingWeight`] = String(b.routingWeight);
    out[`${t.key}ProtectionDays`] = String(b.protectionDays);
  }
  return out;
}

export const pinFormSchema = z.object({
  partnerId: z.string().uuid("Choose a partner."),
  /** A tier of the ladder in force (the domain checks it against the rules). */
  tier: z.string({ required_error: "Choose a tier." }).trim().regex(TIER_KEY_PATTERN, "Choose a tier."),
  reason: z
    .string({ required_error: "Say why the tier is pinned." })
    .trim()
    .min(3, "Say why the tier is pinned.")
    .max(500),
  until: z.string({ required_error: "Choose the end date." }).regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date."),
});
export type PinForm = z.infer<typeof pinFormSchema>;

export const unpinFormSchema = z.object({ partnerId: z.string().uuid() });
