/**
 * The vendor admin's tier programme (/tiers): the rules in force and their
 * versions, a what-if preview of a draft rule set (which partners would move
 * up, down or into risk, computed with the same pure decision as the
 * evaluation), publishing a new version with an effective date, and pinning a
 * partner's tier with a reason and an end date. Every write is audited in
 * its transaction; publishing rules in force today re-evaluates every
 * partner in the same transaction. What-if and publishing read the figures
 * of all partners set-wise (partnerFiguresOf, reevaluatePartnerTiers).
 */
import { and, asc, desc, eq, gt, inArray, isNotNull, or, sql } from "drizzle-orm";
import type { Db } from "~db/client";
import { partners, partnerTierStates, tierChanges, tierRules, tiers, users } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import { nowOf, type Ctx } from "~/modules/auth/actor";
import { isUniqueViolation } from "~/utils/db-errors.server";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "~/utils/errors.server";
import { fieldErrorsOf } from "~/utils/field-errors";
import { partnerScope, scopeWhere } from "~/modules/partners/scope.server";
import { can } from "~/utils/permissions";
import { currentRules } from "~/modules/leads/rules.server";
import {
  EVALUATED_STATUSES,
  courseNames,
  evaluatedPartnerIds,
  lockTierState,
  partnerFiguresOf,
  reevaluatePartnerTier,
  reevaluatePartnerTiers,
  rulesInForce,
  standingOf,
} from "./evaluate.server";
import {
  decideTier,
  ladderOf,
  movementOf,
  qualifyingTier,
  tierName,
  tierRulesSchema,
  type Movement,
  type Tier,
  type TierRules,
} from "./rules";
import { parseRulesForm, pinFormSchema, unpinFormSchema } from "./schemas";

const DAY_MS = 86_400_000;

export function assertTierAdmin(ctx: Ctx): void {
  if (ctx.actor.partnerId || !can(ctx.actor.role, "tiers:manage")) throw new ForbiddenError();
}

const utcDate = (d: Date) => d.toISOString().slice(0, 10);

/** The page: rules in force, versions, every evaluated partner's standing, recent changes, course names. */
export async function tiersPageData(ctx: Ctx) {
  assertTierAdmin(ctx);
  const now = nowOf(ctx);
  const inForce = await rulesInForce(ctx.db, now);
  const versions = await ctx.db
    .select({
      version: tierRules.version,
      effectiveAt: tierRules.effectiveAt,
      note: tierRules.note,
      publishedAt: tierRules.publishedAt,
      publishedBy: users.name,
    })
    .from(tierRules)
    .leftJoin(users, eq(users.id, tierRules.publishedBy))
    .orderBy(desc(tierRules.version));
  // Cross-partner read (vendor admins only): every evaluated partner with its standing.
  const standing = await ctx.db
    .select({
      id: partners.id,
      name: partners.name,
      country: partners.country,
      tier: partners.tier,
      evaluatedTier: partnerTierStates.evaluatedTier,
      atRiskSince: partnerTierStates.atRiskSince,
      downgradeDueAt: partnerTierStates.downgradeDueAt,
      targetTier: partnerTierStates.targetTier,
      pinnedTier: partnerTierStates.pinnedTier,
      pinReason: partnerTierStates.pinReason,
      pinnedUntil: partnerTierStates.pinnedUntil,
      lastEvaluatedAt: partnerTierStates.lastEvaluatedAt,
    })
    .from(partners)
    .leftJoin(partnerTierStates, eq(partnerTierStates.partnerId, partners.id))
    .where(inArray(partners.status, [...EVALUATED_STATUSES]))
    .orderBy(asc(sql`lower(${partners.name})`), asc(partners.id));
  const changes = await ctx.db
    .select({
      id: tierChanges.id,
      partnerName: partners.name,
      kind: tierChanges.kind,
      fromTier: tierChanges.fromTier,
      toTier: tierChanges.toTier,
      reason: tierChanges.reason,
      at: tierChanges.at,
    })
    .from(tierChanges)
    .innerJoin(partners, eq(partners.id, tierChanges.partnerId))
    .orderBy(desc(tierChanges.at))
    .limit(30);
  return {
    now,
    inForce,
    ladder: ladderOf(inForce.rules),
    versions,
    partners: standing,
    changes,
    courses: await courseNames(ctx.db),
  };
}

export interface PreviewRow {
  partnerId: string;
  name: string;
  country: string;
  tier: Tier;
  qualifying: Tier;
  /** The tier in force after the evaluation (during a grace period, still the current one). */
  after: Tier;
  movement: Movement;
  downgradeDueAt: Date | null;
}

/** What evaluating every partner under `rules` at `at` would do (nothing is written). */
export async function whatIf(db: Db, rules: TierRules, at: Date): Promise<PreviewRow[]> {
  const rows = await db
    .select({ id: partners.id, name: partners.name, country: partners.country, tier: partners.tier })
    .from(partners)
    .where(inArray(partners.status, [...EVALUATED_STATUSES]))
    .orderBy(asc(sql`lower(${partners.name})`), asc(partners.id));
  const states = rows.length
    ? await db
        .select()
        .from(partnerTierStates)
        .where(
          inArray(
            partnerTierStates.partnerId,
            rows.map((r) => r.id),
          ),
        )
    : [];
  const stateOf = new Map(states.map((s) => [s.partnerId, s]));
  const figuresOf = await partnerFiguresOf(
    db,
    rows.map((r) => r.id),
    at,
  );
  const out: PreviewRow[] = [];
  for (const p of rows) {
    const figures = figuresOf.get(p.id)!;
    const qualifying = qualifyingTier(rules, figures);
    const decision = decideTier(standingOf(p.tier, stateOf.get(p.id)), qualifying, rules, at);
    out.push({
      partnerId: p.id,
      name: p.name,
      country: p.country,
      tier: p.tier,
      qualifying,
      after: decision.standing.tier,
      movement: movementOf(decision),
      downgradeDueAt: decision.standing.downgradeDueAt,
    });
  }
  return out;
}

interface ParsedRules {
  rules: TierRules;
  effectiveAt: Date;
  note: string | null;
  removed: Tier[];
}

function parseRules(raw: unknown): ParsedRules {
  const parsed = parseRulesForm(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const rules = tierRulesSchema.safeParse(parsed.data.rules);
  // The form's checks cover the stored shape's; this guards the invariants (base tier first, keys and names once).
  if (!rules.success) throw new ValidationError({ tiers: rules.error.issues.map((i) => i.message) });
  return {
    rules: rules.data,
    effectiveAt: new Date(`${parsed.data.effectiveDate}T00:00:00Z`),
    note: parsed.data.note ?? null,
    removed: parsed.data.removed,
  };
}

/**
 * A tier leaves the ladder only when nobody depends on it: refused, on the
 * tier's remove box, while the lead routing rules in force name it as a
 * minimum tier, or any partner holds it, is pinned to it (a pin not yet
 * ended) or is at risk of dropping to it. Those partners must move first
 * (their figures, a pin to another tier, or the end of the grace period);
 * the catalogue row stays, so history keeps naming it.
 */
async function assertRemovable(db: Db, removed: readonly Tier[], ladderNames: Record<Tier, string>, at: Date) {
  if (removed.length === 0) return;
  const fields: Record<string, string[]> = {};
  // A routing rule's minimum tier names a tier too: removing it would silently lower the minimum.
  const { rules: routing } = await currentRules(db);
  const routingNames = (key: Tier) =>
    routing.minimumTier === key || routing.productRules.some((r) => r.minimumTier === key);
  for (const key of removed) {
    // Cross-partner read (vendor admins only): who depends on the tier.
    const rows = await db
      .select({ name: partners.name })
      .from(partners)
      .leftJoin(partnerTierStates, eq(partnerTierStates.partnerId, partners.id))
      .where(
        or(
          eq(partners.tier, key),
          and(eq(partnerTierStates.pinnedTier, key), gt(partnerTierStates.pinnedUntil, at)),
          and(eq(partnerTierStates.targetTier, key), isNotNull(partnerTierStates.atRiskSince)),
        ),
      )
      .orderBy(asc(sql`lower(${partners.name})`));
    if (routingNames(key)) {
      fields[`${key}Remove`] = [
        `${ladderNames[key] ?? key} is a minimum tier of the lead routing rules in force; change them first.`,
      ];
      continue;
    }
    if (rows.length === 0) continue;
    const names = rows.slice(0, 3).map((r) => r.name);
    const more = rows.length > 3 ? ` and ${rows.length - 3} more` : "";
    fields[`${key}Remove`] = [
      `${ladderNames[key] ?? key} cannot be removed while ${rows.length} partner${rows.length === 1 ? "" : "s"} hold${rows.length === 1 ? "s" : ""} it, ${rows.length === 1 ? "is" : "are"} pinned to it or ${rows.length === 1 ? "is" : "are"} due to drop to it (${names.join(", ")}${more}).`,
    ];
  }
  if (Object.keys(fields).length) throw new ValidationError(fields);
}

/** The what-if preview of a draft (the admin form's values), evaluated now. */
export async function previewRules(ctx: Ctx, raw: unknown): Promise<PreviewRow[]> {
  assertTierAdmin(ctx);
  const now = nowOf(ctx);
  const { rules, removed } = parseRules(raw);
  const inForce = await rulesInForce(ctx.db, now);
  await assertRemovable(ctx.db, removed, Object.fromEntries(inForce.rules.tiers.map((t) => [t.key, t.name])), now);
  return whatIf(ctx.db, rules, now);
}

/**
 * Publishes the draft as the next version, in force from its effective date
 * (today or later). Rules in force today re-evaluate every partner in the
 * same transaction, exactly as the preview computed; later ones are applied
 * by the jobs at their effective moment (applyDueRules, checked every minute).
 */
export async function publishRules(ctx: Ctx, raw: unknown) {
  assertTierAdmin(ctx);
  const now = nowOf(ctx);
  const { rules, effectiveAt, note, removed } = parseRules(raw);
  if (utcDate(effectiveAt) < utcDate(now)) {
    throw new ValidationError({ effectiveDate: ["The rules take effect today or later."] });
  }
  const effective = utcDate(effectiveAt) === utcDate(now) ? now : effectiveAt;
  try {
    return await ctx.db.transaction(async (tx) => {
      // Checked in the transaction that publishes, so the standing it checks is the one the rules meet.
      const inForce = await rulesInForce(tx, now);
      await assertRemovable(tx, removed, Object.fromEntries(inForce.rules.tiers.map((t) => [t.key, t.name])), now);
      // The catalogue holds every tier ever published (the tier columns reference it): new keys added, names updated.
      for (const t of rules.tiers) {
        await tx
          .insert(tiers)
          .values({ key: t.key, name: t.name, createdAt: now, updatedAt: now })
          .onConflictDoUpdate({
            target: tiers.key,
            set: { name: t.name, updatedAt: now },
            setWhere: sql`${tiers.name} <> excluded.name`,
          });
      }
      const [last] = await tx
        .select({ version: tierRules.version })
        .from(tierRules)
        .orderBy(desc(tierRules.version))
        .limit(1);
      const version = (last?.version ?? 0) + 1;
      await tx.insert(tierRules).values({
        version,
        effectiveAt: effective,
        rules,
        note,
        publishedBy: ctx.actor.userId,
        publishedAt: now,
        // In force at once: applied below, in this transaction; later: the jobs apply it at its moment (applyDueRules).
        appliedAt: effective.getTime() <= now.getTime() ? now : null,
      });
      await recordAudit(tx, ctx.actor, {
        action: "tier.rules_published",
        subjectType: "tier_rules",
        subjectId: String(version),
        before: { version: inForce.version, tiers: inForce.rules.tiers.map((t) => t.key) },
        after: { version, effectiveAt: effective.toISOString(), note, rules, removedTiers: removed },
      });
      let changed = 0;
      if (effective.getTime() <= now.getTime()) {
        const results = await reevaluatePartnerTiers(tx, {
          partnerIds: await evaluatedPartnerIds(tx),
          at: now,
          reason: `rules-v${version}`,
          actor: ctx.actor,
          rules: { version, effectiveAt: effective, rules },
        });
        for (const r of results.values()) if (r.changes.length) changed++;
      }
      return { version, effectiveAt: effective, changed };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError("Another version was published at the same moment; try again.");
    throw err;
  }
}

/**
 * Pins a partner's tier until the end of `until` (UTC) with a reason: the
 * pinned tier applies at once and holds whatever the figures until then.
 * Audited (tier.pinned) with the change it causes, mailed to the partner's admins.
 */
export async function pinPartnerTier(ctx: Ctx, raw: unknown) {
  assertTierAdmin(ctx);
  const parsed = pinFormSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const now = nowOf(ctx);
  const { partnerId, tier, reason, until } = parsed.data;
  const end = new Date(new Date(`${until}T00:00:00Z`).getTime() + DAY_MS);
  const { rules } = await rulesInForce(ctx.db, now);
  const fields: Record<string, string[]> = {};
  if (!rules.tiers.some((t) => t.key === tier)) fields.tier = ["Choose a tier."];
  if (until <= utcDate(now)) fields.until = ["The pin must end after today."];
  if (Object.keys(fields).length) throw new ValidationError(fields);
  return ctx.db.transaction(async (tx) => {
    const [partner] = await tx
      .select({ id: partners.id, status: partners.status, tier: partners.tier })
      .from(partners)
      .where(eq(partners.id, partnerId));
    if (!partner || !(EVALUATED_STATUSES as readonly string[]).includes(partner.status)) {
      throw new NotFoundError("Partner not found.");
    }
    const state = await lockTierState(tx, partnerId);
    await tx
      .update(partnerTierStates)
      .set({
        pinnedTier: tier,
        pinReason: reason,
        pinnedUntil: end,
        pinnedBy: ctx.actor.userId,
        pinnedAt: now,
        updatedAt: now,
      })
      .where(scopeWhere(partnerScope(partnerId), partnerTierStates));
    await recordAudit(tx, ctx.actor, {
      action: "tier.pinned",
      subjectType: "partner",
      subjectId: partnerId,
      partnerId,
      before: { tier: partner.tier, pinnedTier: state?.pinnedTier ?? null, pinnedUntil: state?.pinnedUntil ?? null },
      after: { pinnedTier: tier, reason, pinnedUntil: end.toISOString() },
    });
    const r = await reevaluatePartnerTier(tx, { partnerId, at: now, reason: "pinned", actor: ctx.actor });
    const held = r?.standing.tier ?? tier;
    return { tier: held, tierName: tierName(rules.tiers, held), until: end };
  });
}

/** Ends a pin now: the partner's tier follows its figures again (a grace period starts if it is below). */
export async function unpinPartnerTier(ctx: Ctx, raw: unknown) {
  assertTierAdmin(ctx);
  const parsed = unpinFormSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const now = nowOf(ctx);
  const { partnerId } = parsed.data;
  return ctx.db.transaction(async (tx) => {
    const state = await lockTierState(tx, partnerId);
    if (!state?.pinnedTier) throw new NotFoundError("This partner's tier is not pinned.");
    await tx
      .update(partnerTierStates)
      .set({ pinnedUntil: now, updatedAt: now })
      .where(scopeWhere(partnerScope(partnerId), partnerTierStates));
    await recordAudit(tx, ctx.actor, {
      action: "tier.unpinned",
      subjectType: "partner",
      subjectId: partnerId,
      partnerId,
      before: { pinnedTier: state.pinnedTier, pinnedUntil: state.pinnedUntil?.toISOString() ?? null },
      after: { pinnedUntil: now.toISOString() },
    });
    return reevaluatePartnerTier(tx, { partnerId, at: now, reason: "unpinned", actor: ctx.actor });
  });
}
