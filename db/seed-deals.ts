import { inArray, sql } from "drizzle-orm";
import type { DealMatch } from "./schema";
import type { Db } from "./client";
import { dealEvents, dealLines, deals, products, users } from "./schema";
import { findCandidates, nameThreshold, scoreCandidates, toDealMatch } from "../app/modules/deals/conflicts.server";
import { normalizeCompanyName, normalizeCustomerDomain } from "../app/modules/deals/normalize";
import { formatMoney, parseMoney } from "../app/modules/deals/schemas";

/**
 * The demo world's deal registrations: a dozen believable ones across the demo
 * partners, in four currencies and every status. They include a conflicting
 * pair (Sakura's approved "Tokai Shipping K.K." and Southern Cross's pending
 * "TOKAI SHIPPING Co., Ltd." on the same domain), a pending pair of similar
 * names on different domains for the review queue, a protection that ends
 * within 14 days, one rejected, one with changes requested, one won, one lost
 * and one expired. Conflicts are found and scored with the app's own
 * normalization and matching, in registration order, so the data is what the
 * app would have stored. Called by seed.ts inside its transaction.
 */

const DAY = 86_400_000;
const HOUR = 3_600_000;

interface SeedDeal {
  partner: string;
  customerName: string;
  domain: string;
  country: string;
  region?: string;
  contact: [name: string, title: string, email: string];
  lines: [sku: string, quantity: number][];
  value: string;
  currency: "USD" | "EUR" | "JPY" | "AUD";
  stage: "prospecting" | "qualification" | "proposal" | "negotiation" | "commit";
  /** Registered this long before now. */
  ago: number;
  closeInDays: number;
  competition?: string;
  notes?: string;
  outcome?:
    | { status: "approved"; protectedForDays: number; decidedAfter: number }
    | { status: "rejected"; note: string; decidedAfter: number }
    | { status: "changes_requested"; note: string; decidedAfter: number }
    | { status: "won"; finalValue: string; protectedForDays: number; decidedAfter: number; closedAgo: number }
    | { status: "lost"; reason: string; protectedForDays: number; decidedAfter: number; closedAgo: number }
    | { status: "expired"; decidedAfter: number; endedAgo: number };
}

const demoDeals: SeedDeal[] = [
  {
    partner: "sakura-mail",
    customerName: "Tokai Shipping K.K.",
    domain: "www.tokai-shipping.test",
    country: "JP",
    region: "Aichi",
    contact: ["Hiroshi Yamada", "IT Infrastructure Manager", "h.yamada@tokai-shipping.test"],
    lines: [
      ["MSE-ADV-12", 250],
      ["ASG-12", 3],
    ],
    value: "4800000",
    currency: "JPY",
    stage: "negotiation",
    ago: 24 * DAY,
    closeInDays: 45,
    competition: "Incumbent on-premise Exchange relay; a hosted gateway offered by their telecom provider.",
    outcome: { status: "approved", protectedForDays: 90, decidedAfter: 1 * DAY },
  },
  {
    partner: "polder-relay",
    customerName: "Van der Berg Logistiek B.V.",
    domain: "vanderberg-logistiek.test",
    country: "NL",
    region: "Zuid-Holland",
    contact: ["Pieter van der Berg", "CIO", "pieter@vanderberg-logistiek.test"],
    lines: [["MSE-ADV-36", 400]],
    value: "86500.00",
    currency: "EUR",
    stage: "commit",
    ago: 82 * DAY,
    closeInDays: 12,
    outcome: { status: "approved", protectedForDays: 90, decidedAfter: 2 * DAY },
  },
  {
    partner: "liberty-mailworks",
    customerName: "Granite Peak Health, Inc.",
    domain: "granitepeak-health.test",
    country: "US",
    region: "Colorado",
    contact: ["Rachel Torres", "Director of IT", "rtorres@granitepeak-health.test"],
    lines: [
      ["MSE-ADV-12", 1200],
      ["SRL-PERP", 2],
    ],
    value: "125000.00",
    currency: "USD",
    stage: "negotiation",
    ago: 40 * DAY,
    closeInDays: 60,
    competition: "A cloud mail security suite bundled with their office licences.",
    outcome: { status: "approved", protectedForDays: 90, decidedAfter: 1 * DAY },
  },
  {
    partner: "rheinmail",
    customerName: "Stadtwerke Lippstadt GmbH",
    domain: "stadtwerke-lippstadt.test",
    country: "DE",
    region: "Nordrhein-Westfalen",
    contact: ["Jürgen Becker", "Leiter IT", "j.becker@stadtwerke-lippstadt.test"],
    lines: [["MSE-STD-12", 600]],
    value: "56000.00",
    currency: "EUR",
    stage: "proposal",
    ago: 31 * DAY,
    closeInDays: 75,
    outcome: { status: "approved", protectedForDays: 90, decidedAfter: 3 * DAY },
  },
  {
    partner: "liberty-mailworks",
    customerName: "Cascade Credit Union",
    domain: "cascadecu.test",
    country: "US",
    region: "Washington",
    contact: ["Mark Ellis", "VP Technology", "mellis@cascadecu.test"],
    lines: [["ASG-12", 4]],
    value: "18500.00",
    currency: "USD",
    stage: "qualification",
    ago: 26 * DAY,
    closeInDays: 50,
    outcome: {
      status: "rejected",
      note: "Cascade Credit Union buys directly from the vendor under an enterprise agreement until next year.",
      decidedAfter: 2 * DAY,
    },
  },
  {
    partner: "polder-relay",
    customerName: "Brouwerij De Molen B.V.",
    domain: "brouwerij-demolen.test",
    country: "NL",
    region: "Zuid-Holland",
    contact: ["Menno Olivier", "Operations", "menno@brouwerij-demolen.test"],
    lines: [["MSE-STD-12", 120]],
    value: "12400.00",
    currency: "EUR",
    stage: "commit",
    ago: 70 * DAY,
    closeInDays: 5,
    outcome: { status: "won", finalValue: "12900.00", protectedForDays: 90, decidedAfter: 1 * DAY, closedAgo: 6 * DAY },
  },
  {
    partner: "sakura-mail",
    customerName: "Osaka Medical Devices K.K.",
    domain: "osaka-medical.test",
    country: "JP",
    region: "Osaka",
    contact: ["Aiko Nakamura", "Information Systems", "nakamura@osaka-medical.test"],
    lines: [["MSE-STD-12", 80]],
    value: "2200000",
    currency: "JPY",
    stage: "proposal",
    ago: 60 * DAY,
    closeInDays: 10,
    outcome: {
      status: "lost",
      reason: "The customer chose a hosted mail service from their cloud provider.",
      protectedForDays: 90,
      decidedAfter: 2 * DAY,
      closedAgo: 9 * DAY,
    },
  },
  {
    partner: "liberty-mailworks",
    customerName: "Summit Outdoor Gear LLC",
    domain: "summit-outdoor.test",
    country: "US",
    region: "Utah",
    contact: ["Kyle Jensen", "IT Lead", "kyle@summit-outdoor.test"],
    lines: [["ASG-12", 1]],
    value: "9800.00",
    currency: "USD",
    stage: "qualification",
    ago: 102 * DAY,
    closeInDays: 20,
    outcome: { status: "expired", decidedAfter: 2 * DAY, endedAgo: 10 * DAY },
  },
  {
    partner: "brussels-secure",
    customerName: "Ville de Namur",
    domain: "ville-namur.test",
    country: "BE",
    region: "Wallonia",
    contact: ["Sophie Lambert", "Responsable informatique", "s.lambert@ville-namur.test"],
    lines: [["ASG-12", 2]],
    value: "31000.00",
    currency: "EUR",
    stage: "proposal",
    ago: 6 * DAY,
    closeInDays: 90,
    outcome: {
      status: "changes_requested",
      note: "Please add the number of mailboxes: the gateway is priced per domain, the relay per mailbox.",
      decidedAfter: 1 * DAY,
    },
  },
  {
    partner: "southern-cross",
    customerName: "Koala Freight Pty Ltd",
    domain: "koalafreight.test",
    country: "AU",
    region: "Queensland",
    contact: ["Liam O'Brien", "IT Manager", "liam.obrien@koalafreight.test"],
    lines: [["ASG-12", 2]],
    value: "24000.00",
    currency: "AUD",
    stage: "qualification",
    ago: 4 * DAY + 2 * HOUR,
    closeInDays: 80,
  },
  {
    partner: "rheinmail",
    customerName: "Müller Maschinenbau GmbH",
    domain: "mueller-maschinenbau.test",
    country: "DE",
    region: "Bayern",
    contact: ["Stefan Müller", "Geschäftsführer", "s.mueller@mueller-maschinenbau.test"],
    lines: [["MSE-STD-12", 150]],
    value: "42000.00",
    currency: "EUR",
    stage: "qualification",
    ago: 2 * DAY + 5 * HOUR,
    closeInDays: 100,
  },
  {
    partner: "brussels-secure",
    customerName: "Mueller Maschinenbau",
    domain: "mueller-mb.test",
    country: "DE",
    region: "Bayern",
    contact: ["Petra Huber", "IT-Sicherheit", "p.huber@mueller-mb.test"],
    lines: [
      ["MSE-STD-12", 150],
      ["ASG-12", 1],
    ],
    value: "39500.00",
    currency: "EUR",
    stage: "prospecting",
    ago: 20 * HOUR,
    closeInDays: 120,
    notes: "Met at the Munich security fair; they want encrypted mail for their engineering partners.",
  },
  {
    partner: "sakura-mail",
    customerName: "Hokkaido Dairy Cooperative",
    domain: "hokkaido-dairy.test",
    country: "JP",
    region: "Hokkaido",
    contact: ["Takeshi Sato", "General Affairs", "t.sato@hokkaido-dairy.test"],
    lines: [["MSE-STD-12", 60]],
    value: "1350000",
    currency: "JPY",
    stage: "prospecting",
    ago: 5 * HOUR,
    closeInDays: 150,
  },
  {
    partner: "southern-cross",
    customerName: "TOKAI SHIPPING Co., Ltd.",
    domain: "it-desk@tokai-shipping.test",
    country: "JP",
    region: "Aichi",
    contact: ["Ken Ito", "Procurement", "it-desk@tokai-shipping.test"],
    lines: [["MSE-ADV-12", 300]],
    value: "38000.00",
    currency: "USD",
    stage: "proposal",
    ago: 1 * DAY + 3 * HOUR,
    closeInDays: 70,
    competition: "The customer asked for quotes from two resellers.",
  },
];

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

export async function seedDeals(
  tx: Db,
  opts: { now: Date; partners: { id: string; slug: string; ownerId: string }[]; vendorReviewerId: string },
): Promise<void> {
  const now = opts.now.getTime();
  const bySlug = new Map(opts.partners.map((p) => [p.slug, p]));
  const productRows = await tx.select({ id: products.id, sku: products.sku }).from(products);
  const productId = new Map(productRows.map((p) => [p.sku, p.id]));
  const missing = demoDeals.flatMap((d) => d.lines.map(([sku]) => sku)).filter((sku) => !productId.has(sku));
  if (missing.length) throw new Error(`seed deals name unknown products: ${[...new Set(missing)].join(", ")}`);
  const people = await tx
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(inArray(users.id, [opts.vendorReviewerId, ...opts.partners.map((p) => p.ownerId)]));
  const emailOf = new Map(people.map((u) => [u.id, u.email]));
  const reviewerLabel = emailOf.get(opts.vendorReviewerId) ?? "channel team";
  const threshold = nameThreshold();

  // In registration order, so each one is matched against those before it, as the app does.
  for (const d of [...demoDeals].sort((a, b) => b.ago - a.ago)) {
    const partner = bySlug.get(d.partner);
    if (!partner) continue;
    const created = new Date(now - d.ago);
    const customerDomain = normalizeCustomerDomain(d.domain)!;
    const customerNameNormalized = normalizeCompanyName(d.customerName);
    const lineIds = d.lines.map(([sku]) => productId.get(sku)!);
    const minor = (value: string) => {
      const money = parseMoney(value, d.currency);
      if (!money.ok) throw new Error(`seed deal ${d.customerName}: ${money.message}`);
      return money.minor;
    };

    const q = { customerDomain, customerNameNormalized, country: d.country, productIds: lineIds };
    const others = scoreCandidates(q, await findCandidates(tx, q, threshold), threshold).filter(
      (c) => c.partnerId !== partner.id,
    );
    const conflicts: DealMatch[] = others.map(toDealMatch);

    const o = d.outcome;
    const decidedAt = o ? new Date(created.getTime() + o.decidedAfter) : null;
    const protectedUntil =
      o && "protectedForDays" in o
        ? new Date(decidedAt!.getTime() + o.protectedForDays * DAY)
        : o?.status === "expired"
          ? new Date(now - o.endedAgo)
          : null;
    const closedAt = o && "closedAgo" in o ? new Date(now - o.closedAgo) : null;
    const status = o?.status ?? "pending_review";
    const updatedAt = closedAt ?? (o?.status === "expired" ? protectedUntil! : (decidedAt ?? created));

    const [row] = await tx
      .insert(deals)
      .values({
        partnerId: partner.id,
        registeredBy: partner.ownerId,
        customerName: d.customerName,
        customerNameNormalized,
        customerDomain,
        country: d.country,
        region: d.region ?? null,
        contactName: d.contact[0],
        contactTitle: d.contact[1],
        contactEmail: d.contact[2],
        valueMinor: minor(d.value),
        currency: d.currency,
        expectedCloseDate: isoDay(new Date(now + d.closeInDays * DAY)),
        stage: d.stage,
        competition: d.competition ?? null,
        notes: d.notes ?? null,
        status,
        conflictFlag: conflicts.length > 0,
        conflicts,
        protectedUntil,
        decidedBy: o ? opts.vendorReviewerId : null,
        decidedAt,
        decisionNote: o && "note" in o ? o.note : null,
        finalValueMinor: o?.status === "won" ? minor(o.finalValue) : null,
        lostReason: o?.status === "lost" ? o.reason : null,
        closedAt,
        createdAt: created,
        updatedAt,
      })
      .returning({ id: deals.id });
    const id = row!.id;
    await tx
      .insert(dealLines)
      .values(
        d.lines.map(([, quantity], i) => ({ dealId: id, partnerId: partner.id, productId: lineIds[i]!, quantity })),
      );
    // The earlier registrations learn of this one, as registerDeal does.
    for (const other of others) {
      const match = JSON.stringify([{ dealId: id, partnerId: partner.id, score: other.score, reasons: other.reasons }]);
      await tx.execute(sql`
        update deals
           set conflicts = conflicts || ${match}::jsonb,
               conflict_flag = conflict_flag or status in ('pending_review', 'changes_requested')
         where id = ${other.dealId}`);
    }

    const partnerLabel = emailOf.get(partner.ownerId) ?? partner.slug;
    const events: { at: Date; actorLabel: string; kind: string; note: string | null }[] = [
      {
        at: created,
        actorLabel: partnerLabel,
        kind: "registered",
        note: conflicts.length > 0 ? "Flagged for review: a similar registration exists." : null,
      },
    ];
    if (o) {
      const decided = decidedAt!;
      if (o.status === "rejected" || o.status === "changes_requested") {
        events.push({ at: decided, actorLabel: reviewerLabel, kind: o.status, note: o.note });
      } else {
        const until = o.status === "expired" ? protectedUntil! : new Date(decided.getTime() + o.protectedForDays * DAY);
        events.push({
          at: decided,
          actorLabel: reviewerLabel,
          kind: "approved",
          note: `Protected until ${isoDay(until)}.`,
        });
      }
      if (o.status === "won") {
        const final = formatMoney(minor(o.finalValue), d.currency);
        events.push({ at: closedAt!, actorLabel: partnerLabel, kind: "won", note: `Final value ${final}.` });
      }
      if (o.status === "lost") events.push({ at: closedAt!, actorLabel: partnerLabel, kind: "lost", note: o.reason });
      if (o.status === "expired") {
        events.push({
          at: protectedUntil!,
          actorLabel: "deal-protection-expiry",
          kind: "expired",
          note: `Protection ended on ${isoDay(protectedUntil!)}.`,
        });
      }
    }
    await tx.insert(dealEvents).values(events.map((e) => ({ dealId: id, partnerId: partner.id, ...e })));
  }
}
