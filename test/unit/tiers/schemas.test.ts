import { describe, expect, it } from "vitest";
import type { TierRules } from "~/modules/tiers/rules";
import { formValuesOf, pinFormSchema, rulesFormSchema, toRules } from "~/modules/tiers/schemas";

const rules: TierRules = {
  graceDays: 45,
  tiers: {
    registered: {
      requirements: { certifications: [], revenueUsdMinor: 0, wonDeals: 0, acceptanceRate: null },
      benefits: { discountPercent: 10, routingWeight: 0, protectionDays: 90 },
    },
    silver: {
      requirements: {
        certifications: [{ courseKey: "mail-relay-fundamentals", min: 1 }],
        revenueUsdMinor: 2_500_000,
        wonDeals: 1,
        acceptanceRate: 0.5,
      },
      benefits: { discountPercent: 20, routingWeight: 0.5, protectionDays: 120 },
    },
    gold: {
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
  },
};

describe("the rules form", () => {
  it("round-trips the stored rules through the form's fields", () => {
    const parsed = rulesFormSchema.parse({ ...formValuesOf(rules), effectiveDate: "2031-01-01" });
    expect(toRules(parsed)).toEqual(rules);
  });

  it("names each bad field", () => {
    const r = rulesFormSchema.safeParse({
      ...formValuesOf(rules),
      effectiveDate: "soon",
      silverCertifications: "mail-relay-fundamentals: 1\nmail-relay-fundamentals: 2",
      goldCertifications: "three engineers",
      goldRevenueUsd: "lots",
      silverRoutingWeight: "2",
      registeredDiscount: "",
    });
    expect(r.success).toBe(false);
    const fields = Object.fromEntries(r.error!.issues.map((i) => [i.path.join("."), i.message]));
    expect(fields).toEqual({
      effectiveDate: "Use a date.",
      silverCertifications: "mail-relay-fundamentals is listed twice.",
      goldCertifications: "“three engineers”: write one “course-key: number” per line.",
      goldRevenueUsd: "Enter the revenue as a whole number.",
      silverRoutingWeight: "From 0 to 1.",
      registeredDiscount: "Enter the discount as a whole number.",
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
