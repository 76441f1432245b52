/**
 * Sign-in throttling over HTTP: at most 10 failures per account and per client
 * address in 15 minutes; past that even the right password is refused with
 * 429 and a message that says what to do.
 *
 * The server runs with TRUST_PROXY=true so that tests can speak from distinct
 * client addresses (X-Forwarded-For) and tell the account limit from the
 * address limit; the last test uses the bare connection, as without a proxy.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppServer, type AppServer } from "../../support/app-server";
import { DEMO_PASSWORD, html, postForm, query, serverErrorLines, setCookieValue } from "../../support/http-client";

const WRONG = "not-the-password";
const FAILED = "The email address or password is not right.";
const LIMITED = "Too many attempts. Wait 15 minutes and try again, or reset your password.";

let server: AppServer;

beforeAll(async () => {
  server = await startAppServer({ env: { TRUST_PROXY: "true" } });
}, 90_000);

afterAll(async () => {
  await server?.stop();
});

function attempt(email: string, password: string, from?: string): Promise<Response> {
  return postForm(server, "/login", { email, password }, from ? { headers: { "x-forwarded-for": from } } : {});
}

async function expectFailed(res: Response): Promise<void> {
  expect(res.status).toBe(400);
  expect(setCookieValue(res)).toBeUndefined();
  const page = await html(res);
  expect(page).toContain(FAILED);
  expect(page, "the password is not echoed back").not.toContain(WRONG);
}

async function expectLimited(res: Response): Promise<void> {
  expect(res.status).toBe(429);
  expect(setCookieValue(res)).toBeUndefined();
  const page = await html(res);
  expect(page).toContain(LIMITED);
  expect(page).not.toContain(FAILED);
}

async function expectSignedIn(res: Response): Promise<void> {
  expect(res.status).toBe(302);
  expect(setCookieValue(res)).toBeTruthy();
}

async function signInAudits(email: string): Promise<number> {
  const rows = await query(
    server,
    "select 1 from audit_events a join users u on u.id = a.actor_user_id where a.action = 'auth.sign_in' and u.email = $1",
    [email],
  );
  return rows.length;
}

// argon2 makes each attempt cost tens of milliseconds, more when other test files run alongside.
describe("sign-in rate limit", { timeout: 60_000 }, () => {
  it("locks an account after 10 wrong passwords, from whichever addresses they come", async () => {
    const email = "owner@rheinmail.test";
    for (let i = 1; i <= 10; i++) await expectFailed(await attempt(email, WRONG, `198.51.100.${i}`));

    await expectLimited(await attempt(email, DEMO_PASSWORD, "198.51.100.11"));
    expect(await signInAudits(email)).toBe(0);

    // Only that account: another one signs in from the same address.
    await expectSignedIn(await attempt("owner@liberty-mailworks.test", DEMO_PASSWORD, "198.51.100.11"));
  });

  it("locks a client address after 10 failures against any accounts", async () => {
    const from = "203.0.113.9";
    for (let i = 1; i <= 10; i++) await expectFailed(await attempt(`nobody-${i}@example.test`, WRONG, from));

    await expectLimited(await attempt("owner@brussels-secure.test", DEMO_PASSWORD, from));
    // The account itself is not locked: from elsewhere it works.
    await expectSignedIn(await attempt("owner@brussels-secure.test", DEMO_PASSWORD, "203.0.113.10"));
  });

  it("forgets an account's failures after a successful sign-in", async () => {
    const email = "yui.tanaka@sakura-mail.test";
    for (let round = 0; round < 2; round++) {
      for (let i = 1; i <= 9; i++) await expectFailed(await attempt(email, WRONG, `192.0.2.${round * 10 + i}`));
      await expectSignedIn(await attempt(email, DEMO_PASSWORD, `192.0.2.${round * 10 + 10}`));
    }
    expect(await signInAudits(email)).toBe(2);
  });

  it("answers the 11th attempt on one account from one client with 429, even with the right password", async () => {
    const email = "owner@southern-cross.test";
    for (let i = 1; i <= 10; i++) await expectFailed(await attempt(email, WRONG));
    await expectLimited(await attempt(email, DEMO_PASSWORD));
    // Still refused on the next try: the lock holds for the window.
    await expectLimited(await attempt(email, DEMO_PASSWORD));
    expect(await signInAudits(email)).toBe(0);
  });

  it("logged no errors on the server", () => {
    expect(serverErrorLines(server)).toEqual([]);
  });
});
