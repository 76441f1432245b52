/**
 * The order and license pages over HTTP against the running portal and its
 * demo world (Stripe not configured, as in the embedded default): ordering by
 * invoice through the form with prices computed on the server (a tampered
 * price field is ignored), field errors and refused rules change nothing,
 * the protected-deal refusal, invoice mark-paid and cancel with their
 * confirmations' forms, isolation on every route (another partner's order or
 * license is 404, never listed, never in the CSV), who may open what, the
 * public verify page and the published signing key.
 */
import { createPublicKey } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { priceOrder } from "~/modules/licensing/pricing";
import { verifyLicenseKey } from "~/modules/licensing/license-key";
import { startAppServer, type AppServer } from "../../support/app-server";
import { unique } from "../../support/factories";
import { get, html, postForm, query, serverErrorLines, signIn } from "../../support/http-client";
import { checkoutEvent, postSignedWebhook, startStripeStub, type StripeStub } from "../../support/stripe-stub";

let server: AppServer;
const cookies: Record<string, string> = {};
const partnerIds: Record<string, string> = {};
const productIds: Record<string, string> = {};

const VENDOR_ADMIN = "admin@vendor.test";
const CHANNEL_MANAGER = "sales@vendor.test";
const POLDER_ADMIN = "owner@polder-relay.test";
const POLDER_USER = "daan.bakker@polder-relay.test";
const RHEIN_ADMIN = "owner@rheinmail.test";

const as = (email: string) => ({ cookie: cookies[email]! });

async function one<T extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T> {
  const [row] = await query<T>(server, text, params);
  if (!row) throw new Error(`no row for ${text}`);
  return row;
}

const countOrders = async () => Number((await one<{ n: string }>("select count(*)::text as n from license_orders")).n);

/** The order form's fields as a browser posts them. */
function orderForm(
  over: Record<string, string | string[]> = {},
  lines: { sku: string; seats: string }[] = [{ sku: "MSE-STD-12", seats: "100" }],
) {
  const slug = unique("kunde");
  const fields: Record<string, string | string[]> = {
    intent: "order",
    customerCompany: `Kunde ${slug} B.V.`,
    customerDomain: `${slug}.example.nl`,
    customerCountry: "NL",
    technicalContactName: "Jan Jansen",
    technicalContactEmail: `it@${slug}.example.nl`,
    partnerReference: "PO-4711",
    currency: "EUR",
    paymentMethod: "invoice",
  };
  lines.forEach((l, i) => {
    fields[`lines[${i}].productId`] = productIds[l.sku]!;
    fields[`lines[${i}].seats`] = l.seats;
  });
  return { ...fields, ...over };
}

/** Places an order through the form as `email`; returns its id (from the redirect). */
async function placeOrder(email: string, over: Record<string, string | string[]> = {}) {
  const form = orderForm(over);
  const res = await postForm(server, "/orders/new", form, as(email));
  expect(res.status, await res.clone().text()).toBe(302);
  const location = res.headers.get("location")!;
  const id = /^\/orders\/([0-9a-f-]{36})\?created=1$/.exec(location)?.[1];
  expect(id, location).toBeDefined();
  return { id: id!, form };
}

/** A vendor admin marks an invoice order paid through the order page's form; returns its licenses. */
async function markPaid(orderId: string) {
  const res = await postForm(
    server,
    `/orders/${orderId}`,
    { intent: "mark-paid", reference: "BANK-2026-0042" },
    as(VENDOR_ADMIN),
  );
  expect(res.status).toBe(200);
  return query<{ id: string; key: string }>(
    server,
    "select id, key from licenses where order_id = $1 order by created_at",
    [orderId],
  );
}

beforeAll(async () => {
  server = await startAppServer();
  for (const email of [VENDOR_ADMIN, CHANNEL_MANAGER, POLDER_ADMIN, POLDER_USER, RHEIN_ADMIN]) {
    cookies[email] = await signIn(server, email);
  }
  for (const slug of ["polder-relay", "rheinmail"]) {
    partnerIds[slug] = (await one<{ id: string }>("select id from partners where slug = $1", [slug])).id;
  }
  for (const sku of ["MSE-STD-12", "MSE-ADV-12"]) {
    productIds[sku] = (await one<{ id: string }>("select id from products where sku = $1", [sku])).id;
  }
  // Both are distributors on payment terms here (the vendor admin's toggle, set directly).
  await query(server, "update partners set invoice_terms_allowed = true where slug in ('polder-relay', 'rheinmail')");
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe("ordering through the form", () => {
  it("places one order per page load: the same form posted twice leads to the first order", async () => {
    const page = await html(await get(server, "/orders/new", as(POLDER_USER)));
    const submissionId =
      /name="submissionId"[^>]*value="([^"]+)"/.exec(page)?.[1] ??
      /value="([^"]+)"[^>]*name="submissionId"/.exec(page)?.[1];
    expect(submissionId).toBeDefined();
    const form = orderForm({ submissionId: submissionId! });
    const first = await postForm(server, "/orders/new", form, as(POLDER_USER));
    const second = await postForm(server, "/orders/new", form, as(POLDER_USER));
    expect(first.status).toBe(302);
    expect(second.status).toBe(302);
    expect(second.headers.get("location")).toBe(first.headers.get("location"));
    const { n } = await one<{ n: string }>("select count(*) as n from license_orders where customer_domain = $1", [
      form.customerDomain,
    ]);
    expect(Number(n)).toBe(1);
  });

  it("prices on the server from the catalog and the tier: tampered price fields are ignored", async () => {
    const page = await html(await get(server, "/orders/new", as(POLDER_USER)));
    expect(page).toContain("Order licenses");
    expect(page).toContain("Card payment is unavailable");

    const { id, form } = await placeOrder(POLDER_USER, {
      // What a tampering browser might add: none of it is a field of the order.
      "lines[0].unitAmountMinor": "1",
      "lines[0].price": "0.01",
      totalMinor: "1",
      discountPercent: "99",
    });
    const order = await one<{
      total_minor: string;
      subtotal_minor: string;
      discount_percent: number;
      status: string;
      partner_id: string;
    }>("select total_minor, subtotal_minor, discount_percent, status, partner_id from license_orders where id = $1", [
      id,
    ]);
    const { unit } = await one<{ unit: string }>(
      "select unit_amount_minor as unit from product_prices where product_id = $1 and currency = 'EUR'",
      [productIds["MSE-STD-12"]],
    );
    // Gold's discount in the tier rules in force (the one source of tier discounts).
    const { percent } = await one<{ percent: number }>(
      "select (t->'benefits'->>'discountPercent')::int as percent from (select rules from tier_rules where effective_at <= now() order by effective_at desc, version desc limit 1) r, jsonb_array_elements(r.rules->'tiers') t where t->>'key' = 'gold'",
    );
    const expected = priceOrder([{ unitAmountMinor: Number(unit), seats: 100 }], percent);
    expect(order.partner_id).toBe(partnerIds["polder-relay"]);
    expect(order.status).toBe("awaiting_payment");
    expect(order.discount_percent).toBe(percent);
    expect(Number(order.subtotal_minor)).toBe(expected.subtotalMinor);
    expect(Number(order.total_minor)).toBe(expected.totalMinor);
    expect(expected.totalMinor).toBeGreaterThan(1);

    const detail = await html(await get(server, `/orders/${id}?created=1`, as(POLDER_USER)));
    expect(detail).toContain(form.customerCompany as string);
    expect(detail).toContain("Order placed");
    expect(detail).toContain(`Discount (${percent} %)`);
    expect(detail).toContain(
      new Intl.NumberFormat("en-US", { style: "currency", currency: "EUR" }).format(expected.totalMinor / 100),
    );
  });

  it("shows a server-computed price summary without storing anything", async () => {
    const before = await countOrders();
    const res = await postForm(
      server,
      "/orders/new",
      orderForm({ intent: "quote", "lines[0].unitAmountMinor": "1" }),
      as(POLDER_ADMIN),
    );
    expect(res.status).toBe(200);
    const page = await html(res);
    expect(page).toContain("Price summary");
    const { unit } = await one<{ unit: string }>(
      "select unit_amount_minor as unit from product_prices where product_id = $1 and currency = 'EUR'",
      [productIds["MSE-STD-12"]],
    );
    expect(page).toContain(
      new Intl.NumberFormat("en-US", { style: "currency", currency: "EUR" }).format(Number(unit) / 100),
    );
    expect(await countOrders()).toBe(before);
  });

  it("answers field errors at their fields and changes nothing", async () => {
    const before = await countOrders();
    const res = await postForm(
      server,
      "/orders/new",
      orderForm({ technicalContactEmail: "not-an-email", customerCountry: "XX", "lines[0].seats": "0" }),
      as(POLDER_USER),
    );
    expect(res.status).toBe(400);
    const page = await html(res);
    expect(page).toContain("Enter at least 1.");
    expect(page).toContain("Choose the customer&#x27;s country");
    expect(page).toMatch(/aria-invalid="true"/);

    // The same product twice, and a product id that is not in the catalog.
    const dup = orderForm({}, [
      { sku: "MSE-STD-12", seats: "10" },
      { sku: "MSE-STD-12", seats: "20" },
    ]);
    const dupRes = await postForm(server, "/orders/new", dup, as(POLDER_USER));
    expect(dupRes.status).toBe(400);
    expect(await html(dupRes)).toContain("This product is already listed");
    const unknown = await postForm(
      server,
      "/orders/new",
      orderForm({ "lines[0].productId": crypto.randomUUID() }),
      as(POLDER_USER),
    );
    expect(unknown.status).toBe(400);
    expect(await html(unknown)).toContain("This product is not sold any more");

    // Card without Stripe: refused at the payment method, with the reason.
    const card = await postForm(server, "/orders/new", orderForm({ paymentMethod: "card" }), as(POLDER_USER));
    expect(card.status).toBe(422);
    expect(await html(card)).toContain("Card payment is not available");
    expect(await countOrders()).toBe(before);
  });

  it("refuses a customer protected by another partner's approved registration, without naming it", async () => {
    const domain = `${unique("geschuetzt")}.example.de`;
    await query(
      server,
      `insert into deals (partner_id, customer_name, customer_name_normalized, customer_domain, country, contact_name,
         contact_email, value_minor, currency, expected_close_date, stage, status, protected_until)
       values ($1, 'Geschützt GmbH', 'geschuetzt', $2, 'DE', 'Erika', $3, 100000, 'EUR', '2031-01-01', 'commit',
         'approved', now() + interval '60 days')`,
      [partnerIds.rheinmail, domain, `erika@${domain}`],
    );
    const before = await countOrders();
    const res = await postForm(server, "/orders/new", orderForm({ customerDomain: domain }), as(POLDER_USER));
    expect(res.status).toBe(422);
    const page = await html(res);
    expect(page).toContain("This customer is protected by another partner");
    expect(page).not.toContain("Rheinmail");
    expect(await countOrders()).toBe(before);
  });

  it("pre-fills a renewal from the partner's own license; another partner's license is 404", async () => {
    const { id, form } = await placeOrder(POLDER_ADMIN);
    const [license] = await markPaid(id);
    const page = await html(await get(server, `/orders/new?renew=${license!.id}`, as(POLDER_USER)));
    expect(page).toContain("Renew a license");
    expect(page).toContain(form.customerDomain as string);
    expect((await get(server, `/orders/new?renew=${license!.id}`, as(RHEIN_ADMIN))).status).toBe(404);
  });
});

describe("invoice payment and cancellation", () => {
  it("a vendor admin marks an invoice order paid: licenses with keys, shown to the partner", async () => {
    const { id } = await placeOrder(POLDER_USER);
    // A missing reference is a field error and pays nothing.
    const empty = await postForm(server, `/orders/${id}`, { intent: "mark-paid", reference: " " }, as(VENDOR_ADMIN));
    expect(empty.status).toBe(400);
    expect((await one<{ status: string }>("select status from license_orders where id = $1", [id])).status).toBe(
      "awaiting_payment",
    );
    // A partner cannot mark its own order paid.
    const self = await postForm(server, `/orders/${id}`, { intent: "mark-paid", reference: "X" }, as(POLDER_ADMIN));
    expect(self.status).toBe(403);

    const licenses = await markPaid(id);
    expect(licenses).toHaveLength(1);
    expect((await one<{ status: string }>("select status from license_orders where id = $1", [id])).status).toBe(
      "fulfilled",
    );
    const detail = await html(await get(server, `/orders/${id}`, as(POLDER_USER)));
    expect(detail).toContain(licenses[0]!.key);
    expect(detail).toContain("Paid and fulfilled");
    expect(detail).toContain("BANK-2026-0042");
    const licensePage = await html(await get(server, `/licenses/${licenses[0]!.id}`, as(POLDER_USER)));
    expect(licensePage).toContain(licenses[0]!.key);
    expect(licensePage).toContain(`/orders/new?renew=${licenses[0]!.id}`);
    // Paid twice: the second is refused and nothing is issued again.
    const again = await postForm(
      server,
      `/orders/${id}`,
      { intent: "mark-paid", reference: "BANK-2" },
      as(VENDOR_ADMIN),
    );
    expect(again.status).toBe(409);
    expect(await query(server, "select id from licenses where order_id = $1", [id])).toHaveLength(1);
  });

  it("the partner cancels its unpaid order; a paid one cannot be cancelled", async () => {
    const { id } = await placeOrder(POLDER_USER);
    const res = await postForm(
      server,
      `/orders/${id}`,
      { intent: "cancel", reason: "Customer chose another edition" },
      as(POLDER_USER),
    );
    expect(res.status).toBe(200);
    expect(await html(res)).toContain("Order cancelled.");
    expect((await one<{ status: string }>("select status from license_orders where id = $1", [id])).status).toBe(
      "cancelled",
    );

    const paid = await placeOrder(POLDER_USER);
    await markPaid(paid.id);
    const refused = await postForm(server, `/orders/${paid.id}`, { intent: "cancel" }, as(POLDER_USER));
    expect(refused.status).toBe(422);
    expect((await one<{ status: string }>("select status from license_orders where id = $1", [paid.id])).status).toBe(
      "fulfilled",
    );
  });

  it("pay by card without Stripe is refused (not configured) and changes nothing", async () => {
    const { id } = await placeOrder(POLDER_USER);
    const page = await html(await get(server, `/orders/${id}`, as(POLDER_USER)));
    expect(page).not.toContain("Pay by card");
    const res = await postForm(server, `/orders/${id}`, { intent: "pay" }, as(POLDER_USER));
    expect(res.status).toBe(503);
    expect(await html(res)).toContain("not configured");
    expect((await one<{ status: string }>("select status from license_orders where id = $1", [id])).status).toBe(
      "awaiting_payment",
    );
  });

  it("a vendor admin revokes a license with a reason; the resend is the partner's", async () => {
    const { id } = await placeOrder(POLDER_USER);
    const [license] = await markPaid(id);
    const noReason = await postForm(
      server,
      `/licenses/${license!.id}`,
      { intent: "revoke", reason: "" },
      as(VENDOR_ADMIN),
    );
    expect(noReason.status).toBe(400);
    const byPartner = await postForm(
      server,
      `/licenses/${license!.id}`,
      { intent: "revoke", reason: "Refunded" },
      as(POLDER_ADMIN),
    );
    expect(byPartner.status).toBe(403);
    expect((await one<{ status: string }>("select status from licenses where id = $1", [license!.id])).status).toBe(
      "active",
    );

    const resent = await postForm(
      server,
      `/licenses/${license!.id}`,
      { intent: "resend", to: "customer" },
      as(POLDER_USER),
    );
    expect(resent.status).toBe(200);
    expect(await html(resent)).toContain("The key is on its way by mail.");

    const revoked = await postForm(
      server,
      `/licenses/${license!.id}`,
      { intent: "revoke", reason: "Chargeback on the invoice" },
      as(VENDOR_ADMIN),
    );
    expect(revoked.status).toBe(200);
    expect((await one<{ status: string }>("select status from licenses where id = $1", [license!.id])).status).toBe(
      "revoked",
    );
    const page = await html(await get(server, `/licenses/${license!.id}`, as(POLDER_USER)));
    expect(page).toContain("Chargeback on the invoice");
  });
});

describe("isolation and access", () => {
  it("another partner's order and license are 404 on every route, never listed, never exported", async () => {
    const rhein = await placeOrder(RHEIN_ADMIN, { customerCompany: "Rheinkunde Geheim AG" });
    const [rheinLicense] = await markPaid(rhein.id);
    const openRhein = await placeOrder(RHEIN_ADMIN, { customerCompany: "Rheinkunde Offen AG" });
    const before = await query(server, "select id, status from license_orders where partner_id = $1 order by id", [
      partnerIds.rheinmail,
    ]);

    for (const email of [POLDER_ADMIN, POLDER_USER]) {
      for (const orderId of [rhein.id, openRhein.id]) {
        expect((await get(server, `/orders/${orderId}`, as(email))).status).toBe(404);
        for (const intent of ["cancel"]) {
          expect(
            (await postForm(server, `/orders/${orderId}`, { intent, reason: "x" }, as(email))).status,
            intent,
          ).toBe(404);
        }
      }
      expect((await get(server, `/licenses/${rheinLicense!.id}`, as(email))).status).toBe(404);
      expect(
        (await postForm(server, `/licenses/${rheinLicense!.id}`, { intent: "resend", to: "both" }, as(email))).status,
      ).toBe(404);
      expect((await get(server, `/orders/new?renew=${rheinLicense!.id}`, as(email))).status).toBe(404);
      expect((await get(server, `/orders/${crypto.randomUUID()}`, as(email))).status).toBe(404);
      expect((await get(server, "/orders/not-an-id", as(email))).status).toBe(404);
      expect((await get(server, "/licenses/not-an-id", as(email))).status).toBe(404);

      const orders = await html(await get(server, "/orders", as(email)));
      const searched = await html(await get(server, "/orders?q=Rheinkunde", as(email)));
      expect(searched).toContain("No orders match");
      const licenses = await html(await get(server, "/licenses?q=Rheinkunde", as(email)));
      const allLicenses = await html(await get(server, "/licenses", as(email)));
      const csv = await (await get(server, "/licenses/export.csv", as(email))).text();
      // Asking for another partner's rows by the vendor's filter changes nothing for a partner.
      const rheinId = partnerIds.rheinmail!;
      const asked = [
        await html(await get(server, `/orders?partner=${rheinId}`, as(email))),
        await html(await get(server, `/licenses?partner=${rheinId}`, as(email))),
        await (await get(server, `/licenses/export.csv?partner=${rheinId}`, as(email))).text(),
      ];
      for (const text of [orders, searched, licenses, allLicenses, csv, ...asked]) {
        expect(text).not.toContain("Rheinkunde Geheim");
        expect(text).not.toContain("Rheinkunde Offen");
        expect(text).not.toContain(rhein.id);
        expect(text).not.toContain(rheinLicense!.id);
      }
      expect(csv).toContain("Customer,Domain");
    }
    // Nothing of Rheinmail's changed.
    expect(
      await query(server, "select id, status from license_orders where partner_id = $1 order by id", [
        partnerIds.rheinmail,
      ]),
    ).toEqual(before);

    // Its own people see it; the vendor admin sees it with the partner named.
    expect(await html(await get(server, "/orders", as(RHEIN_ADMIN)))).toContain("Rheinkunde Geheim AG");
    expect(await html(await get(server, "/orders?q=rheinkunde+geheim", as(RHEIN_ADMIN)))).toContain(
      "Rheinkunde Geheim AG",
    );
    const vendorList = await html(await get(server, `/orders?partner=${partnerIds.rheinmail}`, as(VENDOR_ADMIN)));
    expect(vendorList).toContain("Rheinkunde Geheim AG");
    expect(vendorList).toContain("Rheinmail");
    expect(vendorList).not.toContain("Polder Relay</td>");
    const vendorCsv = await (await get(server, "/licenses/export.csv", as(VENDOR_ADMIN))).text();
    expect(vendorCsv).toContain("Partner,Customer");
    expect(vendorCsv).toContain("Rheinkunde Geheim AG");
    const rheinCsv = await (
      await get(server, `/licenses/export.csv?partner=${partnerIds.rheinmail}`, as(VENDOR_ADMIN))
    ).text();
    const rows = rheinCsv.trim().split("\r\n").slice(1);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.startsWith("Rheinmail,")).toBe(true);
    expect(await html(await get(server, `/licenses/${rheinLicense!.id}`, as(VENDOR_ADMIN)))).toContain("Revoke");
  });

  it("partner users and admins order; vendor admins see all; channel managers and visitors do not get in", async () => {
    for (const email of [POLDER_ADMIN, POLDER_USER]) {
      for (const path of ["/orders", "/orders/new", "/licenses", "/licenses/export.csv"]) {
        expect((await get(server, path, as(email))).status, `${email} ${path}`).toBe(200);
      }
    }
    for (const path of ["/orders", "/licenses", "/licenses/export.csv"]) {
      expect((await get(server, path, as(VENDOR_ADMIN))).status, path).toBe(200);
      expect((await get(server, path, as(CHANNEL_MANAGER))).status, path).toBe(403);
    }
    // The vendor does not order for partners.
    expect((await get(server, "/orders/new", as(VENDOR_ADMIN))).status).toBe(403);
    const before = await countOrders();
    expect((await postForm(server, "/orders/new", orderForm(), as(VENDOR_ADMIN))).status).toBe(403);
    expect(await countOrders()).toBe(before);

    for (const path of ["/orders", "/orders/new", "/licenses", `/orders/${crypto.randomUUID()}`]) {
      const res = await get(server, path);
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toMatch(/^\/login/);
    }
    // The navigation offers Orders to those who may open it.
    expect(await html(await get(server, "/", as(POLDER_USER)))).toContain('href="/orders"');
    expect(await html(await get(server, "/", as(CHANNEL_MANAGER)))).not.toContain('href="/orders"');
  });
});

describe("card payment with Stripe configured (the stub)", () => {
  let stripe: StripeStub;
  let card: AppServer;
  const cardCookies: Record<string, string> = {};
  const on = (email: string) => ({ cookie: cardCookies[email]! });

  beforeAll(async () => {
    stripe = await startStripeStub();
    card = await startAppServer({ stripe: stripe.env() });
    for (const email of [POLDER_USER, RHEIN_ADMIN, VENDOR_ADMIN]) cardCookies[email] = await signIn(card, email);
    await query(card, "update partners set invoice_terms_allowed = true where slug = 'polder-relay'");
  }, 120_000);
  afterAll(async () => {
    await card?.stop();
    await stripe?.stop();
  });

  async function cardOrder() {
    const res = await postForm(card, "/orders/new", orderForm({ paymentMethod: "card" }), on(POLDER_USER));
    expect(res.status, await res.clone().text()).toBe(302);
    return /^\/orders\/([0-9a-f-]{36})/.exec(res.headers.get("location")!)![1]!;
  }
  const statusIn = async (id: string) =>
    (await query<{ status: string }>(card, "select status from license_orders where id = $1", [id]))[0]!.status;

  it("pay by card goes to Checkout; the return shows processing until the webhook fulfilled the order, then the keys", async () => {
    expect(await html(await get(card, "/orders/new", on(POLDER_USER)))).not.toContain("Card payment is unavailable");
    const id = await cardOrder();
    expect(await html(await get(card, `/orders/${id}`, on(POLDER_USER)))).toContain("Pay by card");

    // Another partner cannot start (or see) the payment of this order.
    expect((await postForm(card, `/orders/${id}`, { intent: "pay" }, on(RHEIN_ADMIN))).status).toBe(404);
    expect((await get(card, `/orders/${id}?checkout=success`, on(RHEIN_ADMIN))).status).toBe(404);
    expect(stripe.sessions).toHaveLength(0);

    const pay = await postForm(card, `/orders/${id}`, { intent: "pay" }, on(POLDER_USER));
    expect(pay.status).toBe(302);
    expect(stripe.sessions).toHaveLength(1);
    const session = stripe.sessions[0]!;
    expect(pay.headers.get("location")).toBe(session.url);
    expect(session.metadata.order_id).toBe(id);
    const { total_minor } = (
      await query<{ total_minor: string }>(card, "select total_minor from license_orders where id = $1", [id])
    )[0]!;
    expect(session.amount_total).toBe(Number(total_minor));
    expect(session.success_url).toBe(`${card.url}/orders/${id}?checkout=success`);

    // Back from Checkout before the webhook: processing, no keys, the page looks again by itself.
    const waiting = await html(await get(card, `/orders/${id}?checkout=success`, on(POLDER_USER)));
    expect(waiting).toContain("Payment processing…");
    expect(waiting).toMatch(/<meta http-equiv="refresh" content="\d+"/);
    expect(waiting).not.toContain("MRL1.");
    expect(await statusIn(id)).toBe("awaiting_payment");

    const hook = await postSignedWebhook(card.url, checkoutEvent(session, "completed"), stripe.webhookSecret);
    expect(hook.status).toBe(200);
    expect(await statusIn(id)).toBe("fulfilled");
    const done = await html(await get(card, `/orders/${id}?checkout=success`, on(POLDER_USER)));
    expect(done).not.toContain("Payment processing…");
    expect(done).not.toContain('http-equiv="refresh"');
    expect(done).toContain("Payment received");
    const { key } = (await query<{ key: string }>(card, "select key from licenses where order_id = $1", [id]))[0]!;
    expect(done).toContain(key);
  });

  it("a cancelled checkout says so and leaves the order open", async () => {
    const id = await cardOrder();
    await postForm(card, `/orders/${id}`, { intent: "pay" }, on(POLDER_USER));
    const page = await html(await get(card, `/orders/${id}?checkout=cancelled`, on(POLDER_USER)));
    expect(page).toContain("Payment was cancelled");
    expect(page).toContain("Pay by card");
    expect(await statusIn(id)).toBe("awaiting_payment");
  });

  it("a vendor admin bills an invoice order through a Stripe invoice (once); the partner cannot", async () => {
    const res = await postForm(card, "/orders/new", orderForm({ paymentMethod: "invoice" }), on(POLDER_USER));
    const id = /^\/orders\/([0-9a-f-]{36})/.exec(res.headers.get("location")!)![1]!;
    expect((await postForm(card, `/orders/${id}`, { intent: "stripe-invoice" }, on(POLDER_USER))).status).toBe(403);
    expect(await html(await get(card, `/orders/${id}`, on(VENDOR_ADMIN)))).toContain("Bill through Stripe");
    const billed = await postForm(card, `/orders/${id}`, { intent: "stripe-invoice" }, on(VENDOR_ADMIN));
    expect(billed.status).toBe(200);
    expect(await html(billed)).toContain("Invoice sent through Stripe");
    const invoices = stripe.invoices.filter((i) => i.metadata.order_id === id);
    expect(invoices).toHaveLength(1);
    expect(await html(await get(card, `/orders/${id}`, on(VENDOR_ADMIN)))).not.toContain("Bill through Stripe");
    expect(await statusIn(id)).toBe("awaiting_payment");
  });

  it("left nothing in that server's error log", () => {
    expect(serverErrorLines(card)).toEqual([]);
  });
});

describe("public key verification", () => {
  it("serves the public key as text and accepts the portal's keys with it", async () => {
    const res = await get(server, "/.well-known/license-signing-key");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const pem = await res.text();
    expect(pem).toContain("-----BEGIN PUBLIC KEY-----");
    const { id } = await placeOrder(POLDER_USER);
    const [license] = await markPaid(id);
    expect(verifyLicenseKey(license!.key, createPublicKey(pem), new Date()).valid).toBe(true);
  });

  it("says a real key is valid with its facts, and why a tampered or damaged one is not", async () => {
    const { id, form } = await placeOrder(POLDER_USER);
    const [license] = await markPaid(id);
    const key = license!.key;

    const page = await html(await get(server, "/verify-license"));
    expect(page).toContain("Verify a license key");
    expect(page).toContain("whether a license was revoked needs the online check");

    const ok = await postForm(server, "/verify-license", { key: `  ${key}\n` }, { origin: server.url });
    expect(ok.status).toBe(200);
    const okPage = await html(ok);
    expect(okPage).toContain("Valid.");
    expect(okPage).toContain(form.customerCompany as string);
    expect(okPage).toContain("100 mailboxes");
    expect(okPage).toContain("Not revoked (portal records).");

    // One character of the payload changed: the signature no longer matches.
    const [prefix, body, sig] = key.split(".") as [string, string, string];
    const i = Math.floor(body.length / 2);
    const tampered = `${prefix}.${body.slice(0, i)}${body[i] === "A" ? "B" : "A"}${body.slice(i + 1)}.${sig}`;
    const bad = await html(await postForm(server, "/verify-license", { key: tampered }));
    expect(bad).toContain("Not valid.");
    expect(bad).toContain("The signature does not match");
    expect(bad).not.toContain(form.customerCompany as string);

    const damaged = await html(await postForm(server, "/verify-license", { key: "hello world" }));
    expect(damaged).toContain("This is not a license key");

    const empty = await postForm(server, "/verify-license", { key: "" });
    expect(empty.status).toBe(400);
    expect(await html(empty)).toContain("Paste a license key.");

    // Revoked in the portal: the signature still holds offline, the page says revoked.
    await postForm(
      server,
      `/licenses/${license!.id}`,
      { intent: "revoke", reason: "Test revocation" },
      as(VENDOR_ADMIN),
    );
    const revoked = await html(await postForm(server, "/verify-license", { key }));
    expect(revoked).toContain("Revoked.");
    expect(revoked).toMatch(/Revoked \d{4}-\d{2}-\d{2}/);
  });

  it("left nothing in the server's error log", () => {
    expect(serverErrorLines(server)).toEqual([]);
  });
});
