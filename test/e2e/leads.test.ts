/**
 * Lead sharing in Chromium, with the portal's mail going through a real
 * Sendmail relay on loopback to an SMTP sink (the partner's inbox):
 *
 *   the channel manager imports a CSV (one bad row, one duplicate of an open
 *   lead) → maps and previews it → the summary → routes a lead from the board →
 *   "why this partner" → the partner's admin accepts from the signed link in
 *   the delivered mail, without signing in; the link does not work twice →
 *   signs in, works the lead (contacted, qualified) → converts it into a deal
 *   registration (pre-filled, linked) → marks it won with its value.
 *
 * Screenshots of each step go to test-results/screenshots/leads-*.png.
 */
import { afterAll, describe, expect, it } from "vitest";
import { query } from "../support/http-client";
import { startRelay, type Relay } from "../support/sendmail";
import { startSink, type Sink } from "../support/smtp-sink";
import { DEMO_PASSWORD, deliveredTo, linkIn, screenshot, setupE2E, signInUi, signOutUi, waitForPath } from "./helpers";

let sink: Sink | undefined;
let relay: Relay | undefined;

const e2e = setupE2E(async () => {
  sink = await startSink();
  relay = await startRelay(sink.port);
  return { env: { MAIL_RELAY_URL: relay.url } };
});

afterAll(async () => {
  await relay?.destroy();
  await sink?.stop();
});

const CSV = [
  "Company name,Website,Contact name,Contact email,Country,Product interest,Seats,Estimated value,Currency",
  "Hokkaido Fisheries Co.,hokkaido-fish.test,Haruka Abe,h.abe@hokkaido-fish.test,JP,MSE-STD-12,350,2400000,JPY",
  "Utrecht Waterschap,waterschap-utrecht.test,Bram de Jong,b.dejong@waterschap-utrecht.test,NL,MSE-ADV-12,120,,",
  // A bad row (no contact email, a country that does not exist) …
  "Broken Row Ltd,broken.test,No Email,,XX,,,,",
  // … and a duplicate of the seeded, open Rotterdam lead (same contact email).
  "RPS Haven,rps-haven.test,Pieter van Dijk,p.vandijk@rps-haven.test,NL,ASG-12,12,,",
].join("\r\n");

describe("sharing a lead", () => {
  it("goes from a CSV import to a partner that accepts from the mail, works it, converts it and wins it", async () => {
    const page = await e2e.newPage();

    // 1. The channel manager uploads the CSV, checks the mapping and the preview, and starts the import.
    await signInUi(page, "sales@vendor.test", DEMO_PASSWORD, "Sam Sales");
    await page.goto("/leads/import");
    await page.setInputFiles("#file", { name: "roadshow-leads.csv", mimeType: "text/csv", buffer: Buffer.from(CSV) });
    await page.getByRole("button", { name: "Upload" }).click();
    await page.getByRole("heading", { name: "Import of roadshow-leads.csv" }).waitFor();
    await page.getByRole("heading", { name: "Preview of the first rows" }).waitFor();
    const preview = page.locator("table").first();
    expect(await preview.textContent()).toContain("Hokkaido Fisheries Co.");
    await page.getByLabel("Route the created leads to partners when the import is done").uncheck();
    await screenshot(page, "leads-1-import-preview");
    await page.getByRole("button", { name: "Start import" }).click();

    // 2. The job processes it in the background; the page shows progress, then the summary.
    await page.getByRole("heading", { name: "Summary" }).waitFor({ timeout: 30_000 });
    expect(await page.getByTestId("import-created").textContent()).toBe("2");
    expect(await page.getByTestId("import-skipped").textContent()).toBe("1");
    expect(await page.getByTestId("import-failed").textContent()).toBe("1");
    await page.getByRole("link", { name: "Download the skipped and failed rows (CSV)" }).waitFor();
    await screenshot(page, "leads-2-import-summary");

    // 3. On the board, the channel manager routes the Hokkaido lead.
    await page.goto("/leads/manage?q=Hokkaido");
    const board = page.getByRole("form", { name: "Leads" });
    const row = board.locator("tbody tr", { hasText: "Hokkaido Fisheries Co." });
    await row.getByRole("checkbox").check();
    await screenshot(page, "leads-3-board");
    await board.getByRole("button", { name: "Route selected" }).click();
    await page.getByText(/1 offered/).waitFor();

    // "Why this partner": the stored explanation names Sakura as chosen.
    await page.goto("/leads/manage?q=Hokkaido");
    await page.getByRole("link", { name: "Hokkaido Fisheries Co." }).first().click();
    await page.getByText("Sakura Mail Systems").first().waitFor();
    const why = await page.locator("main").textContent();
    expect(why).toMatch(/Why this partner/i);
    expect(why).toContain("Sakura Mail Systems");
    await screenshot(page, "leads-4-why-this-partner");
    await signOutUi(page);

    // 4. The offer reached Sakura's admin through the relay, with signed one-click links.
    const offer = await deliveredTo(
      sink!,
      "owner@sakura-mail.test",
      /New lead for Sakura Mail Systems: Hokkaido Fisheries/,
    );
    const acceptUrl = linkIn(offer, e2e.server.url, "/leads/offer/", "[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
    expect(offer.text).toMatch(/Accept it by .+\(Asia\/Tokyo\)/);

    // 5. Opening the link shows the lead and one button; a GET changes nothing (mail scanners prefetch links).
    await page.goto(acceptUrl);
    const accept = page.getByRole("button", { name: /^Accept L-\d{6}$/ });
    await accept.waitFor();
    const [before] = await query<{ status: string }>(
      e2e.server,
      `select status from leads where company_name = 'Hokkaido Fisheries Co.'`,
    );
    expect(before!.status).toBe("offered");
    await screenshot(page, "leads-5-offer-link");
    await accept.click();
    await page.getByRole("heading", { name: "Lead accepted" }).waitFor();
    await screenshot(page, "leads-6-accepted-from-mail");

    // The link works once.
    await page.goto(acceptUrl);
    await page.getByRole("heading", { name: "This link cannot be used" }).waitFor();

    // 6. The partner signs in and works the lead.
    await signInUi(page, "owner@sakura-mail.test", DEMO_PASSWORD, "Haruto Sato");
    await page.goto("/leads");
    await page.locator("tbody tr", { hasText: "Hokkaido Fisheries Co." }).getByRole("link").first().click();
    await page.getByRole("heading", { name: "Work the lead" }).waitFor();
    // Contact details show now that the lead is accepted.
    expect(await page.locator("main").textContent()).toContain("h.abe@hokkaido-fish.test");
    for (const status of ["contacted", "qualified"]) {
      await page.getByLabel("Status", { exact: true }).selectOption(status);
      await page.getByRole("button", { name: "Save the status" }).click();
      await page
        .getByRole("definition")
        .filter({ hasText: new RegExp(`^${status}$`, "i") })
        .waitFor();
    }
    await screenshot(page, "leads-7-worked");

    // 7. Converts it: the registration form is pre-filled from the lead and linked to it.
    await page.getByRole("link", { name: "Convert to deal registration" }).click();
    await waitForPath(page, "/deals/new");
    expect(await page.getByLabel("Company name").inputValue()).toBe("Hokkaido Fisheries Co.");
    await page.getByText(/From lead L-\d{6}/).waitFor();
    await page.getByLabel("Expected close date").fill("2027-03-31");
    await page.getByLabel("Sales stage").selectOption({ label: "Qualification" });
    if (!(await page.getByLabel("Estimated value").inputValue()))
      await page.getByLabel("Estimated value").fill("2400000");
    await screenshot(page, "leads-8-convert");
    await page.getByRole("button", { name: "Register the deal" }).click();
    await waitForPath(page, "/deals");
    const [deal] = await query<{ lead_id: string | null; deal_id: string | null }>(
      e2e.server,
      `select d.lead_id, l.deal_id from deals d join leads l on l.id = d.lead_id
        where l.company_name = 'Hokkaido Fisheries Co.'`,
    );
    expect(deal?.deal_id).toBeTruthy();

    // 8. Back on the lead: won, with its value.
    await page.goto("/leads");
    await page.locator("tbody tr", { hasText: "Hokkaido Fisheries Co." }).getByRole("link").first().click();
    // Wait for the lead page itself: the list has a "Status" filter too.
    await page.getByRole("heading", { name: "Work the lead" }).waitFor();
    await page.getByRole("link", { name: "Open the registration" }).waitFor();
    await page.getByLabel("Status", { exact: true }).selectOption("won");
    await page.getByLabel("Won value (when won)").fill("2500000");
    await page.getByLabel("Currency (when won)").selectOption("JPY");
    await page.getByRole("button", { name: "Save the status" }).click();
    await page.getByRole("definition").filter({ hasText: /^Won$/ }).waitFor();
    await screenshot(page, "leads-9-won");
    const [won] = await query<{ status: string; won_value_minor: string; won_currency: string }>(
      e2e.server,
      `select status, won_value_minor, won_currency from leads where company_name = 'Hokkaido Fisheries Co.'`,
    );
    expect(won).toEqual({ status: "won", won_value_minor: "2500000", won_currency: "JPY" });
  });
});
