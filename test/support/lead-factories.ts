/**
 * Lead test data written straight to the tables (for tests that need a lead in
 * a given state without going through routing). Tests of routing itself call
 * the domain functions instead.
 */
import { eq, sql } from "drizzle-orm";
import type { Db } from "~db/client";
import { leadOffers, leads, type Lead, type LeadOffer } from "~db/schema";
import { unique } from "./factories";

export type LeadOverrides = Partial<typeof leads.$inferInsert>;

export async function createTestLead(db: Db, overrides: LeadOverrides = {}): Promise<Lead> {
  const slug = unique("lead");
  const [row] = await db
    .insert(leads)
    .values({
      source: "form",
      companyName: `Prospect ${slug}`,
      companyDomain: `${slug}.example.test`,
      contactName: "Pat Prospect",
      contactEmail: `pat@${slug}.example.test`,
      country: "NL",
      status: "new",
      ...overrides,
    })
    .returning();
  return row!;
}

/** Puts `lead` in the hands of `partnerId` as a pending offer (or accepted, with `accepted: true`). */
export async function offerDirect(
  db: Db,
  lead: Pick<Lead, "id">,
  partnerId: string,
  opts: { offeredAt?: Date; acceptBy?: Date; remindAt?: Date; accepted?: boolean } = {},
): Promise<LeadOffer> {
  const offeredAt = opts.offeredAt ?? new Date();
  const acceptBy = opts.acceptBy ?? new Date(offeredAt.getTime() + 2 * 86_400_000);
  const [offer] = await db
    .insert(leadOffers)
    .values({
      leadId: lead.id,
      partnerId,
      offeredAt,
      acceptBy,
      remindAt: opts.remindAt ?? new Date((offeredAt.getTime() + acceptBy.getTime()) / 2),
      ...(opts.accepted ? { outcome: "accepted" as const, outcomeAt: offeredAt, outcomeVia: "portal" } : {}),
    })
    .returning();
  await db
    .update(leads)
    .set({
      partnerId,
      currentOfferId: offer!.id,
      status: opts.accepted ? "accepted" : "offered",
      acceptedAt: opts.accepted ? offeredAt : null,
      offerCount: sql`${leads.offerCount} + 1`,
    })
    .where(eq(leads.id, lead.id));
  return offer!;
}
