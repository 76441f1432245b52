/**
 * Bulk lead routing on the embedded default: PGlite is one connection, so
 * routeLeads takes the one-lane path (each chunk its own transaction under the
 * routing lock) that PostgreSQL's integration tests only reach when asked.
 */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { setupSeededPglite } from "./seeded";
import { users } from "~db/schema";
import { routingDecisionsOf } from "~/modules/leads/decisions.server";
import { routeLeads } from "~/modules/leads/route.server";
import { replayDecision } from "~/modules/leads/routing";
import { ctxFor } from "../support/factories";
import { createTestLead } from "../support/lead-factories";

const seeded = setupSeededPglite("pglite-bulk");

describe("bulk lead routing on PGlite", () => {
  it("routes new leads in chunks, stores each decision's explanation once, and the decisions replay", async () => {
    const db = seeded().db;
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
