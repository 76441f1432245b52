/**
 * Rows for the tier tests, inserted directly (each input is tested in its own
 * area): a rule set in force from a date, a partner with its people,
 * certifications, won deals and paid license orders, and the queries the
 * tests assert with (state, history, mails, audit events).
 */
import { and, asc, eq, like } from "drizzle-orm";
import type { Db } from "../../../db/client";
import {
  auditEvents,
  exchangeRates,
  licenseOrders,
  mailMessages,
  mailRecipients,
  partners,
  partnerTierStates,
  tierChanges,
  tierRules,
  tiers,
  type TierDefinitionJson,
  type TierRulesJson,
} from "../../../db/schema";
import { createPartner, createUser, unique } from "../../support/factories";
import { certify, createCourse } from "../training/certification-fixtures";
import { insertDeal } from "../deals/deal-fixtures";

export const DAY = 86_400_000;

/** Test rules: Silver needs 1 "relay" engineer, $20,000 and 1 won deal; Gold 2 relay + 1 tls, $100,000, 2 won deals. */
export function testRules(relay: string, tls: string, over: Partial<TierRulesJson> = {}): TierRulesJson {
  const benefits = (discountPercent: number, routingWeight: number) => ({
    discountPercent,
    routingWeight,
    protectionDays: 90,
  });
  return {
    graceDays: 60,
    tiers: [
      {
        key: "registered",
        name: "Registered",
        requirements: { certifications: [], revenueUsdMinor: 0, wonDeals: 0, acceptanceRate: null },
        benefits: benefits(10, 0),
      },
      {
        key: "silver",
        name: "Silver",
        requirements: {
          certifications: [{ courseKey: relay, min: 1 }],
          revenueUsdMinor: 2_000_000,
          wonDeals: 1,
          acceptanceRate: 0.5,
        },
        benefits: benefits(20, 0.5),
      },
      {
        key: "gold",
        name: "Gold",
        requirements: {
          certifications: [
            { courseKey: relay, min: 2 },
            { courseKey: tls, min: 1 },
          ],
          revenueUsdMinor: 10_000_000,
          wonDeals: 2,
          acceptanceRate: 0.7,
        },
        benefits: benefits(30, 1),
      },
    ],
    ...over,
  };
}

/** A tier's definition in test rules (for tests that change one benefit or requirement). */
export function tierIn(rules: TierRulesJson, key: string): TierDefinitionJson {
  const t = rules.tiers.find((x) => x.key === key);
  if (!t) throw new Error(`tierIn: no tier ${key}`);
  return t;
}

/** Platinum above Gold: 3 relay + 2 tls, $250,000, 4 won deals; 40 % discount, 120 protection days. */
export function platinumTier(relay: string, tls: string): TierDefinitionJson {
  return {
    key: "platinum",
    name: "Platinum",
    requirements: {
      certifications: [
        { courseKey: relay, min: 3 },
        { courseKey: tls, min: 2 },
      ],
      revenueUsdMinor: 25_000_000,
      wonDeals: 4,
      acceptanceRate: null,
    },
    benefits: { discountPercent: 40, routingWeight: 0.9, protectionDays: 120 },
  };
}

/** Inserts a rule version in force from `effectiveAt`, applied (and its tiers into the catalogue, as publishing does). */
export async function insertRules(db: Db, version: number, effectiveAt: Date, rules: TierRulesJson) {
  for (const t of rules.tiers) {
    await db
      .insert(tiers)
      .values({ key: t.key, name: t.name })
      .onConflictDoUpdate({ target: tiers.key, set: { name: t.name } });
  }
  // Already applied (as if published in force): the jobs' applyDueRules leaves it alone.
  await db.insert(tierRules).values({ version, effectiveAt, rules, note: `test v${version}`, appliedAt: effectiveAt });
}

export type TestCourse = Awaited<ReturnType<typeof createCourse>>;

export async function tierCourses(db: Db) {
  return {
    relay: await createCourse(db, { key: unique("relay"), certificationName: "Relay Engineer" }),
    tls: await createCourse(db, { key: unique("tls"), certificationName: "TLS Specialist" }),
  };
}

/** The usual start of a tier test: the two courses, and testRules as `version` in force since 2030. */
export async function tierWorld(db: Db, version = 100) {
  const courses = await tierCourses(db);
  await insertRules(db, version, new Date("2030-01-01T00:00:00Z"), testRules(courses.relay.key, courses.tls.key));
  return courses;
}

/** A partner of `tier` with an admin (who gets the tier mails). */
export async function tierPartner(db: Db, tier: string, country = "NL") {
  const partner = await createPartner(db, { tier, country });
  const admin = await createUser(db, { role: "partner_admin", partnerId: partner.id });
  return { partner, admin };
}

/** A certified person of the partner on `course`, valid from `earnedAt` to `expiresAt`. */
export async function certifiedPerson(
  db: Db,
  partnerId: string,
  course: TestCourse,
  earnedAt: Date,
  expiresAt: Date,
  name?: string,
) {
  const user = await createUser(db, {
    role: "partner_user",
    partnerId,
    ...(name ? { name, email: `${unique("person")}@example.test` } : {}),
  });
  const cert = await certify(db, { partnerId, userId: user.id, course, earnedAt, expiresAt });
  return { user, cert };
}

export async function wonDeal(db: Db, partnerId: string, closedAt: Date) {
  return insertDeal(db, { partnerId, status: "won", closedAt, finalValueMinor: 1_000_000 });
}

/** A paid (or other status) license order of `totalMinor` in `currency`, paid at `paidAt`. */
export async function paidOrder(
  db: Db,
  opts: {
    partnerId: string;
    totalMinor: number;
    paidAt: Date;
    currency?: "USD" | "EUR" | "JPY" | "AUD";
    status?: "paid" | "fulfilled" | "refunded";
  },
) {
  const slug = unique("lic");
  const [row] = await db
    .insert(licenseOrders)
    .values({
      partnerId: opts.partnerId,
      customerCompany: `Customer ${slug}`,
      customerDomain: `${slug}.example.com`,
      customerCountry: "NL",
      technicalContactEmail: `it@${slug}.example.com`,
      currency: opts.currency ?? "USD",
      subtotalMinor: opts.totalMinor,
      discountPercent: 0,
      discountMinor: 0,
      totalMinor: opts.totalMinor,
      tierAtOrder: "registered",
      status: opts.status ?? "paid",
      paymentMethod: "invoice",
      paidAt: opts.paidAt,
      refundedAt: opts.status === "refunded" ? opts.paidAt : null,
    })
    .returning();
  return row!;
}

export async function exchangeRate(db: Db, currency: "EUR" | "JPY" | "AUD", rateToBase: number, effectiveDate: string) {
  await db.insert(exchangeRates).values({ currency, rateToBase, effectiveDate }).onConflictDoNothing();
}

export async function tierOf(db: Db, partnerId: string) {
  const [row] = await db.select({ tier: partners.tier }).from(partners).where(eq(partners.id, partnerId));
  return row!.tier;
}

export async function stateOf(db: Db, partnerId: string) {
  const [row] = await db.select().from(partnerTierStates).where(eq(partnerTierStates.partnerId, partnerId));
  return row;
}

export async function changesOf(db: Db, partnerId: string) {
  return db
    .select()
    .from(tierChanges)
    .where(eq(tierChanges.partnerId, partnerId))
    .orderBy(asc(tierChanges.at), asc(tierChanges.kind));
}

export async function tierAudits(db: Db, partnerId: string) {
  return db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.partnerId, partnerId), like(auditEvents.action, "tier.%")))
    .orderBy(asc(auditEvents.at));
}

/** The tier mails queued for a partner, with their recipients. */
export async function tierMails(db: Db, partnerId: string) {
  const rows = await db
    .select({
      id: mailMessages.id,
      template: mailMessages.template,
      subject: mailMessages.subject,
      text: mailMessages.text,
      key: mailMessages.dedupeKey,
    })
    .from(mailMessages)
    .where(and(eq(mailMessages.partnerId, partnerId), like(mailMessages.template, "tier-%")))
    .orderBy(asc(mailMessages.createdAt));
  const out = [];
  for (const r of rows) {
    const to = await db
      .select({ address: mailRecipients.address })
      .from(mailRecipients)
      .where(eq(mailRecipients.mailId, r.id));
    out.push({ ...r, to: to.map((t) => t.address) });
  }
  return out;
}
