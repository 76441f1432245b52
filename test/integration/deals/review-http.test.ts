/**
 * The review, detail and pipeline pages and the approve / reject API over
 * HTTP against the running portal and its demo world (deals inserted here):
 * a partner gets 404 for another partner's deal on /deals/<id> and its
 * actions, 403 on /deals/review* and the pipeline CSV; channel managers
 * decide on the side-by-side page; the API's decisions need a vendor key
 * with deals:write (a partner key is 403) and keep the first-in rule (409).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DbHandle } from "~db/client";
import { createApiKey } from "~/modules/accounts/api-keys.server";
import type { Role } from "~/utils/permissions";
import { startAppServer, type AppServer } from "../../support/app-server";
import { get, html, postForm, query, serverErrorLines, signIn } from "../../support/http-client";
import { unique } from "../../support/factories";
import { insertDeal, match } from "./deal-fixtures";

let server: AppServer;
let handle: DbHandle;
const cookies: Record<string, string> = {};
const keys: Record<string, string> = {};
const partnerIds: Record<string, string> = {};

const CHANNEL_MANAGER = "sales@vendor.test";
const VENDOR_ADMIN = "admin@vendor.test";
const POLDER_ADMIN = "owner@polder-relay.test";
const POLDER_USER = "daan.bakker@polder-relay.test";
const RHEIN_ADMIN = "owner@rheinmail.test";
const DAY = 86_400_000;
const inDays = (n: number) => new Date(Date.now() + n * DAY).toISOString().slice(0, 10);

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

function api(path: string, key: string, body?: unknown) {
  return fetch(`${server.url}/api/v1${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}

const statusOf = async (id: string) =>
  (await one<{ status: string }>("select status from deals where id = $1", [id])).status;

beforeAll(async () => {
  server = await startAppServer();
  handle = await openDatabase({ url: server.databaseUrl, poolSize: 2 });
  for (const email of [CHANNEL_MANAGER, VENDOR_ADMIN, POLDER_ADMIN, POLDER_USER, RHEIN_ADMIN]) {
    cookies[email] = await signIn(server, email);
  }
  for (const slug of ["polder-relay", "rheinmail"]) {
    partnerIds[slug] = (await one<{ id: string }>("select id from partners where slug = $1", [slug])).id;
  }
  keys.vendor = await keyFor(VENDOR_ADMIN, ["deals:read", "deals:write"]);
  keys.vendorRead = await keyFor(VENDOR_ADMIN, ["deals:read"]);
  keys.polder = await keyFor(POLDER_ADMIN, ["deals:read", "deals:write"]);
}, 120_000);

afterAll(async () => {
  await handle?.close();
  await server?.stop();
});

/** A Rheinmail registration in conflict with a Polder one for the same customer domain. */
async function conflictingPair() {
  const domain = `${unique("kanal")}.example.de`;
  const polderUser = await one<{ id: string }>("select id from users where email = $1", [POLDER_USER]);
  const polder = await insertDeal(handle.db, {
    partnerId: partnerIds["polder-relay"]!,
    registeredBy: polderUser.id,
    customerName: "Kanal Logistik GmbH",
    customerDomain: domain,
    expectedCloseDate: inDays(60),
  });
  const rhein = await insertDeal(handle.db, {
    partnerId: partnerIds.rheinmail!,
    customerName: "Kanal Logistik",
    customerDomain: domain,
    expectedCloseDate: inDays(60),
    conflictFlag: true,
    conflicts: [match(polder, 0.93, ["same domain", "name 0.88 similar"])],
  });
  return { polder, rhein, domain };
}

describe("partner access", () => {
  it("404 for another partner's deal and its actions; own deal with history and actions", async () => {
    const { polder, rhein } = await conflictingPair();
    for (const email of [POLDER_ADMIN, POLDER_USER]) {
      expect((await get(server, `/deals/${rhein.id}`, as(email))).status).toBe(404);
      for (const intent of ["stage", "lost", "appeal", "extension"]) {
        const res = await postForm(
          server,
          `/deals/${rhein.id}`,
          { intent, stage: "commit", reason: "x", comment: "x", days: "10" },
          as(email),
        );
        expect(res.status, intent).toBe(404);
      }
      expect((await get(server, `/deals/${crypto.randomUUID()}`, as(email))).status).toBe(404);
      expect((await get(server, `/deals/not-an-id`, as(email))).status).toBe(404);
    }
    expect(await statusOf(rhein.id)).toBe("pending_review");

    const page = await get(server, `/deals/${polder.id}`, as(POLDER_USER));
    expect(page.status).toBe(200);
    const text = await html(page);
    expect(text).toContain("Kanal Logistik GmbH");
    expect(text).toContain("€25,000.00");
    expect(text).not.toContain("Rheinmail"); // nothing of the conflicting registration

    const stage = await postForm(
      server,
      `/deals/${polder.id}`,
      { intent: "stage", stage: "proposal" },
      as(POLDER_USER),
    );
    expect(stage.status).toBe(200);
    expect((await one<{ stage: string }>("select stage from deals where id = $1", [polder.id])).stage).toBe("proposal");
    const bad = await postForm(server, `/deals/${polder.id}`, { intent: "lost", reason: "" }, as(POLDER_USER));
    expect(bad.status).toBe(400);
    expect(await statusOf(polder.id)).toBe("pending_review");
  });

  it("403 on the review queue, the side-by-side page, its decisions and the pipeline CSV", async () => {
    const { rhein, polder } = await conflictingPair();
    for (const email of [POLDER_ADMIN, POLDER_USER, RHEIN_ADMIN]) {
      expect((await get(server, "/deals/review", as(email))).status).toBe(403);
      expect((await get(server, `/deals/review/${rhein.id}`, as(email))).status).toBe(403);
      expect((await get(server, `/deals/review/${polder.id}`, as(email))).status).toBe(403);
      expect((await postForm(server, `/deals/review/${polder.id}`, { intent: "approve" }, as(email))).status).toBe(403);
      expect((await get(server, "/deals/pipeline.csv", as(email))).status).toBe(403);
    }
    expect(await statusOf(polder.id)).toBe("pending_review");
  });
});

describe("the channel team", () => {
  it("sees the queue and both registrations side by side, approves one, rejects the other", async () => {
    const { polder, rhein, domain } = await conflictingPair();
    const queue = await html(await get(server, "/deals/review", as(CHANNEL_MANAGER)));
    expect(queue).toContain(`/deals/review/${rhein.id}`);
    expect(queue).toMatch(/left|overdue by/);

    const side = await get(server, `/deals/review/${rhein.id}`, as(CHANNEL_MANAGER));
    expect(side.status).toBe(200);
    const text = await html(side);
    expect(text).toContain("Kanal Logistik GmbH");
    expect(text).toContain("same domain, name 0.88 similar");
    expect(text).toContain("Polder Relay");

    const approved = await postForm(server, `/deals/review/${polder.id}`, { intent: "approve" }, as(CHANNEL_MANAGER));
    expect(approved.status).toBe(200);
    expect(await statusOf(polder.id)).toBe("approved");
    const firstIn = await postForm(server, `/deals/review/${rhein.id}`, { intent: "approve" }, as(VENDOR_ADMIN));
    expect(firstIn.status).toBe(409);
    expect(await html(firstIn)).toContain(`Another registration for ${domain} is already approved and protected`);

    const empty = await postForm(
      server,
      `/deals/review/${rhein.id}`,
      { intent: "reject", reason: "" },
      as(CHANNEL_MANAGER),
    );
    expect(empty.status).toBe(400);
    const reason = "<script>alert(1)</script> Protected for an earlier registration.";
    const rejected = await postForm(
      server,
      `/deals/review/${rhein.id}`,
      { intent: "reject", reason },
      as(CHANNEL_MANAGER),
    );
    expect(rejected.status).toBe(200);
    expect(await statusOf(rhein.id)).toBe("rejected");
    const mail = await one<{ text: string }>(
      "select m.text from mail_messages m join deal_events e on m.dedupe_key = 'deal-update:' || e.id where e.deal_id = $1 and e.kind = 'rejected'",
      [rhein.id],
    );
    expect(mail.text).toContain("already protected for another partner");
    expect(mail.text).not.toContain("Polder");

    // The Rheinmail admin reads the reason as text, then appeals once.
    const own = await html(await get(server, `/deals/${rhein.id}`, as(RHEIN_ADMIN)));
    expect(own).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(own).not.toContain("<script>alert(1)</script>");
    const appeal = await postForm(
      server,
      `/deals/${rhein.id}`,
      { intent: "appeal", comment: "We met them first." },
      as(RHEIN_ADMIN),
    );
    expect(appeal.status).toBe(200);
    const again = await postForm(
      server,
      `/deals/${rhein.id}`,
      { intent: "appeal", comment: "Again." },
      as(RHEIN_ADMIN),
    );
    expect(again.status).toBe(422);
  });

  it("opens the pipeline CSV with the filters", async () => {
    const res = await get(server, "/deals/pipeline.csv?status=all", as(CHANNEL_MANAGER));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.headers.get("content-disposition")).toMatch(
      /attachment; filename="deal-pipeline-\d{4}-\d{2}-\d{2}\.csv"/,
    );
    const body = await res.text();
    expect(body).toContain("Registration ID,Registered at,Partner");
    expect(body).toContain("Kanal Logistik");
  });
});

describe("the decision API", () => {
  it("approve and reject need a vendor key with deals:write; the first-in rule holds", async () => {
    const { polder, rhein, domain } = await conflictingPair();
    const partnerKey = await api(`/deals/${polder.id}/approve`, keys.polder!);
    expect(partnerKey.status).toBe(403);
    expect((await partnerKey.json()) as unknown).toMatchObject({ error: { code: "forbidden" } });
    expect((await api(`/deals/${polder.id}/reject`, keys.polder!, { reason: "x" })).status).toBe(403);
    expect((await api(`/deals/${polder.id}/approve`, keys.vendorRead!)).status).toBe(403);
    expect(await statusOf(polder.id)).toBe("pending_review");

    const ok = await api(`/deals/${polder.id}/approve`, keys.vendor!);
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { id: string; status: string; protectedUntil: string };
    expect(body).toMatchObject({ id: polder.id, status: "approved" });
    expect(new Date(body.protectedUntil).getTime()).toBeGreaterThan(Date.now() + 89 * DAY);

    const conflict = await api(`/deals/${rhein.id}/approve`, keys.vendor!);
    expect(conflict.status).toBe(409);
    expect(((await conflict.json()) as { error: { message: string } }).error.message).toContain(
      `Another registration for ${domain} is already approved and protected (until `,
    );
    const twice = await api(`/deals/${polder.id}/approve`, keys.vendor!);
    expect(twice.status).toBe(409);

    const noReason = await api(`/deals/${rhein.id}/reject`, keys.vendor!, {});
    expect(noReason.status).toBe(400);
    expect(((await noReason.json()) as { error: { fields: Record<string, string[]> } }).error.fields).toHaveProperty(
      "reason",
    );
    expect((await api(`/deals/${rhein.id}/reject`, keys.vendor!, "not json")).status).toBe(400);
    const rejected = await api(`/deals/${rhein.id}/reject`, keys.vendor!, { reason: "Protected elsewhere." });
    expect(rejected.status).toBe(200);
    expect((await rejected.json()) as unknown).toMatchObject({
      id: rhein.id,
      status: "rejected",
      decisionNote: "Protected elsewhere.",
    });
    expect((await api(`/deals/${crypto.randomUUID()}/approve`, keys.vendor!)).status).toBe(404);
    expect((await fetch(`${server.url}/api/v1/deals/${rhein.id}/approve`)).status).toBe(405);

    const doc = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(doc.paths).toHaveProperty(["/deals/{dealId}/approve", "post"]);
    expect(doc.paths).toHaveProperty(["/deals/{dealId}/reject", "post"]);
  });

  it("left nothing in the server's error log", () => {
    expect(serverErrorLines(server)).toEqual([]);
  });
});
