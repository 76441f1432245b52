/**
 * Working an accepted lead against real PostgreSQL: the status flow with its
 * history and audit, won needs a value and currency, lost a reason, a closed
 * lead keeps its status, next step and notes (only the partner's own are
 * shown), the list's order, and lead → deal registration (leadId linked and a
 * "converted" event in the same transaction; another partner's lead refused).
 */
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditEvents, deals, leadEvents, leadNotes, leads, products } from "~db/schema";
import { registerDeal } from "~/modules/deals/register.server";
import { leadDealPrefill, partnerLeadDetail, partnerLeads } from "~/modules/leads/queries.server";
import { addLeadNote, setOfferRecipients, updateLeadWork } from "~/modules/leads/work.server";
import { ForbiddenError, NotFoundError, RuleError, ValidationError } from "~/utils/errors.server";
import { createPartner, createUser, ctxFor, rejection, setupTestDb, unique } from "../../support/factories";
import { createTestLead, offerDirect } from "../../support/lead-factories";

const db = setupTestDb();
const DAY = 86_400_000;
const inDays = (n: number) => new Date(Date.now() + n * DAY).toISOString().slice(0, 10);
let productId: string;

beforeAll(async () => {
  const [p] = await db().select().from(products).where(eq(products.active, true)).limit(1);
  productId = p!.id;
});

async function partnerWithLead(opts: { accepted?: boolean } = { accepted: true }) {
  const partner = await createPartner(db());
  const admin = await createUser(db(), { role: "partner_admin", partnerId: partner.id });
  const user = await createUser(db(), { role: "partner_user", partnerId: partner.id });
  const lead = await createTestLead(db(), {
    productId,
    seats: 40,
    estimatedValueMinor: 1_250_000,
    currency: "EUR",
    contactTitle: "CTO",
  });
  await offerDirect(db(), lead, partner.id, { accepted: opts.accepted });
  return { partner, admin, user, lead };
}

async function leadRow(id: string) {
  const [row] = await db().select().from(leads).where(eq(leads.id, id));
  return row!;
}
const audits = async (action: string, id: string) =>
  (
    await db()
      .select({ id: auditEvents.id })
      .from(auditEvents)
      .where(and(eq(auditEvents.action, action), eq(auditEvents.subjectId, id)))
  ).length;

describe("status flow", () => {
  it("contacted → meeting → won with value; history and audit; then closed", async () => {
    const { user, lead, partner } = await partnerWithLead();
    const ctx = ctxFor(db(), user);
    await updateLeadWork(ctx, lead.id, { status: "contacted" });
    await updateLeadWork(ctx, lead.id, { status: "meeting", nextStepDate: inDays(3), nextStep: "Demo" });
    let row = await leadRow(lead.id);
    expect(row.status).toBe("meeting");
    expect(row.nextStepDate).toBe(inDays(3));
    expect(row.nextStep).toBe("Demo");
    expect(await audits("lead.status_changed", lead.id)).toBe(2);

    const noValue = await rejection(updateLeadWork(ctx, lead.id, { status: "won" }));
    expect(noValue).toBeInstanceOf(ValidationError);
    expect(Object.keys((noValue as ValidationError).fields ?? {})).toEqual(
      expect.arrayContaining(["wonValue", "currency"]),
    );
    const zero = await rejection(updateLeadWork(ctx, lead.id, { status: "won", wonValue: "0", currency: "EUR" }));
    expect((zero as ValidationError).fields?.wonValue).toBeDefined();
    expect((await leadRow(lead.id)).status).toBe("meeting");

    await updateLeadWork(ctx, lead.id, { status: "won", wonValue: "18000.50", currency: "EUR" });
    row = await leadRow(lead.id);
    expect(row.status).toBe("won");
    expect(row.wonValueMinor).toBe(1_800_050);
    expect(row.wonCurrency).toBe("EUR");
    expect(row.closedAt).not.toBeNull();
    expect(await audits("lead.won", lead.id)).toBe(1);

    // Closed: the status and next step no longer change; a note still can be added.
    const closed = await rejection(updateLeadWork(ctx, lead.id, { status: "contacted" }));
    expect(closed).toBeInstanceOf(RuleError);
    expect(await rejection(updateLeadWork(ctx, lead.id, { nextStepDate: inDays(5) }))).toBeInstanceOf(RuleError);
    await updateLeadWork(ctx, lead.id, { note: "Signed on the spot." });
    expect((await leadRow(lead.id)).status).toBe("won");

    const events = await db()
      .select()
      .from(leadEvents)
      .where(and(eq(leadEvents.leadId, lead.id), eq(leadEvents.partnerId, partner.id)));
    expect(events.filter((e) => e.kind === "status")).toHaveLength(3);
  });

  it("lost needs a reason; an offered lead cannot be worked; a bad status is a field error", async () => {
    const { user, lead } = await partnerWithLead();
    const ctx = ctxFor(db(), user);
    const noReason = await rejection(updateLeadWork(ctx, lead.id, { status: "lost" }));
    expect((noReason as ValidationError).fields?.lostReason).toBeDefined();
    const bad = await rejection(updateLeadWork(ctx, lead.id, { status: "offered" }));
    expect((bad as ValidationError).fields?.status).toBeDefined();
    expect(await rejection(updateLeadWork(ctx, lead.id, {}))).toBeInstanceOf(ValidationError);
    await updateLeadWork(ctx, lead.id, { status: "lost", lostReason: "Went with a competitor." });
    const row = await leadRow(lead.id);
    expect(row.status).toBe("lost");
    expect(row.lostReason).toBe("Went with a competitor.");
    expect(await audits("lead.lost", lead.id)).toBe(1);

    const offered = await partnerWithLead({ accepted: false });
    const refused = await rejection(
      updateLeadWork(ctxFor(db(), offered.user), offered.lead.id, { status: "contacted" }),
    );
    expect(refused).toBeInstanceOf(RuleError);
    expect(await rejection(addLeadNote(ctxFor(db(), offered.user), offered.lead.id, { body: "x" }))).toBeInstanceOf(
      RuleError,
    );
  });

  it("another partner and vendor staff cannot work the lead", async () => {
    const { lead } = await partnerWithLead();
    const other = await partnerWithLead();
    expect(await rejection(updateLeadWork(ctxFor(db(), other.user), lead.id, { status: "contacted" }))).toBeInstanceOf(
      NotFoundError,
    );
    expect(await rejection(addLeadNote(ctxFor(db(), other.admin), lead.id, { body: "x" }))).toBeInstanceOf(
      NotFoundError,
    );
    const manager = await createUser(db(), { role: "channel_manager" });
    expect(await rejection(updateLeadWork(ctxFor(db(), manager), lead.id, { status: "contacted" }))).toBeInstanceOf(
      ForbiddenError,
    );
    expect((await leadRow(lead.id)).status).toBe("accepted");
  });
});

describe("notes and the partner's views", () => {
  it("notes: the partner sees its own, never the vendor's internal ones", async () => {
    const { user, admin, lead } = await partnerWithLead();
    await addLeadNote(ctxFor(db(), user), lead.id, { body: "<b>Called</b> them." });
    expect(await rejection(addLeadNote(ctxFor(db(), user), lead.id, { body: "   " }))).toBeInstanceOf(ValidationError);
    await db()
      .insert(leadNotes)
      .values({ leadId: lead.id, partnerId: null, authorLabel: "sales@vendor", body: "internal" });
    const detail = await partnerLeadDetail(ctxFor(db(), admin), lead.id);
    expect(detail.notes.map((n) => n.body)).toEqual(["<b>Called</b> them."]);
    expect(detail.lead.contactEmail).toBe(lead.contactEmail);
    expect(detail.can.convert).toBe(true);
  });

  it("the list shows offered first (soonest accept-by), then working, then closed", async () => {
    const partner = await createPartner(db());
    const user = await createUser(db(), { role: "partner_user", partnerId: partner.id });
    const closed = await createTestLead(db());
    await offerDirect(db(), closed, partner.id, { accepted: true });
    await db().update(leads).set({ status: "won", closedAt: new Date() }).where(eq(leads.id, closed.id));
    const working = await createTestLead(db());
    await offerDirect(db(), working, partner.id, { accepted: true });
    const later = await createTestLead(db());
    await offerDirect(db(), later, partner.id, { acceptBy: new Date(Date.now() + 3 * DAY) });
    const sooner = await createTestLead(db());
    await offerDirect(db(), sooner, partner.id, { acceptBy: new Date(Date.now() + DAY) });
    const list = await partnerLeads(ctxFor(db(), user), { status: "all", page: 1 });
    expect(list.rows.map((r) => r.id)).toEqual([sooner.id, later.id, working.id, closed.id]);
    expect(list.rows[0]!.msLeft).toBeGreaterThan(0);
    const offered = await partnerLeads(ctxFor(db(), user), { status: "offered", page: 1 });
    expect(offered.total).toBe(2);
    const search = await partnerLeads(ctxFor(db(), user), { status: "all", q: working.companyName, page: 1 });
    expect(search.rows.map((r) => r.id)).toEqual([working.id]);
    // Another partner's lists never show these.
    const stranger = await createUser(db(), { role: "partner_user", partnerId: (await createPartner(db())).id });
    expect((await partnerLeads(ctxFor(db(), stranger), { status: "all", page: 1 })).total).toBe(0);
  });

  it("the partner admin chooses who receives offers; others cannot", async () => {
    const { partner, admin, user } = await partnerWithLead();
    await setOfferRecipients(ctxFor(db(), admin), { userIds: [user.id, admin.id] });
    expect(await audits("leads.offer_recipients_changed", partner.id)).toBe(1);
    const stranger = await createUser(db(), { role: "partner_user", partnerId: (await createPartner(db())).id });
    const foreign = await rejection(setOfferRecipients(ctxFor(db(), admin), { userIds: [stranger.id] }));
    expect(foreign).toBeInstanceOf(ValidationError);
    expect(await rejection(setOfferRecipients(ctxFor(db(), user), { userIds: [] }))).toBeInstanceOf(ForbiddenError);
  });
});

describe("lead → deal registration", () => {
  function registration(leadId: string, name = unique("Tokai")) {
    return {
      customerName: `${name} Shipping`,
      customerDomain: `${name.toLowerCase()}.example.jp`,
      country: "JP",
      contactName: "Aiko Tanaka",
      contactEmail: `aiko@${name.toLowerCase()}.example.jp`,
      lines: [{ productId, quantity: 40 }],
      value: "12500.00",
      currency: "EUR",
      expectedCloseDate: inDays(60),
      stage: "qualification",
      leadId,
    };
  }

  it("prefills from the lead and links the registration to it, with a converted event", async () => {
    const { user, lead, partner } = await partnerWithLead();
    const ctx = ctxFor(db(), user);
    const prefill = await leadDealPrefill(ctx, lead.id);
    expect(prefill).toMatchObject({
      customerName: lead.companyName,
      customerDomain: lead.companyDomain,
      country: "NL",
      contactName: lead.contactName,
      contactEmail: lead.contactEmail,
      productId,
      quantity: "40",
      value: "12500.00",
      currency: "EUR",
    });
    const result = await registerDeal(ctx, registration(lead.id));
    const [deal] = await db().select().from(deals).where(eq(deals.id, result.deal.id));
    expect(deal!.leadId).toBe(lead.id);
    const row = await leadRow(lead.id);
    expect(row.dealId).toBe(result.deal.id);
    const events = await db()
      .select()
      .from(leadEvents)
      .where(and(eq(leadEvents.leadId, lead.id), eq(leadEvents.kind, "converted")));
    expect(events.map((e) => e.partnerId)).toEqual([partner.id]);
    // Once only.
    const twice = await rejection(registerDeal(ctx, registration(lead.id)));
    expect((twice as ValidationError).fields?.leadId).toBeDefined();
    expect((await partnerLeadDetail(ctx, lead.id)).can.convert).toBe(false);
  });

  it("another partner's lead, or one only offered, is refused with a field error and nothing is stored", async () => {
    const { lead } = await partnerWithLead();
    const other = await partnerWithLead();
    const before = (await db().select({ id: deals.id }).from(deals)).length;
    const foreign = await rejection(registerDeal(ctxFor(db(), other.user), registration(lead.id)));
    expect(foreign).toBeInstanceOf(ValidationError);
    expect((foreign as ValidationError).fields?.leadId).toBeDefined();
    expect(await rejection(leadDealPrefill(ctxFor(db(), other.user), lead.id))).toBeInstanceOf(NotFoundError);

    const offered = await partnerWithLead({ accepted: false });
    const notYet = await rejection(registerDeal(ctxFor(db(), offered.user), registration(offered.lead.id)));
    expect((notYet as ValidationError).fields?.leadId).toBeDefined();
    expect((await db().select({ id: deals.id }).from(deals)).length).toBe(before);
    expect((await leadRow(lead.id)).dealId).toBeNull();
  });
});
