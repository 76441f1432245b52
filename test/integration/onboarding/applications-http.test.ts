/**
 * The application pages over HTTP against the running portal (demo world):
 * the public form without sign-in, field errors with 400, a submission that
 * lands in the review queue, the honeypot, the rate limit's 429, the status
 * link, and who may open the queue and its applications.
 *
 * The server trusts X-Forwarded-For (TRUST_PROXY) so that each test speaks
 * from its own client address and the rate limit (5 per 15 minutes) only
 * bites where it is meant to.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppServer, type AppServer } from "../../support/app-server";
import { get, html, postForm, query, serverErrorLines, signIn } from "../../support/http-client";

let server: AppServer;
const cookies: Record<string, string> = {};
const VENDOR_ADMIN = "admin@vendor.test";
const CHANNEL_MANAGER = "sales@vendor.test";
const POLDER_ADMIN = "owner@polder-relay.test";

beforeAll(async () => {
  server = await startAppServer({ env: { TRUST_PROXY: "true" } });
  for (const email of [VENDOR_ADMIN, CHANNEL_MANAGER, POLDER_ADMIN]) cookies[email] = await signIn(server, email);
}, 90_000);

afterAll(async () => {
  await server?.stop();
});

const as = (email: string) => ({ cookie: cookies[email]! });
let client = 10;
const from = () => ({ headers: { "x-forwarded-for": `203.0.113.${client++}` } });

function form(domain: string, overrides: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  return {
    companyName: "Andes Mail <b>Seguro</b>",
    legalName: "Andes Mail Seguro SpA",
    website: `https://www.${domain}`,
    primaryDomain: "",
    country: "CL",
    region: "Santiago",
    address: "Av. Apoquindo 3000\nLas Condes",
    registrationId: "RUT 76.123.456-7",
    businessType: "managed_service_provider",
    specializations: ["mail-relay", "secure-messaging"],
    expectedAnnualVolume: "80000",
    contactName: "Camila Rojas",
    contactEmail: `camila@${domain}`,
    contactPhone: "+56 2 2555 0100",
    privacyAccepted: "on",
    website_url: "",
    ...overrides,
  };
}

async function applicationCount(domain: string): Promise<number> {
  const rows = await query(server, "select 1 from applications where primary_domain = $1", [domain]);
  return rows.length;
}

describe("public form", () => {
  it("renders /apply without sign-in, with the specializations and the honeypot", async () => {
    const res = await get(server, "/apply");
    expect(res.status).toBe(200);
    const page = await html(res);
    expect(page).toContain("<h1>Become a partner</h1>");
    expect(page).toContain("Anti-spam gateway");
    expect(page).toMatch(
      /<input[^>]*name="website_url"[^>]*tabindex="-1"|<input[^>]*tabindex="-1"[^>]*name="website_url"/,
    );
    expect(page).toContain('href="/login"');
  });

  it("links to /apply from the sign-in page", async () => {
    expect(await html(await get(server, "/login"))).toContain('href="/apply"');
  });

  it("answers bad input with 400 and field messages, and stores nothing", async () => {
    const res = await postForm(
      server,
      "/apply",
      form("bad-input.test", {
        companyName: "",
        website: "javascript:alert(1)",
        contactEmail: "camila-at-nowhere",
        country: "XX",
        specializations: ["mail-relay", "crypto-mining"],
        privacyAccepted: [],
      }),
      from(),
    );
    expect(res.status).toBe(400);
    const page = await html(res);
    for (const message of [
      "Enter your company&#x27;s name.",
      "Enter a website address such as https://www.example.com.",
      "Enter a valid email address.",
      "Choose a country from the list.",
      "Choose specializations from the list.",
      "Accept the privacy notice to apply.",
    ]) {
      expect(page).toContain(message);
    }
    expect(await query(server, "select 1 from applications where company_name = ''")).toEqual([]);
  });

  it("asks to confirm a contact address outside the domain, then accepts it", async () => {
    const fields = form("andes-outside.test", { contactEmail: "camila.rojas@freemail.test" });
    const first = await postForm(server, "/apply", fields, from());
    expect(first.status).toBe(400);
    const page = await html(first);
    expect(page).toContain("This address is not at andes-outside.test.");
    expect(page).toContain("I use an address outside our company domain");
    expect(await applicationCount("andes-outside.test")).toBe(0);

    const second = await postForm(server, "/apply", { ...fields, contactDomainConfirmed: "on" }, from());
    expect(second.status).toBe(302);
    const [row] = await query<{ contact_domain_mismatch: boolean }>(
      server,
      "select contact_domain_mismatch from applications where primary_domain = 'andes-outside.test'",
    );
    expect(row!.contact_domain_mismatch).toBe(true);
  });

  it("takes a good application: thank-you page, confirmation mail with the status link, in the review queue", async () => {
    const res = await postForm(server, "/apply", form("andes-mail.test"), from());
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/apply?sent=1");
    expect(await html(await get(server, "/apply?sent=1"))).toContain("Thank you for applying");

    const [app] = await query<{ id: string; company_name: string }>(
      server,
      "select id, company_name from applications where primary_domain = 'andes-mail.test'",
    );
    expect(app!.company_name).toBe("Andes Mail <b>Seguro</b>");
    const [mail] = await query<{ text: string }>(
      server,
      "select text from mail_messages where template = 'application-received' and to_address = 'camila@andes-mail.test'",
    );
    const link = /\/apply\/status\/[A-Za-z0-9_-]+/.exec(mail!.text)?.[0];
    expect(link).toBeDefined();

    // The status page: public, the company's name as text, no reviewer's notes.
    const status = await get(server, link!);
    expect(status.status).toBe(200);
    const statusPage = await html(status);
    expect(statusPage).toContain("Waiting for review");
    expect(statusPage).toContain("Andes Mail &lt;b&gt;Seguro&lt;/b&gt;");
    expect(statusPage).not.toContain("<b>Seguro</b>");

    const queue = await html(await get(server, "/applications?country=CL", as(CHANNEL_MANAGER)));
    expect(queue).toContain(`/applications/${app!.id}`);
    expect(queue).toContain("Andes Mail &lt;b&gt;Seguro&lt;/b&gt;");

    const detail = await get(server, `/applications/${app!.id}`, as(VENDOR_ADMIN));
    expect(detail.status).toBe(200);
    const detailPage = await html(detail);
    expect(detailPage).toContain("Av. Apoquindo 3000");
    expect(detailPage).not.toContain("<b>Seguro</b>");
  });

  it("refuses a domain that belongs to a partner with a field message (and tells the vendor)", async () => {
    const res = await postForm(
      server,
      "/apply",
      form("polder-relay.test", { companyName: "Polder Relay Rotterdam" }),
      from(),
    );
    expect(res.status).toBe(400);
    expect(await html(res)).toContain("An application or a partner account for polder-relay.test already exists");
    const mails = await query(server, "select 1 from mail_messages where template = 'application-duplicate'");
    expect(mails.length).toBe(1);
  });

  it("answers a filled honeypot like a success and stores nothing", async () => {
    const res = await postForm(
      server,
      "/apply",
      form("honey-pot.test", { website_url: "http://buy-now.test" }),
      from(),
    );
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/apply?sent=1");
    expect(await applicationCount("honey-pot.test")).toBe(0);
    // Invalid and filled: the same answer.
    const bot = await postForm(server, "/apply", { website_url: "x", companyName: "x" }, from());
    expect(bot.status).toBe(302);
  });

  it("answers the sixth attempt from one address within 15 minutes with 429 and a clear message", async () => {
    const same = from();
    for (let i = 0; i < 5; i++) {
      const res = await postForm(server, "/apply", form("rate-limit.test", { companyName: "" }), same);
      expect(res.status).toBe(400);
    }
    const limited = await postForm(server, "/apply", form("rate-limit.test"), same);
    expect(limited.status).toBe(429);
    expect(await html(limited)).toContain("Too many applications were sent from your network");
    expect(await applicationCount("rate-limit.test")).toBe(0);
    // Another address is fine.
    expect((await postForm(server, "/apply", form("rate-limit.test"), from())).status).toBe(302);
  });

  it("answers an unknown status link with 404", async () => {
    const res = await get(server, "/apply/status/not-a-real-token");
    expect(res.status).toBe(404);
    expect(await html(res)).toContain("Status link not valid");
  });
});

describe("review pages", () => {
  async function pendingId(name: string): Promise<string> {
    const [row] = await query<{ id: string }>(server, "select id from applications where company_name = $1", [name]);
    return row!.id;
  }

  it("shows the queue to vendor staff and refuses partner users with 403", async () => {
    const queue = await get(server, "/applications", as(CHANNEL_MANAGER));
    expect(queue.status).toBe(200);
    const page = await html(queue);
    expect(page).toContain("Kiwi Relay");
    expect(page).toContain("Nordlys Mail");
    expect(page).not.toContain("Bulk Blast Marketing"); // rejected: not in the open queue
    expect(page.indexOf("Nordlys Mail")).toBeLessThan(page.indexOf("Kiwi Relay")); // oldest first

    expect((await get(server, "/applications", as(POLDER_ADMIN))).status).toBe(403);
    const id = await pendingId("Kiwi Relay");
    expect((await get(server, `/applications/${id}`, as(POLDER_ADMIN))).status).toBe(403);
    const post = await postForm(server, `/applications/${id}`, { intent: "reject", reason: "nope" }, as(POLDER_ADMIN));
    expect(post.status).toBe(403);
    const [row] = await query<{ status: string }>(server, "select status from applications where id = $1", [id]);
    expect(row!.status).toBe("submitted");
  });

  it("shows the empty state when nothing matches", async () => {
    const page = await html(await get(server, "/applications?country=AQ", as(VENDOR_ADMIN)));
    expect(page).toContain("No applications match");
  });

  it("answers 404 for a malformed or unknown application id", async () => {
    for (const id of ["not-a-uuid", "00000000-0000-4000-8000-000000000000"]) {
      const res = await get(server, `/applications/${id}`, as(VENDOR_ADMIN));
      expect(res.status, id).toBe(404);
      expect(await html(res)).toContain("Page not found");
      const post = await postForm(server, `/applications/${id}`, { intent: "note", body: "x" }, as(VENDOR_ADMIN));
      expect(post.status, id).toBe(404);
    }
  });

  it("shows the contact-domain warning, takes notes, and refuses a decision without its text", async () => {
    const id = await pendingId("Maple Secure Messaging");
    const page = await html(await get(server, `/applications/${id}`, as(VENDOR_ADMIN)));
    expect(page).toContain("The contact address is at");
    expect(page).toContain("freemail.test");

    const note = await postForm(
      server,
      `/applications/${id}`,
      { intent: "note", body: "Called them <i>today</i>." },
      as(VENDOR_ADMIN),
    );
    expect(note.status).toBe(200);
    expect(await html(note)).toContain("Called them &lt;i&gt;today&lt;/i&gt;.");

    const reject = await postForm(server, `/applications/${id}`, { intent: "reject", reason: "" }, as(VENDOR_ADMIN));
    expect(reject.status).toBe(400);
    expect(await html(reject)).toContain("Write the reason");
  });

  it("asks for more information; the applicant answers through the new status link; notes stay internal", async () => {
    const id = await pendingId("Maple Secure Messaging");
    const ask = await postForm(
      server,
      `/applications/${id}`,
      { intent: "request-info", message: "Which customers do you host today?" },
      as(CHANNEL_MANAGER),
    );
    expect(ask.status).toBe(200);
    const [mail] = await query<{ text: string }>(
      server,
      "select text from mail_messages where template = 'application-info-requested' and to_address = 'owen.tremblay@freemail.test'",
    );
    const link = /\/apply\/status\/[A-Za-z0-9_-]+/.exec(mail!.text)![0];

    const page = await html(await get(server, link));
    expect(page).toContain("Which customers do you host today?");
    expect(page).toContain("Your answer");
    expect(page).not.toContain("Called them"); // the internal note of the previous test
    expect(page).not.toContain("Sam Sales");

    const empty = await postForm(server, link, { body: "" });
    expect(empty.status).toBe(400);
    expect(await html(empty)).toContain("Write your answer.");

    const answer = await postForm(server, link, { body: "About forty law firms in Ontario." });
    expect(answer.status).toBe(302);
    expect(answer.headers.get("location")).toBe(`${link}?answered=1`);
    const after = await html(await get(server, `${link}?answered=1`));
    expect(after).toContain("Thank you, your answer was sent");
    expect(after).toContain("About forty law firms in Ontario.");
    expect(after).not.toContain("Your answer</h2>");
    const [row] = await query<{ status: string }>(server, "select status from applications where id = $1", [id]);
    expect(row!.status).toBe("submitted");
    const told = await query(server, "select 1 from mail_messages where template = 'application-answered'");
    expect(told.length).toBe(1);
  });

  it("approves: partner and invitation exist; deciding again is a conflict shown on the page", async () => {
    const id = await pendingId("Kiwi Relay");
    const [manager] = await query<{ id: string }>(server, "select id from users where email = $1", [CHANNEL_MANAGER]);
    const res = await postForm(
      server,
      `/applications/${id}`,
      { intent: "approve", tier: "silver", ownerUserId: manager!.id },
      as(VENDOR_ADMIN),
    );
    expect(res.status).toBe(200);
    expect(await html(res)).toContain("Approved: the partner exists");
    const [partner] = await query<{ status: string; tier: string; slug: string }>(
      server,
      "select p.status, p.tier, p.slug from partners p join applications a on a.partner_id = p.id where a.id = $1",
      [id],
    );
    expect(partner).toEqual({ status: "approved", tier: "silver", slug: "kiwi-relay" });
    const [inv] = await query<{ role: string }>(
      server,
      "select role from invitations where email = 'aroha@kiwi-relay.test'",
    );
    expect(inv!.role).toBe("partner_admin");

    const again = await postForm(
      server,
      `/applications/${id}`,
      { intent: "reject", reason: "Too late" },
      as(CHANNEL_MANAGER),
    );
    expect(again.status).toBe(409);
    expect(await html(again)).toContain("This application was already decided by Avery Admin");
  });

  it("logged no errors on the server", () => {
    expect(serverErrorLines(server)).toEqual([]);
  });
});
