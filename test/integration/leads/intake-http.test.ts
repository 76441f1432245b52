/**
 * Lead intake over HTTP against the running portal (demo world): the public
 * "Contact sales" form creates a routed lead, a filled honeypot is answered
 * like a success and stores nothing, the 6th attempt from one address in 15
 * minutes is 429; partner users get 403 on /leads/new and /leads/import; a
 * channel manager creates a lead (duplicate warning and confirmation) and
 * uploads, maps, previews and starts an import, then sees the summary and
 * the issues CSV once the job function ran.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "csv-parse/sync";
import { openDatabase, type DbHandle } from "~db/client";
import { processLeadImports } from "~/modules/leads/import.server";
import { startAppServer, type AppServer } from "../../support/app-server";
import { get, html, postForm, query, serverErrorLines, signIn } from "../../support/http-client";
import { unique } from "../../support/factories";

// TRUST_PROXY: each test speaks from its own client address (X-Forwarded-For), as the rate-limit tests do.
let server: AppServer;
let handle: DbHandle;
const cookies: Record<string, string> = {};

const CHANNEL_MANAGER = "sales@vendor.test";
const POLDER_ADMIN = "owner@polder-relay.test";
const POLDER_USER = "daan.bakker@polder-relay.test";

const as = (email: string) => ({ cookie: cookies[email]! });
let ipCounter = 10;
const freshIp = () => `198.51.100.${ipCounter++}`;

beforeAll(async () => {
  server = await startAppServer({ env: { TRUST_PROXY: "true" } });
  handle = await openDatabase({ url: server.databaseUrl, poolSize: 2 });
  for (const email of [CHANNEL_MANAGER, POLDER_ADMIN, POLDER_USER]) cookies[email] = await signIn(server, email);
}, 120_000);

afterAll(async () => {
  await handle?.close();
  await server?.stop();
});

function contact(fields: Record<string, string>, ip: string) {
  return postForm(server, "/contact", fields, { headers: { "x-forwarded-for": ip } });
}

describe("Contact sales", () => {
  it("shows the form and creates a routed lead from the Contact form", async () => {
    const page = await html(await get(server, "/contact"));
    expect(page).toContain("Contact sales");
    expect(page).toContain('name="company_website"');
    const slug = unique("prospect");
    const res = await contact(
      {
        companyName: `<b>${slug}</b> GmbH`,
        contactName: "Lena Vogel",
        contactEmail: `lena@${slug}.example`,
        country: "DE",
        seats: "120",
        message: "We need 120 mailboxes.",
      },
      freshIp(),
    );
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/contact?sent=1");
    const [lead] = await query<{
      id: string;
      source: string;
      company_name: string;
      seats: number;
      offer_count: number;
    }>(server, "select id, source, company_name, seats, offer_count from leads where contact_email = $1", [
      `lena@${slug}.example`,
    ]);
    expect(lead).toMatchObject({ source: "contact", company_name: `<b>${slug}</b> GmbH`, seats: 120 });
    const events = await query<{ kind: string; actor_label: string }>(
      server,
      "select kind, actor_label from lead_events where lead_id = $1 order by at",
      [lead!.id],
    );
    expect(events[0]).toEqual({ kind: "created", actor_label: "Contact form" });
    const decisions = await query(server, "select id from routing_decisions where lead_id = $1", [lead!.id]);
    expect(decisions).toHaveLength(1);
    const thanks = await html(await get(server, "/contact?sent=1"));
    expect(thanks).toContain("Thank you");
  });

  it("shows field errors and keeps nothing for bad input", async () => {
    const res = await contact({ companyName: "", contactEmail: "nope", country: "DE" }, freshIp());
    expect(res.status).toBe(400);
    const page = await html(res);
    expect(page).toContain("Enter a valid email address.");
    expect(page).toContain("Enter your name.");
  });

  it("answers a filled honeypot like a success and stores nothing", async () => {
    const slug = unique("bot");
    const res = await contact(
      {
        companyName: "Bot Co",
        contactName: "Bot",
        contactEmail: `bot@${slug}.example`,
        country: "DE",
        company_website: "http://spam.example",
      },
      freshIp(),
    );
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/contact?sent=1");
    expect(await query(server, "select id from leads where contact_email = $1", [`bot@${slug}.example`])).toHaveLength(
      0,
    );
  });

  it("refuses the 6th attempt from one address within 15 minutes with 429", async () => {
    const ip = freshIp();
    for (let i = 0; i < 5; i++) {
      const res = await contact({ companyName: "", contactName: "", contactEmail: "", country: "" }, ip);
      expect(res.status).toBe(400);
    }
    const slug = unique("limited");
    const res = await contact(
      { companyName: "Late Co", contactName: "Lou", contactEmail: `lou@${slug}.example`, country: "DE" },
      ip,
    );
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBeTruthy();
    expect(await html(res)).toContain("Too many messages");
    expect(await query(server, "select id from leads where contact_email = $1", [`lou@${slug}.example`])).toHaveLength(
      0,
    );
  });
});

describe("access", () => {
  it("refuses partner users the intake pages", async () => {
    for (const email of [POLDER_ADMIN, POLDER_USER]) {
      for (const path of ["/leads/new", "/leads/import"]) {
        expect((await get(server, path, as(email))).status, `${email} GET ${path}`).toBe(403);
      }
      const post = await postForm(server, "/leads/new", { companyName: "X" }, as(email));
      expect(post.status).toBe(403);
    }
    const [imp] = await query<{ id: string }>(
      server,
      "insert into lead_imports (filename, content, headers, total_rows) values ('x.csv', 'a\nb', '[\"a\"]', 1) returning id",
    );
    for (const path of [`/leads/import/${imp!.id}`, `/leads/import/${imp!.id}/issues.csv`]) {
      expect((await get(server, path, as(POLDER_ADMIN))).status).toBe(403);
    }
    // Not signed in: to the sign-in page.
    expect((await get(server, "/leads/new")).status).toBe(302);
  });
});

describe("the vendor form", () => {
  it("creates a lead, warns of a duplicate and creates it when confirmed", async () => {
    const slug = unique("form");
    const fields = {
      submissionId: crypto.randomUUID(),
      companyName: `Form ${slug}`,
      contactName: "Ola Nordmann",
      contactEmail: `ola@${slug}.example`,
      country: "NO",
    };
    const first = await postForm(server, "/leads/new", fields, as(CHANNEL_MANAGER));
    expect(first.status).toBe(302);
    const [lead] = await query<{ id: string; number: string }>(
      server,
      "select id, number from leads where contact_email = $1",
      [fields.contactEmail],
    );
    expect(first.headers.get("location")).toBe(`/leads/manage/${lead!.id}`);
    expect((await get(server, "/leads/new", as(CHANNEL_MANAGER))).status).toBe(200);

    const again = { ...fields, submissionId: crypto.randomUUID(), companyName: `Other ${slug}` };
    const warned = await postForm(server, "/leads/new", again, as(CHANNEL_MANAGER));
    expect(warned.status).toBe(409);
    const page = await html(warned);
    expect(page).toContain(`L-${String(lead!.number).padStart(6, "0")}`);
    expect(page).toContain('data-testid="duplicate-warning"');
    const confirmed = await postForm(server, "/leads/new", { ...again, confirmDuplicate: "on" }, as(CHANNEL_MANAGER));
    expect(confirmed.status).toBe(302);
    expect(await query(server, "select id from leads where contact_email = $1", [fields.contactEmail])).toHaveLength(2);
  });

  it("shows field errors", async () => {
    const res = await postForm(
      server,
      "/leads/new",
      { companyName: "", contactEmail: "x", country: "ZZ", seats: "0" },
      as(CHANNEL_MANAGER),
    );
    expect(res.status).toBe(400);
    const page = await html(res);
    expect(page).toContain("Enter the company&#x27;s name.");
    expect(page).toContain("Enter a valid email address.");
  });
});

describe("CSV import", () => {
  it("uploads, previews with errors, starts, and shows the summary and the issues CSV", async () => {
    const slug = unique("imp");
    const csv =
      "\uFEFFCompany Name,Email,Full Name,Country,Seats\r\n" +
      `Alpha ${slug},a@alpha-${slug}.example,Al,SE,10\r\n` +
      `Beta ${slug},not-an-email,Bo,SE,5\r\n` +
      `Gamma ${slug},g@gamma-${slug}.example,Gu,SE,many\r\n` +
      `Alpha again,A@alpha-${slug}.example,Al,SE,1\r\n`;
    const form = new FormData();
    form.append("file", new Blob([csv], { type: "text/csv" }), "leads.csv");
    const up = await fetch(`${server.url}/leads/import`, {
      method: "POST",
      body: form,
      headers: { origin: server.url, cookie: `__portal_session=${cookies[CHANNEL_MANAGER]}` },
      redirect: "manual",
    });
    expect(up.status).toBe(302);
    const location = up.headers.get("location")!;
    expect(location).toMatch(/^\/leads\/import\/[0-9a-f-]{36}$/);
    const id = location.split("/").pop()!;

    // The mapping page: columns suggested from the header names, the preview with each row's errors.
    const mappingPage = await html(await get(server, location, as(CHANNEL_MANAGER)));
    expect(mappingPage).toMatch(/<option value="Company Name" selected="">/);
    expect(mappingPage).toMatch(/<option value="Full Name" selected="">/);
    expect(mappingPage).toContain("Contact email: Enter a valid email address.");
    expect(mappingPage).toContain("Seats: Enter the number of seats.");

    // Starting without a required column is refused at that field.
    const missing = await postForm(
      server,
      location,
      {
        intent: "start",
        "mapping.companyName": "Company Name",
        "mapping.contactEmail": "Email",
        "mapping.country": "Country",
      },
      as(CHANNEL_MANAGER),
    );
    expect(missing.status).toBe(400);
    expect(await html(missing)).toContain("Choose the column with the contact name.");

    const mapping = {
      "mapping.companyName": "Company Name",
      "mapping.contactEmail": "Email",
      "mapping.contactName": "Full Name",
      "mapping.country": "Country",
      "mapping.seats": "Seats",
    };
    const preview = await postForm(server, location, { intent: "preview", ...mapping }, as(CHANNEL_MANAGER));
    expect(preview.status).toBe(200);
    const start = await postForm(server, location, { intent: "start", ...mapping }, as(CHANNEL_MANAGER));
    expect(start.status).toBe(302);
    const queued = await html(await get(server, location, as(CHANNEL_MANAGER)));
    expect(queued).toContain('data-testid="import-progress"');

    // The background job (run here against the server's database; the jobs may also pick it up).
    for (let i = 0; i < 20; i++) {
      const [row] = await query<{ status: string }>(server, "select status from lead_imports where id = $1", [id]);
      if (row!.status === "done") break;
      await processLeadImports(handle.db, new Date());
      await new Promise((r) => setTimeout(r, 100));
    }
    const summary = await html(await get(server, location, as(CHANNEL_MANAGER)));
    expect(summary).toMatch(/data-testid="import-created">1</);
    expect(summary).toMatch(/data-testid="import-skipped">1</);
    expect(summary).toMatch(/data-testid="import-failed">2</);

    const issues = await get(server, `${location}/issues.csv`, as(CHANNEL_MANAGER));
    expect(issues.status).toBe(200);
    expect(issues.headers.get("content-type")).toContain("text/csv");
    const rows = parse((await issues.text()).replace(/^\uFEFF/, ""), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.Row, r.Outcome])).toEqual([
      ["3", "Failed"],
      ["4", "Failed"],
      ["5", "Skipped"],
    ]);
    expect(rows[2]!.Reason).toContain("row 2");

    const list = await html(await get(server, "/leads/import", as(CHANNEL_MANAGER)));
    expect(list).toContain(`/leads/import/${id}`);
  });

  it("refuses a file that is not CSV text with a message", async () => {
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array([0xff, 0xfe, 0x00, 0x41])]), "binary.csv");
    const res = await fetch(`${server.url}/leads/import`, {
      method: "POST",
      body: form,
      headers: { origin: server.url, cookie: `__portal_session=${cookies[CHANNEL_MANAGER]}` },
      redirect: "manual",
    });
    expect(res.status).toBe(400);
    expect(await html(res)).toContain("not UTF-8");
  });

  it("left no server errors", () => {
    // pg's deprecation notice (two queries at once on one client) comes from a page outside intake.
    const lines = serverErrorLines(server).filter((l) => !/DeprecationWarning|trace-deprecation/.test(l));
    expect(lines).toEqual([]);
  });
});
