/**
 * Learning against real PostgreSQL: the catalog, enrollment (prerequisites,
 * one open enrollment, renewal), modules in order, "mark as read", resuming,
 * quizzes scored on the server (attempts, cool-down, rounds, parallel
 * submissions), completion granting exactly one certification, and version
 * pinning. Courses are inserted directly (course-fixtures.ts); every test
 * uses its own course key and people, on a virtual clock (ctx.now).
 */
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import {
  auditEvents,
  certifications,
  courses,
  enrollments,
  mailMessages,
  moduleCompletions,
  quizAttempts,
  type Partner,
} from "~db/schema";
import {
  courseOverview,
  enroll,
  markModuleRead,
  moduleView,
  trainingCatalog,
} from "~/modules/training/learning.server";
import { submitQuiz } from "~/modules/training/quiz.server";
import { addMonthsClamped } from "~/modules/training/quiz";
import { ConflictError, ForbiddenError, NotFoundError, RuleError, ValidationError } from "~/utils/errors.server";
import {
  createPartner,
  createUser,
  ctxFor,
  rejection,
  setupTestDb,
  unique,
  type TestUser,
} from "../../support/factories";
import {
  createCourse,
  rightAnswers,
  standardQuiz,
  threeModules,
  wrongAnswers,
  type TestCourse,
} from "./course-fixtures";

const db = setupTestDb();
const DAY = 86_400_000;
const T0 = new Date("2031-03-10T09:00:00Z");
const at = (ms: number) => new Date(T0.getTime() + ms);

let partner: Partner;
let other: Partner;
let vendor: TestUser;

beforeAll(async () => {
  partner = await createPartner(db());
  other = await createPartner(db());
  vendor = await createUser(db(), { role: "vendor_admin" });
});

const newLearner = (p: Partner = partner, role: "partner_user" | "partner_admin" = "partner_user") =>
  createUser(db(), { role, partnerId: p.id });
const as = (user: TestUser, now = T0) => ctxFor(db(), user, now);

async function enrollmentRows(userId: string, key: string) {
  return db()
    .select()
    .from(enrollments)
    .where(and(eq(enrollments.userId, userId), eq(enrollments.courseKey, key)));
}
async function completionsOf(enrollmentId: string) {
  return db().select().from(moduleCompletions).where(eq(moduleCompletions.enrollmentId, enrollmentId));
}
async function attemptsOf(userId: string) {
  return db().select().from(quizAttempts).where(eq(quizAttempts.userId, userId));
}
async function certsOf(userId: string) {
  return db().select().from(certifications).where(eq(certifications.userId, userId));
}

/** Enrolls `user` and completes every module of the course (quizzes with the right answers). */
async function completeCourse(user: TestUser, course: TestCourse, now = T0) {
  await enroll(as(user, now), course.key);
  for (const m of course.modules) {
    if (m.questions.length)
      await submitQuiz(as(user, now), { courseKey: course.key, moduleId: m.id, answers: rightAnswers(m) });
    else await markModuleRead(as(user, now), course.key, m.id);
  }
}

describe("enroll", () => {
  it("is for partner staff only, and only in published courses", async () => {
    const course = await createCourse(db());
    expect(await rejection(enroll(as(vendor), course.key))).toBeInstanceOf(ForbiddenError);
    const user = await newLearner();
    expect(await rejection(enroll(as(user), unique("nope")))).toBeInstanceOf(NotFoundError);
    const draft = await createCourse(db(), { status: "draft" });
    expect(await rejection(enroll(as(user), draft.key))).toBeInstanceOf(NotFoundError);
  });

  it("pins the current published version; a second enroll returns the same open enrollment", async () => {
    const course = await createCourse(db());
    const user = await newLearner();
    const first = await enroll(as(user), course.key);
    expect(first).toMatchObject({ created: true, kind: "initial" });
    const again = await enroll(as(user), course.key);
    expect(again).toEqual({ enrollmentId: first.enrollmentId, created: false, kind: "initial" });
    const rows = await enrollmentRows(user.id, course.key);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ courseId: course.id, partnerId: partner.id, startedAt: T0, completedAt: null });
    const [audit] = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "enrollment.created"), eq(auditEvents.subjectId, first.enrollmentId)));
    expect(audit).toMatchObject({ actorUserId: user.id, partnerId: partner.id });
  });

  it("two enroll clicks at once make one enrollment", async () => {
    const course = await createCourse(db());
    const user = await newLearner();
    const [a, b] = await Promise.all([enroll(as(user), course.key), enroll(as(user), course.key)]);
    expect(a.enrollmentId).toBe(b.enrollmentId);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(await enrollmentRows(user.id, course.key)).toHaveLength(1);
  });

  it("requires a current certification for each prerequisite, naming the missing ones", async () => {
    const basics = await createCourse(db(), { title: "Relay Basics", modules: [{ title: "Only" }] });
    const tls = await createCourse(db(), { title: "TLS Essentials", modules: [{ title: "Only" }] });
    const advanced = await createCourse(db(), { title: "Advanced", prerequisites: [basics.key, tls.key] });
    const user = await newLearner();

    const err = await rejection(enroll(as(user), advanced.key));
    expect(err).toBeInstanceOf(RuleError);
    expect((err as RuleError).message).toContain("Relay Basics");
    expect((err as RuleError).message).toContain("TLS Essentials");
    expect(await enrollmentRows(user.id, advanced.key)).toHaveLength(0);

    await completeCourse(user, basics);
    const err2 = await rejection(enroll(as(user), advanced.key));
    expect((err2 as RuleError).message).toContain("TLS Essentials");
    expect((err2 as RuleError).message).not.toContain("Relay Basics");
    expect((await courseOverview(as(user), advanced.key)).option).toMatchObject({
      state: "blocked",
      missing: [{ key: tls.key, title: "TLS Essentials" }],
    });

    await completeCourse(user, tls);
    expect(await enroll(as(user), advanced.key)).toMatchObject({ created: true });
  });

  it("does not count an expired prerequisite certification", async () => {
    const basics = await createCourse(db(), { title: "Short-lived", validityMonths: 1, modules: [{ title: "Only" }] });
    const advanced = await createCourse(db(), { prerequisites: [basics.key] });
    const user = await newLearner();
    await completeCourse(user, basics);
    // Still valid a week later, gone two months later.
    expect(await enroll(as(user, at(7 * DAY)), advanced.key)).toMatchObject({ created: true });
    const late = await newLearner();
    await completeCourse(late, basics);
    expect(await rejection(enroll(as(late, at(62 * DAY)), advanced.key))).toBeInstanceOf(RuleError);
  });

  it("lets a certified person enroll again only to renew: within 90 days of expiry or after it", async () => {
    const course = await createCourse(db(), {
      validityMonths: 12,
      modules: [{ title: "Intro", inRecertification: false }, { title: "What changed" }],
    });
    const user = await newLearner();
    await completeCourse(user, course);
    const [cert] = await certsOf(user.id);
    expect(cert!.expiresAt).toEqual(addMonthsClamped(T0, 12));

    const tooEarly = await rejection(enroll(as(user, at(200 * DAY)), course.key));
    expect(tooEarly).toBeInstanceOf(RuleError);
    expect((tooEarly as RuleError).message).toMatch(/certified until \d{4}-\d{2}-\d{2}.*renew from/i);

    // 80 days before expiry: renewal on the shorter path (only modules flagged for recertification).
    const renewAt = new Date(cert!.expiresAt.getTime() - 80 * DAY);
    const renewal = await enroll(as(user, renewAt), course.key);
    expect(renewal).toMatchObject({ created: true, kind: "recertification" });
    const overview = await courseOverview(as(user, renewAt), course.key);
    expect(overview.progress).toEqual({ done: 0, total: 1 });
    expect(overview.resume?.title).toBe("What changed");
    // The optional module does not block the required one.
    await markModuleRead(as(user, renewAt), course.key, course.modules[1]!.id);
    const certs = await certsOf(user.id);
    expect(certs).toHaveLength(2);
    const newest = certs.find((c) => c.enrollmentId === renewal.enrollmentId)!;
    expect(newest.expiresAt).toEqual(addMonthsClamped(renewAt, 12));
    // The earlier certification is left as it is: it expires on its own.
    expect(certs.find((c) => c.id === cert!.id)).toMatchObject({ status: "active", expiresAt: cert!.expiresAt });
  });

  it("renews on the full course when it has no shorter recertification path", async () => {
    const course = await createCourse(db(), { validityMonths: 1, modules: [{ title: "All of it" }] });
    const user = await newLearner();
    await completeCourse(user, course);
    expect(await enroll(as(user, at(40 * DAY)), course.key)).toMatchObject({ created: true, kind: "initial" });
  });
});

describe("modules in order", () => {
  let course: TestCourse;
  beforeAll(async () => {
    course = await createCourse(db(), { modules: threeModules() });
  });

  it("refuses a module whose earlier required modules are not done, recording nothing", async () => {
    const user = await newLearner();
    const { enrollmentId } = await enroll(as(user), course.key);
    const [m1, m2, m3] = course.modules;
    const err = await rejection(moduleView(as(user), course.key, m3!.id));
    expect(err).toBeInstanceOf(RuleError);
    expect((err as RuleError).message).toContain(m1!.title);
    expect(await rejection(markModuleRead(as(user), course.key, m3!.id))).toBeInstanceOf(RuleError);
    expect(
      await rejection(submitQuiz(as(user), { courseKey: course.key, moduleId: m2!.id, answers: rightAnswers(m2!) })),
    ).toBeInstanceOf(RuleError);
    expect(await completionsOf(enrollmentId)).toHaveLength(0);
    expect(await attemptsOf(user.id)).toHaveLength(0);
    const [row] = await enrollmentRows(user.id, course.key);
    expect(row!.lastModuleId).toBeNull();
  });

  it("needs an enrollment, and only finds modules of the enrolled version", async () => {
    const user = await newLearner();
    expect(await rejection(moduleView(as(user), course.key, course.modules[0]!.id))).toBeInstanceOf(RuleError);
    await enroll(as(user), course.key);
    const elsewhere = await createCourse(db());
    expect(await rejection(moduleView(as(user), course.key, elsewhere.modules[0]!.id))).toBeInstanceOf(NotFoundError);
    expect(await rejection(moduleView(as(user), course.key, "not-a-uuid"))).toBeInstanceOf(NotFoundError);
    expect(await rejection(markModuleRead(as(user), course.key, elsewhere.modules[0]!.id))).toBeInstanceOf(
      NotFoundError,
    );
  });

  it("mark as read is idempotent and refused for a module that has a quiz", async () => {
    const user = await newLearner();
    const { enrollmentId } = await enroll(as(user), course.key);
    const [m1, m2] = course.modules;
    const first = await markModuleRead(as(user), course.key, m1!.id);
    expect(first).toMatchObject({ moduleCompleted: true, courseCompleted: false, nextModuleId: m2!.id });
    await markModuleRead(as(user, at(1000)), course.key, m1!.id);
    await Promise.all([markModuleRead(as(user), course.key, m1!.id), markModuleRead(as(user), course.key, m1!.id)]);
    const done = await completionsOf(enrollmentId);
    expect(done).toHaveLength(1);
    expect(done[0]!.completedAt).toEqual(T0);
    const err = await rejection(markModuleRead(as(user), course.key, m2!.id));
    expect(err).toBeInstanceOf(RuleError);
    expect((err as RuleError).message).toMatch(/quiz/);
  });

  it("resumes at the first incomplete required module and remembers the last one viewed", async () => {
    const user = await newLearner();
    await enroll(as(user), course.key);
    const [m1, m2] = course.modules;
    let o = await courseOverview(as(user), course.key);
    expect(o.resume).toEqual({ id: m1!.id, title: m1!.title });
    expect(o.modules.map((m) => m.canOpen)).toEqual([true, false, false]);
    expect(o.modules.map((m) => m.hasQuiz)).toEqual([false, true, false]);
    await moduleView(as(user), course.key, m1!.id);
    expect((await enrollmentRows(user.id, course.key))[0]!.lastModuleId).toBe(m1!.id);
    await markModuleRead(as(user), course.key, m1!.id);
    o = await courseOverview(as(user), course.key);
    expect(o.resume).toEqual({ id: m2!.id, title: m2!.title });
    expect(o.progress).toEqual({ done: 1, total: 3 });
    expect(o.modules.map((m) => [m.completed, m.canOpen])).toEqual([
      [true, true],
      [false, true],
      [false, false],
    ]);
    await moduleView(as(user), course.key, m2!.id);
    expect((await enrollmentRows(user.id, course.key))[0]!.lastModuleId).toBe(m2!.id);
  });
});

describe("quizzes", () => {
  it("sends the questions without the answer key, shuffled per attempt when the module says so", async () => {
    const course = await createCourse(db(), {
      modules: [
        {
          title: "Quiz",
          quiz: standardQuiz({
            shuffle: true,
            questions: Array.from({ length: 8 }, (_, i) => ({
              kind: "single" as const,
              options: ["a", "b", "c", "d", "e"],
              correct: [["a", "b", "c", "d", "e"][i % 5]!],
            })),
          }),
        },
      ],
    });
    const user = await newLearner();
    await enroll(as(user), course.key);
    const m = course.modules[0]!;
    const view = await moduleView(as(user), course.key, m.id);
    const json = JSON.stringify(view);
    expect(json).not.toContain('"correct"');
    for (const q of view.quiz!.questions) expect(Object.keys(q).sort()).toEqual(["id", "kind", "options", "prompt"]);
    expect(view.quiz!.questions.map((q) => q.id).sort()).toEqual(m.questions.map((q) => q.id).sort());
    // Deterministic for the attempt: a reload shows the same order.
    const again = await moduleView(as(user), course.key, m.id);
    expect(again.quiz!.questions.map((q) => q.id)).toEqual(view.quiz!.questions.map((q) => q.id));
    expect(view.quiz!.questions.map((q) => q.id)).not.toEqual(m.questions.map((q) => q.id));
    expect(view.quiz!.attempt).toBe("1.1");
  });

  it("refuses answers to a question not in the quiz, or an option not of the question, recording nothing", async () => {
    const course = await createCourse(db(), { modules: [{ title: "Quiz", quiz: standardQuiz() }] });
    const user = await newLearner();
    await enroll(as(user), course.key);
    const m = course.modules[0]!;
    const stranger = await createCourse(db(), { modules: [{ title: "Other", quiz: standardQuiz() }] });
    const foreignQuestion = stranger.modules[0]!.questions[0]!.id;

    const e1 = await rejection(
      submitQuiz(as(user), {
        courseKey: course.key,
        moduleId: m.id,
        answers: { ...rightAnswers(m), [foreignQuestion]: ["a"] },
      }),
    );
    expect(e1).toBeInstanceOf(ValidationError);
    expect((e1 as ValidationError).fields).toEqual({
      "": ["An answer was sent for a question that is not in this quiz."],
    });
    const [single, multiple] = m.questions;
    const e2 = await rejection(
      submitQuiz(as(user), {
        courseKey: course.key,
        moduleId: m.id,
        answers: { [single!.id]: ["b"], [multiple!.id]: ["a", "<script>"] },
      }),
    );
    expect(e2).toBeInstanceOf(ValidationError);
    expect((e2 as ValidationError).fields).toEqual({
      [multiple!.id]: ["That answer is not one of this question's options."],
    });
    const e3 = await rejection(
      submitQuiz(as(user), { courseKey: course.key, moduleId: m.id, answers: { [single!.id]: "b" } }),
    );
    expect(e3).toBeInstanceOf(ValidationError);
    expect(await attemptsOf(user.id)).toHaveLength(0);
  });

  it("records every attempt with its score, locks after the round's last failure, opens a new round after the cool-down", async () => {
    // 2 attempts per round, 60 minutes cool-down, 100% to pass.
    const course = await createCourse(db(), { modules: [{ title: "Quiz", quiz: standardQuiz() }] });
    const user = await newLearner();
    const { enrollmentId } = await enroll(as(user), course.key);
    const m = course.modules[0]!;
    const [single, multiple] = m.questions;
    const submit = (answers: Record<string, string[]>, now: Date, attempt?: string) =>
      submitQuiz(as(user, now), { courseKey: course.key, moduleId: m.id, answers, ...(attempt ? { attempt } : {}) });

    // Half right (the multiple-choice one has a subset only): 50%.
    const r1 = await submit({ [single!.id]: ["b"], [multiple!.id]: ["a"] }, at(0), "1.1");
    expect(r1).toMatchObject({ passed: false, scorePercent: 50, right: 1, total: 2, round: 1, attemptNumber: 1 });
    expect(r1.state).toEqual({ state: "open", round: 1, attemptNumber: 2, attemptsLeft: 1 });
    // Missing answers count as wrong.
    const r2 = await submit({}, at(60_000), "1.2");
    expect(r2).toMatchObject({ passed: false, scorePercent: 0, attemptNumber: 2 });
    expect(r2.state).toEqual({ state: "locked", round: 1, until: at(60_000 + 60 * 60_000) });

    const locked = await rejection(submit(rightAnswers(m), at(30 * 60_000)));
    expect(locked).toBeInstanceOf(RuleError);
    expect((locked as RuleError).message).toMatch(/attempts/);
    const lockedView = await moduleView(as(user, at(30 * 60_000)), course.key, m.id);
    expect(lockedView.quiz!.state.state).toBe("locked");
    expect(lockedView.quiz!.questions).toEqual([]);

    const later = at(61 * 60_000);
    expect((await moduleView(as(user, later), course.key, m.id)).quiz!.attempt).toBe("2.1");
    const r3 = await submit(rightAnswers(m), later, "2.1");
    expect(r3).toMatchObject({ passed: true, scorePercent: 100, round: 2, attemptNumber: 1 });
    expect(r3.state).toEqual({ state: "passed" });

    const rows = await attemptsOf(user.id);
    expect(rows.map((a) => [a.round, a.attemptNumber, a.scorePercent, a.passed])).toEqual([
      [1, 1, 50, false],
      [1, 2, 0, false],
      [2, 1, 100, true],
    ]);
    expect(rows[0]!.answers).toEqual({ [single!.id]: ["b"], [multiple!.id]: ["a"] });
    // Passing the only module completed the course.
    expect(r3.courseCompleted).toBe(true);
    expect(await completionsOf(enrollmentId)).toHaveLength(1);

    const again = await rejection(submit(rightAnswers(m), later));
    expect(again).toBeInstanceOf(RuleError);
    expect((again as RuleError).message).toMatch(/already passed/);
    expect(await attemptsOf(user.id)).toHaveLength(3);
  });

  it("a passed quiz cannot be submitted again while the course is still open", async () => {
    const course = await createCourse(db(), { modules: threeModules() });
    const user = await newLearner();
    await enroll(as(user), course.key);
    const [m1, m2] = course.modules;
    await markModuleRead(as(user), course.key, m1!.id);
    await submitQuiz(as(user), { courseKey: course.key, moduleId: m2!.id, answers: rightAnswers(m2!) });
    const err = await rejection(
      submitQuiz(as(user), { courseKey: course.key, moduleId: m2!.id, answers: wrongAnswers(m2!) }),
    );
    expect(err).toBeInstanceOf(RuleError);
    expect(await attemptsOf(user.id)).toHaveLength(1);
  });

  it("two submissions of the same attempt in parallel: one is recorded, the other is a conflict", async () => {
    const course = await createCourse(db(), {
      modules: [{ title: "Quiz", quiz: standardQuiz({ attemptsAllowed: 5 }) }],
    });
    const m = course.modules[0]!;
    for (const answers of [wrongAnswers(m), rightAnswers(m)]) {
      const user = await newLearner();
      await enroll(as(user), course.key);
      // Both carry the attempt the form was shown for, as the browser sends it.
      const results = await Promise.allSettled([
        submitQuiz(as(user), { courseKey: course.key, moduleId: m.id, answers, attempt: "1.1" }),
        submitQuiz(as(user), { courseKey: course.key, moduleId: m.id, answers, attempt: "1.1" }),
      ]);
      const fulfilled = results.filter((r) => r.status === "fulfilled");
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(fulfilled).toHaveLength(1);
      expect(rejected).toHaveLength(1);
      expect(rejected[0]!.reason).toBeInstanceOf(ConflictError);
      expect((rejected[0]!.reason as ConflictError).message).toMatch(/already submitted/);
      expect(await attemptsOf(user.id)).toHaveLength(1);
    }
    expect(await db().select().from(certifications).where(eq(certifications.courseKey, course.key))).toHaveLength(1);
  });

  it("a form submitted again after its attempt was recorded is a conflict (the attempt token is stale)", async () => {
    const course = await createCourse(db(), {
      modules: [{ title: "Quiz", quiz: standardQuiz({ attemptsAllowed: 5 }) }],
    });
    const m = course.modules[0]!;
    const user = await newLearner();
    await enroll(as(user), course.key);
    await submitQuiz(as(user), { courseKey: course.key, moduleId: m.id, answers: wrongAnswers(m), attempt: "1.1" });
    const err = await rejection(
      submitQuiz(as(user), { courseKey: course.key, moduleId: m.id, answers: wrongAnswers(m), attempt: "1.1" }),
    );
    expect(err).toBeInstanceOf(ConflictError);
    expect(await attemptsOf(user.id)).toHaveLength(1);
  });
});

describe("completion", () => {
  it("completes the enrollment and grants one certification, with its mail and audit, in one go", async () => {
    const course = await createCourse(db(), { validityMonths: 1, certificationName: "Relay Associate" });
    const user = await newLearner();
    const jan31 = new Date("2032-01-31T15:00:00Z");
    const { enrollmentId } = await enroll(as(user, jan31), course.key);
    const [m1, m2, m3] = course.modules;
    await markModuleRead(as(user, jan31), course.key, m1!.id);
    const quiz = await submitQuiz(as(user, jan31), {
      courseKey: course.key,
      moduleId: m2!.id,
      answers: rightAnswers(m2!),
    });
    expect(quiz.courseCompleted).toBe(false);
    expect(await certsOf(user.id)).toHaveLength(0);
    const last = await markModuleRead(as(user, jan31), course.key, m3!.id);
    expect(last.courseCompleted).toBe(true);

    const [row] = await enrollmentRows(user.id, course.key);
    expect(row!.completedAt).toEqual(jan31);
    const certs = await certsOf(user.id);
    expect(certs).toHaveLength(1);
    expect(certs[0]).toMatchObject({
      id: last.certificationId,
      enrollmentId,
      partnerId: partner.id,
      courseKey: course.key,
      courseId: course.id,
      name: "Relay Associate",
      earnedAt: jan31,
      expiresAt: new Date("2032-02-29T15:00:00Z"), // a leap year: Jan 31 + 1 month
      status: "active",
    });
    expect(certs[0]!.code).toMatch(/^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{12}$/);

    const mails = await db()
      .select()
      .from(mailMessages)
      .where(eq(mailMessages.dedupeKey, `certification-earned:${certs[0]!.id}`));
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ template: "certification-earned", toAddress: user.email, userId: user.id });
    expect(mails[0]!.text).toContain(`/verify/${certs[0]!.code}`);
    const audits = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "certification.granted"), eq(auditEvents.subjectId, certs[0]!.id)));
    expect(audits).toHaveLength(1);

    // Marking the last module again changes nothing and points at the same certificate.
    const again = await markModuleRead(as(user, at(DAY)), course.key, m3!.id);
    expect(again).toMatchObject({ courseCompleted: true, certificationId: certs[0]!.id });
    expect(await certsOf(user.id)).toHaveLength(1);
    // The completed course can still be read; its quiz is shown as passed and cannot be taken again.
    const view = await moduleView(as(user), course.key, m2!.id);
    expect(view).toMatchObject({ enrollmentOpen: false, completed: true });
    expect(view.quiz!.state).toEqual({ state: "passed" });
  });

  it("two concurrent completions of the last module grant exactly one certification", async () => {
    const course = await createCourse(db(), { modules: [{ title: "One" }, { title: "Two" }] });
    for (let i = 0; i < 3; i++) {
      const user = await newLearner();
      await enroll(as(user), course.key);
      await markModuleRead(as(user), course.key, course.modules[0]!.id);
      const results = await Promise.all([
        markModuleRead(as(user), course.key, course.modules[1]!.id),
        markModuleRead(as(user), course.key, course.modules[1]!.id),
        markModuleRead(as(user), course.key, course.modules[1]!.id),
      ]);
      const certs = await certsOf(user.id);
      expect(certs).toHaveLength(1);
      for (const r of results) expect(r).toMatchObject({ courseCompleted: true, certificationId: certs[0]!.id });
      const mails = await db()
        .select()
        .from(mailMessages)
        .where(eq(mailMessages.dedupeKey, `certification-earned:${certs[0]!.id}`));
      expect(mails).toHaveLength(1);
    }
  });

  it("a new enrollment after completion starts fresh (one open enrollment per course, completed ones kept)", async () => {
    const course = await createCourse(db(), { validityMonths: 1, modules: [{ title: "Only" }] });
    const user = await newLearner();
    await completeCourse(user, course);
    const renewal = await enroll(as(user, at(45 * DAY)), course.key);
    expect(renewal.created).toBe(true);
    expect(await enrollmentRows(user.id, course.key)).toHaveLength(2);
    expect((await courseOverview(as(user, at(45 * DAY)), course.key)).progress).toEqual({ done: 0, total: 1 });
  });
});

describe("version pinning", () => {
  it("a learner keeps the version they started when a new one is published", async () => {
    const v1 = await createCourse(db(), { title: "Secure Relay", modules: threeModules() });
    const user = await newLearner();
    await enroll(as(user), v1.key);
    await markModuleRead(as(user), v1.key, v1.modules[0]!.id);

    // The vendor publishes version 2 (two modules only): version 1 is superseded.
    await db().update(courses).set({ status: "superseded" }).where(eq(courses.id, v1.id));
    const v2 = await createCourse(db(), {
      key: v1.key,
      version: 2,
      title: "Secure Relay (2031)",
      modules: [{ title: "New intro" }, { title: "New ending" }],
    });

    const o = await courseOverview(as(user), v1.key);
    expect(o.course).toMatchObject({ version: 1, title: "Secure Relay" });
    expect(o.newerVersion).toBe(2);
    expect(o.modules.map((m) => m.id)).toEqual(v1.modules.map((m) => m.id));
    expect(o.resume?.id).toBe(v1.modules[1]!.id);
    // Modules of the new version are not theirs.
    expect(await rejection(moduleView(as(user), v1.key, v2.modules[0]!.id))).toBeInstanceOf(NotFoundError);
    // Enrolling again returns the pinned enrollment.
    expect((await enroll(as(user), v1.key)).created).toBe(false);

    await submitQuiz(as(user), {
      courseKey: v1.key,
      moduleId: v1.modules[1]!.id,
      answers: rightAnswers(v1.modules[1]!),
    });
    const done = await markModuleRead(as(user), v1.key, v1.modules[2]!.id);
    expect(done.courseCompleted).toBe(true);
    const [cert] = await certsOf(user.id);
    expect(cert).toMatchObject({ courseId: v1.id, courseKey: v1.key });

    // Someone starting now gets version 2.
    const newcomer = await newLearner();
    await enroll(as(newcomer), v1.key);
    expect((await enrollmentRows(newcomer.id, v1.key))[0]!.courseId).toBe(v2.id);
    expect((await courseOverview(as(newcomer), v1.key)).course.version).toBe(2);
  });
});

describe("catalog", () => {
  it("shows published courses with status, progress and certification; retired ones only to those enrolled", async () => {
    const key = unique("catalog");
    const sales = await createCourse(db(), { key: `${key}-sales`, title: `${key} Selling`, audience: "sales" });
    const tech = await createCourse(db(), {
      key: `${key}-tech`,
      title: `${key} Tech`,
      modules: [{ title: "A" }, { title: "B" }],
    });
    const done = await createCourse(db(), { key: `${key}-done`, title: `${key} Done`, modules: [{ title: "Only" }] });
    const retired = await createCourse(db(), { key: `${key}-retired`, title: `${key} Retired`, status: "retired" });
    const draft = await createCourse(db(), { key: `${key}-draft`, title: `${key} Draft`, status: "draft" });
    const user = await newLearner();
    const colleague = await newLearner();

    await enroll(as(user), tech.key);
    await markModuleRead(as(user), tech.key, tech.modules[0]!.id);
    await completeCourse(user, done);
    // Enrolled before it was retired.
    await db().update(courses).set({ status: "published" }).where(eq(courses.id, retired.id));
    await enroll(as(colleague), retired.key);
    await db().update(courses).set({ status: "retired" }).where(eq(courses.id, retired.id));

    const mine = (await trainingCatalog(as(user))).filter((c) => c.key.startsWith(key));
    expect(mine.map((c) => c.key).sort()).toEqual([done.key, sales.key, tech.key].sort());
    const byKey = Object.fromEntries(mine.map((c) => [c.key, c]));
    expect(byKey[sales.key]).toMatchObject({ status: "not_started", progress: { done: 0, total: 3, percent: 0 } });
    expect(byKey[tech.key]).toMatchObject({ status: "in_progress", progress: { done: 1, total: 2, percent: 50 } });
    expect(byKey[done.key]).toMatchObject({ status: "certified", progress: { done: 1, total: 1, percent: 100 } });
    expect(byKey[done.key]!.certification).toMatchObject({ valid: true, renewalOpen: false });
    expect(mine.some((c) => c.key === draft.key)).toBe(false);

    const theirs = (await trainingCatalog(as(colleague))).filter((c) => c.key.startsWith(key));
    expect(theirs.find((c) => c.key === retired.key)).toMatchObject({ offered: false, status: "in_progress" });

    const filtered = await trainingCatalog(as(user), { audience: "sales" });
    expect(filtered.every((c) => c.audience === "sales")).toBe(true);
    expect(filtered.some((c) => c.key === sales.key)).toBe(true);
    const certified = await trainingCatalog(as(user), { status: "certified" });
    expect(certified.map((c) => c.key).filter((k) => k.startsWith(key))).toEqual([done.key]);
    // Two years and a day later the certification is expired.
    const expired = await trainingCatalog(as(user, at(731 * DAY)), { status: "expired" });
    expect(expired.map((c) => c.key).filter((k) => k.startsWith(key))).toEqual([done.key]);
    expect(await rejection(trainingCatalog(as(vendor)))).toBeInstanceOf(ForbiddenError);
  });

  it("a person of another partner sees none of this partner's progress", async () => {
    const course = await createCourse(db());
    const user = await newLearner();
    await completeCourse(user, course);
    const stranger = await newLearner(other);
    const entry = (await trainingCatalog(as(stranger))).find((c) => c.key === course.key);
    expect(entry).toMatchObject({ status: "not_started", certification: null, progress: { done: 0 } });
    expect((await courseOverview(as(stranger), course.key)).enrollment).toBeNull();
  });
});
