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

describe("/tiers: adding a tier", () => {
  const platinum = {
    newKey: "platinum",
    newName: "Platinum",
    newAbove: "gold",
    newCertifications: "mail-relay-fundamentals: 9\nsecure-relay-tls-auth: 9",
    newRevenueUsd: "9000000",
    newWonDeals: "90",
    newAcceptancePercent: "90",
    newDiscount: "40",
    newRoutingWeight: "1",
    newProtectionDays: "180",
  };
  const today = () => new Date().toISOString().slice(0, 10);
  const counts = async () =>
    (
      await query<{ versions: number; tiers: number }>(
        server,
        "select (select count(*)::int from tier_rules) as versions, (select count(*)::int from tiers) as tiers",
      )
    )[0]!;

  it("refuses a bad key, a key or a name already taken, field by field, changing nothing", async () => {
    const before = await counts();
    const fields = { ...formValuesOf(DEMO_TIER_RULES), effectiveDate: today(), ...platinum, intent: "publish" };
    for (const [over, message] of [
      [{ newKey: "Platinum Tier" }, "Use lowercase letters, digits and dashes, starting with a letter (at most 30)."],
      [{ newKey: "gold" }, "A tier with the key “gold” already exists."],
      [{ newName: "gold" }, "A tier named “gold” already exists."],
      [{ newDiscount: "-5" }, "The discount cannot be negative."],
    ] as const) {
      const res = await postForm(server, "/tiers", { ...fields, ...over }, as(VENDOR_ADMIN));
      expect(res.status, message).toBe(400);
      const page = await html(res);
      expect(page, message).toContain(message);
      expect(page).toContain("nothing was changed");
      // The refused draft stays in the form, the new tier's column included.
      expect(page).toContain(`value="${Object.values(over)[0]}"`);
    }
    expect(await counts()).toEqual(before);
  });

  it("publishes Platinum above Gold: the form, the versions and the dashboards show it", async () => {
    const before = await counts();
    const res = await postForm(
      server,
      "/tiers",
      { ...formValuesOf(DEMO_TIER_RULES), effectiveDate: today(), note: "Platinum", ...platinum, intent: "publish" },
      as(VENDOR_ADMIN),
    );
    expect(res.status).toBe(200);
    expect(await html(res)).toMatch(/Version \d+ published/);
    expect(await counts()).toEqual({ versions: before.versions + 1, tiers: before.tiers + 1 });
    const [ladder] = await query<{ keys: string[] }>(
      server,
      "select array(select t->>'key' from jsonb_array_elements(rules->'tiers') t) as keys from tier_rules order by version desc limit 1",
    );
    expect(ladder!.keys).toEqual(["registered", "silver", "gold", "platinum"]);
    const page = await html(await get(server, "/tiers", as(VENDOR_ADMIN)));
    expect(page).toContain('name="platinumDiscount"');
    expect(page).toContain('value="Platinum"');
    // Nobody meets Platinum: the vendor's dashboard lists it with no partner, the partners keep their tiers.
    const dashboard = await html(await get(server, "/", as(CHANNEL_MANAGER)));
    expect(dashboard).toContain("Platinum");
    expect(await html(await get(server, "/", as(SOUTHERN_ADMIN)))).toContain("Programme tier: Silver");
    expect(serverErrorLines(server)).toEqual([]);
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
