/**
 * The demo world's licensing (npm start): the whole seed against a fresh
 * PostgreSQL database, then its orders, keys (checked offline by
 * `npm run license:verify`, the real command), the license ending within 30
 * days, the distributor on invoice terms and the exchange rates.
 */
import { execFile } from "node:child_process";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { promisify } from "node:util";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { seedDemo } from "~db/seed";
import { verifyLicenseKey } from "~/modules/licensing/license-key";
import { licenseRevenue } from "~/modules/licensing/revenue.server";
import { setupTestDb } from "../../support/factories";
import { licensingTestEnv } from "../../support/licensing-factories";

licensingTestEnv();
const getDb = setupTestDb();
const run = promisify(execFile);

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  return ((await getDb().execute(query)) as unknown as { rows: T[] }).rows;
}

async function verifyCli(key: string): Promise<{ code: number; out: string }> {
  const pem = createPublicKey(createPrivateKey(process.env.LICENSE_SIGNING_KEY!)).export({
    type: "spki",
    format: "pem",
  });
  try {
    const { stdout } = await run("npx", ["tsx", "app/modules/licensing/verify-cli.ts", key], {
      env: { ...process.env, LICENSE_PUBLIC_KEY: pem.toString() },
    });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: e.stdout };
  }
}

describe("the demo seed's licenses", () => {
  it("has orders in several states, verifiable keys, a license to renew and a distributor on terms", async () => {
    expect(await seedDemo(getDb(), { NODE_ENV: "test" })).toBe(true);
    const statuses = await rows<{ status: string; method: string }>(
      sql`select status::text, payment_method::text as method from license_orders`,
    );
    const seen = new Set(statuses.map((s) => `${s.status}/${s.method}`));
    for (const s of [
      "awaiting_payment/invoice",
      "fulfilled/invoice",
      "fulfilled/card",
      "refunded/card",
      "cancelled/card",
    ]) {
      expect(seen).toContain(s);
    }
    const terms = await rows<{ slug: string }>(sql`select slug from partners where invoice_terms_allowed`);
    expect(terms.map((t) => t.slug)).toEqual(["polder-relay"]);
    const linked = await rows<{ status: string }>(
      sql`select d.status::text from license_orders o join deals d on d.id = o.deal_id where o.status = 'fulfilled'`,
    );
    expect(linked).toEqual([{ status: "won" }]);

    const keys = await rows<{ key: string; status: string; valid_until: Date | null }>(
      sql`select key, status::text, valid_until from licenses order by created_at`,
    );
    expect(keys.length).toBeGreaterThanOrEqual(5);
    const pub = createPublicKey(createPrivateKey(process.env.LICENSE_SIGNING_KEY!));
    for (const k of keys.filter((k) => k.status === "active")) {
      expect(verifyLicenseKey(k.key, pub, new Date()).valid).toBe(true);
    }
    const soon = keys.filter(
      (k) => k.status === "active" && k.valid_until && new Date(k.valid_until).getTime() - Date.now() < 30 * 86_400_000,
    );
    expect(soon).toHaveLength(1);
    expect(keys.filter((k) => k.status === "revoked")).toHaveLength(1);

    const ok = await verifyCli(keys[0]!.key);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^VALID license key/);
    const [prefix, body, sig] = keys[0]!.key.split(".") as [string, string, string];
    const tampered = `${prefix}.${body.slice(0, -2)}AA.${sig}`;
    const bad = await verifyCli(tampered);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/^INVALID license key: (bad_signature|malformed)/);

    const [polder] = await rows<{ id: string }>(sql`select id from partners where slug = 'polder-relay'`);
    const revenue = await licenseRevenue(getDb(), { partnerId: polder!.id, at: new Date() });
    expect(revenue.orders).toBe(1);
    expect(revenue.missingRates).toEqual([]);
    expect(revenue.totalBaseMinor).toBeGreaterThan(0);
  });
});
