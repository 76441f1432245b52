import { createCookie, redirect } from "@remix-run/node";
import type { Actor, Ctx } from "~/modules/auth/actor";
import { destroySession, findSessionUser, SESSION_ABSOLUTE_MS, type SessionUser } from "~/modules/auth/sessions.server";
import { agreementStanding, type AgreementStanding } from "~/modules/onboarding/agreement-standing.server";
import { getDb } from "./db.server";
import { env } from "./env.server";
import { can, type Permission, type Role } from "./permissions";

/** The cookie holds a random session token; the database holds its hash. */
export const sessionCookie = createCookie("__portal_session", {
  httpOnly: true,
  sameSite: "lax",
  path: "/",
  maxAge: SESSION_ABSOLUTE_MS / 1000,
});

function cookieOptions() {
  return { secure: env().NODE_ENV === "production" };
}

export async function readSessionToken(request: Request): Promise<string | null> {
  const value = await sessionCookie.parse(request.headers.get("Cookie"));
  return typeof value === "string" && value.length > 0 ? value : null;
}

export async function getSessionUser(request: Request): Promise<SessionUser | null> {
  const token = await readSessionToken(request);
  if (!token) return null;
  return findSessionUser(await getDb(), token, new Date());
}

export interface RequireOptions {
  /**
   * Partner users whose company has not accepted the programme agreement (or
   * whose grace period is over) are sent to /agreement from every page and
   * action. Only the agreement page itself and the layout turn this off.
   */
  agreementGate?: boolean;
}

/** The signed-in user, or a redirect to /login that comes back here afterwards. */
export async function requireUser(request: Request, opts: RequireOptions = {}): Promise<SessionUser> {
  const user = await getSessionUser(request);
  if (!user) {
    const url = new URL(request.url);
    const back = url.pathname + url.search;
    throw redirect(`/login${back && back !== "/" ? `?redirectTo=${encodeURIComponent(back)}` : ""}`);
  }
  if (opts.agreementGate !== false && user.partnerId) {
    const standing = await agreementStanding(await getDb(), user.partnerId, new Date());
    if (agreementBlocks(standing)) throw redirect("/agreement");
  }
  return user;
}

export function agreementBlocks(standing: AgreementStanding): boolean {
  return standing.state === "required";
}

export function actorOf(user: SessionUser, ip?: string | null): Actor {
  return { userId: user.id, label: user.email, role: user.role, partnerId: user.partnerId, ip: ip ?? null };
}

/**
 * Signed-in with a permission (or one chosen from the user's role): returns the
 * domain context. A missing permission is 403.
 */
export async function requirePermission(
  request: Request,
  permission: Permission | ((role: Role) => Permission),
  ip?: string | null,
  opts: RequireOptions = {},
): Promise<{ user: SessionUser; ctx: Ctx }> {
  const user = await requireUser(request, opts);
  const needed = typeof permission === "function" ? permission(user.role) : permission;
  if (!can(user.role, needed)) throw new Response("You are not allowed to see this page.", { status: 403 });
  return { user, ctx: { db: await getDb(), actor: actorOf(user, ip) } };
}

export async function commitSession(token: string): Promise<string> {
  return sessionCookie.serialize(token, cookieOptions());
}

export async function signOut(request: Request): Promise<string> {
  const token = await readSessionToken(request);
  if (token) await destroySession(await getDb(), token);
  return sessionCookie.serialize("", { ...cookieOptions(), maxAge: 0 });
}

/** Only same-site relative paths are followed after sign-in. */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = "/"): string {
  if (!to || typeof to !== "string" || !to.startsWith("/") || to.startsWith("//") || to.startsWith("/\\"))
    return fallback;
  return to;
}
