/** The dashboard's counts come from the data and stay within the partner. */
import { describe, expect, it } from "vitest";
import { dashboardFigures } from "~/modules/partners/queries.server";
import { createPartner, createUser, ctxFor, setupTestDb } from "../../support/factories";
import { createTestLead, offerDirect } from "../../support/lead-factories";

const db = setupTestDb();

describe("dashboard figures", () => {
  it("count a partner's own open leads, offers waiting and people, and the vendor's whole channel", async () => {
    const a = await createPartner(db());
    const b = await createPartner(db());
    const adminA = await createUser(db(), { role: "partner_admin", partnerId: a.id });
    await createUser(db(), { role: "partner_admin", partnerId: b.id });
    const vendor = await createUser(db(), { role: "channel_manager" });

    await offerDirect(db(), await createTestLead(db()), a.id); // waiting for A's answer
    await offerDirect(db(), await createTestLead(db()), a.id, { accepted: true }); // A works it
    await offerDirect(db(), await createTestLead(db()), b.id); // B's: never counted for A
    await createTestLead(db(), { needsAttention: true, attentionReason: "No eligible partner" }); // with the vendor
    await createTestLead(db(), { status: "won", partnerId: a.id }); // closed

    const forA = await dashboardFigures(ctxFor(db(), adminA));
    expect(forA).toMatchObject({ people: 1, partners: 1, openLeads: 2, leadsWaiting: 1, openDeals: 0 });

    const forVendor = await dashboardFigures(ctxFor(db(), vendor));
    expect(forVendor).toMatchObject({ partners: 2, openLeads: 4, leadsWaiting: 1 });
  });
});
