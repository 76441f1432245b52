/**
 * The vendor's lead page against PostgreSQL: the explanation shown is the
 * stored decision (candidates with score parts or exclusion reasons, excluded
 * counts, seed, version, summary, mode, who); a real routing's decision reads
 * back the same; the manual-route options mark ineligible partners with the
 * rules' reasons; notes (vendor-internal and the partner's); access.
 */
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { leadNotes, leadOffers, leads, partnerLeadSettings, routingDecisions, routingExplanations } from "~db/schema";
import { routingDecisionsOf } from "~/modules/leads/decisions.server";
import { routeLead } from "~/modules/leads/route.server";
import { exclusionWords } from "~/modules/leads/routing";
import { addVendorNote, vendorLeadDetail } from "~/modules/leads/vendor-detail.server";
import { ForbiddenError, NotFoundError, ValidationError } from "~/utils/errors.server";
import {
  createPartner,
  createUser,
  ctxFor,
  rejection,
  setupTestDb,
  unique,
  type TestUser,
} from "../../support/factories";
import { createTestLead, offerDirect } from "../../support/lead-factories";

const db = setupTestDb();
const NOW = new Date("2030-03-13T10:00:00Z"); // a Wednesday
const HOUR = 3_600_000;

let manager: TestUser;
let partnerUser: TestUser;
// A country of its own, so that no other partner of this file's database serves it.
const COUNTRY = "IS";
const p: Record<string, { id: string; name: string }> = {};

beforeAll(async () => {
  manager = await createUser(db(), { role: "channel_manager" });
  const make = async (key: string, overrides: Parameters<typeof createPartner>[1]) => {
    const row = await createPartner(db(), { name: `${key} ${unique("co")}`, country: COUNTRY, ...overrides });
    p[key] = { id: row.id, name: row.name };
  };
  await make("Alpha", { territories: [COUNTRY], tier: "gold", timeZone: "Asia/Tokyo" });
  await make("Bravo", { territories: ["DE"], country: "DE" });
  await make("Charlie", { territories: [COUNTRY] });
  await make("Delta", { territories: [COUNTRY] });
  await make("Echo", { territories: [COUNTRY], status: "suspended" });
  await make("Foxtrot", { territories: [COUNTRY] });
  await db()
    .insert(partnerLeadSettings)
    .values([
      { partnerId: p.Charlie!.id, paused: true },
      { partnerId: p.Delta!.id, capacity: 1 },
    ]);
  // Delta holds one open lead: its capacity of 1 is used up.
  await offerDirect(db(), await createTestLead(db(), { country: COUNTRY }), p.Delta!.id);
  partnerUser = await createUser(db(), { role: "partner_admin", partnerId: p.Alpha!.id });
});

const ctx = () => ctxFor(db(), manager, NOW);

describe("vendorLeadDetail", () => {
  it("shows the stored decision's explanation as it was stored", async () => {
    const lead = await createTestLead(db(), { country: COUNTRY, companyName: "Geysir Mail ehf" });
    const candidates = [
      { partnerId: p.Charlie!.id, name: "Charlie (as named then)", excluded: ["paused lead offers"] },
      {
        partnerId: p.Alpha!.id,
        name: "Alpha (as named then)",
        excluded: [],
        score: 0.8125,
        parts: { tier: 0.3, acceptanceRate: 0.15, timeToAccept: 0.1, winRate: 0.1 },
      },
    ];
    await db()
      .insert(routingExplanations)
      .values([
        { hash: "test-none", candidates: [] },
        { hash: "test-two", candidates },
      ]);
    await db()
      .insert(routingDecisions)
      .values([
        {
          leadId: lead.id,
          at: new Date(NOW.getTime() - 2 * HOUR),
          mode: "auto",
          seed: "older-seed",
          rulesVersion: 1,
          explanationHash: "test-none",
          excludedCounts: { territory: 3 },
          summary: "No eligible partner: nobody serves IS.",
        },
        {
          leadId: lead.id,
          at: new Date(NOW.getTime() - HOUR),
          mode: "manual",
          decidedBy: manager.id,
          seed: "5eed",
          rulesVersion: 1,
          chosenPartnerId: p.Alpha!.id,
          explanationHash: "test-two",
          excludedCounts: { paused: 1, territory: 2 },
          summary: "Manual: offered to Alpha by a channel manager: key account.",
        },
      ]);
    const view = await vendorLeadDetail(ctx(), lead.id);
    expect(view.lead.companyName).toBe("Geysir Mail ehf");
    expect(view.decisions).toHaveLength(2);
    const latest = view.decisions[0]!;
    expect(latest).toMatchObject({
      mode: "manual",
      modeLabel: "Manual",
      seed: "5eed",
      rulesVersion: 1,
      summary: "Manual: offered to Alpha by a channel manager: key account.",
      chosenPartnerId: p.Alpha!.id,
      decidedBy: manager.name,
    });
    // The chosen partner first, with its score parts; the excluded one with its reasons; names as stored.
    expect(latest.candidates).toEqual([
      { ...candidates[1], chosen: true },
      { ...candidates[0], score: null, parts: null, chosen: false },
    ]);
    expect(latest.excludedCounts).toEqual([
      { reason: "territory", count: 2 },
      { reason: "paused", count: 1 },
    ]);
    expect(view.decisions[1]).toMatchObject({
      seed: "older-seed",
      excludedCounts: [{ reason: "territory", count: 3 }],
    });
  });

  it("reads back a real routing's decision, the offer and its accept-by in the partner's zone", async () => {
    const lead = await createTestLead(db(), { country: COUNTRY });
    const outcome = await routeLead(ctx(), lead.id);
    expect(outcome.kind).toBe("offered");
    const [stored] = await routingDecisionsOf(db(), lead.id);
    const view = await vendorLeadDetail(ctx(), lead.id);
    const shown = view.decisions[0]!;
    expect(shown.seed).toBe(stored!.seed);
    expect(shown.summary).toBe(stored!.summary);
    expect(shown.chosenPartnerId).toBe(stored!.chosenPartnerId);
    // Stored compactly (codes, no names), shown in words with the partners' names.
    expect(shown.candidates.map((c) => [c.partnerId, c.score, c.excluded]).sort()).toEqual(
      stored!.candidates.map((c) => [c.partnerId, c.score ?? null, exclusionWords(c)]).sort(),
    );
    const names = new Map(Object.values(p).map((x) => [x.id, x.name]));
    for (const c of shown.candidates) expect(c.name).toBe(names.get(c.partnerId));
    expect(shown.candidates.find((c) => c.partnerId === p.Delta!.id)!.excluded).toEqual([
      "capacity exhausted (1 of 1 open)",
    ]);
    expect(shown.candidates.find((c) => c.partnerId === p.Alpha!.id)!.parts).toEqual({
      tier: expect.any(Number),
      acceptanceRate: expect.any(Number),
      timeToAccept: expect.any(Number),
      winRate: expect.any(Number),
    });
    // Alpha (gold) scores highest; its accept-by is shown in its own zone.
    expect(stored!.chosenPartnerId).toBe(p.Alpha!.id);
    expect(view.currentOffer).toMatchObject({ pending: true, partnerId: p.Alpha!.id, timeZone: "Asia/Tokyo" });
    expect(view.currentOffer!.acceptByLocal).toMatch(/\(Asia\/Tokyo\)$/);
    expect(view.can).toMatchObject({ recall: true, override: true, route: false, hold: false });
    expect(view.events.map((e) => e.kind)).toContain("offered");
  });

  it("lists active partners for manual routing with the rules' reasons for the ineligible", async () => {
    const lead = await createTestLead(db(), { country: COUNTRY });
    const declined = await offerDirect(db(), lead, p.Foxtrot!.id);
    await db()
      .update(leadOffers)
      .set({ outcome: "declined", outcomeAt: NOW, declineReason: "no_capacity" })
      .where(eq(leadOffers.id, declined.id));
    await db().update(leads).set({ status: "new", partnerId: null, currentOfferId: null }).where(eq(leads.id, lead.id));

    const view = await vendorLeadDetail(ctx(), lead.id);
    const byId = new Map(view.routing.options.map((o) => [o.partnerId, o]));
    expect(byId.get(p.Alpha!.id)).toMatchObject({ eligible: true, reasons: [], offeredBefore: false });
    expect(byId.get(p.Bravo!.id)).toMatchObject({ eligible: false, reasons: ["outside the territory"] });
    expect(byId.get(p.Charlie!.id)).toMatchObject({ eligible: false, reasons: ["paused lead offers"] });
    expect(byId.get(p.Delta!.id)!.reasons).toEqual(["capacity exhausted (1 of 1 open)"]);
    expect(byId.get(p.Foxtrot!.id)).toMatchObject({
      eligible: false,
      reasons: ["offered this lead before"],
      offeredBefore: true,
    });
    // Suspended partners are not offered for routing.
    expect(byId.has(p.Echo!.id)).toBe(false);
    // Eligible first.
    expect(view.routing.options[0]!.eligible).toBe(true);
    expect(view.offers).toHaveLength(1);
    expect(view.offers[0]).toMatchObject({
      partnerId: p.Foxtrot!.id,
      outcome: "declined",
      declineReasonLabel: "No capacity",
    });
    expect(view.can).toMatchObject({ route: true, hold: true, recall: false });
  });

  it("keeps vendor notes internal and shows each partner's notes", async () => {
    const lead = await createTestLead(db(), { country: COUNTRY });
    await addVendorNote(ctx(), lead.id, { body: "  <b>Big</b> account, call first  " });
    await db()
      .insert(leadNotes)
      .values({
        leadId: lead.id,
        partnerId: p.Alpha!.id,
        authorLabel: "someone@alpha.test",
        body: "Met them on Tuesday",
        createdAt: new Date(NOW.getTime() + HOUR),
      });
    const view = await vendorLeadDetail(ctx(), lead.id);
    expect(view.notes.map((n) => [n.whose, n.body])).toEqual([
      ["Vendor (internal)", "<b>Big</b> account, call first"],
      [p.Alpha!.name, "Met them on Tuesday"],
    ]);
    const [stored] = await db().select().from(leadNotes).where(eq(leadNotes.authorId, manager.id));
    expect(stored!.partnerId).toBeNull();

    const bad = await rejection(addVendorNote(ctx(), lead.id, { body: "   " }));
    expect(bad).toBeInstanceOf(ValidationError);
    expect((bad as ValidationError).fields).toEqual({ body: ["Write a note."] });
    expect(await rejection(addVendorNote(ctx(), crypto.randomUUID(), { body: "x" }))).toBeInstanceOf(NotFoundError);
    expect(await rejection(addVendorNote(ctxFor(db(), partnerUser, NOW), lead.id, { body: "x" }))).toBeInstanceOf(
      ForbiddenError,
    );
  });

  it("is 404 for unknown ids and refused to partner people", async () => {
    expect(await rejection(vendorLeadDetail(ctx(), "not-an-id"))).toBeInstanceOf(NotFoundError);
    expect(await rejection(vendorLeadDetail(ctx(), crypto.randomUUID()))).toBeInstanceOf(NotFoundError);
    const lead = await createTestLead(db(), { country: COUNTRY });
    expect(await rejection(vendorLeadDetail(ctxFor(db(), partnerUser, NOW), lead.id))).toBeInstanceOf(ForbiddenError);
  });
});
