/**
 * A deal's life after review against PostgreSQL: stage updates, won and
 * lost, protection extensions (one pending at a time, granted or denied),
 * the protection expiry job (warnings once per stage, expiry once even with
 * two workers), the detail page's data, and isolation: another partner's
 * deal is NotFoundError on every function, vendor-only decisions are
 * ForbiddenError for partner people.
 */
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { dealEvents, dealExtensions, deals, mailOptOuts } from "~db/schema";
import { getDealDetail } from "~/modules/deals/detail.server";
import {
  PROTECTION_JOB_ACTOR,
  expireDeals,
  runDealProtectionExpiry,
  sendProtectionWarnings,
  warningKey,
} from "~/modules/deals/expiry.server";
import {
  appealRejection,
  denyExtension,
  grantExtension,
  markDealLost,
  markDealWon,
  requestExtension,
  resubmitDeal,
  updateDealStage,
} from "~/modules/deals/lifecycle.server";
import { approveDeal } from "~/modules/deals/review.server";
import { ConflictError, ForbiddenError, NotFoundError, RuleError, ValidationError } from "~/utils/errors.server";
import { ctxFor, rejection, setupTestDb, type TestUser } from "../../support/factories";
import {
  DAY,
  auditsOf,
  dealRow,
  eventsOf,
  insertDeal,
  mailsOf,
  match,
  partnerWithPeople,
  vendorStaff,
} from "./deal-fixtures";

const db = setupTestDb();

let manager: TestUser;
let vendorAdmin: TestUser;
beforeAll(async () => {
  ({ manager, admin: vendorAdmin } = await vendorStaff(db()));
});

const APPROVED_AT = new Date("2030-01-10T10:00:00Z");
const UNTIL = new Date(APPROVED_AT.getTime() + 90 * DAY);

/** A partner with an approved deal, protected from APPROVED_AT for 90 days. */
async function approvedDeal(over: Parameters<typeof insertDeal>[1] extends infer O ? Partial<O> : never = {}) {
  const people = await partnerWithPeople(db());
  const deal = await insertDeal(db(), {
    partnerId: people.partner.id,
    registeredBy: people.seller.id,
    status: "approved",
    decidedAt: APPROVED_AT,
    decidedBy: manager.id,
    protectedUntil: UNTIL,
    createdAt: new Date(APPROVED_AT.getTime() - 2 * DAY),
    ...over,
  });
  return { ...people, deal };
}

const resubmission = {
  contactName: "Erika Mustermann",
  contactTitle: "CIO",
  contactEmail: "erika@example.com",
  value: "30000.50",
  currency: "EUR",
  expectedCloseDate: "2031-03-31",
  stage: "proposal",
  comment: "Added the CIO as the contact.",
};

describe("stage, won and lost", () => {
  it("updates the stage of an open deal with history and audit, and not of a closed one", async () => {
    const { deal, seller } = await approvedDeal();
    expect(await updateDealStage(ctxFor(db(), seller), deal.id, { stage: "negotiation" })).toMatchObject({
      changed: true,
    });
    expect((await dealRow(db(), deal.id)).stage).toBe("negotiation");
    expect(await eventsOf(db(), deal.id)).toMatchObject([
      { kind: "stage_changed", note: "Qualification → Negotiation", actorLabel: seller.email },
    ]);
    expect(await auditsOf(db(), deal.id, "deal.stage_changed")).toMatchObject([
      { before: { stage: "qualification" }, after: { stage: "negotiation" } },
    ]);
    expect(await updateDealStage(ctxFor(db(), seller), deal.id, { stage: "negotiation" })).toMatchObject({
      changed: false,
    });
    expect(await eventsOf(db(), deal.id)).toHaveLength(1);
    const bad = await rejection(updateDealStage(ctxFor(db(), seller), deal.id, { stage: "closing" }));
    expect((bad as ValidationError).fields).toHaveProperty("stage");

    await db().update(deals).set({ status: "lost" }).where(eq(deals.id, deal.id));
    expect(await rejection(updateDealStage(ctxFor(db(), seller), deal.id, { stage: "commit" }))).toBeInstanceOf(
      RuleError,
    );
  });

  it("marks an approved deal won with its final value; JPY takes whole yen; only from approved", async () => {
    const { deal, seller, admin } = await approvedDeal({ currency: "JPY", valueMinor: 1_500_000 });
    const now = new Date("2030-02-01T10:00:00Z");
    const decimals = await rejection(markDealWon(ctxFor(db(), seller, now), deal.id, { finalValue: "1500.50" }));
    expect((decimals as ValidationError).fields).toHaveProperty("finalValue");
    const zero = await rejection(markDealWon(ctxFor(db(), seller, now), deal.id, { finalValue: "0" }));
    expect((zero as ValidationError).fields).toHaveProperty("finalValue");
    const empty = await rejection(markDealWon(ctxFor(db(), seller, now), deal.id, { finalValue: "" }));
    expect((empty as ValidationError).fields).toHaveProperty("finalValue");
    expect((await dealRow(db(), deal.id)).status).toBe("approved");

    await markDealWon(ctxFor(db(), seller, now), deal.id, { finalValue: "1480000" });
    expect(await dealRow(db(), deal.id)).toMatchObject({ status: "won", finalValueMinor: 1_480_000, closedAt: now });
    expect(await eventsOf(db(), deal.id)).toMatchObject([{ kind: "won", note: "Final value ¥1,480,000." }]);
    expect(await auditsOf(db(), deal.id, "deal.won")).toHaveLength(1);
    const mails = await mailsOf(db(), deal.id);
    expect(mails.map((m) => m.template).sort()).toEqual(["deal-review", "deal-update"]);
    expect(mails.find((m) => m.template === "deal-update")!.to).toEqual([admin.email, seller.email].sort());
    expect(mails.find((m) => m.template === "deal-review")!.to).toContain(manager.email);

    expect(await rejection(markDealWon(ctxFor(db(), seller), deal.id, { finalValue: "1000" }))).toBeInstanceOf(
      RuleError,
    );
    const pending = await insertDeal(db(), { partnerId: deal.partnerId });
    expect(await rejection(markDealWon(ctxFor(db(), seller), pending.id, { finalValue: "10.00" }))).toBeInstanceOf(
      RuleError,
    );
  });

  it("marks a deal lost with a reason from waiting, changes requested or approved", async () => {
    const { partner, seller } = await partnerWithPeople(db());
    for (const status of ["pending_review", "changes_requested", "approved"] as const) {
      const deal = await insertDeal(db(), {
        partnerId: partner.id,
        status,
        protectedUntil: status === "approved" ? UNTIL : null,
      });
      const noReason = await rejection(markDealLost(ctxFor(db(), seller), deal.id, { reason: " " }));
      expect((noReason as ValidationError).fields).toHaveProperty("reason");
      await markDealLost(ctxFor(db(), seller), deal.id, { reason: "The customer chose a competitor." });
      expect(await dealRow(db(), deal.id)).toMatchObject({
        status: "lost",
        lostReason: "The customer chose a competitor.",
      });
      expect((await dealRow(db(), deal.id)).closedAt).not.toBeNull();
      expect(await eventsOf(db(), deal.id)).toMatchObject([{ kind: "lost" }]);
      expect(await auditsOf(db(), deal.id, "deal.lost")).toHaveLength(1);
      expect((await mailsOf(db(), deal.id)).length).toBe(2);
    }
    for (const status of ["rejected", "won", "expired", "lost"] as const) {
      const deal = await insertDeal(db(), { partnerId: partner.id, status });
      expect(await rejection(markDealLost(ctxFor(db(), seller), deal.id, { reason: "x" }))).toBeInstanceOf(RuleError);
    }
  });

  it("edits and resubmits a registration after a request for changes", async () => {
    const { partner, seller } = await partnerWithPeople(db());
    const deal = await insertDeal(db(), {
      partnerId: partner.id,
      status: "changes_requested",
      decisionNote: "Who is the contact?",
    });
    const now = new Date("2030-04-01T10:00:00Z");
    const past = await rejection(
      resubmitDeal(ctxFor(db(), seller, now), deal.id, { ...resubmission, expectedCloseDate: "2030-03-01" }),
    );
    expect((past as ValidationError).fields).toHaveProperty("expectedCloseDate");
    const yen = await rejection(
      resubmitDeal(ctxFor(db(), seller, now), deal.id, { ...resubmission, currency: "JPY", value: "1500.50" }),
    );
    expect((yen as ValidationError).fields).toHaveProperty("value");

    const result = await resubmitDeal(ctxFor(db(), seller, now), deal.id, resubmission);
    expect(result.changed.sort()).toEqual(
      ["contactEmail", "contactTitle", "expectedCloseDate", "stage", "valueMinor"].sort(),
    );
    expect(await dealRow(db(), deal.id)).toMatchObject({
      status: "pending_review",
      contactTitle: "CIO",
      valueMinor: 3_000_050,
      stage: "proposal",
    });
    const [event] = await eventsOf(db(), deal.id);
    expect(event).toMatchObject({ kind: "resubmitted" });
    expect(event!.note).toContain("Added the CIO as the contact.");
    const [mail] = await mailsOf(db(), deal.id);
    expect(mail).toMatchObject({ template: "deal-review" });
    expect(mail!.text).toContain("Who is the contact?");
    expect(await auditsOf(db(), deal.id, "deal.resubmitted")).toHaveLength(1);
    expect(await rejection(resubmitDeal(ctxFor(db(), seller, now), deal.id, resubmission))).toBeInstanceOf(RuleError);
  });
});

describe("extensions", () => {
  it("one request waits at a time; granting extends the protection by the requested days", async () => {
    const { deal, seller, admin } = await approvedDeal();
    const tooShort = await rejection(requestExtension(ctxFor(db(), seller), deal.id, { reason: "x", days: 6 }));
    expect((tooShort as ValidationError).fields).toHaveProperty("days");
    const tooLong = await rejection(requestExtension(ctxFor(db(), seller), deal.id, { reason: "x", days: 91 }));
    expect((tooLong as ValidationError).fields).toHaveProperty("days");
    const noReason = await rejection(requestExtension(ctxFor(db(), seller), deal.id, { reason: "", days: 30 }));
    expect((noReason as ValidationError).fields).toHaveProperty("reason");

    const ext = await requestExtension(ctxFor(db(), seller), deal.id, {
      reason: "Procurement moved to next quarter.",
      days: 30,
    });
    const second = await rejection(requestExtension(ctxFor(db(), admin), deal.id, { reason: "Again", days: 7 }));
    expect(second).toBeInstanceOf(ConflictError);
    const both = await Promise.allSettled([
      requestExtension(ctxFor(db(), seller), deal.id, { reason: "a", days: 10 }),
      requestExtension(ctxFor(db(), admin), deal.id, { reason: "b", days: 10 }),
    ]);
    expect(both.every((r) => r.status === "rejected")).toBe(true);
    const review = (await mailsOf(db(), deal.id)).find((m) => m.template === "deal-review")!;
    expect(review.subject).toContain("Extension requested (30 days)");
    expect(review.text).toContain("Procurement moved to next quarter.");
    expect(await auditsOf(db(), deal.id, "deal.extension_requested")).toHaveLength(1);

    // Partner people cannot decide; the channel team can, once.
    expect(await rejection(grantExtension(ctxFor(db(), admin), ext.id))).toBeInstanceOf(ForbiddenError);
    const now = new Date("2030-03-20T10:00:00Z");
    const granted = await grantExtension(ctxFor(db(), manager, now), ext.id, { note: "" });
    const extended = new Date(UNTIL.getTime() + 30 * DAY);
    expect(granted.protectedUntil).toEqual(extended);
    expect((await dealRow(db(), deal.id)).protectedUntil).toEqual(extended);
    const [row] = await db().select().from(dealExtensions).where(eq(dealExtensions.id, ext.id));
    expect(row).toMatchObject({ status: "granted", decidedBy: manager.id, decidedAt: now });
    const update = (await mailsOf(db(), deal.id)).find((m) => m.template === "deal-update")!;
    expect(update.subject).toContain("protection extended");
    expect(update.text).toContain(`protected until ${extended.toISOString().slice(0, 10)}`);
    expect(await auditsOf(db(), deal.id, "deal.extension_granted")).toMatchObject([
      { before: { protectedUntil: UNTIL.toISOString() }, after: { protectedUntil: extended.toISOString() } },
    ]);
    expect(await rejection(denyExtension(ctxFor(db(), vendorAdmin), ext.id, { note: "No" }))).toBeInstanceOf(
      ConflictError,
    );

    // A new request may follow once the first was decided.
    await expect(
      requestExtension(ctxFor(db(), seller), deal.id, { reason: "Board meets late.", days: 14 }),
    ).resolves.toBeTruthy();
  });

  it("denies with a note the partner receives; two reviewers at once decide once", async () => {
    const { deal, seller } = await approvedDeal();
    const ext = await requestExtension(ctxFor(db(), seller), deal.id, { reason: "Budget freeze.", days: 60 });
    const noNote = await rejection(denyExtension(ctxFor(db(), manager), ext.id, { note: "" }));
    expect((noNote as ValidationError).fields).toHaveProperty("note");
    await denyExtension(ctxFor(db(), manager), ext.id, { note: "Register again when the budget is back." });
    const [row] = await db().select().from(dealExtensions).where(eq(dealExtensions.id, ext.id));
    expect(row).toMatchObject({ status: "denied", decidedBy: manager.id });
    expect((await dealRow(db(), deal.id)).protectedUntil).toEqual(UNTIL);
    const mail = (await mailsOf(db(), deal.id)).find((m) => m.template === "deal-update")!;
    expect(mail.subject).toContain("extension denied");
    expect(mail.text).toContain("Register again when the budget is back.");
    expect(mail.text).toContain("still ends on 2030-04-10");
    expect(await auditsOf(db(), deal.id, "deal.extension_denied")).toHaveLength(1);

    const next = await requestExtension(ctxFor(db(), seller), deal.id, { reason: "Budget is back.", days: 20 });
    const results = await Promise.allSettled([
      denyExtension(ctxFor(db(), manager), next.id, { note: "No." }),
      grantExtension(ctxFor(db(), vendorAdmin), next.id),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.find((r): r is PromiseRejectedResult => r.status === "rejected")!.reason).toBeInstanceOf(
      ConflictError,
    );
    const decisions = (await eventsOf(db(), deal.id)).filter((e) =>
      ["extension_granted", "extension_denied"].includes(e.kind),
    );
    expect(decisions).toHaveLength(2);
  });

  it("is for approved deals only, and a pending request closes with the deal", async () => {
    const { partner, seller } = await partnerWithPeople(db());
    const pending = await insertDeal(db(), { partnerId: partner.id });
    expect(
      await rejection(requestExtension(ctxFor(db(), seller), pending.id, { reason: "x", days: 7 })),
    ).toBeInstanceOf(RuleError);
    const { deal, seller: s2 } = await approvedDeal();
    const ext = await requestExtension(ctxFor(db(), s2), deal.id, { reason: "Slow customer.", days: 20 });
    await markDealLost(ctxFor(db(), s2), deal.id, { reason: "Went with a competitor." });
    const [row] = await db().select().from(dealExtensions).where(eq(dealExtensions.id, ext.id));
    expect(row).toMatchObject({ status: "denied", decisionNote: "Closed: the deal was lost." });
    expect(await rejection(grantExtension(ctxFor(db(), manager), ext.id))).toBeInstanceOf(ConflictError);
    expect(await rejection(grantExtension(ctxFor(db(), manager), crypto.randomUUID()))).toBeInstanceOf(NotFoundError);
  });
});

describe("protection expiry job", () => {
  const daysBefore = (n: number, until = UNTIL) => new Date(until.getTime() - n * DAY);
  const keys = async (dealId: string) =>
    (await mailsOf(db(), dealId)).map((m) => m.dedupeKey).filter((k) => k.startsWith("deal-protection:"));

  it("warns 14 and 3 days before, each once, and expires the deal once at its end", async () => {
    const { deal, admin, seller, partner } = await approvedDeal();
    await runDealProtectionExpiry(db(), daysBefore(15));
    expect(await keys(deal.id)).toEqual([]);

    await runDealProtectionExpiry(db(), daysBefore(14));
    await runDealProtectionExpiry(db(), daysBefore(14)); // a second worker, a restart
    await runDealProtectionExpiry(db(), daysBefore(10));
    expect(await keys(deal.id)).toEqual([warningKey(deal.id, 14, UNTIL)]);
    expect(warningKey(deal.id, 14, UNTIL)).toBe(`deal-protection:${deal.id}:14:2030-04-10`);

    await runDealProtectionExpiry(db(), daysBefore(3));
    await runDealProtectionExpiry(db(), daysBefore(1));
    expect((await keys(deal.id)).sort()).toEqual(
      [warningKey(deal.id, 14, UNTIL), warningKey(deal.id, 3, UNTIL)].sort(),
    );
    const warnings = (await mailsOf(db(), deal.id)).filter((m) => m.dedupeKey.startsWith("deal-protection:"));
    for (const w of warnings) {
      expect(w).toMatchObject({ template: "deal-update", partnerId: partner.id });
      expect(w.to).toEqual([admin.email, seller.email].sort());
      expect(w.text).toContain("2030-04-10");
    }
    expect(warnings.find((w) => w.dedupeKey.endsWith(":14:2030-04-10"))!.subject).toContain("ends in 14 days");
    expect((await dealRow(db(), deal.id)).status).toBe("approved");
    expect(await eventsOf(db(), deal.id)).toHaveLength(0);

    // At the end: two workers at once, one expires it.
    const results = await Promise.all([expireDeals(db(), UNTIL), expireDeals(db(), UNTIL)]);
    expect(results.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    await runDealProtectionExpiry(db(), new Date(UNTIL.getTime() + DAY));
    expect((await dealRow(db(), deal.id)).status).toBe("expired");
    expect(await eventsOf(db(), deal.id)).toMatchObject([
      { kind: "expired", actorLabel: PROTECTION_JOB_ACTOR.label, note: "Protection ended on 2030-04-10." },
    ]);
    expect(await auditsOf(db(), deal.id, "deal.expired")).toHaveLength(1);
    const expiryMails = (await mailsOf(db(), deal.id)).filter((m) => m.subject.includes("protection expired"));
    expect(expiryMails).toHaveLength(1);
    expect(expiryMails[0]!.to).toEqual([admin.email, seller.email].sort());
  });

  it("sends only the nearest stage after missed runs, and warns again for an extended protection", async () => {
    const { deal, seller } = await approvedDeal();
    expect(await sendProtectionWarnings(db(), daysBefore(2))).toBeGreaterThanOrEqual(1);
    expect(await keys(deal.id)).toEqual([warningKey(deal.id, 3, UNTIL)]);
    expect(await sendProtectionWarnings(db(), daysBefore(2))).toBe(0);

    const ext = await requestExtension(ctxFor(db(), seller, daysBefore(2)), deal.id, { reason: "Late PO.", days: 30 });
    await grantExtension(ctxFor(db(), manager, daysBefore(2)), ext.id);
    const newUntil = new Date(UNTIL.getTime() + 30 * DAY);
    await runDealProtectionExpiry(db(), daysBefore(1)); // the old end is near but no longer the end
    await runDealProtectionExpiry(db(), UNTIL);
    expect((await dealRow(db(), deal.id)).status).toBe("approved");
    await runDealProtectionExpiry(db(), daysBefore(14, newUntil));
    await runDealProtectionExpiry(db(), daysBefore(3, newUntil));
    expect((await keys(deal.id)).sort()).toEqual(
      [warningKey(deal.id, 3, UNTIL), warningKey(deal.id, 14, newUntil), warningKey(deal.id, 3, newUntil)].sort(),
    );
    await runDealProtectionExpiry(db(), newUntil);
    expect((await dealRow(db(), deal.id)).status).toBe("expired");
  });

  it("skips the 14-day warning of a protection granted with less time left, respects opt-outs, closes a pending request", async () => {
    const { deal, seller, admin } = await approvedDeal({ protectedUntil: new Date(APPROVED_AT.getTime() + 10 * DAY) });
    const until = new Date(APPROVED_AT.getTime() + 10 * DAY);
    await db().insert(mailOptOuts).values({ userId: admin.id, template: "deal-update" });
    await runDealProtectionExpiry(db(), daysBefore(5, until));
    expect(await keys(deal.id)).toEqual([]);
    await runDealProtectionExpiry(db(), daysBefore(3, until));
    const [warning] = (await mailsOf(db(), deal.id)).filter((m) => m.dedupeKey.startsWith("deal-protection:"));
    expect(warning!.to).toEqual([seller.email]);

    const ext = await requestExtension(ctxFor(db(), seller, daysBefore(1, until)), deal.id, {
      reason: "Need a week.",
      days: 7,
    });
    await runDealProtectionExpiry(db(), until);
    const [row] = await db().select().from(dealExtensions).where(eq(dealExtensions.id, ext.id));
    expect(row).toMatchObject({ status: "denied", decisionNote: "Closed: the protection ended before a decision." });
    expect((await dealRow(db(), deal.id)).status).toBe("expired");
  });

  it("frees the customer for another registration once expired", async () => {
    const { deal } = await approvedDeal();
    const other = await partnerWithPeople(db());
    const next = await insertDeal(db(), {
      partnerId: other.partner.id,
      customerDomain: deal.customerDomain,
      conflicts: [match(deal, 0.9, ["same domain"])],
    });
    expect(await rejection(approveDeal(ctxFor(db(), manager, daysBefore(1)), next.id))).toBeInstanceOf(ConflictError);
    await runDealProtectionExpiry(db(), UNTIL);
    await expect(approveDeal(ctxFor(db(), manager, UNTIL), next.id)).resolves.toMatchObject({ status: "approved" });
  });
});

describe("detail and isolation", () => {
  it("shows the partner its own deal without conflicts, the channel team's changes as 'Channel team'", async () => {
    const { deal, seller, partner } = await approvedDeal({
      currency: "JPY",
      valueMinor: 12_000_000,
      conflictFlag: true,
      conflicts: [],
      lines: [
        { sku: "MSE-ADV-36", quantity: 500 },
        { sku: "SRL-PERP", quantity: 2 },
      ],
    });
    await db().insert(dealEvents).values({
      dealId: deal.id,
      partnerId: partner.id,
      at: APPROVED_AT,
      actorLabel: manager.email,
      kind: "approved",
      note: "Protected until 2030-04-10.",
    });
    await updateDealStage(ctxFor(db(), seller, new Date("2030-01-20T09:00:00Z")), deal.id, { stage: "commit" });
    const view = await getDealDetail(ctxFor(db(), seller), deal.id);
    expect(view.viewer).toBe("partner");
    expect(view.deal).toMatchObject({
      value: "¥12,000,000",
      valueInput: "12000000",
      stage: "commit",
      statusLabel: "Approved",
      conflictFlag: null,
      conflictCount: null,
    });
    expect(view.lines.map((l) => l.product).sort()).toEqual([
      "Mail Server Enterprise Advanced",
      "Secure Relay Perpetual",
    ]);
    expect(view.history.map((h) => [h.kind, h.actor])).toEqual([
      ["approved", "Channel team"],
      ["stage_changed", seller.email],
    ]);
    expect(view.can).toMatchObject({
      updateStage: true,
      markWon: true,
      markLost: true,
      requestExtension: true,
      appeal: false,
      resubmit: false,
      review: false,
    });
    const vendorView = await getDealDetail(ctxFor(db(), manager), deal.id);
    expect(vendorView.viewer).toBe("vendor");
    expect(vendorView.deal.conflictFlag).toBe(true);
    expect(vendorView.history[0]!.actor).toBe(manager.email);
    expect(vendorView.can.updateStage).toBe(false);
  });

  it("another partner's deal is not found on every function; vendor decisions are forbidden to partners", async () => {
    const owner = await approvedDeal();
    const stranger = await partnerWithPeople(db());
    const rejected = await insertDeal(db(), { partnerId: owner.partner.id, status: "rejected" });
    const changes = await insertDeal(db(), { partnerId: owner.partner.id, status: "changes_requested" });
    const ext = await requestExtension(ctxFor(db(), owner.seller), owner.deal.id, { reason: "More time.", days: 10 });
    const before = await dealRow(db(), owner.deal.id);

    for (const user of [stranger.admin, stranger.seller]) {
      const ctx = ctxFor(db(), user, new Date("2030-04-01T10:00:00Z"));
      const calls: [string, () => Promise<unknown>][] = [
        ["getDealDetail", () => getDealDetail(ctx, owner.deal.id)],
        ["updateDealStage", () => updateDealStage(ctx, owner.deal.id, { stage: "commit" })],
        ["markDealWon", () => markDealWon(ctx, owner.deal.id, { finalValue: "100.00" })],
        ["markDealLost", () => markDealLost(ctx, owner.deal.id, { reason: "x" })],
        ["requestExtension", () => requestExtension(ctx, owner.deal.id, { reason: "x", days: 7 })],
        ["appealRejection", () => appealRejection(ctx, rejected.id, { comment: "x" })],
        ["resubmitDeal", () => resubmitDeal(ctx, changes.id, resubmission)],
      ];
      for (const [name, call] of calls) {
        const err = await rejection(call());
        expect(err, name).toBeInstanceOf(NotFoundError);
        expect((err as Error).message, name).toBe("Deal registration not found.");
      }
      expect(await rejection(grantExtension(ctx, ext.id))).toBeInstanceOf(ForbiddenError);
      expect(await rejection(denyExtension(ctx, ext.id, { note: "x" }))).toBeInstanceOf(ForbiddenError);
    }
    // The same answers as for a deal that does not exist, or an id that is not one.
    for (const id of [crypto.randomUUID(), "1; drop table deals"]) {
      expect(await rejection(getDealDetail(ctxFor(db(), owner.seller), id))).toBeInstanceOf(NotFoundError);
      expect(await rejection(updateDealStage(ctxFor(db(), owner.seller), id, { stage: "commit" }))).toBeInstanceOf(
        NotFoundError,
      );
    }
    // Vendor staff do not act as the partner.
    expect(await rejection(markDealWon(ctxFor(db(), manager), owner.deal.id, { finalValue: "100.00" }))).toBeInstanceOf(
      ForbiddenError,
    );
    expect(await dealRow(db(), owner.deal.id)).toEqual(before);
    expect((await dealRow(db(), rejected.id)).appealedAt).toBeNull();
    expect((await dealRow(db(), changes.id)).status).toBe("changes_requested");
  });
});
