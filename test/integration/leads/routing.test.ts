/**
 * The routing engine against real PostgreSQL: routeLead offers the best
 * partner and stores the explanation (replayable), exclusion reasons, no
 * eligible partner (flag + mail), maxOffers returns the lead to the vendor,
 * capacity under bulk routing and under concurrent calls, manual route /
 * override / hold / release / recall, certification and specialization from
 * the rules, publishing rules (validation), holidays, and the stats.
 *
 * Each test works in its own region ("NL-<tag>"), served only by the partners
 * the test creates, so routing sees exactly those candidates. Tests that
 * publish rules put the defaults back at the end.
 */
import { renderedMessage } from "~/modules/mail/render.server";
import { leadRef } from "~/modules/leads/status";
import { and, eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  auditEvents,
  leadEvents,
  leadOffers,
  leads,
  mailMessages,
  routingExplanations,
  partnerLeadSettings,
  products,
  routingRules,
  type Lead,
  type Partner,
  type RoutingRulesJson,
} from "~db/schema";
import { offerDeadlines } from "~/modules/leads/business-hours";
import {
  holdLead,
  manualRoute,
  recallOffer,
  releaseLead,
  routeLead,
  routeLeadInTx,
  routeLeads,
} from "~/modules/leads/route.server";
import { exclusionWords, partsByName, replayDecision } from "~/modules/leads/routing";
import { addHoliday, currentRules, listHolidays, publishRules, removeHoliday } from "~/modules/leads/rules.server";
import { partnerLeadStats } from "~/modules/leads/stats.server";
import { ForbiddenError, NotFoundError, RuleError, ValidationError } from "~/utils/errors.server";
import {
  createPartner,
  createUser,
  ctxFor,
  rejection,
  setupTestDb,
  unique,
  type PartnerOverrides,
  type TestUser,
} from "../../support/factories";
import { createTestLead, offerDirect } from "../../support/lead-factories";
import { routingDecisionsOf } from "~/modules/leads/decisions.server";
import { certify, createCourse, DAY } from "../training/certification-fixtures";

const db = setupTestDb();
let cm: TestUser;
let admin: TestUser;
let defaults: RoutingRulesJson;

beforeAll(async () => {
  cm = await createUser(db(), { role: "channel_manager" });
  admin = await createUser(db(), { role: "vendor_admin" });
  defaults = (await currentRules(db())).rules;
});

async function restoreDefaults() {
  await publishRules(ctxFor(db(), admin), { ...defaults, note: "test: defaults back" });
}

const newRegion = () =>
  `NL-${unique("r")
    .replace(/[^a-z0-9]/gi, "")
    .slice(-8)
    .toUpperCase()}`;

/** A partner serving `region` with an admin (who receives offers). */
async function partnerIn(region: string, over: PartnerOverrides = {}) {
  const partner = await createPartner(db(), { territories: [region], ...over });
  const padmin = await createUser(db(), { role: "partner_admin", partnerId: partner.id });
  return { partner, admin: padmin };
}

async function leadRow(id: string): Promise<Lead> {
  const [row] = await db().select().from(leads).where(eq(leads.id, id));
  return row!;
}
async function decisionsOf(leadId: string) {
  return routingDecisionsOf(db(), leadId);
}
async function audits(action: string, subjectId: string) {
  return db()
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.action, action), eq(auditEvents.subjectId, subjectId)));
}
async function openCount(partnerId: string) {
  const [r] = await db()
    .select({ n: sql<number>`count(*)::int` })
    .from(leads)
    .where(and(eq(leads.partnerId, partnerId), inArray(leads.status, ["offered", "accepted", "contacted"])));
  return r!.n;
}
async function setCapacity(partner: Partner, capacity: number) {
  await db().insert(partnerLeadSettings).values({ partnerId: partner.id, capacity });
}
/** Offers with outcomes, for stats: `accepted` after `hours`. */
async function history(partner: Partner, outcomes: ("accepted" | "declined" | "expired")[], hours = 4) {
  for (const outcome of outcomes) {
    const lead = await createTestLead(db(), { status: "lost" });
    const offeredAt = new Date(Date.now() - 10 * DAY);
    await db()
      .insert(leadOffers)
      .values({
        leadId: lead.id,
        partnerId: partner.id,
        offeredAt,
        acceptBy: new Date(offeredAt.getTime() + 2 * DAY),
        remindAt: new Date(offeredAt.getTime() + DAY),
        outcome,
        outcomeAt: new Date(offeredAt.getTime() + hours * 3_600_000),
      });
  }
}

describe("routeLead", () => {
  it("offers the best partner, stores a replayable explanation, events, audit and one mail per recipient", async () => {
    await partnerIn(newRegion()); // someone elsewhere: only counted
    const region = newRegion();
    const best = await partnerIn(region, { tier: "gold", country: "JP" });
    const second = await partnerIn(region, { tier: "silver" });
    const suspended = await partnerIn(region, { tier: "gold", status: "suspended" });
    const paused = await partnerIn(region, { tier: "gold" });
    await db().insert(partnerLeadSettings).values({ partnerId: paused.partner.id, paused: true });
    // A chosen user receives offers too; a plain user does not.
    const chosen = await createUser(db(), { role: "partner_user", partnerId: best.partner.id });
    await createUser(db(), { role: "partner_user", partnerId: best.partner.id });
    await db()
      .insert(partnerLeadSettings)
      .values({ partnerId: best.partner.id, offerRecipientIds: [chosen.id] });
    await history(best.partner, ["accepted", "accepted"], 2);
    await history(second.partner, ["declined", "expired"]);
    const lead = await createTestLead(db(), { country: "NL", region });
    const now = new Date("2026-03-06T06:00:00Z"); // Friday 15:00 in Tokyo

    const out = await routeLead(ctxFor(db(), cm, now), lead.id);
    expect(out.kind).toBe("offered");
    if (out.kind !== "offered") return;
    expect(out.partnerId).toBe(best.partner.id);

    const row = await leadRow(lead.id);
    expect(row).toMatchObject({
      status: "offered",
      partnerId: best.partner.id,
      currentOfferId: out.offerId,
      offerCount: 1,
    });
    const [offer] = await db().select().from(leadOffers).where(eq(leadOffers.id, out.offerId));
    // The SLA runs in the partner's zone (JP → Asia/Tokyo): Tuesday 15:00 JST, reminder Monday 15:00 JST.
    expect(offer!.acceptBy.toISOString()).toBe("2026-03-10T06:00:00.000Z");
    expect(offer!.remindAt.toISOString()).toBe("2026-03-09T06:00:00.000Z");
    expect(offer!.decisionId).toBe(out.decisionId);

    const [decision] = await decisionsOf(lead.id);
    expect(decision).toMatchObject({
      id: out.decisionId,
      mode: "auto",
      chosenPartnerId: best.partner.id,
      decidedBy: cm.id,
    });
    expect(decision!.rulesVersion).toBeGreaterThanOrEqual(1);
    // The tier part's weights: the initial tier rules' (migration 0010), recorded with the decision.
    expect(decision).toMatchObject({ tierRulesVersion: 1, tierWeights: { registered: 0, silver: 0.5, gold: 1 } });
    const byId = new Map(decision!.candidates.map((c) => [c.partnerId, c]));
    expect(byId.size).toBe(4);
    expect(byId.get(best.partner.id)!.excluded).toEqual([]);
    expect(byId.get(best.partner.id)!.score).toBeGreaterThan(byId.get(second.partner.id)!.score!);
    expect(Object.keys(partsByName(byId.get(best.partner.id)!.parts)!).sort()).toEqual([
      "acceptanceRate",
      "tier",
      "timeToAccept",
      "winRate",
    ]);
    expect(byId.get(suspended.partner.id)!.excluded).toEqual(["inactive"]);
    expect(exclusionWords(byId.get(paused.partner.id)!)).toEqual(["paused lead offers"]);
    expect(decision!.excludedCounts).toMatchObject({ inactive: 1, paused: 1 });
    expect(decision!.excludedCounts.territory).toBeGreaterThanOrEqual(1); // the partners elsewhere
    expect(decision!.summary).toMatch(/^Offered to .+: highest score 0\.\d\d of 2 eligible/);
    expect(replayDecision(decision!)).toBe(best.partner.id);

    const events = await db().select().from(leadEvents).where(eq(leadEvents.leadId, lead.id));
    // The offer is the timeline's entry; the decision explains it.
    expect(events.map((e) => [e.kind, e.partnerId])).toEqual([["offered", best.partner.id]]);
    const [audit] = await audits("lead.offered", lead.id);
    expect(audit).toMatchObject({ partnerId: best.partner.id, actorUserId: cm.id });

    const mails = await db()
      .select()
      .from(mailMessages)
      .where(sql`${mailMessages.dedupeKey} like ${`lead-offer:${out.offerId}:%`}`);
    expect(mails.map((m) => m.toAddress).sort()).toEqual([best.admin.email, chosen.email].sort());
    expect(mails.every((m) => m.critical && m.template === "lead-offer" && m.partnerId === best.partner.id)).toBe(true);
    expect(mails[0]!.subject).toContain("accept by Tue 10 Mar 2026, 15:00 (Asia/Tokyo)");
    // Queued in bulk: rendered at delivery, with the recipient's signed links.
    expect(mails[0]!.html).toBeNull();
    expect((await renderedMessage(db(), mails[0]!, { store: false })).html).toContain("/leads/offer/");

    // Routing again is skipped: the lead is with a partner.
    expect(await routeLead(ctxFor(db(), cm), lead.id)).toMatchObject({ kind: "skipped" });
  });

  it("ties are broken by the stored seed: replay gives the same partner", async () => {
    const region = newRegion();
    const tied = [await partnerIn(region), await partnerIn(region), await partnerIn(region)];
    const winners = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const lead = await createTestLead(db(), { country: "NL", region });
      const out = await routeLead(ctxFor(db(), cm), lead.id, { seed: `tie-${i}` });
      expect(out.kind).toBe("offered");
      const [d] = await decisionsOf(lead.id);
      expect(d!.seed).toBe(`tie-${i}`);
      expect(replayDecision(d!)).toBe(d!.chosenPartnerId);
      expect(d!.summary).toMatch(/drawn among \d tied/);
      winners.add(d!.chosenPartnerId!);
      // Free the capacity again so the next lead sees the same three.
      await db().update(leads).set({ status: "lost" }).where(eq(leads.id, lead.id));
    }
    expect(winners.size).toBeGreaterThan(0);
    expect([...winners].every((w) => tied.some((t) => t.partner.id === w))).toBe(true);
  });

  it("never offers a lead twice to a partner; after maxOffers it returns to the vendor, flagged and mailed", async () => {
    const region = newRegion();
    const a = await partnerIn(region, { tier: "gold" });
    const b = await partnerIn(region);
    const lead = await createTestLead(db(), { country: "NL", region });
    // a declined it before.
    const first = await offerDirect(db(), lead, a.partner.id);
    await db()
      .update(leadOffers)
      .set({ outcome: "declined", outcomeAt: new Date() })
      .where(eq(leadOffers.id, first.id));
    await db().update(leads).set({ status: "new", partnerId: null, currentOfferId: null }).where(eq(leads.id, lead.id));

    const out = await routeLead(ctxFor(db(), cm), lead.id);
    expect(out).toMatchObject({ kind: "offered", partnerId: b.partner.id });
    const [d] = await decisionsOf(lead.id);
    expect(exclusionWords(d!.candidates.find((c) => c.partnerId === a.partner.id)!)).toEqual([
      "offered this lead before",
    ]);

    // b lets it expire; one more (made-up) offer elsewhere makes 3 = maxOffers.
    await db()
      .update(leadOffers)
      .set({ outcome: "expired", outcomeAt: new Date() })
      .where(eq(leadOffers.leadId, lead.id));
    await db()
      .update(leads)
      .set({ status: "new", partnerId: null, currentOfferId: null, offerCount: 3 })
      .where(eq(leads.id, lead.id));
    // Inside a caller's transaction, as the expiry job does.
    const back = await db().transaction((tx) =>
      routeLeadInTx(
        tx,
        { db: tx, actor: { userId: null, label: "Lead routing", role: "channel_manager", partnerId: null } },
        lead.id,
        {
          mode: "job",
        },
      ),
    );
    expect(back.kind).toBe("no_partner");
    const row = await leadRow(lead.id);
    expect(row).toMatchObject({
      status: "new",
      partnerId: null,
      needsAttention: true,
      attentionReason: "offered to 3 partners without acceptance",
    });
    const decisions = await decisionsOf(lead.id);
    expect(decisions.at(-1)).toMatchObject({ mode: "job", chosenPartnerId: null });
    const [mail] = await db()
      .select()
      .from(mailMessages)
      .where(eq(mailMessages.dedupeKey, `lead-attention:${decisions.at(-1)!.id}`));
    expect(mail!.template).toBe("lead-attention");
    expect(mail!.subject).toContain("offers ran out");
    expect(await audits("lead.unroutable", lead.id)).toHaveLength(1);
  });

  it("no eligible partner: the lead stays with the vendor, flagged with the reason, channel team mailed", async () => {
    const region = newRegion();
    const full = await partnerIn(region);
    await setCapacity(full.partner, 1);
    await offerDirect(db(), await createTestLead(db(), { country: "NL", region }), full.partner.id);
    const lead = await createTestLead(db(), { country: "NL", region });
    const out = await routeLead(ctxFor(db(), cm), lead.id);
    expect(out.kind).toBe("no_partner");
    const row = await leadRow(lead.id);
    expect(row.status).toBe("new");
    expect(row.needsAttention).toBe(true);
    expect(row.attentionReason).toMatch(
      /^No eligible partner: all 1 in the territory excluded \(capacity exhausted 1\)/,
    );
    const [d] = await decisionsOf(lead.id);
    expect(d!.chosenPartnerId).toBeNull();
    expect(d!.candidates[0]!).toMatchObject({ excluded: ["capacity"], capacity: [1, 1] });
    expect(exclusionWords(d!.candidates[0]!)).toEqual(["capacity exhausted (1 of 1 open)"]);
    const [mail] = await db()
      .select()
      .from(mailMessages)
      .where(eq(mailMessages.dedupeKey, `lead-attention:${d!.id}`));
    expect(mail).toBeDefined();
    const events = await db().select().from(leadEvents).where(eq(leadEvents.leadId, lead.id));
    expect(events.map((e) => [e.kind, e.partnerId])).toEqual([["unroutable", null]]);

    // A lead nobody serves at all.
    const nowhere = await createTestLead(db(), { country: "NL", region: newRegion() });
    expect((await routeLead(ctxFor(db(), cm), nowhere.id)).kind).toBe("no_partner");
    expect((await leadRow(nowhere.id)).attentionReason).toMatch(/^No eligible partner: no partner serves /);
  });

  it("only the channel team routes; an unknown lead is 404", async () => {
    const region = newRegion();
    const p = await partnerIn(region);
    const lead = await createTestLead(db(), { country: "NL", region });
    expect(await rejection(routeLead(ctxFor(db(), p.admin), lead.id))).toBeInstanceOf(ForbiddenError);
    expect(await rejection(routeLead(ctxFor(db(), cm), "00000000-0000-4000-8000-000000000000"))).toBeInstanceOf(
      NotFoundError,
    );
    expect(await rejection(routeLead(ctxFor(db(), cm), "not-a-uuid"))).toBeInstanceOf(NotFoundError);
  });
});

describe("capacity", () => {
  it("routeLeads (bulk) respects each partner's capacity and sends one summary mail for the rest", async () => {
    const region = newRegion();
    const a = await partnerIn(region, { tier: "gold" });
    const b = await partnerIn(region);
    await setCapacity(a.partner, 2);
    await setCapacity(b.partner, 3);
    const held = await createTestLead(db(), { country: "NL", region, status: "held" });
    const list = [];
    for (let i = 0; i < 8; i++) list.push(await createTestLead(db(), { country: "NL", region }));
    const result = await routeLeads(ctxFor(db(), cm), [...list.map((l) => l.id), held.id]);
    expect(result).toMatchObject({ offered: 5, noPartner: 3, skipped: 1 });
    expect(result.outcomes.at(-1)).toEqual({ kind: "skipped", leadId: held.id, reason: "the lead is held" });
    expect(await openCount(a.partner.id)).toBe(2);
    expect(await openCount(b.partner.id)).toBe(3);
    // The gold partner is filled first.
    expect(result.outcomes.slice(0, 2).map((o) => (o.kind === "offered" ? o.partnerId : null))).toEqual([
      a.partner.id,
      a.partner.id,
    ]);
    const decisions = (await Promise.all(list.map((l) => routingDecisionsOf(db(), l.id)))).flat();
    expect(decisions).toHaveLength(8);
    expect(decisions.every((d) => d.mode === "bulk")).toBe(true);
    for (const d of decisions.filter((x) => x.chosenPartnerId)) expect(replayDecision(d)).toBe(d.chosenPartnerId);
    // Each decision explains the state it was made in: leads with the same
    // facts share one stored explanation until a partner fills up.
    const capacityOf = (d: (typeof decisions)[number], partnerId: string) =>
      d.candidates.find((c) => c.partnerId === partnerId)?.capacity ?? null;
    expect(decisions.map((d) => [capacityOf(d, a.partner.id), capacityOf(d, b.partner.id)])).toEqual([
      [null, null],
      [null, null],
      [[2, 2], null],
      [[2, 2], null],
      [[2, 2], null],
      [
        [2, 2],
        [3, 3],
      ],
      [
        [2, 2],
        [3, 3],
      ],
      [
        [2, 2],
        [3, 3],
      ],
    ]);
    const hashes = decisions.map((d) => d.explanationHash);
    expect(new Set(hashes).size).toBe(3);
    expect(hashes[1]).toBe(hashes[0]);
    expect(hashes[2]).not.toBe(hashes[1]);
    expect(hashes[7]).toBe(hashes[5]);
    const [stored] = await db()
      .select({ n: sql<number>`count(*)::int` })
      .from(routingExplanations)
      .where(inArray(routingExplanations.hash, hashes));
    expect(stored!.n).toBe(3);
    const summaries = await db()
      .select()
      .from(mailMessages)
      .where(sql`${mailMessages.dedupeKey} like 'lead-attention-batch:%' and ${mailMessages.subject} like '3 leads%'`);
    expect(summaries).toHaveLength(1);
    // One mail per partner admin, listing each of its leads with its own signed links.
    const offerMails = await db()
      .select()
      .from(mailMessages)
      .where(inArray(mailMessages.partnerId, [a.partner.id, b.partner.id]));
    expect(offerMails.map((m) => [m.partnerId, m.template, m.critical]).sort()).toEqual(
      [
        [a.partner.id, "lead-offers", true],
        [b.partner.id, "lead-offers", true],
      ].sort(),
    );
    const offeredTo = new Map(
      result.outcomes.flatMap((o) => (o.kind === "offered" ? [[o.leadId, o.partnerId] as const] : [])),
    );
    for (const m of offerMails) {
      const listed = (m.data as { leads: { leadRef: string; acceptUrl: string; declineUrl: string }[] }).leads;
      const mine = list.filter((l) => offeredTo.get(l.id) === m.partnerId);
      expect(listed.map((l) => l.leadRef)).toEqual(mine.map((l) => leadRef(l.number)));
      expect(new Set(listed.map((l) => l.acceptUrl)).size).toBe(mine.length); // a link per lead
      expect(m.subject).toMatch(new RegExp(`^${mine.length} new leads for `));
      const rendered = await renderedMessage(db(), m, { store: false });
      for (const l of listed) {
        expect(rendered.html).toContain(l.acceptUrl.replaceAll("&", "&amp;"));
        expect(rendered.text).toContain(l.declineUrl);
      }
    }
    const flagged = await db()
      .select()
      .from(leads)
      .where(
        and(
          inArray(
            leads.id,
            list.map((l) => l.id),
          ),
          eq(leads.needsAttention, true),
        ),
      );
    expect(flagged).toHaveLength(3);
  });

  it("two concurrent routeLeads calls, and concurrent routeLead calls, never exceed capacity", async () => {
    const region = newRegion();
    const p = await partnerIn(region);
    await setCapacity(p.partner, 3);
    const list = [];
    for (let i = 0; i < 10; i++) list.push(await createTestLead(db(), { country: "NL", region }));
    const ids = list.map((l) => l.id);
    const [r1, r2] = await Promise.all([
      routeLeads(ctxFor(db(), cm), ids.slice(0, 5), { chunkSize: 2 }),
      routeLeads(ctxFor(db(), cm), ids.slice(5), { chunkSize: 2 }),
    ]);
    expect(r1.offered + r2.offered).toBe(3);
    expect(await openCount(p.partner.id)).toBe(3);

    const region2 = newRegion();
    const q = await partnerIn(region2);
    await setCapacity(q.partner, 2);
    const singles = [];
    for (let i = 0; i < 5; i++) singles.push(await createTestLead(db(), { country: "NL", region: region2 }));
    const outs = await Promise.all(singles.map((l) => routeLead(ctxFor(db(), cm), l.id)));
    expect(outs.filter((o) => o.kind === "offered")).toHaveLength(2);
    expect(await openCount(q.partner.id)).toBe(2);
  });

  it.each([1, 2] as const)(
    "in %i lane(s), over several rounds of chunks and with per-lead routing at the same time, capacity holds",
    async (lanes) => {
      const region = newRegion();
      const a = await partnerIn(region, { tier: "gold" });
      const b = await partnerIn(region);
      await setCapacity(a.partner, 4);
      await setCapacity(b.partner, 5);
      const list = [];
      for (let i = 0; i < 21; i++) list.push(await createTestLead(db(), { country: "NL", region }));
      const ids = list.map((l) => l.id);
      // Chunks of 2: with two lanes, rounds of four chunks run two transactions at once.
      const [bulk, ...singles] = await Promise.all([
        routeLeads(ctxFor(db(), cm), ids.slice(0, 18), { chunkSize: 2, lanes }),
        ...ids.slice(18).map((id) => routeLead(ctxFor(db(), cm), id)),
      ]);
      const offered = bulk!.offered + singles.filter((o) => o.kind === "offered").length;
      expect(offered).toBe(9);
      expect(await openCount(a.partner.id)).toBe(4);
      expect(await openCount(b.partner.id)).toBe(5);
      expect(bulk!.outcomes.map((o) => o.leadId)).toEqual(ids.slice(0, 18));
      const decisions = (await Promise.all(ids.map((id) => routingDecisionsOf(db(), id)))).flat();
      expect(decisions).toHaveLength(21);
      for (const d of decisions) expect(d.candidates.length).toBe(2); // every explanation stored and readable
    },
  );
});

describe("manual actions", () => {
  it("manual route, override (recalls the pending offer), recall, and their audit", async () => {
    const region = newRegion();
    const a = await partnerIn(region);
    const b = await partnerIn(region);
    const elsewhere = await partnerIn(newRegion());
    const lead = await createTestLead(db(), { country: "NL", region });

    const m = await manualRoute(ctxFor(db(), cm), lead.id, {
      partnerId: a.partner.id,
      reason: "Asked for by the customer",
    });
    expect(m.mode).toBe("manual");
    expect(await leadRow(lead.id)).toMatchObject({ status: "offered", partnerId: a.partner.id, offerCount: 1 });
    const [d1] = await decisionsOf(lead.id);
    expect(d1).toMatchObject({ mode: "manual", chosenPartnerId: a.partner.id });
    expect(d1!.summary).toContain("Manual: offered to");
    expect(await audits("lead.routed_manually", lead.id)).toHaveLength(1);

    // Override to a partner outside the territory: allowed, and the explanation says so.
    const o = await manualRoute(ctxFor(db(), cm), lead.id, { partnerId: elsewhere.partner.id, reason: "Key account" });
    expect(o.mode).toBe("override");
    const offers = await db().select().from(leadOffers).where(eq(leadOffers.leadId, lead.id));
    expect(offers.find((x) => x.partnerId === a.partner.id)).toMatchObject({
      outcome: "recalled",
      outcomeVia: "vendor",
    });
    expect(offers.find((x) => x.partnerId === elsewhere.partner.id)!.outcome).toBeNull();
    const d2 = (await decisionsOf(lead.id)).at(-1)!;
    expect(d2.mode).toBe("override");
    expect(exclusionWords(d2.candidates[0]!)).toContain("outside the territory");
    expect(await audits("lead.overridden", lead.id)).toHaveLength(1);
    const [closed] = await db()
      .select()
      .from(mailMessages)
      .where(eq(mailMessages.dedupeKey, `lead-offer-closed:${offers.find((x) => x.partnerId === a.partner.id)!.id}`));
    expect(closed!.toAddress).toBe(a.admin.email);

    // Not to a partner offered before, nor to the one holding it.
    expect(
      (
        (await rejection(
          manualRoute(ctxFor(db(), cm), lead.id, { partnerId: a.partner.id, reason: "again" }),
        )) as ValidationError
      ).fields,
    ).toHaveProperty("partnerId");
    expect(
      await rejection(manualRoute(ctxFor(db(), cm), lead.id, { partnerId: elsewhere.partner.id, reason: "again" })),
    ).toBeInstanceOf(ValidationError);
    const bad = (await rejection(
      manualRoute(ctxFor(db(), cm), lead.id, { partnerId: "nope", reason: "" }),
    )) as ValidationError;
    expect(Object.keys(bad.fields!).sort()).toEqual(["partnerId", "reason"]);

    // Recall: back to the vendor.
    const r = await recallOffer(ctxFor(db(), cm), lead.id, { reason: "Customer called us directly" });
    expect(r.partnerId).toBe(elsewhere.partner.id);
    expect(await leadRow(lead.id)).toMatchObject({ status: "new", partnerId: null, currentOfferId: null });
    expect(await audits("lead.offer_recalled", lead.id)).toHaveLength(1);
    expect(await rejection(recallOffer(ctxFor(db(), cm), lead.id, { reason: "again" }))).toBeInstanceOf(RuleError);

    // b is still available to the engine; a and elsewhere are not.
    const next = await routeLead(ctxFor(db(), cm), lead.id);
    expect(next).toMatchObject({ kind: "offered", partnerId: b.partner.id });
    expect(
      await rejection(manualRoute(ctxFor(db(), a.admin), lead.id, { partnerId: b.partner.id, reason: "x" })),
    ).toBeInstanceOf(ForbiddenError);
  });

  it("hold keeps the engine away until release", async () => {
    const region = newRegion();
    await partnerIn(region);
    const lead = await createTestLead(db(), { country: "NL", region });
    await holdLead(ctxFor(db(), cm), lead.id, { reason: "Waiting for the customer's budget" });
    expect(await leadRow(lead.id)).toMatchObject({
      status: "held",
      heldBy: cm.id,
      heldReason: "Waiting for the customer's budget",
    });
    expect(await routeLead(ctxFor(db(), cm), lead.id)).toMatchObject({ kind: "skipped", reason: "the lead is held" });
    expect(await rejection(holdLead(ctxFor(db(), cm), lead.id, { reason: "again" }))).toBeInstanceOf(RuleError);
    expect(await rejection(holdLead(ctxFor(db(), cm), lead.id, { reason: " " }))).toBeInstanceOf(ValidationError);
    await releaseLead(ctxFor(db(), cm), lead.id);
    expect(await leadRow(lead.id)).toMatchObject({ status: "new", heldBy: null, heldReason: null });
    expect(await rejection(releaseLead(ctxFor(db(), cm), lead.id))).toBeInstanceOf(RuleError);
    expect(await audits("lead.held", lead.id)).toHaveLength(1);
    expect(await audits("lead.released", lead.id)).toHaveLength(1);
    expect((await routeLead(ctxFor(db(), cm), lead.id)).kind).toBe("offered");
    expect(await rejection(holdLead(ctxFor(db(), cm), lead.id, { reason: "now" }))).toBeInstanceOf(RuleError);
  });
});

describe("rules", () => {
  afterAll(restoreDefaults);

  it("publishing validates ranges, codes and references; nothing is stored on bad input", async () => {
    const before = (await currentRules(db())).version;
    const bad = {
      ...defaults,
      weights: { tier: 0, acceptanceRate: 0, timeToAccept: 0, winRate: 0 },
      defaultCapacity: 0,
      slaBusinessDays: 11,
      workdayStartHour: 17,
      workdayEndHour: 9,
      maxOffers: 0,
      territoryMap: [{ area: "XX-TOOLONG", servedBy: "BE, ZZ" }],
    };
    const err = (await rejection(publishRules(ctxFor(db(), admin), bad))) as ValidationError;
    expect(err).toBeInstanceOf(ValidationError);
    expect(Object.keys(err.fields!).sort()).toEqual(
      [
        "weights",
        "defaultCapacity",
        "slaBusinessDays",
        "workdayEndHour",
        "maxOffers",
        "territoryMap[0].area",
        "territoryMap[0].servedBy[1]",
      ].sort(),
    );
    const refs = (await rejection(
      publishRules(ctxFor(db(), admin), {
        ...defaults,
        requiredCertification: "no-such-course",
        productRules: [
          {
            productId: "00000000-0000-4000-8000-000000000000",
            specialization: "no-such-spec",
            certification: "",
            minimumTier: "",
          },
        ],
      }),
    )) as ValidationError;
    expect(Object.keys(refs.fields!).sort()).toEqual(
      ["productRules[0].productId", "productRules[0].specialization", "requiredCertification"].sort(),
    );
    expect((await currentRules(db())).version).toBe(before);
    expect(await rejection(publishRules(ctxFor(db(), cm), defaults))).toBeInstanceOf(ForbiddenError);

    // Form-style values are accepted.
    const ok = await publishRules(ctxFor(db(), admin), {
      ...defaults,
      defaultCapacity: "40",
      territoryMap: [{ area: "nz", servedBy: "AU, au-nsw" }],
      note: "NZ served from Australia",
    });
    expect(ok.version).toBe(before + 1);
    const now = await currentRules(db());
    expect(now.rules.defaultCapacity).toBe(40);
    expect(now.rules.territoryMap).toEqual([{ area: "NZ", servedBy: ["AU", "AU-NSW"] }]);
    expect(now.rules).not.toHaveProperty("note");
    const [row] = await db().select().from(routingRules).where(eq(routingRules.version, ok.version));
    expect(row!.note).toBe("NZ served from Australia");
    expect(await audits("routing.rules_published", String(ok.version))).toHaveLength(1);
  });

  it("product rules: specialization and certification decide; the decision records the rules version", async () => {
    const course = await createCourse(db(), { key: unique("relay-pro") });
    const [product] = await db().select().from(products).where(eq(products.sku, "MSE-STD-12"));
    const { version } = await publishRules(ctxFor(db(), admin), {
      ...defaults,
      productRules: [
        { productId: product!.id, specialization: "mail-relay", certification: course.key, minimumTier: null },
      ],
    });
    const region = newRegion();
    const certified = await partnerIn(region, { specializations: ["mail-relay"] });
    const uncertified = await partnerIn(region, { specializations: ["mail-relay"], tier: "gold" });
    const unspecialized = await partnerIn(region, { tier: "gold" });
    await certify(db(), {
      partnerId: certified.partner.id,
      userId: certified.admin.id,
      course,
      earnedAt: new Date(Date.now() - DAY),
      expiresAt: new Date(Date.now() + 300 * DAY),
    });
    // An expired certification does not count.
    await certify(db(), {
      partnerId: uncertified.partner.id,
      userId: uncertified.admin.id,
      course,
      earnedAt: new Date(Date.now() - 800 * DAY),
      expiresAt: new Date(Date.now() - DAY),
    });
    const lead = await createTestLead(db(), { country: "NL", region, productId: product!.id });
    const out = await routeLead(ctxFor(db(), cm), lead.id);
    expect(out).toMatchObject({ kind: "offered", partnerId: certified.partner.id });
    const [d] = await decisionsOf(lead.id);
    expect(d!.rulesVersion).toBe(version);
    const why = new Map(d!.candidates.map((c) => [c.partnerId, c.excluded]));
    expect(why.get(uncertified.partner.id)).toEqual(["certification"]);
    expect(why.get(unspecialized.partner.id)).toEqual(["specialization", "certification"]);
    await restoreDefaults();
  });

  it("holidays: add (with rename), list, remove, audit, and validation", async () => {
    const h = await addHoliday(ctxFor(db(), admin), { country: "jp", date: "2026-05-05", name: "Children's Day" });
    expect(h).toEqual({ country: "JP", date: "2026-05-05", name: "Children's Day" });
    await addHoliday(ctxFor(db(), admin), { country: "JP", date: "2026-05-05", name: "Kodomo no Hi" });
    const list = await listHolidays(db(), { country: "JP", year: 2026 });
    expect(list.filter((x) => x.date === "2026-05-05").map((x) => x.name)).toEqual(["Kodomo no Hi"]);
    const bad = (await rejection(
      addHoliday(ctxFor(db(), admin), { country: "XX", date: "2026-02-30", name: "" }),
    )) as ValidationError;
    expect(Object.keys(bad.fields!).sort()).toEqual(["country", "date", "name"]);
    expect(
      await rejection(addHoliday(ctxFor(db(), cm), { country: "JP", date: "2026-05-06", name: "x" })),
    ).toBeInstanceOf(ForbiddenError);
    await removeHoliday(ctxFor(db(), admin), { country: "JP", date: "2026-05-05" });
    expect(await listHolidays(db(), { country: "JP", year: 2026 })).toEqual([]);
    expect(await rejection(removeHoliday(ctxFor(db(), admin), { country: "JP", date: "2026-05-05" }))).toBeInstanceOf(
      NotFoundError,
    );
    expect(await audits("routing.holiday_added", "JP:2026-05-05")).toHaveLength(2);
    expect(await audits("routing.holiday_removed", "JP:2026-05-05")).toHaveLength(1);
  });

  it("a public holiday of the partner's country moves the accept-by time", async () => {
    const region = newRegion();
    const p = await partnerIn(region, { country: "JP" });
    await addHoliday(ctxFor(db(), admin), { country: "JP", date: "2026-03-09", name: "Test holiday" });
    const lead = await createTestLead(db(), { country: "NL", region });
    const now = new Date("2026-03-06T06:00:00Z");
    const out = await routeLead(ctxFor(db(), cm, now), lead.id);
    expect(out).toMatchObject({ kind: "offered", partnerId: p.partner.id });
    const [offer] = await db().select().from(leadOffers).where(eq(leadOffers.leadId, lead.id));
    const cal = { timeZone: "Asia/Tokyo", startHour: 9, endHour: 17, holidays: new Set(["2026-03-09"]) };
    expect(offer!.acceptBy.toISOString()).toBe(offerDeadlines(now, 2, cal).acceptBy.toISOString());
    expect(offer!.acceptBy.toISOString()).toBe("2026-03-11T06:00:00.000Z");
    await removeHoliday(ctxFor(db(), admin), { country: "JP", date: "2026-03-09" });
  });
});

describe("partnerLeadStats", () => {
  it("counts outcomes, rates, median time to accept, wins and revenue per currency, in one pass", async () => {
    const p = (await partnerIn(newRegion())).partner;
    const q = (await partnerIn(newRegion())).partner;
    await history(p, ["accepted"], 2);
    await history(p, ["accepted"], 6);
    await history(p, ["accepted"], 10);
    await history(p, ["declined", "expired"]);
    const pending = await createTestLead(db(), {});
    await offerDirect(db(), pending, p.id);
    for (const [status, value, currency] of [
      ["won", 100_00, "EUR"],
      ["won", 50_00, "EUR"],
      ["won", 20_000, "JPY"],
      ["lost", null, null],
    ] as const) {
      await createTestLead(db(), {
        partnerId: p.id,
        status,
        closedAt: new Date(),
        wonValueMinor: value,
        wonCurrency: currency,
      });
    }
    const stats = await partnerLeadStats(db(), { partnerIds: [p.id, q.id] });
    expect(stats.get(p.id)).toEqual({
      offers: 6,
      accepted: 3,
      declined: 1,
      expired: 1,
      recalled: 0,
      pending: 1,
      acceptanceRate: 0.6,
      medianHoursToAccept: 6,
      won: 3,
      lost: 1,
      winRate: 0.75,
      revenueMinor: { EUR: 150_00, JPY: 20_000 },
    });
    expect(stats.get(q.id)).toMatchObject({
      offers: 0,
      acceptanceRate: null,
      winRate: null,
      medianHoursToAccept: null,
    });
    const since = await partnerLeadStats(db(), { partnerIds: [p.id], since: new Date(Date.now() - DAY) });
    expect(since.get(p.id)).toMatchObject({ offers: 1, pending: 1, won: 3 });
    const all = await partnerLeadStats(db());
    expect(all.get(p.id)!.offers).toBe(6);
  });
});
