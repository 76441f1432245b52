/**
 * Plain-fetch helpers for HTTP-level tests against startAppServer():
 * form posts with or without an Origin, the session cookie, and SQL against
 * the server's own database.
 */
import pg from "pg";
import type { AppServer } from "./app-server";

export const SESSION_COOKIE = "__portal_session";
export const DEMO_PASSWORD = "portal-demo";

/** The value of a cookie in a response's Set-Cookie headers, or undefined when not set. */
export function setCookieValue(res: Response, name = SESSION_COOKIE): string | undefined {
  for (const header of res.headers.getSetCookie()) {
    const [pair] = header.split(";");
    const eq = pair!.indexOf("=");
    if (pair!.slice(0, eq).trim() === name) return pair!.slice(eq + 1).trim();
  }
  return undefined;
}

/** The raw Set-Cookie header for a cookie, for attribute checks. */
export function setCookieHeader(res: Response, name = SESSION_COOKIE): string | undefined {
  return res.headers.getSetCookie().find((h) => h.startsWith(`${name}=`));
}

export function cookieHeader(value: string, name = SESSION_COOKIE): string {
  return `${name}=${value}`;
}

export interface RequestOptions {
  /** Session cookie value (as returned by signIn / setCookieValue). */
  cookie?: string;
  /** Origin header; defaults to the server's own origin. Pass null to send none. */
  origin?: string | null;
  headers?: Record<string, string>;
}

/** A form POST the way a browser sends it (same-origin by default); redirects are not followed. */
export function postForm(
  server: AppServer,
  path: string,
  fields: Record<string, string | string[]>,
  opts: RequestOptions = {},
): Promise<Response> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const item of Array.isArray(v) ? v : [v]) body.append(k, item);
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", ...opts.headers };
  const origin = opts.origin === undefined ? server.url : opts.origin;
  if (origin !== null) headers.origin = origin;
  if (opts.cookie) headers.cookie = cookieHeader(opts.cookie);
  return fetch(`${server.url}${path}`, { method: "POST", body, headers, redirect: "manual" });
}

/** A GET with an optional session cookie; redirects are not followed. */
export function get(server: AppServer, path: string, opts: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.cookie) headers.cookie = cookieHeader(opts.cookie);
  return fetch(`${server.url}${path}`, { headers, redirect: "manual" });
}

/** Signs in through POST /login and returns the new session cookie value; throws when it did not work. */
export async function signIn(
  server: AppServer,
  email: string,
  password = DEMO_PASSWORD,
  opts: RequestOptions = {},
): Promise<string> {
  const res = await postForm(server, "/login", { email, password }, opts);
  const cookie = setCookieValue(res);
  if (res.status !== 302 || !cookie) {
    throw new Error(`sign-in as ${email} failed: ${res.status} ${(await res.text()).slice(0, 300)}`);
  }
  return cookie;
}

/** A response's HTML without the `<!-- -->` markers React puts between adjacent text parts. */
export async function html(res: Response): Promise<string> {
  return (await res.text()).replaceAll("<!-- -->", "");
}

/** One query against the server's database (a short-lived connection). */
export async function query<T extends pg.QueryResultRow = Record<string, unknown>>(
  server: AppServer,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: server.databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/**
 * What the server wrote to stderr (console.error, warnings), minus the noise
 * of a rebuild that server/main.ts does when sources changed under it.
 */
export function serverErrorLines(server: AppServer): string[] {
  return server
    .errorOutput()
    .split("\n")
    .filter((l) => l.trim() !== "" && !/^Generated an empty chunk: /.test(l));
}
