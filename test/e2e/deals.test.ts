/**
 * A conflicting registration in Chromium: Polder Relay registers Koala
 * Freight, which Southern Cross (seeded) already registered; the private
 * claim check says only "needs review"; the channel manager sees both side by
 * side, approves Southern Cross's and rejects Polder's; Polder is told by mail
 * (without being told who holds the customer) and sees the decision.
 * Screenshots: test-results/screenshots/deals-*.png.
 */
import { describe, expect, it } from "vitest";
import { query } from "../support/http-client";
import { DEMO_PASSWORD, screenshot, setupE2E, signInUi, signOutUi, waitForPath } from "./helpers";

const e2e = setupE2E();

describe("a conflicting deal registration", () => {
  it("is flagged, compared side by side, decided, and the losing partner is told", async () => {
    const page = await e2e.newPage();

    // 1. Polder Relay checks the customer privately, then registers it.
    await signInUi(page, "owner@polder-relay.test", DEMO_PASSWORD, "Sanne de Vries");
    await page.goto("/deals/new");
    await page.getByLabel("Company name").fill("Koala Freight Pty. Ltd.");
    await page.getByLabel("Website or email domain").fill("https://www.koalafreight.test/");
    await page.getByLabel("Country", { exact: true }).selectOption({ label: "Australia" });
    await page.getByRole("button", { name: "Check this customer" }).click();
    const verdict = page.getByTestId("claim-check");
    await verdict.waitFor();
    expect(await verdict.textContent()).toContain("Needs review");
    expect(await verdict.textContent()).not.toContain("Southern Cross");
    await page.getByLabel("Name", { exact: true }).fill("Mia Thompson");
    await page.getByLabel("Email", { exact: true }).fill("mia.thompson@koalafreight.test");
    await page.getByLabel("Product 1").selectOption({ index: 1 });
    await page.getByLabel("Quantity").first().fill("250");
    await page.getByLabel("Estimated value").fill("18000.00");
    await page.getByLabel("Currency").selectOption("AUD");
    await page.getByLabel("Expected close date").fill("2027-03-31");
    await page.getByLabel("Sales stage").selectOption({ label: "Qualification" });
    await screenshot(page, "deals-1-register");
    await page.getByRole("button", { name: "Register the deal" }).click();
    await waitForPath(page, "/deals");
    await page.getByText("Registered").first().waitFor();
    await page.getByRole("link", { name: "Koala Freight Pty. Ltd." }).first().waitFor();
    await screenshot(page, "deals-2-registered");
    await signOutUi(page);

    // 2. The channel manager sees both registrations side by side.
    await signInUi(page, "sales@vendor.test", DEMO_PASSWORD, "Sam Sales");
    await page.goto("/deals/review");
    await page.getByRole("link", { name: "Koala Freight Pty. Ltd." }).click();
    const sides = page.locator('[aria-label="Side by side"]');
    await sides.waitFor();
    const conflict = sides.locator('[data-side="conflict"]').first();
    expect(await conflict.textContent()).toContain("same domain");
    expect(await conflict.textContent()).toContain("Southern Cross Messaging");
    expect(await sides.locator('[data-side="registration"]').textContent()).toContain("Polder Relay");
    await screenshot(page, "deals-3-side-by-side");

    // 3. Approves the first-in registration (Southern Cross's) …
    await conflict.getByRole("link", { name: "Open it side by side" }).click();
    await page.getByRole("button", { name: "Approve…" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Approve and protect" }).click();
    await page.getByText("Approved: the partner was told").waitFor();
    await screenshot(page, "deals-4-approved");

    // … and rejects Polder's, with a reason the partner reads.
    await page.goto("/deals/review");
    await page.getByRole("link", { name: "Koala Freight Pty. Ltd." }).click();
    await page.getByRole("button", { name: "Reject…" }).click();
    await page
      .getByRole("dialog")
      .getByLabel("Reason (mailed to the partner)")
      .fill("This customer is already protected for another partner.");
    await page.getByRole("dialog").getByRole("button", { name: "Reject and tell the partner" }).click();
    await page.getByText("Rejected: the partner was told the reason.").waitFor();
    await signOutUi(page);

    // 4. Polder Relay was told by mail, without the other partner's name, and sees the decision.
    const mails = await query<{ subject: string; text: string }>(
      e2e.server,
      `select m.subject, m.text from mail_messages m join mail_recipients r on r.mail_id = m.id
        where m.template = 'deal-update' and r.address = 'owner@polder-relay.test' order by m.created_at`,
    );
    const rejection = mails.find((m) => /reject/i.test(m.subject) || /reject/i.test(m.text));
    expect(rejection, JSON.stringify(mails)).toBeDefined();
    expect(rejection!.text).toContain("already protected for another partner");
    expect(rejection!.text).not.toContain("Southern Cross");

    await signInUi(page, "owner@polder-relay.test", DEMO_PASSWORD, "Sanne de Vries");
    await page.goto("/deals");
    await page.getByRole("link", { name: "Koala Freight Pty. Ltd." }).first().click();
    await page.getByText("already protected for another partner").first().waitFor();
    await screenshot(page, "deals-5-partner-told");
  });
});
