/**
 * The partner API over HTTP against the running portal: bearer keys made
 * through the API keys page and through the domain function, revocation,
 * tenant isolation of the revoke form, the JSON error shape, the OpenAPI
 * document and /healthz.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DbHandle } from "~db/client";
import { createApiKey } from "~/modules/accounts/api-keys.server";
import type { Role } from "~/utils/permissions";
import { startAppServer, type AppServer } from "../../support/app-server";
import { get, postForm, query, serverErrorLines, signIn } from "../../support/http-client";

let server: AppServer;
let handle: DbHandle;

beforeAll(async () => {
  server = await startAppServer();
  handle = await openDatabase({ url: server.databaseUrl, poolSize: 2 });
}, 90_000);

afterAll(async () => {
  await handle?.close();
  await server?.stop();
});

function me(key?: string, authorization = key ? `Bearer ${key}` : undefined): Promise<Response> {
  return fetch(`${server.url}/api/v1/me`, { headers: authorization ? { authorization } : {} });
}

async function expectApiError(res: Response, status: number, code: string): Promise<{ code: string; message: string }> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error;
}

/** Creates a key through the API keys page, as a partner admin's browser would, and reads it off the page. */
async function createKeyThroughUi(cookie: string, name: string, scopes: string[]): Promise<string> {
  const res = await postForm(server, "/api-keys", { intent: "create", name, scopes }, { cookie });
  expect(res.status).toBe(200);
  const html = await res.text();
  const match = /data-testid="new-api-key"[^>]*>(cpk_[A-Za-z0-9_-]+)</.exec(html);
  expect(match, "the created key is shown on the page").not.toBeNull();
  return match![1]!;
}

async function actorFor(email: string) {
  const [user] = await query<{ id: string; role: Role; partner_id: string | null }>(
    server,
    "select id, role, partner_id from users where email = $1",
    [email],
  );
  if (!user) throw new Error(`no user ${email}`);
  return { userId: user.id, label: email, role: user.role, partnerId: user.partner_id, ip: null };
}

/** Keys are `cpk_<8-char prefix>_<secret>`; prefix and secret are base64url, so they may contain `_` themselves. */
const prefixOf = (key: string) => key.slice(4, 12);
const secretOf = (key: string) => key.slice(13);

async function keyIdOf(key: string): Promise<string> {
  const prefix = prefixOf(key);
  const [row] = await query<{ id: string }>(server, "select id from api_keys where prefix = $1", [prefix]);
  if (!row) throw new Error(`no key with prefix ${prefix}`);
  return row.id;
}

describe("GET /api/v1/me authentication", () => {
  it("answers 401 with the JSON error shape when no key is sent", async () => {
    const error = await expectApiError(await me(), 401, "unauthorized");
    expect(error.message).toMatch(/Bearer/);
  });

  it("answers 401 for a malformed Authorization header and for an unknown key", async () => {
    await expectApiError(await me(undefined, "Basic dXNlcjpwYXNz"), 401, "unauthorized");
    await expectApiError(await me("cpk_AAAAAAAA_not-a-real-secret-at-all"), 401, "unauthorized");
  });

  it("accepts a key created on the API keys page and answers with its partner and scopes", async () => {
    const cookie = await signIn(server, "owner@polder-relay.test");
    const key = await createKeyThroughUi(cookie, "CRM sync", ["me:read", "deals:read"]);
    expect(key).toMatch(/^cpk_[A-Za-z0-9_-]{8}_[A-Za-z0-9_-]{20,}$/);

    const res = await me(key);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { partner: { id: string; name: string; slug: string }; scopes: string[] };
    const [polder] = await query<{ id: string }>(server, "select id from partners where slug = 'polder-relay'");
    expect(body).toEqual({
      partner: { id: polder!.id, name: "Polder Relay", slug: "polder-relay" },
      scopes: ["me:read", "deals:read"],
    });

    // Only a hash is stored, and the use is recorded.
    const [row] = await query<{ key_hash: string; last_used_at: Date | null }>(
      server,
      "select key_hash, last_used_at from api_keys where id = $1",
      [await keyIdOf(key)],
    );
    expect(row!.key_hash).not.toContain(secretOf(key));
    expect(row!.last_used_at).not.toBeNull();

    // The page lists the key by its prefix only, never the secret again.
    const page = await (await get(server, "/api-keys", { cookie })).text();
    expect(page).toContain("CRM sync");
    expect(page).not.toContain(key);
  });

  it("accepts a key created with the domain function createApiKey", async () => {
    const actor = await actorFor("owner@sakura-mail.test");
    const created = await createApiKey({ db: handle.db, actor }, { name: "ERP", scopes: ["me:read", "leads:read"] });
    const res = await me(created.key);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { partner: { name: string; slug: string }; scopes: string[] };
    expect(body.partner).toMatchObject({ name: "Sakura Mail Systems", slug: "sakura-mail" });
    expect(body.scopes).toEqual(["me:read", "leads:read"]);
  });

  it("refuses a key once it is revoked on the API keys page", async () => {
    const cookie = await signIn(server, "owner@polder-relay.test");
    const key = await createKeyThroughUi(cookie, "Short-lived", ["me:read"]);
    expect((await me(key)).status).toBe(200);

    const res = await postForm(server, "/api-keys", { intent: "revoke", id: await keyIdOf(key) }, { cookie });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("The key was revoked");

    await expectApiError(await me(key), 401, "unauthorized");
    const audit = await query(
      server,
      "select 1 from audit_events where action = 'api_key.revoked' and subject_id = $1",
      [await keyIdOf(key)],
    );
    expect(audit).toHaveLength(1);
  });
});

describe("tenant isolation of the API keys page", () => {
  it("answers 404 when partner A's admin revokes partner B's key, and B's key keeps working", async () => {
    const sakura = await actorFor("owner@sakura-mail.test");
    const bKey = await createApiKey({ db: handle.db, actor: sakura }, { name: "B's CRM", scopes: ["me:read"] });
    const polderCookie = await signIn(server, "owner@polder-relay.test");

    const res = await postForm(server, "/api-keys", { intent: "revoke", id: bKey.id }, { cookie: polderCookie });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("API key not found.");

    const [row] = await query<{ revoked_at: Date | null }>(server, "select revoked_at from api_keys where id = $1", [
      bKey.id,
    ]);
    expect(row!.revoked_at).toBeNull();
    const after = await me(bKey.key);
    expect(after.status).toBe(200);
    expect(((await after.json()) as { partner: { slug: string } }).partner.slug).toBe("sakura-mail");
  });

  it("does not list partner B's keys to partner A", async () => {
    const sakura = await actorFor("owner@sakura-mail.test");
    await createApiKey({ db: handle.db, actor: sakura }, { name: "Sakura-only key", scopes: ["me:read"] });
    const polderCookie = await signIn(server, "owner@polder-relay.test");
    const page = await (await get(server, "/api-keys", { cookie: polderCookie })).text();
    expect(page).not.toContain("Sakura-only key");
    const sakuraCookie = await signIn(server, "owner@sakura-mail.test");
    expect(await (await get(server, "/api-keys", { cookie: sakuraCookie })).text()).toContain("Sakura-only key");
  });
});

describe("other API answers", () => {
  it("answers an unknown API path with a JSON 404", async () => {
    await expectApiError(await fetch(`${server.url}/api/v1/no-such-endpoint`), 404, "not_found");
  });

  it("serves an OpenAPI 3.1 document that describes /me", async () => {
    const res = await fetch(`${server.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const doc = (await res.json()) as {
      openapi: string;
      info: { title: string; version: string };
      servers: { url: string }[];
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: {
        securitySchemes: Record<string, { type: string; scheme: string }>;
        schemas: Record<string, unknown>;
      };
    };
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toBeTruthy();
    expect(doc.servers[0]!.url).toBe(`${server.url}/api/v1`);
    expect(Object.keys(doc.paths["/me"]!)).toEqual(["get"]);
    expect(Object.keys(doc.paths["/me"]!.get!.responses)).toEqual(expect.arrayContaining(["200", "401"]));
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    // Every $ref points at a schema the document defines.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(doc.components.schemas, ref).toHaveProperty(ref);
  });

  it("reports health with the database status", async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", database: { status: "ok", kind: "postgres" } });
  });

  it("logged no errors on the server", () => {
    expect(serverErrorLines(server)).toEqual([]);
  });
});
