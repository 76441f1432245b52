import { randomInt } from "node:crypto";
import { desc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~db/client";
import { certifications, courses, partners, users } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import { nowOf, scopeOf, type Actor, type Ctx } from "~/modules/auth/actor";
import { enqueueMail } from "~/modules/mail/enqueue.server";
import { partnerScope, scopeWhere } from "~/modules/partners/scope.server";
import { appUrl } from "~/utils/env.server";
import { NotFoundError } from "~/utils/errors.server";
import { addMonthsClamped, isCertificationValid } from "./quiz";

/** No 0/O, 1/I/L: a code read aloud or typed from paper comes out right. */
export const CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
export const CODE_LENGTH = 12;

/** A public verification code: CODE_LENGTH characters from CODE_ALPHABET, cryptographically random. */
export function newVerificationCode(): string {
  let code = "";
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

export function verifyUrl(code: string): string {
  return `${appUrl()}/verify/${code}`;
}

export function certificateUrl(id: string): string {
  return `${appUrl()}/training/certificates/${id}`;
}

export interface CompletedEnrollment {
  id: string;
  partnerId: string;
  userId: string;
  courseKey: string;
  courseId: string;
}

/**
 * Grants the certification of a completed enrollment, inside the caller's
 * transaction (the one that completes the enrollment): exactly once per
 * enrollment (the unique enrollment_id decides), with the mail to the holder
 * and the audit event. Earlier certifications of the same course are left as
 * they are; they expire on their own and the newest one is the one shown.
 */
export async function grantCertificationInTx(
  tx: Db,
  enrollment: CompletedEnrollment,
  now: Date,
  actor: Pick<Actor, "userId" | "label" | "ip">,
): Promise<{ id: string; created: boolean }> {
  const [course] = await tx
    .select({ certificationName: courses.certificationName, validityMonths: courses.validityMonths })
    .from(courses)
    .where(eq(courses.id, enrollment.courseId));
  if (!course) throw new NotFoundError("Course not found.");
  const expiresAt = addMonthsClamped(now, course.validityMonths);
  const [created] = await tx
    .insert(certifications)
    .values({
      partnerId: enrollment.partnerId,
      userId: enrollment.userId,
      courseKey: enrollment.courseKey,
      courseId: enrollment.courseId,
      enrollmentId: enrollment.id,
      name: course.certificationName,
      earnedAt: now,
      expiresAt,
      code: newVerificationCode(),
      status: "active",
    })
    .onConflictDoNothing({ target: certifications.enrollmentId })
    .returning({ id: certifications.id, code: certifications.code });
  if (!created) {
    const [existing] = await tx
      .select({ id: certifications.id })
      .from(certifications)
      .where(eq(certifications.enrollmentId, enrollment.id));
    return { id: existing!.id, created: false };
  }
  const [holder] = await tx
    .select({ name: users.name, email: users.email })
    .from(users)
    .where(eq(users.id, enrollment.userId));
  await enqueueMail(tx, {
    to: holder!.email,
    toName: holder!.name,
    template: "certification-earned",
    data: {
      name: holder!.name,
      certificationName: course.certificationName,
      expiresAt: expiresAt.toISOString().slice(0, 10),
      certificateUrl: certificateUrl(created.id),
      verifyUrl: verifyUrl(created.code),
    },
    dedupeKey: `certification-earned:${created.id}`,
    partnerId: enrollment.partnerId,
    userId: enrollment.userId,
  });
  await recordAudit(tx, actor, {
    action: "certification.granted",
    subjectType: "certification",
    subjectId: created.id,
    partnerId: enrollment.partnerId,
    after: {
      userId: enrollment.userId,
      courseKey: enrollment.courseKey,
      courseId: enrollment.courseId,
      enrollmentId: enrollment.id,
      name: course.certificationName,
      expiresAt: expiresAt.toISOString(),
    },
  });
  return { id: created.id, created: true };
}

const certificateColumns = {
  id: certifications.id,
  userId: certifications.userId,
  partnerId: certifications.partnerId,
  courseKey: certifications.courseKey,
  name: certifications.name,
  earnedAt: certifications.earnedAt,
  expiresAt: certifications.expiresAt,
  code: certifications.code,
  status: certifications.status,
  holderName: users.name,
  partnerName: partners.name,
  courseTitle: courses.title,
  courseVersion: courses.version,
};

/**
 * Which certifications an actor may see: partner users their own, partner
 * admins their partner's, vendor staff all (the scope decides the partner).
 */
function visibleTo(actor: Actor) {
  return actor.role === "partner_user" && actor.userId ? eq(certifications.userId, actor.userId) : undefined;
}

/** The facts of one certificate (page and PDF); a certificate the actor may not see is not found. */
export async function certificateData(ctx: Ctx, certificationId: string) {
  if (!z.string().uuid().safeParse(certificationId).success) throw new NotFoundError("Certificate not found.");
  const [row] = await ctx.db
    .select(certificateColumns)
    .from(certifications)
    .innerJoin(users, eq(users.id, certifications.userId))
    .innerJoin(partners, eq(partners.id, certifications.partnerId))
    .innerJoin(courses, eq(courses.id, certifications.courseId))
    .where(
      scopeWhere(scopeOf(ctx.actor), certifications, eq(certifications.id, certificationId), visibleTo(ctx.actor)),
    );
  if (!row) throw new NotFoundError("Certificate not found.");
  return {
    ...row,
    valid: isCertificationValid(row, nowOf(ctx)),
    verifyUrl: verifyUrl(row.code),
    mine: row.userId === ctx.actor.userId,
  };
}
export type CertificateData = Awaited<ReturnType<typeof certificateData>>;

/** Codes are shown upper case and sometimes typed with spaces or dashes: both are ignored. */
export function normaliseCode(raw: string): string {
  return raw.replace(/[\s-]/g, "").toUpperCase();
}

/**
 * Public verification (no sign-in): only the holder's name, the partner's
 * name, the certification and course, the dates and whether it is valid now.
 * Null for an unknown code.
 */
export async function verifyCertification(db: Db, rawCode: string, now = new Date()) {
  const code = normaliseCode(rawCode);
  if (code.length < 6 || code.length > 64 || !/^[A-Z0-9]+$/.test(code)) return null;
  const [row] = await db
    .select({
      holderName: users.name,
      partnerName: partners.name,
      certificationName: certifications.name,
      courseTitle: courses.title,
      earnedAt: certifications.earnedAt,
      expiresAt: certifications.expiresAt,
      status: certifications.status,
    })
    .from(certifications)
    .innerJoin(users, eq(users.id, certifications.userId))
    .innerJoin(partners, eq(partners.id, certifications.partnerId))
    .innerJoin(courses, eq(courses.id, certifications.courseId))
    .where(eq(certifications.code, code));
  if (!row) return null;
  const valid = isCertificationValid(row, now);
  return {
    holderName: row.holderName,
    partnerName: row.partnerName,
    certificationName: row.certificationName,
    courseTitle: row.courseTitle,
    earnedAt: row.earnedAt,
    expiresAt: row.expiresAt,
    valid,
    /** Why it is not valid, when it is not. */
    state: valid ? ("valid" as const) : row.status === "revoked" ? ("revoked" as const) : ("expired" as const),
  };
}
export type Verification = NonNullable<Awaited<ReturnType<typeof verifyCertification>>>;

/**
 * Certifications the actor may see, newest first: a partner user's own, a
 * partner admin's partner's (or one person's with `userId`), any for vendor
 * staff (filter with `partnerId` / `userId`).
 */
export async function listCertifications(ctx: Ctx, filter: { userId?: string; partnerId?: string } = {}) {
  const now = nowOf(ctx);
  const rows = await ctx.db
    .select(certificateColumns)
    .from(certifications)
    .innerJoin(users, eq(users.id, certifications.userId))
    .innerJoin(partners, eq(partners.id, certifications.partnerId))
    .innerJoin(courses, eq(courses.id, certifications.courseId))
    .where(
      scopeWhere(
        scopeOf(ctx.actor),
        certifications,
        visibleTo(ctx.actor),
        filter.userId ? eq(certifications.userId, filter.userId) : undefined,
        filter.partnerId ? eq(certifications.partnerId, filter.partnerId) : undefined,
      ),
    )
    .orderBy(desc(certifications.earnedAt));
  return rows.map((r) => ({ ...r, valid: isCertificationValid(r, now) }));
}

/** The newest certification of a user for a course key (any status), or null. */
export async function latestCertification(db: Db, partnerId: string, userId: string, courseKey: string) {
  const [row] = await db
    .select()
    .from(certifications)
    .where(
      scopeWhere(
        partnerScope(partnerId),
        certifications,
        eq(certifications.userId, userId),
        eq(certifications.courseKey, courseKey),
      ),
    )
    .orderBy(desc(certifications.earnedAt))
    .limit(1);
  return row ?? null;
}
