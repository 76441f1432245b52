/**
 * Test data factories and context helpers. They write real rows through
 * drizzle (no mocks); every value that must be unique is made unique, so a
 * test file can call them freely against its own database.
 *
 *   const db = setupTestDb();                     // in an integration test file
 *   const partner = await createPartner(db());
 *   const admin = await createUser(db(), { role: "partner_admin", partnerId: partner.id });
 *   await inviteUser(ctxFor(db(), admin), { email: "x@example.test", role: "partner_user" });
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { openDatabase, type Db, type DbHandle } from "../../db/client";
import { partners, users, type Partner, type User } from "../../db/schema";
import type { Actor, Ctx } from "../../app/modules/auth/actor";
import { hashPassword } from "../../app/modules/auth/password.server";
import type { Role } from "../../app/utils/permissions";

/** A password that satisfies the policy (length, not common, no email part). */
export const DEFAULT_PASSWORD = "correct horse battery staple";

let counter = 0;
/** A short string unique within this process (and, thanks to the random part, across workers). */
export function unique(prefix = "x"): string {
  counter += 1;
  return `${prefix}-${counter}-${randomBytes(3).toString("hex")}`;
}

/** argon2 is deliberately slow: hash each distinct password once per worker. */
const hashes = new Map<string, Promise<string>>();
export function cachedHash(password: string): Promise<string> {
  let hash = hashes.get(password);
  if (!hash) {
    hash = hashPassword(password);
    hashes.set(password, hash);
  }
  return hash;
}

export type PartnerOverrides = Partial<typeof partners.$inferInsert>;

/** An active partner with a unique slug and domain. */
export async function createPartner(db: Db, overrides: PartnerOverrides = {}): Promise<Partner> {
  const slug = overrides.slug ?? unique("partner");
  const [row] = await db
    .insert(partners)
    .values({
      slug,
      name: `Partner ${slug}`,
      legalName: `Partner ${slug} Ltd`,
      primaryDomain: `${slug}.example.test`,
      country: "NL",
      status: "active",
      ...overrides,
    })
    .returning();
  return row!;
}

export interface UserOptions {
  role: Role;
  /** Required for partner roles, must be absent for vendor roles (the schema checks it). */
  partnerId?: string | null;
  password?: string;
  email?: string;
  name?: string;
  status?: "active" | "deactivated";
}

/** A user row plus the plain password it was created with. */
export type TestUser = User & { password: string };

export async function createUser(db: Db, opts: UserOptions): Promise<TestUser> {
  const password = opts.password ?? DEFAULT_PASSWORD;
  const name = opts.name ?? unique("user");
  const [row] = await db
    .insert(users)
    .values({
      email: opts.email ?? `${name}@example.test`,
      name,
      passwordHash: await cachedHash(password),
      role: opts.role,
      partnerId: opts.partnerId ?? null,
      status: opts.status ?? "active",
    })
    .returning();
  return { ...row!, password };
}

/** The actor a signed-in user acts as (what session.server's actorOf builds). */
export function actorFor(user: Pick<User, "id" | "email" | "role" | "partnerId">, ip: string | null = "198.51.100.7"): Actor {
  return { userId: user.id, label: user.email, role: user.role, partnerId: user.partnerId, ip };
}

/** A domain context for `user`, optionally at a fixed time. */
export function ctxFor(db: Db, user: Pick<User, "id" | "email" | "role" | "partnerId">, now?: Date): Ctx {
  return { db, actor: actorFor(user), ...(now ? { now } : {}) };
}

/**
 * Opens the test file's database (DATABASE_URL, set by the integration setup)
 * in beforeAll and closes it in afterAll. Call at the top level of a test file;
 * use the returned getter inside tests and hooks.
 */
export function setupTestDb(): () => Db {
  let handle: DbHandle | undefined;
  beforeAll(async () => {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set: integration tests run through the `integration` project");
    handle = await openDatabase({ url, poolSize: 4 });
  });
  afterAll(async () => {
    await handle?.close();
  });
  return () => {
    if (!handle) throw new Error("the test database is opened in beforeAll");
    return handle.db;
  };
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected the call to fail");
}
