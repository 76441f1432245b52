/** The embedded default end to end at the domain level: migrate, seed the demo world, sign in. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DbHandle } from "~db/client";
import { migrateHandle } from "~db/migrate";
import { DEMO_PASSWORD, seedDemo } from "~db/seed";
import { signIn } from "~/modules/auth/sign-in.server";
import { findSessionUser } from "~/modules/auth/sessions.server";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "pglite-signin-"));
let handle: DbHandle;

beforeAll(async () => {
  handle = await openDatabase({ dataDir });
  await migrateHandle(handle);
  expect(await seedDemo(handle.db, { NODE_ENV: "test" })).toBe(true);
}, 60_000);

afterAll(async () => {
  await handle?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("sign-in on PGlite", () => {
  it("signs in a demo partner admin and resolves the session", async () => {
    const result = await signIn(handle.db, { email: "Owner@Polder-Relay.test", password: DEMO_PASSWORD, ip: "127.0.0.1" });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const user = await findSessionUser(handle.db, result.token, new Date());
    expect(user?.email).toBe("owner@polder-relay.test");
    expect(user?.role).toBe("partner_admin");
    expect(user?.partnerName).toBe("Polder Relay");
  });

  it("refuses a wrong password", async () => {
    const result = await signIn(handle.db, { email: "admin@vendor.test", password: "not-the-password", ip: "127.0.0.1" });
    expect(result.ok).toBe(false);
  });

  it("seeds only once and refuses production", async () => {
    expect(await seedDemo(handle.db, { NODE_ENV: "test" })).toBe(false);
    await expect(seedDemo(handle.db, { NODE_ENV: "production" })).rejects.toThrow(/production/);
  });
});
