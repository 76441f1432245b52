import { randomBytes, randomUUID } from "node:crypto";
import { and, asc, count, desc, eq, gt, inArray, lt, max, ne, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~db/client";
import { courseModules, courses, enrollments, quizQuestions, users, type Course } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import { nowOf, type Ctx } from "~/modules/auth/actor";
import { isUniqueViolation } from "~/utils/db-errors.server";
import { ConflictError, ForbiddenError, NotFoundError, RuleError, ValidationError } from "~/utils/errors.server";
import { fieldErrorsOf } from "~/utils/field-errors";
import { can } from "~/utils/permissions";
import {
  ATTEMPTS_MAX,
  COOLDOWN_MAX,
  courseMetaSchema,
  createCourseSchema,
  moduleSchema,
  moveSchema,
  questionProblems,
  questionSchema,
  quizSettingsSchema,
  type CourseMeta,
  type CourseStatus,
  type Question,
} from "./course-schemas";

/**
 * Course authoring (vendor admins, `training:author`). A course is one row
 * per VERSION under a stable key. Only a draft version changes; "editing" a
 * published course creates the next version as a draft (a full copy), and
 * publishing that draft supersedes the previous version in the same
 * transaction. Enrollments stay on the version they started.
 *
 * The tables are the vendor's (no partner_id) except enrollments, which are
 * only counted here: an explicit cross-partner read for the vendor's list.
 */

function requireAuthor(ctx: Ctx): void {
  if (!can(ctx.actor.role, "training:author")) throw new ForbiddenError("Only vendor admins author courses.");
}

function parse<T extends z.ZodTypeAny>(schema: T, raw: unknown): z.output<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  return parsed.data;
}

const uuid = z.string().uuid();
function idOrNotFound(id: string, what: string): string {
  if (!uuid.safeParse(id).success) throw new NotFoundError(`${what} not found.`);
  return id;
}

const PUBLISHED_CONSTRAINT = "courses_one_published_idx";
const VERSION_CONSTRAINT = "courses_key_version_idx";

// ---------------------------------------------------------------------------------------------------------------
// Reading

export interface CourseListRow {
  key: string;
  /** The latest version (the one the list links to). */
  id: string;
  version: number;
  status: CourseStatus;
  title: string;
  audience: "sales" | "technical";
  estimatedMinutes: number;
  certificationName: string;
  validityMonths: number;
  modules: number;
  /** The published version when the latest one is not it (e.g. a draft of v2 while v1 is live). */
  published: { id: string; version: number } | null;
  /** Enrollments in any version of the course, across all partners. */
  enrollments: number;
  openEnrollments: number;
  updatedAt: Date;
}

/** Every course key with its latest version, modules count and enrollments (vendor admins). */
export async function listCourses(ctx: Ctx): Promise<CourseListRow[]> {
  requireAuthor(ctx);
  const rows = await ctx.db.select().from(courses).orderBy(asc(courses.key), desc(courses.version));
  const latest = new Map<string, Course>();
  const published = new Map<string, Course>();
  for (const r of rows) {
    if (!latest.has(r.key)) latest.set(r.key, r);
    if (r.status === "published") published.set(r.key, r);
  }
  const latestIds = [...latest.values()].map((c) => c.id);
  const moduleCounts = latestIds.length
    ? await ctx.db
        .select({ courseId: courseModules.courseId, n: count() })
        .from(courseModules)
        .where(inArray(courseModules.courseId, latestIds))
        .groupBy(courseModules.courseId)
    : [];
  // Cross-partner on purpose: the vendor's overview counts every partner's enrollments.
  const enrollmentCounts = await ctx.db
    .select({
      key: enrollments.courseKey,
      n: count(),
      open: sql<number>`count(*) filter (where ${enrollments.completedAt} is null)::int`,
    })
    .from(enrollments)
    .groupBy(enrollments.courseKey);
  const modulesBy = new Map(moduleCounts.map((m) => [m.courseId, m.n]));
  const enrollBy = new Map(enrollmentCounts.map((e) => [e.key, e]));
  return [...latest.values()]
    .map((c) => {
      const pub = published.get(c.key);
      return {
        key: c.key,
        id: c.id,
        version: c.version,
        status: c.status,
        title: c.title,
        audience: c.audience,
        estimatedMinutes: c.estimatedMinutes,
        certificationName: c.certificationName,
        validityMonths: c.validityMonths,
        modules: modulesBy.get(c.id) ?? 0,
        published: pub && pub.id !== c.id ? { id: pub.id, version: pub.version } : null,
        enrollments: enrollBy.get(c.key)?.n ?? 0,
        openEnrollments: enrollBy.get(c.key)?.open ?? 0,
        updatedAt: c.publishedAt ?? c.createdAt,
      };
    })
    .sort((a, b) => a.title.localeCompare(b.title, "en") || a.key.localeCompare(b.key));
}

export interface CourseOption {
  key: string;
  title: string;
  /** Whether the key has a published version (a learner can earn it). */
  published: boolean;
}

/** Course keys that can be chosen as prerequisites (title of the latest version), except `exceptKey`. */
export async function prerequisiteOptions(db: Db, exceptKey?: string): Promise<CourseOption[]> {
  const rows = await db
    .select({ key: courses.key, title: courses.title, status: courses.status })
    .from(courses)
    .orderBy(asc(courses.key), desc(courses.version));
  const byKey = new Map<string, CourseOption>();
  for (const r of rows) {
    if (r.key === exceptKey) continue;
    const seen = byKey.get(r.key);
    if (!seen) byKey.set(r.key, { key: r.key, title: r.title, published: r.status === "published" });
    else if (r.status === "published") seen.published = true;
  }
  return [...byKey.values()].sort((a, b) => a.title.localeCompare(b.title, "en"));
}

/** One version with its modules and questions (correct answers included: authors only). */
export async function getCourseForEdit(ctx: Ctx, courseId: string) {
  requireAuthor(ctx);
  idOrNotFound(courseId, "Course");
  const [course] = await ctx.db
    .select({ course: courses, authorName: users.name })
    .from(courses)
    .leftJoin(users, eq(users.id, courses.createdBy))
    .where(eq(courses.id, courseId));
  if (!course) throw new NotFoundError("Course not found.");
  const c = course.course;
  const modules = await ctx.db
    .select()
    .from(courseModules)
    .where(eq(courseModules.courseId, c.id))
    .orderBy(asc(courseModules.position));
  const questions = modules.length
    ? await ctx.db
        .select()
        .from(quizQuestions)
        .where(
          inArray(
            quizQuestions.moduleId,
            modules.map((m) => m.id),
          ),
        )
        .orderBy(asc(quizQuestions.moduleId), asc(quizQuestions.position))
    : [];
  const versions = await ctx.db
    .select({
      id: courses.id,
      version: courses.version,
      status: courses.status,
      createdAt: courses.createdAt,
      publishedAt: courses.publishedAt,
    })
    .from(courses)
    .where(eq(courses.key, c.key))
    .orderBy(desc(courses.version));
  // Cross-partner on purpose: how many people (any partner) are on this version.
  const [onVersion] = await ctx.db
    .select({
      n: count(),
      open: sql<number>`count(*) filter (where ${enrollments.completedAt} is null)::int`,
    })
    .from(enrollments)
    .where(eq(enrollments.courseId, c.id));
  const options = await prerequisiteOptions(ctx.db, c.key);
  const latest = versions[0]!;
  const draft = versions.find((v) => v.status === "draft") ?? null;
  return {
    course: { ...c, authorName: course.authorName },
    modules: modules.map((m) => ({ ...m, questions: questions.filter((q) => q.moduleId === m.id) })),
    versions,
    isLatest: latest.id === c.id,
    /** A draft of this course other than this version (only one is ever made). */
    otherDraft: draft && draft.id !== c.id ? draft : null,
    enrollments: { total: onVersion?.n ?? 0, open: onVersion?.open ?? 0 },
    prerequisiteOptions: options,
  };
}
export type CourseForEdit = Awaited<ReturnType<typeof getCourseForEdit>>;

// ---------------------------------------------------------------------------------------------------------------
// Course rows

/**
 * Prerequisites are other course keys: they must exist, and the graph must
 * stay acyclic. Edges come from every draft and published version (a key's
 * edges are the union of its live versions), with this version's new list in
 * place of its stored one. Serialized by an advisory lock so that two edits
 * cannot close a cycle between them.
 */
async function checkPrerequisites(tx: Db, key: string, courseId: string | null, prereqs: string[]) {
  if (prereqs.length === 0) return;
  if (prereqs.includes(key)) throw new ValidationError({ prerequisites: ["A course cannot require itself."] });
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('training:course-prerequisites'))`);
  const known = await tx.selectDistinct({ key: courses.key }).from(courses).where(inArray(courses.key, prereqs));
  const unknown = prereqs.filter((p) => !known.some((k) => k.key === p));
  if (unknown.length) throw new ValidationError({ prerequisites: [`Unknown course: ${unknown.join(", ")}.`] });
  const live = await tx
    .select({ id: courses.id, key: courses.key, prerequisites: courses.prerequisites })
    .from(courses)
    .where(inArray(courses.status, ["draft", "published"]));
  const edges = new Map<string, Set<string>>();
  for (const r of live) {
    if (r.id === courseId) continue;
    const set = edges.get(r.key) ?? new Set<string>();
    r.prerequisites.forEach((p) => set.add(p));
    edges.set(r.key, set);
  }
  const own = edges.get(key) ?? new Set<string>();
  prereqs.forEach((p) => own.add(p));
  edges.set(key, own);
  // Does `key` depend on itself through any of its prerequisites?
  for (const start of prereqs) {
    const seen = new Set<string>();
    const stack = [start];
    while (stack.length) {
      const k = stack.pop()!;
      if (k === key) {
        throw new ValidationError({
          prerequisites: [
            `“${start}” requires this course (directly or through other courses): that would be a cycle.`,
          ],
        });
      }
      if (seen.has(k)) continue;
      seen.add(k);
      edges.get(k)?.forEach((n) => stack.push(n));
    }
  }
}

function metaOf(c: Pick<Course, keyof CourseMeta>): CourseMeta {
  return {
    title: c.title,
    summary: c.summary,
    audience: c.audience,
    estimatedMinutes: c.estimatedMinutes,
    prerequisites: c.prerequisites,
    certificationName: c.certificationName,
    validityMonths: c.validityMonths,
  };
}

/** A new course: version 1, a draft. The key is unique across all versions of all courses. */
export async function createCourse(ctx: Ctx, raw: unknown): Promise<{ id: string; key: string }> {
  requireAuthor(ctx);
  const input = parse(createCourseSchema, raw);
  const now = nowOf(ctx);
  try {
    return await ctx.db.transaction(async (tx) => {
      const [taken] = await tx.select({ id: courses.id }).from(courses).where(eq(courses.key, input.key)).limit(1);
      if (taken) throw new ValidationError({ key: ["A course with this key exists already."] });
      await checkPrerequisites(tx, input.key, null, input.prerequisites);
      const [row] = await tx
        .insert(courses)
        .values({ ...input, version: 1, status: "draft", createdBy: ctx.actor.userId, createdAt: now })
        .returning({ id: courses.id });
      await recordAudit(tx, ctx.actor, {
        action: "course.created",
        subjectType: "course",
        subjectId: row!.id,
        after: { ...input, version: 1 },
      });
      return { id: row!.id, key: input.key };
    });
  } catch (err) {
    if (isUniqueViolation(err, VERSION_CONSTRAINT)) {
      throw new ValidationError({ key: ["A course with this key exists already."] });
    }
    throw err;
  }
}

/** Locks a version for a change and checks it is a draft. */
async function lockDraft(tx: Db, courseId: string): Promise<Course> {
  const [c] = await tx.select().from(courses).where(eq(courses.id, courseId)).for("update");
  if (!c) throw new NotFoundError("Course not found.");
  if (c.status !== "draft") {
    throw new RuleError(
      `Version ${c.version} is ${c.status}: only a draft can be changed. Create a new version to edit the course.`,
    );
  }
  return c;
}

/** Title, summary, audience, time, prerequisites, certification and validity of a draft. */
export async function updateCourse(ctx: Ctx, courseId: string, raw: unknown): Promise<void> {
  requireAuthor(ctx);
  idOrNotFound(courseId, "Course");
  const input = parse(courseMetaSchema, raw);
  await ctx.db.transaction(async (tx) => {
    const before = await lockDraft(tx, courseId);
    await checkPrerequisites(tx, before.key, before.id, input.prerequisites);
    await tx.update(courses).set(input).where(eq(courses.id, courseId));
    await recordAudit(tx, ctx.actor, {
      action: "course.updated",
      subjectType: "course",
      subjectId: courseId,
      before: metaOf(before),
      after: input,
    });
  });
}

/**
 * "Edit" on a course that is not a draft: copies the latest version (course
 * row, modules, questions, with new ids) into version + 1 as a draft, in one
 * transaction. Only the latest version is copied, and only when no draft
 * exists; two clicks at once collide on (key, version) and the second gets a
 * ConflictError.
 */
export async function createNextVersion(ctx: Ctx, courseId: string): Promise<{ id: string; version: number }> {
  requireAuthor(ctx);
  idOrNotFound(courseId, "Course");
  const now = nowOf(ctx);
  try {
    return await ctx.db.transaction(async (tx) => {
      const [source] = await tx.select().from(courses).where(eq(courses.id, courseId));
      if (!source) throw new NotFoundError("Course not found.");
      const [latest] = await tx
        .select({ id: courses.id, version: courses.version, status: courses.status })
        .from(courses)
        .where(eq(courses.key, source.key))
        .orderBy(desc(courses.version))
        .limit(1);
      if (latest!.status === "draft") {
        throw new RuleError(`Version ${latest!.version} is already a draft: edit that one.`);
      }
      if (latest!.id !== source.id) {
        throw new RuleError(`Version ${latest!.version} is newer: a new version starts from the latest one.`);
      }
      const version = source.version + 1;
      const id = randomUUID();
      await tx.insert(courses).values({
        ...metaOf(source),
        id,
        key: source.key,
        version,
        status: "draft",
        createdBy: ctx.actor.userId,
        createdAt: now,
      });
      const modules = await tx.select().from(courseModules).where(eq(courseModules.courseId, source.id));
      const newIds = new Map(modules.map((m) => [m.id, randomUUID()]));
      if (modules.length) {
        await tx.insert(courseModules).values(modules.map((m) => ({ ...m, id: newIds.get(m.id)!, courseId: id })));
        const questions = await tx
          .select()
          .from(quizQuestions)
          .where(inArray(quizQuestions.moduleId, [...newIds.keys()]));
        if (questions.length) {
          await tx
            .insert(quizQuestions)
            .values(questions.map((q) => ({ ...q, id: randomUUID(), moduleId: newIds.get(q.moduleId)! })));
        }
      }
      await recordAudit(tx, ctx.actor, {
        action: "course.version_created",
        subjectType: "course",
        subjectId: id,
        before: { id: source.id, version: source.version, status: source.status },
        after: { key: source.key, version, modules: modules.length },
      });
      return { id, version };
    });
  } catch (err) {
    if (isUniqueViolation(err, VERSION_CONSTRAINT)) {
      throw new ConflictError("Someone created the next version at the same moment. Reload the page.");
    }
    throw err;
  }
}

/** Why a draft cannot be published yet (empty when it can). */
async function publishProblems(tx: Db, c: Course): Promise<string[]> {
  const problems: string[] = [];
  const modules = await tx
    .select()
    .from(courseModules)
    .where(eq(courseModules.courseId, c.id))
    .orderBy(asc(courseModules.position));
  if (modules.length === 0) problems.push("Add at least one module.");
  const questions = modules.length
    ? await tx
        .select()
        .from(quizQuestions)
        .where(
          inArray(
            quizQuestions.moduleId,
            modules.map((m) => m.id),
          ),
        )
    : [];
  for (const [i, m] of modules.entries()) {
    const qs = questions.filter((q) => q.moduleId === m.id).sort((a, b) => a.position - b.position);
    if (qs.length === 0) continue;
    const name = `Module ${i + 1} (“${m.title}”)`;
    if (!(m.passPercent >= 1 && m.passPercent <= 100)) problems.push(`${name}: the pass mark must be 1 to 100 %.`);
    if (!(m.attemptsAllowed >= 1 && m.attemptsAllowed <= ATTEMPTS_MAX)) {
      problems.push(`${name}: allow 1 to ${ATTEMPTS_MAX} attempts.`);
    }
    if (!(m.cooldownMinutes >= 0 && m.cooldownMinutes <= COOLDOWN_MAX)) {
      problems.push(`${name}: the cool-down must be 0 to ${COOLDOWN_MAX} minutes.`);
    }
    for (const [j, q] of qs.entries()) {
      for (const p of questionProblems(q)) problems.push(`${name}, question ${j + 1} ${p}.`);
    }
  }
  if (c.prerequisites.length) {
    const live = await tx
      .selectDistinct({ key: courses.key })
      .from(courses)
      .where(and(inArray(courses.key, c.prerequisites), eq(courses.status, "published")));
    const missing = c.prerequisites.filter((p) => !live.some((l) => l.key === p));
    if (missing.length) problems.push(`Prerequisites without a published version: ${missing.join(", ")}.`);
  }
  return problems;
}

/**
 * Publishes a draft: it becomes the course's published version and the
 * previously published version of the same key becomes superseded, in one
 * transaction. The partial unique index (one published version per key)
 * turns two simultaneous publishes into one success and one ConflictError.
 * Enrollments are not touched: they stay on the version they started.
 */
export async function publishCourse(
  ctx: Ctx,
  courseId: string,
): Promise<{ id: string; version: number; supersededId: string | null }> {
  requireAuthor(ctx);
  idOrNotFound(courseId, "Course");
  const now = nowOf(ctx);
  try {
    return await ctx.db.transaction(async (tx) => {
      const c = await lockDraft(tx, courseId).catch((err: unknown) => {
        if (err instanceof RuleError) throw new RuleError("Only a draft can be published.");
        throw err;
      });
      const problems = await publishProblems(tx, c);
      if (problems.length) throw new RuleError(`Not ready to publish: ${problems.join(" ")}`);
      const superseded = await tx
        .update(courses)
        .set({ status: "superseded" })
        .where(and(eq(courses.key, c.key), eq(courses.status, "published"), ne(courses.id, c.id)))
        .returning({ id: courses.id, version: courses.version });
      const newer = superseded.find((s) => s.version > c.version);
      if (newer) throw new RuleError(`Version ${newer.version} is published already; this draft is older.`);
      await tx.update(courses).set({ status: "published", publishedAt: now }).where(eq(courses.id, c.id));
      const prev = superseded[0] ?? null;
      await recordAudit(tx, ctx.actor, {
        action: "course.published",
        subjectType: "course",
        subjectId: c.id,
        before: prev ? { supersededId: prev.id, supersededVersion: prev.version } : null,
        after: { key: c.key, version: c.version },
      });
      return { id: c.id, version: c.version, supersededId: prev?.id ?? null };
    });
  } catch (err) {
    if (isUniqueViolation(err, PUBLISHED_CONSTRAINT)) {
      throw new ConflictError("Another version of this course was published at the same moment. Reload the page.");
    }
    throw err;
  }
}

/** A retired course takes no new enrollments; people already in it continue and keep their certifications. */
export async function retireCourse(ctx: Ctx, courseId: string): Promise<void> {
  requireAuthor(ctx);
  idOrNotFound(courseId, "Course");
  await ctx.db.transaction(async (tx) => {
    const [c] = await tx.select().from(courses).where(eq(courses.id, courseId)).for("update");
    if (!c) throw new NotFoundError("Course not found.");
    if (c.status !== "published")
      throw new RuleError(`Only the published version can be retired (this one is ${c.status}).`);
    await tx.update(courses).set({ status: "retired" }).where(eq(courses.id, c.id));
    await recordAudit(tx, ctx.actor, {
      action: "course.retired",
      subjectType: "course",
      subjectId: c.id,
      before: { status: "published" },
      after: { key: c.key, version: c.version, status: "retired" },
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Modules and questions (drafts only; audited as course.content_updated)

async function contentAudit(tx: Db, ctx: Ctx, courseId: string, change: string, detail: Record<string, unknown>) {
  await recordAudit(tx, ctx.actor, {
    action: "course.content_updated",
    subjectType: "course",
    subjectId: courseId,
    after: { change, ...detail },
  });
}

/** The module and its draft course, locked. */
async function lockModule(tx: Db, moduleId: string) {
  const [found] = await tx
    .select({ courseId: courseModules.courseId })
    .from(courseModules)
    .where(eq(courseModules.id, moduleId));
  if (!found) throw new NotFoundError("Module not found.");
  const course = await lockDraft(tx, found.courseId);
  // Read again under the course's lock: a concurrent move or delete has finished by now.
  const [m] = await tx.select().from(courseModules).where(eq(courseModules.id, moduleId));
  if (!m) throw new NotFoundError("Module not found.");
  return { module: m, course };
}

export async function addModule(ctx: Ctx, courseId: string, raw: unknown): Promise<{ id: string }> {
  requireAuthor(ctx);
  idOrNotFound(courseId, "Course");
  const input = parse(moduleSchema, raw);
  return ctx.db.transaction(async (tx) => {
    await lockDraft(tx, courseId);
    const [last] = await tx
      .select({ position: max(courseModules.position) })
      .from(courseModules)
      .where(eq(courseModules.courseId, courseId));
    const position = (last?.position ?? 0) + 1;
    const [row] = await tx
      .insert(courseModules)
      .values({ ...input, videoUrl: input.videoUrl ?? null, courseId, position })
      .returning({ id: courseModules.id });
    await contentAudit(tx, ctx, courseId, "module.added", { moduleId: row!.id, title: input.title, position });
    return { id: row!.id };
  });
}

export async function updateModule(ctx: Ctx, moduleId: string, raw: unknown): Promise<void> {
  requireAuthor(ctx);
  idOrNotFound(moduleId, "Module");
  const input = parse(moduleSchema, raw);
  await ctx.db.transaction(async (tx) => {
    const { module: m } = await lockModule(tx, moduleId);
    await tx
      .update(courseModules)
      .set({ ...input, videoUrl: input.videoUrl ?? null })
      .where(eq(courseModules.id, moduleId));
    await contentAudit(tx, ctx, m.courseId, "module.updated", {
      moduleId,
      title: input.title,
      ...(m.title !== input.title ? { previousTitle: m.title } : {}),
    });
  });
}

export async function updateQuizSettings(ctx: Ctx, moduleId: string, raw: unknown): Promise<void> {
  requireAuthor(ctx);
  idOrNotFound(moduleId, "Module");
  const input = parse(quizSettingsSchema, raw);
  await ctx.db.transaction(async (tx) => {
    const { module: m } = await lockModule(tx, moduleId);
    await tx.update(courseModules).set(input).where(eq(courseModules.id, moduleId));
    await contentAudit(tx, ctx, m.courseId, "quiz.settings_updated", {
      moduleId,
      before: {
        passPercent: m.passPercent,
        attemptsAllowed: m.attemptsAllowed,
        cooldownMinutes: m.cooldownMinutes,
        shuffle: m.shuffle,
      },
      ...input,
    });
  });
}

/**
 * Swaps the module with its neighbour. Positions are unique per course (not
 * deferrable), so the swap goes through a temporary negative position.
 */
export async function moveModule(ctx: Ctx, moduleId: string, raw: unknown): Promise<void> {
  requireAuthor(ctx);
  idOrNotFound(moduleId, "Module");
  const { direction } = parse(moveSchema, raw);
  await ctx.db.transaction(async (tx) => {
    const { module: m } = await lockModule(tx, moduleId);
    const [neighbour] = await tx
      .select({ id: courseModules.id, position: courseModules.position })
      .from(courseModules)
      .where(
        and(
          eq(courseModules.courseId, m.courseId),
          direction === "up" ? lt(courseModules.position, m.position) : gt(courseModules.position, m.position),
        ),
      )
      .orderBy(direction === "up" ? desc(courseModules.position) : asc(courseModules.position))
      .limit(1);
    if (!neighbour) return;
    await tx.update(courseModules).set({ position: -1 }).where(eq(courseModules.id, m.id));
    await tx.update(courseModules).set({ position: m.position }).where(eq(courseModules.id, neighbour.id));
    await tx.update(courseModules).set({ position: neighbour.position }).where(eq(courseModules.id, m.id));
    await contentAudit(tx, ctx, m.courseId, "module.moved", {
      moduleId,
      from: m.position,
      to: neighbour.position,
    });
  });
}

/** Deletes a module of a draft with its questions; the modules after it move up. */
export async function deleteModule(ctx: Ctx, moduleId: string): Promise<void> {
  requireAuthor(ctx);
  idOrNotFound(moduleId, "Module");
  await ctx.db.transaction(async (tx) => {
    const { module: m } = await lockModule(tx, moduleId);
    const removed = await tx
      .delete(quizQuestions)
      .where(eq(quizQuestions.moduleId, moduleId))
      .returning({ id: quizQuestions.id });
    await tx.delete(courseModules).where(eq(courseModules.id, moduleId));
    // Close the gap in two steps (positions are unique at every row).
    const after = and(eq(courseModules.courseId, m.courseId), gt(courseModules.position, m.position));
    await tx
      .update(courseModules)
      .set({ position: sql`-${courseModules.position}` })
      .where(after);
    await tx
      .update(courseModules)
      .set({ position: sql`-${courseModules.position} - 1` })
      .where(and(eq(courseModules.courseId, m.courseId), lt(courseModules.position, 0)));
    await contentAudit(tx, ctx, m.courseId, "module.deleted", {
      moduleId,
      title: m.title,
      position: m.position,
      questions: removed.length,
    });
  });
}

/** Stored options and correct ids from a parsed question: submitted ids are kept when usable, others are new. */
function storedOptions(q: Question): { options: { id: string; text: string }[]; correct: string[] } {
  const used = new Set<string>();
  const options = q.options.map((o) => {
    let id = o.id && !used.has(o.id) ? o.id : undefined;
    while (!id || used.has(id)) id = randomBytes(4).toString("hex");
    used.add(id);
    return { id, text: o.text, correct: o.correct };
  });
  return {
    options: options.map(({ id, text }) => ({ id, text })),
    correct: options.filter((o) => o.correct).map((o) => o.id),
  };
}

export async function addQuestion(ctx: Ctx, moduleId: string, raw: unknown): Promise<{ id: string }> {
  requireAuthor(ctx);
  idOrNotFound(moduleId, "Module");
  const input = parse(questionSchema, raw);
  return ctx.db.transaction(async (tx) => {
    const { module: m } = await lockModule(tx, moduleId);
    const [last] = await tx
      .select({ position: max(quizQuestions.position) })
      .from(quizQuestions)
      .where(eq(quizQuestions.moduleId, moduleId));
    const position = (last?.position ?? 0) + 1;
    const { options, correct } = storedOptions(input);
    const [row] = await tx
      .insert(quizQuestions)
      .values({ moduleId, position, kind: input.kind, prompt: input.prompt, options, correct })
      .returning({ id: quizQuestions.id });
    await contentAudit(tx, ctx, m.courseId, "question.added", { moduleId, questionId: row!.id, prompt: input.prompt });
    return { id: row!.id };
  });
}

async function lockQuestion(tx: Db, questionId: string) {
  const [found] = await tx
    .select({ moduleId: quizQuestions.moduleId })
    .from(quizQuestions)
    .where(eq(quizQuestions.id, questionId));
  if (!found) throw new NotFoundError("Question not found.");
  const { module: m } = await lockModule(tx, found.moduleId);
  const [q] = await tx.select().from(quizQuestions).where(eq(quizQuestions.id, questionId));
  if (!q) throw new NotFoundError("Question not found.");
  return { question: q, module: m };
}

export async function updateQuestion(ctx: Ctx, questionId: string, raw: unknown): Promise<void> {
  requireAuthor(ctx);
  idOrNotFound(questionId, "Question");
  const input = parse(questionSchema, raw);
  await ctx.db.transaction(async (tx) => {
    const { question: q, module: m } = await lockQuestion(tx, questionId);
    const { options, correct } = storedOptions(input);
    await tx
      .update(quizQuestions)
      .set({ kind: input.kind, prompt: input.prompt, options, correct })
      .where(eq(quizQuestions.id, questionId));
    await contentAudit(tx, ctx, m.courseId, "question.updated", {
      moduleId: m.id,
      questionId,
      prompt: input.prompt,
      ...(q.prompt !== input.prompt ? { previousPrompt: q.prompt } : {}),
    });
  });
}

export async function deleteQuestion(ctx: Ctx, questionId: string): Promise<void> {
  requireAuthor(ctx);
  idOrNotFound(questionId, "Question");
  await ctx.db.transaction(async (tx) => {
    const { question: q, module: m } = await lockQuestion(tx, questionId);
    await tx.delete(quizQuestions).where(eq(quizQuestions.id, questionId));
    await contentAudit(tx, ctx, m.courseId, "question.deleted", { moduleId: m.id, questionId, prompt: q.prompt });
  });
}
