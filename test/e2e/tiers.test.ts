/**
 * Programme tiers in Chromium with the demo world: the partner dashboard's
 * progress bars toward the next tier (with named people and what expires),
 * an at-risk partner's notice, the vendor dashboard's channel chart and
 * lists, and the vendor admin's what-if preview on /tiers. Screenshots go to
 * test-results/screenshots/ (tiers-*.png).
 */
import { describe, expect, it } from "vitest";
import { DEMO_PASSWORD, screenshot, setupE2E, signInUi } from "./helpers";

const e2e = setupE2E();

describe("tier scorecards", () => {
  it("partner dashboard: progress bars toward Gold, named people, what an expiring certification would cost", async () => {
    const page = await e2e.newPage();
    await signInUi(page, "owner@southern-cross.test", DEMO_PASSWORD, "Olivia Nguyen");
    const card = page.getByRole("region", { name: "Programme tier: Silver" });
    await card.waitFor();
    const bars = card.getByRole("list", { name: "Progress toward Gold" }).locator("progress");
    expect(await bars.count()).toBeGreaterThanOrEqual(4);
    await card
      .getByText(/Olivia Nguyen \(until/)
      .first()
      .waitFor();
    await card.getByText("without a renewal your tier would drop to Registered").waitFor();
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, "tiers-01-partner-dashboard");
  });

  it("at-risk partner: the deadline and what is needed", async () => {
    const page = await e2e.newPage();
    await signInUi(page, "owner@liberty-mailworks.test", DEMO_PASSWORD, "Michael Johnson");
    await page.getByRole("alert").filter({ hasText: "Your Silver tier is at risk" }).waitFor();
    await screenshot(page, "tiers-02-partner-at-risk");
  });

  it("vendor dashboard: partners by tier and country, at risk, top revenue", async () => {
    const page = await e2e.newPage();
    await signInUi(page, "admin@vendor.test", DEMO_PASSWORD, "Avery Admin");
    const card = page.getByRole("region", { name: "The channel by tier" });
    await card.waitFor();
    const chart = card.getByRole("img", { name: "Partners by country, stacked by tier" });
    await chart.waitFor();
    expect(await chart.locator("rect").count()).toBeGreaterThanOrEqual(6);
    expect(
      await card.getByRole("list", { name: "Top partners by license revenue" }).locator("li").count(),
    ).toBeGreaterThan(0);
    await card.getByRole("list", { name: "Partners at risk" }).getByText("Liberty Mailworks").waitFor();
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, "tiers-03-vendor-dashboard");
  });

  it("tiers page: what-if of raising Gold to 3 relay engineers", async () => {
    const page = await e2e.newPage();
    await signInUi(page, "admin@vendor.test", DEMO_PASSWORD, "Avery Admin");
    await page.goto("/tiers");
    await page.getByRole("heading", { name: "Programme tiers" }).waitFor();
    await page.getByLabel("Gold: Certifications").fill("mail-relay-fundamentals: 3\nsecure-relay-tls-auth: 1");
    await page.getByRole("button", { name: "Preview (what if)" }).click();
    const table = page.getByRole("table", { name: "Partners that would move" });
    await table.waitFor();
    await table.getByRole("row").filter({ hasText: "Sakura Mail Systems" }).getByText("At risk").waitFor();
    await screenshot(page, "tiers-04-what-if");
  });

  it("tiers page: a taken key is a field error; Platinum added above Gold is published and gets its own column", async () => {
    const page = await e2e.newPage();
    await signInUi(page, "admin@vendor.test", DEMO_PASSWORD, "Avery Admin");
    await page.goto("/tiers");
    await page.getByRole("heading", { name: "Programme tiers" }).waitFor();
    await page.getByLabel("New tier: key").fill("gold");
    await page.getByLabel("New tier: name").fill("Platinum");
    await page.getByLabel("New tier: place").selectOption("gold");
    await page.getByLabel("New tier: Discount, %").fill("40");
    await page.getByLabel("New tier: Lead routing weight (0–1)").fill("1");
    await page.getByLabel("New tier: Deal protection, days").fill("180");
    await page.getByLabel("New tier: Certifications").fill("mail-relay-fundamentals: 9");
    await page.getByRole("button", { name: /^Publish as version/ }).click();
    await page.getByText("A tier with the key “gold” already exists.").waitFor();
    // The draft is kept: only the key needs changing.
    expect(await page.getByLabel("New tier: name").inputValue()).toBe("Platinum");
    await page.getByLabel("New tier: key").fill("platinum");
    await page.getByRole("button", { name: /^Publish as version/ }).click();
    await page.getByText(/Version \d+ published/).waitFor();
    await page.getByLabel("Platinum: Discount, %").waitFor();
    expect(await page.getByLabel("Platinum: Discount, %").inputValue()).toBe("40");
    await screenshot(page, "tiers-05-platinum-added");
  });
});
