import { describe, expect, it } from "vitest";
import type { TierRules } from "~/modules/tiers/rules";
import { formValuesOf, parseRulesForm, pinFormSchema } from "~/modules/tiers/schemas";

const rules: TierRules = {
  graceDays: 45,
  tiers: [
    {
      key: "registered",
      name: "Registered",
      requirements: { certifications: [], revenueUsdMinor: 0, wonDeals: 0, acceptanceRate: null },
      benefits: { discountPercent: 10, routingWeight: 0, protectionDays: 90 },
    },
    {
      key: "silver",
      name: "Silver",
      requirements: {
        certifications: [{ courseKey: "mail-relay-fundamentals", min: 1 }],
        revenueUsdMinor: 2_500_000,
        wonDeals: 1,
        acceptanceRate: 0.5,
      },
      benefits: { discountPercent: 20, routingWeight: 0.5, protectionDays: 120 },
    },
    {
      key: "gold",
      name: "Gold",
      requirements: {
        certifications: [
          { courseKey: "mail-relay-fundamentals", min: 3 },
          { courseKey: "secure-relay-tls-auth", min: 1 },
        ],
        revenueUsdMinor: 10_000_000,
        wonDeals: 2,
        acceptanceRate: 0.7,
      },
      benefits: { discountPercent: 30, routingWeight: 1, protectionDays: 180 },
    },
  ],
};

const issuesOf = (values: Record<string, string>) => {
  const r = parseRulesForm(values);
  expect(r.success).toBe(false);
  return Object.fromEntries(r.success ? [] : r.error.issues.map((i) => [i.path.join("."), i.message]));
};

describe("the rules form", () => {
  it("round-trips the stored rules through the form's fields", () => {
    const parsed = parseRulesForm({ ...formValuesOf(rules), effectiveDate: "2031-01-01" });
    expect(parsed.success && parsed.data).toMatchObject({ rules, removed: [], added: null });
  });

  it("names each bad field", () => {
    const fields = issuesOf({
      ...formValuesOf(rules),
      effectiveDate: "soon",
      silverCertifications: "mail-relay-fundamentals: 1\nmail-relay-fundamentals: 2",
      goldCertifications: "three engineers",
      goldRevenueUsd: "lots",
      silverRoutingWeight: "2",
      registeredDiscount: "",
    });
    expect(fields).toEqual({
      effectiveDate: "Use a date.",
      silverCertifications: "mail-relay-fundamentals is listed twice.",
      goldCertifications: "“three engineers”: write one “course-key: number” per line.",
      goldRevenueUsd: "Enter the revenue as a whole number.",
      silverRoutingWeight: "From 0 to 1.",
      registeredDiscount: "Enter the discount as a whole number.",
    });
  });

  const platinum = {
    newKey: "platinum",
    newName: "Platinum",
    newAbove: "gold",
    newCertifications: "mail-relay-fundamentals: 4\nsecure-relay-tls-auth: 2",
    newRevenueUsd: "250000",
    newWonDeals: "5",
    newAcceptancePercent: "80",
    newDiscount: "40",
    newRoutingWeight: "1",
    newProtectionDays: "365",
  };

  it("adds a tier in its place in the ladder", () => {
    const parsed = parseRulesForm({ ...formValuesOf(rules), effectiveDate: "2031-01-01", ...platinum });
    expect(parsed.success).toBe(true);
    if (!parsed.success) return;
    expect(parsed.data.added).toBe("platinum");
    expect(parsed.data.rules.tiers.map((t) => t.key)).toEqual(["registered", "silver", "gold", "platinum"]);
    expect(parsed.data.rules.tiers[3]).toEqual({
      key: "platinum",
      name: "Platinum",
      requirements: {
        certifications: [
          { courseKey: "mail-relay-fundamentals", min: 4 },
          { courseKey: "secure-relay-tls-auth", min: 2 },
        ],
        revenueUsdMinor: 25_000_000,
        wonDeals: 5,
        acceptanceRate: 0.8,
      },
      benefits: { discountPercent: 40, routingWeight: 1, protectionDays: 365 },
    });
    // Between Silver and Gold.
    const between = parseRulesForm({
      ...formValuesOf(rules),
      effectiveDate: "2031-01-01",
      ...platinum,
      newKey: "silver-plus",
      newName: "Silver Plus",
      newAbove: "silver",
    });
    expect(between.success && between.data.rules.tiers.map((t) => t.key)).toEqual([
      "registered",
      "silver",
      "silver-plus",
      "gold",
    ]);
  });

  it("names a bad key, a key or a name already taken, a missing place and the new tier's bad fields", () => {
    const base = { ...formValuesOf(rules), effectiveDate: "2031-01-01", ...platinum };
    expect(issuesOf({ ...base, newKey: "Platinum Tier" })).toEqual({
      newKey: "Use lowercase letters, digits and dashes, starting with a letter (at most 30).",
    });
    expect(issuesOf({ ...base, newKey: "gold" })).toEqual({ newKey: "A tier with the key “gold” already exists." });
    expect(issuesOf({ ...base, newName: "silver" })).toEqual({ newName: "A tier named “silver” already exists." });
    expect(issuesOf({ ...base, newKey: "new", newAbove: "", newDiscount: "lots" })).toEqual({
      newKey: "“new” is reserved; choose another key.",
      newAbove: "Choose where the new tier goes.",
      newDiscount: "Enter the discount as a whole number.",
    });
    expect(issuesOf({ ...base, newKey: "" })).toEqual({ newKey: "Give the new tier a key." });
    // Renaming Gold to Silver's name.
    expect(issuesOf({ ...formValuesOf(rules), effectiveDate: "2031-01-01", goldName: "Silver" })).toEqual({
      goldName: "Another tier (silver) is already named “Silver”.",
    });
  });

  it("removes a tier the admin ticks, never the base tier", () => {
    const parsed = parseRulesForm({ ...formValuesOf(rules), effectiveDate: "2031-01-01", silverRemove: "on" });
    expect(parsed.success && parsed.data.removed).toEqual(["silver"]);
    expect(parsed.success && parsed.data.rules.tiers.map((t) => t.key)).toEqual(["registered", "gold"]);
    const base = parseRulesForm({ ...formValuesOf(rules), effectiveDate: "2031-01-01", registeredRemove: "on" });
    expect(base.success && base.data.rules.tiers.map((t) => t.key)).toEqual(["registered", "silver", "gold"]);
    expect(issuesOf({ ...formValuesOf(rules), effectiveDate: "2031-01-01", tiers: "silver,gold" })).toEqual({
      tiers: "The form's list of tiers is damaged; reload the page.",
    });
  });

  it("requires a reason and an end date to pin", () => {
    const r = pinFormSchema.safeParse({
      partnerId: "8b0f4c36-7d4e-4c4e-9a53-5a7c2b6f0d11",
      tier: "gold",
      reason: " ",
      until: "",
    });
    expect(r.error!.issues.map((i) => i.path[0])).toEqual(["reason", "until"]);
  });
});
