/**
 * The vendor's lead board against PostgreSQL: counts by status, needs
 * attention, SLA breaches (pending past accept-by, answered late in the last
 * 30 days), age buckets of open leads, the list's filters, sorting and pages,
 * the CSV with the same filters, and that partner people are refused.
 */
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { leadOffers, leads } from "~db/schema";
import { exportLeadsCsv, leadBoard, parseBoardFilter } from "~/modules/leads/board.server";
import { leadRef } from "~/modules/leads/status";
import { ForbiddenError } from "~/utils/errors.server";
import { createPartner, createUser, ctxFor, rejection, setupTestDb, type TestUser } from "../../support/factories";
import { createTestLead, offerDirect } from "../../support/lead-factories";

const db = setupTestDb();
const NOW = new Date("2030-03-13T12:00:00Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

let manager: TestUser;
let partnerUser: TestUser;
let partnerA: string;
let partnerB: string;
const ids: Record<string, string> = {};
const numbers: Record<string, number> = {};

beforeAll(async () => {
  manager = await createUser(db(), { role: "channel_manager" });
  const a = await createPartner(db(), { name: "Amstel Mail BV" });
  const b = await createPartner(db(), { name: "Biwako Systems K.K.", country: "JP" });
  partnerA = a.id;
  partnerB = b.id;
  partnerUser = await createUser(db(), { role: "partner_admin", partnerId: a.id });

  const make = async (key: string, overrides: Parameters<typeof createTestLead>[1]) => {
    const lead = await createTestLead(db(), overrides);
    ids[key] = lead.id;
    numbers[key] = lead.number;
    return lead;
  };
  // With the vendor: one fresh, one flagged (no eligible partner), one held.
  await make("fresh", { createdAt: ago(2 * HOUR), companyName: "Fresh Fish GmbH", country: "DE" });
  await make("flagged", {
    createdAt: ago(2 * DAY),
    companyName: "Lonely Island Ltd",
    country: "NZ",
    needsAttention: true,
    attentionReason: "No eligible partner",
    source: "contact",
  });
  await make("held", { createdAt: ago(4 * DAY), status: "held", heldReason: "Key account", country: "DE" });
  // Offered to A, pending and overdue (accept-by an hour ago).
  const overdue = await make("overdue", { createdAt: ago(10 * DAY), companyName: "Overdue Oil BV" });
  await offerDirect(db(), overdue, partnerA, { offeredAt: ago(3 * DAY), acceptBy: ago(HOUR) });
  // Offered to B, pending, not yet due.
  const pending = await make("pending", { createdAt: ago(5 * HOUR), companyName: "Pending Paper KK", country: "JP" });
  await offerDirect(db(), pending, partnerB, { offeredAt: ago(4 * HOUR), acceptBy: new Date(NOW.getTime() + DAY) });
  // Accepted by A late (after accept-by) 3 days ago: an SLA breach within 30 days.
  const late = await make("late", { createdAt: ago(6 * DAY), contactName: "Lara Late" });
  const lateOffer = await offerDirect(db(), late, partnerA, {
    offeredAt: ago(6 * DAY),
    acceptBy: ago(4 * DAY),
    accepted: true,
  });
  await db()
    .update(leadOffers)
    .set({ outcomeAt: ago(3 * DAY) })
    .where(eq(leadOffers.id, lateOffer.id));
  // Accepted late 40 days ago and since won: outside the 30 days, closed (not open).
  const old = await make("oldWon", { createdAt: ago(50 * DAY), source: "import" });
  const oldOffer = await offerDirect(db(), old, partnerA, {
    offeredAt: ago(45 * DAY),
    acceptBy: ago(43 * DAY),
    accepted: true,
  });
  await db()
    .update(leadOffers)
    .set({ outcomeAt: ago(40 * DAY) })
    .where(eq(leadOffers.id, oldOffer.id));
  await db()
    .update(leads)
    .set({ status: "won", closedAt: ago(20 * DAY) })
    .where(eq(leads.id, old.id));
});

const ctx = () => ctxFor(db(), manager, NOW);
const board = (q: Record<string, string> = {}) => leadBoard(ctx(), parseBoardFilter(q));

describe("leadBoard", () => {
  it("counts by status, needs attention, SLA breaches and age buckets", async () => {
    const b = await board();
    expect(b.counts).toMatchObject({ new: 2, held: 1, offered: 2, accepted: 1, won: 1, lost: 0 });
    expect(b.statusBars.find((s) => s.tick === "New")!.values).toEqual({ ok: 1, attention: 1 });
    expect(b.needsAttention).toBe(1);
    expect(b.sla).toMatchObject({ overdue: 1, lateAnswers: 1, expired: 0 });
    expect(Object.fromEntries(b.ages.map((a) => [a.key, a.count]))).toEqual({ lt1: 2, d1to3: 1, d3to7: 2, gt7: 1 });
    // Open by default: the won one is not listed.
    expect(b.total).toBe(6);
    expect(b.rows.map((r) => r.id)).not.toContain(ids.oldWon);
  });

  it("filters by status, country, partner, attention, source, SLA and text", async () => {
    const idsOf = async (q: Record<string, string>) => (await board(q)).rows.map((r) => r.id).sort();
    expect(await idsOf({ status: "all" })).toHaveLength(7);
    expect(await idsOf({ status: "held" })).toEqual([ids.held]);
    expect(await idsOf({ country: "jp" })).toEqual([ids.pending]);
    expect(await idsOf({ partnerId: partnerA })).toEqual([ids.overdue, ids.late].sort());
    expect(await idsOf({ partnerId: partnerA, status: "all" })).toEqual([ids.overdue, ids.late, ids.oldWon].sort());
    expect(await idsOf({ attention: "yes" })).toEqual([ids.flagged]);
    expect(await idsOf({ source: "contact" })).toEqual([ids.flagged]);
    expect(await idsOf({ sla: "breached" })).toEqual([ids.overdue, ids.late].sort());
    expect(await idsOf({ q: "lonely" })).toEqual([ids.flagged]);
    expect(await idsOf({ q: "lara" })).toEqual([ids.late]);
    expect(await idsOf({ q: leadRef(numbers.pending!) })).toEqual([ids.pending]);
    // Bad values are dropped, never an error.
    expect(await idsOf({ status: "bogus", country: "XX", partnerId: "nope", sort: "?" })).toHaveLength(6);
    expect(await idsOf({ q: "100%_" })).toEqual([]);
  });

  it("sorts by age and by accept-by, shows the time left, and pages", async () => {
    const oldest = await board({ sort: "oldest" });
    expect(oldest.rows[0]!.id).toBe(ids.overdue);
    const newest = await board();
    expect(newest.rows[0]!.id).toBe(ids.fresh);
    const byAcceptBy = await board({ sort: "accept_by" });
    expect(byAcceptBy.rows.slice(0, 2).map((r) => r.id)).toEqual([ids.overdue, ids.pending]);
    expect(byAcceptBy.rows[0]!.overdue).toBe(true);
    expect(byAcceptBy.rows[0]!.acceptByLeft).toBe("overdue 1 h");
    expect(byAcceptBy.rows[1]!.acceptByLeft).toBe("1 d left");
    expect(byAcceptBy.rows[1]!.partnerName).toBe("Biwako Systems K.K.");
    const page2 = await leadBoard(ctx(), parseBoardFilter({}), 2);
    expect(page2.rows).toEqual([]);
    expect(page2.total).toBe(6);
  });

  it("exports the filtered list as CSV", async () => {
    const file = await exportLeadsCsv(ctx(), parseBoardFilter({ partnerId: partnerA, status: "all", sort: "oldest" }));
    expect(file.filename).toBe("leads-2030-03-13.csv");
    const lines = file.body
      .replace(/^\uFEFF/, "")
      .trimEnd()
      .split("\r\n");
    expect(lines[0]).toMatch(/^Reference,Lead ID,Created at,Source,Company/);
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain(leadRef(numbers.oldWon!));
    expect(lines[1]).toContain("Won");
    expect(lines.join("\n")).not.toContain("Pending Paper KK");
  });

  it("refuses partner people", async () => {
    expect(await rejection(leadBoard(ctxFor(db(), partnerUser, NOW), parseBoardFilter({})))).toBeInstanceOf(
      ForbiddenError,
    );
    expect(await rejection(exportLeadsCsv(ctxFor(db(), partnerUser, NOW), parseBoardFilter({})))).toBeInstanceOf(
      ForbiddenError,
    );
  });
});
