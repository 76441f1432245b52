/**
 * The vendor's channel view over HTTP against the running portal and its demo
 * world: the directory's query string, the CSV download, the partner page and
 * its forms, vendor-only access (403) and unknown partners (404).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppServer, type AppServer } from "../../support/app-server";
import { DEMO_PASSWORD, get, html, postForm, query, serverErrorLines, signIn } from "../../support/http-client";

let server: AppServer;
const cookies: Record<string, string> = {};

const VENDOR_ADMIN = "admin@vendor.test";
const CHANNEL_MANAGER = "sales@vendor.test";
const POLDER_ADMIN = "owner@polder-relay.test";
const POLDER_USER = "daan.bakker@polder-relay.test";
const RHEIN_ADMIN = "owner@rheinmail.test";

beforeAll(async () => {
  server = await startAppServer();
  for (const email of [VENDOR_ADMIN, CHANNEL_MANAGER, POLDER_ADMIN, POLDER_USER]) {
    cookies[email] = await signIn(server, email);
  }
}, 90_000);

afterAll(async () => {
  await server?.stop();
});

const as = (email: string) => ({ cookie: cookies[email]! });

async function partnerId(slug: string): Promise<string> {
  const [row] = await query<{ id: string }>(server, "select id from partners where slug = $1", [slug]);
  if (!row) throw new Error(`no partner ${slug}`);
  return row.id;
}

async function userId(email: string): Promise<string> {
  const [row] = await query<{ id: string }>(server, "select id from users where email = $1", [email]);
  if (!row) throw new Error(`no user ${email}`);
  return row.id;
}

/** The partner names linked from the directory's table, in order. */
function listedNames(page: string): string[] {
  return [...page.matchAll(/<td><a [^>]*href="\/directory\/[0-9a-f-]{36}"[^>]*>([^<]+)<\/a>/g)].map((m) => m[1]!);
}

async function directory(search: string, email = VENDOR_ADMIN): Promise<{ status: number; page: string }> {
  const res = await get(server, `/directory${search}`, as(email));
  return { status: res.status, page: await html(res) };
}

describe("the directory over HTTP", () => {
  it("lists the demo partners for a vendor admin and a channel manager", async () => {
    for (const email of [VENDOR_ADMIN, CHANNEL_MANAGER]) {
      const { status, page } = await directory("", email);
      expect(status).toBe(200);
      expect(listedNames(page)).toEqual(expect.arrayContaining(["Polder Relay", "Sakura Mail Systems", "Rheinmail"]));
    }
  });

  it("filters by the query string", async () => {
    const jp = await directory("?country=JP");
    expect(jp.status).toBe(200);
    expect(listedNames(jp.page)).toEqual(["Sakura Mail Systems"]);
    expect(jp.page).toContain("Japan");

    const byDomain = await directory("?q=polder-relay.test");
    expect(listedNames(byDomain.page)).toEqual(["Polder Relay"]);

    const bySpecialization = await directory("?specialization=anti-spam-gateway&sort=name");
    expect(listedNames(bySpecialization.page)).toEqual(["Polder Relay", "Southern Cross Messaging"]);
  });

  it("sorts and filters by owner as the URL says", async () => {
    const sam = await userId(CHANNEL_MANAGER);
    const { page } = await directory(`?owner=${sam}&sort=name&dir=desc`);
    expect(listedNames(page)).toEqual(["Southern Cross Messaging", "Sakura Mail Systems"]);
    const unassigned = await directory("?owner=unassigned");
    expect(unassigned.page).toContain("No partner matches these filters");
  });

  it("ignores bad values instead of failing", async () => {
    const { status, page } = await directory("?country=ZZ&tier=platinum&status=%27%3B--&page=abc&sort=password&dir=up");
    expect(status).toBe(200);
    expect(listedNames(page).length).toBeGreaterThanOrEqual(6);
    expect((await directory("?page=999999999999")).status).toBe(200);
  });

  it("shows a no-match state with a reset link", async () => {
    const { status, page } = await directory("?q=%3Cscript%3Enothing%3C%2Fscript%3E");
    expect(status).toBe(200);
    expect(page).toContain("No partner matches these filters");
    expect(page).toContain('href="/directory"');
    expect(page).not.toContain("<script>nothing");
  });
});

describe("the CSV export over HTTP", () => {
  it("downloads the filtered set as text/csv with a dated file name", async () => {
    const res = await get(server, "/directory/export.csv?country=JP&page=3", as(VENDOR_ADMIN));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="partners-\d{4}-\d{2}-\d{2}\.csv"$/);
    const body = await res.text();
    const lines = body.replace(/^\uFEFF/, "").split("\r\n");
    expect(lines[0]).toMatch(/^Name,Legal name,Primary domain,/);
    expect(lines.slice(1).filter(Boolean)).toHaveLength(1);
    expect(lines[1]).toMatch(/^Sakura Mail Systems,/);
  });

  it("exports every partner without filters, for a channel manager too", async () => {
    const res = await get(server, "/directory/export.csv", as(CHANNEL_MANAGER));
    expect(res.status).toBe(200);
    const rows = (await res.text()).split("\r\n").filter(Boolean);
    const { page } = await directory("");
    expect(rows.length - 1).toBe(listedNames(page).length);
  });
});

describe("vendor-only", () => {
  it("refuses partner people the directory, the export and partner pages with 403", async () => {
    const own = await partnerId("polder-relay");
    const other = await partnerId("sakura-mail");
    for (const email of [POLDER_ADMIN, POLDER_USER]) {
      for (const p of [
        "/directory",
        "/directory?country=JP",
        "/directory/export.csv",
        `/directory/${own}`,
        `/directory/${other}`,
      ]) {
        const res = await get(server, p, as(email));
        expect(res.status, `${email} ${p}`).toBe(403);
        expect(await res.text(), `${email} ${p}`).not.toContain("Sakura Mail Systems");
      }
      const post = await postForm(server, `/directory/${own}`, { intent: "add-note", body: "hello" }, as(email));
      expect(post.status).toBe(403);
    }
    expect(await query(server, "select 1 from partner_notes where body = 'hello'")).toEqual([]);
  });

  it("sends a signed-out visitor to sign in", async () => {
    const res = await get(server, "/directory/export.csv");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toMatch(/^\/login\?redirectTo=/);
  });

  it("answers 404 for a malformed or unknown partner id", async () => {
    for (const id of ["00000000-0000-4000-8000-000000000000", "not-a-uuid"]) {
      const res = await get(server, `/directory/${id}`, as(VENDOR_ADMIN));
      expect(res.status, id).toBe(404);
      expect(await html(res)).toContain("Page not found");
      const post = await postForm(server, `/directory/${id}`, { intent: "add-note", body: "x" }, as(VENDOR_ADMIN));
      expect(post.status, id).toBe(404);
    }
  });
});

describe("the partner page over HTTP", () => {
  it("shows the profile, people, agreement history, notes and owner", async () => {
    const res = await get(server, `/directory/${await partnerId("brussels-secure")}`, as(CHANNEL_MANAGER));
    expect(res.status).toBe(200);
    const page = await html(res);
    expect(page).toContain("Brussels Secure Mail");
    expect(page).toContain("Agreement history");
    expect(page).toContain("Partner Programme Agreement");
    expect(page).toContain("Interested in moving to Silver");
    expect(page).toContain("owner@brussels-secure.test");
    // A channel manager reads, but the status and owner forms are the vendor admin's.
    expect(page).not.toContain('value="suspend"');
    expect(page).not.toContain('name="ownerUserId"');
  });

  it("adds a note and shows HTML in it as text", async () => {
    const id = await partnerId("sakura-mail");
    const body = '<script>alert("x")</script> renewal call';
    const res = await postForm(server, `/directory/${id}`, { intent: "add-note", body }, as(CHANNEL_MANAGER));
    expect(res.status).toBe(200);
    const page = await html(await get(server, `/directory/${id}`, as(CHANNEL_MANAGER)));
    expect(page).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; renewal call");
    expect(page).not.toContain('<script>alert("x")</script>');
    const empty = await postForm(server, `/directory/${id}`, { intent: "add-note", body: "  " }, as(CHANNEL_MANAGER));
    expect(empty.status).toBe(400);
    expect(await html(empty)).toContain("Write a note.");
  });

  it("lets only a vendor admin change the owner", async () => {
    const id = await partnerId("liberty-mailworks");
    const sam = await userId(CHANNEL_MANAGER);
    expect(
      (await postForm(server, `/directory/${id}`, { intent: "change-owner", ownerUserId: sam }, as(CHANNEL_MANAGER)))
        .status,
    ).toBe(403);
    const res = await postForm(
      server,
      `/directory/${id}`,
      { intent: "change-owner", ownerUserId: sam },
      as(VENDOR_ADMIN),
    );
    expect(res.status).toBe(200);
    const [row] = await query<{ owner_user_id: string }>(server, "select owner_user_id from partners where id = $1", [
      id,
    ]);
    expect(row!.owner_user_id).toBe(sam);
    const events = await query(
      server,
      "select 1 from audit_events where action = 'partner.owner_changed' and subject_id = $1",
      [id],
    );
    expect(events).toHaveLength(1);
  });

  it("suspends a partner: its signed-in admin is out at once, sign-in is refused; reinstating lets them back", async () => {
    const id = await partnerId("rheinmail");
    const rhein = await signIn(server, RHEIN_ADMIN);
    expect((await get(server, "/", { cookie: rhein })).status).toBe(200);

    // A channel manager may not; a reason is required.
    const cm = await postForm(server, `/directory/${id}`, { intent: "suspend", reason: "x" }, as(CHANNEL_MANAGER));
    expect(cm.status).toBe(403);
    const noReason = await postForm(server, `/directory/${id}`, { intent: "suspend", reason: "" }, as(VENDOR_ADMIN));
    expect(noReason.status).toBe(400);
    expect(await html(noReason)).toContain("Give a reason.");
    expect((await get(server, "/", { cookie: rhein })).status).toBe(200);

    const res = await postForm(
      server,
      `/directory/${id}`,
      { intent: "suspend", reason: "Unpaid invoices" },
      as(VENDOR_ADMIN),
    );
    expect(res.status).toBe(200);
    expect(await html(res)).toContain("The partner is suspended");
    const out = await get(server, "/", { cookie: rhein });
    expect(out.status).toBe(302);
    expect(out.headers.get("location")).toBe("/login");
    const retry = await postForm(server, "/login", { email: RHEIN_ADMIN, password: DEMO_PASSWORD });
    expect(retry.status).not.toBe(302);

    const again = await postForm(server, `/directory/${id}`, { intent: "suspend", reason: "Twice" }, as(VENDOR_ADMIN));
    expect(again.status).toBe(422);
    expect(await html(again)).toContain("This partner is already suspended.");

    const page = await html(await get(server, `/directory/${id}`, as(VENDOR_ADMIN)));
    expect(page).toContain("Unpaid invoices");
    expect(page).toContain('value="reinstate"');

    const back = await postForm(server, `/directory/${id}`, { intent: "reinstate", reason: "" }, as(VENDOR_ADMIN));
    expect(back.status).toBe(200);
    expect((await get(server, "/", { cookie: await signIn(server, RHEIN_ADMIN) })).status).toBe(200);

    const mails = await query<{ subject: string }>(
      server,
      "select subject from mail_messages where template = 'partner-status-changed' and partner_id = $1 order by created_at",
      [id],
    );
    expect(mails.map((m) => m.subject)).toEqual([
      "Rheinmail is suspended in the partner programme",
      "Rheinmail is reinstated in the partner programme",
    ]);
  });

  it("logged no errors on the server", () => {
    expect(serverErrorLines(server)).toEqual([]);
  });
});
