/**
 * Bad input in the browser: the sign-in form's messages, and field-level
 * errors on the invitation and accept-invitation forms, both from the
 * browser's own validation and from the server.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { postForm, query, signIn } from "../support/http-client";
import { DEMO_PASSWORD, pathOf, signInUi, setupE2E, waitForPath } from "./helpers";

const e2e = setupE2E();

/** The `.field` block around the control labelled `label`. */
function fieldOf(page: Page, label: string) {
  return page.locator(".field").filter({ has: page.getByLabel(label, { exact: true }) });
}

async function sessionCookies(page: Page) {
  return (await page.context().cookies()).filter((c) => c.name === "__portal_session");
}

describe("sign-in form", () => {
  it("shows the error for a wrong password and stays on /login, signed out", async () => {
    const page = await e2e.newPage();
    await page.goto("/login");
    await page.getByLabel("Email address", { exact: true }).fill("owner@polder-relay.test");
    await page.getByLabel("Password", { exact: true }).fill("definitely-wrong");
    await page.getByRole("button", { name: "Sign in" }).click();

    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toBe("The email address or password is not right.");
    expect(pathOf(page)).toBe("/login");
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Sign in");
    expect(await page.getByLabel("Email address", { exact: true }).inputValue()).toBe("owner@polder-relay.test");
    expect(await sessionCookies(page)).toEqual([]);

    // Opening a page still sends us to sign in.
    await page.goto("/team");
    await waitForPath(page, "/login");
    expect(new URL(page.url()).searchParams.get("redirectTo")).toBe("/team");
  });

  it("asks for both fields when they are empty", async () => {
    const page = await e2e.newPage();
    await page.goto("/login");
    await page.getByRole("button", { name: "Sign in" }).click();
    await fieldOf(page, "Email address").getByText("Enter your email address.").waitFor();
    await fieldOf(page, "Password").getByText("Enter your password.").waitFor();
    expect(await page.getByLabel("Email address", { exact: true }).getAttribute("aria-invalid")).toBe("true");
    expect(pathOf(page)).toBe("/login");
  });

  it("goes back to the page that sent us to sign in", async () => {
    const page = await e2e.newPage();
    await page.goto("/api-keys");
    await waitForPath(page, "/login");
    await page.getByLabel("Email address", { exact: true }).fill("owner@polder-relay.test");
    await page.getByLabel("Password", { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await waitForPath(page, "/api-keys");
    await page.getByRole("heading", { name: "API keys" }).waitFor();
  });
});

describe("invite form", () => {
  async function openTeam(page: Page) {
    await signInUi(page, "owner@polder-relay.test", DEMO_PASSWORD, "Sanne de Vries");
    await page.goto("/team");
    await page.getByRole("heading", { name: "Invite a colleague" }).waitFor();
  }

  async function pendingCount(): Promise<number> {
    return (await query(e2e.server, "select 1 from invitations")).length;
  }

  it("shows a field-level error for an invalid email address and sends nothing", async () => {
    const page = await e2e.newPage();
    await openTeam(page);
    const before = await pendingCount();
    await page.getByLabel("Email address", { exact: true }).fill("not-an-email");
    await page.getByLabel("Role", { exact: true }).selectOption({ label: "Partner user" });
    await page.getByRole("button", { name: "Send the invitation" }).click();

    await fieldOf(page, "Email address").getByText("Enter a valid email address.").waitFor();
    expect(await page.getByLabel("Email address", { exact: true }).getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByRole("status").count()).toBe(0);
    expect(await pendingCount()).toBe(before);
  });

  it("asks for a role when none is chosen", async () => {
    const page = await e2e.newPage();
    await openTeam(page);
    await page.getByLabel("Email address", { exact: true }).fill("no.role@polder-relay.test");
    await page.getByRole("button", { name: "Send the invitation" }).click();
    await fieldOf(page, "Role").getByText("Choose a role.").waitFor();
  });

  it("shows the server's field error for someone who already has an account", async () => {
    const page = await e2e.newPage();
    await openTeam(page);
    await page.getByLabel("Email address", { exact: true }).fill("daan.bakker@polder-relay.test");
    await page.getByLabel("Role", { exact: true }).selectOption({ label: "Partner user" });
    await page.getByRole("button", { name: "Send the invitation" }).click();
    await fieldOf(page, "Email address").getByText("Someone with this email address already has an account.").waitFor();
    expect(await page.getByRole("status").count()).toBe(0);
  });
});

describe("accept-invitation form", () => {
  it("explains what is wrong with the password, then accepts a good one", async () => {
    // The invitation is made over HTTP; its link is read from the outbox.
    const email = "piet.hein@polder-relay.test";
    const cookie = await signIn(e2e.server, "owner@polder-relay.test");
    const res = await postForm(e2e.server, "/team", { intent: "invite", email, role: "partner_user" }, { cookie });
    expect(res.status).toBe(200);
    const [mail] = await query<{ text: string }>(e2e.server, "select text from mail_messages where to_address = $1", [
      email,
    ]);
    const link = /https?:\/\/\S+\/invitations\/[A-Za-z0-9_-]+/.exec(mail!.text)?.[0];
    expect(link).toBeDefined();

    const page = await e2e.newPage();
    await page.goto(link!);
    await page.getByRole("heading", { name: "Join Polder Relay" }).waitFor();
    await page.getByLabel("Your name").fill("Piet Hein");
    await page.getByLabel("Password", { exact: true }).fill("short");
    await page.getByLabel("Repeat the password").fill("shorter");
    await page.getByRole("button", { name: "Create my account" }).click();
    await fieldOf(page, "Password").getByText("Use at least 10 characters.").waitFor();
    await fieldOf(page, "Repeat the password").getByText("The two passwords differ.").waitFor();
    expect(pathOf(page)).toBe(new URL(link!).pathname);

    // The server's own rule: no email address in the password.
    await page.getByLabel("Password", { exact: true }).fill("piet.hein-forever");
    await page.getByLabel("Repeat the password").fill("piet.hein-forever");
    await page.getByRole("button", { name: "Create my account" }).click();
    await fieldOf(page, "Password").getByText("Do not use your email address in your password.").waitFor();
    expect(await query(e2e.server, "select 1 from users where email = $1", [email])).toEqual([]);

    await page.getByLabel("Password", { exact: true }).fill("silver skates 1865");
    await page.getByLabel("Repeat the password").fill("silver skates 1865");
    await page.getByRole("button", { name: "Create my account" }).click();
    await waitForPath(page, "/");
    await page.getByRole("heading", { name: "Welcome, Piet Hein" }).waitFor();
  });
});
