/**
 * Deal registration over HTTP against the running portal and its demo world:
 * POST/GET /api/v1/deals, GET /api/v1/deals/<id> and the claim check with
 * partner and vendor keys (scopes, 400 with fields and nothing stored, 404 for
 * another partner's deal, conflicts only for vendor keys, idempotent retries
 * sequential and concurrent), the seeded conflicting pair, and the partner's
 * pages: /deals (own deals only) and /deals/new (claim check step, double
 * submit, duplicate, field errors).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DbHandle } from "~db/client";
import { createApiKey } from "~/modules/accounts/api-keys.server";
import type { Role } from "~/utils/permissions";
import { startAppServer, type AppServer } from "../../support/app-server";
import { get, html, postForm, query, serverErrorLines, signIn } from "../../support/http-client";
import { unique } from "../../support/factories";

let server: AppServer;
let handle: DbHandle;
const keys: Record<string, string> = {};
const ids: Record<string, string> = {};
let relay: string;
let gateway: string;

const DAY = 86_400_000;
const inDays = (n: number) => new Date(Date.now() + n * DAY).toISOString().slice(0, 10);

async function one<T extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T> {
  const [row] = await query<T>(server, text, params);
  if (!row) throw new Error(`no row for ${text}`);
  return row;
}

async function actorFor(email: string) {
  const user = await one<{ id: string; role: Role; partner_id: string | null }>(
    "select id, role, partner_id from users where email = $1",
    [email],
  );
  return { userId: user.id, label: email, role: user.role, partnerId: user.partner_id, ip: null };
}

async function keyFor(email: string, scopes: string[]): Promise<string> {
  const created = await createApiKey({ db: handle.db, actor: await actorFor(email) }, { name: unique("crm"), scopes });
  return created.key;
}

beforeAll(async () => {
  server = await startAppServer();
  handle = await openDatabase({ url: server.databaseUrl, poolSize: 2 });
  keys.sakura = await keyFor("owner@sakura-mail.test", ["deals:read", "deals:write"]);
  keys.southern = await keyFor("owner@southern-cross.test", ["deals:read", "deals:write"]);
  keys.polder = await keyFor("owner@polder-relay.test", ["deals:read", "deals:write"]);
  keys.polderReadOnly = await keyFor("owner@polder-relay.test", ["deals:read"]);
  keys.polderWriteOnly = await keyFor("owner@polder-relay.test", ["deals:write"]);
  keys.polderMe = await keyFor("owner@polder-relay.test", ["me:read"]);
  keys.vendor = await keyFor("admin@vendor.test", ["deals:read", "deals:write"]);
  for (const slug of ["sakura-mail", "southern-cross", "polder-relay"]) {
    ids[slug] = (await one<{ id: string }>("select id from partners where slug = $1", [slug])).id;
  }
  relay = (await one<{ id: string }>("select id from products where sku = 'SRL-PERP'")).id;
  gateway = (await one<{ id: string }>("select id from products where sku = 'ASG-12'")).id;
}, 120_000);

afterAll(async () => {
  await handle?.close();
  await server?.stop();
});

function api(
  path: string,
  key: string | null,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...init.headers };
  if (key) headers.authorization = `Bearer ${key}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  return fetch(`${server.url}/api/v1${path}`, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers,
    body: init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body),
  });
}

function registration(overrides: Record<string, unknown> = {}) {
  const slug = unique("api-cust").replace(/[^a-z0-9-]/g, "");
  return {
    customerName: `${slug.replace(/-/g, " ")} GmbH`,
    customerDomain: `https://www.${slug}.test/`,
    country: "DE",
    region: "Hessen",
    contactName: "Jana Weber",
    contactTitle: "IT-Leiterin",
    contactEmail: `jana@${slug}.test`,
    lines: [{ productId: relay, quantity: 2 }],
    value: "12500.00",
    currency: "EUR",
    expectedCloseDate: inDays(45),
    stage: "qualification",
    competition: null,
    notes: "Needs TLS reporting.",
    ...overrides,
  };
}

async function dealCount(): Promise<number> {
  return Number((await one<{ n: string }>("select count(*) as n from deals")).n);
}

type ApiDeal = Record<string, unknown> & { id: string; conflictFlag: boolean; status: string };

describe("POST /api/v1/deals", () => {
  it("registers a deal: 201 with Location and the deal, normalized, without any conflict detail", async () => {
    const body = registration();
    const res = await api("/deals", keys.polder!, { body });
    expect(res.status).toBe(201);
    const deal = (await res.json()) as ApiDeal;
    expect(res.headers.get("location")).toBe(`/api/v1/deals/${deal.id}`);
    expect(deal).toMatchObject({
      customerName: body.customerName,
      customerDomain: body.customerDomain.replace("https://www.", "").replace("/", ""),
      country: "DE",
      value: "12500.00",
      valueMinor: 1_250_000,
      currency: "EUR",
      status: "pending_review",
      conflictFlag: false,
      protectedUntil: null,
      lines: [{ productId: relay, sku: "SRL-PERP", quantity: 2 }],
    });
    expect(deal).not.toHaveProperty("conflicts");
    expect(deal).not.toHaveProperty("partner");
    const row = await one<{ partner_id: string; api_key_id: string | null }>(
      "select partner_id, api_key_id from deals where id = $1",
      [deal.id],
    );
    expect(row.partner_id).toBe(ids["polder-relay"]);
    expect(row.api_key_id).not.toBeNull();
    const mail = await query(server, "select 1 from mail_messages where dedupe_key = $1", [
      `deal-registered:${deal.id}`,
    ]);
    expect(mail).toHaveLength(1);
  });

  it("answers a retry with the same Idempotency-Key with the same deal (200), one row, one mail", async () => {
    const key = unique("crm-opp");
    const body = registration();
    const first = await api("/deals", keys.polder!, { body, headers: { "idempotency-key": key } });
    expect(first.status).toBe(201);
    const a = (await first.json()) as ApiDeal;
    const retry = await api("/deals", keys.polder!, { body, headers: { "idempotency-key": key } });
    expect(retry.status).toBe(200);
    const b = (await retry.json()) as ApiDeal;
    expect(b).toEqual(a);
    expect(await query(server, "select id from deals where idempotency_key = $1", [key])).toHaveLength(1);
    expect(
      await query(server, "select 1 from mail_messages where dedupe_key = $1", [`deal-registered:${a.id}`]),
    ).toHaveLength(1);
  });

  it("creates one registration when the same Idempotency-Key arrives three times at once", async () => {
    const key = unique("double-submit");
    const body = registration();
    const before = await dealCount();
    const responses = await Promise.all(
      [1, 2, 3].map(() => api("/deals", keys.polder!, { body, headers: { "idempotency-key": key } })),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 201]);
    const deals = (await Promise.all(responses.map((r) => r.json()))) as ApiDeal[];
    expect(new Set(deals.map((d) => d.id)).size).toBe(1);
    expect(await dealCount()).toBe(before + 1);
  });

  const invalid: Array<[what: string, overrides: Record<string, unknown>, field: string]> = [
    [
      "an unknown product",
      { lines: [{ productId: "00000000-0000-4000-8000-000000000000", quantity: 1 }] },
      "lines[0].productId",
    ],
    ["a past close date", { expectedCloseDate: "2021-06-30" }, "expectedCloseDate"],
    ["an absurd value", { value: "500000000000000", currency: "USD" }, "value"],
    ["JPY with decimals", { value: "1500000.50", currency: "JPY" }, "value"],
    ["a bad currency", { currency: "BTC" }, "currency"],
    ["a quantity of zero", { lines: [{ productId: relay, quantity: 0 }] }, "lines[0].quantity"],
    ["twenty-one lines", { lines: Array.from({ length: 21 }, () => ({ productId: relay, quantity: 1 })) }, "lines"],
  ];
  it.each(invalid)("answers 400 with fields for %s and stores nothing", async (_what, overrides, field) => {
    const before = await dealCount();
    const res = await api("/deals", keys.polder!, { body: registration(overrides) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; fields: Record<string, string[]> } };
    expect(body.error.code).toBe("invalid_input");
    expect(body.error.fields[field]?.length, JSON.stringify(body.error.fields)).toBeGreaterThan(0);
    expect(await dealCount()).toBe(before);
  });

  it("answers 400 for a body that is not a JSON object and for a bad Idempotency-Key", async () => {
    for (const raw of ["{not json", "[1,2]", "null", '"x"']) {
      const res = await api("/deals", keys.polder!, { body: raw });
      expect(res.status, raw).toBe(400);
      expect(((await res.json()) as { error: { fields: Record<string, string[]> } }).error.fields[""]).toBeTruthy();
    }
    const res = await api("/deals", keys.polder!, {
      body: registration(),
      headers: { "idempotency-key": "k".repeat(201) },
    });
    expect(res.status).toBe(400);
    expect(
      ((await res.json()) as { error: { fields: Record<string, string[]> } }).error.fields["Idempotency-Key"],
    ).toEqual(["The Idempotency-Key must be at most 200 characters."]);
  });

  it("refuses the same partner's second registration of a customer: 409 naming the first", async () => {
    const body = registration();
    const first = (await (await api("/deals", keys.polder!, { body })).json()) as ApiDeal;
    const before = await dealCount();
    const res = await api("/deals", keys.polder!, {
      body: registration({ customerDomain: `sales@${first.customerDomain as string}` }),
    });
    expect(res.status).toBe(409);
    const err = (await res.json()) as { error: { code: string; message: string; dealId: string; url: string } };
    expect(err.error).toMatchObject({ code: "conflict", dealId: first.id, url: `/deals/${first.id}` });
    expect(await dealCount()).toBe(before);
  });

  it("flags another partner's registration of the same customer without telling who or which", async () => {
    const body = registration({ customerName: "Frankfurt Clearing AG" });
    const first = (await (await api("/deals", keys.polder!, { body })).json()) as ApiDeal;
    const res = await api("/deals", keys.southern!, {
      body: registration({ customerName: "FRANKFURT CLEARING", customerDomain: first.customerDomain, currency: "AUD" }),
    });
    expect(res.status).toBe(201);
    const text = await res.text();
    const second = JSON.parse(text) as ApiDeal;
    expect(second).toMatchObject({ status: "pending_review", conflictFlag: true });
    expect(second).not.toHaveProperty("conflicts");
    for (const secret of [first.id, ids["polder-relay"]!, "Polder", "score", "reasons"])
      expect(text).not.toContain(secret);

    // The vendor sees both sides with scores and reasons.
    const vendorView = (await (await api(`/deals/${second.id}`, keys.vendor!)).json()) as ApiDeal & {
      partner: { id: string; name: string };
      conflicts: { dealId: string; partnerId: string; score: number; reasons: string[] }[];
    };
    expect(vendorView.partner).toEqual({ id: ids["southern-cross"], name: "Southern Cross Messaging" });
    expect(vendorView.conflicts).toEqual([
      {
        dealId: first.id,
        partnerId: ids["polder-relay"],
        score: 1,
        reasons: ["same domain", "name 1.00 similar", "same country", "same products"],
      },
    ]);
  });

  it("refuses vendor keys, keys without deals:write and requests without a key", async () => {
    expect((await api("/deals", keys.vendor!, { body: registration() })).status).toBe(403);
    expect((await api("/deals", keys.polderReadOnly!, { body: registration() })).status).toBe(403);
    expect((await api("/deals", null, { body: registration() })).status).toBe(401);
    expect((await api("/deals", keys.polder!, { method: "PUT", body: registration() })).status).toBe(405);
  });
});

describe("GET /api/v1/deals and /api/v1/deals/<id>", () => {
  it("lists only the key's partner's own deals, paginated, with filters", async () => {
    const res = await api("/deals?pageSize=100", keys.sakura!);
    expect(res.status).toBe(200);
    const page = (await res.json()) as { deals: ApiDeal[]; page: number; pageSize: number; total: number };
    const own = await query<{ id: string }>(server, "select id from deals where partner_id = $1", [ids["sakura-mail"]]);
    expect(page.total).toBe(own.length);
    expect(page.deals.map((d) => d.id).sort()).toEqual(own.map((d) => d.id).sort());
    expect(page.deals.map((d) => d.customerName)).toContain("Tokai Shipping K.K.");
    expect(page.deals.map((d) => d.customerName)).not.toContain("TOKAI SHIPPING Co., Ltd.");
    expect(page.deals.every((d) => !("conflicts" in d) && !("partner" in d))).toBe(true);

    const approved = (await (await api("/deals?status=approved", keys.sakura!)).json()) as { deals: ApiDeal[] };
    expect(approved.deals.length).toBeGreaterThan(0);
    expect(approved.deals.every((d) => d.status === "approved")).toBe(true);

    const paged = (await (await api("/deals?pageSize=1&page=2", keys.sakura!)).json()) as {
      deals: ApiDeal[];
      page: number;
    };
    expect(paged).toMatchObject({ page: 2 });
    expect(paged.deals).toHaveLength(1);

    const future = new Date(Date.now() + DAY).toISOString();
    const none = (await (await api(`/deals?updatedSince=${encodeURIComponent(future)}`, keys.sakura!)).json()) as {
      total: number;
    };
    expect(none.total).toBe(0);
  });

  it("answers 400 with fields for bad filters", async () => {
    const res = await api("/deals?status=open&pageSize=500&updatedSince=yesterday", keys.sakura!);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { fields: Record<string, string[]> } };
    expect(Object.keys(body.error.fields).sort()).toEqual(["pageSize", "status", "updatedSince"]);
  });

  it("lets a vendor key list every partner's deals with conflicts", async () => {
    const page = (await (await api("/deals?pageSize=100", keys.vendor!)).json()) as {
      deals: (ApiDeal & { partner: { id: string }; conflicts: unknown[] })[];
      total: number;
    };
    expect(page.total).toBe(await dealCount());
    expect(new Set(page.deals.map((d) => d.partner.id)).size).toBeGreaterThan(3);
    expect(page.deals.every((d) => Array.isArray(d.conflicts))).toBe(true);
  });

  it("answers 404 for another partner's deal, an unknown id and a malformed id; 200 for one's own", async () => {
    const tokai = await one<{ id: string }>("select id from deals where customer_name = 'Tokai Shipping K.K.'");
    const own = await api(`/deals/${tokai.id}`, keys.sakura!);
    expect(own.status).toBe(200);
    expect(((await own.json()) as ApiDeal).customerName).toBe("Tokai Shipping K.K.");
    for (const [key, id] of [
      [keys.southern!, tokai.id],
      [keys.polder!, tokai.id],
      [keys.sakura!, "00000000-0000-4000-8000-000000000000"],
      [keys.sakura!, "not-a-uuid"],
    ] as const) {
      const res = await api(`/deals/${id}`, key);
      expect(res.status).toBe(404);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error).toEqual({ code: "not_found", message: "Deal not found." });
    }
    expect((await api(`/deals/${tokai.id}`, keys.polderMe!)).status).toBe(403);
    expect((await api(`/deals/${tokai.id}`, keys.sakura!, { method: "POST", body: {} })).status).toBe(405);
  });
});

describe("the seeded conflicting pair", () => {
  it("Southern Cross's pending TOKAI SHIPPING carries the conflict with Sakura's approved Tokai Shipping", async () => {
    const [approved, pending] = await Promise.all([
      one<{ id: string; status: string; conflict_flag: boolean }>(
        "select id, status, conflict_flag from deals where customer_name = 'Tokai Shipping K.K.'",
      ),
      one<{ id: string; status: string; conflict_flag: boolean; conflicts: unknown }>(
        "select id, status, conflict_flag, conflicts from deals where customer_name = 'TOKAI SHIPPING Co., Ltd.'",
      ),
    ]);
    expect(approved.status).toBe("approved");
    expect(pending).toMatchObject({ status: "pending_review", conflict_flag: true });
    expect(pending.conflicts).toEqual([
      {
        dealId: approved.id,
        partnerId: ids["sakura-mail"],
        score: 1,
        reasons: ["same domain", "name 1.00 similar", "same country", "same products"],
      },
    ]);
  });
});

describe("POST /api/v1/deals/claim-check", () => {
  const check = (key: string, body: unknown) => api("/deals/claim-check", key, { body });

  it("answers protected, pending and unknown customers in the same shape, differing only in the status", async () => {
    const answers: { status: number; contentType: string | null; text: string }[] = [];
    for (const body of [
      { customerName: "Tokai Shipping", customerDomain: "tokai-shipping.test" },
      { customerName: "Koala Freight", customerDomain: "koalafreight.test" },
      { customerName: "Nobody In Particular Ltd", customerDomain: `${unique("nobody")}.test` },
    ]) {
      const res = await check(keys.polder!, body);
      answers.push({ status: res.status, contentType: res.headers.get("content-type"), text: await res.text() });
    }
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(new Set(answers.map((a) => a.contentType)).size).toBe(1);
    expect(answers.map((a) => JSON.parse(a.text))).toEqual([
      { status: "already_protected" },
      { status: "needs_review" },
      { status: "clear" },
    ]);
    const shapes = answers.map((a) => a.text.replace(/"status":"[a-z_]+"/, '"status":"?"'));
    expect(new Set(shapes).size).toBe(1);
    const all = answers.map((a) => a.text).join("");
    for (const secret of [ids["sakura-mail"]!, ids["southern-cross"]!, "Sakura", "Southern", "sakura", "southern"]) {
      expect(all).not.toContain(secret);
    }
    expect(all).not.toMatch(/\d{4}-\d{2}-\d{2}/);
  });

  it("tells the holder it registered the customer, and works with a deals:write-only key", async () => {
    expect(
      await (
        await check(keys.sakura!, { customerName: "TOKAI SHIPPING Co., Ltd.", customerDomain: "tokai-shipping.test" })
      ).json(),
    ).toEqual({
      status: "you_registered",
    });
    expect((await check(keys.polderWriteOnly!, { customerName: "x", customerDomain: "x.test" })).status).toBe(200);
  });

  it("refuses bad input (400 with fields), vendor keys, keys without deal scopes, and GET", async () => {
    const bad = await check(keys.polder!, { customerName: "", customerDomain: "not a domain" });
    expect(bad.status).toBe(400);
    expect(Object.keys(((await bad.json()) as { error: { fields: object } }).error.fields).sort()).toEqual([
      "customerDomain",
      "customerName",
    ]);
    expect((await check(keys.polder!, "[]")).status).toBe(400);
    expect((await check(keys.vendor!, { customerName: "x", customerDomain: "x.test" })).status).toBe(403);
    expect((await check(keys.polderMe!, { customerName: "x", customerDomain: "x.test" })).status).toBe(403);
    expect((await api("/deals/claim-check", keys.polder!)).status).toBe(405);
  });
});

describe("the OpenAPI document", () => {
  it("describes the deal endpoints", async () => {
    const doc = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(Object.keys(doc.paths["/deals"]!).sort()).toEqual(["get", "post"]);
    expect(Object.keys(doc.paths["/deals"]!.post!.responses)).toEqual(
      expect.arrayContaining(["201", "200", "400", "409"]),
    );
    expect(Object.keys(doc.paths["/deals/{dealId}"]!)).toContain("get");
    expect(Object.keys(doc.paths["/deals/claim-check"]!)).toEqual(["post"]);
  });
});

describe("the partner's pages", () => {
  const cookies: Record<string, string> = {};
  beforeAll(async () => {
    for (const email of [
      "owner@sakura-mail.test",
      "yui.tanaka@sakura-mail.test",
      "owner@southern-cross.test",
      "sales@vendor.test",
    ]) {
      cookies[email] = await signIn(server, email);
    }
  });
  const as = (email: string) => ({ cookie: cookies[email]! });

  function form(submissionId: string, overrides: Record<string, string> = {}) {
    const slug = unique("web-cust").replace(/[^a-z0-9-]/g, "");
    return {
      submissionId,
      customerName: `${slug} <b>K.K.</b>`,
      customerDomain: `${slug}.test`,
      country: "JP",
      region: "",
      contactName: "Mai Suzuki",
      contactTitle: "",
      contactEmail: `mai@${slug}.test`,
      "lines[0].productId": relay,
      "lines[0].quantity": "3",
      "lines[1].productId": gateway,
      "lines[1].quantity": "1",
      value: "980000",
      currency: "JPY",
      expectedCloseDate: inDays(30),
      stage: "proposal",
      competition: "",
      notes: "",
      leadId: "",
      intent: "register",
      ...overrides,
    };
  }

  it("/deals lists the partner's own registrations only, with filters and a register button", async () => {
    const res = await get(server, "/deals", as("yui.tanaka@sakura-mail.test"));
    expect(res.status).toBe(200);
    const page = await html(res);
    expect(page).toContain("Tokai Shipping K.K.");
    expect(page).toContain("Hokkaido Dairy Cooperative");
    expect(page).not.toContain("TOKAI SHIPPING Co., Ltd.");
    expect(page).not.toContain("Koala Freight");
    expect(page).toContain('href="/deals/new"');
    const filtered = await html(await get(server, "/deals?status=approved", as("yui.tanaka@sakura-mail.test")));
    expect(filtered).toContain("Tokai Shipping K.K.");
    expect(filtered).not.toContain("Hokkaido Dairy Cooperative");
  });

  it("vendor roles see every partner's registrations and the way to the review queue", async () => {
    const page = await html(await get(server, "/deals", as("sales@vendor.test")));
    expect(page).toContain("TOKAI SHIPPING Co., Ltd.");
    expect(page).toContain("Tokai Shipping K.K.");
    expect(page).toContain('href="/deals/review"');
    expect((await get(server, "/deals/new", as("sales@vendor.test"))).status).toBe(403);
  });

  it("/deals/new offers the private claim check, which keeps the form as typed", async () => {
    const page = await html(await get(server, "/deals/new", as("owner@southern-cross.test")));
    expect(page).toContain("Check this customer");
    const submissionId = /name="submissionId"[^>]*value="([0-9a-f-]{36})"/.exec(page)?.[1];
    expect(submissionId).toBeTruthy();
    const res = await postForm(
      server,
      "/deals/new",
      {
        ...form(submissionId!, { customerName: "Tokai Shipping", customerDomain: "www.tokai-shipping.test" }),
        intent: "check",
      },
      as("owner@southern-cross.test"),
    );
    expect(res.status).toBe(200);
    const body = await html(res);
    expect(body).toContain("Already protected.");
    expect(body).toContain('value="Mai Suzuki"');
    expect(body).not.toContain("Sakura");
  });

  it("registers through the form once for a double submit, and shows the new deal", async () => {
    const submissionId = crypto.randomUUID();
    const fields = form(submissionId);
    const before = await dealCount();
    const [a, b] = await Promise.all([
      postForm(server, "/deals/new", fields, as("owner@sakura-mail.test")),
      postForm(server, "/deals/new", fields, as("owner@sakura-mail.test")),
    ]);
    expect([a.status, b.status]).toEqual([302, 302]);
    expect(a.headers.get("location")).toBe(b.headers.get("location"));
    expect(a.headers.get("location")).toMatch(/^\/deals\?registered=[0-9a-f-]{36}$/);
    expect(await dealCount()).toBe(before + 1);
    const row = await one<{ customer_name: string; value_minor: string; registered_by: string }>(
      "select customer_name, value_minor, registered_by from deals where idempotency_key = $1",
      [submissionId],
    );
    expect(row.customer_name).toBe(fields.customerName);
    expect(Number(row.value_minor)).toBe(980_000);
    const list = await (await get(server, a.headers.get("location")!, as("owner@sakura-mail.test"))).text();
    expect(list).toContain("Registered");
    // Typed HTML is shown as text.
    expect(list).toContain("&lt;b&gt;K.K.&lt;/b&gt;");
    expect(list).not.toContain("<b>K.K.</b>");

    // The same customer again from the same partner: refused, pointing to the first registration.
    const again = await postForm(
      server,
      "/deals/new",
      form(crypto.randomUUID(), { customerDomain: fields.customerDomain }),
      as("yui.tanaka@sakura-mail.test"),
    );
    expect(again.status).toBe(409);
    const text = await html(again);
    expect(text).toContain("You already registered this customer.");
    const id = a.headers.get("location")!.split("=")[1]!;
    expect(text).toContain(`href="/deals/${id}"`);
  });

  it("shows field errors and stores nothing for bad input", async () => {
    const before = await dealCount();
    const res = await postForm(
      server,
      "/deals/new",
      form(crypto.randomUUID(), { value: "980000.50", expectedCloseDate: "2020-01-01", "lines[0].productId": "nope" }),
      as("owner@sakura-mail.test"),
    );
    expect(res.status).toBe(400);
    const page = await html(res);
    expect(page).toContain("JPY has no minor unit");
    expect(page).toContain("The expected close date is in the past.");
    expect(page).toContain("Choose a product from the list.");
    expect(await dealCount()).toBe(before);
  });

  it("logged no server errors", () => {
    expect(serverErrorLines(server)).toEqual([]);
  });
});
