/**
 * Ordering and the invoice path against PostgreSQL (no Stripe configured in
 * this file, the embedded default): prices and discount from the catalog and
 * the tier, field errors for retired and unpriced products, invoice terms,
 * card refused without Stripe, the protected-deal rule both ways (linked and
 * won on payment), order → paid → fulfilled with signed keys and key mails,
 * cancel, renewal, and isolation between partners.
 */
import { createPublicKey, createPrivateKey } from "node:crypto";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { deals, licenseOrders, productPrices, products } from "~db/schema";
import { verifyLicenseKey } from "~/modules/licensing/license-key";
import {
  PROTECTED_FOR_ANOTHER,
  cancelOrder,
  createOrder,
  createRenewalOrder,
  markOrderPaid,
  renewalDraft,
  startCheckout,
} from "~/modules/licensing/orders.server";
import { getLicense, getOrder, listLicenses, listOrders, licensesCsv } from "~/modules/licensing/queries.server";
import { StripeNotConfiguredError } from "~/modules/licensing/stripe.server";
import { ConflictError, ForbiddenError, NotFoundError, RuleError, ValidationError } from "~/utils/errors.server";
import { createUser, rejection, setupTestDb, unique, type TestUser } from "../../support/factories";
import {
  auditActions,
  licensesOf,
  licensingPartner,
  licensingTestEnv,
  mailsLike,
  orderInput,
  orderRow,
  productIdOf,
  type LicensingPartner,
} from "../../support/licensing-factories";
import { insertDeal } from "../deals/deal-fixtures";

licensingTestEnv();
const db = setupTestDb();
const publicKey = () => createPublicKey(createPrivateKey(process.env.LICENSE_SIGNING_KEY!));
const DAY = 86_400_000;

let vendorAdmin: TestUser;
let onTerms: LicensingPartner;
let noTerms: LicensingPartner;
beforeAll(async () => {
  vendorAdmin = await createUser(db(), { role: "vendor_admin" });
  onTerms = await licensingPartner(db(), { tier: "silver", invoiceTerms: true });
  noTerms = await licensingPartner(db(), { tier: "gold" });
});

const as = (u: TestUser) => ({ userId: u.id, label: u.email, role: u.role, partnerId: u.partnerId, ip: null });

describe("createOrder", () => {
  it("prices from the catalog with the partner's tier discount at order time (JPY in whole yen)", async () => {
    const input = await orderInput(db(), {
      currency: "JPY",
      lines: [
        { sku: "MSE-STD-12", seats: 100 }, // ¥3,300 → ¥2,640 (silver 20 %)
        { sku: "ASG-12", seats: 2 }, // ¥165,000 → ¥132,000
      ],
      // A price sent by the browser is ignored.
      totalMinor: 1,
    });
    const order = await createOrder(db(), { actor: as(onTerms.seller), input });
    expect(order).toMatchObject({
      status: "awaiting_payment",
      currency: "JPY",
      discountPercent: 20,
      subtotalMinor: 330_000 + 330_000,
      totalMinor: 264_000 + 264_000,
      discountMinor: 132_000,
      dealId: null,
    });
    const detail = await getOrder(db(), { actor: as(onTerms.admin), orderId: order.id });
    expect(
      detail.lines.map((l) => [l.sku, l.seats, l.unitAmountMinor, l.discountedUnitAmountMinor, l.lineTotalMinor]),
    ).toEqual([
      ["MSE-STD-12", 100, 3300, 2640, 264_000],
      ["ASG-12", 2, 165_000, 132_000, 264_000],
    ]);
    expect(detail.tierAtOrder).toBe("silver");
    expect((await auditActions(db(), onTerms.partner.id, "order.created")).some((a) => a.subjectId === order.id)).toBe(
      true,
    );
  });

  it("refuses retired products and currencies without a price, at the line", async () => {
    const [retired] = await db()
      .insert(products)
      .values({ sku: unique("OLD").toUpperCase(), name: "Old Relay", edition: "Legacy", termMonths: 12, active: false })
      .returning();
    await db().insert(productPrices).values({ productId: retired!.id, currency: "EUR", unitAmountMinor: 1000 });
    const [unpriced] = await db()
      .insert(products)
      .values({ sku: unique("NEW").toUpperCase(), name: "New Thing", edition: "Preview", termMonths: 12 })
      .returning();
    const input = await orderInput(db(), { currency: "EUR" });
    (input.lines as { productId: string; seats: number }[]).push(
      { productId: retired!.id, seats: 1 },
      { productId: unpriced!.id, seats: 1 },
    );
    const err = await rejection(createOrder(db(), { actor: as(onTerms.seller), input }));
    expect(err).toBeInstanceOf(ValidationError);
    const fields = (err as ValidationError).fields!;
    expect(Object.keys(fields).sort()).toEqual(["lines[1].productId", "lines[2].productId"]);
    expect(fields["lines[2].productId"]![0]).toMatch(/no price in EUR/);
  });

  it("validates the fields (domain, email, seats)", async () => {
    const input = await orderInput(db(), {
      customerDomain: "gmail.com",
      technicalContactEmail: "nope",
      lines: [{ sku: "ASG-12", seats: 0 }],
    });
    const err = (await rejection(createOrder(db(), { actor: as(onTerms.seller), input }))) as ValidationError;
    expect(err).toBeInstanceOf(ValidationError);
    expect(Object.keys(err.fields!)).toEqual(
      expect.arrayContaining(["customerDomain", "technicalContactEmail", "lines[0].seats"]),
    );
  });

  it("allows invoice payment only to partners with payment terms", async () => {
    const err = await rejection(
      createOrder(db(), { actor: as(noTerms.seller), input: await orderInput(db(), { paymentMethod: "invoice" }) }),
    );
    expect(err).toBeInstanceOf(RuleError);
    expect((err as RuleError).fields?.paymentMethod).toBeDefined();
  });

  it("refuses card payment while Stripe is not configured (order and checkout)", async () => {
    const err = await rejection(
      createOrder(db(), { actor: as(noTerms.seller), input: await orderInput(db(), { paymentMethod: "card" }) }),
    );
    expect(err).toBeInstanceOf(RuleError);
    expect((err as RuleError).message).toMatch(/Card payment is not available/);
    const order = await createOrder(db(), { actor: as(onTerms.seller), input: await orderInput(db()) });
    expect(await rejection(startCheckout(db(), { actor: as(onTerms.seller), orderId: order.id }))).toBeInstanceOf(
      StripeNotConfiguredError,
    );
  });

  it("creates one order per idempotency key, also when the same submission arrives twice at once", async () => {
    const input = await orderInput(db());
    const key = `form-${Date.now()}`;
    const [a, b] = await Promise.all([
      createOrder(db(), { actor: as(onTerms.seller), input, idempotencyKey: key }),
      createOrder(db(), { actor: as(onTerms.admin), input, idempotencyKey: key }),
    ]);
    expect(a.id).toBe(b.id);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    const again = await createOrder(db(), { actor: as(onTerms.seller), input, idempotencyKey: key });
    expect(again).toMatchObject({ id: a.id, created: false, totalMinor: a.totalMinor });
    const rows = await db()
      .select({ id: licenseOrders.id })
      .from(licenseOrders)
      .where(eq(licenseOrders.customerDomain, String(input.customerDomain)));
    expect(rows).toHaveLength(1);
    // Keys are per partner: another partner's same key is its own order.
    const third = await licensingPartner(db(), { tier: "registered", invoiceTerms: true });
    const theirs = await createOrder(db(), { actor: as(third.seller), input, idempotencyKey: key });
    expect(theirs.created).toBe(true);
    expect(theirs.id).not.toBe(a.id);
  });

  it("is for partner people only", async () => {
    expect(await rejection(createOrder(db(), { actor: as(vendorAdmin), input: {} }))).toBeInstanceOf(ForbiddenError);
  });
});

describe("the protected-deal rule", () => {
  it("refuses a customer protected by another partner's approved registration, without naming it", async () => {
    const other = await licensingPartner(db(), { tier: "gold" });
    const domain = `${unique("prot")}.example.com`;
    await insertDeal(db(), {
      partnerId: other.partner.id,
      customerDomain: domain,
      status: "approved",
      protectedUntil: new Date(Date.now() + 30 * DAY),
    });
    const err = await rejection(
      createOrder(db(), {
        actor: as(onTerms.seller),
        input: await orderInput(db(), { customerDomain: `https://www.${domain}/` }),
      }),
    );
    expect(err).toBeInstanceOf(RuleError);
    expect((err as RuleError).message).toBe(PROTECTED_FOR_ANOTHER);
    expect((err as RuleError).fields?.customerDomain).toEqual([PROTECTED_FOR_ANOTHER]);
    expect(JSON.stringify(err)).not.toContain(other.partner.name);
    expect((err as RuleError).message).not.toContain(other.partner.name);
  });

  it("does not apply once the protection ended", async () => {
    const other = await licensingPartner(db());
    const domain = `${unique("ended")}.example.com`;
    await insertDeal(db(), {
      partnerId: other.partner.id,
      customerDomain: domain,
      status: "approved",
      protectedUntil: new Date(Date.now() - DAY),
    });
    const order = await createOrder(db(), {
      actor: as(onTerms.seller),
      input: await orderInput(db(), { customerDomain: domain }),
    });
    expect(order.dealId).toBeNull();
  });

  it("links the ordering partner's own registration and marks it won when the order is paid", async () => {
    const domain = `${unique("own")}.example.com`;
    const deal = await insertDeal(db(), {
      partnerId: onTerms.partner.id,
      registeredBy: onTerms.seller.id,
      customerDomain: domain,
      currency: "EUR",
      status: "approved",
      protectedUntil: new Date(Date.now() + 30 * DAY),
    });
    const order = await createOrder(db(), {
      actor: as(onTerms.seller),
      input: await orderInput(db(), { customerDomain: domain }),
    });
    expect(order.dealId).toBe(deal.id);
    await markOrderPaid(db(), { actor: as(vendorAdmin), orderId: order.id, input: { reference: "BANK-1" } });
    const [won] = await db().select().from(deals).where(eq(deals.id, deal.id));
    expect(won).toMatchObject({ status: "won", finalValueMinor: order.totalMinor });
    expect(await auditActions(db(), onTerms.partner.id, "deal.won")).toEqual(
      expect.arrayContaining([expect.objectContaining({ subjectId: deal.id, actorLabel: vendorAdmin.email })]),
    );
  });
});

describe("invoice path: order → paid → fulfilled", () => {
  it("issues one signed license per line and queues the key mails once", async () => {
    const input = await orderInput(db(), {
      currency: "EUR",
      lines: [
        { sku: "MSE-ADV-12", seats: 250 },
        { sku: "SRL-PERP", seats: 1 },
      ],
    });
    const order = await createOrder(db(), { actor: as(onTerms.seller), input });
    const paid = await markOrderPaid(db(), {
      actor: as(vendorAdmin),
      orderId: order.id,
      input: { reference: "SEPA 2030-0001" },
      now: new Date("2030-01-31T10:00:00Z"),
    });
    expect(paid.status).toBe("fulfilled");
    const row = await orderRow(db(), order.id);
    expect(row).toMatchObject({ status: "fulfilled", paidReference: "SEPA 2030-0001" });
    expect(row.paidAt).toEqual(new Date("2030-01-31T10:00:00Z"));

    const issued = await licensesOf(db(), order.id);
    expect(issued).toHaveLength(2);
    const term = issued.find((l) => l.seats === 250)!;
    const perpetual = issued.find((l) => l.seats === 1)!;
    // 12 months from 31 January ends on the last day of January a year on; a perpetual license has no end.
    expect(term.validUntil).toEqual(new Date("2031-01-31T10:00:00Z"));
    expect(perpetual.validUntil).toBeNull();
    const verdict = verifyLicenseKey(term.key, publicKey(), new Date("2030-06-01T00:00:00Z"));
    expect(verdict).toMatchObject({
      valid: true,
      payload: {
        licenseId: term.id,
        sku: "MSE-ADV-12",
        seats: 250,
        customer: { company: input.customerCompany, domain: input.customerDomain },
      },
    });
    expect(verifyLicenseKey(term.key, publicKey(), new Date("2031-02-01T00:00:00Z"))).toMatchObject({
      reason: "expired",
    });

    const mails = await mailsLike(db(), `license-keys:${order.id}`);
    expect(mails.map((m) => [m.dedupeKey, m.critical, m.to])).toEqual([
      [`license-keys:${order.id}:customer`, true, [input.technicalContactEmail]],
      [`license-keys:${order.id}:partner`, true, [onTerms.admin.email, onTerms.seller.email].sort()],
    ]);
    expect(mails[0]!.text).toContain(term.key);

    const audits = await auditActions(db(), onTerms.partner.id, "license.issued");
    expect(audits.filter((a) => issued.some((l) => l.id === a.subjectId))).toHaveLength(2);

    // Again: already paid, nothing changes.
    expect(
      await rejection(
        markOrderPaid(db(), { actor: as(vendorAdmin), orderId: order.id, input: { reference: "again" } }),
      ),
    ).toBeInstanceOf(ConflictError);
    expect(await licensesOf(db(), order.id)).toHaveLength(2);
  });

  it("two vendor admins marking the same order paid at once issue one set of licenses", async () => {
    const other = await createUser(db(), { role: "vendor_admin" });
    const order = await createOrder(db(), { actor: as(onTerms.seller), input: await orderInput(db()) });
    const results = await Promise.allSettled([
      markOrderPaid(db(), { actor: as(vendorAdmin), orderId: order.id, input: { reference: "A" } }),
      markOrderPaid(db(), { actor: as(other), orderId: order.id, input: { reference: "B" } }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason)).toEqual([
      expect.any(ConflictError),
    ]);
    expect(await licensesOf(db(), order.id)).toHaveLength(1);
    expect(await mailsLike(db(), `license-keys:${order.id}`)).toHaveLength(2);
  });

  it("is for vendor license admins, with a reference", async () => {
    const order = await createOrder(db(), { actor: as(onTerms.seller), input: await orderInput(db()) });
    expect(
      await rejection(markOrderPaid(db(), { actor: as(onTerms.admin), orderId: order.id, input: { reference: "x" } })),
    ).toBeInstanceOf(ForbiddenError);
    expect(
      await rejection(markOrderPaid(db(), { actor: as(vendorAdmin), orderId: order.id, input: { reference: " " } })),
    ).toBeInstanceOf(ValidationError);
  });
});

describe("cancel and renew", () => {
  it("cancels an unpaid order once; a cancelled order cannot be paid", async () => {
    const order = await createOrder(db(), { actor: as(onTerms.seller), input: await orderInput(db()) });
    await cancelOrder(db(), { actor: as(onTerms.seller), orderId: order.id, input: { reason: "Customer postponed" } });
    expect(await orderRow(db(), order.id)).toMatchObject({ status: "cancelled", statusNote: "Customer postponed" });
    expect(await rejection(cancelOrder(db(), { actor: as(onTerms.seller), orderId: order.id }))).toBeInstanceOf(
      RuleError,
    );
    expect(
      await rejection(markOrderPaid(db(), { actor: as(vendorAdmin), orderId: order.id, input: { reference: "x" } })),
    ).toBeInstanceOf(RuleError);
  });

  it("prefills a renewal from a license and links it", async () => {
    const order = await createOrder(db(), {
      actor: as(onTerms.seller),
      input: await orderInput(db(), { lines: [{ sku: "MSE-STD-12", seats: 40 }] }),
    });
    await markOrderPaid(db(), { actor: as(vendorAdmin), orderId: order.id, input: { reference: "R-1" } });
    const [license] = await licensesOf(db(), order.id);
    const draft = await renewalDraft(db(), { actor: as(onTerms.admin), licenseId: license!.id });
    expect(draft.input.lines).toEqual([{ productId: await productIdOf(db(), "MSE-STD-12"), seats: 40 }]);
    const renewal = await createRenewalOrder(db(), {
      actor: as(onTerms.admin),
      licenseId: license!.id,
      input: { lines: [{ productId: await productIdOf(db(), "MSE-STD-12"), seats: 60 }] },
    });
    expect(await orderRow(db(), renewal.id)).toMatchObject({
      renewalOfLicenseId: license!.id,
      status: "awaiting_payment",
    });
    // Paid early, the renewal continues from the old license's end.
    await markOrderPaid(db(), { actor: as(vendorAdmin), orderId: renewal.id, input: { reference: "R-2" } });
    const [renewed] = await licensesOf(db(), renewal.id);
    expect(renewed!.validFrom).toEqual(license!.validUntil);
    expect(renewed!.seats).toBe(60);
  });
});

describe("isolation", () => {
  it("a partner never reads or changes another partner's order or license (NotFound)", async () => {
    const order = await createOrder(db(), { actor: as(onTerms.seller), input: await orderInput(db()) });
    const paidOrder = await createOrder(db(), { actor: as(onTerms.seller), input: await orderInput(db()) });
    await markOrderPaid(db(), { actor: as(vendorAdmin), orderId: paidOrder.id, input: { reference: "ISO" } });
    const [license] = await licensesOf(db(), paidOrder.id);
    const stranger = as(noTerms.admin);
    for (const call of [
      () => getOrder(db(), { actor: stranger, orderId: order.id }),
      () => cancelOrder(db(), { actor: stranger, orderId: order.id }),
      () => getLicense(db(), { actor: stranger, licenseId: license!.id }),
      () => renewalDraft(db(), { actor: stranger, licenseId: license!.id }),
      () => createRenewalOrder(db(), { actor: stranger, licenseId: license!.id }),
      () => getOrder(db(), { actor: stranger, orderId: "not-a-uuid" }),
    ]) {
      expect(await rejection(call())).toBeInstanceOf(NotFoundError);
    }
    const theirs = await listOrders(db(), { actor: stranger });
    expect(theirs.rows.map((r) => r.id)).not.toContain(order.id);
    const theirLicenses = await listLicenses(db(), { actor: stranger });
    expect(theirLicenses.rows.map((r) => r.id)).not.toContain(license!.id);
    // The owner and the vendor see them.
    expect((await listLicenses(db(), { actor: as(onTerms.seller) })).rows.map((r) => r.id)).toContain(license!.id);
    expect((await getOrder(db(), { actor: as(vendorAdmin), orderId: order.id })).id).toBe(order.id);
  });

  it("searches the partner's orders by customer, domain or its own reference, never another partner's", async () => {
    const mine = await createOrder(db(), {
      actor: as(onTerms.seller),
      input: await orderInput(db(), { customerCompany: "Findable Freight B.V.", partnerReference: "PO-100%_X" }),
    });
    const ids = async (actor: ReturnType<typeof as>, q: string) =>
      (await listOrders(db(), { actor, query: { q } })).rows.map((r) => r.id);
    expect(await ids(as(onTerms.admin), "findable freight")).toEqual([mine.id]);
    expect(await ids(as(onTerms.admin), "PO-100%_")).toEqual([mine.id]);
    // LIKE wildcards are taken literally: as a pattern "100__X" would match "100%_X".
    expect(await ids(as(onTerms.admin), "100__X")).toEqual([]);
    const domain = String((await getOrder(db(), { actor: as(onTerms.admin), orderId: mine.id })).customerDomain);
    expect(await ids(as(onTerms.admin), domain)).toEqual([mine.id]);
    expect(await ids(as(noTerms.admin), "findable freight")).toEqual([]);
    expect(await ids(as(vendorAdmin), "findable freight")).toEqual([mine.id]);
  });

  it("searches the partner's licenses and exports them as CSV", async () => {
    const input = await orderInput(db(), { customerCompany: "Searchable Shipping GmbH" });
    const order = await createOrder(db(), { actor: as(onTerms.seller), input });
    await markOrderPaid(db(), { actor: as(vendorAdmin), orderId: order.id, input: { reference: "CSV" } });
    const found = await listLicenses(db(), { actor: as(onTerms.admin), query: { q: "searchable" } });
    expect(found.rows).toHaveLength(1);
    expect(found.total).toBe(1);
    const csv = licensesCsv(found.rows);
    expect(csv.split("\r\n")[0]).toContain("Customer,Domain,Country,SKU");
    expect(csv).toContain("Searchable Shipping GmbH");
    expect(csv).not.toContain("MRL1.");
  });
});
