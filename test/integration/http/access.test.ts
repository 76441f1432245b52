/**
 * Who may open what, over HTTP against the running portal: sign-in
 * redirects, role permissions (403), the 404 page, the team forms' tenant
 * isolation, and an invitation travelling from the form through the outbox
 * to the dev mailbox.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startAppServer, type AppServer } from "../../support/app-server";
import { get, html, postForm, query, serverErrorLines, signIn } from "../../support/http-client";

let server: AppServer;
const cookies: Record<string, string> = {};

const VENDOR_ADMIN = "admin@vendor.test";
const CHANNEL_MANAGER = "sales@vendor.test";
const POLDER_ADMIN = "owner@polder-relay.test";
const POLDER_USER = "daan.bakker@polder-relay.test";
const SAKURA_ADMIN = "owner@sakura-mail.test";

beforeAll(async () => {
  server = await startAppServer();
  for (const email of [VENDOR_ADMIN, CHANNEL_MANAGER, POLDER_ADMIN, POLDER_USER, SAKURA_ADMIN]) {
    cookies[email] = await signIn(server, email);
  }
}, 90_000);

afterAll(async () => {
  await server?.stop();
});

const as = (email: string) => ({ cookie: cookies[email]! });

async function invite(byEmail: string, email: string, role = "partner_user"): Promise<Response> {
  return postForm(server, "/team", { intent: "invite", email, role }, as(byEmail));
}

async function idOf(table: "users" | "invitations", email: string): Promise<string> {
  const [row] = await query<{ id: string }>(
    server,
    `select id from ${table} where email = $1 order by created_at desc limit 1`,
    [email],
  );
  if (!row) throw new Error(`no ${table} row for ${email}`);
  return row.id;
}

describe("signed out", () => {
  it("sends every page to sign-in, remembering where it was going", async () => {
    for (const p of ["/team", "/audit", "/api-keys", "/leads"]) {
      const res = await get(server, p);
      expect(res.status, p).toBe(302);
      expect(res.headers.get("location"), p).toBe(`/login?redirectTo=${encodeURIComponent(p)}`);
    }
    const home = await get(server, "/");
    expect(home.headers.get("location")).toBe("/login");
  });

  it("shows the sign-in page", async () => {
    const res = await get(server, "/login");
    expect(res.status).toBe(200);
    expect(await html(res)).toContain("<h1>Sign in</h1>");
  });
});

describe("role permissions", () => {
  const pages: Array<[string, string, number]> = [
    [VENDOR_ADMIN, "/", 200],
    [VENDOR_ADMIN, "/directory", 200],
    [VENDOR_ADMIN, "/mail", 200],
    [VENDOR_ADMIN, "/audit", 200],
    [VENDOR_ADMIN, "/team", 200],
    [VENDOR_ADMIN, "/api-keys", 403],
    [CHANNEL_MANAGER, "/directory", 200],
    [CHANNEL_MANAGER, "/audit", 403],
    [CHANNEL_MANAGER, "/mail", 403],
    [CHANNEL_MANAGER, "/team", 403],
    [POLDER_ADMIN, "/", 200],
    [POLDER_ADMIN, "/team", 200],
    [POLDER_ADMIN, "/api-keys", 200],
    [POLDER_ADMIN, "/leads", 200],
    [POLDER_ADMIN, "/audit", 403],
    [POLDER_ADMIN, "/mail", 403],
    [POLDER_ADMIN, "/directory", 403],
    [VENDOR_ADMIN, "/applications", 200],
    [VENDOR_ADMIN, "/agreements", 200],
    [VENDOR_ADMIN, "/specializations", 200],
    [CHANNEL_MANAGER, "/applications", 200],
    [CHANNEL_MANAGER, "/agreements", 403],
    [CHANNEL_MANAGER, "/specializations", 403],
    [POLDER_ADMIN, "/applications", 403],
    [POLDER_ADMIN, "/agreements", 403],
    [POLDER_ADMIN, "/agreement", 200],
    [POLDER_ADMIN, "/profile", 200],
    [POLDER_ADMIN, "/specializations", 403],
    [VENDOR_ADMIN, "/training", 200],
    [VENDOR_ADMIN, "/training/admin", 200],
    [VENDOR_ADMIN, "/training/report", 200],
    [CHANNEL_MANAGER, "/training/admin", 403],
    [CHANNEL_MANAGER, "/training/report", 200],
    [POLDER_ADMIN, "/training", 200],
    [POLDER_ADMIN, "/training/team", 200],
    [POLDER_ADMIN, "/training/admin", 403],
    [POLDER_ADMIN, "/training/report", 403],
    [POLDER_USER, "/training", 200],
    [POLDER_USER, "/training/team", 403],
    [POLDER_USER, "/agreement", 200],
    [POLDER_USER, "/team", 200],
    [POLDER_USER, "/api-keys", 403],
    [POLDER_USER, "/audit", 403],
  ];

  it.each(pages)("%s GET %s → %i", async (email, p, status) => {
    const res = await get(server, p, as(email));
    expect(res.status).toBe(status);
    const body = await html(res);
    if (status === 403) {
      expect(body).toContain("Not allowed");
      expect(body).toContain("You are not allowed to see this page.");
    } else {
      expect(body).not.toContain("Not allowed");
    }
  });

  it("refuses a partner's admin a message of the mail outbox that a vendor admin can read", async () => {
    await invite(SAKURA_ADMIN, "mail-check@sakura-mail.test");
    const [mail] = await query<{ id: string }>(server, "select id from mail_messages where to_address = $1", [
      "mail-check@sakura-mail.test",
    ]);
    expect((await get(server, `/mail/${mail!.id}`, as(POLDER_ADMIN))).status).toBe(403);
    expect((await get(server, `/mail/${mail!.id}`, as(SAKURA_ADMIN))).status).toBe(403);
    const res = await get(server, `/mail/${mail!.id}`, as(VENDOR_ADMIN));
    expect(res.status).toBe(200);
    expect(await html(res)).toContain("mail-check@sakura-mail.test");
  });

  it("refuses a partner user the team forms", async () => {
    const res = await invite(POLDER_USER, "sneaky@polder-relay.test");
    expect(res.status).toBe(403);
    expect(await query(server, "select 1 from invitations where email = 'sneaky@polder-relay.test'")).toEqual([]);
  });

  it("refuses a partner user the API keys form", async () => {
    const res = await postForm(
      server,
      "/api-keys",
      { intent: "create", name: "mine", scopes: "me:read" },
      as(POLDER_USER),
    );
    expect(res.status).toBe(403);
    expect(await query(server, "select 1 from api_keys")).toEqual([]);
  });
});

describe("search and filter fields take `_` and `%` literally", () => {
  it("filters the audit trail by an action with an underscore", async () => {
    const page = await html(await get(server, "/audit?action=auth.sign_in", as(VENDOR_ADMIN)));
    const shown = [...page.matchAll(/<td><code>([^<]+)<\/code><\/td>/g)].map((m) => m[1]);
    expect(shown.length).toBeGreaterThanOrEqual(5); // the sign-ins of beforeAll
    expect(new Set(shown)).toEqual(new Set(["auth.sign_in"]));
    // A wildcard is not one: nothing starts with "auth.sign%".
    const wild = await html(await get(server, `/audit?action=${encodeURIComponent("auth.sign%")}`, as(VENDOR_ADMIN)));
    expect(wild).toContain("No audit events match");
  });

  it("finds mail to an address with an underscore, and only that", async () => {
    await invite(POLDER_ADMIN, "first_last@polder-relay.test");
    await invite(POLDER_ADMIN, "firstxlast@polder-relay.test");
    const page = await html(await get(server, "/mail?q=first_last", as(VENDOR_ADMIN)));
    expect(page).toContain("first_last@polder-relay.test");
    expect(page).not.toContain("firstxlast@polder-relay.test");
  });
});

describe("not found", () => {
  it.each(["/no-such-page", "/deeply/nested/unknown/path"])(
    "shows the 404 page for %s to a signed-in user",
    async (p) => {
      const res = await get(server, p, as(POLDER_ADMIN));
      expect(res.status).toBe(404);
      const body = await html(res);
      expect(body).toContain("Page not found");
      expect(body).toContain("Back to the dashboard");
    },
  );

  it("shows the 404 page for a mail message that does not exist", async () => {
    for (const id of ["00000000-0000-4000-8000-000000000000", "not-a-uuid"]) {
      const res = await get(server, `/mail/${id}`, as(VENDOR_ADMIN));
      expect(res.status, id).toBe(404);
      expect(await html(res)).toContain("Page not found");
    }
  });
});

describe("team forms over HTTP", () => {
  it("rejects an invalid email address with a field error and queues nothing", async () => {
    const res = await invite(POLDER_ADMIN, "not-an-email");
    expect(res.status).toBe(400);
    expect(await html(res)).toContain("Enter a valid email address.");
    expect(await query(server, "select 1 from invitations where email = 'not-an-email'")).toEqual([]);
  });

  it("rejects a role the inviter may not give", async () => {
    const res = await invite(POLDER_ADMIN, "boss@polder-relay.test", "vendor_admin");
    expect(res.status).toBe(400);
    expect(await html(res)).toContain("You cannot give that role.");
  });

  it("invites a colleague: pending invitation, outbox row, and an .eml in the dev mailbox", async () => {
    const email = "new.colleague@polder-relay.test";
    const res = await invite(POLDER_ADMIN, email);
    expect(res.status).toBe(200);
    expect(await html(res)).toContain(`Invitation sent to ${email}.`);
    const team = await html(await get(server, "/team", as(POLDER_ADMIN)));
    expect(team).toContain(email);

    const [mail] = await query<{ id: string; message_id: string }>(
      server,
      "select id, message_id from mail_messages where to_address = $1",
      [email],
    );
    expect(mail).toBeDefined();
    // The mail job (MAIL_POLL_MS=200) delivers it to DATA_DIR/mailbox and marks it sent.
    const mailbox = path.join(server.dataDir, "mailbox");
    const eml = await vi.waitFor(
      () => {
        const file = fs.existsSync(mailbox)
          ? fs.readdirSync(mailbox).find((f) => f.endsWith(`${mail!.id}.eml`))
          : undefined;
        if (!file) throw new Error("not delivered yet");
        return fs.readFileSync(path.join(mailbox, file), "utf8");
      },
      { timeout: 15_000, interval: 100 },
    );
    expect(eml).toMatch(new RegExp(`^To: ${email.replace(/\./g, "\\.")}`, "m"));
    expect(eml).toContain(`Message-ID: ${mail!.message_id}`);
    expect(eml).toContain(`${server.url}/invitations/`);
    await vi.waitFor(
      async () => {
        const [row] = await query<{ status: string }>(server, "select status from mail_messages where id = $1", [
          mail!.id,
        ]);
        expect(row!.status).toBe("sent");
      },
      { timeout: 15_000, interval: 100 },
    );
  });

  it("answers 404 when one partner's admin acts on another partner's people or invitations", async () => {
    await invite(SAKURA_ADMIN, "pending@sakura-mail.test");
    const invitationId = await idOf("invitations", "pending@sakura-mail.test");
    const sakuraUserId = await idOf("users", "yui.tanaka@sakura-mail.test");

    const attempts: Array<Record<string, string>> = [
      { intent: "revoke-invitation", id: invitationId },
      { intent: "deactivate", id: sakuraUserId },
      { intent: "change-role", id: sakuraUserId, role: "partner_admin" },
    ];
    for (const fields of attempts) {
      const res = await postForm(server, "/team", fields, as(POLDER_ADMIN));
      expect(res.status, fields.intent).toBe(404);
    }

    const [inv] = await query<{ revoked_at: Date | null }>(server, "select revoked_at from invitations where id = $1", [
      invitationId,
    ]);
    expect(inv!.revoked_at).toBeNull();
    const [user] = await query<{ status: string; role: string }>(
      server,
      "select status, role from users where id = $1",
      [sakuraUserId],
    );
    expect(user).toEqual({ status: "active", role: "partner_user" });
    // Sakura's own admin still sees the invitation pending.
    expect(await html(await get(server, "/team", as(SAKURA_ADMIN)))).toContain("pending@sakura-mail.test");
  });

  it("logged no errors on the server", () => {
    expect(serverErrorLines(server)).toEqual([]);
  });
});
