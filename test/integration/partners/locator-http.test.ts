/**
 * The public partner locator, the logo route and the profile page over HTTP,
 * against the running portal and its demo world.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppServer, type AppServer } from "../../support/app-server";
import { cookieHeader, get, html, postForm, query, serverErrorLines, signIn } from "../../support/http-client";

let server: AppServer;
const cookies: Record<string, string> = {};

const VENDOR_ADMIN = "admin@vendor.test";
const CHANNEL_MANAGER = "sales@vendor.test";
const POLDER_ADMIN = "owner@polder-relay.test";
const POLDER_USER = "daan.bakker@polder-relay.test";
const BRUSSELS_ADMIN = "owner@brussels-secure.test";
const BRUSSELS_USER = "lea.janssens@brussels-secure.test";

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

beforeAll(async () => {
  server = await startAppServer();
  for (const email of [VENDOR_ADMIN, CHANNEL_MANAGER, POLDER_ADMIN, POLDER_USER, BRUSSELS_ADMIN, BRUSSELS_USER]) {
    cookies[email] = await signIn(server, email);
  }
  // Partners that must never appear publicly, whatever they opted into.
  for (const [slug, status, listed] of [
    ["hidden-suspended", "suspended", true],
    ["hidden-terminated", "terminated", true],
    ["hidden-approved", "approved", true],
    ["hidden-unlisted", "active", false],
  ] as const) {
    await query(
      server,
      `insert into partners (slug, name, legal_name, primary_domain, country, territories, specializations, status, listed_in_locator, description)
       values ($1, $2, $2, $1 || '.test', 'NL', '{NL}', '{mail-relay}', $3, $4, 'Should not be listed')`,
      [slug, `Hidden ${slug}`, status, listed],
    );
  }
}, 90_000);

afterAll(async () => {
  await server?.stop();
});

const as = (email: string) => ({ cookie: cookies[email]! });

/** A multipart upload the way a browser sends it from the profile page. */
function uploadLogo(email: string | null, file: { bytes: Buffer; type: string; name: string }): Promise<Response> {
  const body = new FormData();
  body.append("logo", new Blob([new Uint8Array(file.bytes)], { type: file.type }), file.name);
  const headers: Record<string, string> = { origin: server.url };
  if (email) headers.cookie = cookieHeader(cookies[email]!);
  return fetch(`${server.url}/profile`, { method: "POST", body, headers, redirect: "manual" });
}

async function logoRow(slug: string) {
  const [row] = await query<{ sha256: string; content_type: string }>(
    server,
    "select l.sha256, l.content_type from partner_logos l join partners p on p.id = l.partner_id where p.slug = $1",
    [slug],
  );
  return row;
}

const EMAIL = /[\w.+-]+@[\w-]+\.[\w.-]+/;

describe("the public locator", () => {
  it("answers without sign-in, cached publicly for a minute, with its own header", async () => {
    const res = await get(server, "/partners");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=60");
    const body = await html(res);
    expect(body).toContain("<h1>Find a partner</h1>");
    expect(body).toContain('href="/login"');
    expect(body).toContain('href="/apply"');
  });

  it("lists only active partners that opted in, and never an email address", async () => {
    const body = await html(await get(server, "/partners"));
    for (const name of ["Sakura Mail Systems", "Southern Cross Messaging", "Polder Relay", "Liberty Mailworks"]) {
      expect(body).toContain(name);
    }
    for (const name of ["Brussels Secure Mail", "Rheinmail", "Hidden hidden-"]) expect(body).not.toContain(name);
    expect(body).not.toMatch(EMAIL);
    expect(body).not.toContain("Should not be listed");
    expect(body).toContain('rel="nofollow noopener"');
    // No ids beyond the slug, no street addresses, no phone numbers.
    const [polder] = await query<{ id: string }>(server, "select id from partners where slug = 'polder-relay'");
    expect(body).not.toContain(polder!.id);
    expect(body).not.toContain("Keizersgracht");
    expect(body).not.toContain("+31 20");
  });

  it("filters by country (based there or covering it) and by specialization", async () => {
    const jp = await html(await get(server, "/partners?country=JP"));
    expect(jp).toContain("Sakura Mail Systems");
    expect(jp).not.toContain("Polder Relay");

    const be = await html(await get(server, "/partners?country=BE"));
    expect(be).toContain("Polder Relay"); // covers BE from the Netherlands
    expect(be).not.toContain("Brussels Secure Mail"); // unlisted

    const antiSpam = await html(await get(server, "/partners?specialization=anti-spam-gateway"));
    expect(antiSpam).toContain("Southern Cross Messaging");
    expect(antiSpam).toContain("Polder Relay");
    expect(antiSpam).not.toContain("Sakura Mail Systems");

    const none = await html(await get(server, "/partners?country=FR&q=%3Cscript%3E"));
    expect(none).toContain("No partner matches");
    expect(none).toContain('value="&lt;script&gt;"');
  });
});

describe("logos", () => {
  it("stores a PNG from the profile page, and serves it publicly for a listed partner with caching headers", async () => {
    const res = await uploadLogo(POLDER_ADMIN, { bytes: PNG, type: "image/png", name: "logo.png" });
    expect(res.status).toBe(200);
    const sha = createHash("sha256").update(PNG).digest("hex");
    expect(await logoRow("polder-relay")).toEqual({ sha256: sha, content_type: "image/png" });

    const logo = await get(server, "/partners/polder-relay/logo");
    expect(logo.status).toBe(200);
    expect(logo.headers.get("content-type")).toBe("image/png");
    expect(logo.headers.get("etag")).toBe(`"${sha}"`);
    expect(logo.headers.get("cache-control")).toBe("public, max-age=300");
    expect(logo.headers.get("x-content-type-options")).toBe("nosniff");
    expect(Buffer.compare(Buffer.from(await logo.arrayBuffer()), PNG)).toBe(0);

    const again = await get(server, "/partners/polder-relay/logo", { headers: { "if-none-match": `"${sha}"` } });
    expect(again.status).toBe(304);

    expect(await html(await get(server, "/partners?country=NL"))).toContain(
      `/partners/polder-relay/logo?v=${sha.slice(0, 12)}`,
    );
  });

  it.each([
    [
      "a fake PNG",
      { bytes: Buffer.from("just some text"), type: "image/png", name: "fake.png" },
      "This file is not a PNG, JPEG or WebP image.",
    ],
    [
      "an SVG",
      {
        bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        type: "image/svg+xml",
        name: "x.svg",
      },
      "SVG images are not accepted",
    ],
    [
      "a file over 512 KB",
      { bytes: Buffer.concat([PNG, Buffer.alloc(600 * 1024)]), type: "image/png", name: "big.png" },
      "larger than 512 KB",
    ],
  ])("refuses %s with a message at the field and keeps the stored logo", async (_what, file, message) => {
    const before = await logoRow("polder-relay");
    const res = await uploadLogo(POLDER_ADMIN, file);
    expect(res.status).toBe(400);
    expect(await html(res)).toContain(message);
    expect(await logoRow("polder-relay")).toEqual(before);
  });

  it("refuses the upload to a partner user", async () => {
    const res = await uploadLogo(POLDER_USER, { bytes: PNG, type: "image/png", name: "logo.png" });
    expect(res.status).toBe(403);
  });

  it("serves an unlisted partner's logo only to its own people and the vendor; 404 for everyone else", async () => {
    expect((await uploadLogo(BRUSSELS_ADMIN, { bytes: PNG, type: "image/png", name: "logo.png" })).status).toBe(200);
    const signedOut = await get(server, "/partners/brussels-secure/logo");
    expect(signedOut.status).toBe(404);
    expect(signedOut.headers.get("content-type")).not.toContain("image");
    expect((await get(server, "/partners/brussels-secure/logo", as(POLDER_ADMIN))).status).toBe(404);
    const own = await get(server, "/partners/brussels-secure/logo", as(BRUSSELS_USER));
    expect(own.status).toBe(200);
    expect(own.headers.get("cache-control")).toBe("private, max-age=60");
    expect((await get(server, "/partners/brussels-secure/logo", as(VENDOR_ADMIN))).status).toBe(200);
    expect((await get(server, "/partners/no-such-partner/logo")).status).toBe(404);
    expect((await get(server, "/partners/rheinmail/logo")).status).toBe(404); // no logo at all
  });
});

describe("the profile page", () => {
  const form = (extra: Record<string, string | string[]> = {}) => ({
    intent: "profile",
    name: "Polder Relay",
    website: "https://www.polder-relay.test",
    phone: "+31 20 555 0199",
    description: "Distributor for the <b>Benelux</b>.",
    "addresses[0].label": "Head office",
    "addresses[0].street": "Keizersgracht 123",
    "addresses[0].city": "Amsterdam",
    "addresses[0].postalCode": "1015 CJ",
    "addresses[0].country": "NL",
    territories: ["NL", "BE", "LU"],
    subdivisions: "",
    specializations: ["mail-relay", "anti-spam-gateway"],
    "contacts[0].role": "sales",
    "contacts[0].name": "Sanne de Vries",
    "contacts[0].email": "owner@polder-relay.test",
    listedInLocator: "on",
    ...extra,
  });

  it("saves the form for the partner admin, ignoring a crafted partnerId", async () => {
    const [sakura] = await query<{ id: string; name: string; description: string }>(
      server,
      "select id, name, description from partners where slug = 'sakura-mail'",
    );
    const res = await postForm(
      server,
      "/profile",
      form({ partnerId: sakura!.id, subdivisions: "US-CO" }),
      as(POLDER_ADMIN),
    );
    expect(res.status).toBe(200);
    const [polder] = await query<{ description: string; territories: string[] }>(
      server,
      "select description, territories from partners where slug = 'polder-relay'",
    );
    expect(polder).toEqual({
      description: "Distributor for the <b>Benelux</b>.",
      territories: ["NL", "BE", "LU", "US-CO"],
    });
    const [after] = await query(server, "select id, name, description from partners where slug = 'sakura-mail'");
    expect(after).toEqual(sakura);

    // HTML typed into the description is shown as text in the locator.
    const locator = await html(await get(server, "/partners?q=polder"));
    expect(locator).toContain("Distributor for the &lt;b&gt;Benelux&lt;/b&gt;.");
  });

  it("answers bad input with field errors and changes nothing", async () => {
    const res = await postForm(
      server,
      "/profile",
      form({ territories: ["NL", "XX"], "contacts[0].email": "nope" }),
      as(POLDER_ADMIN),
    );
    expect(res.status).toBe(400);
    const body = await html(res);
    expect(body).toContain("is not an ISO country or subdivision code");
    expect(body).toContain("Enter a valid email address.");
    const [polder] = await query<{ territories: string[] }>(
      server,
      "select territories from partners where slug = 'polder-relay'",
    );
    expect(polder!.territories).toEqual(["NL", "BE", "LU", "US-CO"]);
  });

  it("shows the profile read-only to a partner user and refuses their posts; vendor staff get 403", async () => {
    const page = await get(server, "/profile", as(POLDER_USER));
    expect(page.status).toBe(200);
    const body = await html(page);
    expect(body).toContain("Your partner admin keeps this profile.");
    expect(body).not.toContain("Save the profile");
    expect((await postForm(server, "/profile", form(), as(POLDER_USER))).status).toBe(403);
    expect((await get(server, "/profile", as(VENDOR_ADMIN))).status).toBe(403);
  });

  it("shows the onboarding checklist on the partner dashboard", async () => {
    const body = await html(await get(server, "/", as(POLDER_ADMIN)));
    expect(body).toContain("Onboarding complete");
    const [fresh] = await query<{ id: string }>(
      server,
      "insert into partners (slug, name, legal_name, primary_domain, country, status, agreement_version) values ('fresh-co', 'Fresh Co', 'Fresh Co Ltd', 'fresh.test', 'NL', 'active', 1) returning id",
    );
    await query(
      server,
      "insert into users (email, name, password_hash, role, partner_id) select 'owner@fresh.test', 'Fresh Owner', password_hash, 'partner_admin', $1 from users where email = $2",
      [fresh!.id, POLDER_ADMIN],
    );
    const freshBody = await html(await get(server, "/", { cookie: await signIn(server, "owner@fresh.test") }));
    expect(freshBody).toContain("1 of 5 done");
    expect(freshBody).toContain('href="/profile"');
    expect(freshBody).toContain('href="/training"');
    expect(freshBody).toContain('href="/deals/new"');
  });
});

describe("specializations page", () => {
  it("is for vendor admins", async () => {
    expect((await get(server, "/specializations", as(VENDOR_ADMIN))).status).toBe(200);
    expect((await get(server, "/specializations", as(CHANNEL_MANAGER))).status).toBe(403);
    expect((await get(server, "/specializations", as(POLDER_ADMIN))).status).toBe(403);
  });

  it("adds one, refusing a malformed key with a field error", async () => {
    const bad = await postForm(
      server,
      "/specializations",
      { intent: "create", key: "Bad Key", label: "Bad" },
      as(VENDOR_ADMIN),
    );
    expect(bad.status).toBe(400);
    expect(await html(bad)).toContain("Use 2 to 40 lowercase letters");
    const ok = await postForm(
      server,
      "/specializations",
      { intent: "create", key: "dmarc", label: "DMARC reporting" },
      as(VENDOR_ADMIN),
    );
    expect(ok.status).toBe(200);
    expect(await html(await get(server, "/partners"))).toContain("DMARC reporting");
  });
});

it("logged no server errors", () => {
  expect(serverErrorLines(server)).toEqual([]);
});
