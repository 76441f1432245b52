/**
 * After the sale, against PostgreSQL: key resends (a new mail per request,
 * once per request id), vendor revocation, the renewal reminder and expiry
 * job (each stage once, none after a paid renewal), license revenue in USD
 * at each order's paid-date rate, exchange rates, and the catalog (products,
 * prices with JPY in whole yen, retire; the tier discount comes from the
 * tier rules, tier-discount.test.ts).
 */
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { licenses } from "~db/schema";
import {
  createProduct,
  listCatalog,
  setProductActive,
  setProductPrices,
  updateProduct,
} from "~/modules/licensing/catalog.server";
import { resendKeys, revokeLicense } from "~/modules/licensing/licenses.server";
import { createOrder, createRenewalOrder, markOrderPaid } from "~/modules/licensing/orders.server";
import { deleteExchangeRate, listExchangeRates, setExchangeRate } from "~/modules/licensing/rates.server";
import { runLicenseRenewals, renewalKey } from "~/modules/licensing/renewals.server";
import { licenseRevenue } from "~/modules/licensing/revenue.server";
import { handleStripeEvent } from "~/modules/licensing/webhook.server";
import { ForbiddenError, NotFoundError, RuleError, ValidationError } from "~/utils/errors.server";
import { createUser, rejection, setupTestDb, unique, type TestUser } from "../../support/factories";
import {
  auditActions,
  licensesOf,
  licensingPartner,
  licensingTestEnv,
  mailsLike,
  orderInput,
  orderRow,
  refundEvent,
  sessionEvent,
  type LicensingPartner,
} from "../../support/licensing-factories";

licensingTestEnv({ stripe: true });
const db = setupTestDb();
const DAY = 86_400_000;

let vendorAdmin: TestUser;
let manager: TestUser;
let distributor: LicensingPartner;
let stranger: LicensingPartner;
beforeAll(async () => {
  vendorAdmin = await createUser(db(), { role: "vendor_admin" });
  manager = await createUser(db(), { role: "channel_manager" });
  distributor = await licensingPartner(db(), { tier: "gold", invoiceTerms: true });
  stranger = await licensingPartner(db(), { tier: "silver", invoiceTerms: true });
});

const as = (u: TestUser) => ({ userId: u.id, label: u.email, role: u.role, partnerId: u.partnerId, ip: null });

async function paidOrder(p: LicensingPartner, over: Record<string, unknown> = {}, now?: Date) {
  const order = await createOrder(db(), { actor: as(p.seller), input: await orderInput(db(), over), now });
  await markOrderPaid(db(), { actor: as(vendorAdmin), orderId: order.id, input: { reference: unique("ref") }, now });
  return order;
}

describe("resend and revoke", () => {
  it("resends the keys as a new mail per request, once per request id", async () => {
    const order = await paidOrder(distributor);
    const first = await resendKeys(db(), {
      actor: as(distributor.admin),
      orderId: order.id,
      input: { requestId: "form-1" },
    });
    expect(first.queued).toBe(2);
    await resendKeys(db(), { actor: as(distributor.admin), orderId: order.id, input: { requestId: "form-1" } });
    await resendKeys(db(), { actor: as(distributor.seller), orderId: order.id, input: { to: "customer" } });
    const mails = await mailsLike(db(), `license-keys:${order.id}`);
    expect(mails.map((m) => m.dedupeKey.replace(/resend:(?!form-1).*/, "resend:*"))).toEqual([
      `license-keys:${order.id}:customer`,
      `license-keys:${order.id}:customer:resend:*`,
      `license-keys:${order.id}:customer:resend:form-1`,
      `license-keys:${order.id}:partner`,
      `license-keys:${order.id}:partner:resend:form-1`,
    ]);
    expect(mails.find((m) => m.dedupeKey.endsWith(":partner:resend:form-1"))!.subject).toMatch(/^\(Copy\)/);
    expect(await rejection(resendKeys(db(), { actor: as(stranger.admin), orderId: order.id }))).toBeInstanceOf(
      NotFoundError,
    );
    const unpaid = await createOrder(db(), { actor: as(distributor.seller), input: await orderInput(db()) });
    expect(await rejection(resendKeys(db(), { actor: as(distributor.admin), orderId: unpaid.id }))).toBeInstanceOf(
      RuleError,
    );
  });

  it("resends one license's key only, from its page's request, and never a revoked one", async () => {
    const order = await paidOrder(distributor, {
      lines: [
        { sku: "MSE-STD-12", seats: 50 },
        { sku: "SRL-PERP", seats: 1 },
      ],
    });
    const [first, second] = await licensesOf(db(), order.id);
    await resendKeys(db(), {
      actor: as(distributor.admin),
      orderId: order.id,
      licenseId: second!.id,
      input: { to: "customer", requestId: "one-key" },
    });
    const [mail] = await mailsLike(db(), `license-keys:${order.id}:customer:resend:one-key`);
    expect(mail!.text).toContain(second!.key);
    expect(mail!.text).not.toContain(first!.key);
    expect(mail!.html).toContain(second!.key);
    expect(mail!.html).not.toContain(first!.key);

    await revokeLicense(db(), { actor: as(vendorAdmin), licenseId: second!.id, input: { reason: "Refunded line" } });
    expect(
      await rejection(resendKeys(db(), { actor: as(distributor.admin), orderId: order.id, licenseId: second!.id })),
    ).toBeInstanceOf(RuleError);
    // A license of another order is not among this order's keys.
    const other = await paidOrder(distributor);
    const [foreign] = await licensesOf(db(), other.id);
    expect(
      await rejection(resendKeys(db(), { actor: as(distributor.admin), orderId: order.id, licenseId: foreign!.id })),
    ).toBeInstanceOf(RuleError);
  });

  it("a vendor license admin revokes a license with a reason; the partner is told", async () => {
    const order = await paidOrder(distributor);
    const [license] = await licensesOf(db(), order.id);
    expect(
      await rejection(
        revokeLicense(db(), { actor: as(distributor.admin), licenseId: license!.id, input: { reason: "no" } }),
      ),
    ).toBeInstanceOf(ForbiddenError);
    expect(
      await rejection(
        revokeLicense(db(), { actor: as(manager), licenseId: license!.id, input: { reason: "Chargeback" } }),
      ),
    ).toBeInstanceOf(ForbiddenError);
    expect(
      await rejection(revokeLicense(db(), { actor: as(vendorAdmin), licenseId: license!.id, input: { reason: "" } })),
    ).toBeInstanceOf(ValidationError);
    await revokeLicense(db(), {
      actor: as(vendorAdmin),
      licenseId: license!.id,
      input: { reason: "Chargeback on the payment" },
    });
    const [row] = await db().select().from(licenses).where(eq(licenses.id, license!.id));
    expect(row).toMatchObject({
      status: "revoked",
      revokedReason: "Chargeback on the payment",
      revokedBy: vendorAdmin.id,
    });
    const mails = await mailsLike(db(), `license-revoked:${license!.id}`);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toContain("Chargeback on the payment");
    expect(
      await rejection(
        revokeLicense(db(), { actor: as(vendorAdmin), licenseId: license!.id, input: { reason: "again" } }),
      ),
    ).toBeInstanceOf(RuleError);
    // A resend leaves out revoked licenses: this order has none left.
    expect(await rejection(resendKeys(db(), { actor: as(distributor.admin), orderId: order.id }))).toBeInstanceOf(
      RuleError,
    );
  });
});

describe("renewal reminders and expiry", () => {
  it("reminds 60/30/7 days before the end once per stage, and expires the license at its end", async () => {
    const order = await paidOrder(distributor);
    const [license] = await licensesOf(db(), order.id);
    const now = new Date("2031-06-01T12:00:00Z");
    await db()
      .update(licenses)
      .set({ validFrom: new Date(now.getTime() - 340 * DAY), validUntil: new Date(now.getTime() + 25 * DAY) })
      .where(eq(licenses.id, license!.id));
    const first = await runLicenseRenewals(db(), now);
    expect(first.reminded).toBeGreaterThanOrEqual(1);
    await runLicenseRenewals(db(), new Date(now.getTime() + 3_600_000));
    const mails = await mailsLike(db(), `license-renewal:${license!.id}:`);
    expect(mails.map((m) => m.dedupeKey)).toEqual([renewalKey(license!.id, 30)]);
    expect(mails[0]!.to).toEqual([distributor.admin.email, distributor.seller.email].sort());
    expect(mails[0]!.text).toContain(`/orders/new?renew=${license!.id}`);

    const atEnd = new Date(now.getTime() + 25 * DAY);
    const end = await runLicenseRenewals(db(), atEnd);
    expect(end.expired).toBeGreaterThanOrEqual(1);
    const [row] = await db().select().from(licenses).where(eq(licenses.id, license!.id));
    expect(row!.status).toBe("expired");
    expect((await auditActions(db(), distributor.partner.id, "license.expired")).map((a) => a.subjectId)).toContain(
      license!.id,
    );
  });

  it("sends no reminder for a license whose renewal is paid", async () => {
    const order = await paidOrder(distributor);
    const [license] = await licensesOf(db(), order.id);
    const now = new Date("2032-03-01T12:00:00Z");
    await db()
      .update(licenses)
      .set({ validFrom: new Date(now.getTime() - 300 * DAY), validUntil: new Date(now.getTime() + 50 * DAY) })
      .where(eq(licenses.id, license!.id));
    const renewal = await createRenewalOrder(db(), { actor: as(distributor.admin), licenseId: license!.id });
    await markOrderPaid(db(), { actor: as(vendorAdmin), orderId: renewal.id, input: { reference: "renewed" } });
    await runLicenseRenewals(db(), now);
    expect(await mailsLike(db(), `license-renewal:${license!.id}:`)).toHaveLength(0);
  });
});

describe("license revenue for the tier rules", () => {
  it("sums the trailing 12 months of paid, not refunded orders in USD at each paid date's rate", async () => {
    const p = await licensingPartner(db(), { tier: "registered", invoiceTerms: true });
    await setExchangeRate(db(), {
      actor: as(vendorAdmin),
      input: { currency: "EUR", rateToBase: "1.10", effectiveDate: "2029-01-01" },
    });
    await setExchangeRate(db(), {
      actor: as(vendorAdmin),
      input: { currency: "EUR", rateToBase: "1.20", effectiveDate: "2029-07-01" },
    });
    await setExchangeRate(db(), {
      actor: as(vendorAdmin),
      input: { currency: "JPY", rateToBase: "0.0070", effectiveDate: "2029-01-01" },
    });
    // Registered: 10 % off. MSE-STD-12 EUR 22.00 → 19.80 × 100 = €1,980.00; JPY 3,300 → 2,970 × 100 = ¥297,000.
    const eurEarly = await paidOrder(p, { currency: "EUR" }, new Date("2029-03-10T09:00:00Z")); // × 1.10 → $2,178.00
    const eurLate = await paidOrder(p, { currency: "EUR" }, new Date("2029-08-10T09:00:00Z")); // × 1.20 → $2,376.00
    await paidOrder(p, { currency: "JPY" }, new Date("2029-09-01T09:00:00Z")); // × 0.007 → $2,079.00
    await paidOrder(p, { currency: "USD" }, new Date("2028-01-01T00:00:00Z")); // older than 12 months
    // A card order paid then refunded does not count.
    const card = await createOrder(db(), {
      actor: as(p.seller),
      input: await orderInput(db(), { paymentMethod: "card", currency: "EUR" }),
      now: new Date("2029-09-02T00:00:00Z"),
    });
    const cardRow = await orderRow(db(), card.id);
    const completed = sessionEvent("checkout.session.completed", cardRow);
    await handleStripeEvent(db(), {
      ...completed,
      created: Date.parse("2029-09-02T10:00:00Z") / 1000,
    } as typeof completed);
    await handleStripeEvent(db(), refundEvent(cardRow, (await orderRow(db(), card.id)).stripePaymentIntentId!));

    const revenue = await licenseRevenue(db(), { partnerId: p.partner.id, at: new Date("2029-12-31T00:00:00Z") });
    expect(eurEarly.totalMinor).toBe(198_000);
    expect(eurLate.totalMinor).toBe(198_000);
    expect(revenue).toMatchObject({
      currency: "USD",
      orders: 3,
      totalBaseMinor: 217_800 + 237_600 + 207_900,
      missingRates: [],
    });
    // Another partner's orders are not in it.
    expect(
      (await licenseRevenue(db(), { partnerId: stranger.partner.id, at: new Date("2029-12-31T00:00:00Z") })).orders,
    ).toBe(0);
  });

  it("exchange rates: vendor license admins only, one per currency and date, validated", async () => {
    expect(
      await rejection(
        setExchangeRate(db(), {
          actor: as(manager),
          input: { currency: "AUD", rateToBase: "0.6", effectiveDate: "2030-01-01" },
        }),
      ),
    ).toBeInstanceOf(ForbiddenError);
    expect(
      await rejection(
        setExchangeRate(db(), {
          actor: as(vendorAdmin),
          input: { currency: "USD", rateToBase: "1", effectiveDate: "2030-01-01" },
        }),
      ),
    ).toBeInstanceOf(ValidationError);
    const a = await setExchangeRate(db(), {
      actor: as(vendorAdmin),
      input: { currency: "AUD", rateToBase: "0.6", effectiveDate: "2030-01-01" },
    });
    const b = await setExchangeRate(db(), {
      actor: as(vendorAdmin),
      input: { currency: "AUD", rateToBase: "0.65", effectiveDate: "2030-01-01" },
    });
    expect(b.id).toBe(a.id);
    expect((await listExchangeRates(db(), { actor: as(vendorAdmin) })).filter((r) => r.currency === "AUD")).toEqual([
      expect.objectContaining({ rateToBase: 0.65, effectiveDate: "2030-01-01" }),
    ]);
    await deleteExchangeRate(db(), { actor: as(vendorAdmin), rateId: a.id });
    expect((await listExchangeRates(db(), { actor: as(vendorAdmin) })).filter((r) => r.currency === "AUD")).toEqual([]);
  });
});

describe("catalog", () => {
  it("creates a product with prices, edits, retires it; orders follow the catalog", async () => {
    const sku = `TST-${unique("p").slice(-6).toUpperCase()}`;
    expect(await rejection(createProduct(db(), { actor: as(distributor.admin), input: {} }))).toBeInstanceOf(
      ForbiddenError,
    );
    const bad = (await rejection(
      createProduct(db(), {
        actor: as(vendorAdmin),
        input: {
          sku,
          name: "Test Archive",
          edition: "Cloud",
          termMonths: "12",
          seatUnit: "mailbox",
          prices: { JPY: "1500.50" },
        },
      }),
    )) as ValidationError;
    expect(bad).toBeInstanceOf(ValidationError);
    expect(bad.fields!["prices.JPY"]![0]).toMatch(/whole amount/);
    const { id } = await createProduct(db(), {
      actor: as(vendorAdmin),
      input: {
        sku,
        name: "Test Archive",
        edition: "Cloud",
        termMonths: "12",
        seatUnit: "mailbox",
        prices: { USD: "10.00", JPY: "1500" },
      },
    });
    await updateProduct(db(), {
      actor: as(vendorAdmin),
      productId: id,
      input: { sku, name: "Test Archive", edition: "Cloud+", termMonths: "", seatUnit: "mailbox" },
    });
    await setProductPrices(db(), { actor: as(vendorAdmin), productId: id, input: { USD: "12.50", JPY: "" } });
    const entry = (await listCatalog(db(), { actor: as(vendorAdmin) })).find((p) => p.id === id)!;
    expect(entry).toMatchObject({ edition: "Cloud+", termMonths: null, prices: { USD: 1250 } });
    expect(entry.prices.JPY).toBeUndefined();

    const order = await createOrder(db(), {
      actor: as(stranger.seller),
      input: await orderInput(db(), { currency: "USD", lines: [] }).then((i) => ({
        ...i,
        lines: [{ productId: id, seats: 10 }],
      })),
    });
    expect(order).toMatchObject({ discountPercent: 20, totalMinor: 1000 * 10 }); // $12.50 − Silver's 20 % = $10.00

    await setProductActive(db(), { actor: as(vendorAdmin), productId: id, active: false });
    expect((await listCatalog(db(), { actor: as(stranger.seller) })).map((p) => p.id)).not.toContain(id);
    const refused = await rejection(
      createOrder(db(), {
        actor: as(stranger.seller),
        input: await orderInput(db(), { currency: "USD" }).then((i) => ({
          ...i,
          lines: [{ productId: id, seats: 1 }],
        })),
      }),
    );
    expect(refused).toBeInstanceOf(ValidationError);
  });
});
