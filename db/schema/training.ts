import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { users } from "./auth";
import { partners } from "./partners";

export const courseAudience = pgEnum("course_audience", ["sales", "technical"]);
/** draft → published → superseded (a newer version was published) or retired. */
export const courseStatus = pgEnum("course_status", ["draft", "published", "superseded", "retired"]);

/**
 * One row per course VERSION. `key` is stable across versions; editing a
 * published course creates the next version as a draft, and publishing it
 * supersedes the previous one. Enrollments point at the version they started.
 */
export const courses = pgTable(
  "courses",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    key: text("key").notNull(),
    version: integer("version").notNull(),
    status: courseStatus("status").notNull().default("draft"),
    title: text("title").notNull(),
    summary: text("summary").notNull(),
    audience: courseAudience("audience").notNull(),
    estimatedMinutes: integer("estimated_minutes").notNull(),
    /** Keys of courses that must be certified (current) before enrolling. */
    prerequisites: text("prerequisites")
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    certificationName: text("certification_name").notNull(),
    validityMonths: integer("validity_months").notNull(),
    createdBy: uuid("created_by").references(() => users.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    publishedAt: timestamp("published_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("courses_key_version_idx").on(t.key, t.version),
    // At most one published version per course.
    uniqueIndex("courses_one_published_idx")
      .on(t.key)
      .where(sql`status = 'published'`),
    check("courses_validity_check", sql`${t.validityMonths} between 1 and 120`),
  ],
);

export const courseModules = pgTable(
  "course_modules",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    courseId: uuid("course_id")
      .notNull()
      .references(() => courses.id),
    position: integer("position").notNull(),
    title: text("title").notNull(),
    /** Markdown; images under /training/… in public/, video links embedded as links. */
    body: text("body").notNull(),
    videoUrl: text("video_url"),
    /** Part of the shorter recertification path (when the course has one: any module not flagged). */
    inRecertification: boolean("in_recertification").notNull().default(true),
    /** Quiz settings; a module without questions has no quiz. */
    passPercent: integer("pass_percent").notNull().default(80),
    attemptsAllowed: integer("attempts_allowed").notNull().default(3),
    cooldownMinutes: integer("cooldown_minutes").notNull().default(1440),
    shuffle: boolean("shuffle").notNull().default(true),
  },
  (t) => [uniqueIndex("course_modules_position_idx").on(t.courseId, t.position)],
);

export const questionKind = pgEnum("question_kind", ["single", "multiple"]);

export const quizQuestions = pgTable(
  "quiz_questions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    moduleId: uuid("module_id")
      .notNull()
      .references(() => courseModules.id),
    position: integer("position").notNull(),
    kind: questionKind("kind").notNull(),
    prompt: text("prompt").notNull(),
    /** [{ id, text }]: the choices shown. */
    options: jsonb("options").$type<{ id: string; text: string }[]>().notNull(),
    /** Ids of the correct options: never sent to the browser. */
    correct: text("correct").array().notNull(),
  },
  (t) => [uniqueIndex("quiz_questions_position_idx").on(t.moduleId, t.position)],
);

export const enrollmentKind = pgEnum("enrollment_kind", ["initial", "recertification"]);

export const enrollments = pgTable(
  "enrollments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    partnerId: uuid("partner_id")
      .notNull()
      .references(() => partners.id),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    courseKey: text("course_key").notNull(),
    /** The version the learner started: kept even when a newer one is published. */
    courseId: uuid("course_id")
      .notNull()
      .references(() => courses.id),
    kind: enrollmentKind("kind").notNull().default("initial"),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
    lastModuleId: uuid("last_module_id"),
    completedAt: timestamp("completed_at", { withTimezone: true }),
  },
  (t) => [
    index("enrollments_partner_idx").on(t.partnerId, t.userId),
    // One open enrollment per person and course.
    uniqueIndex("enrollments_open_idx")
      .on(t.userId, t.courseKey)
      .where(sql`completed_at is null`),
  ],
);

export const moduleCompletions = pgTable(
  "module_completions",
  {
    enrollmentId: uuid("enrollment_id")
      .notNull()
      .references(() => enrollments.id),
    moduleId: uuid("module_id")
      .notNull()
      .references(() => courseModules.id),
    partnerId: uuid("partner_id")
      .notNull()
      .references(() => partners.id),
    completedAt: timestamp("completed_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.enrollmentId, t.moduleId] })],
);

export const quizAttempts = pgTable(
  "quiz_attempts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    enrollmentId: uuid("enrollment_id")
      .notNull()
      .references(() => enrollments.id),
    moduleId: uuid("module_id")
      .notNull()
      .references(() => courseModules.id),
    partnerId: uuid("partner_id")
      .notNull()
      .references(() => partners.id),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    /** Counts within the current round of attempts; a cool-down starts a new round. */
    attemptNumber: integer("attempt_number").notNull(),
    round: integer("round").notNull().default(1),
    answers: jsonb("answers").$type<Record<string, string[]>>().notNull(),
    scorePercent: integer("score_percent").notNull(),
    passed: boolean("passed").notNull(),
    submittedAt: timestamp("submitted_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Two submissions in parallel cannot both be attempt N.
    uniqueIndex("quiz_attempts_number_idx").on(t.enrollmentId, t.moduleId, t.round, t.attemptNumber),
  ],
);

export const certificationStatus = pgEnum("certification_status", ["active", "expired", "revoked"]);

export const certifications = pgTable(
  "certifications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    partnerId: uuid("partner_id")
      .notNull()
      .references(() => partners.id),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    courseKey: text("course_key").notNull(),
    courseId: uuid("course_id")
      .notNull()
      .references(() => courses.id),
    /** Granted exactly once per completed enrollment. */
    enrollmentId: uuid("enrollment_id")
      .notNull()
      .unique()
      .references(() => enrollments.id),
    name: text("name").notNull(),
    earnedAt: timestamp("earned_at", { withTimezone: true }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    /** Public verification code (/verify/<code>). */
    code: text("code").notNull().unique(),
    status: certificationStatus("status").notNull().default("active"),
  },
  (t) => [
    index("certifications_partner_idx").on(t.partnerId, t.courseKey, t.expiresAt),
    index("certifications_expiry_idx").on(t.status, t.expiresAt),
  ],
);

export type Course = typeof courses.$inferSelect;
export type CourseModule = typeof courseModules.$inferSelect;
export type QuizQuestion = typeof quizQuestions.$inferSelect;
export type Certification = typeof certifications.$inferSelect;
