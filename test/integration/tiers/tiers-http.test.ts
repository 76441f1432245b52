/**
 * The tier pages over HTTP against the built portal and its demo world: who
 * may open /tiers (vendor admins; 403 otherwise), the what-if preview and a
 * refused publish through the form, and the dashboard's scorecards: a
 * partner sees its own tier, progress and people, never another partner's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_TIER_RULES } from "~db/seed-tiers";
import { formValuesOf } from "~/modules/tiers/schemas";
import { startAppServer, type AppServer } from "../../support/app-server";
import { get, html, postForm, query, serverErrorLines, signIn } from "../../support/http-client";

let server: AppServer;
const cookies: Record<string, string> = {};
const VENDOR_ADMIN = "admin@vendor.test";
const CHANNEL_MANAGER = "sales@vendor.test";
const SOUTHERN_ADMIN = "owner@southern-cross.test";
const LIBERTY_ADMIN = "owner@liberty-mailworks.test";
const SAKURA_USER = "yui.tanaka@sakura-mail.test";
const as = (email: string) => ({ cookie: cookies[email]! });

beforeAll(async () => {
  server = await startAppServer();
  for (const email of [VENDOR_ADMIN, CHANNEL_MANAGER, SOUTHERN_ADMIN, LIBERTY_ADMIN, SAKURA_USER]) {
    cookies[email] = await signIn(server, email);
  }
}, 90_000);

afterAll(async () => {
  await server?.stop();
});

describe("/tiers", () => {
  it("is for vendor admins only", async () => {
    const ok = await get(server, "/tiers", as(VENDOR_ADMIN));
    expect(ok.status).toBe(200);
    const page = await html(ok);
    expect(page).toContain("Programme tiers");
    expect(page).toContain("Version 2 is in force");
    expect(page).toContain("Pinned at Gold");
    for (const email of [CHANNEL_MANAGER, SOUTHERN_ADMIN, SAKURA_USER]) {
      expect((await get(server, "/tiers", as(email))).status, email).toBe(403);
      expect((await postForm(server, "/tiers", { intent: "preview" }, as(email))).status, email).toBe(403);
    }
  });

  it("previews a rule change and refuses a bad one field by field, publishing nothing", async () => {
    const [before] = await query<{ n: number }>(server, "select count(*)::int as n from tier_rules");
    // The demo's rules in force (version 2) as the form sends them.
    const fields: Record<string, string> = { ...formValuesOf(DEMO_TIER_RULES), effectiveDate: "2099-01-01" };
    // "Raise Gold to 3 certified relay engineers."
    fields.goldCertifications = "mail-relay-fundamentals: 3\nsecure-relay-tls-auth: 1";
    const preview = await postForm(server, "/tiers", { ...fields, intent: "preview" }, as(VENDOR_ADMIN));
    expect(preview.status).toBe(200);
    const previewed = await html(preview);
    expect(previewed).toContain("What if:");
    expect(previewed).toMatch(/Sakura Mail Systems[^]*?At risk/);

    const bad = await postForm(
      server,
      "/tiers",
      { ...fields, goldWonDeals: "-1", intent: "publish" },
      as(VENDOR_ADMIN),
    );
    expect(bad.status).toBe(400);
    expect(await html(bad)).toContain("cannot be negative");
    const [after] = await query<{ n: number }>(server, "select count(*)::int as n from tier_rules");
    expect(after!.n).toBe(before!.n);
  });
});

describe("dashboard scorecards", () => {
  it("shows a partner its own tier, progress with named people and what expires, nobody else's", async () => {
    const page = await html(await get(server, "/", as(SOUTHERN_ADMIN)));
    expect(page).toContain("Programme tier: Silver");
    expect(page).toContain("Toward Gold");
    expect(page).toContain("Olivia Nguyen");
    expect(page).toContain("without a renewal your tier would drop to Registered");
    // Sakura's certified people and Liberty's standing are not on it.
    expect(page).not.toContain("Haruto Sato");
    expect(page).not.toContain("Liberty Mailworks");

    const liberty = await html(await get(server, "/", as(LIBERTY_ADMIN)));
    expect(liberty).toContain("Your Silver tier is at risk");
    expect(liberty).not.toContain("Olivia Nguyen");
  });

  it("shows vendor staff the channel by tier and country", async () => {
    const page = await html(await get(server, "/", as(CHANNEL_MANAGER)));
    expect(page).toContain("The channel by tier");
    expect(page).toContain('aria-label="Partners by country, stacked by tier"');
    expect(page).toMatch(/Partners at risk[^]*Liberty Mailworks/);
    expect(serverErrorLines(server)).toEqual([]);
  });
});
