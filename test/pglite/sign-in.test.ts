/** The embedded default end to end at the domain level: migrate, seed the demo world, sign in. */
import { describe, expect, it } from "vitest";
import { DEMO_PASSWORD, seedDemo } from "~db/seed";
import { signIn } from "~/modules/auth/sign-in.server";
import { findSessionUser } from "~/modules/auth/sessions.server";
import { setupSeededPglite } from "./seeded";

const seeded = setupSeededPglite("pglite-signin");

describe("sign-in on PGlite", () => {
  it("signs in a demo partner admin and resolves the session", async () => {
    const result = await signIn(seeded().db, {
      email: "Owner@Polder-Relay.test",
      password: DEMO_PASSWORD,
      ip: "127.0.0.1",
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const user = await findSessionUser(seeded().db, result.token, new Date());
    expect(user?.email).toBe("owner@polder-relay.test");
    expect(user?.role).toBe("partner_admin");
    expect(user?.partnerName).toBe("Polder Relay");
  });

  it("refuses a wrong password", async () => {
    const result = await signIn(seeded().db, {
      email: "admin@vendor.test",
      password: "not-the-password",
      ip: "127.0.0.1",
    });
    expect(result.ok).toBe(false);
  });

  it("seeds only once and refuses production", async () => {
    expect(await seedDemo(seeded().db, { NODE_ENV: "test" })).toBe(false);
    await expect(seedDemo(seeded().db, { NODE_ENV: "production" })).rejects.toThrow(/production/);
  });
});
