/**
 * Over HTTP against the running portal: the CSRF Origin guard in front of
 * every state-changing request, the session cookie, its rotation at sign-in
 * and its server-side end at sign-out, and the security headers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppServer, type AppServer } from "../../support/app-server";
import {
  DEMO_PASSWORD,
  get,
  html,
  postForm,
  query,
  serverErrorLines,
  setCookieHeader,
  setCookieValue,
  signIn,
} from "../../support/http-client";

let server: AppServer;

beforeAll(async () => {
  server = await startAppServer();
}, 90_000);

afterAll(async () => {
  await server?.stop();
});

async function userId(email: string): Promise<string> {
  const [row] = await query<{ id: string }>(server, "select id from users where email = $1", [email]);
  if (!row) throw new Error(`no user ${email}`);
  return row.id;
}

async function signInAudits(email: string): Promise<number> {
  const rows = await query(server, "select 1 from audit_events where action = 'auth.sign_in' and actor_user_id = $1", [
    await userId(email),
  ]);
  return rows.length;
}

async function sessionCount(email: string): Promise<number> {
  const rows = await query(server, "select 1 from sessions where user_id = $1", [await userId(email)]);
  return rows.length;
}

/** GET / with a session cookie: the dashboard (200) or a redirect to /login. */
async function dashboard(cookie: string): Promise<Response> {
  return get(server, "/", { cookie });
}

describe("CSRF guard on POST /login", () => {
  const email = "owner@sakura-mail.test";

  it("refuses a cross-site POST with the right credentials: 403, no cookie, no sign-in", async () => {
    const res = await postForm(server, "/login", { email, password: DEMO_PASSWORD }, { origin: "http://evil.test" });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await res.text()).toMatch(/Forbidden/);
    expect(await signInAudits(email)).toBe(0);
    expect(await sessionCount(email)).toBe(0);
  });

  it("refuses a POST with neither Origin nor Referer, and one whose Referer is another site", async () => {
    const bare = await postForm(server, "/login", { email, password: DEMO_PASSWORD }, { origin: null });
    expect(bare.status).toBe(403);
    const foreignReferer = await postForm(
      server,
      "/login",
      { email, password: DEMO_PASSWORD },
      { origin: null, headers: { referer: "http://evil.test/page" } },
    );
    expect(foreignReferer.status).toBe(403);
    expect(foreignReferer.headers.getSetCookie()).toEqual([]);
    expect(await signInAudits(email)).toBe(0);
  });

  it("refuses a look-alike origin on another port or scheme", async () => {
    const port = new URL(server.url).port;
    for (const origin of [`http://127.0.0.1:${Number(port) + 1}`, `http://127.0.0.1.evil.test:${port}`]) {
      const res = await postForm(server, "/login", { email, password: DEMO_PASSWORD }, { origin });
      expect(res.status, origin).toBe(403);
    }
    expect(await signInAudits(email)).toBe(0);
  });

  it("signs in the same POST from the portal's own origin: redirect with an HttpOnly session cookie", async () => {
    const res = await postForm(server, "/login", { email, password: DEMO_PASSWORD });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/");
    const header = setCookieHeader(res);
    expect(header).toBeDefined();
    expect(header).toMatch(/HttpOnly/i);
    expect(header).toMatch(/SameSite=Lax/i);
    expect(header).toMatch(/Path=\//);
    expect(await signInAudits(email)).toBe(1);
    expect(await sessionCount(email)).toBe(1);

    const page = await dashboard(setCookieValue(res)!);
    expect(page.status).toBe(200);
    expect(await html(page)).toContain("Welcome, Haruto Sato");
  });

  it("accepts a same-origin Referer when the browser sends no Origin", async () => {
    const res = await postForm(
      server,
      "/login",
      { email, password: DEMO_PASSWORD },
      { origin: null, headers: { referer: `${server.url}/login` } },
    );
    expect(res.status).toBe(302);
    expect(setCookieValue(res)).toBeTruthy();
  });

  it("does not follow a redirectTo that leaves the site", async () => {
    for (const redirectTo of ["//evil.test/steal", "https://evil.test/", "/\\evil.test"]) {
      const res = await postForm(server, "/login", { email, password: DEMO_PASSWORD, redirectTo });
      expect(res.status).toBe(302);
      expect(res.headers.get("location"), redirectTo).toBe("/");
    }
    const inside = await postForm(server, "/login", { email, password: DEMO_PASSWORD, redirectTo: "/team" });
    expect(inside.headers.get("location")).toBe("/team");
  });
});

describe("session cookie lifecycle", () => {
  const email = "owner@polder-relay.test";

  it("rotates the session at sign-in: a new cookie value, and the previous session is gone", async () => {
    const first = await signIn(server, email);
    expect((await dashboard(first)).status).toBe(200);

    const res = await postForm(server, "/login", { email, password: DEMO_PASSWORD }, { cookie: first });
    expect(res.status).toBe(302);
    const second = setCookieValue(res)!;
    expect(second).toBeTruthy();
    expect(second).not.toBe(first);

    const old = await dashboard(first);
    expect(old.status).toBe(302);
    expect(old.headers.get("location")).toBe("/login");
    const current = await dashboard(second);
    expect(current.status).toBe(200);
    expect(await html(current)).toContain("Welcome, Sanne de Vries");
  });

  it("ends the session on the server at sign-out, so the old cookie no longer works", async () => {
    const cookie = await signIn(server, email);
    const sessionsBefore = await sessionCount(email);

    // A cross-site sign-out is refused and changes nothing.
    const forged = await postForm(server, "/logout", {}, { cookie, origin: "http://evil.test" });
    expect(forged.status).toBe(403);
    expect((await dashboard(cookie)).status).toBe(200);

    const res = await postForm(server, "/logout", {}, { cookie });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/login");
    const cleared = setCookieHeader(res);
    expect(cleared).toMatch(/^__portal_session=;/);
    expect(cleared).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/i);
    expect(await sessionCount(email)).toBe(sessionsBefore - 1);

    // Replaying the old cookie (as a thief who copied it would) is sent to sign in.
    const replay = await dashboard(cookie);
    expect(replay.status).toBe(302);
    expect(replay.headers.get("location")).toBe("/login");
    const deep = await get(server, "/team", { cookie });
    expect(deep.status).toBe(302);
    expect(deep.headers.get("location")).toBe("/login?redirectTo=%2Fteam");
  });

  it("ignores a made-up session cookie", async () => {
    const res = await dashboard("dGhpcyBpcyBub3QgYSBzZXNzaW9u");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/login");
  });
});

describe("response headers", () => {
  it("sends the security headers and no X-Powered-By on pages and API answers", async () => {
    for (const path of ["/login", "/api/v1/me", "/healthz"]) {
      const res = await get(server, path);
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(res.headers.get("x-frame-options"), path).toBe("DENY");
      expect(res.headers.get("referrer-policy"), path).toBe("strict-origin-when-cross-origin");
      expect(res.headers.get("x-powered-by"), path).toBeNull();
    }
  });

  it("logged no errors on the server", () => {
    expect(serverErrorLines(server)).toEqual([]);
  });
});
