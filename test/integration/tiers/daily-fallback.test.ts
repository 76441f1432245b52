/**
 * The daily job when a batch fails: a real deadlock between the batch and
 * another transaction (which holds the last partner's state row and then
 * asks for the first's) aborts the batch; the job says so, evaluates the
 * batch again one partner per transaction, and every partner ends up
 * evaluated: the one that meets Silver is upgraded.
 */
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { evaluateAllTiers, lockTierStates } from "~/modules/tiers/evaluate.server";
import { setupTestDb } from "../../support/factories";
import {
  DAY,
  certifiedPerson,
  changesOf,
  paidOrder,
  tierOf,
  tierPartner,
  wonDeal,
  tierWorld,
  type TestCourse,
} from "./tier-fixtures";

const db = setupTestDb();
let relay: TestCourse;
const T = new Date("2031-06-01T09:00:00Z");

beforeAll(async () => {
  ({ relay } = await tierWorld(db()));
});

/** Transactions of this database waiting for a lock. */
async function waitingForLocks(): Promise<number> {
  const result = (await db().execute(
    sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
  )) as unknown as { rows: { n: number }[] };
  return result.rows[0]!.n;
}

describe("the daily tier job", () => {
  it("evaluates a batch that failed (a deadlock) again one partner at a time, and says why", async () => {
    const partners = [];
    for (let i = 0; i < 3; i++) partners.push((await tierPartner(db(), "registered")).partner);
    const [first, , last] = partners.map((p) => p.id).sort();
    // The last partner (in lock order) meets Silver: one relay engineer, $25,000 revenue, a won deal.
    await certifiedPerson(db(), last!, relay, new Date(T.getTime() - 100 * DAY), new Date(T.getTime() + 300 * DAY));
    await paidOrder(db(), { partnerId: last!, totalMinor: 2_500_000, paidAt: new Date(T.getTime() - 30 * DAY) });
    await wonDeal(db(), last!, new Date(T.getTime() - 20 * DAY));
    await db().transaction((tx) => lockTierStates(tx, [first!, last!])); // their state rows exist
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});

    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    let jobWaits!: () => void;
    const blocked = new Promise<void>((resolve) => (jobWaits = resolve));
    const other = db().transaction(async (tx) => {
      // Only the batch's deadlock check may fire (it runs after deadlock_timeout of waiting), so the batch is the victim.
      await tx.execute(sql`set local deadlock_timeout = '60s'`);
      await tx.execute(sql`select 1 from partner_tier_states where partner_id = ${last!}::uuid for update`);
      holding();
      await blocked;
      await tx.execute(sql`select 1 from partner_tier_states where partner_id = ${first!}::uuid for update`);
    });
    await held;
    const job = evaluateAllTiers(db(), T);
    // The batch has locked the first partner's row and waits for the last one's.
    await vi.waitFor(async () => expect(await waitingForLocks()).toBe(1), { timeout: 10_000, interval: 20 });
    jobWaits();

    await other;
    const result = await job;
    expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
      expect.stringMatching(
        /^\[tiers\] daily evaluation of \d+ partners failed as a batch \(deadlock detected \(SQLSTATE 40P01\)\); evaluating them one at a time$/,
      ),
    ]);
    warn.mockRestore();
    expect(result.evaluated).toBeGreaterThanOrEqual(3);
    expect(result.changed).toBe(1);
    expect(await tierOf(db(), last!)).toBe("silver");
    expect((await changesOf(db(), last!)).map((c) => [c.fromTier, c.toTier])).toEqual([["registered", "silver"]]);
    expect(await tierOf(db(), first!)).toBe("registered");
  });
});
