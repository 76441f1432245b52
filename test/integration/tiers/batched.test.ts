/**
 * The set-based tier reads and writes against PostgreSQL: partnerFiguresOf
 * (many partners, a constant number of queries) gives each partner exactly
 * what partnerFigures gives it alone, over a handful of partners with varied
 * figures (valid, expired, revoked certifications and a deactivated person; a
 * renewal; orders in several currencies on days with different rates,
 * refunded, outside the window and without a rate; won and lost deals in and
 * out of the window; offers accepted, declined, expired, recalled and
 * pending); and reevaluatePartnerTiers leaves every partner, its history,
 * audit events and mails exactly as reevaluatePartnerTier does partner by
 * partner (twin partners with the same figures, one evaluated each way);
 * enqueueRenderedMails stores a mail as enqueueMail does.
 */
import { and, asc, eq, like, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Db } from "~db/client";
import { auditEvents, mailMessages, mailRecipients, partnerTierStates } from "~db/schema";
import { licenseRevenue, licenseRevenues } from "~/modules/licensing/revenue.server";
import { enqueueMail, enqueueRenderedMails } from "~/modules/mail/enqueue.server";
import {
  partnerFigures,
  partnerFiguresOf,
  reevaluatePartnerTier,
  reevaluatePartnerTiers,
} from "~/modules/tiers/evaluate.server";
import { certifiedPeople, certifiedPeopleOf } from "~/modules/training/reports.server";
import { createPartner, createUser, setupTestDb, unique } from "../../support/factories";
import { createTestLead, offerDirect } from "../../support/lead-factories";
import { insertDeal } from "../deals/deal-fixtures";
import { certify } from "../training/certification-fixtures";
import {
  DAY,
  certifiedPerson,
  changesOf,
  exchangeRate,
  paidOrder,
  stateOf,
  tierOf,
  wonDeal,
  tierWorld,
  type TestCourse,
} from "./tier-fixtures";

const db = setupTestDb();
let relay: TestCourse;
let tls: TestCourse;
const T = new Date("2031-03-15T12:00:00Z");
const ago = (days: number) => new Date(T.getTime() - days * DAY);

beforeAll(async () => {
  ({ relay, tls } = await tierWorld(db()));
  // EUR changes rate during the window; JPY has one rate; AUD has none (its orders are left out and named).
  await exchangeRate(db(), "EUR", 1.2, "2029-01-01");
  await exchangeRate(db(), "EUR", 1.05, "2030-09-01");
  await exchangeRate(db(), "JPY", 0.0067, "2029-01-01");
});

/** An offer of a fresh lead to the partner at `offeredAt` with `outcome` (undefined: pending). */
async function offer(
  d: Db,
  partnerId: string,
  offeredAt: Date,
  outcome?: "accepted" | "declined" | "expired" | "recalled",
) {
  const lead = await createTestLead(d);
  const o = await offerDirect(d, lead, partnerId, { offeredAt, accepted: outcome === "accepted" });
  if (outcome && outcome !== "accepted") {
    await d.execute(
      // Written straight to the row, as the outcome's own module would leave it.
      sqlOutcome(o.id, outcome, new Date(offeredAt.getTime() + 3_600_000)),
    );
  }
}
const sqlOutcome = (id: string, outcome: string, at: Date) =>
  sql`update lead_offers set outcome = ${outcome}::offer_outcome, outcome_at = ${at.toISOString()}::timestamptz where id = ${id}::uuid`;

/** A partner with a bit of everything. */
async function busyPartner(d: Db) {
  const partner = await createPartner(d, { tier: "silver" });
  await createUser(d, { role: "partner_admin", partnerId: partner.id });
  await certifiedPerson(d, partner.id, relay, ago(200), ago(-300), "Alice Valid");
  await certifiedPerson(d, partner.id, relay, ago(500), ago(10), "Bob Expired");
  // Carol's dates are valid but the certification was revoked; Dave's is valid but he left.
  const carol = await createUser(d, { role: "partner_user", partnerId: partner.id, name: unique("carol") });
  await certify(d, {
    partnerId: partner.id,
    userId: carol.id,
    course: relay,
    earnedAt: ago(50),
    expiresAt: ago(-300),
    status: "revoked",
  });
  const dave = await createUser(d, {
    role: "partner_user",
    partnerId: partner.id,
    name: unique("dave"),
    status: "deactivated",
  });
  await certify(d, { partnerId: partner.id, userId: dave.id, course: relay, earnedAt: ago(50), expiresAt: ago(-300) });
  // Eve renewed early: two valid certifications of one course, counted once (the longer one).
  const eve = await certifiedPerson(d, partner.id, relay, ago(300), ago(-30), "Eve Renewed");
  await certify(d, {
    partnerId: partner.id,
    userId: eve.user.id,
    course: relay,
    earnedAt: ago(20),
    expiresAt: ago(-700),
    name: "Relay Engineer (2031)",
  });
  // Earned after T: not yet certified at T.
  await certifiedPerson(d, partner.id, tls, ago(-5), ago(-400), "Fay Future");
  await certifiedPerson(d, partner.id, tls, ago(100), ago(-100), "Gus TLS");

  await paidOrder(d, { partnerId: partner.id, totalMinor: 1_500_000, paidAt: ago(40) });
  await paidOrder(d, { partnerId: partner.id, totalMinor: 1_000_000, paidAt: ago(300), currency: "EUR" });
  await paidOrder(d, { partnerId: partner.id, totalMinor: 1_000_000, paidAt: ago(60), currency: "EUR" });
  await paidOrder(d, {
    partnerId: partner.id,
    totalMinor: 900_000,
    paidAt: ago(90),
    currency: "JPY",
    status: "fulfilled",
  });
  await paidOrder(d, { partnerId: partner.id, totalMinor: 5_000_000, paidAt: ago(30), status: "refunded" });
  await paidOrder(d, { partnerId: partner.id, totalMinor: 7_000_000, paidAt: ago(400) });
  await paidOrder(d, { partnerId: partner.id, totalMinor: 300_000, paidAt: ago(20), currency: "AUD" });
  await paidOrder(d, { partnerId: partner.id, totalMinor: 400_000, paidAt: ago(-2) });

  await wonDeal(d, partner.id, ago(10));
  await wonDeal(d, partner.id, ago(200));
  await wonDeal(d, partner.id, ago(380));
  await insertDeal(d, { partnerId: partner.id, status: "lost", closedAt: ago(15) });

  await offer(d, partner.id, ago(100), "accepted");
  await offer(d, partner.id, ago(80), "accepted");
  await offer(d, partner.id, ago(70), "declined");
  await offer(d, partner.id, ago(60), "expired");
  await offer(d, partner.id, ago(50), "recalled");
  await offer(d, partner.id, ago(1));
  await offer(d, partner.id, ago(400), "declined");
  return partner;
}

describe("partnerFiguresOf", () => {
  it("gives every partner exactly the figures partnerFigures gives it alone", async () => {
    const busy = await busyPartner(db());
    const busy2 = await busyPartner(db());
    // Euro orders on both sides of the rate change only; a partner of declined offers; one with nothing.
    const euro = await createPartner(db(), { tier: "registered" });
    await paidOrder(db(), { partnerId: euro.id, totalMinor: 2_000_000, paidAt: ago(250), currency: "EUR" });
    await paidOrder(db(), { partnerId: euro.id, totalMinor: 2_000_000, paidAt: ago(5), currency: "EUR" });
    await paidOrder(db(), { partnerId: euro.id, totalMinor: 100, paidAt: ago(5), currency: "AUD" });
    const decliner = await createPartner(db(), { tier: "registered", status: "suspended" });
    await offer(db(), decliner.id, ago(20), "declined");
    await offer(db(), decliner.id, ago(10), "expired");
    await certifiedPerson(db(), decliner.id, tls, ago(30), ago(-30), "Hal Only");
    const empty = await createPartner(db(), { tier: "registered" });
    const ids = [busy.id, euro.id, decliner.id, empty.id, busy2.id];

    const batched = await partnerFiguresOf(db(), ids, T);
    expect([...batched.keys()].sort()).toEqual([...ids].sort());
    for (const id of ids) {
      expect(batched.get(id), id).toEqual(await partnerFigures(db(), id, T));
    }
    // And inside a transaction, as the evaluation reads them.
    await db().transaction(async (tx) => {
      const inTx = await partnerFiguresOf(tx, ids, T);
      for (const id of ids) expect(inTx.get(id)).toEqual(batched.get(id));
    });

    // The figures are the ones the rules mean (so the comparison above compares something).
    const b = batched.get(busy.id)!;
    expect(b.certified[relay.key]!.map((p) => p.name)).toEqual(["Alice Valid", "Eve Renewed"]);
    expect(b.certified[relay.key]![1]!.expiresAt).toEqual(ago(-700));
    expect(b.certificationNames[relay.key]).toBe("Relay Engineer (2031)");
    expect(b.certified[tls.key]!.map((p) => p.name)).toEqual(["Gus TLS"]);
    // $15,000 + €10,000 at 1.05 + ¥900,000 at 0.0067 (the €10,000 of 300 days ago at 1.2); AUD has no rate.
    expect(b.revenueOrders).toBe(5);
    expect(b.missingRates).toEqual(["AUD"]);
    expect(b.revenueUsdMinor).toBe(1_500_000 + 1_050_000 + 1_200_000 + 603_000);
    expect(b.wonDeals).toBe(2);
    expect(b.acceptanceRate).toBeCloseTo(2 / 4);
    expect(batched.get(busy2.id)).toEqual({ ...b, certified: batched.get(busy2.id)!.certified });
    expect(batched.get(decliner.id)).toMatchObject({ acceptanceRate: 0, wonDeals: 0, revenueUsdMinor: 0 });
    expect(batched.get(euro.id)).toMatchObject({ revenueUsdMinor: 2_400_000 + 2_100_000, missingRates: ["AUD"] });
    expect(batched.get(empty.id)).toEqual({
      certified: {},
      certificationNames: {},
      revenueUsdMinor: 0,
      revenueOrders: 0,
      missingRates: [],
      wonDeals: 0,
      acceptanceRate: null,
    });

    // The parts are also the one-partner functions with one id.
    const people = await certifiedPeopleOf(db(), { partnerIds: ids, at: T });
    const revenues = await licenseRevenues(db(), { partnerIds: ids, at: T });
    for (const id of ids) {
      expect(people.get(id)).toEqual(await certifiedPeople(db(), { partnerId: id, at: T }));
      expect(revenues.get(id)).toEqual(await licenseRevenue(db(), { partnerId: id, at: T }));
    }
    expect(await partnerFiguresOf(db(), [], T)).toEqual(new Map());
  });
});

describe("reevaluatePartnerTiers", () => {
  /**
   * Twin partners with the same name, tier, standing and figures: one evaluated
   * in a batch, the other alone. Scenarios: an upgrade, a partner falling below
   * its tier (at risk, mailed what it needs), one whose grace period is over
   * (downgrade), one whose pin ended, one that stays, a suspended one (left alone).
   */
  async function scenario(d: Db, kind: string, name: string) {
    const tier = kind === "upgrade" || kind === "stays" ? "registered" : kind === "suspended" ? "gold" : "silver";
    const partner = await createPartner(d, { tier, name, status: kind === "suspended" ? "suspended" : "active" });
    await createUser(d, { role: "partner_admin", partnerId: partner.id });
    if (kind === "upgrade") {
      await certifiedPerson(d, partner.id, relay, ago(100), ago(-100), "Una Up");
      await paidOrder(d, { partnerId: partner.id, totalMinor: 2_500_000, paidAt: ago(30) });
      await wonDeal(d, partner.id, ago(20));
    }
    if (kind === "downgrade") {
      await d.insert(partnerTierStates).values({
        partnerId: partner.id,
        evaluatedTier: "registered",
        atRiskSince: ago(61),
        downgradeDueAt: ago(1),
        targetTier: "registered",
      });
    }
    if (kind === "pin-ended") {
      await d.insert(partnerTierStates).values({
        partnerId: partner.id,
        evaluatedTier: "registered",
        pinnedTier: "silver",
        pinReason: "Launch partner",
        pinnedUntil: ago(1),
        pinnedAt: ago(90),
      });
    }
    return partner;
  }

  const kinds = ["upgrade", "at-risk", "downgrade", "pin-ended", "stays", "suspended"];

  async function outcome(d: Db, partnerId: string) {
    const state = await stateOf(d, partnerId);
    const changes = await changesOf(d, partnerId);
    const audits = await d
      .select({ action: auditEvents.action, before: auditEvents.before, after: auditEvents.after })
      .from(auditEvents)
      .where(and(eq(auditEvents.partnerId, partnerId), like(auditEvents.action, "tier.%")))
      .orderBy(asc(auditEvents.action));
    const mails = await d
      .select({
        id: mailMessages.id,
        template: mailMessages.template,
        subject: mailMessages.subject,
        text: mailMessages.text,
        html: mailMessages.html,
        key: mailMessages.dedupeKey,
      })
      .from(mailMessages)
      .where(and(eq(mailMessages.partnerId, partnerId), like(mailMessages.template, "tier-%")))
      .orderBy(asc(mailMessages.template));
    const recipients = [];
    for (const m of mails) {
      recipients.push((await d.select().from(mailRecipients).where(eq(mailRecipients.mailId, m.id))).length);
    }
    return {
      tier: await tierOf(d, partnerId),
      // A partner left alone still gets its state row, stamped with its own transaction's time.
      state: state && { ...state, partnerId: undefined, updatedAt: state.lastEvaluatedAt ? state.updatedAt : "now()" },
      changes: changes.map((c) => ({ ...c, id: undefined, partnerId: undefined })),
      audits,
      mails: mails.map((m) => ({
        template: m.template,
        subject: m.subject,
        text: m.text,
        html: m.html !== null,
        key: m.key.replace(/:.*/, ""),
      })),
      recipients,
      keys: mails.map((m) => m.key),
      changeIds: changes.map((c) => c.id),
    };
  }

  it("leaves every partner as reevaluatePartnerTier does one by one", async () => {
    const batch: string[] = [];
    const alone: string[] = [];
    for (const kind of kinds) {
      const name = `Twin ${kind} ${unique("t")}`;
      batch.push((await scenario(db(), kind, name)).id);
      alone.push((await scenario(db(), kind, name)).id);
    }
    const results = await db().transaction((tx) =>
      reevaluatePartnerTiers(tx, { partnerIds: batch, at: T, reason: "daily" }),
    );
    for (const id of alone) {
      await db().transaction((tx) => reevaluatePartnerTier(tx, { partnerId: id, at: T, reason: "daily" }));
    }
    // Suspended partners are left out of the result, as reevaluatePartnerTier returns null for them.
    expect([...results.keys()].sort()).toEqual(batch.slice(0, -1).sort());

    const kindsSeen: string[] = [];
    for (const [i, kind] of kinds.entries()) {
      const a = await outcome(db(), batch[i]!);
      const b = await outcome(db(), alone[i]!);
      const { keys: aKeys, changeIds: aIds, ...aRest } = a;
      const { keys: bKeys, changeIds: bIds, ...bRest } = b;
      expect(aRest, kind).toEqual(bRest);
      // Each mail's dedupe key names its own change row.
      expect(aKeys.map((k) => k.replace(/^[^:]*:/, "")).sort()).toEqual([...aIds].sort());
      expect(bKeys.map((k) => k.replace(/^[^:]*:/, "")).sort()).toEqual([...bIds].sort());
      kindsSeen.push(...a.changes.map((c) => c.kind));
    }
    // The scenarios cover the kinds of change (so the comparison above compares something).
    expect(kindsSeen.sort()).toEqual(["at_risk", "downgrade", "pin_ended", "upgrade", "at_risk"].sort());
  });
});

describe("enqueueRenderedMails", () => {
  it("stores each mail as enqueueMail stores it, skipping keys already queued", async () => {
    const partner = await createPartner(db(), {});
    const data = {
      partnerName: "Twin Mail",
      headline: "Your programme tier is now Gold (was Silver)",
      message: "Your figures meet the requirements of the new tier; its benefits apply from today.",
      dashboardUrl: "http://portal.test/",
    };
    const to = [
      { address: "a@twin.test", name: "Ann" },
      { address: "b@twin.test", name: "Bob" },
    ];
    const one = unique("one");
    const many = unique("many");
    await db().transaction((tx) =>
      enqueueMail(tx, { to, template: "tier-changed", data, dedupeKey: one, partnerId: partner.id }),
    );
    const queued = await db().transaction((tx) =>
      enqueueRenderedMails(tx, [
        { to, template: "tier-changed", data, dedupeKey: many, partnerId: partner.id },
        { to, template: "tier-changed", data, dedupeKey: one, partnerId: partner.id },
      ]),
    );
    expect(queued).toBe(1);
    const stored = async (key: string) => {
      const [m] = await db().select().from(mailMessages).where(eq(mailMessages.dedupeKey, key));
      const r = await db()
        .select({ address: mailRecipients.address, name: mailRecipients.name })
        .from(mailRecipients)
        .where(eq(mailRecipients.mailId, m!.id))
        .orderBy(asc(mailRecipients.address));
      const { id, messageId, dedupeKey, createdAt, queuedAt, nextAttemptAt, ...rest } = m!;
      expect([id, messageId, dedupeKey, createdAt, queuedAt, nextAttemptAt].every((x) => x !== null)).toBe(true);
      return { ...rest, recipients: r };
    };
    const a = await stored(one);
    expect(a.text).toContain("Your programme tier is now Gold");
    expect(await stored(many)).toEqual(a);
    expect(await db().select().from(mailMessages).where(eq(mailMessages.dedupeKey, one))).toHaveLength(1);
  });
});
