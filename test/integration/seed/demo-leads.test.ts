/**
 * The demo world (npm start) has leads in every state, made by the app's own
 * use cases: this runs the whole seed against a fresh PostgreSQL database.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { seedDemo } from "~db/seed";
import { leadStatus } from "~db/schema";
import { setupTestDb } from "../../support/factories";

const getDb = setupTestDb();

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await getDb().execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

describe("the demo seed's leads", () => {
  it("cover every status, the vendor's flagged and held leads, and every offer outcome", async () => {
    const db = getDb();
    expect(await seedDemo(db, { NODE_ENV: "test" })).toBe(true);

    const statuses = await rows<{ status: string; n: number }>(
      sql`select status, count(*)::int as n from leads group by status`,
    );
    const seen = new Set(statuses.map((r) => r.status));
    for (const s of leadStatus.enumValues) expect(seen, `a lead with status ${s}`).toContain(s);

    const outcomes = await rows<{ outcome: string | null }>(sql`select distinct outcome from lead_offers`);
    expect(new Set(outcomes.map((r) => r.outcome))).toEqual(
      new Set(["accepted", "declined", "expired", "recalled", null]),
    );

    const flagged = await rows<{ reason: string }>(
      sql`select attention_reason as reason from leads where needs_attention and status = 'new'`,
    );
    expect(flagged.length).toBeGreaterThanOrEqual(2);

    // Every offer has a stored decision whose chosen partner is the offered one.
    const unexplained = await rows<{ n: number }>(
      sql`select count(*)::int as n from lead_offers o
          left join routing_decisions d on d.id = o.decision_id
          where d.id is null or d.chosen_partner_id <> o.partner_id`,
    );
    expect(unexplained[0]!.n).toBe(0);

    // A lead re-offered after a decline is with the second partner, and its first partner is not offered it again.
    const reoffered = await rows<{ n: number }>(
      sql`select count(*)::int as n from leads l
          where l.status = 'offered' and exists (select 1 from lead_offers o where o.lead_id = l.id and o.outcome = 'declined')`,
    );
    expect(reoffered[0]!.n).toBeGreaterThanOrEqual(1);
  });
});
