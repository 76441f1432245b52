/**
 * The vendor's lead pages over HTTP against the built portal and its demo
 * world: partner people get 403 on the board, a lead's vendor page, the
 * rules, the performance CSV and the board CSV; a channel manager gets 403 on
 * the rules; vendor pages render; bulk routing works through the board's form;
 * a note and a hold go through the lead page's intents.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DbHandle } from "~db/client";
import { startAppServer, type AppServer } from "../../support/app-server";
import { get, html, postForm, query, serverErrorLines, signIn } from "../../support/http-client";
import { createTestLead } from "../../support/lead-factories";

let server: AppServer;
let handle: DbHandle;
const cookies: Record<string, string> = {};

const CHANNEL_MANAGER = "sales@vendor.test";
const VENDOR_ADMIN = "admin@vendor.test";
const POLDER_ADMIN = "owner@polder-relay.test";
const POLDER_USER = "daan.bakker@polder-relay.test";
const as = (email: string) => ({ cookie: cookies[email]! });

beforeAll(async () => {
  server = await startAppServer();
  handle = await openDatabase({ url: server.databaseUrl, poolSize: 2 });
  for (const email of [CHANNEL_MANAGER, VENDOR_ADMIN, POLDER_ADMIN, POLDER_USER]) {
    cookies[email] = await signIn(server, email);
  }
}, 120_000);

afterAll(async () => {
  await handle?.close();
  await server?.stop();
});

describe("access", () => {
  it("refuses partner people on every vendor lead page and file", async () => {
    const lead = await createTestLead(handle.db, { companyName: "Hidden From Partners BV" });
    for (const email of [POLDER_ADMIN, POLDER_USER]) {
      for (const path of [
        "/leads/manage",
        `/leads/manage/${lead.id}`,
        "/leads/rules",
        "/leads/manage/export.csv",
        "/leads/performance.csv",
      ]) {
        const res = await get(server, path, as(email));
        expect(res.status, `${email} ${path}`).toBe(403);
        expect(await res.text()).not.toContain("Hidden From Partners BV");
      }
      const post = await postForm(server, "/leads/manage?index", { intent: "route", leadId: lead.id }, as(email));
      expect(post.status).toBe(403);
      const note = await postForm(server, `/leads/manage/${lead.id}`, { intent: "note", body: "x" }, as(email));
      expect(note.status).toBe(403);
    }
    const [row] = await query<{ status: string }>(server, "select status from leads where id = $1", [lead.id]);
    expect(row!.status).toBe("new");
  });

  it("refuses the rules page to channel managers", async () => {
    expect((await get(server, "/leads/rules", as(CHANNEL_MANAGER))).status).toBe(403);
    const res = await postForm(
      server,
      "/leads/rules",
      { intent: "add-holiday", country: "NL", date: "2031-04-27", name: "x" },
      as(CHANNEL_MANAGER),
    );
    expect(res.status).toBe(403);
  });
});

describe("vendor pages", () => {
  it("render for vendor staff", async () => {
    const lead = await createTestLead(handle.db, { companyName: "Rendered <b>Lead</b> BV" });
    const board = await get(server, "/leads/manage", as(CHANNEL_MANAGER));
    expect(board.status).toBe(200);
    const boardHtml = await html(board);
    expect(boardHtml).toContain("Lead board");
    expect(boardHtml).toContain("Rendered &lt;b&gt;Lead&lt;/b&gt; BV");
    expect(boardHtml).not.toContain('href="/leads/rules"');

    expect(await html(await get(server, "/leads/manage", as(VENDOR_ADMIN)))).toContain('href="/leads/rules"');
    const detail = await get(server, `/leads/manage/${lead.id}`, as(CHANNEL_MANAGER));
    expect(detail.status).toBe(200);
    expect(await html(detail)).toContain("Why this partner");
    expect((await get(server, `/leads/manage/${crypto.randomUUID()}`, as(CHANNEL_MANAGER))).status).toBe(404);
    expect((await get(server, "/leads/manage/not-an-id", as(CHANNEL_MANAGER))).status).toBe(404);

    const rules = await get(server, "/leads/rules", as(VENDOR_ADMIN));
    expect(rules.status).toBe(200);
    expect(await html(rules)).toContain("Routing rules");
    const perf = await get(server, "/leads/performance?period=30", as(CHANNEL_MANAGER));
    expect(perf.status).toBe(200);
    expect(await html(perf)).toContain("Partner lead performance");
    const own = await get(server, "/leads/performance", as(POLDER_USER));
    expect(own.status).toBe(200);
    expect(await html(own)).toContain("Your lead performance");

    const csv = await get(server, "/leads/manage/export.csv?q=Rendered", as(CHANNEL_MANAGER));
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    expect(await csv.text()).toContain("Rendered <b>Lead</b> BV");
    const perfCsv = await get(server, "/leads/performance.csv?period=365", as(VENDOR_ADMIN));
    expect(perfCsv.status).toBe(200);
    expect((await perfCsv.text()).replace(/^\uFEFF/, "")).toMatch(/^Partner ID,Partner,Offers/);
    expect(serverErrorLines(server)).toEqual([]);
  });

  it("bulk-routes the selected leads through the board's form", async () => {
    const a = await createTestLead(handle.db, { country: "NL" });
    const b = await createTestLead(handle.db, { country: "NL" });
    const held = await createTestLead(handle.db, { status: "held", heldReason: "Key account" });
    const res = await postForm(
      server,
      "/leads/manage?index",
      { intent: "route", leadId: [a.id, b.id, held.id] },
      as(CHANNEL_MANAGER),
    );
    expect(res.status).toBe(200);
    const page = await html(res);
    expect(page).toMatch(/Routed the selection: <strong>\d+<\/strong> offered, <strong>\d+<\/strong> without/);
    expect(page).toContain("<strong>1</strong> skipped");
    expect(page).toContain("the lead is held");
    const rows = await query<{ id: string; status: string; needs_attention: boolean }>(
      server,
      "select id, status, needs_attention from leads where id = any($1::uuid[])",
      [[a.id, b.id, held.id]],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const id of [a.id, b.id]) {
      const r = byId.get(id)!;
      expect(r.status === "offered" || r.needs_attention, `${id} routed`).toBe(true);
    }
    expect(byId.get(held.id)!.status).toBe("held");
    const decisions = await query<{ n: string }>(
      server,
      "select count(*) as n from routing_decisions where lead_id = any($1::uuid[]) and mode = 'bulk'",
      [[a.id, b.id]],
    );
    expect(Number(decisions[0]!.n)).toBe(2);

    const empty = await postForm(server, "/leads/manage?index", { intent: "route" }, as(CHANNEL_MANAGER));
    expect(empty.status).toBe(400);
    expect(await html(empty)).toContain("Select at least one lead.");
  });

  it("adds a note and holds a lead through the lead page's intents", async () => {
    const lead = await createTestLead(handle.db);
    const bad = await postForm(server, `/leads/manage/${lead.id}`, { intent: "note", body: " " }, as(CHANNEL_MANAGER));
    expect(bad.status).toBe(400);
    const note = await postForm(
      server,
      `/leads/manage/${lead.id}`,
      { intent: "note", body: "Call after 3 pm" },
      as(CHANNEL_MANAGER),
    );
    expect(note.status).toBe(200);
    expect(await html(note)).toContain("Call after 3 pm");
    const hold = await postForm(
      server,
      `/leads/manage/${lead.id}`,
      { intent: "hold", reason: "Waiting for the CFO" },
      as(CHANNEL_MANAGER),
    );
    expect(hold.status).toBe(200);
    const [row] = await query<{ status: string; held_reason: string }>(
      server,
      "select status, held_reason from leads where id = $1",
      [lead.id],
    );
    expect(row).toEqual({ status: "held", held_reason: "Waiting for the CFO" });
  });

  it("publishes rules from the form (field errors per field, blank rows dropped) and manages holidays", async () => {
    const version = async () =>
      Number((await query<{ v: number }>(server, "select max(version) as v from routing_rules"))[0]!.v);
    const before = await version();
    const fields = {
      intent: "publish",
      "territoryMap[0].area": "NZ",
      "territoryMap[0].servedBy": "AU, SG",
      "territoryMap[1].area": "",
      "territoryMap[1].servedBy": "",
      "productRules[0].productId": "",
      "productRules[0].specialization": "",
      "productRules[0].certification": "",
      "productRules[0].minimumTier": "",
      minimumTier: "registered",
      requiredCertification: "",
      defaultCapacity: "30",
      "weights.tier": "3",
      "weights.acceptanceRate": "3",
      "weights.timeToAccept": "2",
      "weights.winRate": "2",
      slaBusinessDays: "2",
      workdayStartHour: "9",
      workdayEndHour: "17",
      maxOffers: "3",
      note: "NZ served from AU",
    };
    const bad = await postForm(
      server,
      "/leads/rules",
      { ...fields, "territoryMap[0].area": "ZZZ", "weights.tier": "11" },
      as(VENDOR_ADMIN),
    );
    expect(bad.status).toBe(400);
    const badHtml = await html(bad);
    expect(badHtml).toContain("Weights are 0 to 10.");
    expect(badHtml).toContain("Use a country code (JP) or a subdivision (US-CO).");
    expect(badHtml).toContain('value="ZZZ"');
    expect(await version()).toBe(before);

    const ok = await postForm(server, "/leads/rules", fields, as(VENDOR_ADMIN));
    expect(ok.status).toBe(200);
    expect(await version()).toBe(before + 1);
    const [row] = await query<{ rules: { territoryMap: unknown; defaultCapacity: number; productRules: unknown[] } }>(
      server,
      "select rules from routing_rules order by version desc limit 1",
    );
    expect(row!.rules.territoryMap).toEqual([{ area: "NZ", servedBy: ["AU", "SG"] }]);
    expect(row!.rules.productRules).toEqual([]);
    expect(row!.rules.defaultCapacity).toBe(30);

    const add = await postForm(
      server,
      "/leads/rules",
      { intent: "add-holiday", country: "NL", date: "2031-04-27", name: "Koningsdag" },
      as(VENDOR_ADMIN),
    );
    expect(add.status).toBe(200);
    expect(await html(await get(server, "/leads/rules?country=NL&year=2031", as(VENDOR_ADMIN)))).toContain(
      "Koningsdag",
    );
    const badHoliday = await postForm(
      server,
      "/leads/rules",
      { intent: "add-holiday", country: "NL", date: "2031-02-30", name: "x" },
      as(VENDOR_ADMIN),
    );
    expect(badHoliday.status).toBe(400);
    expect(await html(badHoliday)).toContain("Not a calendar date.");
    const remove = await postForm(
      server,
      "/leads/rules",
      { intent: "remove-holiday", key: "NL:2031-04-27" },
      as(VENDOR_ADMIN),
    );
    expect(remove.status).toBe(200);
    const left = await query(server, "select 1 from public_holidays where country = 'NL' and date = '2031-04-27'");
    expect(left).toHaveLength(0);
  });
});
