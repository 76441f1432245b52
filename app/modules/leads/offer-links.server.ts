import { and, asc, eq, inArray, or } from "drizzle-orm";
import type { Db } from "~db/client";
import { partnerLeadSettings, users } from "~db/schema";
import { appUrl } from "~/utils/env.server";
import { signLink, verifyLink, type LinkCheck } from "~/utils/signed-links.server";

/** What a signed offer link says: which offer, for whom, to do what. */
export type OfferLinkFields = { o: string; u: string; a: "accept" | "decline" };
const PURPOSE = "lead-offer";

/** The one-click links of one recipient's offer mail; they expire with the offer (its accept-by time). */
export function offerLinks(offerId: string, userId: string, acceptBy: Date): { acceptUrl: string; declineUrl: string } {
  const base = `${appUrl()}/leads/offer/`;
  return {
    acceptUrl: base + signLink(PURPOSE, { o: offerId, u: userId, a: "accept" }, acceptBy),
    declineUrl: base + signLink(PURPOSE, { o: offerId, u: userId, a: "decline" }, acceptBy),
  };
}

/** Signature, purpose and expiry of an offer link; whether the offer is still open is the caller's check. */
export function checkOfferLink(token: string, now: Date): LinkCheck<OfferLinkFields> {
  const r = verifyLink<Record<"o" | "u" | "a", string>>(PURPOSE, token, ["o", "u", "a"], now);
  if (r.ok && r.fields.a !== "accept" && r.fields.a !== "decline") return { ok: false, reason: "malformed" };
  return r as LinkCheck<OfferLinkFields>;
}

export interface OfferRecipient {
  userId: string;
  address: string;
  name: string;
}

/**
 * Who gets a partner's lead offers and reminders: its active partner admins and
 * the active users its admins chose (partner_lead_settings.offer_recipient_ids).
 */
export async function offerRecipients(db: Db, partnerIds: string[]): Promise<Map<string, OfferRecipient[]>> {
  const byPartner = new Map<string, OfferRecipient[]>();
  if (partnerIds.length === 0) return byPartner;
  const chosen = await db
    .select({ partnerId: partnerLeadSettings.partnerId, ids: partnerLeadSettings.offerRecipientIds })
    .from(partnerLeadSettings)
    .where(inArray(partnerLeadSettings.partnerId, partnerIds));
  const chosenIds = chosen.flatMap((c) => c.ids);
  const rows = await db
    .select({ id: users.id, partnerId: users.partnerId, email: users.email, name: users.name })
    .from(users)
    .where(
      and(
        inArray(users.partnerId, partnerIds),
        eq(users.status, "active"),
        chosenIds.length > 0
          ? or(eq(users.role, "partner_admin"), inArray(users.id, chosenIds))
          : eq(users.role, "partner_admin"),
      ),
    )
    .orderBy(asc(users.email));
  for (const r of rows) {
    const list = byPartner.get(r.partnerId!) ?? [];
    list.push({ userId: r.id, address: r.email, name: r.name });
    byPartner.set(r.partnerId!, list);
  }
  return byPartner;
}
