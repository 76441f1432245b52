import { eq, inArray } from "drizzle-orm";
import type { Actor, Ctx } from "../app/modules/auth/actor";
import { createLead } from "../app/modules/leads/intake.server";
import { acceptOffer, declineOffer, expireOverdueOffers, sendOfferReminders } from "../app/modules/leads/offers.server";
import { holdLead, recallOffer, routeLead } from "../app/modules/leads/route.server";
import { publishRules } from "../app/modules/leads/rules.server";
import { updateLeadWork } from "../app/modules/leads/work.server";
import type { Db } from "./client";
import { partners, products, publicHolidays, users } from "./schema";

/**
 * The demo world's leads, in every state, made with the app's own use cases
 * at past moments (ctx.now), so offers, SLA deadlines, routing explanations,
 * events, audit rows and mails are what the app would have written:
 *
 * - won (Kyoto Pharma, Luxembourg Fund Services), lost (Austin Freight)
 * - accepted, contacted, meeting (with a next step), qualified, proposal
 * - offered and waiting (one fresh, one past half its SLA with the reminder sent,
 *   one re-offered after the first partner declined)
 * - returned to the vendor after an offer expired, or after the only eligible
 *   partner declined; no eligible partner (a product rule needs a certification
 *   nobody in Australia holds); held by a channel manager; recalled; new from the
 *   contact form, not yet routed.
 *
 * Also: public holidays of the demo countries, routing rules version 2 (a
 * territory map and product rules) and the partners' time zones. Called by
 * seed.ts inside its transaction; leads are played in time order, so the expiry
 * job run for one lead finds only that lead's offer overdue.
 */

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** Public holidays of the demo partners' countries, 2026–2027 (national days; AU as in New South Wales). */
export const demoHolidays: { country: string; date: string; name: string }[] = [
  ...(
    [
      ["2026-01-01", "New Year's Day"],
      ["2026-01-12", "Coming of Age Day"],
      ["2026-02-11", "National Foundation Day"],
      ["2026-02-23", "Emperor's Birthday"],
      ["2026-03-20", "Vernal Equinox Day"],
      ["2026-04-29", "Shōwa Day"],
      ["2026-05-04", "Greenery Day"],
      ["2026-05-05", "Children's Day"],
      ["2026-05-06", "Substitute holiday"],
      ["2026-07-20", "Marine Day"],
      ["2026-08-11", "Mountain Day"],
      ["2026-09-21", "Respect for the Aged Day"],
      ["2026-09-22", "Citizens' holiday"],
      ["2026-09-23", "Autumnal Equinox Day"],
      ["2026-10-12", "Sports Day"],
      ["2026-11-03", "Culture Day"],
      ["2026-11-23", "Labour Thanksgiving Day"],
      ["2027-01-01", "New Year's Day"],
      ["2027-01-11", "Coming of Age Day"],
      ["2027-02-11", "National Foundation Day"],
      ["2027-02-23", "Emperor's Birthday"],
      ["2027-03-22", "Substitute holiday (Vernal Equinox)"],
      ["2027-04-29", "Shōwa Day"],
      ["2027-05-03", "Constitution Memorial Day"],
      ["2027-05-04", "Greenery Day"],
      ["2027-05-05", "Children's Day"],
      ["2027-07-19", "Marine Day"],
      ["2027-08-11", "Mountain Day"],
      ["2027-09-20", "Respect for the Aged Day"],
      ["2027-09-23", "Autumnal Equinox Day"],
      ["2027-10-11", "Sports Day"],
      ["2027-11-03", "Culture Day"],
      ["2027-11-23", "Labour Thanksgiving Day"],
    ] as const
  ).map(([date, name]) => ({ country: "JP", date, name })),
  ...(
    [
      ["2026-01-01", "New Year's Day"],
      ["2026-01-26", "Australia Day"],
      ["2026-04-03", "Good Friday"],
      ["2026-04-04", "Easter Saturday"],
      ["2026-04-06", "Easter Monday"],
      ["2026-06-08", "King's Birthday"],
      ["2026-10-05", "Labour Day"],
      ["2026-12-25", "Christmas Day"],
      ["2026-12-28", "Boxing Day (observed)"],
      ["2027-01-01", "New Year's Day"],
      ["2027-01-26", "Australia Day"],
      ["2027-03-26", "Good Friday"],
      ["2027-03-27", "Easter Saturday"],
      ["2027-03-29", "Easter Monday"],
      ["2027-04-26", "Anzac Day (observed)"],
      ["2027-06-14", "King's Birthday"],
      ["2027-10-04", "Labour Day"],
      ["2027-12-27", "Christmas Day (observed)"],
      ["2027-12-28", "Boxing Day (observed)"],
    ] as const
  ).map(([date, name]) => ({ country: "AU", date, name })),
  ...(
    [
      ["2026-01-01", "Nieuwjaarsdag"],
      ["2026-04-06", "Tweede Paasdag"],
      ["2026-04-27", "Koningsdag"],
      ["2026-05-14", "Hemelvaartsdag"],
      ["2026-05-25", "Tweede Pinksterdag"],
      ["2026-12-25", "Eerste Kerstdag"],
      ["2026-12-26", "Tweede Kerstdag"],
      ["2027-01-01", "Nieuwjaarsdag"],
      ["2027-03-29", "Tweede Paasdag"],
      ["2027-04-27", "Koningsdag"],
      ["2027-05-06", "Hemelvaartsdag"],
      ["2027-05-17", "Tweede Pinksterdag"],
      ["2027-12-25", "Eerste Kerstdag"],
      ["2027-12-26", "Tweede Kerstdag"],
    ] as const
  ).map(([date, name]) => ({ country: "NL", date, name })),
  ...(
    [
      ["2026-01-01", "Nouvel An"],
      ["2026-04-06", "Lundi de Pâques"],
      ["2026-05-01", "Fête du Travail"],
      ["2026-05-14", "Ascension"],
      ["2026-05-25", "Lundi de Pentecôte"],
      ["2026-07-21", "Fête nationale"],
      ["2026-08-15", "Assomption"],
      ["2026-11-01", "Toussaint"],
      ["2026-11-11", "Armistice"],
      ["2026-12-25", "Noël"],
      ["2027-01-01", "Nouvel An"],
      ["2027-03-29", "Lundi de Pâques"],
      ["2027-05-01", "Fête du Travail"],
      ["2027-05-06", "Ascension"],
      ["2027-05-17", "Lundi de Pentecôte"],
      ["2027-07-21", "Fête nationale"],
      ["2027-08-15", "Assomption"],
      ["2027-11-01", "Toussaint"],
      ["2027-11-11", "Armistice"],
      ["2027-12-25", "Noël"],
    ] as const
  ).map(([date, name]) => ({ country: "BE", date, name })),
  ...(
    [
      ["2026-01-01", "New Year's Day"],
      ["2026-01-19", "Martin Luther King Jr. Day"],
      ["2026-02-16", "Presidents' Day"],
      ["2026-05-25", "Memorial Day"],
      ["2026-06-19", "Juneteenth"],
      ["2026-07-03", "Independence Day (observed)"],
      ["2026-09-07", "Labor Day"],
      ["2026-10-12", "Columbus Day"],
      ["2026-11-11", "Veterans Day"],
      ["2026-11-26", "Thanksgiving Day"],
      ["2026-12-25", "Christmas Day"],
      ["2027-01-01", "New Year's Day"],
      ["2027-01-18", "Martin Luther King Jr. Day"],
      ["2027-02-15", "Presidents' Day"],
      ["2027-05-31", "Memorial Day"],
      ["2027-06-18", "Juneteenth (observed)"],
      ["2027-07-05", "Independence Day (observed)"],
      ["2027-09-06", "Labor Day"],
      ["2027-10-11", "Columbus Day"],
      ["2027-11-11", "Veterans Day"],
      ["2027-11-25", "Thanksgiving Day"],
      ["2027-12-24", "Christmas Day (observed)"],
    ] as const
  ).map(([date, name]) => ({ country: "US", date, name })),
  ...(
    [
      ["2026-01-01", "Neujahr"],
      ["2026-04-03", "Karfreitag"],
      ["2026-04-06", "Ostermontag"],
      ["2026-05-01", "Tag der Arbeit"],
      ["2026-05-14", "Christi Himmelfahrt"],
      ["2026-05-25", "Pfingstmontag"],
      ["2026-10-03", "Tag der Deutschen Einheit"],
      ["2026-12-25", "1. Weihnachtstag"],
      ["2026-12-26", "2. Weihnachtstag"],
      ["2027-01-01", "Neujahr"],
      ["2027-03-26", "Karfreitag"],
      ["2027-03-29", "Ostermontag"],
      ["2027-05-01", "Tag der Arbeit"],
      ["2027-05-06", "Christi Himmelfahrt"],
      ["2027-05-17", "Pfingstmontag"],
      ["2027-10-03", "Tag der Deutschen Einheit"],
      ["2027-12-25", "1. Weihnachtstag"],
      ["2027-12-26", "2. Weihnachtstag"],
    ] as const
  ).map(([date, name]) => ({ country: "DE", date, name })),
];

type Step =
  | { at: number; do: "route" }
  | { at: number; do: "accept"; by?: string }
  | {
      at: number;
      do: "decline";
      by?: string;
      reason: "no_capacity" | "outside_territory" | "not_qualified" | "other";
      note?: string;
    }
  | { at: number; do: "work"; by?: string; input: Record<string, string> }
  | { at: number; do: "expire" }
  | { at: number; do: "remind" }
  | { at: number; do: "hold"; reason: string }
  | { at: number; do: "recall"; reason: string };

interface DemoLead {
  /** Created this long before now (ms). */
  ago: number;
  source: "form" | "contact" | "api";
  lead: Record<string, string>;
  /** Offsets in ms after creation. */
  steps: Step[];
}

const M = 60_000;

const demoLeads: DemoLead[] = [
  {
    ago: 40 * DAY,
    source: "form",
    lead: {
      companyName: "Kyoto Pharma K.K.",
      website: "kyoto-pharma.test",
      contactName: "Aiko Fujimoto",
      contactEmail: "a.fujimoto@kyoto-pharma.test",
      contactTitle: "Head of IT",
      country: "JP",
      region: "JP-26",
      product: "MSE-ADV-12",
      seats: "800",
      estimatedValue: "9000000",
      currency: "JPY",
      message: "Replacing an end-of-life groupware mail system before April.",
    },
    steps: [
      { at: 5 * M, do: "route" },
      { at: 3 * HOUR, do: "accept", by: "yui.tanaka" },
      {
        at: 1 * DAY,
        do: "work",
        by: "yui.tanaka",
        input: { status: "contacted", note: "Call with Fujimoto-san; wants a pilot for 50 mailboxes." },
      },
      { at: 8 * DAY, do: "work", by: "yui.tanaka", input: { status: "proposal" } },
      {
        at: 20 * DAY,
        do: "work",
        input: { status: "won", wonValue: "9600000", currency: "JPY", note: "Three-year order signed." },
      },
    ],
  },
  {
    ago: 32 * DAY,
    source: "form",
    lead: {
      companyName: "Hamburger Hafenlogistik GmbH",
      website: "hafenlogistik.test",
      contactName: "Jonas Becker",
      contactEmail: "j.becker@hafenlogistik.test",
      country: "DE",
      product: "MSE-STD-12",
      seats: "300",
    },
    steps: [
      { at: 10 * M, do: "route" },
      { at: 6 * DAY, do: "expire" },
    ],
  },
  {
    ago: 25 * DAY,
    source: "api",
    lead: {
      companyName: "Austin Freight Lines",
      website: "austinfreight.test",
      contactName: "Megan Clark",
      contactEmail: "megan.clark@austinfreight.test",
      country: "US",
      region: "US-TX",
      product: "MSE-STD-12",
      seats: "450",
      estimatedValue: "27000",
      currency: "USD",
    },
    steps: [
      { at: 5 * M, do: "route" },
      { at: 5 * HOUR, do: "accept", by: "ashley.brown" },
      { at: 2 * DAY, do: "work", by: "ashley.brown", input: { status: "contacted" } },
      {
        at: 15 * DAY,
        do: "work",
        by: "ashley.brown",
        input: { status: "lost", lostReason: "Chose a hosted suite bundled with their office licences." },
      },
    ],
  },
  {
    ago: 14 * DAY,
    source: "form",
    lead: {
      companyName: "Rotterdam Port Services B.V.",
      website: "rps-haven.test",
      contactName: "Pieter van Dijk",
      contactEmail: "p.vandijk@rps-haven.test",
      country: "NL",
      product: "ASG-12",
      seats: "12",
      message: "Spam wave on the harbour master's domains; needs a gateway quickly.",
    },
    steps: [
      { at: 5 * M, do: "route" },
      { at: 2 * HOUR, do: "accept" },
      { at: 1 * DAY, do: "work", by: "daan.bakker", input: { status: "contacted" } },
      {
        at: 4 * DAY,
        do: "work",
        by: "daan.bakker",
        input: {
          status: "meeting",
          nextStepDate: "+5",
          nextStep: "On-site demo of the gateway with the security team",
        },
      },
    ],
  },
  {
    ago: 11 * DAY,
    source: "form",
    lead: {
      companyName: "Luxembourg Fund Services S.A.",
      website: "lfs-fonds.test",
      contactName: "Claire Weber",
      contactEmail: "c.weber@lfs-fonds.test",
      country: "LU",
      product: "MSE-ADV-36",
      seats: "220",
      estimatedValue: "40000",
      currency: "EUR",
    },
    steps: [
      { at: 5 * M, do: "route" },
      { at: 1 * HOUR, do: "accept", by: "emma.visser" },
      { at: 3 * DAY, do: "work", by: "emma.visser", input: { status: "qualified" } },
      { at: 6 * DAY, do: "work", by: "emma.visser", input: { status: "won", wonValue: "42000.00", currency: "EUR" } },
    ],
  },
  {
    ago: 9 * DAY,
    source: "form",
    lead: {
      companyName: "Boulder Health Network",
      website: "boulderhealth.test",
      contactName: "Rachel Green",
      contactEmail: "rgreen@boulderhealth.test",
      country: "US",
      region: "US-CO",
      product: "MSE-ADV-36",
      seats: "1200",
      estimatedValue: "96000",
      currency: "USD",
      message: "HIPAA-compliant relay and archiving for 14 clinics.",
    },
    steps: [
      { at: 5 * M, do: "route" },
      { at: 20 * HOUR, do: "accept", by: "david.miller" },
      {
        at: 2 * DAY,
        do: "work",
        by: "david.miller",
        input: { status: "qualified", nextStepDate: "+3", nextStep: "Send the architecture proposal" },
      },
    ],
  },
  {
    ago: 8 * DAY,
    source: "form",
    lead: {
      companyName: "Canberra Legal Partners",
      website: "canberralegal.test",
      contactName: "Emily Walsh",
      contactEmail: "e.walsh@canberralegal.test",
      country: "AU",
      region: "AU-ACT",
      product: "MSE-ADV-12",
      seats: "90",
      estimatedValue: "14500",
      currency: "AUD",
    },
    steps: [
      { at: 5 * M, do: "route" },
      { at: 4 * HOUR, do: "accept", by: "jack.wilson" },
      {
        at: 3 * DAY,
        do: "work",
        by: "jack.wilson",
        input: { status: "proposal", nextStepDate: "+2", nextStep: "Proposal review call" },
      },
    ],
  },
  {
    ago: 6 * DAY,
    source: "form",
    lead: {
      companyName: "Denver Public Schools Foundation",
      website: "dpsf.test",
      contactName: "Carlos Ramirez",
      contactEmail: "c.ramirez@dpsf.test",
      country: "US",
      region: "US-CO",
      product: "MSE-STD-12",
      seats: "300",
    },
    steps: [
      { at: 5 * M, do: "route" },
      { at: 1 * DAY, do: "decline", reason: "not_qualified", note: "We do not resell the perpetual secure relay." },
    ],
  },
  {
    ago: 5 * DAY,
    source: "form",
    lead: {
      companyName: "Brisbane Airport Logistics",
      website: "bne-logistics.test",
      contactName: "Liam O'Connor",
      contactEmail: "liam.oconnor@bne-logistics.test",
      country: "AU",
      region: "AU-QLD",
      product: "MSE-STD-12",
      seats: "150",
    },
    steps: [
      { at: 5 * M, do: "route" },
      { at: 6 * HOUR, do: "recall", reason: "The customer asked the vendor for a direct quote first." },
    ],
  },
  {
    ago: 4 * DAY,
    source: "form",
    lead: {
      companyName: "Perth Energy Services",
      website: "perthenergy.test",
      contactName: "Sophie Taylor",
      contactEmail: "s.taylor@perthenergy.test",
      country: "AU",
      region: "AU-WA",
      product: "ASG-12",
      seats: "6",
    },
    steps: [{ at: 5 * M, do: "route" }],
  },
  {
    ago: 3 * DAY,
    source: "form",
    lead: {
      companyName: "Kobe Steelworks Co., Ltd.",
      website: "kobe-steel.test",
      contactName: "Takeshi Mori",
      contactEmail: "t.mori@kobe-steel.test",
      country: "JP",
      region: "JP-28",
      product: "MSE-STD-12",
      seats: "2000",
    },
    steps: [
      { at: 5 * M, do: "route" },
      { at: 2 * HOUR, do: "accept", by: "kenji.watanabe" },
      {
        at: 1 * DAY,
        do: "work",
        by: "kenji.watanabe",
        input: { status: "contacted", note: "Meeting request sent to the infrastructure team." },
      },
    ],
  },
  {
    ago: 2 * DAY,
    source: "form",
    lead: {
      companyName: "Wellington City Council",
      website: "wcc-nz.test",
      contactName: "Hemi Walker",
      contactEmail: "hemi.walker@wcc-nz.test",
      country: "NZ",
      product: "MSE-ADV-12",
      seats: "1500",
    },
    steps: [{ at: 30 * M, do: "hold", reason: "Public tender: wait for the tender documents before offering it." }],
  },
  {
    ago: 2 * DAY + 2 * HOUR,
    source: "form",
    lead: {
      companyName: "Université de Gand Alumni",
      website: "gand-alumni.test",
      contactName: "Marie Dubois",
      contactEmail: "marie.dubois@gand-alumni.test",
      country: "BE",
      product: "MSE-ADV-12",
      seats: "400",
    },
    steps: [
      { at: 5 * M, do: "route" },
      { at: 20 * HOUR, do: "decline", reason: "no_capacity", note: "Our team is fully booked until January." },
    ],
  },
  {
    ago: 30 * HOUR,
    source: "form",
    lead: {
      companyName: "Sapporo Telecom",
      website: "sapporo-tel.test",
      contactName: "Daiki Ito",
      contactEmail: "d.ito@sapporo-tel.test",
      country: "JP",
      region: "JP-01",
      product: "MSE-ADV-12",
      seats: "600",
    },
    steps: [
      { at: 5 * M, do: "route" },
      { at: 4 * HOUR, do: "accept" },
    ],
  },
  {
    ago: 26 * HOUR,
    source: "form",
    lead: {
      companyName: "Osaka Metro Credit Union",
      website: "omcu.test",
      contactName: "Yuki Nakamura",
      contactEmail: "y.nakamura@omcu.test",
      country: "JP",
      region: "JP-27",
      product: "MSE-STD-12",
      seats: "250",
    },
    steps: [
      { at: 5 * M, do: "route" },
      { at: 25 * HOUR, do: "remind" },
    ],
  },
  {
    ago: 5 * HOUR,
    source: "form",
    lead: {
      companyName: "Nagoya Logistics K.K.",
      website: "nagoya-logi.test",
      contactName: "Ren Kobayashi",
      contactEmail: "r.kobayashi@nagoya-logi.test",
      country: "JP",
      region: "JP-23",
      product: "SRL-PERP",
      seats: "4",
      message: "Four relays for the distribution centres, with TLS everywhere.",
    },
    steps: [{ at: 5 * M, do: "route" }],
  },
  {
    ago: 1 * HOUR,
    source: "contact",
    lead: {
      companyName: "Lion City Mail Hosting Pte. Ltd.",
      website: "lioncitymail.test",
      contactName: "Wei Ling Tan",
      contactEmail: "weiling@lioncitymail.test",
      country: "SG",
      product: "MSE-STD-12",
      seats: "30",
      message: "We host mail for 300 small businesses and want to move them to a supported mail server.",
    },
    steps: [],
  },
];

function vendorActor(u: { id: string; email: string }, role: Actor["role"] = "channel_manager"): Actor {
  return { userId: u.id, label: u.email, role, partnerId: null, ip: null };
}

export async function seedLeads(
  tx: Db,
  opts: { now: Date; adminId: string; salesId: string; partners: { id: string; slug: string; ownerId: string }[] },
): Promise<void> {
  const now = opts.now.getTime();
  await tx.insert(publicHolidays).values(demoHolidays).onConflictDoNothing();
  const zones: Record<string, string> = {
    "sakura-mail": "Asia/Tokyo",
    "southern-cross": "Australia/Sydney",
    "polder-relay": "Europe/Amsterdam",
    "brussels-secure": "Europe/Brussels",
    "liberty-mailworks": "America/Denver",
    rheinmail: "Europe/Berlin",
  };
  for (const [slug, timeZone] of Object.entries(zones)) {
    await tx.update(partners).set({ timeZone }).where(eq(partners.slug, slug));
  }
  const people = await tx
    .select({ id: users.id, email: users.email, role: users.role, partnerId: users.partnerId })
    .from(users)
    .where(inArray(users.id, [opts.adminId, opts.salesId]));
  const admin = people.find((p) => p.id === opts.adminId)!;
  const sales = people.find((p) => p.id === opts.salesId)!;
  const staff = await tx
    .select({ id: users.id, email: users.email, role: users.role, partnerId: users.partnerId })
    .from(users)
    .where(
      inArray(
        users.partnerId,
        opts.partners.map((p) => p.id),
      ),
    );
  const ctxAt = (actor: Actor, at: number): Ctx => ({ db: tx, actor, now: new Date(at) });

  const productRows = await tx.select({ id: products.id, sku: products.sku }).from(products);
  const productId = (sku: string) => {
    const id = productRows.find((p) => p.sku === sku)?.id;
    if (!id) throw new Error(`seed leads: unknown product ${sku}`);
    return id;
  };
  await publishRules(ctxAt(vendorActor(admin, "vendor_admin"), now - 60 * DAY), {
    territoryMap: [
      { area: "SG", servedBy: ["AU"] },
      { area: "LU", servedBy: ["NL", "BE"] },
    ],
    productRules: [
      {
        productId: productId("ASG-12"),
        specialization: "anti-spam-gateway",
        certification: "anti-spam-gateway",
        minimumTier: null,
      },
      {
        productId: productId("SRL-PERP"),
        specialization: "mail-relay",
        certification: "secure-relay-tls-auth",
        minimumTier: "silver",
      },
    ],
    minimumTier: "registered",
    requiredCertification: null,
    defaultCapacity: 25,
    weights: { tier: 3, acceptanceRate: 3, timeToAccept: 2, winRate: 2 },
    slaBusinessDays: 2,
    workdayStartHour: 9,
    workdayEndHour: 18,
    maxOffers: 3,
    note: "Singapore served from Australia; gateways need the anti-spam certification, the secure relay a certified engineer.",
  });

  /** The partner holding a lead right now: whose people act on it. */
  const personOf = async (leadPartnerId: string | null, local?: string) => {
    const partner = opts.partners.find((p) => p.id === leadPartnerId);
    if (!partner) throw new Error("seed leads: the lead is not with a partner");
    const u = local
      ? staff.find((s) => s.email === `${local}@${partner.slug}.test`)
      : staff.find((s) => s.id === partner.ownerId);
    if (!u) throw new Error(`seed leads: no ${local ?? "owner"} at ${partner.slug}`);
    return { userId: u.id, label: u.email, role: u.role, partnerId: u.partnerId, ip: null } satisfies Actor;
  };
  const dateIn = (v: string) =>
    v.startsWith("+") ? new Date(now + Number(v.slice(1)) * DAY).toISOString().slice(0, 10) : v;

  for (const d of [...demoLeads].sort((a, b) => b.ago - a.ago)) {
    const created = now - d.ago;
    const vendor = vendorActor(sales);
    const creator: Actor =
      d.source === "contact"
        ? { userId: null, label: "Contact form", role: "channel_manager", partnerId: null, ip: null }
        : vendor;
    const { lead } = await createLead(
      ctxAt(creator, created),
      { ...d.lead, confirmDuplicate: "on" },
      { source: d.source, route: false },
    );
    let holder: string | null = null;
    for (const s of d.steps) {
      const at = created + s.at;
      if (s.do === "route") {
        const out = await routeLead(ctxAt(vendor, at), lead.id);
        holder = out.kind === "offered" ? out.partnerId : null;
      } else if (s.do === "accept") {
        await acceptOffer(ctxAt(await personOf(holder, s.by), at), lead.id, "portal");
      } else if (s.do === "decline") {
        await declineOffer(
          ctxAt(await personOf(holder, s.by), at),
          lead.id,
          { reason: s.reason, note: s.note },
          "portal",
        );
      } else if (s.do === "work") {
        const input = { ...s.input };
        if (input.nextStepDate) input.nextStepDate = dateIn(input.nextStepDate);
        await updateLeadWork(ctxAt(await personOf(holder, s.by), at), lead.id, input);
      } else if (s.do === "expire") {
        await expireOverdueOffers(tx, new Date(at));
      } else if (s.do === "remind") {
        await sendOfferReminders(tx, new Date(at));
      } else if (s.do === "hold") {
        await holdLead(ctxAt(vendor, at), lead.id, { reason: s.reason });
      } else if (s.do === "recall") {
        await recallOffer(ctxAt(vendor, at), lead.id, { reason: s.reason });
      }
    }
  }
}
