import { randomBytes, randomUUID } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "./client";
import {
  certifications,
  courses,
  dealLines,
  deals,
  enrollments,
  partnerTierStates,
  products,
  tierChanges,
  tierRules,
  tiers,
  users,
  type TierRulesJson,
} from "./schema";
import { reevaluatePartnerTier } from "../app/modules/tiers/evaluate.server";

/**
 * The demo world's programme tiers, after the other seeds: rules version 2
 * (published by the vendor admin 45 days ago, thresholds sized to the first
 * year's figures), the few figures the demo partners still lacked for the
 * tier they hold (a won deal for Sakura Mail, relay certifications for
 * Southern Cross — one expiring within 30 days, which would cost it Silver —
 * and Liberty Mailworks), Polder Relay pinned at Gold by its distribution
 * agreement, Liberty Mailworks at risk since its refunded order (downgrade due
 * in 42 days), and a few movements this quarter. Every demo partner is then
 * evaluated at `now`, which must leave them where they are. No mails.
 */

const DAY = 86_400_000;

export const DEMO_TIER_RULES: TierRulesJson = {
  graceDays: 60,
  tiers: [
    {
      key: "registered",
      name: "Registered",
      requirements: { certifications: [], revenueUsdMinor: 0, wonDeals: 0, acceptanceRate: null },
      benefits: { discountPercent: 10, routingWeight: 0, protectionDays: 90 },
    },
    {
      key: "silver",
      name: "Silver",
      requirements: {
        certifications: [{ courseKey: "mail-relay-fundamentals", min: 1 }],
        revenueUsdMinor: 250_000,
        wonDeals: 0,
        acceptanceRate: 0.5,
      },
      benefits: { discountPercent: 20, routingWeight: 0.5, protectionDays: 90 },
    },
    {
      key: "gold",
      name: "Gold",
      requirements: {
        certifications: [
          { courseKey: "mail-relay-fundamentals", min: 2 },
          { courseKey: "secure-relay-tls-auth", min: 1 },
        ],
        revenueUsdMinor: 1_000_000,
        wonDeals: 1,
        acceptanceRate: 0.6,
      },
      benefits: { discountPercent: 30, routingWeight: 1, protectionDays: 90 },
    },
  ],
};

export interface SeedTiersOptions {
  now: Date;
  adminId: string;
  /** The demo partners (slug → id and owner). */
  partners: { id: string; slug: string; ownerId: string }[];
}

export async function seedTiers(tx: Db, opts: SeedTiersOptions): Promise<void> {
  const now = opts.now.getTime();
  const ago = (days: number) => new Date(now - days * DAY);
  const bySlug = new Map(opts.partners.map((p) => [p.slug, p]));
  const partner = (slug: string) => {
    const p = bySlug.get(slug);
    if (!p) throw new Error(`seedTiers: demo partner ${slug} missing`);
    return p;
  };

  // The tier catalogue holds the demo ladder's keys (migration 0014 added the three built-in ones).
  for (const t of DEMO_TIER_RULES.tiers) {
    await tx
      .insert(tiers)
      .values({ key: t.key, name: t.name })
      .onConflictDoUpdate({ target: tiers.key, set: { name: t.name } });
  }
  await tx.insert(tierRules).values({
    version: 2,
    effectiveAt: ago(45),
    rules: DEMO_TIER_RULES,
    note: "Thresholds sized to the first programme year's figures",
    publishedBy: opts.adminId,
    publishedAt: ago(46),
    appliedAt: ago(45),
  });

  // Certifications the demo partners still lacked (a completed enrollment each, as the learning path leaves it).
  const [relayCourse] = await tx
    .select({ id: courses.id, certificationName: courses.certificationName })
    .from(courses)
    .where(and(eq(courses.key, "mail-relay-fundamentals"), eq(courses.status, "published")));
  if (!relayCourse) throw new Error("seedTiers: the demo course mail-relay-fundamentals is missing");
  const certify = async (email: string, partnerId: string, earnedAt: Date, expiresAt: Date) => {
    const [user] = await tx.select({ id: users.id }).from(users).where(eq(users.email, email));
    const enrollmentId = randomUUID();
    await tx.insert(enrollments).values({
      id: enrollmentId,
      partnerId,
      userId: user!.id,
      courseKey: "mail-relay-fundamentals",
      courseId: relayCourse.id,
      startedAt: new Date(earnedAt.getTime() - 5 * DAY),
      completedAt: earnedAt,
    });
    await tx.insert(certifications).values({
      partnerId,
      userId: user!.id,
      courseKey: "mail-relay-fundamentals",
      courseId: relayCourse.id,
      enrollmentId,
      name: relayCourse.certificationName,
      earnedAt,
      expiresAt,
      code: randomBytes(6).toString("hex").toUpperCase(),
      status: "active",
    });
  };
  const southernCross = partner("southern-cross");
  // Expires in 25 days: Southern Cross's only relay engineer, so the scorecard warns it would cost Silver.
  await certify("owner@southern-cross.test", southernCross.id, ago(340), new Date(now + 25 * DAY));
  const liberty = partner("liberty-mailworks");
  // David Miller, not Ashley Brown: the training journey (test/e2e/training.test.ts) enrolls Ashley in this course.
  await certify("david.miller@liberty-mailworks.test", liberty.id, ago(200), new Date(now + 530 * DAY));

  // Sakura Mail's won deal of the year.
  const sakura = partner("sakura-mail");
  const [product] = await tx
    .select({ id: products.id })
    .from(products)
    .where(inArray(products.sku, ["MSE-STD-12"]));
  const [won] = await tx
    .insert(deals)
    .values({
      partnerId: sakura.id,
      registeredBy: sakura.ownerId,
      customerName: "Hokuriku Shinkin Bank",
      customerNameNormalized: "hokuriku shinkin bank",
      customerDomain: "hokuriku-shinkin.test",
      country: "JP",
      contactName: "Aoi Mori",
      contactTitle: "IT manager",
      contactEmail: "aoi.mori@hokuriku-shinkin.test",
      valueMinor: 4_800_000,
      currency: "JPY",
      expectedCloseDate: ago(20).toISOString().slice(0, 10),
      stage: "commit",
      status: "won",
      decidedAt: ago(80),
      protectedUntil: ago(20),
      finalValueMinor: 4_650_000,
      closedAt: ago(20),
      createdAt: ago(82),
      updatedAt: ago(20),
    })
    .returning({ id: deals.id });
  if (product)
    await tx.insert(dealLines).values({ dealId: won!.id, partnerId: sakura.id, productId: product.id, quantity: 300 });

  // Polder Relay is held at Gold by its distribution agreement; Liberty Mailworks at risk since its refund.
  const polder = partner("polder-relay");
  await tx.insert(partnerTierStates).values([
    {
      partnerId: polder.id,
      evaluatedTier: "gold",
      pinnedTier: "gold",
      pinReason: "Distribution agreement: Gold through the first programme year",
      pinnedUntil: new Date(now + 200 * DAY),
      pinnedBy: opts.adminId,
      pinnedAt: ago(60),
      rulesVersion: 2,
      lastEvaluatedAt: ago(1),
    },
    {
      partnerId: liberty.id,
      evaluatedTier: "registered",
      atRiskSince: ago(18),
      downgradeDueAt: new Date(now + 42 * DAY),
      targetTier: "registered",
      rulesVersion: 2,
      lastEvaluatedAt: ago(1),
    },
  ]);
  await tx.insert(tierChanges).values([
    {
      partnerId: sakura.id,
      kind: "upgrade",
      fromTier: "silver",
      toTier: "gold",
      reason: "deal-won",
      rulesVersion: 2,
      actorLabel: "tier-evaluation",
      at: ago(20),
    },
    {
      partnerId: liberty.id,
      kind: "at_risk",
      fromTier: "silver",
      toTier: "registered",
      reason: "license-order-refunded",
      rulesVersion: 2,
      dueAt: new Date(now + 42 * DAY),
      actorLabel: "tier-evaluation",
      at: ago(18),
    },
  ]);

  // Every demo partner evaluated now: each stays where the demo puts it.
  for (const p of opts.partners) {
    const r = await reevaluatePartnerTier(tx, { partnerId: p.id, at: opts.now, reason: "daily" });
    if (r && r.changes.length) {
      throw new Error(
        `seedTiers: ${p.slug} would change (${r.changes.map((c) => c.kind).join(", ")}); fix the demo figures`,
      );
    }
  }
}
