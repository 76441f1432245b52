/**
 * Bulk lead routing on the embedded default: PGlite is one connection, so
 * routeLeads takes the one-lane path (each chunk its own transaction under the
 * routing lock) that PostgreSQL's integration tests only reach when asked.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DbHandle } from "~db/client";
import { migrateHandle } from "~db/migrate";
import { seedDemo } from "~db/seed";
import { users } from "~db/schema";
import { routingDecisionsOf } from "~/modules/leads/decisions.server";
import { routeLeads } from "~/modules/leads/route.server";
import { replayDecision } from "~/modules/leads/routing";
import { ctxFor } from "../support/factories";
import { createTestLead } from "../support/lead-factories";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "pglite-bulk-"));
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

describe("bulk lead routing on PGlite", () => {
  it("routes new leads in chunks, stores each decision's explanation once, and the decisions replay", async () => {
    const db = handle.db;
    const [cm] = await db.select().from(users).where(eq(users.email, "sales@vendor.test"));
    const leads = [];
    for (let i = 0; i < 7; i++) leads.push(await createTestLead(db, { country: i % 2 ? "NL" : "JP" }));
    const result = await routeLeads(
      ctxFor(db, cm!),
      leads.map((l) => l.id),
      { chunkSize: 3 },
    );
    expect(result.outcomes.map((o) => o.leadId)).toEqual(leads.map((l) => l.id));
    expect(result.offered + result.noPartner).toBe(7);
    expect(result.offered).toBeGreaterThan(0); // the demo world has partners in both countries
    for (const lead of leads) {
      const [decision] = await routingDecisionsOf(db, lead.id);
      expect(decision).toBeDefined();
      expect(decision!.mode).toBe("bulk");
      if (decision!.chosenPartnerId) expect(replayDecision(decision!)).toBe(decision!.chosenPartnerId);
    }
  });
});
