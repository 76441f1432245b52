/**
 * Tier discounts come from the tier rules in force at order time (their
 * `benefits.discountPercent`), the one source: a new rules version with
 * another Silver discount prices the orders made once it is in force, and
 * an earlier order keeps the percent it was priced with. The order form and
 * the catalog page show the same discount.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createOrder } from "~/modules/licensing/orders.server";
import { orderFormOptions } from "~/modules/licensing/pages.server";
import { catalogPageData } from "~/modules/licensing/vendor-pages.server";
import { publishRules } from "~/modules/tiers/admin.server";
import { rulesInForce } from "~/modules/tiers/in-force.server";
import { formValuesOf } from "~/modules/tiers/schemas";
import { createUser, ctxFor, setupTestDb, type TestUser } from "../../support/factories";
import {
  licensingPartner,
  licensingTestEnv,
  orderInput,
  orderRow,
  type LicensingPartner,
} from "../../support/licensing-factories";
import { tierIn } from "../tiers/tier-fixtures";

licensingTestEnv();
const db = setupTestDb();

const BEFORE = new Date("2031-03-01T10:00:00Z");
const AFTER = new Date("2031-03-02T10:00:00Z");

let admin: TestUser;
let silver: LicensingPartner;
beforeAll(async () => {
  admin = await createUser(db(), { role: "vendor_admin" });
  silver = await licensingPartner(db(), { tier: "silver", invoiceTerms: true });
});

// 100 seats of MSE-STD-12 at €22.00 list.
const order = async (now: Date) =>
  createOrder(db(), { actor: ctxFor(db(), silver.seller).actor, input: await orderInput(db()), now });

describe("tier discounts from the tier rules in force", () => {
  it("a new rules version's Silver discount prices new orders; an earlier order keeps its own", async () => {
    const { rules, version } = await rulesInForce(db(), BEFORE);
    expect(tierIn(rules, "silver").benefits.discountPercent).toBe(20);

    const earlier = await order(BEFORE);
    expect(earlier).toMatchObject({ discountPercent: 20, subtotalMinor: 220_000, totalMinor: 176_000 });

    const next = structuredClone(rules);
    tierIn(next, "silver").benefits.discountPercent = 25;
    const published = await publishRules(ctxFor(db(), admin, BEFORE), {
      ...formValuesOf(next),
      effectiveDate: "2031-03-02",
      note: "Silver 25 %",
    });
    expect(published.version).toBe(version + 1);

    // Not in force yet: still 20 % today.
    expect((await order(BEFORE)).discountPercent).toBe(20);
    expect((await orderFormOptions(ctxFor(db(), silver.seller, BEFORE))).discountPercent).toBe(20);

    const later = await order(AFTER);
    expect(later).toMatchObject({ discountPercent: 25, subtotalMinor: 220_000, totalMinor: 165_000 });
    expect((await orderFormOptions(ctxFor(db(), silver.seller, AFTER))).discountPercent).toBe(25);
    expect((await orderRow(db(), later.id)).discountPercent).toBe(25);
    expect(await orderRow(db(), earlier.id)).toMatchObject({ discountPercent: 20, totalMinor: 176_000 });

    const catalog = await catalogPageData(ctxFor(db(), admin, AFTER));
    expect(catalog.rulesVersion).toBe(published.version);
    expect(catalog.discounts.map((d) => [d.tier, d.percent])).toEqual([
      ["registered", 10],
      ["silver", 25],
      ["gold", 30],
    ]);
  });
});
