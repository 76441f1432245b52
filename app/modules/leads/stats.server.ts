/**
 * Per-partner lead figures: offers and their outcomes, acceptance rate, median
 * time to accept, win rate and won revenue per currency. Two set-based
 * queries (offers grouped by partner; closed leads grouped by partner and
 * currency), whatever the number of partners.
 */
import { sql } from "drizzle-orm";
import type { Db } from "~db/client";

export interface PartnerLeadStats {
  offers: number;
  accepted: number;
  declined: number;
  expired: number;
  recalled: number;
  pending: number;
  /** accepted / (accepted + declined + expired); recalls are the vendor's doing and do not count. */
  acceptanceRate: number | null;
  medianHoursToAccept: number | null;
  won: number;
  lost: number;
  /** won / (won + lost) */
  winRate: number | null;
  /** Won value per currency, in minor units. */
  revenueMinor: Record<string, number>;
}

export function emptyStats(): PartnerLeadStats {
  return {
    offers: 0,
    accepted: 0,
    declined: 0,
    expired: 0,
    recalled: 0,
    pending: 0,
    acceptanceRate: null,
    medianHoursToAccept: null,
    won: 0,
    lost: 0,
    winRate: null,
    revenueMinor: {},
  };
}

/**
 * Figures of the given partners (all partners with any offer or closed lead
 * when `partnerIds` is absent), counting offers made and leads closed since
 * `since` when given. Partners asked for but without any figure get empty stats.
 */
export async function partnerLeadStats(
  db: Db,
  opts: { partnerIds?: string[]; since?: Date } = {},
): Promise<Map<string, PartnerLeadStats>> {
  const out = new Map<string, PartnerLeadStats>();
  if (opts.partnerIds && opts.partnerIds.length === 0) return out;
  for (const id of opts.partnerIds ?? []) out.set(id, emptyStats());
  const ids = opts.partnerIds ? sql`${`{${opts.partnerIds.join(",")}}`}::uuid[]` : null;
  const offerWhere = sql.join(
    [
      sql`true`,
      ids ? sql`o.partner_id = any(${ids})` : sql`true`,
      opts.since ? sql`o.offered_at >= ${opts.since.toISOString()}::timestamptz` : sql`true`,
    ],
    sql` and `,
  );
  const leadWhere = sql.join(
    [
      sql`l.status in ('won', 'lost')`,
      sql`l.partner_id is not null`,
      ids ? sql`l.partner_id = any(${ids})` : sql`true`,
      opts.since ? sql`l.closed_at >= ${opts.since.toISOString()}::timestamptz` : sql`true`,
    ],
    sql` and `,
  );
  type OfferRow = {
    partner_id: string;
    offers: string;
    accepted: string;
    declined: string;
    expired: string;
    recalled: string;
    pending: string;
    median_hours: string | null;
  };
  type ClosedRow = { partner_id: string; status: string; currency: string | null; n: string; value: string | null };
  // Sequential: the caller's transaction is one connection.
  const offers = (await db.execute(sql`

      select o.partner_id,
             count(*) as offers,
             count(*) filter (where o.outcome = 'accepted') as accepted,
             count(*) filter (where o.outcome = 'declined') as declined,
             count(*) filter (where o.outcome = 'expired') as expired,
             count(*) filter (where o.outcome = 'recalled') as recalled,
             count(*) filter (where o.outcome is null) as pending,
             percentile_cont(0.5) within group (order by extract(epoch from o.outcome_at - o.offered_at) / 3600)
               filter (where o.outcome = 'accepted' and o.outcome_at is not null) as median_hours
        from lead_offers o
       where ${offerWhere}
       group by o.partner_id`)) as unknown as { rows: OfferRow[] };
  const closed = (await db.execute(sql`
      select l.partner_id, l.status, l.won_currency as currency, count(*) as n, sum(l.won_value_minor) as value
        from leads l
       where ${leadWhere}
       group by l.partner_id, l.status, l.won_currency`)) as unknown as { rows: ClosedRow[] };
  const get = (id: string) => {
    let s = out.get(id);
    if (!s) out.set(id, (s = emptyStats()));
    return s;
  };
  for (const r of offers.rows) {
    const s = get(r.partner_id);
    s.offers = Number(r.offers);
    s.accepted = Number(r.accepted);
    s.declined = Number(r.declined);
    s.expired = Number(r.expired);
    s.recalled = Number(r.recalled);
    s.pending = Number(r.pending);
    s.medianHoursToAccept = r.median_hours === null ? null : Math.round(Number(r.median_hours) * 100) / 100;
  }
  for (const r of closed.rows) {
    const s = get(r.partner_id);
    if (r.status === "won") {
      s.won += Number(r.n);
      if (r.currency && r.value !== null)
        s.revenueMinor[r.currency] = (s.revenueMinor[r.currency] ?? 0) + Number(r.value);
    } else s.lost += Number(r.n);
  }
  for (const s of out.values()) {
    const decided = s.accepted + s.declined + s.expired;
    s.acceptanceRate = decided > 0 ? s.accepted / decided : null;
    s.winRate = s.won + s.lost > 0 ? s.won / (s.won + s.lost) : null;
  }
  return out;
}
