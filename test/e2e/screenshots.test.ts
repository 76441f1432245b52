/**
 * A full-page screenshot of each main page into test-results/screenshots/,
 * for people to look at. Each page is also checked for its heading and for
 * content wider than the window (a layout that spills sideways).
 */
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { postForm, signIn } from "../support/http-client";
import { DEMO_PASSWORD, screenshot, signInUi, signOutUi, setupE2E, waitForPath } from "./helpers";

const e2e = setupE2E();

beforeAll(async () => {
  // Something to show in the mail and audit pages, and a pending invitation on the team page.
  const cookie = await signIn(e2e.server, "owner@polder-relay.test");
  const res = await postForm(
    e2e.server,
    "/team",
    { intent: "invite", email: "new.hire@polder-relay.test", role: "partner_user" },
    { cookie },
  );
  expect(res.status).toBe(200);
});

async function expectNoSidewaysOverflow(page: Page): Promise<void> {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  expect(scrollWidth, `${page.url()} is wider than the window`).toBeLessThanOrEqual(clientWidth);
}

async function shoot(page: Page, name: string, expectedHeading: string | RegExp): Promise<void> {
  // A client-side navigation changes the URL before the new page has rendered: wait for its own heading
  // (the page's h1, exactly), which times out and fails when the page never shows it.
  await page
    .getByRole("heading", { level: 1, name: expectedHeading, exact: typeof expectedHeading === "string" })
    .waitFor();
  await screenshot(page, name); // first, so that a page that fails the layout check can be looked at
  await expectNoSidewaysOverflow(page);
}

describe("screenshots of the main pages", () => {
  it("signed out: sign-in", async () => {
    const page = await e2e.newPage();
    await page.goto("/login");
    await shoot(page, "01-login", "Sign in");
  });

  it("as the vendor admin: dashboard, partners, audit, mail list and message", async () => {
    const page = await e2e.newPage();
    await signInUi(page, "admin@vendor.test", DEMO_PASSWORD, "Avery Admin");
    await shoot(page, "02-dashboard-vendor", "Welcome, Avery Admin");

    await page.goto("/directory");
    await page.getByRole("cell", { name: /Polder Relay/ }).waitFor();
    await shoot(page, "03-partners", "Partners");

    await page.goto("/audit");
    await page.locator("table tbody tr").first().waitFor();
    await shoot(page, "04-audit", "Audit trail");

    await page.goto("/mail");
    const link = page.getByRole("row").filter({ hasText: "new.hire@polder-relay.test" }).getByRole("link");
    await link.waitFor();
    await shoot(page, "05-mail-list", "Mail");

    await link.click();
    await page.waitForURL(/\/mail\/[0-9a-f-]{36}$/);
    await page.getByTestId("mail-text").waitFor();
    await shoot(page, "06-mail-message", /invit/i);

    await page.goto("/team");
    await shoot(page, "07-vendor-staff", "Vendor staff");
  });

  it("as a partner admin: dashboard, team, API keys, a placeholder area and the 404 page", async () => {
    const page = await e2e.newPage();
    await signInUi(page, "owner@polder-relay.test", DEMO_PASSWORD, "Sanne de Vries");
    await shoot(page, "08-dashboard-partner", "Welcome, Sanne de Vries");

    await page.goto("/team");
    await page.getByRole("cell", { name: "new.hire@polder-relay.test" }).waitFor();
    await shoot(page, "09-team", "Team");

    await page.goto("/api-keys");
    await page.getByLabel("Name").fill("Salesforce sync");
    await page.getByRole("button", { name: "Create the key" }).click();
    await page.getByTestId("new-api-key").waitFor();
    await shoot(page, "10-api-keys", "API keys");

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Licenses" }).click();
    await waitForPath(page, "/licenses");
    await page.getByRole("heading", { name: "Licenses", level: 1 }).waitFor();
    await shoot(page, "11-licenses", "Licenses");

    const res = await page.goto("/no-such-page");
    expect(res?.status()).toBe(404);
    await shoot(page, "12-not-found", "Page not found");
  });

  it("onboarding: applications, a partner's page, agreements, profile and the public locator", async () => {
    const page = await e2e.newPage();
    await signInUi(page, "sales@vendor.test", DEMO_PASSWORD, "Sam Sales");
    await page.goto("/applications");
    await page.getByRole("link", { name: "Kiwi Relay" }).waitFor();
    await shoot(page, "15-applications", "Partner applications");
    await page.getByRole("link", { name: "Kiwi Relay" }).click();
    await page.getByText("Met at the Auckland roadshow").waitFor();
    await shoot(page, "16-application", /Kiwi Relay/);
    await page.goto("/directory?country=BE");
    await page.getByRole("link", { name: "Brussels Secure Mail" }).click();
    await page.getByText("Interested in moving to Silver").waitFor();
    await shoot(page, "17-partner-page", /Brussels Secure Mail/);
    await signOutUi(page);

    await signInUi(page, "admin@vendor.test", DEMO_PASSWORD, "Avery Admin");
    await page.goto("/agreements");
    await shoot(page, "18-agreements", "Programme agreement");
    await signOutUi(page);

    await signInUi(page, "owner@sakura-mail.test", DEMO_PASSWORD, "Haruto Sato");
    await page.goto("/profile");
    await shoot(page, "19-profile", "Company profile");
    await signOutUi(page);

    await page.goto("/partners");
    await page.getByText("Polder Relay").first().waitFor();
    expect(await page.getByText("Rheinmail").count(), "an unlisted partner").toBe(0);
    await shoot(page, "20-locator", "Find a partner");
  });

  it("leads: the board, a lead flagged for the vendor, rules, performance, a partner's leads and the contact form", async () => {
    const page = await e2e.newPage();
    await signInUi(page, "admin@vendor.test", DEMO_PASSWORD, "Avery Admin");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Leads" }).click();
    await waitForPath(page, "/leads/manage");
    await shoot(page, "21-lead-board", "Lead board");
    await page.goto("/leads/manage?q=Perth");
    await page.getByRole("link", { name: "Perth Energy Services" }).click();
    await page.getByText(/No eligible partner/).first().waitFor();
    await shoot(page, "22-lead-no-eligible-partner", /Perth Energy Services/);
    await page.goto("/leads/rules");
    await shoot(page, "23-routing-rules", "Routing rules");
    await page.goto("/leads/performance");
    await shoot(page, "24-lead-performance", "Partner lead performance");
    await signOutUi(page);

    await signInUi(page, "owner@sakura-mail.test", DEMO_PASSWORD, "Haruto Sato");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Leads" }).click();
    await waitForPath(page, "/leads");
    await page.getByText("Nagoya Logistics K.K.").first().waitFor();
    expect(await page.getByText("Perth Energy Services").count(), "a lead that is not Sakura's").toBe(0);
    await shoot(page, "25-partner-leads", "Leads");
    await page.goto("/leads/performance");
    await shoot(page, "26-partner-lead-performance", "Your lead performance");
    await signOutUi(page);

    await page.goto("/contact");
    await shoot(page, "27-contact-sales", "Contact sales");
  });

  it("on a phone-sized window: the partner dashboard, its menu, and the team table", async () => {
    const page = await e2e.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await signInUi(page, "owner@polder-relay.test", DEMO_PASSWORD, "Sanne de Vries");
    await shoot(page, "13-dashboard-partner-phone", "Welcome, Sanne de Vries");

    // The navigation is folded behind the Menu button.
    const teamLink = page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Team" });
    expect(await teamLink.isVisible()).toBe(false);
    await page.getByRole("button", { name: "Menu" }).click();
    await teamLink.click();
    await waitForPath(page, "/team");
    expect(await teamLink.isVisible()).toBe(false); // folded again after choosing
    await shoot(page, "14-team-phone", "Team");
  });
});
