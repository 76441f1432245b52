import { and, asc, eq, inArray } from "drizzle-orm";
import type { Db } from "~db/client";
import { users } from "~db/schema";

/** Where partner notices go (agreement versions, status changes): each partner's active partner admins. */
export async function partnerAdmins(db: Db, partnerIds: string[]): Promise<Map<string, { address: string; name: string }[]>> {
  const byPartner = new Map<string, { address: string; name: string }[]>();
  if (partnerIds.length === 0) return byPartner;
  const rows = await db
    .select({ partnerId: users.partnerId, email: users.email, name: users.name })
    .from(users)
    .where(and(inArray(users.partnerId, partnerIds), eq(users.role, "partner_admin"), eq(users.status, "active")))
    .orderBy(asc(users.email));
  for (const r of rows) {
    const list = byPartner.get(r.partnerId!) ?? [];
    list.push({ address: r.email, name: r.name });
    byPartner.set(r.partnerId!, list);
  }
  return byPartner;
}
