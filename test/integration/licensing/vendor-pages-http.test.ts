/**
 * The vendor's licensing pages over HTTP against the running portal and its
 * demo world: the catalog (prices per currency with JPY in whole yen, retire,
 * the tier discounts in force, read-only; invoice terms), exchange rates and the revenue page with
 * its CSV. Bad input is a field error and changes nothing; partners and
 * channel managers are refused; each change leaves an audit row. Orders are
 * placed and paid through the domain functions, as the partner pages would.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DbHandle } from "~db/client";
import { formatAmount } from "~/modules/deals/lifecycle-schemas";
import { toBaseMinor } from "~/modules/licensing/currency";
import { createOrder, markOrderPaid } from "~/modules/licensing/orders.server";
import { deleteExchangeRate } from "~/modules/licensing/rates.server";
import { orderRef } from "~/modules/licensing/schemas";
import { ValidationError } from "~/utils/errors.server";
import { startAppServer, type AppServer } from "../../support/app-server";
import { actorFor, rejection, unique } from "../../support/factories";
import { get, html, postForm, query, serverErrorLines, signIn } from "../../support/http-client";
import { licensingPartner, licensingTestEnv, orderInput, productIdOf } from "../../support/licensing-factories";

licensingTestEnv();

let server: AppServer;
let handle: DbHandle;
const cookies: Record<string, string> = {};

const VENDOR_ADMIN = "admin@vendor.test";
const CHANNEL_MANAGER = "sales@vendor.test";
const PARTNER_ADMIN = "owner@polder-relay.test";
const PARTNER_USER = "daan.bakker@polder-relay.test";
const as = (email: string) => ({ cookie: cookies[email]! });
const today = () => new Date().toISOString().slice(0, 10);

async function one<T extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T> {
  const [row] = await query<T>(server, text, params);
  if (!row) throw new Error(`no row for ${text}`);
  return row;
}

const pricesOf = async (productId: string) =>
  Object.fromEntries(
    (
      await query<{ currency: string; amount: string }>(
        server,
        "select currency, unit_amount_minor::text as amount from product_prices where product_id = $1",
        [productId],
      )
    ).map((r) => [r.currency, Number(r.amount)]),
  );
const auditCount = async (action: string, subjectId?: string) =>
  (
    await one<{ n: number }>(
      `select count(*)::int as n from audit_events where action = $1 ${subjectId ? "and subject_id = $2" : ""}`,
      subjectId ? [action, subjectId] : [action],
    )
  ).n;

async function vendorAdminActor() {
  const user = await one<{ id: string; email: string; role: "vendor_admin"; partner_id: null }>(
    "select id, email, role, partner_id from users where email = $1",
    [VENDOR_ADMIN],
  );
  return actorFor({ id: user.id, email: user.email, role: user.role, partnerId: null });
}

beforeAll(async () => {
  server = await startAppServer();
  handle = await openDatabase({ url: server.databaseUrl, poolSize: 2 });
  for (const email of [VENDOR_ADMIN, CHANNEL_MANAGER, PARTNER_ADMIN, PARTNER_USER]) {
    cookies[email] = await signIn(server, email);
  }
}, 120_000);

afterAll(async () => {
  await handle?.close();
  const errors = server ? serverErrorLines(server) : [];
  await server?.stop();
  expect(errors, "the server wrote to stderr").toEqual([]);
});

describe("access", () => {
  it("partners and channel managers are refused on every vendor licensing page and action", async () => {
    const productId = await productIdOf(handle.db, "MSE-STD-12");
    const before = await pricesOf(productId);
    for (const email of [PARTNER_ADMIN, PARTNER_USER, CHANNEL_MANAGER]) {
      for (const path of [
        "/catalog",
        `/catalog/${productId}`,
        "/catalog/rates",
        "/licenses/revenue",
        "/licenses/revenue.csv",
      ]) {
        const res = await get(server, path, as(email));
        expect([403, 404], `${email} GET ${path}`).toContain(res.status);
      }
      const posts: [string, Record<string, string>][] = [
        ["/catalog", { intent: "retire", id: productId }],
        [`/catalog/${productId}`, { intent: "prices", USD: "1.00", EUR: "1.00", JPY: "1", AUD: "1.00" }],
        ["/catalog/rates", { intent: "add-rate", currency: "EUR", rateToBase: "9", effectiveDate: today() }],
      ];
      for (const [path, fields] of posts) {
        const res = await postForm(server, path, fields, as(email));
        expect([403, 404], `${email} POST ${path} ${fields.intent}`).toContain(res.status);
      }
    }
    expect(await pricesOf(productId)).toEqual(before);
    expect((await one<{ n: number }>("select count(*)::int as n from exchange_rates where rate_to_base = 9")).n).toBe(
      0,
    );
    expect((await one<{ active: boolean }>("select active from products where id = $1", [productId])).active).toBe(
      true,
    );
  });

  it("the catalog is in the vendor admin's navigation only", async () => {
    expect(await html(await get(server, "/", as(VENDOR_ADMIN)))).toContain('href="/catalog"');
    for (const email of [CHANNEL_MANAGER, PARTNER_ADMIN]) {
      expect(await html(await get(server, "/", as(email)))).not.toContain('href="/catalog"');
    }
  });
});

describe("catalog", () => {
  it("lists the products with prices formatted per currency", async () => {
    const res = await get(server, "/catalog", as(VENDOR_ADMIN));
    expect(res.status).toBe(200);
    const text = await html(res);
    for (const s of ["MSE-STD-12", "SRL-PERP", "$24.00", "€22.00", "¥3,300", "A$36.00", "Perpetual"]) {
      expect(text).toContain(s);
    }
  });

  it("prices: a decimal yen amount is a field error and nothing changes; a valid set is saved with an audit row", async () => {
    const productId = await productIdOf(handle.db, "MSE-ADV-36");
    const before = await pricesOf(productId);
    const audits = await auditCount("product.prices_set", productId);

    const bad = await postForm(
      server,
      `/catalog/${productId}`,
      { intent: "prices", USD: "99.00", EUR: "88.00", JPY: "13500.5", AUD: "144.00" },
      as(VENDOR_ADMIN),
    );
    expect(bad.status).toBe(400);
    const badText = await html(bad);
    expect(badText).toContain("JPY has no minor unit: enter a whole amount");
    expect(await pricesOf(productId)).toEqual(before);

    const tooMany = await postForm(
      server,
      `/catalog/${productId}`,
      { intent: "prices", USD: "99.001", EUR: "88.00", JPY: "13500", AUD: "144.00" },
      as(VENDOR_ADMIN),
    );
    expect(tooMany.status).toBe(400);
    expect(await html(tooMany)).toContain("Use at most 2 decimals.");
    expect(await pricesOf(productId)).toEqual(before);

    const ok = await postForm(
      server,
      `/catalog/${productId}`,
      { intent: "prices", USD: "99.50", EUR: "88.00", JPY: "14000", AUD: "144.25" },
      as(VENDOR_ADMIN),
    );
    expect(ok.status).toBe(200);
    expect(await pricesOf(productId)).toEqual({ USD: 9950, EUR: 8800, JPY: 14000, AUD: 14425 });
    expect(await auditCount("product.prices_set", productId)).toBe(audits + 1);
    const page = await html(await get(server, `/catalog/${productId}`, as(VENDOR_ADMIN)));
    expect(page).toContain("¥14,000");
    expect(page).toContain("$99.50");
  });

  it("a product added on the page, then retired after a confirmation, can no longer be ordered", async () => {
    const sku = `TST-${unique("p")
      .replace(/[^a-z0-9]/gi, "")
      .slice(-8)
      .toUpperCase()}`;
    const badCreate = await postForm(
      server,
      "/catalog",
      {
        intent: "create-product",
        sku: "x",
        name: "Relay Shield",
        edition: "Standard",
        termMonths: "12",
        seatUnit: "mailbox",
      },
      as(VENDOR_ADMIN),
    );
    expect(badCreate.status).toBe(400);
    expect(await html(badCreate)).toContain("Use 2–40 letters, digits and dashes");

    const created = await postForm(
      server,
      "/catalog",
      {
        intent: "create-product",
        sku,
        name: "Relay Shield",
        edition: "Standard",
        termMonths: "12",
        seatUnit: "mailbox",
      },
      as(VENDOR_ADMIN),
    );
    expect(created.status).toBe(200);
    const productId = await productIdOf(handle.db, sku);
    const priced = await postForm(
      server,
      `/catalog/${productId}`,
      { intent: "prices", USD: "10.00", EUR: "9.00", JPY: "1500", AUD: "15.00" },
      as(VENDOR_ADMIN),
    );
    expect(priced.status).toBe(200);

    const partner = await licensingPartner(handle.db, { tier: "gold", invoiceTerms: true });
    const order = await createOrder(handle.db, {
      actor: actorFor(partner.seller),
      input: await orderInput(handle.db, { lines: [{ sku, seats: 5 }] }),
    });
    expect(order.totalMinor).toBe(5 * Math.floor((900 * 70 + 50) / 100));

    // The confirmation is a dialog on the page; its form posts intent=retire.
    const catalog = await html(await get(server, "/catalog", as(VENDOR_ADMIN)));
    expect(catalog).toContain(`Retire ${sku} (Relay Shield)?`);
    const retired = await postForm(server, "/catalog", { intent: "retire", id: productId }, as(VENDOR_ADMIN));
    expect(retired.status).toBe(200);
    expect((await one<{ active: boolean }>("select active from products where id = $1", [productId])).active).toBe(
      false,
    );
    expect(await auditCount("product.retired", productId)).toBe(1);

    const refused = await rejection(
      createOrder(handle.db, {
        actor: actorFor(partner.seller),
        input: await orderInput(handle.db, { lines: [{ sku, seats: 5 }] }),
      }),
    );
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).fields?.["lines[0].productId"]?.[0]).toMatch(/not sold any more/);

    const again = await postForm(server, `/catalog/${productId}`, { intent: "activate" }, as(VENDOR_ADMIN));
    expect(again.status).toBe(200);
    expect((await one<{ active: boolean }>("select active from products where id = $1", [productId])).active).toBe(
      true,
    );
  });

  it("tier discounts: the catalog shows those of the tier rules in force, read-only, with a link to /tiers", async () => {
    const inForce = await one<{
      version: number;
      rules: { tiers: { key: string; benefits: { discountPercent: number } }[] };
    }>(
      "select version, rules from tier_rules where effective_at <= now() order by effective_at desc, version desc limit 1",
    );
    const page = (await html(await get(server, "/catalog", as(VENDOR_ADMIN)))).replace(/<!-- -->/g, "");
    const at = page.indexOf("data-tier-discounts");
    expect(at).toBeGreaterThan(0);
    const line = page
      .slice(at, page.indexOf("</p>", at))
      .replace(/<[^>]*>/g, (tag) => (tag.startsWith("<a ") ? tag : ""));
    expect(line).toContain(`tier rules version ${inForce.version}`);
    for (const [tier, label] of [
      ["registered", "Registered"],
      ["silver", "Silver"],
      ["gold", "Gold"],
    ] as const) {
      const benefits = inForce.rules.tiers.find((t) => t.key === tier)!.benefits;
      expect(line).toContain(`${label} ${benefits.discountPercent} %`);
    }
    expect(line).toContain('href="/tiers"');
    expect(page).not.toContain('value="discounts"');

    // The old discount form's intent is gone: refused, and the rules stay as they were.
    const versions = await one<{ n: number }>("select count(*)::int as n from tier_rules");
    const res = await postForm(
      server,
      "/catalog",
      { intent: "discounts", registered: "12", silver: "22", gold: "33" },
      as(VENDOR_ADMIN),
    );
    expect(res.status).toBe(400);
    expect(await one<{ n: number }>("select count(*)::int as n from tier_rules")).toEqual(versions);
  });

  it("invoice terms: allowed and withdrawn for a partner, each with an audit row", async () => {
    const { partner } = await licensingPartner(handle.db, { invoiceTerms: false });
    const terms = async () =>
      (await one<{ t: boolean }>("select invoice_terms_allowed as t from partners where id = $1", [partner.id])).t;

    const bad = await postForm(
      server,
      "/catalog",
      { intent: "terms", partnerId: "nope", allowed: "yes" },
      as(VENDOR_ADMIN),
    );
    expect(bad.status).toBe(400);
    expect(await html(bad)).toContain("Choose a partner from the list.");

    const allow = await postForm(
      server,
      "/catalog",
      { intent: "terms", partnerId: partner.id, allowed: "yes" },
      as(VENDOR_ADMIN),
    );
    expect(allow.status).toBe(200);
    expect(await terms()).toBe(true);
    expect(await html(await get(server, "/catalog", as(VENDOR_ADMIN)))).toContain(`data-terms-partner="${partner.id}"`);

    const withdraw = await postForm(
      server,
      "/catalog",
      { intent: "terms", partnerId: partner.id, allowed: "no" },
      as(VENDOR_ADMIN),
    );
    expect(withdraw.status).toBe(200);
    expect(await terms()).toBe(false);
    expect(await auditCount("partner.invoice_terms_changed", partner.id)).toBe(2);
  });
});

describe("exchange rates and revenue", () => {
  it("a bad rate is a field error and nothing is added; a rate is added with an audit row", async () => {
    const count = async () => (await one<{ n: number }>("select count(*)::int as n from exchange_rates")).n;
    const before = await count();
    for (const [fields, message] of [
      [{ currency: "EUR", rateToBase: "abc", effectiveDate: today() }, "Enter the rate as a number"],
      [{ currency: "EUR", rateToBase: "-1", effectiveDate: today() }, "Enter a rate above zero."],
      [{ currency: "USD", rateToBase: "1", effectiveDate: today() }, "Choose EUR, JPY or AUD (USD is the base)."],
      [{ currency: "EUR", rateToBase: "1.1", effectiveDate: "2025-02-30" }, "Enter a real date."],
    ] as const) {
      const res = await postForm(server, "/catalog/rates", { intent: "add-rate", ...fields }, as(VENDOR_ADMIN));
      expect(res.status).toBe(400);
      expect(await html(res)).toContain(message);
    }
    expect(await count()).toBe(before);

    const audits = await auditCount("exchange_rate.set");
    const ok = await postForm(
      server,
      "/catalog/rates",
      { intent: "add-rate", currency: "EUR", rateToBase: "1.0834", effectiveDate: "2020-01-01" },
      as(VENDOR_ADMIN),
    );
    expect(ok.status).toBe(200);
    expect(await count()).toBe(before + 1);
    expect(await auditCount("exchange_rate.set")).toBe(audits + 1);
    const page = await html(await get(server, "/catalog/rates", as(VENDOR_ADMIN)));
    expect(page).toContain('data-rate="EUR:2020-01-01"');
    expect(page).toContain("1.0834");
  });

  it("revenue shows a paid order converted at its paid day's rate, by month, product and country, and its CSV", async () => {
    const rate = await postForm(
      server,
      "/catalog/rates",
      { intent: "add-rate", currency: "EUR", rateToBase: "1.25", effectiveDate: today() },
      as(VENDOR_ADMIN),
    );
    expect(rate.status).toBe(200);

    const { seller } = await licensingPartner(handle.db, { tier: "silver", invoiceTerms: true, country: "BE" });
    const input = await orderInput(handle.db, {
      currency: "EUR",
      customerCountry: "IS",
      lines: [
        { sku: "MSE-STD-12", seats: 40 },
        { sku: "SRL-PERP", seats: 1 },
      ],
    });
    const order = await createOrder(handle.db, { actor: actorFor(seller), input });
    await markOrderPaid(handle.db, {
      actor: await vendorAdminActor(),
      orderId: order.id,
      input: { reference: "BANK-77" },
    });
    const usd = toBaseMinor(order.totalMinor, "EUR", 1.25);

    const res = await get(server, "/licenses/revenue?country=IS&currency=EUR", as(VENDOR_ADMIN));
    expect(res.status).toBe(200);
    const text = await html(res);
    expect(text).toMatch(
      new RegExp(`data-figure="revenue"[^>]*>${formatAmount(usd, "USD").replace(/[$.]/g, "\\$&")}<`),
    );
    expect(text).toContain('data-bar="IS"');
    expect(text).toContain("Iceland");
    expect(text).toContain('data-bar="MSE-STD-12"');
    expect(text).toContain('data-bar="SRL-PERP"');

    const all = await html(await get(server, "/licenses/revenue", as(VENDOR_ADMIN)));
    expect(all).toContain("Partners on invoice terms");
    expect(all).toContain('data-bar="IS"');

    const csv = await get(server, "/licenses/revenue.csv?country=IS", as(VENDOR_ADMIN));
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const body = await csv.text();
    const lines = body
      .replace(/^\uFEFF/, "")
      .trim()
      .split("\r\n");
    expect(lines[0]).toBe(
      "order,paid_at,partner,customer,customer_country,payment,currency,total,rate_to_usd,total_usd",
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(orderRef(order.id));
    expect(lines[1]).toContain(`,IS,invoice,EUR,${(order.totalMinor / 100).toFixed(2)},1.25,${(usd / 100).toFixed(2)}`);
  });

  it("an order in a currency without a rate is named, not silently counted", async () => {
    // The demo world has rates for every currency from 18 months back: take JPY's away.
    const admin = await vendorAdminActor();
    for (const r of await query<{ id: string }>(server, "select id from exchange_rates where currency = 'JPY'")) {
      await deleteExchangeRate(handle.db, { actor: admin, rateId: r.id });
    }
    const { seller } = await licensingPartner(handle.db, { invoiceTerms: true });
    const order = await createOrder(handle.db, {
      actor: actorFor(seller),
      input: await orderInput(handle.db, { currency: "JPY", customerCountry: "NZ" }),
    });
    await markOrderPaid(handle.db, {
      actor: await vendorAdminActor(),
      orderId: order.id,
      input: { reference: "JP-1" },
    });
    const text = await html(await get(server, "/licenses/revenue?country=NZ", as(VENDOR_ADMIN)));
    expect(text).toContain("No exchange rate was in force for some orders in JPY");
    expect(text).toMatch(/data-figure="revenue"[^>]*>\$0\.00</);
  });

  it("empty filters give empty states, not errors", async () => {
    const res = await get(server, "/licenses/revenue?country=AQ&currency=AUD", as(VENDOR_ADMIN));
    expect(res.status).toBe(200);
    const text = await html(res);
    expect(text).toContain("No paid orders match the filters.");
    const bogus = await get(server, "/licenses/revenue?country=zz1&currency=XXX", as(VENDOR_ADMIN));
    expect(bogus.status).toBe(200);
    expect(await get(server, `/catalog/${crypto.randomUUID()}`, as(VENDOR_ADMIN)).then((r) => r.status)).toBe(404);
    expect(await get(server, "/catalog/not-an-id", as(VENDOR_ADMIN)).then((r) => r.status)).toBe(404);
  });
});
