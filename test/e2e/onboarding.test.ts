/**
 * The onboarding journey in Chromium, with the portal's mail going through a
 * real Sendmail relay on loopback to an SMTP sink (the applicant's inbox):
 *
 *   apply as a new company → the vendor admin approves → the partner admin
 *   opens the invitation from the delivered mail → sets a password → is
 *   stopped at the agreement → accepts → sees the checklist → invites a
 *   colleague (the checklist ticks).
 *
 * Screenshots of each step go to test-results/screenshots/onboarding-*.png.
 */
import { afterAll, describe, expect, it } from "vitest";
import { startRelay, type Relay } from "../support/sendmail";
import { startSink, type ReceivedMail, type Sink } from "../support/smtp-sink";
import {
  DEMO_PASSWORD,
  deliveredTo,
  linkIn,
  pathOf,
  screenshot,
  setupE2E,
  signInUi,
  signOutUi,
  waitForPath,
} from "./helpers";

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

const COMPANY = {
  name: "Fjord Relay",
  legalName: "Fjord Relay AS",
  domain: "fjord-relay.test",
  contact: "Sigrid Berg",
  email: "sigrid@fjord-relay.test",
  password: "northern lights over bergen",
};
const COLLEAGUE = "magnus.lie@fjord-relay.test";

const delivered = (to: string, subject: RegExp) => deliveredTo(sink!, to, subject);
const linkTo = (mail: ReceivedMail, path: string) => linkIn(mail, e2e.server.url, path);

describe("onboarding a new partner", () => {
  it("goes from the application to an active partner that invites its staff", async () => {
    const page = await e2e.newPage();

    // 1. A company applies, without an account.
    await page.goto("/login");
    await page.getByRole("link", { name: "Become a partner" }).click();
    await waitForPath(page, "/apply");
    await page.getByLabel("Company name").fill(COMPANY.name);
    await page.getByLabel("Registered legal name").fill(COMPANY.legalName);
    await page.getByLabel("Website").fill(`https://www.${COMPANY.domain}`);
    await page.getByLabel("Country").selectOption({ label: "Norway" });
    await page.getByLabel("Region or state (optional)").fill("Vestland");
    await page.getByLabel("Head office address").fill("Bryggen 1\n5003 Bergen");
    await page.getByLabel("Tax or company registration number").fill("NO 987 654 321 MVA");
    await page.getByLabel("Type of business").selectOption({ label: "Reseller" });
    await page.getByRole("group", { name: "Specializations" }).getByLabel("Mail relay").check();
    await page.getByRole("group", { name: "Specializations" }).getByLabel("Secure messaging").check();
    await page.getByLabel("Expected annual volume (US dollars)").fill("80000");
    await page.getByLabel("Contact name").fill(COMPANY.contact);
    await page.getByLabel("Contact phone").fill("+47 55 55 01 23");
    await page.getByLabel("Contact email address").fill(COMPANY.email);
    await page.getByLabel("I have read the privacy notice and accept it").check();
    await screenshot(page, "onboarding-1-application");
    await page.getByRole("button", { name: "Send the application" }).click();
    await page.getByRole("heading", { name: "Thank you for applying" }).waitFor();
    await screenshot(page, "onboarding-2-applied");

    // The confirmation reached the applicant through the relay, with a working status link.
    const confirmation = await delivered(COMPANY.email, /received the partner application/);
    const statusLink = linkTo(confirmation, "/apply/status/");
    await page.goto(statusLink);
    expect(await page.locator("main").textContent()).toContain(COMPANY.name);

    // 2. The vendor admin reviews and approves it.
    await signInUi(page, "admin@vendor.test", DEMO_PASSWORD, "Avery Admin");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Applications" }).click();
    await waitForPath(page, "/applications");
    await page.getByRole("link", { name: COMPANY.name }).click();
    await page.getByRole("heading", { name: COMPANY.name, level: 1 }).waitFor();
    await page.getByRole("button", { name: "Approve…" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Initial tier").selectOption({ label: "Silver" });
    await dialog.getByLabel("Owner (channel manager)").selectOption({ label: "Claire Dubois (Channel manager)" });
    await screenshot(page, "onboarding-3-approve");
    await dialog.getByRole("button", { name: "Approve and invite the partner admin" }).click();
    await page.getByText("Approved: the partner exists and its admin was invited.").waitFor();
    await screenshot(page, "onboarding-4-approved");
    await signOutUi(page);

    // 3. The partner admin opens the invitation from the delivered mail and sets a password.
    const welcome = await delivered(COMPANY.email, /Welcome to the partner programme/);
    const invitation = linkTo(welcome, "/invitations/");
    await page.goto(invitation);
    await page.getByRole("heading", { name: `Join ${COMPANY.name}` }).waitFor();
    await page.getByLabel("Your name").fill(COMPANY.contact);
    await page.getByLabel("Password", { exact: true }).fill(COMPANY.password);
    await page.getByLabel("Repeat the password").fill(COMPANY.password);
    await page.getByRole("button", { name: "Create my account" }).click();

    // 4. Stopped at the agreement: nothing else is reachable.
    await waitForPath(page, "/agreement");
    await page.getByRole("heading", { name: "Programme agreement", level: 1 }).waitFor();
    const nav = page.getByRole("navigation", { name: "Main" });
    expect(await nav.getByRole("link").allTextContents()).toEqual(["Agreement"]);
    await screenshot(page, "onboarding-5-agreement-gate");
    await page.goto("/team");
    await waitForPath(page, "/agreement");

    // 5. Accepts it and lands on the dashboard with the checklist.
    await page.getByLabel(/I have read and accept version 1/).check();
    await page.getByRole("button", { name: "Accept version 1" }).click();
    await waitForPath(page, "/");
    await page.getByRole("heading", { name: `Welcome, ${COMPANY.contact}` }).waitFor();
    const checklist = page.getByRole("region", { name: /Getting started/ });
    await checklist.waitFor();
    await expectStep(checklist, "Accept the programme agreement", true);
    await expectStep(checklist, "Invite a first colleague", false);
    await screenshot(page, "onboarding-6-checklist");

    // 6. Invites a colleague; the checklist ticks itself.
    await nav.getByRole("link", { name: "Team" }).click();
    await waitForPath(page, "/team");
    await page.getByLabel("Email address", { exact: true }).fill(COLLEAGUE);
    await page.getByLabel("Role", { exact: true }).selectOption({ label: "Partner user" });
    await page.getByRole("button", { name: "Send the invitation" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: `Invitation sent to ${COLLEAGUE}.` })
      .waitFor();
    await screenshot(page, "onboarding-7-invited");
    await delivered(COLLEAGUE, new RegExp(`invited you to ${COMPANY.name}`));
    await nav.getByRole("link", { name: "Dashboard" }).click();
    await waitForPath(page, "/");
    await checklist.waitFor();
    await expectStep(checklist, "Invite a first colleague", true);
    await screenshot(page, "onboarding-8-checklist-ticked");
    expect(pathOf(page)).toBe("/");
  });
});

async function expectStep(
  checklist: ReturnType<import("playwright-core").Page["getByRole"]>,
  text: string,
  done: boolean,
) {
  const item = checklist.getByRole("listitem").filter({ hasText: text });
  await item.waitFor();
  expect(await item.getAttribute("data-done"), text).toBe(String(done));
}
