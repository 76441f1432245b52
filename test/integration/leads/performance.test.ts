/**
 * Per-partner lead performance on a small hand-computed data set: offers,
 * acceptance rate, median time to accept, win rate, revenue per currency,
 * open leads, SLA breaches, the period, sorting and CSV; a partner's own
 * figures and monthly trend, never another partner's.
 */
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { leadOffers, leads } from "~db/schema";
import {
  exportPerformanceCsv,
  ownPerformance,
  parsePerformanceQuery,
  vendorPerformance,
} from "~/modules/leads/performance.server";
import { ForbiddenError } from "~/utils/errors.server";
import { createPartner, createUser, ctxFor, rejection, setupTestDb, type TestUser } from "../../support/factories";
import { createTestLead, offerDirect } from "../../support/lead-factories";

const db = setupTestDb();
const NOW = new Date("2030-03-13T12:00:00Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

let manager: TestUser;
let polderUser: TestUser;
let quayAdmin: TestUser;
let polder: string;
let quay: string;

interface OfferSpec {
  partnerId: string;
  offeredAgo: number;
  /** Hours after the offer that the partner answered (accepted / declined), or that it expired. */
  after?: number;
  outcome?: "accepted" | "declined" | "expired";
  /** Hours of the SLA (default 48). */
  slaHours?: number;
  close?: { status: "won" | "lost"; ago: number; valueMinor?: number; currency?: "EUR" | "USD" | "JPY" };
}

async function leadWith(spec: OfferSpec) {
  const lead = await createTestLead(db(), { createdAt: new Date(NOW.getTime() - spec.offeredAgo - HOUR) });
  const offeredAt = ago(spec.offeredAgo);
  const acceptBy = new Date(offeredAt.getTime() + (spec.slaHours ?? 48) * HOUR);
  const offer = await offerDirect(db(), lead, spec.partnerId, { offeredAt, acceptBy });
  if (!spec.outcome) return;
  const outcomeAt = new Date(offeredAt.getTime() + (spec.after ?? 0) * HOUR);
  await db().update(leadOffers).set({ outcome: spec.outcome, outcomeAt }).where(eq(leadOffers.id, offer.id));
  if (spec.outcome === "accepted") {
    await db()
      .update(leads)
      .set({
        status: spec.close?.status ?? "accepted",
        acceptedAt: outcomeAt,
        closedAt: spec.close ? ago(spec.close.ago) : null,
        wonValueMinor: spec.close?.valueMinor ?? null,
        wonCurrency: spec.close?.currency ?? null,
      })
      .where(eq(leads.id, lead.id));
  } else {
    await db().update(leads).set({ status: "new", partnerId: null, currentOfferId: null }).where(eq(leads.id, lead.id));
  }
}

beforeAll(async () => {
  manager = await createUser(db(), { role: "channel_manager" });
  polder = (await createPartner(db(), { name: "Polder Relay BV" })).id;
  quay = (await createPartner(db(), { name: "Quay Mail Ltd", country: "JP" })).id;
  polderUser = await createUser(db(), { role: "partner_user", partnerId: polder });
  quayAdmin = await createUser(db(), { role: "partner_admin", partnerId: quay });

  // Polder, last 30 days: 7 offers.
  await leadWith({
    partnerId: polder,
    offeredAgo: 10 * DAY,
    outcome: "accepted",
    after: 2,
    close: { status: "won", ago: 5 * DAY, valueMinor: 1_000_000, currency: "EUR" },
  });
  await leadWith({
    partnerId: polder,
    offeredAgo: 8 * DAY,
    outcome: "accepted",
    after: 6,
    close: { status: "lost", ago: 3 * DAY },
  });
  await leadWith({ partnerId: polder, offeredAgo: 7 * DAY, outcome: "declined", after: 1 });
  await leadWith({ partnerId: polder, offeredAgo: 6 * DAY, outcome: "expired", after: 48 });
  // Accepted after 10 h with a 4 h SLA: late (an SLA breach); still being worked (open).
  await leadWith({ partnerId: polder, offeredAgo: 5 * DAY, outcome: "accepted", after: 10, slaHours: 4 });
  // Pending, not due: open.
  await leadWith({ partnerId: polder, offeredAgo: 1 * DAY });
  await leadWith({
    partnerId: polder,
    offeredAgo: 20 * DAY,
    outcome: "accepted",
    after: 4,
    close: { status: "won", ago: 2 * DAY, valueMinor: 50_000, currency: "USD" },
  });
  // Polder, 60 days ago: only in the 90- and 365-day periods.
  await leadWith({ partnerId: polder, offeredAgo: 60 * DAY, outcome: "declined", after: 1 });
  // Quay: one offer, accepted in 1 h, won in yen.
  await leadWith({
    partnerId: quay,
    offeredAgo: 3 * DAY,
    outcome: "accepted",
    after: 1,
    close: { status: "won", ago: 1 * DAY, valueMinor: 1_500_000, currency: "JPY" },
  });
});

const vendorCtx = () => ctxFor(db(), manager, NOW);

describe("vendorPerformance", () => {
  it("computes the figures of each partner over the last 30 days", async () => {
    const data = await vendorPerformance(vendorCtx(), parsePerformanceQuery({ period: "30" }));
    const p = data.rows.find((r) => r.partnerId === polder)!;
    expect(p).toMatchObject({
      partnerName: "Polder Relay BV",
      offers: 7,
      accepted: 4,
      declined: 1,
      expired: 1,
      pending: 1,
      won: 2,
      lost: 1,
      openLeads: 2,
      slaBreaches: 2,
      medianHoursToAccept: 5, // of 2, 4, 6, 10 hours
    });
    expect(p.acceptanceRate).toBeCloseTo(4 / 6);
    expect(p.winRate).toBeCloseTo(2 / 3);
    expect(p.revenue).toEqual([
      { currency: "USD", minor: 50_000, formatted: "$500.00" },
      { currency: "EUR", minor: 1_000_000, formatted: "€10,000.00" },
    ]);
    const q = data.rows.find((r) => r.partnerId === quay)!;
    expect(q).toMatchObject({
      offers: 1,
      accepted: 1,
      acceptanceRate: 1,
      medianHoursToAccept: 1,
      winRate: 1,
      openLeads: 0,
    });
    expect(q.revenue).toEqual([{ currency: "JPY", minor: 1_500_000, formatted: "¥1,500,000" }]);
  });

  it("widens with the period and sorts", async () => {
    const ninety = await vendorPerformance(vendorCtx(), parsePerformanceQuery({ period: "90" }));
    const p = ninety.rows.find((r) => r.partnerId === polder)!;
    expect(p.offers).toBe(8);
    expect(p.acceptanceRate).toBeCloseTo(4 / 7);
    expect((await vendorPerformance(vendorCtx(), parsePerformanceQuery({}))).query.period).toBe("90");

    const byOffers = await vendorPerformance(vendorCtx(), parsePerformanceQuery({ sort: "offers" }));
    expect(byOffers.rows.map((r) => r.partnerId)).toEqual([polder, quay]);
    const byMedian = await vendorPerformance(vendorCtx(), parsePerformanceQuery({ sort: "medianHoursToAccept" }));
    expect(byMedian.rows.map((r) => r.partnerId)).toEqual([quay, polder]);
    const byName = await vendorPerformance(vendorCtx(), parsePerformanceQuery({ sort: "name", dir: "desc" }));
    expect(byName.rows.map((r) => r.partnerId)).toEqual([quay, polder]);
    // Bad values fall back to the defaults.
    const bad = await vendorPerformance(vendorCtx(), parsePerformanceQuery({ period: "7", sort: "x", dir: "up" }));
    expect(bad.query).toEqual({ period: "90", sort: "offers" });
  });

  it("exports the table as CSV", async () => {
    const file = await exportPerformanceCsv(vendorCtx(), parsePerformanceQuery({ period: "30" }));
    expect(file.filename).toBe("lead-performance-30d-2030-03-13.csv");
    const lines = file.body
      .replace(/^\uFEFF/, "")
      .trimEnd()
      .split("\r\n");
    expect(lines[0]).toBe(
      "Partner ID,Partner,Offers,Accepted,Declined,Expired,Recalled,Pending,Acceptance rate,Median hours to accept,Won,Lost,Win rate,Won revenue,Open leads,SLA breaches",
    );
    expect(lines[1]).toBe(`${polder},Polder Relay BV,7,4,1,1,0,1,0.6667,5,2,1,0.6667,500.00 USD; 10000.00 EUR,2,2`);
    expect(lines).toHaveLength(3);
  });

  it("refuses partner people", async () => {
    const q = parsePerformanceQuery({});
    expect(await rejection(vendorPerformance(ctxFor(db(), polderUser, NOW), q))).toBeInstanceOf(ForbiddenError);
    expect(await rejection(exportPerformanceCsv(ctxFor(db(), quayAdmin, NOW), q))).toBeInstanceOf(ForbiddenError);
  });
});

describe("ownPerformance", () => {
  it("shows a partner its own figures and trend, never another partner's", async () => {
    const own = await ownPerformance(ctxFor(db(), polderUser, NOW), { period: "30" });
    expect(own.figures).toMatchObject({
      partnerId: polder,
      offers: 7,
      accepted: 4,
      medianHoursToAccept: 5,
      openLeads: 2,
    });
    expect(own.figures.winRate).toBeCloseTo(2 / 3);
    const text = JSON.stringify(own);
    expect(text).not.toContain(quay);
    expect(text).not.toContain("Quay Mail");
    expect(text).not.toContain("JPY");

    expect(own.trend).toHaveLength(12);
    const byMonth = Object.fromEntries(own.trend.map((t) => [t.month, t]));
    expect(byMonth["2030-01"]).toMatchObject({ offers: 1, accepted: 0, acceptanceRate: 0 });
    expect(byMonth["2030-02"]).toMatchObject({ offers: 1, accepted: 1, acceptanceRate: 1 });
    expect(byMonth["2030-03"]).toMatchObject({ offers: 6, accepted: 3, won: 2, lost: 1 });
    expect(byMonth["2030-03"]!.acceptanceRate).toBeCloseTo(3 / 5);
    expect(byMonth["2029-12"]).toMatchObject({ offers: 0, acceptanceRate: null, winRate: null });

    const quayOwn = await ownPerformance(ctxFor(db(), quayAdmin, NOW), { period: "30" });
    expect(quayOwn.figures).toMatchObject({ partnerId: quay, offers: 1 });
    expect(JSON.stringify(quayOwn)).not.toContain(polder);
  });

  it("is for partner people only", async () => {
    expect(await rejection(ownPerformance(vendorCtx(), { period: "30" }))).toBeInstanceOf(ForbiddenError);
  });
});
