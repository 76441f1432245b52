/**
 * A partner admin invites a colleague; the vendor admin finds the invitation
 * in the dev mailbox; the colleague accepts it, lands signed in, and can sign
 * in again with the new password. Then the audit trail shows it all.
 *
 * The second test reads the audit events the first one caused.
 */
import { describe, expect, it } from "vitest";
import { DEMO_PASSWORD, pathOf, signInUi, signOutUi, setupE2E, waitForPath } from "./helpers";

const e2e = setupE2E();

const COLLEAGUE = {
  email: "lotte.jansen@polder-relay.test",
  name: "Lotte Jansen",
  password: "tulips and windmills 42",
};

describe("inviting a colleague", () => {
  it("goes from the team page through the mailbox to the colleague's first sign-in", async () => {
    const page = await e2e.newPage();

    // The partner admin invites a colleague.
    await signInUi(page, "owner@polder-relay.test", DEMO_PASSWORD, "Sanne de Vries");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Team" }).click();
    await waitForPath(page, "/team");
    await page.getByRole("heading", { name: "Invite a colleague" }).waitFor();
    await page.getByLabel("Email address", { exact: true }).fill(COLLEAGUE.email);
    await page.getByLabel("Role", { exact: true }).selectOption({ label: "Partner user" });
    await page.getByRole("button", { name: "Send the invitation" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: `Invitation sent to ${COLLEAGUE.email}.` })
      .waitFor();

    const pending = page.locator("h2:text-is('Pending invitations') + .table-wrap");
    const row = pending.getByRole("row").filter({ hasText: COLLEAGUE.email });
    await row.waitFor();
    expect(await row.getByRole("cell").nth(1).textContent()).toBe("Partner user");
    // The form was reset for the next invitation.
    expect(await page.getByLabel("Email address", { exact: true }).inputValue()).toBe("");
    await signOutUi(page);

    // The vendor admin reads the invitation in the dev mailbox.
    await signInUi(page, "admin@vendor.test", DEMO_PASSWORD, "Avery Admin");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Mail" }).click();
    await waitForPath(page, "/mail");
    const mailRow = page.getByRole("row").filter({ hasText: COLLEAGUE.email });
    await mailRow.getByRole("link").click();
    await page.waitForURL(/\/mail\/[0-9a-f-]{36}$/);
    const text = page.getByTestId("mail-text");
    await text.waitFor();
    const body = (await text.textContent()) ?? "";
    expect(body).toContain("Polder Relay");
    const link = new RegExp(`${e2e.server.url.replace(/[.:/]/g, "\\$&")}/invitations/[A-Za-z0-9_-]+`).exec(body)?.[0];
    expect(link, `an accept link in:\n${body}`).toBeDefined();
    await signOutUi(page);

    // The colleague opens the link, chooses a name and password, and is signed in.
    await page.goto(link!);
    await page.getByRole("heading", { name: "Join Polder Relay" }).waitFor();
    expect(await page.locator(".auth-card p").first().textContent()).toContain(COLLEAGUE.email);
    await page.getByLabel("Your name").fill(COLLEAGUE.name);
    await page.getByLabel("Password", { exact: true }).fill(COLLEAGUE.password);
    await page.getByLabel("Repeat the password").fill(COLLEAGUE.password);
    await page.getByRole("button", { name: "Create my account" }).click();
    await waitForPath(page, "/");
    await page.getByRole("heading", { name: `Welcome, ${COLLEAGUE.name}` }).waitFor();
    const who = page.locator(".sidebar .who");
    expect(await who.textContent()).toContain(COLLEAGUE.name);
    expect(await who.textContent()).toContain("Partner user");
    // A partner user sees no API keys in the navigation.
    expect(await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API keys" }).count()).toBe(
      0,
    );

    // The link is spent.
    await signOutUi(page);
    await page.goto(link!);
    await page.getByRole("heading", { name: "Invitation not valid" }).waitFor();

    // And the new password works on its own.
    await signInUi(page, COLLEAGUE.email, COLLEAGUE.password, COLLEAGUE.name);
    expect(pathOf(page)).toBe("/");
  });

  it("shows up in the vendor admin's audit trail, which filters by action", async () => {
    const page = await e2e.newPage();
    await signInUi(page, "admin@vendor.test", DEMO_PASSWORD, "Avery Admin");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit" }).click();
    await waitForPath(page, "/audit");
    await page.getByRole("heading", { name: "Audit trail" }).waitFor();

    const rows = page.locator("table tbody tr");
    const actionsShown = async () =>
      (await rows.locator("td:nth-child(3) code").allTextContents()).map((s) => s.trim());
    const all = await actionsShown();
    expect(all).toEqual(expect.arrayContaining(["invitation.created", "invitation.accepted", "auth.sign_in"]));
    const created = rows.filter({ has: page.locator("code", { hasText: /^invitation\.created$/ }) });
    expect(await created.first().textContent()).toContain("owner@polder-relay.test");
    expect(await created.first().textContent()).toContain(COLLEAGUE.email);

    // Filter by action.
    await page.getByLabel("Action").selectOption("invitation.accepted");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL((url) => url.searchParams.get("action") === "invitation.accepted");
    await rows.first().filter({ hasText: "invitation.accepted" }).waitFor();
    const filtered = await actionsShown();
    expect(filtered).toEqual(["invitation.accepted"]);
    expect(await rows.first().textContent()).toContain(COLLEAGUE.email);
    expect(await page.getByLabel("Action").inputValue()).toBe("invitation.accepted");

    await page.getByLabel("Action").selectOption("auth.sign_in");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL((url) => url.searchParams.get("action") === "auth.sign_in");
    await rows.first().filter({ hasText: "auth.sign_in" }).waitFor();
    const signIns = await actionsShown();
    expect(new Set(signIns)).toEqual(new Set(["auth.sign_in"]));
    // Sign-ins of the partner admin, the vendor admin (twice) and the colleague (at acceptance and again).
    expect(signIns.length).toBeGreaterThanOrEqual(5);
    const actors = await rows.locator("td:nth-child(2)").allTextContents();
    expect(actors.some((a) => a.includes(COLLEAGUE.email))).toBe(true);
  });
});
