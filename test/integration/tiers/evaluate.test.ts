/**
 * Tier evaluation against PostgreSQL with a controlled clock: a certification
 * expiring puts a partner at risk (mail says what is needed and by when) and
 * the daily job downgrades it once the grace period is over; a won deal, a
 * new certification or paid license revenue upgrades at once; figures count
 * named people, the trailing 12 months and exchange rates on the paid day.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { markDealWon } from "~/modules/deals/lifecycle.server";
import { evaluateAllTiers, partnerFigures, reevaluatePartnerTier } from "~/modules/tiers/evaluate.server";
import { runCertificationExpiry } from "~/modules/training/expiry.server";
import { completeModuleInTx } from "~/modules/training/learning.server";
import { actorFor, ctxFor, setupTestDb } from "../../support/factories";
import { insertDeal } from "../deals/deal-fixtures";
import { enroll } from "../training/certification-fixtures";
import {
  DAY,
  certifiedPerson,
  changesOf,
  exchangeRate,
  paidOrder,
  stateOf,
  tierAudits,
  tierMails,
  tierOf,
  tierPartner,
  wonDeal,
  tierWorld,
  type TestCourse,
} from "./tier-fixtures";

const db = setupTestDb();
let relay: TestCourse;
let tls: TestCourse;

beforeAll(async () => {
  ({ relay, tls } = await tierWorld(db()));
});

const at = (iso: string) => new Date(iso);
const reevaluate = (partnerId: string, when: Date, reason = "test") =>
  db().transaction((tx) => reevaluatePartnerTier(tx, { partnerId, at: when, reason }));

/** A partner meeting Silver exactly at T: one relay engineer (until `certUntil`), $25,000 revenue, one won deal. */
async function silverPartner(T: Date, certUntil: Date) {
  const p = await tierPartner(db(), "silver");
  const engineer = await certifiedPerson(
    db(),
    p.partner.id,
    relay,
    new Date(T.getTime() - 100 * DAY),
    certUntil,
    "Rita Relay",
  );
  await paidOrder(db(), { partnerId: p.partner.id, totalMinor: 2_500_000, paidAt: new Date(T.getTime() - 30 * DAY) });
  await wonDeal(db(), p.partner.id, new Date(T.getTime() - 20 * DAY));
  return { ...p, engineer };
}

describe("a certification expiring", () => {
  it("puts the partner at risk at once, then the daily job downgrades it after the 60-day grace period", async () => {
    const T = at("2031-03-01T09:00:00Z");
    const expiresAt = new Date(T.getTime() + 10 * DAY);
    const { partner, admin } = await silverPartner(T, expiresAt);

    const first = await reevaluate(partner.id, T);
    expect(first!.qualifying).toBe("silver");
    expect(first!.changes).toEqual([]);

    // The expiry job marks it expired an hour after its time; the partner's tier is re-evaluated in that transaction.
    const expiryRun = new Date(expiresAt.getTime() + 3_600_000);
    await runCertificationExpiry(db(), expiryRun);
    const due = new Date(expiryRun.getTime() + 60 * DAY);
    expect(await tierOf(db(), partner.id)).toBe("silver");
    expect(await stateOf(db(), partner.id)).toMatchObject({
      evaluatedTier: "registered",
      atRiskSince: expiryRun,
      downgradeDueAt: due,
      targetTier: "registered",
    });
    const mails = await tierMails(db(), partner.id);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ template: "tier-at-risk", to: [admin.email] });
    expect(mails[0]!.subject).toContain("Silver tier is at risk until");
    expect(mails[0]!.text).toContain("Relay Engineer: 0 of 1 certified");
    expect(mails[0]!.text).toContain("your tier becomes Registered");

    // The day before the due date nothing changes; running twice queues nothing twice.
    await evaluateAllTiers(db(), new Date(due.getTime() - DAY));
    await evaluateAllTiers(db(), new Date(due.getTime() - DAY));
    expect(await tierOf(db(), partner.id)).toBe("silver");
    expect(await tierMails(db(), partner.id)).toHaveLength(1);

    await evaluateAllTiers(db(), due);
    expect(await tierOf(db(), partner.id)).toBe("registered");
    expect(await stateOf(db(), partner.id)).toMatchObject({ atRiskSince: null, downgradeDueAt: null });
    expect((await changesOf(db(), partner.id)).map((c) => [c.kind, c.fromTier, c.toTier, c.reason])).toEqual([
      ["at_risk", "silver", "registered", "certification-expired"],
      ["downgrade", "silver", "registered", "daily"],
    ]);
    expect((await tierAudits(db(), partner.id)).map((a) => [a.action, a.actorLabel])).toEqual([
      ["tier.at_risk", "tier-evaluation"],
      ["tier.downgrade", "tier-evaluation"],
    ]);
    const after = await tierMails(db(), partner.id);
    expect(after.map((m) => m.template)).toEqual(["tier-at-risk", "tier-changed"]);
    expect(after[1]!.subject).toContain("now Registered (was Silver)");

    // Evaluating again at the same moment changes nothing more.
    await evaluateAllTiers(db(), due);
    expect(await changesOf(db(), partner.id)).toHaveLength(2);
  });

  it("recovers when someone certifies during the grace period", async () => {
    const T = at("2032-03-01T09:00:00Z");
    const { partner } = await silverPartner(T, new Date(T.getTime() + 5 * DAY));
    await reevaluate(partner.id, T);
    await reevaluate(partner.id, new Date(T.getTime() + 6 * DAY));
    expect((await stateOf(db(), partner.id))!.atRiskSince).not.toBeNull();
    await certifiedPerson(db(), partner.id, relay, new Date(T.getTime() + 7 * DAY), new Date(T.getTime() + 700 * DAY));
    await reevaluate(partner.id, new Date(T.getTime() + 8 * DAY));
    expect(await tierOf(db(), partner.id)).toBe("silver");
    expect((await stateOf(db(), partner.id))!.atRiskSince).toBeNull();
    expect((await changesOf(db(), partner.id)).map((c) => c.kind)).toEqual(["at_risk", "recovered"]);
  });
});

describe("upgrades apply at once", () => {
  it("a deal marked won lifts a registered partner to Silver in the same transaction", async () => {
    const T = at("2033-03-01T09:00:00Z");
    const { partner, admin } = await tierPartner(db(), "registered");
    await certifiedPerson(db(), partner.id, relay, new Date(T.getTime() - 10 * DAY), new Date(T.getTime() + 300 * DAY));
    await paidOrder(db(), { partnerId: partner.id, totalMinor: 3_000_000, paidAt: new Date(T.getTime() - 5 * DAY) });
    const deal = await insertDeal(db(), {
      partnerId: partner.id,
      status: "approved",
      protectedUntil: new Date(T.getTime() + 30 * DAY),
    });
    expect((await reevaluate(partner.id, T))!.qualifying).toBe("registered");

    await markDealWon(ctxFor(db(), admin, T), deal.id, { finalValue: "25000.00" });
    expect(await tierOf(db(), partner.id)).toBe("silver");
    const changes = await changesOf(db(), partner.id);
    expect(changes.map((c) => [c.kind, c.fromTier, c.toTier, c.reason])).toEqual([
      ["upgrade", "registered", "silver", "deal-won"],
    ]);
    const mails = await tierMails(db(), partner.id);
    expect(mails.map((m) => [m.template, m.key, m.to])).toEqual([
      ["tier-changed", `tier-change:${changes[0]!.id}`, [admin.email]],
    ]);
  });

  it("a certification earned lifts the partner at once", async () => {
    const T = at("2033-06-01T09:00:00Z");
    const { partner, admin } = await tierPartner(db(), "silver");
    await certifiedPerson(db(), partner.id, relay, new Date(T.getTime() - 10 * DAY), new Date(T.getTime() + 300 * DAY));
    await certifiedPerson(db(), partner.id, tls, new Date(T.getTime() - 10 * DAY), new Date(T.getTime() + 300 * DAY));
    await paidOrder(db(), { partnerId: partner.id, totalMinor: 12_000_000, paidAt: new Date(T.getTime() - 5 * DAY) });
    await wonDeal(db(), partner.id, new Date(T.getTime() - 3 * DAY));
    await wonDeal(db(), partner.id, new Date(T.getTime() - 2 * DAY));
    expect((await reevaluate(partner.id, T))!.qualifying).toBe("silver");

    // A second relay engineer completes the course's last module.
    const enrollment = await enroll(db(), { partnerId: partner.id, userId: admin.id, course: relay, completed: 2 });
    await db().transaction((tx) =>
      completeModuleInTx(tx, enrollment, relay.modules[2]!.id, new Date(T.getTime() + DAY), actorFor(admin)),
    );
    expect(await tierOf(db(), partner.id)).toBe("gold");
    expect((await changesOf(db(), partner.id)).map((c) => [c.kind, c.reason])).toEqual([
      ["upgrade", "certification-granted"],
    ]);
  });

  it("paid license revenue lifts the partner when re-evaluated (what licensing's hook will call on payment)", async () => {
    const T = at("2034-03-01T09:00:00Z");
    const { partner } = await tierPartner(db(), "registered");
    await certifiedPerson(db(), partner.id, relay, new Date(T.getTime() - 10 * DAY), new Date(T.getTime() + 300 * DAY));
    await wonDeal(db(), partner.id, new Date(T.getTime() - 3 * DAY));
    await exchangeRate(db(), "EUR", 1.25, "2034-01-01");
    // €10,000 refunded and $50,000 paid 13 months ago do not count.
    await paidOrder(db(), {
      partnerId: partner.id,
      totalMinor: 1_000_000,
      currency: "EUR",
      status: "refunded",
      paidAt: new Date(T.getTime() - DAY),
    });
    await paidOrder(db(), { partnerId: partner.id, totalMinor: 5_000_000, paidAt: new Date(T.getTime() - 395 * DAY) });
    expect((await reevaluate(partner.id, T))!.qualifying).toBe("registered");

    // €16,000 paid at 1.25 $/€ is $20,000: exactly Silver's minimum.
    await paidOrder(db(), {
      partnerId: partner.id,
      totalMinor: 1_600_000,
      currency: "EUR",
      status: "fulfilled",
      paidAt: T,
    });
    const r = await reevaluate(partner.id, T, "license-order-paid");
    expect(r!.figures.revenueUsdMinor).toBe(2_000_000);
    expect(await tierOf(db(), partner.id)).toBe("silver");
  });
});

describe("figures", () => {
  it("count certified people by name, leave out expired ones and other partners' people", async () => {
    const T = at("2035-03-01T09:00:00Z");
    const { partner } = await tierPartner(db(), "registered");
    const other = await tierPartner(db(), "registered");
    await certifiedPerson(
      db(),
      partner.id,
      relay,
      new Date(T.getTime() - 10 * DAY),
      new Date(T.getTime() + 30 * DAY),
      "Bea Bright",
    );
    await certifiedPerson(
      db(),
      partner.id,
      relay,
      new Date(T.getTime() - 400 * DAY),
      new Date(T.getTime() - DAY),
      "Old Timer",
    );
    await certifiedPerson(
      db(),
      other.partner.id,
      relay,
      new Date(T.getTime() - 10 * DAY),
      new Date(T.getTime() + 30 * DAY),
    );
    const f = await partnerFigures(db(), partner.id, T);
    expect(f.certified[relay.key]!.map((p) => p.name)).toEqual(["Bea Bright"]);
    expect(f.certificationNames[relay.key]).toBe("Relay Engineer");
    expect(f).toMatchObject({ revenueUsdMinor: 0, wonDeals: 0, acceptanceRate: null });
  });
});
