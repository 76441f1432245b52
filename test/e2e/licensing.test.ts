/**
 * License fulfillment in Chromium, with Stripe played by the local stub (the
 * real SDK in the app talks to it) and the portal's mail going through a real
 * Sendmail relay on loopback to an SMTP sink:
 *
 *   a partner user fills the order form (server-computed price summary) and
 *   orders by card → "Pay by card" sends the browser to the stub's Checkout
 *   page → the test returns to the success URL as Stripe would → the page
 *   says "Payment processing…" → the test delivers Stripe's signed
 *   checkout.session.completed webhook → the page shows the keys → the key
 *   mail reaches the customer's technical contact through the relay →
 *   `npm run license:verify -- <key>` (with the public key the portal
 *   publishes) says valid → the public verify page says valid too.
 *
 * Screenshots of each step go to test-results/screenshots/licensing-*.png.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { query } from "../support/http-client";
import { startRelay, type Relay } from "../support/sendmail";
import { startSink, type Sink } from "../support/smtp-sink";
import { checkoutEvent, postSignedWebhook, startStripeStub, type StripeStub } from "../support/stripe-stub";
import { DEMO_PASSWORD, deliveredTo, screenshot, setupE2E, signInUi } from "./helpers";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const run = promisify(execFile);

let sink: Sink | undefined;
let relay: Relay | undefined;
let stripe: StripeStub | undefined;

const e2e = setupE2E(async () => {
  sink = await startSink();
  relay = await startRelay(sink.port);
  stripe = await startStripeStub();
  return { env: { MAIL_RELAY_URL: relay.url }, stripe: stripe.env() };
});

afterAll(async () => {
  await relay?.destroy();
  await sink?.stop();
  await stripe?.stop();
});

/** Chooses the product whose option names `sku` in the select labelled `label`. */
async function pickProduct(page: Page, label: string, sku: string): Promise<void> {
  const select = page.getByLabel(label, { exact: true });
  const option = (await select.locator("option", { hasText: `(${sku})` }).textContent())!;
  await select.selectOption({ label: option });
}

const KEY = /MRL1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/;

describe("ordering licenses by card", () => {
  it("goes from the order form through Checkout and Stripe's webhook to keys on the page, in the mail and verified offline", async () => {
    const page = await e2e.newPage();
    const techContact = "it-ops@zuiderzee-logistiek.test";

    // 1. A partner user fills the order form and asks for the prices (computed on the server).
    await signInUi(page, "daan.bakker@polder-relay.test", DEMO_PASSWORD, "Daan Bakker");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Orders" }).click();
    await page.getByRole("heading", { name: "Your license orders" }).waitFor();
    await page.getByRole("link", { name: "Order licenses" }).first().click();
    await page.getByRole("heading", { name: "Order licenses", level: 1 }).waitFor();
    await page.getByLabel("Company name").fill("Zuiderzee Logistiek B.V.");
    await page.getByLabel("Website or email domain").fill("https://www.zuiderzee-logistiek.test/");
    await page.getByLabel("Country", { exact: true }).selectOption({ label: "Netherlands" });
    await page.getByLabel("Technical contact name (optional)").fill("Femke de Boer");
    await page.getByLabel("Technical contact email").fill(techContact);
    await pickProduct(page, "Product 1", "MSE-ADV-12");
    await page.getByLabel("Seats").first().fill("250");
    await page.getByRole("button", { name: "Add a product" }).click();
    await pickProduct(page, "Product 2", "ASG-12");
    await page.getByLabel("Seats").nth(1).fill("2");
    await page.getByLabel("Currency").selectOption("EUR");
    await page.getByLabel("Card (Stripe Checkout)").check();
    await page.getByRole("button", { name: "Show the prices" }).click();
    const quote = page.getByTestId("quote");
    await quote.waitFor();
    expect(await quote.textContent()).toMatch(/Discount \(\d+ %\)/);
    await screenshot(page, "licensing-1-order-form");

    // 2. Place the order: the detail page with the lines, the discount and the total.
    await page.getByRole("button", { name: "Place the order" }).click();
    await page.waitForURL(/\/orders\/[0-9a-f-]{36}\?created=1$/);
    const orderId = /\/orders\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    await page.getByText("Order placed.").waitFor();
    const [order] = await query<{ total_minor: string; status: string }>(
      e2e.server,
      "select total_minor, status from license_orders where id = $1",
      [orderId],
    );
    expect(order!.status).toBe("awaiting_payment");
    await screenshot(page, "licensing-2-order");

    // 3. Pay by card: off to Stripe Checkout (the stub's page); the session carries the order's amount.
    await page.getByRole("button", { name: "Pay by card" }).click();
    await page.waitForURL((url) => url.href.startsWith(`${stripe!.url}/c/pay/`));
    expect(stripe!.sessions).toHaveLength(1);
    const session = stripe!.sessions[0]!;
    expect(session.metadata.order_id).toBe(orderId);
    expect(session.amount_total).toBe(Number(order!.total_minor));
    expect(session.currency).toBe("eur");

    // 4. The buyer pays and Stripe sends the browser back: processing, until the webhook arrives.
    await page.goto(session.success_url!);
    await page.getByTestId("payment-processing").waitFor();
    expect(await page.getByTestId("payment-processing").textContent()).toContain("Payment processing…");
    expect(await page.getByTestId("license-key").count()).toBe(0);
    await screenshot(page, "licensing-3-processing");

    // 5. Stripe's webhook, signed with the endpoint secret: the order is fulfilled and the page shows the keys.
    const hook = await postSignedWebhook(e2e.server.url, checkoutEvent(session, "completed"), stripe!.webhookSecret);
    expect(hook.status).toBe(200);
    await page.getByText("Payment received").waitFor({ timeout: 30_000 });
    const keysOnPage = await page.getByTestId("license-key").allTextContents();
    expect(keysOnPage).toHaveLength(2);
    const stored = await query<{ key: string }>(
      e2e.server,
      "select l.key from licenses l join license_order_lines ol on ol.id = l.order_line_id where l.order_id = $1 order by ol.position",
      [orderId],
    );
    expect(keysOnPage.map((k) => k.trim())).toEqual(stored.map((r) => r.key));
    expect(await page.getByTestId("order-status").textContent()).toBe("Fulfilled");
    await screenshot(page, "licensing-4-keys");

    // 6. The key mail reached the customer's technical contact through the relay.
    const mail = await deliveredTo(sink!, techContact, /License keys for Zuiderzee Logistiek B\.V\./);
    const mailed = [...(mail.text ?? "").matchAll(new RegExp(KEY, "g"))].map((m) => m[0]);
    expect(mailed).toEqual(stored.map((r) => r.key));

    // 7. `npm run license:verify` checks the mailed key offline with the public key the portal publishes.
    const pem = await (await fetch(`${e2e.server.url}/.well-known/license-signing-key`)).text();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "license-pub-"));
    try {
      const pemFile = path.join(dir, "license-signing-key.pem");
      fs.writeFileSync(pemFile, pem);
      const { stdout } = await run("npm", ["run", "--silent", "license:verify", "--", mailed[0]!], {
        cwd: ROOT,
        env: { ...process.env, LICENSE_PUBLIC_KEY_FILE: pemFile },
      });
      expect(stdout).toContain("VALID license key");
      expect(stdout).toContain("Zuiderzee Logistiek B.V.");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }

    // 8. The license list, and the public verify page with the same key.
    await page.goto("/licenses");
    await page.getByRole("link", { name: "Zuiderzee Logistiek B.V." }).first().waitFor();
    await screenshot(page, "licensing-5-licenses");
    await page.getByRole("link", { name: "Zuiderzee Logistiek B.V." }).first().click();
    await page.getByTestId("license-key").waitFor();
    await screenshot(page, "licensing-6-license");

    const visitor = await e2e.newPage();
    await visitor.goto("/verify-license");
    await visitor.getByLabel("License key").fill(mailed[0]!);
    await visitor.getByRole("button", { name: "Verify" }).click();
    const verdict = visitor.getByTestId("verdict");
    await verdict.waitFor();
    expect(await verdict.textContent()).toContain("Valid.");
    expect(await verdict.textContent()).toContain("Zuiderzee Logistiek B.V.");
    expect(await visitor.getByTestId("revocation").textContent()).toContain("Not revoked");
    await screenshot(visitor, "licensing-7-verify");
  });
});
