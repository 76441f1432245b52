/**
 * The vendor admin's tier programme against PostgreSQL: the what-if preview
 * of a draft matches what publishing it then does; bad input is a field error
 * and changes nothing; a pinned tier holds until its end date, then the rules
 * apply (with a grace period); only vendor admins may do any of it.
 */
import { count, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { partners, tierRules } from "~db/schema";
import { evaluateAllTiers } from "~/modules/tiers/evaluate.server";
import {
  pinPartnerTier,
  previewRules,
  publishRules,
  tiersPageData,
  unpinPartnerTier,
} from "~/modules/tiers/admin.server";
import { formValuesOf } from "~/modules/tiers/schemas";
import { ForbiddenError, ValidationError } from "~/utils/errors.server";
import { createUser, ctxFor, rejection, setupTestDb, type TestUser } from "../../support/factories";
import {
  DAY,
  certifiedPerson,
  changesOf,
  paidOrder,
  stateOf,
  testRules,
  tierAudits,
  tierIn,
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
let admin: TestUser;
let manager: TestUser;
const T = new Date("2031-05-04T10:00:00Z");

beforeAll(async () => {
  ({ relay, tls } = await tierWorld(db()));
  admin = await createUser(db(), { role: "vendor_admin" });
  manager = await createUser(db(), { role: "channel_manager" });
});

/** Gold figures: 2 relay + 1 tls engineers, $120,000, 2 won deals; `relayEngineers` relay people. */
async function goldPartner(relayEngineers = 2) {
  const p = await tierPartner(db(), "gold");
  for (let i = 0; i < relayEngineers; i++) {
    await certifiedPerson(
      db(),
      p.partner.id,
      relay,
      new Date(T.getTime() - 50 * DAY),
      new Date(T.getTime() + 400 * DAY),
    );
  }
  await certifiedPerson(db(), p.partner.id, tls, new Date(T.getTime() - 50 * DAY), new Date(T.getTime() + 400 * DAY));
  await paidOrder(db(), { partnerId: p.partner.id, totalMinor: 12_000_000, paidAt: new Date(T.getTime() - 10 * DAY) });
  await wonDeal(db(), p.partner.id, new Date(T.getTime() - 9 * DAY));
  await wonDeal(db(), p.partner.id, new Date(T.getTime() - 8 * DAY));
  return p;
}

const formFor = (rules: ReturnType<typeof testRules>, effectiveDate: string, note = "Raise Gold") => ({
  ...formValuesOf(rules),
  effectiveDate,
  note,
});

describe("what-if and publishing", () => {
  it("previews which partners would move and publishing does exactly that", async () => {
    const threeRelay = await goldPartner(3);
    const twoRelay = await goldPartner(2);
    const silverWithTwo = await goldPartner(2);
    await db().update(partners).set({ tier: "silver" }).where(eq(partners.id, silverWithTwo.partner.id));
    await evaluateAllTiers(db(), T); // the silver one with Gold figures is upgraded at once
    expect(await tierOf(db(), silverWithTwo.partner.id)).toBe("gold");

    // "Raise Gold to 3 certified relay engineers."
    const draft = testRules(relay.key, tls.key);
    tierIn(draft, "gold").requirements.certifications = [
      { courseKey: relay.key, min: 3 },
      { courseKey: tls.key, min: 1 },
    ];
    const form = formFor(draft, "2031-05-04");
    const preview = await previewRules(ctxFor(db(), admin, T), form);
    const mine = (id: string) => preview.find((r) => r.partnerId === id)!;
    expect(mine(threeRelay.partner.id)).toMatchObject({ movement: "unchanged", after: "gold", qualifying: "gold" });
    expect(mine(twoRelay.partner.id)).toMatchObject({
      movement: "at_risk",
      after: "gold",
      qualifying: "silver",
      downgradeDueAt: new Date(T.getTime() + 60 * DAY),
    });
    // Nothing was written by the preview.
    expect((await stateOf(db(), twoRelay.partner.id))!.atRiskSince).toBeNull();
    expect((await db().select({ n: count() }).from(tierRules))[0]!.n).toBe(2);

    const published = await publishRules(ctxFor(db(), admin, T), form);
    expect(published.version).toBe(101);
    for (const row of preview) {
      expect({ id: row.partnerId, tier: await tierOf(db(), row.partnerId) }).toEqual({
        id: row.partnerId,
        tier: row.after,
      });
      const state = await stateOf(db(), row.partnerId);
      expect(state!.evaluatedTier).toBe(row.qualifying);
      expect(state!.downgradeDueAt).toEqual(row.downgradeDueAt);
    }
    expect((await changesOf(db(), twoRelay.partner.id)).map((c) => [c.kind, c.reason])).toEqual([
      ["at_risk", "rules-v101"],
    ]);
    expect((await tierMails(db(), twoRelay.partner.id)).map((m) => m.template)).toEqual(["tier-at-risk"]);
    const page = await tiersPageData(ctxFor(db(), admin, T));
    expect(page.inForce.version).toBe(101);
    expect(page.versions[0]).toMatchObject({ version: 101, note: "Raise Gold", publishedBy: admin.name });
  });

  it("refuses bad input field by field and changes nothing", async () => {
    const versions = async () => (await db().select({ n: count() }).from(tierRules))[0]!.n;
    const before = await versions();
    const form = {
      ...formFor(testRules(relay.key, tls.key), "2031-05-01"),
      goldWonDeals: "-2",
      silverCertifications: "relay two",
    };
    const err = await rejection(publishRules(ctxFor(db(), admin, T), form));
    expect(err).toBeInstanceOf(ValidationError);
    expect(Object.keys((err as ValidationError).fields!).sort()).toEqual(["goldWonDeals", "silverCertifications"]);
    const past = await rejection(
      publishRules(ctxFor(db(), admin, T), formFor(testRules(relay.key, tls.key), "2031-05-01")),
    );
    expect((past as ValidationError).fields).toEqual({ effectiveDate: ["The rules take effect today or later."] });
    expect(await versions()).toBe(before);
  });

  it("is for vendor admins only", async () => {
    const form = formFor(testRules(relay.key, tls.key), "2031-06-01");
    const partnerAdmin = (await tierPartner(db(), "silver")).admin;
    for (const who of [manager, partnerAdmin]) {
      expect(await rejection(previewRules(ctxFor(db(), who, T), form))).toBeInstanceOf(ForbiddenError);
      expect(await rejection(publishRules(ctxFor(db(), who, T), form))).toBeInstanceOf(ForbiddenError);
      expect(await rejection(tiersPageData(ctxFor(db(), who, T)))).toBeInstanceOf(ForbiddenError);
    }
  });
});

describe("pinning", () => {
  it("holds the pinned tier until its end date, then the rules apply with a grace period", async () => {
    const { partner, admin: partnerAdmin } = await tierPartner(db(), "registered");
    await pinPartnerTier(ctxFor(db(), admin, T), {
      partnerId: partner.id,
      tier: "gold",
      reason: "Strategic launch partner",
      until: "2031-06-30",
    });
    expect(await tierOf(db(), partner.id)).toBe("gold");
    const end = new Date("2031-07-01T00:00:00Z");
    expect(await stateOf(db(), partner.id)).toMatchObject({
      pinnedTier: "gold",
      pinnedUntil: end,
      pinReason: "Strategic launch partner",
    });

    await evaluateAllTiers(db(), new Date(end.getTime() - 3_600_000));
    expect(await tierOf(db(), partner.id)).toBe("gold");
    expect((await stateOf(db(), partner.id))!.atRiskSince).toBeNull();

    await evaluateAllTiers(db(), end);
    expect(await tierOf(db(), partner.id)).toBe("gold");
    expect(await stateOf(db(), partner.id)).toMatchObject({
      pinnedTier: null,
      atRiskSince: end,
      targetTier: "registered",
    });
    await evaluateAllTiers(db(), new Date(end.getTime() + 60 * DAY));
    expect(await tierOf(db(), partner.id)).toBe("registered");

    expect((await changesOf(db(), partner.id)).map((c) => [c.kind, c.fromTier, c.toTier])).toEqual([
      ["upgrade", "registered", "gold"],
      ["at_risk", "gold", "registered"],
      ["pin_ended", "gold", "gold"],
      ["downgrade", "gold", "registered"],
    ]);
    const audits = (await tierAudits(db(), partner.id)).map((a) => [a.action, a.actorLabel]);
    expect(audits[0]).toEqual(["tier.pinned", admin.email]);
    expect(audits[1]).toEqual(["tier.upgrade", admin.email]);
    expect((await tierMails(db(), partner.id)).every((m) => m.to.includes(partnerAdmin.email))).toBe(true);
    const [pinMail] = await tierMails(db(), partner.id);
    expect(pinMail!.subject).toContain("now Gold (was Registered)");
    expect(pinMail!.text).toContain("The vendor set your tier to Gold until 30 June 2031: Strategic launch partner");
  });

  it("refuses a pin ending today or a missing reason, and can be ended early", async () => {
    const { partner } = await tierPartner(db(), "silver");
    const bad = await rejection(
      pinPartnerTier(ctxFor(db(), admin, T), { partnerId: partner.id, tier: "gold", reason: "", until: "2031-05-04" }),
    );
    expect(Object.keys((bad as ValidationError).fields!).sort()).toEqual(["reason"]);
    const today = await rejection(
      pinPartnerTier(ctxFor(db(), admin, T), {
        partnerId: partner.id,
        tier: "gold",
        reason: "Launch",
        until: "2031-05-04",
      }),
    );
    expect((today as ValidationError).fields).toEqual({ until: ["The pin must end after today."] });
    expect(await tierOf(db(), partner.id)).toBe("silver");

    await pinPartnerTier(ctxFor(db(), admin, T), {
      partnerId: partner.id,
      tier: "gold",
      reason: "Launch",
      until: "2031-12-31",
    });
    await unpinPartnerTier(ctxFor(db(), admin, new Date(T.getTime() + DAY)), { partnerId: partner.id });
    const state = await stateOf(db(), partner.id);
    expect(state).toMatchObject({ pinnedTier: null, targetTier: "registered" });
    expect(await tierOf(db(), partner.id)).toBe("gold"); // at risk, downgrade after the grace period
  });
});
