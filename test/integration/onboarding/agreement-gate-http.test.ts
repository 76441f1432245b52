/**
 * The agreement gate over HTTP against the running portal (demo world:
 * version 1 is published and accepted by the demo partners). The tests share
 * one server and run in order:
 *  1. a newly approved partner (never accepted) is held at /agreement on every
 *     page, action and API call; its partner user can read but not accept;
 *  2. its partner admin accepts through POST /agreement and everything opens;
 *  3. a vendor admin publishes version 2 through the form (grace period:
 *     pages stay open, with a banner);
 *  4. the grace period runs out (the effective date is moved back): the demo
 *     partner is held at /agreement until its admin accepts version 2.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DbHandle } from "~db/client";
import type { Partner } from "~db/schema";
import { createApiKey } from "~/modules/accounts/api-keys.server";
import { startAppServer, type AppServer } from "../../support/app-server";
import { createPartner, createUser, ctxFor, type TestUser } from "../../support/factories";
import { get, html, postForm, query, serverErrorLines, signIn } from "../../support/http-client";

let server: AppServer;
let handle: DbHandle;
let newco: Partner;
let newAdmin: TestUser;
let newUser: TestUser;
let apiKey: string;
const cookies: Record<string, string> = {};

const VENDOR_ADMIN = "admin@vendor.test";
const POLDER_ADMIN = "owner@polder-relay.test";
const POLDER_USER = "daan.bakker@polder-relay.test";
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) GateTest/2.0";

beforeAll(async () => {
  server = await startAppServer();
  // The server's own database, for setting up a partner the demo world does not have.
  handle = await openDatabase({ url: server.databaseUrl, poolSize: 2 });
  newco = await createPartner(handle.db, { name: "Newco Mail", status: "approved" });
  newAdmin = await createUser(handle.db, { role: "partner_admin", partnerId: newco.id });
  newUser = await createUser(handle.db, { role: "partner_user", partnerId: newco.id });
  apiKey = (await createApiKey(ctxFor(handle.db, newAdmin), { name: "CRM", scopes: ["me:read"] })).key;
  cookies.newAdmin = await signIn(server, newAdmin.email, newAdmin.password);
  cookies.newUser = await signIn(server, newUser.email, newUser.password);
  for (const email of [VENDOR_ADMIN, POLDER_ADMIN, POLDER_USER]) cookies[email] = await signIn(server, email);
}, 90_000);

afterAll(async () => {
  await handle?.close();
  await server?.stop();
});

const as = (who: string) => ({ cookie: cookies[who]! });
const me = () => fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${apiKey}` } });

async function expectHeldAtAgreement(who: string) {
  for (const path of ["/", "/team", "/leads", "/settings", "/api-keys"]) {
    const res = await get(server, path, as(who));
    expect(res.status, path).toBe(302);
    expect(res.headers.get("location"), path).toBe("/agreement");
  }
  const invite = await postForm(
    server,
    "/team",
    { intent: "invite", email: "someone@example.test", role: "partner_user" },
    as(who),
  );
  expect(invite.status).toBe(302);
  expect(invite.headers.get("location")).toBe("/agreement");
  expect(await query(server, "select 1 from invitations where email = 'someone@example.test'")).toEqual([]);
}

describe("a partner that has not accepted the agreement", () => {
  it("sends its users to /agreement from every page and action", async () => {
    await expectHeldAtAgreement("newUser");
    await expectHeldAtAgreement("newAdmin");
  });

  it("shows its partner user the agreement, read-only, and nothing else in the navigation", async () => {
    const res = await get(server, "/agreement", as("newUser"));
    expect(res.status).toBe(200);
    const page = await html(res);
    expect(page).toContain("Partner Programme Agreement 2026");
    expect(page).toContain("Your company has not accepted the programme agreement yet.");
    expect(page).toContain("A partner admin of your company must accept this agreement");
    expect(page).not.toContain('name="confirm"');
    expect(page).not.toContain('href="/team"');
  });

  it("refuses the API with 403 and the agreement message", async () => {
    const res = await me();
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      error: {
        code: "forbidden",
        message: "A partner admin must accept the current programme agreement in the portal first.",
      },
    });
  });

  it("does not let a partner user accept", async () => {
    const res = await postForm(server, "/agreement", { intent: "accept", version: "1", confirm: "on" }, as("newUser"));
    expect(res.status).toBe(403);
    expect(await query(server, "select 1 from agreement_acceptances where partner_id = $1", [newco.id])).toEqual([]);
  });
});

describe("the partner admin accepts", () => {
  it("needs the box ticked", async () => {
    const page = await html(await get(server, "/agreement", as("newAdmin")));
    expect(page).toContain('name="confirm"');
    expect(page).toContain("I have read and accept version 1");
    const res = await postForm(server, "/agreement", { intent: "accept", version: "1" }, as("newAdmin"));
    expect(res.status).toBe(400);
    expect(await html(res)).toContain("Tick the box to confirm");
    expect((await get(server, "/", as("newUser"))).status).toBe(302);
  });

  it("records the acceptance, activates the partner and opens the portal and the API", async () => {
    const res = await postForm(
      server,
      "/agreement",
      { intent: "accept", version: "1", confirm: "on" },
      { ...as("newAdmin"), headers: { "user-agent": BROWSER } },
    );
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/");

    const [acc] = await query<{ version: number; user_id: string; ip: string; user_agent: string }>(
      server,
      "select version, user_id, ip, user_agent from agreement_acceptances where partner_id = $1",
      [newco.id],
    );
    expect(acc).toMatchObject({ version: 1, user_id: newAdmin.id, user_agent: BROWSER });
    expect(acc!.ip).toMatch(/127\.0\.0\.1/);
    const [p] = await query(server, "select status, agreement_version from partners where id = $1", [newco.id]);
    expect(p).toEqual({ status: "active", agreement_version: 1 });

    for (const path of ["/", "/team"]) expect((await get(server, path, as("newUser"))).status, path).toBe(200);
    expect((await me()).status).toBe(200);
    const page = await html(await get(server, "/agreement", as("newUser")));
    expect(page).toMatch(/Newco Mail accepted version 1 on .* \(user-/);
  });
});

describe("a new version with a grace period", () => {
  const today = () => new Date().toISOString().slice(0, 10);
  const body = "## What changes\n\nPartners **must** keep <script>alert('x')</script> records.\n";

  it("is published by a vendor admin through the form, with a preview", async () => {
    const form = { title: "Partner Programme Agreement 2027", body, effectiveDate: today(), graceDays: "30" };
    const preview = await postForm(server, "/agreements", { ...form, intent: "preview" }, as(VENDOR_ADMIN));
    expect(preview.status).toBe(200);
    const previewPage = await html(preview);
    expect(previewPage).toContain("<h4>What changes</h4>");
    expect(previewPage).toContain("&lt;script&gt;alert(");
    expect(await query(server, "select 1 from agreements where version = 2")).toEqual([]);

    const bad = await postForm(server, "/agreements", { ...form, intent: "publish", graceDays: "0" }, as(VENDOR_ADMIN));
    expect(bad.status).toBe(400);
    expect(await html(bad)).toContain("At least 1 day.");
    expect(await query(server, "select 1 from agreements where version = 2")).toEqual([]);

    const res = await postForm(server, "/agreements", { ...form, intent: "publish" }, as(VENDOR_ADMIN));
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/agreements?published=2");
    const list = await html(await get(server, "/agreements?published=2", as(VENDOR_ADMIN)));
    expect(list).toContain("Version 2 is published.");
    expect(list).toContain("Partner Programme Agreement 2027");

    const mails = await query<{ partner_id: string }>(
      server,
      "select partner_id from mail_messages where dedupe_key like 'agreement-published:2:%'",
    );
    expect(mails.map((m) => m.partner_id)).toContain(newco.id);
    expect(mails.length).toBeGreaterThan(5);
  });

  it("is only for vendor admins", async () => {
    expect((await get(server, "/agreements", as(POLDER_ADMIN))).status).toBe(403);
    const res = await postForm(
      server,
      "/agreements",
      { intent: "publish", title: "x", body: "x", effectiveDate: today() },
      as(POLDER_ADMIN),
    );
    expect(res.status).toBe(403);
  });

  it("leaves the portal open during the grace period, with a banner and the new text", async () => {
    const home = await get(server, "/", as(POLDER_USER));
    expect(home.status).toBe(200);
    expect(await html(home)).toContain("A new version of the programme agreement must be accepted by");
    const page = await html(await get(server, "/agreement", as(POLDER_USER)));
    expect(page).toContain("Partner Programme Agreement 2027");
    expect(page).toContain("&lt;script&gt;alert(");
    expect(page).not.toContain("<script>alert(");
    expect(page).toContain("Your company accepted version 1. Version 2 is in force since");
    expect((await get(server, "/team", as(POLDER_USER))).status).toBe(200);
  });

  it("holds the partner at /agreement once the grace period is over, until its admin accepts", async () => {
    // 31 days pass.
    await query(server, "update agreements set effective_at = now() - interval '31 days' where version = 2");
    await expectHeldAtAgreement(POLDER_USER);
    expect(await html(await get(server, "/agreement", as(POLDER_USER)))).toContain(
      "The time to accept version 2 ended on",
    );
    const old = await postForm(
      server,
      "/agreement",
      { intent: "accept", version: "1", confirm: "on" },
      as(POLDER_ADMIN),
    );
    expect(old.status).toBe(422);
    expect(await html(old)).toContain("Version 1 is not the programme agreement in force: accept version 2.");

    const res = await postForm(
      server,
      "/agreement",
      { intent: "accept", version: "2", confirm: "on" },
      as(POLDER_ADMIN),
    );
    expect(res.status).toBe(302);
    for (const path of ["/", "/team"]) expect((await get(server, path, as(POLDER_USER))).status, path).toBe(200);

    const detail = await html(await get(server, "/agreements/2", as(VENDOR_ADMIN)));
    expect(detail).toMatch(/Accepted by \(\d+\)/);
    expect(detail).toContain("Polder Relay");
    expect(detail).toContain("blocked until accepted"); // the other demo partners
    expect((await get(server, "/agreements/99", as(VENDOR_ADMIN))).status).toBe(404);
  });

  it("wrote nothing to the server's error output", () => {
    expect(serverErrorLines(server)).toEqual([]);
  });
});
