/**
 * Offers against real PostgreSQL: accept, decline (re-routed to the next
 * partner, never the decliner), exactly one outcome when answers race (two
 * connections), the SLA job (expiry re-routes excluding earlier partners; the
 * old partner gets 404), reminders at half time (once), and the signed mail
 * links (tampered, wrong purpose, expired, reused, other action after use:
 * refused, nothing changes).
 *
 * Each test works in its own region ("NL-<tag>"), served only by the partners
 * the test creates, so routing sees exactly those candidates.
 */
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { openDatabase } from "~db/client";
import { auditEvents, leadEvents, leadOffers, leads, mailMessages, type Lead } from "~db/schema";
import {
  acceptByLink,
  acceptOffer,
  declineByLink,
  declineOffer,
  expireOverdueOffers,
  offerByLink,
  sendOfferReminders,
} from "~/modules/leads/offers.server";
import { offerLinks } from "~/modules/leads/offer-links.server";
import { partnerLeadDetail } from "~/modules/leads/queries.server";
import { ConflictError, NotFoundError, ValidationError } from "~/utils/errors.server";
import { signLink } from "~/utils/signed-links.server";
import { createPartner, createUser, ctxFor, rejection, setupTestDb, unique } from "../../support/factories";
import { createTestLead, offerDirect } from "../../support/lead-factories";

const db = setupTestDb();
const HOUR = 3_600_000;

/** Partners serving one fresh region, each with an admin and a user. */
async function world(n: number) {
  const region = `NL-${unique("r")
    .replace(/[^a-z0-9]/gi, "")
    .slice(-8)
    .toUpperCase()}`;
  const partners = [];
  for (let i = 0; i < n; i++) {
    const partner = await createPartner(db(), { territories: [region] });
    const admin = await createUser(db(), { role: "partner_admin", partnerId: partner.id });
    const user = await createUser(db(), { role: "partner_user", partnerId: partner.id });
    partners.push({ partner, admin, user });
  }
  const lead = await createTestLead(db(), { country: "NL", region });
  return { region, partners, lead };
}

async function leadRow(id: string): Promise<Lead> {
  const [row] = await db().select().from(leads).where(eq(leads.id, id));
  return row!;
}
async function offersOf(leadId: string) {
  return db().select().from(leadOffers).where(eq(leadOffers.leadId, leadId)).orderBy(leadOffers.offeredAt);
}
async function auditCount(action: string, subjectId: string) {
  const rows = await db()
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(and(eq(auditEvents.action, action), eq(auditEvents.subjectId, subjectId)));
  return rows.length;
}
const tokenOf = (url: string) => url.split("/leads/offer/")[1]!;

describe("accept", () => {
  it("accepts: offer and lead accepted, event seen by the partner, audit, contact shown from then on", async () => {
    const { partners, lead } = await world(1);
    const { partner, user } = partners[0]!;
    await offerDirect(db(), lead, partner.id);
    const before = await partnerLeadDetail(ctxFor(db(), user), lead.id);
    expect(before.lead.contactEmail).toBeNull();
    expect(before.can.accept).toBe(true);

    const result = await acceptOffer(ctxFor(db(), user), lead.id, "portal");
    expect(result.status).toBe("accepted");
    const row = await leadRow(lead.id);
    expect(row.status).toBe("accepted");
    expect(row.acceptedAt).not.toBeNull();
    expect(row.partnerId).toBe(partner.id);
    const [offer] = await offersOf(lead.id);
    expect(offer!.outcome).toBe("accepted");
    expect(offer!.outcomeBy).toBe(user.id);
    expect(offer!.outcomeVia).toBe("portal");
    expect(await auditCount("lead.accepted", lead.id)).toBe(1);

    const after = await partnerLeadDetail(ctxFor(db(), user), lead.id);
    expect(after.lead.contactEmail).toBe(lead.contactEmail);
    expect(after.history.map((h) => h.kind)).toContain("accepted");

    // A second accept is a conflict that names what happened.
    const again = await rejection(acceptOffer(ctxFor(db(), partners[0]!.admin), lead.id, "portal"));
    expect(again).toBeInstanceOf(ConflictError);
    expect((again as Error).message).toMatch(/already accepted by .* at /);
  });

  it("another partner cannot accept or decline the lead (404), and nothing changes", async () => {
    const { partners, lead } = await world(2);
    await offerDirect(db(), lead, partners[0]!.partner.id);
    const other = partners[1]!.admin;
    expect(await rejection(acceptOffer(ctxFor(db(), other), lead.id, "portal"))).toBeInstanceOf(NotFoundError);
    expect(
      await rejection(declineOffer(ctxFor(db(), other), lead.id, { reason: "no_capacity" }, "portal")),
    ).toBeInstanceOf(NotFoundError);
    expect(await rejection(acceptOffer(ctxFor(db(), other), "not-a-uuid", "portal"))).toBeInstanceOf(NotFoundError);
    expect((await leadRow(lead.id)).status).toBe("offered");
    expect((await offersOf(lead.id))[0]!.outcome).toBeNull();
  });

  it("refuses an accept after the accept-by time", async () => {
    const { partners, lead } = await world(1);
    const offeredAt = new Date(Date.now() - 50 * HOUR);
    await offerDirect(db(), lead, partners[0]!.partner.id, { offeredAt, acceptBy: new Date(Date.now() - HOUR) });
    const err = await rejection(acceptOffer(ctxFor(db(), partners[0]!.user), lead.id, "portal"));
    expect((err as Error).message).toMatch(/time to accept/);
    expect((await offersOf(lead.id))[0]!.outcome).toBeNull();
  });

  it("a decline needs a reason, and a note for 'other'; nothing changes on bad input", async () => {
    const { partners, lead } = await world(1);
    await offerDirect(db(), lead, partners[0]!.partner.id);
    const ctx = ctxFor(db(), partners[0]!.user);
    const noReason = await rejection(declineOffer(ctx, lead.id, {}, "portal"));
    expect(noReason).toBeInstanceOf(ValidationError);
    expect((noReason as ValidationError).fields?.reason).toBeDefined();
    const other = await rejection(declineOffer(ctx, lead.id, { reason: "other", note: "  " }, "portal"));
    expect((other as ValidationError).fields?.note).toBeDefined();
    expect((await offersOf(lead.id))[0]!.outcome).toBeNull();
  });

  it("two accepts at once on two connections: exactly one wins, the other is a conflict", async () => {
    const { partners, lead } = await world(1);
    await offerDirect(db(), lead, partners[0]!.partner.id);
    const url = process.env.DATABASE_URL!;
    const [h1, h2] = await Promise.all([openDatabase({ url, poolSize: 1 }), openDatabase({ url, poolSize: 1 })]);
    try {
      const results = await Promise.allSettled([
        acceptOffer(ctxFor(h1.db, partners[0]!.admin), lead.id, "portal"),
        acceptOffer(ctxFor(h2.db, partners[0]!.user), lead.id, "api"),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(lost.reason).toBeInstanceOf(ConflictError);
    } finally {
      await Promise.all([h1.close(), h2.close()]);
    }
    const offers = await offersOf(lead.id);
    expect(offers).toHaveLength(1);
    expect(offers[0]!.outcome).toBe("accepted");
    expect(await auditCount("lead.accepted", lead.id)).toBe(1);
  });
});

describe("signed mail links", () => {
  it("the landing page shows the offer and changes nothing; accept by link works once", async () => {
    const { partners, lead } = await world(1);
    const { partner, user } = partners[0]!;
    const offer = await offerDirect(db(), lead, partner.id);
    const links = offerLinks(offer.id, user.id, offer.acceptBy);
    const now = new Date();

    const view = await offerByLink(db(), tokenOf(links.acceptUrl), now);
    expect(view.ok).toBe(true);
    if (!view.ok) throw new Error("expected an open offer");
    expect(view.action).toBe("accept");
    expect(view.companyName).toBe(lead.companyName);
    expect(view.partnerName).toBe(partner.name);
    expect(JSON.stringify(view)).not.toContain(lead.contactEmail);
    expect((await offersOf(lead.id))[0]!.outcome).toBeNull();

    // The accept link does not decline, and vice versa.
    expect(
      await rejection(declineByLink(db(), tokenOf(links.acceptUrl), { reason: "no_capacity" }, now)),
    ).toBeInstanceOf(ConflictError);
    expect(await rejection(acceptByLink(db(), tokenOf(links.declineUrl), now))).toBeInstanceOf(ConflictError);
    expect((await offersOf(lead.id))[0]!.outcome).toBeNull();

    await acceptByLink(db(), tokenOf(links.acceptUrl), now);
    const [accepted] = await offersOf(lead.id);
    expect(accepted!.outcome).toBe("accepted");
    expect(accepted!.outcomeVia).toBe("link");
    expect(accepted!.outcomeBy).toBe(user.id);

    // Reused: refused, "works once"; the decline link after use too; nothing changes.
    const reused = await rejection(acceptByLink(db(), tokenOf(links.acceptUrl), now));
    expect((reused as Error).message).toMatch(/works once/);
    const declineAfter = await rejection(
      declineByLink(db(), tokenOf(links.declineUrl), { reason: "no_capacity" }, now),
    );
    expect((declineAfter as Error).message).toMatch(/works once/);
    const landing = await offerByLink(db(), tokenOf(links.declineUrl), now);
    expect(landing.ok).toBe(false);
    expect(!landing.ok && landing.refusal).toBe("used");
    expect((await leadRow(lead.id)).status).toBe("accepted");
    expect((await offersOf(lead.id))[0]!.outcomeAt!.getTime()).toBe(accepted!.outcomeAt!.getTime());
  });

  it("tampered, wrong purpose, expired links and a user who left are refused and change nothing", async () => {
    const { partners, lead } = await world(1);
    const { partner, user } = partners[0]!;
    const offer = await offerDirect(db(), lead, partner.id);
    const token = tokenOf(offerLinks(offer.id, user.id, offer.acceptBy).acceptUrl);
    const now = new Date();

    const [payload, sig] = token.split(".") as [string, string];
    const json = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...json, u: partners[0]!.admin.id }), "utf8").toString("base64url");
    const tampered = [
      `${forged}.${sig}`,
      `${payload}.${sig.slice(0, -2)}${sig.endsWith("AA") ? "BB" : "AA"}`,
      `${payload}`,
      "garbage",
    ];
    const wrongPurpose = signLink("invitation", { o: offer.id, u: user.id, a: "accept" }, offer.acceptBy);
    for (const t of [...tampered, wrongPurpose]) {
      const view = await offerByLink(db(), t, now);
      expect(view.ok, t).toBe(false);
      expect(!view.ok && view.refusal).toBe("invalid");
      expect(await rejection(acceptByLink(db(), t, now))).toBeInstanceOf(ConflictError);
    }

    // Expired with the offer.
    const late = new Date(offer.acceptBy.getTime() + 1000);
    const expiredView = await offerByLink(db(), token, late);
    expect(!expiredView.ok && expiredView.refusal).toBe("expired");
    expect(await rejection(acceptByLink(db(), token, late))).toBeInstanceOf(ConflictError);

    // The recipient no longer works for the partner (deactivated).
    const leaver = await createUser(db(), { role: "partner_user", partnerId: partner.id, status: "deactivated" });
    const leaverToken = tokenOf(offerLinks(offer.id, leaver.id, offer.acceptBy).acceptUrl);
    const leaverView = await offerByLink(db(), leaverToken, now);
    expect(!leaverView.ok && leaverView.refusal).toBe("user");
    expect(await rejection(acceptByLink(db(), leaverToken, now))).toBeInstanceOf(ConflictError);

    expect((await offersOf(lead.id))[0]!.outcome).toBeNull();
    expect((await leadRow(lead.id)).status).toBe("offered");
    expect(await auditCount("lead.accepted", lead.id)).toBe(0);
  });
});

describe("reminders", () => {
  it("one reminder per recipient at half time, once", async () => {
    const { partners, lead } = await world(1);
    const { partner, admin, user } = partners[0]!;
    const offeredAt = new Date(Date.now() - 20 * HOUR);
    const offer = await offerDirect(db(), lead, partner.id, {
      offeredAt,
      acceptBy: new Date(Date.now() + 20 * HOUR),
      remindAt: new Date(Date.now() - 60_000),
    });
    // Before remind_at: nothing.
    await sendOfferReminders(db(), new Date(Date.now() - 2 * HOUR));
    expect((await offersOf(lead.id))[0]!.remindedAt).toBeNull();

    await sendOfferReminders(db(), new Date());
    await sendOfferReminders(db(), new Date());
    const mails = await db()
      .select({ key: mailMessages.dedupeKey, to: mailMessages.toAddress, critical: mailMessages.critical })
      .from(mailMessages)
      .where(eq(mailMessages.template, "lead-offer-reminder"));
    const mine = mails.filter((m) => m.key.startsWith(`lead-offer-reminder:${offer.id}:`));
    // Admins always; a partner_user only when chosen: here just the admin.
    expect(mine.map((m) => m.to)).toEqual([admin.email]);
    expect(mine.every((m) => m.critical)).toBe(true);
    expect(mine.some((m) => m.to === user.email)).toBe(false);
    expect((await offersOf(lead.id))[0]!.remindedAt).not.toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------------------------
// These re-route (routeLeadInTx from route.server.ts): they run last.

describe("decline and re-routing", () => {
  it("decline: the lead leaves the partner at once and is offered to the next one, never the decliner", async () => {
    const { partners, lead } = await world(2);
    const [first, second] = partners as [(typeof partners)[0], (typeof partners)[0]];
    await offerDirect(db(), lead, first.partner.id);
    const result = await declineOffer(
      ctxFor(db(), first.user),
      lead.id,
      { reason: "outside_territory", note: "We do not cover it." },
      "portal",
    );
    expect(result.route.kind).toBe("offered");
    const row = await leadRow(lead.id);
    expect(row.partnerId).toBe(second.partner.id);
    expect(row.status).toBe("offered");
    const offers = await offersOf(lead.id);
    expect(offers.map((o) => [o.partnerId, o.outcome])).toEqual([
      [first.partner.id, "declined"],
      [second.partner.id, null],
    ]);
    expect(offers[0]!.declineReason).toBe("outside_territory");
    expect(await auditCount("lead.declined", lead.id)).toBe(1);
    // Gone for the decliner: 404 on the detail; the next partner sees it.
    expect(await rejection(partnerLeadDetail(ctxFor(db(), first.admin), lead.id))).toBeInstanceOf(NotFoundError);
    expect((await partnerLeadDetail(ctxFor(db(), second.user), lead.id)).lead.status).toBe("offered");
    // Its second answer is a conflict saying what happened.
    const again = await rejection(acceptOffer(ctxFor(db(), first.admin), lead.id, "portal"));
    expect((again as Error).message).toMatch(/already declined by .* at /);
  });

  it("decline by link re-routes too; the last partner's decline returns the lead to the vendor", async () => {
    const { partners, lead } = await world(1);
    const { partner, user } = partners[0]!;
    const offer = await offerDirect(db(), lead, partner.id);
    const token = tokenOf(offerLinks(offer.id, user.id, offer.acceptBy).declineUrl);
    const manager = await createUser(db(), { role: "channel_manager" });
    const result = await declineByLink(db(), token, { reason: "no_capacity" }, new Date());
    expect(result.route.kind).toBe("no_partner");
    // The channel managers are told (lead-attention, queued by the router in the same transaction).
    const attention = await db()
      .select({ to: mailMessages.toAddress })
      .from(mailMessages)
      .where(eq(mailMessages.dedupeKey, `lead-attention:${(result.route as { decisionId: string }).decisionId}`));
    expect(attention.map((m) => m.to)).toContain(manager.email);
    const row = await leadRow(lead.id);
    expect(row.partnerId).toBeNull();
    expect(row.status).toBe("new");
    expect(row.needsAttention).toBe(true);
    expect((await offersOf(lead.id))[0]!.outcomeVia).toBe("link");
    expect(
      await rejection(acceptByLink(db(), tokenOf(offerLinks(offer.id, user.id, offer.acceptBy).acceptUrl), new Date())),
    ).toBeInstanceOf(ConflictError);
  });

  it("accept racing decline on two connections: exactly one outcome", async () => {
    const { partners, lead } = await world(2);
    const { partner, admin, user } = partners[0]!;
    await offerDirect(db(), lead, partner.id);
    const url = process.env.DATABASE_URL!;
    const [h1, h2] = await Promise.all([openDatabase({ url, poolSize: 1 }), openDatabase({ url, poolSize: 1 })]);
    let results: PromiseSettledResult<unknown>[];
    try {
      results = await Promise.allSettled([
        acceptOffer(ctxFor(h1.db, admin), lead.id, "portal"),
        declineOffer(ctxFor(h2.db, user), lead.id, { reason: "not_qualified" }, "portal"),
      ]);
    } finally {
      await Promise.all([h1.close(), h2.close()]);
    }
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(ConflictError);
    const offers = await offersOf(lead.id);
    const first = offers.find((o) => o.partnerId === partner.id)!;
    const row = await leadRow(lead.id);
    if (first.outcome === "accepted") {
      expect(row.status).toBe("accepted");
      expect(row.partnerId).toBe(partner.id);
      expect(offers).toHaveLength(1);
    } else {
      expect(first.outcome).toBe("declined");
      expect(row.partnerId).toBe(partners[1]!.partner.id);
    }
    expect((await auditCount("lead.accepted", lead.id)) + (await auditCount("lead.declined", lead.id))).toBe(1);
  });

  it("expiry job: overdue offers expire, the partner is told and gets 404, the lead goes to the next partner", async () => {
    const { partners, lead } = await world(3);
    const [a, b] = partners as [(typeof partners)[0], (typeof partners)[0]];
    const now = new Date();
    // a was offered before and declined (excluded); b holds the overdue offer; c is left.
    const offeredAt = new Date(now.getTime() - 60 * HOUR);
    const earlier = await offerDirect(db(), lead, a.partner.id, {
      offeredAt,
      acceptBy: new Date(now.getTime() - 40 * HOUR),
    });
    await db()
      .update(leadOffers)
      .set({ outcome: "declined", outcomeAt: offeredAt })
      .where(eq(leadOffers.id, earlier.id));
    const overdue = await offerDirect(db(), lead, b.partner.id, {
      offeredAt,
      acceptBy: new Date(now.getTime() - 60_000),
    });

    const counts = await expireOverdueOffers(db(), now);
    expect(counts.expired).toBeGreaterThanOrEqual(1);
    const offers = await offersOf(lead.id);
    expect(offers.find((o) => o.id === overdue.id)!.outcome).toBe("expired");
    const row = await leadRow(lead.id);
    expect(row.partnerId).toBe(partners[2]!.partner.id);
    expect(offers.filter((o) => o.outcome === null).map((o) => o.partnerId)).toEqual([partners[2]!.partner.id]);
    expect(await rejection(partnerLeadDetail(ctxFor(db(), b.user), lead.id))).toBeInstanceOf(NotFoundError);
    expect(await rejection(acceptOffer(ctxFor(db(), b.user), lead.id, "portal"))).toBeInstanceOf(NotFoundError);
    const closed = await db()
      .select({ to: mailMessages.toAddress })
      .from(mailMessages)
      .where(eq(mailMessages.dedupeKey, `lead-offer-closed:${overdue.id}`));
    expect(closed.map((m) => m.to)).toEqual([b.admin.email]);
    const events = await db().select().from(leadEvents).where(eq(leadEvents.leadId, lead.id));
    expect(events.some((e) => e.kind === "expired" && e.partnerId === b.partner.id)).toBe(true);

    // Running the job again changes nothing.
    const again = await expireOverdueOffers(db(), now);
    expect(again.expired).toBe(0);
  });

  it("expiry after the last allowed offer returns the lead to the vendor", async () => {
    const { partners, lead } = await world(4);
    const now = new Date();
    const offeredAt = new Date(now.getTime() - 60 * HOUR);
    let last;
    for (const [i, p] of partners.slice(0, 3).entries()) {
      last = await offerDirect(db(), lead, p.partner.id, { offeredAt, acceptBy: new Date(now.getTime() - 1000) });
      if (i < 2)
        await db()
          .update(leadOffers)
          .set({ outcome: "expired", outcomeAt: offeredAt })
          .where(eq(leadOffers.id, last.id));
    }
    await expireOverdueOffers(db(), now);
    const row = await leadRow(lead.id);
    expect(row.offerCount).toBe(3);
    expect(row.partnerId).toBeNull();
    expect(row.status).toBe("new");
    expect(row.needsAttention).toBe(true);
    expect((await offersOf(lead.id)).find((o) => o.id === last!.id)!.outcome).toBe("expired");
  });
});
