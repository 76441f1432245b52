import { and, asc, desc, eq, gt, inArray, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~db/client";
import {
  certifications,
  courseModules,
  courses,
  enrollments,
  moduleCompletions,
  quizAttempts,
  quizQuestions,
  type Course,
} from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import { nowOf, scopeOf, type Actor, type Ctx } from "~/modules/auth/actor";
import { partnerScope, scopeWhere, type Scope } from "~/modules/partners/scope.server";
import { ForbiddenError, NotFoundError, RuleError } from "~/utils/errors.server";
import { can } from "~/utils/permissions";
import { grantCertificationInTx, latestCertification } from "./certifications.server";
import {
  attemptToken,
  blockingModules,
  hasRecertificationPath,
  isCertificationValid,
  quizState,
  renewalOpensAt,
  requiredModuleIds,
  resumeModule,
  learnerStatuses,
  seededShuffle,
  type LearnerStatus,
  type QuizState,
} from "./quiz";
import { audiences, type Audience } from "./course-schemas";
import { reevaluatePartnerTier } from "~/modules/tiers/evaluate.server";

type Enrollment = typeof enrollments.$inferSelect;
type EnrollmentKind = Enrollment["kind"];

/** The learner behind a context: partner staff with training:take. Anyone else may not learn. */
export interface Learner {
  userId: string;
  partnerId: string;
  scope: Scope;
}

export function learnerOf(actor: Actor): Learner {
  if (!actor.userId || !actor.partnerId || !can(actor.role, "training:take")) {
    throw new ForbiddenError("Courses are taken by partner staff.");
  }
  return { userId: actor.userId, partnerId: actor.partnerId, scope: scopeOf(actor) };
}

// ---------------------------------------------------------------------------
// Reading helpers (every enrollment-side query is scoped to the learner's partner)

async function currentPublished(db: Db, key: string): Promise<Course | null> {
  const [row] = await db
    .select()
    .from(courses)
    .where(and(eq(courses.key, key), eq(courses.status, "published")));
  return row ?? null;
}

/** The learner's open enrollment in a course, else the latest completed one, else null. */
async function latestEnrollment(db: Db, learner: Learner, key: string): Promise<Enrollment | null> {
  const [row] = await db
    .select()
    .from(enrollments)
    .where(
      scopeWhere(learner.scope, enrollments, eq(enrollments.userId, learner.userId), eq(enrollments.courseKey, key)),
    )
    .orderBy(sql`${enrollments.completedAt} is not null`, desc(enrollments.completedAt), desc(enrollments.startedAt))
    .limit(1);
  return row ?? null;
}

async function openEnrollment(db: Db, learner: Learner, key: string): Promise<Enrollment | null> {
  const [row] = await db
    .select()
    .from(enrollments)
    .where(
      scopeWhere(
        learner.scope,
        enrollments,
        eq(enrollments.userId, learner.userId),
        eq(enrollments.courseKey, key),
        isNull(enrollments.completedAt),
      ),
    );
  return row ?? null;
}

export interface ModuleRow {
  id: string;
  courseId: string;
  position: number;
  title: string;
  inRecertification: boolean;
  questionCount: number;
}

async function modulesOf(db: Db, courseIds: string[]): Promise<ModuleRow[]> {
  if (courseIds.length === 0) return [];
  return db
    .select({
      id: courseModules.id,
      courseId: courseModules.courseId,
      position: courseModules.position,
      title: courseModules.title,
      inRecertification: courseModules.inRecertification,
      // Spelled out: drizzle renders columns inside a select's sql unqualified, which would bind to quiz_questions.
      questionCount: sql<number>`(select count(*) from quiz_questions qq where qq.module_id = course_modules.id)::int`,
    })
    .from(courseModules)
    .where(inArray(courseModules.courseId, courseIds))
    .orderBy(asc(courseModules.courseId), asc(courseModules.position));
}

async function completedModuleIds(db: Db, scope: Scope, enrollmentId: string): Promise<Set<string>> {
  const rows = await db
    .select({ moduleId: moduleCompletions.moduleId })
    .from(moduleCompletions)
    .where(scopeWhere(scope, moduleCompletions, eq(moduleCompletions.enrollmentId, enrollmentId)));
  return new Set(rows.map((r) => r.moduleId));
}

/** Course keys among `keys` for which the learner holds an active, unexpired certification. */
async function heldCertificationKeys(db: Db, learner: Learner, keys: string[], now: Date): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db
    .select({ key: certifications.courseKey })
    .from(certifications)
    .where(
      scopeWhere(
        learner.scope,
        certifications,
        eq(certifications.userId, learner.userId),
        inArray(certifications.courseKey, keys),
        eq(certifications.status, "active"),
        gt(certifications.expiresAt, now),
      ),
    );
  return new Set(rows.map((r) => r.key));
}

/** Titles of course keys (from their newest version), for naming prerequisites. */
async function courseTitles(db: Db, keys: string[]): Promise<Map<string, string>> {
  const titles = new Map<string, string>();
  if (keys.length === 0) return titles;
  const rows = await db
    .select({ key: courses.key, title: courses.title })
    .from(courses)
    .where(inArray(courses.key, keys))
    .orderBy(desc(courses.version));
  for (const r of rows) if (!titles.has(r.key)) titles.set(r.key, r.title);
  return titles;
}

// ---------------------------------------------------------------------------
// Catalog

export interface CatalogFilters {
  audience?: Audience;
  status?: LearnerStatus;
}

export function parseCatalogQuery(params: URLSearchParams): CatalogFilters {
  const audience = params.get("audience");
  const status = params.get("status");
  return {
    audience: (audiences as readonly string[]).includes(audience ?? "")
      ? (audience as CatalogFilters["audience"])
      : undefined,
    status: (learnerStatuses as readonly string[]).includes(status ?? "") ? (status as LearnerStatus) : undefined,
  };
}

/**
 * The learner's catalog: every published course (its current version), plus
 * courses no longer offered that the learner is or was enrolled in, each with
 * the learner's status, progress (completed / required modules of the
 * enrolled version) and newest certification.
 */
export async function trainingCatalog(ctx: Ctx, filters: CatalogFilters = {}) {
  const learner = learnerOf(ctx.actor);
  const now = nowOf(ctx);
  const { db } = ctx;
  const published = await db.select().from(courses).where(eq(courses.status, "published"));
  const mine = await db
    .select()
    .from(enrollments)
    .where(scopeWhere(learner.scope, enrollments, eq(enrollments.userId, learner.userId)))
    .orderBy(desc(enrollments.startedAt));
  const certs = await db
    .select()
    .from(certifications)
    .where(scopeWhere(learner.scope, certifications, eq(certifications.userId, learner.userId)))
    .orderBy(desc(certifications.earnedAt));

  // Per key: the open enrollment, else the latest completed one.
  const enrollmentByKey = new Map<string, Enrollment>();
  for (const e of mine) {
    const seen = enrollmentByKey.get(e.courseKey);
    if (!seen || (seen.completedAt && !e.completedAt)) enrollmentByKey.set(e.courseKey, e);
  }
  const certByKey = new Map<string, (typeof certs)[number]>();
  for (const c of certs) if (!certByKey.has(c.courseKey)) certByKey.set(c.courseKey, c);

  const publishedByKey = new Map(published.map((c) => [c.key, c]));
  const enrolledIds = [...new Set([...enrollmentByKey.values()].map((e) => e.courseId))];
  const enrolledVersions = new Map(
    (enrolledIds.length ? await db.select().from(courses).where(inArray(courses.id, enrolledIds)) : []).map((c) => [
      c.id,
      c,
    ]),
  );
  // Courses no longer offered stay visible to the people enrolled in them (the version they took).
  const retired = [...enrollmentByKey.values()]
    .filter((e) => !publishedByKey.has(e.courseKey))
    .map((e) => enrolledVersions.get(e.courseId)!);

  const shown = [...published, ...retired];
  const courseIds = new Set(shown.map((c) => c.id));
  for (const e of enrollmentByKey.values()) courseIds.add(e.courseId);
  const modules = await modulesOf(db, [...courseIds]);
  const enrollmentIds = [...enrollmentByKey.values()].map((e) => e.id);
  const completions = enrollmentIds.length
    ? await db
        .select({ enrollmentId: moduleCompletions.enrollmentId, moduleId: moduleCompletions.moduleId })
        .from(moduleCompletions)
        .where(scopeWhere(learner.scope, moduleCompletions, inArray(moduleCompletions.enrollmentId, enrollmentIds)))
    : [];
  const titles = await courseTitles(db, [...new Set(shown.flatMap((c) => c.prerequisites))]);

  const entries = shown.map((course) => {
    const enrollment = enrollmentByKey.get(course.key) ?? null;
    const versionId = enrollment ? enrollment.courseId : course.id;
    const versionModules = modules.filter((m) => m.courseId === versionId);
    const required = requiredModuleIds(versionModules, enrollment?.kind ?? "initial");
    const done = enrollment
      ? completions.filter((c) => c.enrollmentId === enrollment.id && required.has(c.moduleId)).length
      : 0;
    const total = required.size;
    const cert = certByKey.get(course.key) ?? null;
    const certValid = cert ? isCertificationValid(cert, now) : false;
    const status: LearnerStatus =
      enrollment && !enrollment.completedAt
        ? "in_progress"
        : cert
          ? certValid
            ? "certified"
            : "expired"
          : "not_started";
    const enrolledVersion = enrollment ? (enrolledVersions.get(enrollment.courseId)?.version ?? null) : null;
    return {
      key: course.key,
      title: course.title,
      summary: course.summary,
      audience: course.audience,
      estimatedMinutes: course.estimatedMinutes,
      version: course.version,
      certificationName: course.certificationName,
      validityMonths: course.validityMonths,
      offered: course.status === "published",
      prerequisites: course.prerequisites.map((k) => ({ key: k, title: titles.get(k) ?? k })),
      status,
      progress: { done, total, percent: total ? Math.floor((done * 100) / total) : 0 },
      enrollmentKind: enrollment && !enrollment.completedAt ? enrollment.kind : null,
      enrolledVersion,
      certification: cert
        ? {
            id: cert.id,
            name: cert.name,
            earnedAt: cert.earnedAt,
            expiresAt: cert.expiresAt,
            valid: certValid,
            renewalOpen: certValid && renewalOpensAt(cert.expiresAt).getTime() <= now.getTime(),
          }
        : null,
    };
  });
  return entries
    .filter((e) => !filters.audience || e.audience === filters.audience)
    .filter((e) => !filters.status || e.status === filters.status)
    .sort((a, b) => a.title.localeCompare(b.title));
}
export type CatalogEntry = Awaited<ReturnType<typeof trainingCatalog>>[number];

// ---------------------------------------------------------------------------
// Enrollment

export type EnrollmentOption =
  | { state: "enrolled" }
  | { state: "unavailable"; reason: string }
  | { state: "blocked"; missing: { key: string; title: string }[] }
  | { state: "certified"; until: Date; renewFrom: Date }
  | { state: "available"; kind: EnrollmentKind; renewal: boolean };

/** Whether (and how) the learner may enroll in the course's current version now. */
async function enrollmentOption(
  db: Db,
  learner: Learner,
  key: string,
  published: Course | null,
  now: Date,
): Promise<EnrollmentOption> {
  if (await openEnrollment(db, learner, key)) return { state: "enrolled" };
  if (!published) return { state: "unavailable", reason: "This course is no longer offered." };
  const publishedModules = await modulesOf(db, [published.id]);
  if (publishedModules.length === 0) return { state: "unavailable", reason: "This course has no modules yet." };
  const held = await heldCertificationKeys(db, learner, published.prerequisites, now);
  const missingKeys = published.prerequisites.filter((k) => !held.has(k));
  if (missingKeys.length > 0) {
    const titles = await courseTitles(db, missingKeys);
    return { state: "blocked", missing: missingKeys.map((k) => ({ key: k, title: titles.get(k) ?? k })) };
  }
  const cert = await latestCertification(db, learner.partnerId, learner.userId, key);
  if (!cert) return { state: "available", kind: "initial", renewal: false };
  if (isCertificationValid(cert, now) && renewalOpensAt(cert.expiresAt).getTime() > now.getTime()) {
    return { state: "certified", until: cert.expiresAt, renewFrom: renewalOpensAt(cert.expiresAt) };
  }
  return {
    state: "available",
    kind: hasRecertificationPath(publishedModules) ? "recertification" : "initial",
    renewal: true,
  };
}

/**
 * Enrolls the learner in the course's current published version. The
 * prerequisites must be held (active, unexpired); a learner already certified
 * may enroll again only to renew (expired, or expiring within the renewal
 * window), on the shorter recertification path when the course has one. A
 * second enroll returns the open enrollment (one per person and course).
 */
export async function enroll(
  ctx: Ctx,
  courseKey: string,
): Promise<{ enrollmentId: string; created: boolean; kind: EnrollmentKind }> {
  const learner = learnerOf(ctx.actor);
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const published = await currentPublished(tx, courseKey);
    const existing = await openEnrollment(tx, learner, courseKey);
    if (existing) return { enrollmentId: existing.id, created: false, kind: existing.kind };
    if (!published) throw new NotFoundError("Course not found.");
    const option = await enrollmentOption(tx, learner, courseKey, published, now);
    if (option.state === "unavailable") throw new RuleError(option.reason);
    if (option.state === "blocked") {
      const names = option.missing.map((m) => m.title).join(", ");
      throw new RuleError(`This course requires a current certification from: ${names}. Complete that first.`, {
        prerequisites: option.missing.map((m) => m.title),
      });
    }
    if (option.state === "certified") {
      throw new RuleError(
        `You are certified until ${day(option.until)}. You can renew from ${day(option.renewFrom)}, 90 days before it expires.`,
      );
    }
    if (option.state === "enrolled") {
      // Another request enrolled between our first read and this one (each
      // statement reads the latest committed rows): theirs is ours.
      const open = await openEnrollment(tx, learner, courseKey);
      if (open) return { enrollmentId: open.id, created: false, kind: open.kind };
      throw new RuleError("You are already enrolled.");
    }
    const [created] = await tx
      .insert(enrollments)
      .values({
        partnerId: learner.partnerId,
        userId: learner.userId,
        courseKey,
        courseId: published.id,
        kind: option.kind,
        startedAt: now,
      })
      .onConflictDoNothing()
      .returning({ id: enrollments.id, kind: enrollments.kind });
    if (!created) {
      // Another request enrolled at the same moment: the one open enrollment is theirs and ours.
      const open = await openEnrollment(tx, learner, courseKey);
      return { enrollmentId: open!.id, created: false, kind: open!.kind };
    }
    await recordAudit(tx, ctx.actor, {
      action: "enrollment.created",
      subjectType: "enrollment",
      subjectId: created.id,
      partnerId: learner.partnerId,
      after: { courseKey, courseId: published.id, version: published.version, kind: created.kind },
    });
    return { enrollmentId: created.id, created: true, kind: created.kind };
  });
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------
// Course overview

/**
 * One course as the learner sees it: the version they are enrolled in (or the
 * current one), its modules with completion and whether each can be opened,
 * where to resume, their newest certification and whether they can enroll.
 */
export async function courseOverview(ctx: Ctx, courseKey: string) {
  const learner = learnerOf(ctx.actor);
  const now = nowOf(ctx);
  const { db } = ctx;
  const published = await currentPublished(db, courseKey);
  const enrollment = await latestEnrollment(db, learner, courseKey);
  if (!published && !enrollment) throw new NotFoundError("Course not found.");
  const open = enrollment && !enrollment.completedAt ? enrollment : null;
  const shownId = open ? open.courseId : (published?.id ?? enrollment!.courseId);
  const [course] = await db.select().from(courses).where(eq(courses.id, shownId));
  const modules = await modulesOf(db, [shownId]);
  const onThisVersion = enrollment && enrollment.courseId === shownId ? enrollment : null;
  const required = requiredModuleIds(modules, onThisVersion?.kind ?? "initial");
  const completed = onThisVersion ? await completedModuleIds(db, learner.scope, onThisVersion.id) : new Set<string>();
  const cert = await latestCertification(db, learner.partnerId, learner.userId, courseKey);
  const option = await enrollmentOption(db, learner, courseKey, published, now);
  const titles = await courseTitles(db, course!.prerequisites);
  const resume = open ? resumeModule(modules, required, completed) : null;
  return {
    course: {
      key: course!.key,
      title: course!.title,
      summary: course!.summary,
      audience: course!.audience,
      estimatedMinutes: course!.estimatedMinutes,
      version: course!.version,
      certificationName: course!.certificationName,
      validityMonths: course!.validityMonths,
      prerequisites: course!.prerequisites.map((k) => ({ key: k, title: titles.get(k) ?? k })),
    },
    /** A newer version exists than the one the learner continues on. */
    newerVersion: open && published && published.id !== open.courseId ? published.version : null,
    enrollment: onThisVersion
      ? {
          kind: onThisVersion.kind,
          startedAt: onThisVersion.startedAt,
          completedAt: onThisVersion.completedAt,
          open: !onThisVersion.completedAt,
        }
      : null,
    modules: modules.map((m) => ({
      id: m.id,
      position: m.position,
      title: m.title,
      hasQuiz: m.questionCount > 0,
      required: required.has(m.id),
      completed: completed.has(m.id) || (!!onThisVersion?.completedAt && required.has(m.id)),
      canOpen: !!onThisVersion && blockingModules(modules, required, completed, m.id).length === 0,
    })),
    progress: {
      done: [...required].filter((id) => completed.has(id)).length,
      total: required.size,
    },
    resume: resume ? { id: resume.id, title: resume.title } : null,
    certification: cert
      ? {
          id: cert.id,
          name: cert.name,
          earnedAt: cert.earnedAt,
          expiresAt: cert.expiresAt,
          valid: isCertificationValid(cert, now),
        }
      : null,
    option,
  };
}
export type CourseOverview = Awaited<ReturnType<typeof courseOverview>>;

// ---------------------------------------------------------------------------
// Modules

interface ModuleContext {
  enrollment: Enrollment;
  module: typeof courseModules.$inferSelect;
  modules: ModuleRow[];
  required: Set<string>;
  completed: Set<string>;
}

/**
 * The learner's enrollment (open, else latest completed) and the module in
 * that enrollment's version. A module of another version, or of a course the
 * learner is not enrolled in, is not found; a module whose earlier required
 * modules are not completed is refused.
 */
async function loadModule(db: Db, learner: Learner, courseKey: string, moduleId: string): Promise<ModuleContext> {
  if (!z.string().uuid().safeParse(moduleId).success) throw new NotFoundError("Module not found.");
  const enrollment = await latestEnrollment(db, learner, courseKey);
  if (!enrollment) {
    if (!(await currentPublished(db, courseKey))) throw new NotFoundError("Course not found.");
    throw new RuleError("Enroll in this course to open its modules.");
  }
  const [module] = await db
    .select()
    .from(courseModules)
    .where(and(eq(courseModules.id, moduleId), eq(courseModules.courseId, enrollment.courseId)));
  if (!module) throw new NotFoundError("Module not found.");
  const modules = await modulesOf(db, [enrollment.courseId]);
  const required = requiredModuleIds(modules, enrollment.kind);
  const completed = await completedModuleIds(db, learner.scope, enrollment.id);
  if (!enrollment.completedAt) {
    const blocking = blockingModules(modules, required, completed, moduleId);
    if (blocking.length > 0) {
      throw new RuleError(`Modules open in order: finish “${blocking[0]!.title}” first.`);
    }
  }
  return { enrollment, module, modules, required, completed };
}

export interface QuizQuestionDto {
  id: string;
  kind: "single" | "multiple";
  prompt: string;
  options: { id: string; text: string }[];
}

async function attemptHistory(db: Db, scope: Scope, enrollmentId: string, moduleId: string) {
  return db
    .select({
      round: quizAttempts.round,
      attemptNumber: quizAttempts.attemptNumber,
      scorePercent: quizAttempts.scorePercent,
      passed: quizAttempts.passed,
      submittedAt: quizAttempts.submittedAt,
    })
    .from(quizAttempts)
    .where(
      scopeWhere(scope, quizAttempts, eq(quizAttempts.enrollmentId, enrollmentId), eq(quizAttempts.moduleId, moduleId)),
    )
    .orderBy(asc(quizAttempts.submittedAt), asc(quizAttempts.round), asc(quizAttempts.attemptNumber));
}

/**
 * A module for reading: its text, and its quiz WITHOUT the answer key (the
 * questions and options only, shuffled per attempt when the module says so),
 * the attempts so far and whether another attempt is open. Viewing a module of
 * an open enrollment records it as the last one seen.
 */
export async function moduleView(ctx: Ctx, courseKey: string, moduleId: string) {
  const learner = learnerOf(ctx.actor);
  const now = nowOf(ctx);
  const { db } = ctx;
  const m = await loadModule(db, learner, courseKey, moduleId);
  const { enrollment, module, modules } = m;
  const open = !enrollment.completedAt;
  if (open && enrollment.lastModuleId !== module.id) {
    await db
      .update(enrollments)
      .set({ lastModuleId: module.id })
      .where(scopeWhere(learner.scope, enrollments, eq(enrollments.id, enrollment.id)));
  }
  const [course] = await db
    .select({ key: courses.key, title: courses.title, version: courses.version })
    .from(courses)
    .where(eq(courses.id, enrollment.courseId));
  const questionRows = await db
    .select({
      id: quizQuestions.id,
      kind: quizQuestions.kind,
      prompt: quizQuestions.prompt,
      options: quizQuestions.options,
    })
    .from(quizQuestions)
    .where(eq(quizQuestions.moduleId, module.id))
    .orderBy(asc(quizQuestions.position));
  const hasQuiz = questionRows.length > 0;
  const history = hasQuiz ? await attemptHistory(db, learner.scope, enrollment.id, module.id) : [];
  const completed = m.completed.has(module.id) || (!open && m.required.has(module.id));
  let state: QuizState | null = null;
  let questions: QuizQuestionDto[] = [];
  let attempt: string | null = null;
  if (hasQuiz) {
    state = completed ? { state: "passed" } : quizState(history, module, now);
    if (open && state.state === "open") {
      attempt = attemptToken(state.round, state.attemptNumber);
      const seed = `${enrollment.id}:${module.id}:${attempt}`;
      const ordered = module.shuffle ? seededShuffle(questionRows, seed) : questionRows;
      questions = ordered.map((q) => ({
        id: q.id,
        kind: q.kind,
        prompt: q.prompt,
        options: module.shuffle ? seededShuffle(q.options, `${seed}:${q.id}`) : q.options,
      }));
    }
  }
  const sorted = [...modules].sort((a, b) => a.position - b.position);
  const index = sorted.findIndex((x) => x.id === module.id);
  const next = sorted[index + 1] ?? null;
  const previous = sorted[index - 1] ?? null;
  return {
    course: course!,
    module: {
      id: module.id,
      position: module.position,
      title: module.title,
      body: module.body,
      videoUrl: module.videoUrl,
      required: m.required.has(module.id),
      passPercent: module.passPercent,
      attemptsAllowed: module.attemptsAllowed,
      cooldownMinutes: module.cooldownMinutes,
    },
    moduleCount: sorted.length,
    enrollmentOpen: open,
    completed,
    quiz: hasQuiz
      ? {
          questionCount: questionRows.length,
          state: state!,
          attempt,
          questions,
          attempts: history.map((a) => ({
            round: a.round,
            attemptNumber: a.attemptNumber,
            scorePercent: a.scorePercent,
            passed: a.passed,
            submittedAt: a.submittedAt,
          })),
        }
      : null,
    next: next ? { id: next.id, title: next.title } : null,
    previous: previous ? { id: previous.id, title: previous.title } : null,
  };
}
export type ModuleView = Awaited<ReturnType<typeof moduleView>>;

export interface CompletionResult {
  /** The module is (now or already) complete. */
  moduleCompleted: boolean;
  /** This completion finished the course (or it was finished already). */
  courseCompleted: boolean;
  certificationId: string | null;
}

/**
 * Records a module as completed and, when it was the last required one,
 * completes the enrollment and grants the certification, all in the caller's
 * transaction. The enrollment row is locked first, so that two completions of
 * the same enrollment at once are serialised: only one completes the course
 * and the certification is granted once.
 */
export async function completeModuleInTx(
  tx: Db,
  enrollment: Pick<Enrollment, "id" | "partnerId">,
  moduleId: string,
  now: Date,
  actor: Pick<Actor, "userId" | "label" | "ip">,
): Promise<CompletionResult> {
  const scope = partnerScope(enrollment.partnerId);
  const [locked] = await tx
    .select()
    .from(enrollments)
    .where(scopeWhere(scope, enrollments, eq(enrollments.id, enrollment.id)))
    .for("update");
  if (!locked) throw new NotFoundError("Enrollment not found.");
  if (locked.completedAt) {
    const [cert] = await tx
      .select({ id: certifications.id })
      .from(certifications)
      .where(scopeWhere(scope, certifications, eq(certifications.enrollmentId, locked.id)));
    return { moduleCompleted: true, courseCompleted: true, certificationId: cert?.id ?? null };
  }
  await tx
    .insert(moduleCompletions)
    .values({ enrollmentId: locked.id, moduleId, partnerId: locked.partnerId, completedAt: now })
    .onConflictDoNothing();
  const modules = await modulesOf(tx, [locked.courseId]);
  const required = requiredModuleIds(modules, locked.kind);
  const completed = await completedModuleIds(tx, scope, locked.id);
  if ([...required].some((id) => !completed.has(id))) {
    return { moduleCompleted: true, courseCompleted: false, certificationId: null };
  }
  const [finished] = await tx
    .update(enrollments)
    .set({ completedAt: now })
    .where(scopeWhere(scope, enrollments, eq(enrollments.id, locked.id), isNull(enrollments.completedAt)))
    .returning({ id: enrollments.id });
  if (!finished) throw new Error("enrollment completed under its own lock"); // cannot happen: the row is locked
  const cert = await grantCertificationInTx(tx, locked, now, actor);
  // A new certified person can lift the partner's tier at once (same transaction).
  if (cert.created) {
    await reevaluatePartnerTier(tx, { partnerId: locked.partnerId, at: now, reason: "certification-granted" });
  }
  return { moduleCompleted: true, courseCompleted: true, certificationId: cert.id };
}

/**
 * "Mark as read" for a module without a quiz. Idempotent: marking a completed
 * module again changes nothing. Completing the last required module completes
 * the course (see completeModuleInTx).
 */
export async function markModuleRead(
  ctx: Ctx,
  courseKey: string,
  moduleId: string,
): Promise<CompletionResult & { nextModuleId: string | null }> {
  const learner = learnerOf(ctx.actor);
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const m = await loadModule(tx, learner, courseKey, moduleId);
    const sorted = [...m.modules].sort((a, b) => a.position - b.position);
    const nextModuleId = sorted[sorted.findIndex((x) => x.id === moduleId) + 1]?.id ?? null;
    if (m.enrollment.completedAt) {
      const [cert] = await tx
        .select({ id: certifications.id })
        .from(certifications)
        .where(scopeWhere(learner.scope, certifications, eq(certifications.enrollmentId, m.enrollment.id)));
      return { moduleCompleted: true, courseCompleted: true, certificationId: cert?.id ?? null, nextModuleId };
    }
    if (m.modules.find((x) => x.id === moduleId)!.questionCount > 0) {
      throw new RuleError("This module ends with a quiz: pass the quiz to complete it.");
    }
    const result = await completeModuleInTx(tx, m.enrollment, moduleId, now, ctx.actor);
    return { ...result, nextModuleId };
  });
}

/** For the quiz use case: the enrollment and module, checked as for viewing (order, version). */
export async function loadModuleForQuiz(tx: Db, actor: Actor, courseKey: string, moduleId: string) {
  const learner = learnerOf(actor);
  return { learner, ...(await loadModule(tx, learner, courseKey, moduleId)) };
}
export { attemptHistory };
