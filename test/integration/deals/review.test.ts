/**
 * The channel team's review against PostgreSQL: the queue (oldest round
 * first, time left against the business-day target, appeals and
 * resubmissions, filters, pages), the side-by-side view, and the decisions
 * with their mails, history and audit events; the first-in rule held by the
 * database when two approvals race for one customer domain, and two reviewers
 * deciding one registration at once.
 */
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { deals } from "~db/schema";
import { appealRejection, resubmitDeal } from "~/modules/deals/lifecycle.server";
import {
  approveDeal,
  getDealForReview,
  listReviewQueue,
  rejectDeal,
  requestDealChanges,
} from "~/modules/deals/review.server";
import { reviewFilterSchema } from "~/modules/deals/lifecycle-schemas";
import { ConflictError, ForbiddenError, NotFoundError, RuleError, ValidationError } from "~/utils/errors.server";
import { ctxFor, rejection, setupTestDb, unique, type TestUser } from "../../support/factories";
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

const filter = (over: Record<string, unknown> = {}) => reviewFilterSchema.parse(over);
const HOUR = 3_600_000;

describe("the review queue", () => {
  it("lists registrations waiting for review, resubmitted ones and open appeals, oldest round first", async () => {
    const { partner, seller } = await partnerWithPeople(db());
    const base = new Date("2030-03-04T09:00:00Z"); // a Monday
    const older = await insertDeal(db(), { partnerId: partner.id, registeredBy: seller.id, createdAt: base });
    const newer = await insertDeal(db(), {
      partnerId: partner.id,
      registeredBy: seller.id,
      createdAt: new Date(base.getTime() + HOUR),
    });
    const appealed = await insertDeal(db(), {
      partnerId: partner.id,
      status: "rejected",
      createdAt: new Date(base.getTime() - 10 * DAY),
      decidedAt: new Date(base.getTime() - 5 * DAY),
      decisionNote: "No evidence of the opportunity.",
      appealedAt: new Date(base.getTime() + 30 * 60_000),
      appealComment: "Here is the customer's RFP.",
    });
    // Not in the queue: approved, changes requested, a rejection without appeal, a decided appeal, closed ones.
    await insertDeal(db(), {
      partnerId: partner.id,
      status: "approved",
      protectedUntil: new Date(base.getTime() + 90 * DAY),
    });
    await insertDeal(db(), { partnerId: partner.id, status: "changes_requested", createdAt: base });
    await insertDeal(db(), { partnerId: partner.id, status: "rejected", decidedAt: base, createdAt: base });
    await insertDeal(db(), {
      partnerId: partner.id,
      status: "rejected",
      createdAt: base,
      appealedAt: base,
      decidedAt: new Date(base.getTime() + HOUR),
    });
    await insertDeal(db(), { partnerId: partner.id, status: "won", createdAt: base });

    const now = new Date("2030-03-05T06:00:00Z");
    const queue = await listReviewQueue(ctxFor(db(), manager, now), filter({ partnerId: partner.id }));
    expect(queue.rows.map((r) => r.id)).toEqual([older.id, appealed.id, newer.id]);
    expect(queue.total).toBe(3);
    expect(queue.targetBusinessDays).toBe(2);
    const [first, appeal, last] = queue.rows;
    expect(first).toMatchObject({ kind: "new", overdue: false, timeLeft: "27 h left", partnerName: partner.name });
    expect(first!.dueAt.toISOString()).toBe("2030-03-06T09:00:00.000Z");
    expect(appeal).toMatchObject({ kind: "appeal", timeLeft: "27 h left" });
    expect(appeal!.since.toISOString()).toBe("2030-03-04T09:30:00.000Z");
    expect(last).toMatchObject({ kind: "new", value: "€25,000.00", countryName: "Germany" });

    const late = await listReviewQueue(
      ctxFor(db(), manager, new Date("2030-03-07T10:00:00Z")),
      filter({ partnerId: partner.id }),
    );
    expect(late.rows[0]).toMatchObject({ overdue: true, timeLeft: "overdue by 1 day" });
  });

  it("counts the target over the weekend, and from the last resubmission", async () => {
    const { partner, seller } = await partnerWithPeople(db());
    const friday = new Date("2030-03-08T17:00:00Z");
    const deal = await insertDeal(db(), { partnerId: partner.id, registeredBy: seller.id, createdAt: friday });
    const queue = await listReviewQueue(
      ctxFor(db(), manager, new Date("2030-03-11T17:00:00Z")),
      filter({ partnerId: partner.id }),
    );
    expect(queue.rows[0]!.dueAt.toISOString()).toBe("2030-03-12T17:00:00.000Z"); // Tuesday 17:00
    expect(queue.rows[0]!.timeLeft).toBe("24 h left");

    const asked = new Date("2030-03-12T08:00:00Z");
    await requestDealChanges(ctxFor(db(), manager, asked), deal.id, { message: "Add the contact's title." });
    expect((await listReviewQueue(ctxFor(db(), manager, asked), filter({ partnerId: partner.id }))).total).toBe(0);
    const resent = new Date("2030-03-13T10:00:00Z");
    await resubmitDeal(ctxFor(db(), seller, resent), deal.id, {
      contactName: "Erika Mustermann",
      contactTitle: "Head of IT",
      contactEmail: "erika@customer.example.com",
      value: "25000.00",
      currency: "EUR",
      expectedCloseDate: "2031-06-30",
      stage: "qualification",
    });
    const again = await listReviewQueue(ctxFor(db(), manager, resent), filter({ partnerId: partner.id }));
    expect(again.rows).toHaveLength(1);
    expect(again.rows[0]).toMatchObject({ id: deal.id, kind: "resubmitted", timeLeft: "2 days left" });
    expect(again.rows[0]!.since.toISOString()).toBe(resent.toISOString());
    expect(again.rows[0]!.dueAt.toISOString()).toBe("2030-03-15T10:00:00.000Z");
  });

  it("filters by country, partner, conflict flag and currency, and pages", async () => {
    const a = await partnerWithPeople(db());
    const b = await partnerWithPeople(db());
    const country = "NZ";
    const flagged = await insertDeal(db(), { partnerId: a.partner.id, country, conflictFlag: true, currency: "AUD" });
    const plain = await insertDeal(db(), { partnerId: b.partner.id, country, currency: "JPY", valueMinor: 1_500_000 });
    const ids = async (f: Record<string, unknown>) =>
      (await listReviewQueue(ctxFor(db(), manager), filter({ country, ...f }))).rows.map((r) => r.id).sort();
    expect(await ids({})).toEqual([flagged.id, plain.id].sort());
    expect(await ids({ conflict: "yes" })).toEqual([flagged.id]);
    expect(await ids({ conflict: "no" })).toEqual([plain.id]);
    expect(await ids({ currency: "JPY" })).toEqual([plain.id]);
    expect(await ids({ partnerId: a.partner.id })).toEqual([flagged.id]);
    const jpy = await listReviewQueue(ctxFor(db(), manager), filter({ country, currency: "JPY" }));
    expect(jpy.rows[0]!.value).toBe("¥1,500,000");
    const options = (await listReviewQueue(ctxFor(db(), manager), filter())).options;
    expect(options.countries).toContainEqual({ value: "NZ", label: "New Zealand" });
    expect(options.partners).toContainEqual({ value: a.partner.id, label: a.partner.name });
    // Bad filter values are dropped, not errors.
    expect(filter({ country: "XX", currency: "GBP", conflict: "maybe", page: "-3", partnerId: "1" })).toEqual({
      page: 1,
    });

    const many = await partnerWithPeople(db());
    const start = new Date("2029-01-01T00:00:00Z");
    for (let i = 0; i < 27; i++) {
      await insertDeal(db(), { partnerId: many.partner.id, createdAt: new Date(start.getTime() + i * HOUR) });
    }
    const p1 = await listReviewQueue(ctxFor(db(), manager), filter({ partnerId: many.partner.id }));
    const p2 = await listReviewQueue(ctxFor(db(), manager), filter({ partnerId: many.partner.id, page: "2" }));
    expect(p1).toMatchObject({ total: 27, page: 1, pageSize: 25 });
    expect(p1.rows).toHaveLength(25);
    expect(p2.rows).toHaveLength(2);
    expect(p2.rows[1]!.createdAt.toISOString()).toBe(new Date(start.getTime() + 26 * HOUR).toISOString());
  });

  it("is for the vendor's reviewers only", async () => {
    const { admin, seller } = await partnerWithPeople(db());
    for (const user of [admin, seller]) {
      expect(await rejection(listReviewQueue(ctxFor(db(), user), filter()))).toBeInstanceOf(ForbiddenError);
    }
    await expect(listReviewQueue(ctxFor(db(), vendorAdmin), filter())).resolves.toBeTruthy();
  });
});

describe("side by side", () => {
  it("shows the registration and each conflicting one, loaded fresh, with reasons, score and partner", async () => {
    const first = await partnerWithPeople(db(), { name: "Polder Relay" });
    const second = await partnerWithPeople(db(), { name: "Rhein Mail" });
    const domain = `${unique("acme")}.co.jp`;
    const earlier = await insertDeal(db(), {
      partnerId: first.partner.id,
      registeredBy: first.seller.id,
      customerName: "Acme K.K.",
      customerDomain: domain,
      country: "JP",
      currency: "JPY",
      valueMinor: 1_500_000,
      lines: [{ sku: "ASG-12", quantity: 3 }],
    });
    const similar = await insertDeal(db(), {
      partnerId: first.partner.id,
      customerName: "Acme Trading",
      country: "JP",
    });
    const deal = await insertDeal(db(), {
      partnerId: second.partner.id,
      registeredBy: second.seller.id,
      customerName: "ACME Co., Ltd.",
      customerDomain: domain,
      country: "JP",
      conflictFlag: true,
      conflicts: [
        match(similar, 0.4, ["name 0.71 similar", "same country"]),
        match(earlier, 0.95, ["same domain", "name 0.82 similar", "same country"]),
      ],
    });
    // The earlier one changed since the match was stored: the view shows its current state.
    await db().update(deals).set({ stage: "proposal" }).where(eq(deals.id, earlier.id));

    const view = await getDealForReview(ctxFor(db(), manager), deal.id);
    expect(view.deal).toMatchObject({ id: deal.id, partnerName: "Rhein Mail", customerName: "ACME Co., Ltd." });
    expect(view.deal.registeredBy).toContain(second.seller.email);
    expect(view.conflicts.map((c) => c.score)).toEqual([0.95, 0.4]);
    expect(view.conflicts[0]).toMatchObject({
      reasons: ["same domain", "name 0.82 similar", "same country"],
      deal: {
        id: earlier.id,
        partnerName: "Polder Relay",
        customerName: "Acme K.K.",
        stage: "Proposal",
        value: "¥1,500,000",
        status: "pending_review",
        lines: [{ sku: "ASG-12", product: "Anti-Spam Gateway", quantity: 3 }],
      },
    });
    expect(view.can).toEqual({ approve: true, reject: true, requestChanges: true });
    expect(view.review).toMatchObject({ kind: "review" });
    expect(view.protectedBy).toBeNull();

    expect(await rejection(getDealForReview(ctxFor(db(), first.admin), deal.id))).toBeInstanceOf(ForbiddenError);
    expect(await rejection(getDealForReview(ctxFor(db(), manager), "not-a-uuid"))).toBeInstanceOf(NotFoundError);
    expect(await rejection(getDealForReview(ctxFor(db(), manager), crypto.randomUUID()))).toBeInstanceOf(NotFoundError);
  });
});

describe("decisions", () => {
  it("approve: protected for its tier's days in the rules in force (90), the partner's people mailed, history and audit written", async () => {
    const { partner, admin, seller } = await partnerWithPeople(db());
    const deal = await insertDeal(db(), { partnerId: partner.id, registeredBy: seller.id });
    const now = new Date("2030-05-01T12:00:00Z");
    const result = await approveDeal(ctxFor(db(), manager, now), deal.id);
    const until = new Date(now.getTime() + 90 * DAY);
    expect(result).toMatchObject({ id: deal.id, status: "approved", protectedUntil: until });

    const row = await dealRow(db(), deal.id);
    expect(row).toMatchObject({ status: "approved", protectedUntil: until, decidedBy: manager.id, decidedAt: now });
    const events = await eventsOf(db(), deal.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      kind: "approved",
      actorLabel: manager.email,
      note: "Protected until 2030-07-30.",
    });
    const audits = await auditsOf(db(), deal.id, "deal.approved");
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      actorUserId: manager.id,
      partnerId: partner.id,
      before: { status: "pending_review" },
      after: { status: "approved", protectedUntil: until.toISOString() },
    });
    const mails = await mailsOf(db(), deal.id);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ template: "deal-update", partnerId: partner.id });
    expect(mails[0]!.to).toEqual([admin.email, seller.email].sort());
    expect(mails[0]!.subject).toContain("approved");
    expect(mails[0]!.text).toContain("protected until 2030-07-30");
    expect(mails[0]!.text).toContain(`/deals/${deal.id}`);

    // Decided: a second decision is a conflict, and nothing changes.
    const again = await rejection(rejectDeal(ctxFor(db(), manager), deal.id, { reason: "Too late" }));
    expect(again).toBeInstanceOf(ConflictError);
    expect((again as Error).message).toContain(manager.name);
    expect((await dealRow(db(), deal.id)).status).toBe("approved");
  });

  it("reject: the reason is mailed; another partner's protection is mentioned without naming it", async () => {
    const holder = await partnerWithPeople(db(), { name: "Holder Networks" });
    const other = await partnerWithPeople(db(), { name: "Latecomer IT" });
    const domain = `${unique("tokai")}.co.jp`;
    const protectedDeal = await insertDeal(db(), {
      partnerId: holder.partner.id,
      customerDomain: domain,
      customerName: "Tokai Shipping K.K.",
      status: "approved",
      protectedUntil: new Date("2031-01-01T00:00:00Z"),
    });
    const deal = await insertDeal(db(), {
      partnerId: other.partner.id,
      registeredBy: other.seller.id,
      customerDomain: domain,
      customerName: "Tokai Shipping",
      conflictFlag: true,
      conflicts: [match(protectedDeal, 0.9, ["same domain"])],
    });
    const view = await getDealForReview(ctxFor(db(), manager), deal.id);
    expect(view.protectedBy).toMatchObject({ id: protectedDeal.id, partnerName: "Holder Networks" });

    const invalid = await rejection(rejectDeal(ctxFor(db(), manager), deal.id, { reason: "  " }));
    expect(invalid).toBeInstanceOf(ValidationError);
    expect((invalid as ValidationError).fields).toHaveProperty("reason");
    const tooLong = await rejection(rejectDeal(ctxFor(db(), manager), deal.id, { reason: "x".repeat(2001) }));
    expect((tooLong as ValidationError).fields).toHaveProperty("reason");
    expect((await dealRow(db(), deal.id)).status).toBe("pending_review");

    const reason = "The customer is already covered by an approved registration. <b>Sorry</b>";
    const result = await rejectDeal(ctxFor(db(), manager), deal.id, { reason });
    expect(result).toMatchObject({ status: "rejected", protectedElsewhere: true });
    expect(await dealRow(db(), deal.id)).toMatchObject({
      status: "rejected",
      decisionNote: reason,
      decidedBy: manager.id,
    });
    const [mail] = await mailsOf(db(), deal.id);
    expect(mail!.to).toEqual([other.admin.email, other.seller.email].sort());
    expect(mail!.text).toContain("already covered by an approved registration");
    expect(mail!.text).toContain("This customer is already protected for another partner.");
    expect(mail!.text).toContain("appeal this decision once");
    expect(mail!.text).not.toContain("Holder Networks");
    expect(mail!.html).not.toContain("Holder Networks");
    expect(mail!.html).not.toContain("<b>Sorry</b>");
    expect((await eventsOf(db(), deal.id))[0]).toMatchObject({ kind: "rejected", note: reason });
    expect(await auditsOf(db(), deal.id, "deal.rejected")).toHaveLength(1);
  });

  it("request changes: back to the partner with the message; only from waiting for review", async () => {
    const { partner, admin, seller } = await partnerWithPeople(db());
    const deal = await insertDeal(db(), { partnerId: partner.id, registeredBy: seller.id });
    const bad = await rejection(requestDealChanges(ctxFor(db(), manager), deal.id, {}));
    expect((bad as ValidationError).fields).toHaveProperty("message");
    await requestDealChanges(ctxFor(db(), manager), deal.id, { message: "Which mailboxes are in scope?" });
    expect(await dealRow(db(), deal.id)).toMatchObject({
      status: "changes_requested",
      decisionNote: "Which mailboxes are in scope?",
    });
    const [mail] = await mailsOf(db(), deal.id);
    expect(mail).toMatchObject({ template: "deal-update" });
    expect(mail!.to).toEqual([admin.email, seller.email].sort());
    expect(mail!.text).toContain("Which mailboxes are in scope?");
    expect((await eventsOf(db(), deal.id)).map((e) => e.kind)).toEqual(["changes_requested"]);
    expect(await auditsOf(db(), deal.id, "deal.changes_requested")).toHaveLength(1);

    expect(await rejection(approveDeal(ctxFor(db(), manager), deal.id))).toBeInstanceOf(ConflictError);
    expect(await rejection(requestDealChanges(ctxFor(db(), manager), deal.id, { message: "Again" }))).toBeInstanceOf(
      ConflictError,
    );
  });

  it("appeal: once, back in the queue, the reviewers told; approved or rejected from the appeal", async () => {
    const { partner, seller } = await partnerWithPeople(db());
    const deal = await insertDeal(db(), { partnerId: partner.id, registeredBy: seller.id });
    const rejectedAt = new Date("2030-06-03T09:00:00Z");
    await rejectDeal(ctxFor(db(), manager, rejectedAt), deal.id, { reason: "Not enough detail." });

    const invalid = await rejection(appealRejection(ctxFor(db(), seller), deal.id, { comment: "" }));
    expect((invalid as ValidationError).fields).toHaveProperty("comment");
    const appealedAt = new Date("2030-06-04T09:00:00Z");
    await appealRejection(ctxFor(db(), seller, appealedAt), deal.id, { comment: "We ran the pilot in May." });
    expect(await dealRow(db(), deal.id)).toMatchObject({
      status: "rejected",
      appealedAt,
      appealComment: "We ran the pilot in May.",
    });
    const mails = await mailsOf(db(), deal.id);
    const review = mails.find((m) => m.template === "deal-review")!;
    expect(review.to).toContain(manager.email);
    expect(review.subject).toContain("Rejection appealed");
    expect(review.text).toContain("We ran the pilot in May.");
    expect(review.text).toContain(`/deals/review/${deal.id}`);
    expect(await auditsOf(db(), deal.id, "deal.appealed")).toHaveLength(1);

    const queue = await listReviewQueue(ctxFor(db(), manager, appealedAt), filter({ partnerId: partner.id }));
    expect(queue.rows).toMatchObject([{ id: deal.id, kind: "appeal" }]);
    const view = await getDealForReview(ctxFor(db(), manager), deal.id);
    expect(view.can).toEqual({ approve: true, reject: true, requestChanges: false });
    expect(view.review).toMatchObject({ kind: "appeal" });
    expect(view.deal.appealComment).toBe("We ran the pilot in May.");

    const twice = await rejection(appealRejection(ctxFor(db(), seller), deal.id, { comment: "Please" }));
    expect(twice).toBeInstanceOf(RuleError);
    expect(await rejection(requestDealChanges(ctxFor(db(), manager), deal.id, { message: "x" }))).toBeInstanceOf(
      ConflictError,
    );

    await rejectDeal(ctxFor(db(), manager, new Date("2030-06-05T09:00:00Z")), deal.id, { reason: "Still no." });
    const rejectedAgain = mailsOf(db(), deal.id);
    expect((await rejectedAgain).filter((m) => m.template === "deal-update")).toHaveLength(2);
    expect((await rejectedAgain).at(-1)!.subject).toContain("your appeal was rejected");
    expect((await listReviewQueue(ctxFor(db(), manager), filter({ partnerId: partner.id }))).total).toBe(0);
    expect(await rejection(appealRejection(ctxFor(db(), seller), deal.id, { comment: "Third time" }))).toBeInstanceOf(
      RuleError,
    );
    expect(await rejection(approveDeal(ctxFor(db(), manager), deal.id))).toBeInstanceOf(ConflictError);

    // Another deal: approved after its appeal.
    const second = await insertDeal(db(), { partnerId: partner.id, registeredBy: seller.id });
    await rejectDeal(ctxFor(db(), manager), second.id, { reason: "Unclear." });
    await appealRejection(ctxFor(db(), seller), second.id, { comment: "Clarified." });
    await approveDeal(ctxFor(db(), vendorAdmin), second.id);
    expect((await dealRow(db(), second.id)).status).toBe("approved");
    expect((await mailsOf(db(), second.id)).at(-1)!.subject).toContain("approved after your appeal");
    expect((await eventsOf(db(), second.id)).map((e) => e.kind)).toEqual(["rejected", "appealed", "approved"]);
  });

  it("are refused to partner people", async () => {
    const { partner, admin, seller } = await partnerWithPeople(db());
    const deal = await insertDeal(db(), { partnerId: partner.id, registeredBy: seller.id });
    for (const user of [admin, seller]) {
      expect(await rejection(approveDeal(ctxFor(db(), user), deal.id))).toBeInstanceOf(ForbiddenError);
      expect(await rejection(rejectDeal(ctxFor(db(), user), deal.id, { reason: "x" }))).toBeInstanceOf(ForbiddenError);
      expect(await rejection(requestDealChanges(ctxFor(db(), user), deal.id, { message: "x" }))).toBeInstanceOf(
        ForbiddenError,
      );
    }
    expect((await dealRow(db(), deal.id)).status).toBe("pending_review");
    expect(await rejection(approveDeal(ctxFor(db(), manager), crypto.randomUUID()))).toBeInstanceOf(NotFoundError);
  });
});

describe("first in", () => {
  it("two approvals racing for one customer domain: one is protected, the other is told why", async () => {
    const a = await partnerWithPeople(db());
    const b = await partnerWithPeople(db());
    const domain = `${unique("race")}.example.org`;
    const one = await insertDeal(db(), { partnerId: a.partner.id, customerDomain: domain });
    const two = await insertDeal(db(), { partnerId: b.partner.id, customerDomain: domain });
    const now = new Date("2030-09-01T08:00:00Z");
    const results = await Promise.allSettled([
      approveDeal(ctxFor(db(), manager, now), one.id),
      approveDeal(ctxFor(db(), vendorAdmin, now), two.id),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toBeInstanceOf(ConflictError);
    expect(lost[0]!.reason.message).toBe(
      `Another registration for ${domain} is already approved and protected (until 2030-11-30). ` +
        "Reject this one, or wait until that protection ends.",
    );
    const rows = await db().select().from(deals).where(eq(deals.customerDomain, domain));
    expect(rows.filter((r) => r.status === "approved")).toHaveLength(1);
    expect(rows.filter((r) => r.status === "pending_review")).toHaveLength(1);
    const loser = rows.find((r) => r.status === "pending_review")!;
    expect(await eventsOf(db(), loser.id)).toHaveLength(0);
    expect(await mailsOf(db(), loser.id)).toHaveLength(0);
    expect(await auditsOf(db(), loser.id)).toHaveLength(0);

    // Once the protection ends, the other registration can be approved.
    const winner = rows.find((r) => r.status === "approved")!;
    await db().update(deals).set({ status: "expired" }).where(eq(deals.id, winner.id));
    await expect(approveDeal(ctxFor(db(), manager), loser.id)).resolves.toMatchObject({ status: "approved" });
  });

  it("two reviewers deciding one registration at once: one wins, the other gets a conflict", async () => {
    const { partner, seller } = await partnerWithPeople(db());
    const deal = await insertDeal(db(), { partnerId: partner.id, registeredBy: seller.id });
    const results = await Promise.allSettled([
      approveDeal(ctxFor(db(), manager), deal.id),
      rejectDeal(ctxFor(db(), vendorAdmin), deal.id, { reason: "Duplicate of an older one." }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const lost = results.find((r): r is PromiseRejectedResult => r.status === "rejected")!;
    expect(lost.reason).toBeInstanceOf(ConflictError);
    expect(lost.reason.message).toMatch(/already decided by/);
    expect(await eventsOf(db(), deal.id)).toHaveLength(1);
    expect(await mailsOf(db(), deal.id)).toHaveLength(1);

    const other = await insertDeal(db(), { partnerId: partner.id });
    const both = await Promise.allSettled([
      approveDeal(ctxFor(db(), manager), other.id),
      approveDeal(ctxFor(db(), vendorAdmin), other.id),
    ]);
    expect(both.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(both.find((r): r is PromiseRejectedResult => r.status === "rejected")!.reason).toBeInstanceOf(ConflictError);
    expect(await auditsOf(db(), other.id, "deal.approved")).toHaveLength(1);
  });
});
