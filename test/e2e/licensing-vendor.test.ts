/**
 * The vendor admin's licensing pages in Chromium: a yen price with decimals
 * is refused under its field, a product is retired through its confirmation
 * dialog, and screenshots of the catalog and the revenue page (with the
 * demo world's paid orders) go to test-results/screenshots/.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { DEMO_PASSWORD, screenshot, setupE2E, signInUi } from "./helpers";

const e2e = setupE2E();

async function expectNoSidewaysOverflow(page: Page): Promise<void> {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  expect(scrollWidth, `${page.url()} is wider than the window`).toBeLessThanOrEqual(clientWidth);
}

describe("vendor licensing pages", () => {
  it("catalog: JPY decimals refused under the field, retire behind a confirmation; screenshot", async () => {
    const page = await e2e.newPage();
    await signInUi(page, "admin@vendor.test", DEMO_PASSWORD, "Avery Admin");
    await page.getByRole("link", { name: "Catalog", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "Catalog" }).waitFor();

    await page.getByRole("row").filter({ hasText: "MSE-ADV-12" }).getByRole("link", { name: "Edit" }).click();
    await page.getByRole("heading", { level: 1, name: /Mail Server Enterprise/ }).waitFor();
    const jpy = page.getByLabel(/^JPY/);
    await jpy.fill("5000.5");
    await page.getByRole("button", { name: "Save prices" }).click();
    await page.getByText("JPY has no minor unit: enter a whole amount").waitFor();
    await jpy.fill("5200");
    // Leaving the field clears its error first (the button moves up), then the click lands on it.
    await jpy.blur();
    await page.getByRole("button", { name: "Save prices" }).click();
    await page.getByRole("status").filter({ hasText: "Prices saved" }).waitFor();
    await page.getByText("now ¥5,200").waitFor();

    await page.getByRole("link", { name: "← Catalog" }).click();
    const row = page.getByRole("row").filter({ hasText: "ASG-12" });
    await row.getByRole("button", { name: "Retire" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("Retire ASG-12 (Anti-Spam Gateway)?").waitFor();
    await dialog.getByRole("button", { name: "Retire" }).click();
    await page.getByRole("status").filter({ hasText: "Product retired" }).waitFor();
    // The row's badge follows once the page's data is revalidated: wait for it (a timeout fails the test).
    await row.locator(".badge", { hasText: /^retired$/ }).waitFor();

    await screenshot(page, "licensing-catalog");
    await expectNoSidewaysOverflow(page);
  });

  it("revenue: chart, products and countries from the demo orders; screenshot", async () => {
    const page = await e2e.newPage();
    await signInUi(page, "admin@vendor.test", DEMO_PASSWORD, "Avery Admin");
    await page.goto("/licenses/revenue");
    await page.getByRole("heading", { level: 1, name: "License revenue" }).waitFor();
    await page.getByRole("img", { name: /License revenue per month/ }).waitFor();
    expect(await page.locator("[data-bar]").count()).toBeGreaterThan(0);
    await screenshot(page, "licensing-revenue");
    await expectNoSidewaysOverflow(page);
  });
});
