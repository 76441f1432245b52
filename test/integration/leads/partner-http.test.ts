/**
 * The partner's lead pages, the signed-link landing page and the lead API
 * over HTTP against the running portal and its demo world (leads inserted
 * here): a partner gets 404 for another partner's lead on every page, form
 * and endpoint, and for a lead recalled away from it; a GET of the mail
 * link's landing page changes nothing (the POST acts); the API lists, reads,
 * accepts, declines and updates; creating leads needs a vendor key (a
 * partner key is 403) and a repeated Idempotency-Key returns the same lead.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DbHandle } from "~db/client";
import { leadOffers, leads, type Lead } from "~db/schema";
import { createApiKey } from "~/modules/accounts/api-keys.server";
import { offerLinks } from "~/modules/leads/offer-links.server";
import { leadRef } from "~/modules/leads/status";
import type { Role } from "~/utils/permissions";
import { startAppServer, type AppServer } from "../../support/app-server";
import { get, html, postForm, query, serverErrorLines, signIn } from "../../support/http-client";
import { unique } from "../../support/factories";
import { createTestLead, offerDirect } from "../../support/lead-factories";

let server: AppServer;
let handle: DbHandle;
const cookies: Record<string, string> = {};
const keys: Record<string, string> = {};
const partnerIds: Record<string, string> = {};

const CHANNEL_MANAGER = "sales@vendor.test";
const VENDOR_ADMIN = "admin@vendor.test";
const POLDER_ADMIN = "owner@polder-relay.test";
const RHEIN_ADMIN = "owner@rheinmail.test";

const as = (email: string) => ({ cookie: cookies[email]! });

async function one<T extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T> {
  const [row] = await query<T>(server, text, params);
  if (!row) throw new Error(`no row for ${text}`);
  return row;
}

async function keyFor(email: string, scopes: string[]): Promise<string> {
  const user = await one<{ id: string; role: Role; partner_id: string | null }>(
    "select id, role, partner_id from users where email = $1",
    [email],
  );
  const actor = { userId: user.id, label: email, role: user.role, partnerId: user.partner_id, ip: null };
  return (await createApiKey({ db: handle.db, actor }, { name: unique("crm"), scopes })).key;
}

function api(method: string, path: string, key: string, body?: unknown, headers: Record<string, string> = {}) {
  return fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** A lead in a region nobody serves (a decline sends it back to the vendor), offered to `slug`. */
async function offeredTo(slug: string, opts: { accepted?: boolean } = {}): Promise<Lead> {
  const lead = await createTestLead(handle.db, { country: "NL", region: `NL-${unique("Z").slice(-6).toUpperCase()}` });
  await offerDirect(handle.db, lead, partnerIds[slug]!, { accepted: opts.accepted });
  return lead;
}

async function leadRow(id: string) {
  const [row] = await handle.db.select().from(leads).where(eq(leads.id, id));
  return row!;
}

beforeAll(async () => {
  server = await startAppServer();
  handle = await openDatabase({ url: server.databaseUrl, poolSize: 2 });
  for (const email of [CHANNEL_MANAGER, POLDER_ADMIN, RHEIN_ADMIN]) cookies[email] = await signIn(server, email);
  for (const slug of ["polder-relay", "rheinmail"]) {
    partnerIds[slug] = (await one<{ id: string }>("select id from partners where slug = $1", [slug])).id;
  }
  keys.vendor = await keyFor(VENDOR_ADMIN, ["leads:read", "leads:write"]);
  keys.polder = await keyFor(POLDER_ADMIN, ["leads:read", "leads:write"]);
  keys.polderRead = await keyFor(POLDER_ADMIN, ["leads:read"]);
  keys.rhein = await keyFor(RHEIN_ADMIN, ["leads:read", "leads:write"]);
}, 120_000);

afterAll(async () => {
  await handle?.close();
  await server?.stop();
});

describe("isolation", () => {
  it("another partner gets 404 on every page, form and endpoint of the lead, and nothing changes", async () => {
    const lead = await offeredTo("polder-relay");
    const ref = leadRef(lead.number);
    expect((await get(server, `/leads/${lead.id}`, as(RHEIN_ADMIN))).status).toBe(404);
    for (const intent of ["accept", "decline", "status", "next-step", "note"]) {
      const res = await postForm(
        server,
        `/leads/${lead.id}`,
        { intent, reason: "no_capacity", status: "contacted", nextStepDate: "2030-01-01", body: "x" },
        as(RHEIN_ADMIN),
      );
      expect(res.status, intent).toBe(404);
    }
    expect(await html(await get(server, "/leads", as(RHEIN_ADMIN)))).not.toContain(ref);
    expect((await get(server, `/deals/new?lead=${lead.id}`, as(RHEIN_ADMIN))).status).toBe(404);
    expect((await api("GET", `/leads/${lead.id}`, keys.rhein!)).status).toBe(404);
    expect((await api("POST", `/leads/${lead.id}/accept`, keys.rhein!)).status).toBe(404);
    expect((await api("POST", `/leads/${lead.id}/decline`, keys.rhein!, { reason: "no_capacity" })).status).toBe(404);
    expect((await api("PATCH", `/leads/${lead.id}`, keys.rhein!, { status: "contacted" })).status).toBe(404);
    const list = (await (await api("GET", "/leads", keys.rhein!)).json()) as { leads: { id: string }[] };
    expect(list.leads.map((l) => l.id)).not.toContain(lead.id);
    const row = await leadRow(lead.id);
    expect(row.status).toBe("offered");
    expect(row.partnerId).toBe(partnerIds["polder-relay"]);
    expect((await get(server, `/leads/${crypto.randomUUID()}`, as(POLDER_ADMIN))).status).toBe(404);
    expect((await get(server, `/leads/not-an-id`, as(POLDER_ADMIN))).status).toBe(404);
  });

  it("a lead recalled away from the partner is 404 for it on the page and the API", async () => {
    const lead = await offeredTo("polder-relay");
    expect((await get(server, `/leads/${lead.id}`, as(POLDER_ADMIN))).status).toBe(200);
    await handle.db
      .update(leadOffers)
      .set({ outcome: "recalled", outcomeAt: new Date(), outcomeVia: "vendor" })
      .where(eq(leadOffers.leadId, lead.id));
    await handle.db
      .update(leads)
      .set({ status: "new", partnerId: null, currentOfferId: null })
      .where(eq(leads.id, lead.id));
    expect((await get(server, `/leads/${lead.id}`, as(POLDER_ADMIN))).status).toBe(404);
    expect((await postForm(server, `/leads/${lead.id}`, { intent: "accept" }, as(POLDER_ADMIN))).status).toBe(404);
    expect((await api("GET", `/leads/${lead.id}`, keys.polder!)).status).toBe(404);
    expect((await api("POST", `/leads/${lead.id}/accept`, keys.polder!)).status).toBe(404);
  });

  it("vendor staff are sent to the board; the settings page is for partner admins", async () => {
    const list = await get(server, "/leads", as(CHANNEL_MANAGER));
    expect(list.status).toBe(302);
    expect(list.headers.get("location")).toBe("/leads/manage");
    const lead = await offeredTo("polder-relay");
    const detail = await get(server, `/leads/${lead.id}`, as(CHANNEL_MANAGER));
    expect(detail.status).toBe(302);
    expect(detail.headers.get("location")).toBe(`/leads/manage/${lead.id}`);
    expect((await get(server, "/leads/settings", as(CHANNEL_MANAGER))).status).toBe(403);
    const settings = await get(server, "/leads/settings", as(POLDER_ADMIN));
    expect(settings.status).toBe(200);
    expect(await html(settings)).toContain("Who receives offers");
  });
});

describe("the partner's pages", () => {
  it("list, accept in the portal, work, note; contact shown after accepting", async () => {
    const lead = await offeredTo("polder-relay");
    const ref = leadRef(lead.number);
    expect(await html(await get(server, "/leads", as(POLDER_ADMIN)))).toContain(ref);
    const before = await html(await get(server, `/leads/${lead.id}`, as(POLDER_ADMIN)));
    expect(before).toContain(`Accept ${ref}`);
    expect(before).not.toContain(lead.contactEmail);
    const accepted = await postForm(server, `/leads/${lead.id}`, { intent: "accept" }, as(POLDER_ADMIN));
    expect(accepted.status).toBe(200);
    expect((await leadRow(lead.id)).status).toBe("accepted");
    const after = await html(await get(server, `/leads/${lead.id}`, as(POLDER_ADMIN)));
    expect(after).toContain(lead.contactEmail);
    expect(after).toContain("Convert to deal registration");

    const won = await postForm(server, `/leads/${lead.id}`, { intent: "status", status: "won" }, as(POLDER_ADMIN));
    expect(won.status).toBe(400);
    expect((await leadRow(lead.id)).status).toBe("accepted");
    const note = await postForm(
      server,
      `/leads/${lead.id}`,
      { intent: "note", body: "<script>alert(1)</script> called" },
      as(POLDER_ADMIN),
    );
    expect(note.status).toBe(200);
    const page = await html(await get(server, `/leads/${lead.id}`, as(POLDER_ADMIN)));
    expect(page).not.toContain("<script>alert(1)</script>");
    expect(page).toContain("&lt;script&gt;");
    const prefill = await html(await get(server, `/deals/new?lead=${lead.id}`, as(POLDER_ADMIN)));
    expect(prefill).toContain(lead.companyName);
    expect(prefill).toContain(ref);
  });

  it("decline in the portal: the lead leaves at once", async () => {
    const lead = await offeredTo("polder-relay");
    const noReason = await postForm(server, `/leads/${lead.id}`, { intent: "decline" }, as(POLDER_ADMIN));
    expect(noReason.status).toBe(400);
    const res = await postForm(
      server,
      `/leads/${lead.id}`,
      { intent: "decline", reason: "not_qualified" },
      as(POLDER_ADMIN),
    );
    expect(res.status).toBe(302);
    expect((await get(server, `/leads/${lead.id}`, as(POLDER_ADMIN))).status).toBe(404);
    expect((await leadRow(lead.id)).partnerId).not.toBe(partnerIds["polder-relay"]);
  });
});

describe("the mail link's landing page", () => {
  it("a GET shows the offer and changes nothing; the POST accepts once", async () => {
    const lead = await offeredTo("polder-relay");
    const owner = await one<{ id: string }>("select id from users where email = $1", [POLDER_ADMIN]);
    const [offer] = await handle.db.select().from(leadOffers).where(eq(leadOffers.leadId, lead.id));
    const links = offerLinks(offer!.id, owner.id, offer!.acceptBy);
    const path = new URL(links.acceptUrl).pathname;
    for (let i = 0; i < 2; i++) {
      const page = await get(server, path);
      expect(page.status).toBe(200);
      expect(await html(page)).toContain(`Accept ${leadRef(lead.number)}`);
    }
    expect((await leadRow(lead.id)).status).toBe("offered");
    const [still] = await handle.db.select().from(leadOffers).where(eq(leadOffers.id, offer!.id));
    expect(still!.outcome).toBeNull();

    const done = await postForm(server, path, {});
    expect(done.status).toBe(200);
    expect(await html(done)).toContain("Sign in to the lead");
    expect((await leadRow(lead.id)).status).toBe("accepted");
    const again = await postForm(server, path, {});
    expect(again.status).toBe(409);
    expect(await html(again)).toContain("works once");

    const tampered = await get(server, `${path.slice(0, -3)}xyz`);
    expect(tampered.status).toBe(200);
    expect(await html(tampered)).toContain("cannot be used");
    expect((await postForm(server, `${path.slice(0, -3)}xyz`, {})).status).toBe(409);
  });
});

describe("the lead API", () => {
  it("GET lists the partner's open leads; accept, PATCH and decline", async () => {
    const lead = await offeredTo("polder-relay");
    const other = await offeredTo("polder-relay");
    const list = await api("GET", "/leads", keys.polderRead!);
    expect(list.status).toBe(200);
    const body = (await list.json()) as { leads: { id: string; contact: { email: string | null } }[]; total: number };
    const mine = body.leads.find((l) => l.id === lead.id)!;
    expect(mine.contact.email).toBeNull();
    expect((await api("GET", "/leads?status=bogus", keys.polder!)).status).toBe(400);
    expect((await api("POST", `/leads/${lead.id}/accept`, keys.polderRead!)).status).toBe(403);

    const accepted = await api("POST", `/leads/${lead.id}/accept`, keys.polder!);
    expect(accepted.status).toBe(200);
    expect(((await accepted.json()) as { contact: { email: string } }).contact.email).toBe(lead.contactEmail);
    expect((await api("POST", `/leads/${lead.id}/accept`, keys.polder!)).status).toBe(409);
    expect((await api("POST", `/leads/${lead.id}/decline`, keys.polder!, { reason: "no_capacity" })).status).toBe(409);

    const patched = await api("PATCH", `/leads/${lead.id}`, keys.polder!, {
      status: "contacted",
      nextStepDate: "2030-05-01",
      note: "Called",
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ status: "contacted", nextStepDate: "2030-05-01" });
    const noValue = await api("PATCH", `/leads/${lead.id}`, keys.polder!, { status: "won" });
    expect(noValue.status).toBe(400);
    expect(
      ((await noValue.json()) as { error: { fields: Record<string, string[]> } }).error.fields.wonValue,
    ).toBeDefined();
    const won = await api("PATCH", `/leads/${lead.id}`, keys.polder!, {
      status: "won",
      wonValue: "900.00",
      currency: "USD",
    });
    expect(won.status).toBe(200);
    expect((await api("PATCH", `/leads/${lead.id}`, keys.polder!, { status: "lost", lostReason: "x" })).status).toBe(
      422,
    );

    const badDecline = await api("POST", `/leads/${other.id}/decline`, keys.polder!, { reason: "other" });
    expect(badDecline.status).toBe(400);
    const declined = await api("POST", `/leads/${other.id}/decline`, keys.polder!, { reason: "outside_territory" });
    expect(declined.status).toBe(200);
    expect((await api("GET", `/leads/${other.id}`, keys.polder!)).status).toBe(404);
  });

  it("POST creates leads with a vendor key only; the same Idempotency-Key returns the same lead", async () => {
    const slug = unique("acme").toLowerCase();
    const body = {
      companyName: `Acme ${slug}`,
      contactName: "Ada Example",
      contactEmail: `ada@${slug}.example.test`,
      country: "NL",
      route: false,
    };
    expect((await api("POST", "/leads", keys.polder!, body)).status).toBe(403);
    const key = unique("idem");
    const first = await api("POST", "/leads", keys.vendor!, body, { "idempotency-key": key });
    expect(first.status).toBe(201);
    const created = (await first.json()) as { id: string; ref: string; status: string };
    expect(first.headers.get("location")).toBe(`/api/v1/leads/${created.id}`);
    expect(created.status).toBe("new");
    const second = await api("POST", "/leads", keys.vendor!, body, { "idempotency-key": key });
    expect(second.status).toBe(200);
    expect(((await second.json()) as { id: string }).id).toBe(created.id);
    expect((await api("POST", "/leads", keys.vendor!, "not json" as unknown)).status).toBe(400);
  });

  it("leaves nothing on the server's stderr", () => {
    expect(serverErrorLines(server)).toEqual([]);
  });
});
