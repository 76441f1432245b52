import { and, asc, count, desc, eq, gt, inArray, isNotNull, lt, sql } from "drizzle-orm";
import { z } from "zod";
import { isUniqueViolation } from "~/utils/db-errors.server";
import { fieldErrorsOf } from "~/utils/field-errors";
import { dueReminderStage } from "~/utils/reminder-stages";
import type { Db } from "~db/client";
import { agreementAcceptances, agreements, partners, users } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import { nowOf, scopeOf, type Actor, type Ctx } from "~/modules/auth/actor";
import { enqueueMail, queuedDedupeKeys } from "~/modules/mail/enqueue.server";
import { partnerAdmins } from "~/modules/partners/admins.server";
import { scopeWhere } from "~/modules/partners/scope.server";
import { appUrl } from "~/utils/env.server";
import { ConflictError, ForbiddenError, NotFoundError, RuleError, ValidationError } from "~/utils/errors.server";
import { can, type Permission } from "~/utils/permissions";
import {
  acceptanceDeadline,
  currentAgreement,
  standingOf,
  type AgreementStanding,
  type CurrentAgreement,
} from "./agreement-standing.server";
import { acceptAgreementSchema, publishAgreementSchema } from "./agreement-schemas";

const DAY_MS = 86_400_000;
/** Partners in the programme: they are told about new versions and must accept them. */
const PROGRAMME_STATUSES = ["active", "approved"] as const;
const PUBLISH_ATTEMPTS = 5;

function requireCan(actor: Actor, permission: Permission, message: string): void {
  if (!can(actor.role, permission)) throw new ForbiddenError(message);
}

/** How dates read in the agreement mails: "1 March 2026 at 14:00 UTC". */
function mailDate(d: Date): string {
  return `${new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeStyle: "short", timeZone: "UTC" }).format(d)} UTC`;
}

function agreementUrl(): string {
  return `${appUrl()}/agreement`;
}

// ---------------------------------------------------------------------------------------------------------------
// Publishing

/**
 * Publishes the next version of the programme agreement (vendor admins). The
 * version number is the highest so far plus one; two publishes at the same
 * moment collide on the unique version and the loser retries with the next
 * number. In the same transaction every partner in the programme (active or
 * approved) gets one mail to its active partner admins, and the audit event
 * is written.
 *
 * The effective date is a calendar date (UTC): today means now, a later date
 * means the start of that day. Partners that accepted an earlier version have
 * `graceDays` after the effective date to accept.
 */
export async function publishAgreement(
  ctx: Ctx,
  raw: unknown,
): Promise<{ id: string; version: number; effectiveAt: Date; notifiedPartners: number }> {
  requireCan(ctx.actor, "agreements:publish", "Only vendor admins publish the programme agreement.");
  const parsed = publishAgreementSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const { title, body, effectiveDate, graceDays } = parsed.data;
  const now = nowOf(ctx);
  const today = now.toISOString().slice(0, 10);
  if (effectiveDate < today) throw new ValidationError({ effectiveDate: ["Choose today or a later date."] });
  const effectiveAt = effectiveDate === today ? now : new Date(`${effectiveDate}T00:00:00Z`);
  const deadline = acceptanceDeadline({ effectiveAt, graceDays });

  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.db.transaction(async (tx) => {
        const [latest] = await tx
          .select({ version: agreements.version, effectiveAt: agreements.effectiveAt })
          .from(agreements)
          .orderBy(desc(agreements.version))
          .limit(1);
        if (latest && latest.effectiveAt.getTime() > effectiveAt.getTime()) {
          throw new ValidationError({
            effectiveDate: [
              `Version ${latest.version} takes effect on ${latest.effectiveAt.toISOString().slice(0, 10)}; a later version cannot take effect before it.`,
            ],
          });
        }
        const version = (latest?.version ?? 0) + 1;
        const [row] = await tx
          .insert(agreements)
          .values({ version, title, body, effectiveAt, graceDays, publishedBy: ctx.actor.userId, publishedAt: now })
          .returning({ id: agreements.id });

        // Cross-partner on purpose: every partner in the programme is told.
        const programme = await tx
          .select({ id: partners.id, name: partners.name })
          .from(partners)
          .where(inArray(partners.status, [...PROGRAMME_STATUSES]))
          .orderBy(asc(partners.name));
        const admins = await partnerAdmins(
          tx,
          programme.map((p) => p.id),
        );
        let notified = 0;
        for (const p of programme) {
          const to = admins.get(p.id);
          if (!to?.length) continue;
          await enqueueMail(tx, {
            to,
            template: "agreement-published",
            data: {
              partnerName: p.name,
              title,
              version,
              effectiveAt: mailDate(effectiveAt),
              deadline: mailDate(deadline),
              agreementUrl: agreementUrl(),
            },
            dedupeKey: `agreement-published:${version}:${p.id}`,
            partnerId: p.id,
          });
          notified++;
        }
        await recordAudit(tx, ctx.actor, {
          action: "agreement.published",
          subjectType: "agreement",
          subjectId: row!.id,
          after: { version, title, effectiveAt: effectiveAt.toISOString(), graceDays, notifiedPartners: notified },
        });
        return { id: row!.id, version, effectiveAt, notifiedPartners: notified };
      });
    } catch (err) {
      if (!isUniqueViolation(err, "agreements_version_unique")) throw err;
      if (attempt >= PUBLISH_ATTEMPTS) {
        throw new ConflictError("Another version was published at the same moment. Reload the page and try again.");
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Accepting

export interface AcceptMeta {
  ip?: string | null;
  userAgent?: string | null;
}

/**
 * A partner admin accepts a version for the company: the current version, or
 * an already published later one whose effective date is still ahead
 * (accepting early). Records version, user, time, address and user agent;
 * raises partners.agreement_version to the highest accepted; an `approved`
 * partner becomes `active`. Accepting the same version again changes nothing
 * (`alreadyAccepted`).
 */
export async function acceptAgreement(
  ctx: Ctx,
  raw: unknown,
  meta: AcceptMeta = {},
): Promise<{ version: number; alreadyAccepted: boolean; activated: boolean }> {
  const { actor } = ctx;
  const partnerId = actor.partnerId;
  if (!partnerId || !can(actor.role, "agreement:accept")) {
    throw new ForbiddenError("Only a partner admin of your company can accept the programme agreement.");
  }
  const parsed = acceptAgreementSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const { version } = parsed.data;
  const now = nowOf(ctx);
  const ip = meta.ip?.slice(0, 100) ?? actor.ip ?? null;
  const userAgent = meta.userAgent?.slice(0, 500) ?? null;

  return ctx.db.transaction(async (tx) => {
    const current = await currentAgreement(tx, now);
    const [target] = await tx
      .select({ id: agreements.id, version: agreements.version, effectiveAt: agreements.effectiveAt })
      .from(agreements)
      .where(eq(agreements.version, version));
    const isCurrent = !!target && !!current && target.version === current.version;
    const isUpcoming =
      !!target && target.effectiveAt.getTime() > now.getTime() && (!current || target.version > current.version);
    if (!isCurrent && !isUpcoming) {
      const message = current
        ? `Version ${version} is not the programme agreement in force: accept version ${current.version}.`
        : "No programme agreement is in force yet.";
      throw new RuleError(message, { version: [message] });
    }

    // Locks the partner: concurrent acceptances and status changes wait for each other.
    const [partner] = await tx
      .select({ id: partners.id, status: partners.status, agreementVersion: partners.agreementVersion })
      .from(partners)
      .where(eq(partners.id, partnerId))
      .for("update");
    if (!partner) throw new NotFoundError("Partner not found.");

    const inserted = await tx
      .insert(agreementAcceptances)
      .values({ agreementId: target!.id, version, partnerId, userId: actor.userId!, acceptedAt: now, ip, userAgent })
      .onConflictDoNothing({ target: [agreementAcceptances.partnerId, agreementAcceptances.version] })
      .returning({ id: agreementAcceptances.id });
    if (inserted.length === 0) return { version, alreadyAccepted: true, activated: false };

    const activated = partner.status === "approved";
    const agreementVersion = Math.max(partner.agreementVersion ?? 0, version);
    await tx
      .update(partners)
      .set({
        agreementVersion,
        updatedAt: now,
        ...(activated ? { status: "active" as const, statusChangedAt: now } : {}),
      })
      .where(eq(partners.id, partnerId));
    await recordAudit(tx, actor, {
      action: "agreement.accepted",
      subjectType: "agreement",
      subjectId: target!.id,
      partnerId,
      before: { agreementVersion: partner.agreementVersion },
      after: { version, agreementVersion, ip, userAgent },
    });
    if (activated) {
      await recordAudit(tx, actor, {
        action: "partner.activated",
        subjectType: "partner",
        subjectId: partnerId,
        partnerId,
        before: { status: "approved" },
        after: { status: "active", agreementVersion: version },
      });
    }
    return { version, alreadyAccepted: false, activated };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Reminders

/** Days before the deadline at which partners in grace are reminded. */
export const REMINDER_STAGES = [14, 7, 1] as const;
export type ReminderStage = (typeof REMINDER_STAGES)[number];

/**
 * The reminder stage due at `now` for a version in grace: the nearest stage
 * whose moment (deadline minus its days) has passed. A run that missed a stage
 * (the job did not run) sends only the nearest one; the dedupe key sends each
 * stage once. A stage that would open before the effective date (a grace
 * period shorter than the stage) is skipped: the publication mail covers it.
 * Null before the effective date, after the deadline, and before the first stage.
 */
export function reminderStageDue(a: { effectiveAt: Date; deadline: Date }, now: Date): ReminderStage | null {
  return dueReminderStage(REMINDER_STAGES, { opensAt: a.effectiveAt, deadline: a.deadline }, now);
}

/**
 * Queues the due reminder to the partner admins of every active partner still
 * in grace for the current version (accepted an earlier one, deadline ahead).
 * Idempotent: each stage is queued once per partner (dedupe key
 * `agreement-reminder:<version>:<partnerId>:<stage>`). Returns how many mails
 * were newly queued.
 */
export async function sendAgreementReminders(db: Db, now: Date): Promise<number> {
  const current = await currentAgreement(db, now);
  if (!current) return 0;
  const deadline = acceptanceDeadline(current);
  const stage = reminderStageDue({ effectiveAt: current.effectiveAt, deadline }, now);
  if (stage === null) return 0;

  // Cross-partner on purpose: the job looks at every partner in grace.
  const inGrace = await db
    .select({ id: partners.id, name: partners.name })
    .from(partners)
    .where(
      and(
        eq(partners.status, "active"),
        isNotNull(partners.agreementVersion),
        lt(partners.agreementVersion, current.version),
      ),
    )
    .orderBy(asc(partners.name));
  if (inGrace.length === 0) return 0;
  const keyOf = (partnerId: string) => `agreement-reminder:${current.version}:${partnerId}:${stage}`;
  const sent = await queuedDedupeKeys(
    db,
    inGrace.map((p) => keyOf(p.id)),
  );
  const admins = await partnerAdmins(
    db,
    inGrace.map((p) => p.id),
  );
  const daysLeft = Math.max(1, Math.ceil((deadline.getTime() - now.getTime()) / DAY_MS));
  let queued = 0;
  for (const p of inGrace) {
    const to = admins.get(p.id);
    if (!to?.length || sent.has(keyOf(p.id))) continue;
    await db.transaction(async (tx) => {
      await enqueueMail(tx, {
        to,
        template: "agreement-reminder",
        data: {
          partnerName: p.name,
          title: current.title,
          version: current.version,
          deadline: mailDate(deadline),
          daysLeft,
          agreementUrl: agreementUrl(),
        },
        dedupeKey: keyOf(p.id),
        partnerId: p.id,
      });
    });
    queued++;
  }
  return queued;
}

// ---------------------------------------------------------------------------------------------------------------
// Queries

export type AgreementPhase = "upcoming" | "current" | "superseded";

function phaseOf(
  a: { version: number; effectiveAt: Date },
  current: CurrentAgreement | null,
  now: Date,
): AgreementPhase {
  if (a.effectiveAt.getTime() > now.getTime()) return "upcoming";
  return current && current.version === a.version ? "current" : "superseded";
}

function requireVendor(ctx: Ctx): void {
  if (ctx.actor.partnerId || !can(ctx.actor.role, "partners:read-all")) throw new ForbiddenError();
}

/**
 * Every version, newest first, with how many partners in the programme have
 * accepted it (or a later version) out of all partners in the programme.
 */
export async function listAgreementVersions(ctx: Ctx) {
  requireVendor(ctx);
  const now = nowOf(ctx);
  const programme = inArray(partners.status, [...PROGRAMME_STATUSES]);
  const [[total], current, rows] = await Promise.all([
    ctx.db.select({ n: count() }).from(partners).where(programme),
    currentAgreement(ctx.db, now),
    ctx.db
      .select({
        id: agreements.id,
        version: agreements.version,
        title: agreements.title,
        effectiveAt: agreements.effectiveAt,
        graceDays: agreements.graceDays,
        publishedAt: agreements.publishedAt,
        publishedBy: users.name,
        accepted: sql<number>`(select count(*)::int from ${partners} where ${programme} and ${partners.agreementVersion} >= ${agreements.version})`,
      })
      .from(agreements)
      .leftJoin(users, eq(users.id, agreements.publishedBy))
      .orderBy(desc(agreements.version)),
  ]);
  return {
    partnersInProgramme: total?.n ?? 0,
    versions: rows.map((r) => ({
      ...r,
      accepted: Number(r.accepted),
      deadline: acceptanceDeadline(r),
      phase: phaseOf(r, current, now),
    })),
  };
}

/** One version for the vendor: its text, the acceptances it received, and the partners that still must accept. */
export async function agreementDetail(ctx: Ctx, versionParam: string) {
  requireVendor(ctx);
  if (!/^\d{1,9}$/.test(versionParam)) throw new NotFoundError("Agreement version not found.");
  const version = Number(versionParam);
  const now = nowOf(ctx);
  const [agreement] = await ctx.db
    .select({
      id: agreements.id,
      version: agreements.version,
      title: agreements.title,
      body: agreements.body,
      effectiveAt: agreements.effectiveAt,
      graceDays: agreements.graceDays,
      publishedAt: agreements.publishedAt,
      publishedBy: users.name,
    })
    .from(agreements)
    .leftJoin(users, eq(users.id, agreements.publishedBy))
    .where(eq(agreements.version, version));
  if (!agreement) throw new NotFoundError("Agreement version not found.");
  const current = await currentAgreement(ctx.db, now);
  const [accepted, pending] = await Promise.all([
    ctx.db
      .select({
        id: agreementAcceptances.id,
        partnerId: agreementAcceptances.partnerId,
        partnerName: partners.name,
        acceptedAt: agreementAcceptances.acceptedAt,
        userName: users.name,
        userEmail: users.email,
        ip: agreementAcceptances.ip,
        userAgent: agreementAcceptances.userAgent,
      })
      .from(agreementAcceptances)
      .innerJoin(partners, eq(partners.id, agreementAcceptances.partnerId))
      .innerJoin(users, eq(users.id, agreementAcceptances.userId))
      .where(eq(agreementAcceptances.version, version))
      .orderBy(desc(agreementAcceptances.acceptedAt)),
    ctx.db
      .select({
        id: partners.id,
        name: partners.name,
        status: partners.status,
        country: partners.country,
        agreementVersion: partners.agreementVersion,
      })
      .from(partners)
      .where(
        and(
          inArray(partners.status, [...PROGRAMME_STATUSES]),
          sql`coalesce(${partners.agreementVersion}, 0) < ${version}`,
        ),
      )
      .orderBy(asc(partners.name)),
  ]);
  const phase = phaseOf(agreement, current, now);
  return {
    agreement: { ...agreement, deadline: acceptanceDeadline(agreement), phase },
    accepted,
    pending: pending.map((p) => ({
      ...p,
      // Where a partner stands if this version is the one in force.
      standing: phase === "current" ? standingOf(current, p.agreementVersion, now).state : null,
    })),
  };
}

/**
 * A partner's acceptances, newest version first. Partners see only their own
 * company (another partner's id is not found); vendor staff any partner.
 */
export async function agreementHistory(ctx: Ctx, partnerId: string) {
  if (!z.string().uuid().safeParse(partnerId).success) throw new NotFoundError("Partner not found.");
  const scope = scopeOf(ctx.actor);
  if (scope.kind === "partner" && scope.partnerId !== partnerId) throw new NotFoundError("Partner not found.");
  return ctx.db
    .select({
      id: agreementAcceptances.id,
      version: agreementAcceptances.version,
      title: agreements.title,
      acceptedAt: agreementAcceptances.acceptedAt,
      userName: users.name,
      userEmail: users.email,
      ip: agreementAcceptances.ip,
      userAgent: agreementAcceptances.userAgent,
    })
    .from(agreementAcceptances)
    .innerJoin(agreements, eq(agreements.id, agreementAcceptances.agreementId))
    .innerJoin(users, eq(users.id, agreementAcceptances.userId))
    .where(scopeWhere(scope, agreementAcceptances, eq(agreementAcceptances.partnerId, partnerId)))
    .orderBy(desc(agreementAcceptances.version));
}

/**
 * What the agreement page shows: the version in force and any published later
 * one, with their text (Markdown), and for a partner user where the company
 * stands and its acceptance history. Works for blocked partners (read-only
 * for partner users) and for vendor staff (text only).
 */
export async function agreementPage(ctx: Ctx) {
  const now = nowOf(ctx);
  const partnerId = ctx.actor.partnerId;
  const textOf = (version: number) =>
    ctx.db
      .select({
        version: agreements.version,
        title: agreements.title,
        body: agreements.body,
        effectiveAt: agreements.effectiveAt,
        graceDays: agreements.graceDays,
      })
      .from(agreements)
      .where(eq(agreements.version, version))
      .then((r) => r[0]!);
  const current = await currentAgreement(ctx.db, now);
  const [upcomingRow] = await ctx.db
    .select({ version: agreements.version })
    .from(agreements)
    .where(gt(agreements.effectiveAt, now))
    .orderBy(desc(agreements.version))
    .limit(1);
  let standing: AgreementStanding | null = null;
  let acceptedVersion: number | null = null;
  let history: Awaited<ReturnType<typeof agreementHistory>> = [];
  if (partnerId) {
    const [partner] = await ctx.db
      .select({ agreementVersion: partners.agreementVersion })
      .from(partners)
      .where(scopeWhere(scopeOf(ctx.actor), { partnerId: partners.id }, eq(partners.id, partnerId)));
    acceptedVersion = partner?.agreementVersion ?? null;
    standing = standingOf(current, acceptedVersion, now);
    history = await agreementHistory(ctx, partnerId);
  }
  const withDeadline = <T extends { effectiveAt: Date; graceDays: number }>(a: T) => ({
    ...a,
    deadline: acceptanceDeadline(a),
  });
  return {
    current: current ? withDeadline(await textOf(current.version)) : null,
    upcoming: upcomingRow ? withDeadline(await textOf(upcomingRow.version)) : null,
    standing,
    acceptedVersion,
    history,
    canAccept: !!partnerId && can(ctx.actor.role, "agreement:accept"),
  };
}
