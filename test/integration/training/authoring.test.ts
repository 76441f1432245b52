/**
 * Course authoring against real PostgreSQL: creating a course, modules and
 * questions, publishing, the next version as a full copy, supersession in one
 * transaction (enrollments stay on their version), two publishes at once,
 * drafts-only editing, validation that changes nothing, who may author, and
 * the demo courses of the seed.
 *
 * The seed test runs first, on the file's empty database.
 */
import { randomUUID } from "node:crypto";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import {
  auditEvents,
  certifications,
  courseModules,
  courses,
  enrollments,
  moduleCompletions,
  quizAttempts,
  quizQuestions,
  type Partner,
} from "~db/schema";
import { demoCourseKeys, seedTraining } from "~db/seed-training";
import {
  addModule,
  addQuestion,
  createCourse,
  createNextVersion,
  deleteModule,
  deleteQuestion,
  getCourseForEdit,
  listCourses,
  moveModule,
  publishCourse,
  retireCourse,
  updateCourse,
  updateModule,
  updateQuestion,
  updateQuizSettings,
} from "~/modules/training/authoring.server";
import { questionProblems } from "~/modules/training/course-schemas";
import type { Ctx } from "~/modules/auth/actor";
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

const db = setupTestDb();
const DAY = 86_400_000;
const NOW = new Date("2031-03-10T09:00:00Z");

let admin: TestUser;
let manager: TestUser;
let partner: Partner;
let partnerAdmin: TestUser;
let partnerUser: TestUser;
let ctx: Ctx;

beforeAll(async () => {
  admin = await createUser(db(), { role: "vendor_admin" });
  manager = await createUser(db(), { role: "channel_manager" });
  partner = await createPartner(db());
  partnerAdmin = await createUser(db(), { role: "partner_admin", partnerId: partner.id });
  partnerUser = await createUser(db(), { role: "partner_user", partnerId: partner.id });
  ctx = ctxFor(db(), admin, NOW);
});

const key = () => unique("course").toLowerCase().slice(0, 40);
const courseForm = (over: Record<string, unknown> = {}) => ({
  key: key(),
  title: "Mail relay fundamentals",
  summary: "SMTP, queues and DNS for relay engineers.",
  audience: "technical",
  estimatedMinutes: "90",
  certificationName: "Certified Mail Relay Associate",
  validityMonths: "24",
  ...over,
});
const moduleForm = (over: Record<string, unknown> = {}) => ({
  title: "SMTP and the relay's role",
  body: "# SMTP\n\nThe relay accepts mail and delivers it onwards.",
  videoUrl: "",
  inRecertification: "on",
  ...over,
});
const singleQuestion = (over: Record<string, unknown> = {}) => ({
  kind: "single",
  prompt: "Which command starts the message content?",
  options: [
    { text: "EHLO", correct: false },
    { text: "DATA", correct: true },
    { text: "QUIT", correct: false },
  ],
  ...over,
});

async function counts() {
  return {
    courses: await db().$count(courses),
    modules: await db().$count(courseModules),
    questions: await db().$count(quizQuestions),
    audit: await db().$count(auditEvents),
  };
}

async function courseRow(id: string) {
  const [row] = await db().select().from(courses).where(eq(courses.id, id));
  return row!;
}

async function modulesOf(courseId: string) {
  return db()
    .select()
    .from(courseModules)
    .where(eq(courseModules.courseId, courseId))
    .orderBy(asc(courseModules.position));
}

async function auditActions(subjectId: string) {
  const rows = await db()
    .select({ action: auditEvents.action, after: auditEvents.after })
    .from(auditEvents)
    .where(eq(auditEvents.subjectId, subjectId))
    .orderBy(asc(auditEvents.at), asc(auditEvents.id));
  return rows;
}

/** A draft with two modules, the first with a two-question quiz, ready to publish. */
async function draftCourse(over: Record<string, unknown> = {}) {
  const { id, key: k } = await createCourse(ctx, courseForm(over));
  const m1 = await addModule(ctx, id, moduleForm());
  const m2 = await addModule(ctx, id, moduleForm({ title: "Queues, retries and bounces" }));
  await addQuestion(ctx, m1.id, singleQuestion());
  await addQuestion(
    ctx,
    m1.id,
    singleQuestion({
      kind: "multiple",
      prompt: "Which belong to the envelope?",
      options: [
        { text: "MAIL FROM", correct: true },
        { text: "RCPT TO", correct: true },
        { text: "Subject:", correct: false },
      ],
    }),
  );
  return { id, key: k, moduleIds: [m1.id, m2.id] };
}

// ---------------------------------------------------------------------------------------------------------------

describe("seedTraining (demo courses)", () => {
  it("inserts four published courses on an empty database, every quiz answerable, and demo progress", async () => {
    expect(await db().$count(courses)).toBe(0);
    const partners = [await createPartner(db()), await createPartner(db()), await createPartner(db())];
    const people: { id: string; partnerId: string; email: string }[] = [];
    for (let i = 0; i < 12; i++) {
      const p = partners[i % 3]!;
      const u = await createUser(db(), { role: i % 3 === 0 ? "partner_admin" : "partner_user", partnerId: p.id });
      people.push({ id: u.id, partnerId: p.id, email: u.email });
    }
    const started = Date.now();
    const result = await db().transaction((tx) => seedTraining(tx, { now: NOW, authorId: admin.id, people }));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.courses).toBe(4);

    const rows = await db().select().from(courses).orderBy(asc(courses.key));
    expect(rows.map((r) => r.key).sort()).toEqual([...demoCourseKeys].sort());
    expect(rows.map((r) => r.key).sort()).toEqual([
      "anti-spam-gateway",
      "mail-relay-fundamentals",
      "regulated-industries",
      "secure-relay-tls-auth",
    ]);
    for (const c of rows) {
      expect(c.status).toBe("published");
      expect(c.version).toBe(1);
      expect(c.publishedAt!.getTime()).toBeLessThan(NOW.getTime());
    }
    const byKey = new Map(rows.map((r) => [r.key, r]));
    expect(byKey.get("secure-relay-tls-auth")!.prerequisites).toEqual(["mail-relay-fundamentals"]);
    expect(byKey.get("regulated-industries")).toMatchObject({ audience: "sales", validityMonths: 12 });
    expect(byKey.get("mail-relay-fundamentals")).toMatchObject({
      certificationName: "Certified Mail Relay Associate",
      validityMonths: 24,
    });

    for (const c of rows) {
      const modules = await modulesOf(c.id);
      expect(modules.length, c.key).toBeGreaterThanOrEqual(2);
      expect(modules.map((m) => m.position)).toEqual(modules.map((_, i) => i + 1));
      let quizzes = 0;
      for (const m of modules) {
        expect(m.body.length, m.title).toBeGreaterThan(1500);
        expect(m.body).toMatch(/^## /m);
        const qs = await db().select().from(quizQuestions).where(eq(quizQuestions.moduleId, m.id));
        if (qs.length === 0) continue;
        quizzes++;
        expect(qs.length, m.title).toBeGreaterThanOrEqual(3);
        expect(qs.length, m.title).toBeLessThanOrEqual(5);
        for (const q of qs) {
          const ids = q.options.map((o) => o.id);
          expect(q.correct.length, q.prompt).toBeGreaterThan(0);
          expect(
            q.correct.every((id) => ids.includes(id)),
            q.prompt,
          ).toBe(true);
          expect(questionProblems(q), q.prompt).toEqual([]);
        }
      }
      expect(quizzes, c.key).toBeGreaterThanOrEqual(1);
      const kinds = await db()
        .selectDistinct({ kind: quizQuestions.kind })
        .from(quizQuestions)
        .innerJoin(courseModules, eq(courseModules.id, quizQuestions.moduleId))
        .where(eq(courseModules.courseId, c.id));
      expect(kinds.map((k) => k.kind).sort(), c.key).toEqual(["multiple", "single"]);
    }

    const certs = await db().select().from(certifications);
    const active = certs.filter((c) => c.status === "active");
    const expiringSoon = active.filter((c) => c.expiresAt.getTime() - NOW.getTime() < 25 * DAY);
    expect(expiringSoon).toHaveLength(1);
    expect(expiringSoon[0]!.expiresAt.getTime()).toBeGreaterThan(NOW.getTime());
    const expired = certs.filter((c) => c.status === "expired");
    expect(expired).toHaveLength(1);
    expect(expired[0]!.expiresAt.getTime()).toBeLessThan(NOW.getTime());
    expect(active.length).toBeGreaterThanOrEqual(3);
    for (const c of certs) {
      expect(c.earnedAt.getTime()).toBeLessThan(NOW.getTime());
      expect(c.code).toMatch(/^[A-Z0-9]{12}$/);
      expect(c.name).toBe(byKey.get(c.courseKey)!.certificationName);
    }
    expect(new Set(certs.map((c) => c.code)).size).toBe(certs.length);

    // Each certification rests on a completed enrollment with every module completed and every quiz passed.
    for (const cert of certs) {
      const [enr] = await db().select().from(enrollments).where(eq(enrollments.id, cert.enrollmentId));
      expect(enr!.completedAt!.getTime()).toBe(cert.earnedAt.getTime());
      expect(enr!.userId).toBe(cert.userId);
      expect(enr!.partnerId).toBe(cert.partnerId);
      const modules = await modulesOf(cert.courseId);
      const done = await db().select().from(moduleCompletions).where(eq(moduleCompletions.enrollmentId, enr!.id));
      expect(done.map((d) => d.moduleId).sort()).toEqual(modules.map((m) => m.id).sort());
      const passed = await db()
        .select({ moduleId: quizAttempts.moduleId })
        .from(quizAttempts)
        .where(and(eq(quizAttempts.enrollmentId, enr!.id), eq(quizAttempts.passed, true)));
      const quizModules = await db()
        .selectDistinct({ id: quizQuestions.moduleId })
        .from(quizQuestions)
        .where(
          inArray(
            quizQuestions.moduleId,
            modules.map((m) => m.id),
          ),
        );
      expect(passed.map((p) => p.moduleId).sort()).toEqual(quizModules.map((q) => q.id).sort());
    }

    // Prerequisites hold: whoever is enrolled in the secure relay course holds the fundamentals certification.
    const secure = await db()
      .select({ userId: enrollments.userId })
      .from(enrollments)
      .where(eq(enrollments.courseKey, "secure-relay-tls-auth"));
    expect(secure.length).toBeGreaterThan(0);
    for (const s of secure) {
      expect(certs.some((c) => c.userId === s.userId && c.courseKey === "mail-relay-fundamentals")).toBe(true);
    }

    const open = await db()
      .select()
      .from(enrollments)
      .where(sql`${enrollments.completedAt} is null`);
    expect(open.length).toBeGreaterThanOrEqual(3);
    const failed = await db().select().from(quizAttempts).where(eq(quizAttempts.passed, false));
    expect(failed.length).toBeGreaterThanOrEqual(1);

    // The authoring list sees them with their enrollments.
    const list = await listCourses(ctx);
    expect(list).toHaveLength(4);
    expect(list.every((c) => c.status === "published" && c.modules >= 2)).toBe(true);
    expect(list.reduce((n, c) => n + c.enrollments, 0)).toBe(result.enrollments);
  });
});

describe("creating a course", () => {
  it("creates version 1 as a draft and audits it", async () => {
    const form = courseForm();
    const { id } = await createCourse(ctx, form);
    const row = await courseRow(id);
    expect(row).toMatchObject({
      key: form.key,
      version: 1,
      status: "draft",
      estimatedMinutes: 90,
      validityMonths: 24,
      prerequisites: [],
      createdBy: admin.id,
      publishedAt: null,
    });
    expect((await auditActions(id)).map((a) => a.action)).toEqual(["course.created"]);
  });

  it("refuses a key used by any version, and bad input, changing nothing", async () => {
    const { key: k } = await createCourse(ctx, courseForm());
    const before = await counts();
    const dup = await rejection(createCourse(ctx, courseForm({ key: k })));
    expect(dup).toBeInstanceOf(ValidationError);
    expect((dup as ValidationError).fields?.key).toEqual(["A course with this key exists already."]);

    const bad = await rejection(
      createCourse(
        ctx,
        courseForm({ key: "Bad Key", estimatedMinutes: "4", validityMonths: "121", audience: "everyone", title: "" }),
      ),
    );
    expect(bad).toBeInstanceOf(ValidationError);
    expect(Object.keys((bad as ValidationError).fields ?? {}).sort()).toEqual([
      "audience",
      "estimatedMinutes",
      "key",
      "title",
      "validityMonths",
    ]);
    expect(await counts()).toEqual(before);
  });

  it("checks prerequisites: no self, no unknown course, no cycle", async () => {
    const a = await createCourse(ctx, courseForm());
    const b = await createCourse(ctx, courseForm({ prerequisites: [a.key] }));
    expect((await courseRow(b.id)).prerequisites).toEqual([a.key]);
    const c = await createCourse(ctx, courseForm({ prerequisites: [b.key] }));

    const self = await rejection(updateCourse(ctx, a.id, courseForm({ prerequisites: [a.key] })));
    expect((self as ValidationError).fields?.prerequisites).toEqual(["A course cannot require itself."]);
    const unknown = await rejection(updateCourse(ctx, a.id, courseForm({ prerequisites: ["no-such-course"] })));
    expect((unknown as ValidationError).fields?.prerequisites?.[0]).toMatch(/Unknown course: no-such-course/);
    // a ← b ← c; a requiring c would close the cycle.
    const cycle = await rejection(updateCourse(ctx, a.id, courseForm({ prerequisites: [c.key] })));
    expect(cycle).toBeInstanceOf(ValidationError);
    expect((cycle as ValidationError).fields?.prerequisites?.[0]).toMatch(/cycle/);
    expect((await courseRow(a.id)).prerequisites).toEqual([]);
  });
});

describe("modules and questions", () => {
  it("adds, edits, moves and deletes modules in order, audited as content updates", async () => {
    const { id } = await createCourse(ctx, courseForm());
    const m1 = await addModule(ctx, id, moduleForm({ title: "One" }));
    await addModule(ctx, id, moduleForm({ title: "Two", videoUrl: "https://videos.example.com/2" }));
    const m3 = await addModule(ctx, id, moduleForm({ title: "Three", inRecertification: undefined }));
    expect((await modulesOf(id)).map((m) => [m.title, m.position, m.videoUrl, m.inRecertification])).toEqual([
      ["One", 1, null, true],
      ["Two", 2, "https://videos.example.com/2", true],
      ["Three", 3, null, false],
    ]);

    await updateModule(ctx, m1.id, moduleForm({ title: "One, revised", body: "Line\r\nbreak" }));
    await moveModule(ctx, m3.id, { direction: "up" });
    expect((await modulesOf(id)).map((m) => m.title)).toEqual(["One, revised", "Three", "Two"]);
    await moveModule(ctx, m1.id, { direction: "up" }); // already first: nothing happens
    await moveModule(ctx, m1.id, { direction: "down" });
    expect((await modulesOf(id)).map((m) => m.title)).toEqual(["Three", "One, revised", "Two"]);
    expect((await modulesOf(id)).find((m) => m.id === m1.id)!.body).toBe("Line\nbreak");

    await addQuestion(ctx, m3.id, singleQuestion());
    await deleteModule(ctx, m3.id);
    const left = await modulesOf(id);
    expect(left.map((m) => [m.title, m.position])).toEqual([
      ["One, revised", 1],
      ["Two", 2],
    ]);
    expect(await db().$count(quizQuestions, eq(quizQuestions.moduleId, m3.id))).toBe(0);

    const changes = (await auditActions(id)).filter((a) => a.action === "course.content_updated");
    expect(changes.map((a) => (a.after as { change: string }).change)).toEqual([
      "module.added",
      "module.added",
      "module.added",
      "module.updated",
      "module.moved",
      "module.moved",
      "question.added",
      "module.deleted",
    ]);
  });

  it("stores questions with option ids and the correct ids, keeps ids on edit, deletes", async () => {
    const { id } = await createCourse(ctx, courseForm());
    const m = await addModule(ctx, id, moduleForm());
    const q = await addQuestion(ctx, m.id, singleQuestion());
    const [row] = await db().select().from(quizQuestions).where(eq(quizQuestions.id, q.id));
    expect(row!.options.map((o) => o.text)).toEqual(["EHLO", "DATA", "QUIT"]);
    expect(row!.correct).toEqual([row!.options[1]!.id]);
    expect(new Set(row!.options.map((o) => o.id)).size).toBe(3);

    await updateQuestion(ctx, q.id, {
      kind: "multiple",
      prompt: "Which are SMTP commands?",
      options: [
        { id: row!.options[0]!.id, text: "EHLO", correct: "on" },
        { id: row!.options[1]!.id, text: "DATA", correct: "on" },
        { text: "GET", correct: "" },
      ],
    });
    const [edited] = await db().select().from(quizQuestions).where(eq(quizQuestions.id, q.id));
    expect(edited!.kind).toBe("multiple");
    expect(edited!.options.slice(0, 2).map((o) => o.id)).toEqual(row!.options.slice(0, 2).map((o) => o.id));
    expect(edited!.correct).toEqual(row!.options.slice(0, 2).map((o) => o.id));

    await updateQuizSettings(ctx, m.id, { passPercent: "60", attemptsAllowed: "5", cooldownMinutes: "0" });
    const [mod] = await db().select().from(courseModules).where(eq(courseModules.id, m.id));
    expect(mod).toMatchObject({ passPercent: 60, attemptsAllowed: 5, cooldownMinutes: 0, shuffle: false });

    await deleteQuestion(ctx, q.id);
    expect(await db().$count(quizQuestions, eq(quizQuestions.moduleId, m.id))).toBe(0);
  });

  it("refuses bad input with field errors and changes nothing", async () => {
    const { id } = await createCourse(ctx, courseForm());
    const m = await addModule(ctx, id, moduleForm());
    const q = await addQuestion(ctx, m.id, singleQuestion());
    const before = await counts();
    const [qBefore] = await db().select().from(quizQuestions).where(eq(quizQuestions.id, q.id));

    const badModule = await rejection(
      addModule(ctx, id, moduleForm({ title: "", videoUrl: "http://insecure.example" })),
    );
    expect(Object.keys((badModule as ValidationError).fields ?? {}).sort()).toEqual(["title", "videoUrl"]);
    const js = await rejection(updateModule(ctx, m.id, moduleForm({ videoUrl: "javascript:alert(1)" })));
    expect((js as ValidationError).fields?.videoUrl).toBeDefined();
    const twoCorrect = await rejection(
      updateQuestion(
        ctx,
        q.id,
        singleQuestion({
          options: [
            { text: "A", correct: true },
            { text: "B", correct: true },
          ],
        }),
      ),
    );
    expect((twoCorrect as ValidationError).fields?.options).toEqual([
      "A single-choice question has exactly one correct option.",
    ]);
    const tooMany = await rejection(
      addQuestion(
        ctx,
        m.id,
        singleQuestion({ options: Array.from({ length: 9 }, (_, i) => ({ text: `O${i}`, correct: i === 0 })) }),
      ),
    );
    expect((tooMany as ValidationError).fields?.options).toBeDefined();
    const settings = await rejection(
      updateQuizSettings(ctx, m.id, { passPercent: "0", attemptsAllowed: "11", cooldownMinutes: "43201" }),
    );
    expect(Object.keys((settings as ValidationError).fields ?? {}).sort()).toEqual([
      "attemptsAllowed",
      "cooldownMinutes",
      "passPercent",
    ]);
    const move = await rejection(moveModule(ctx, m.id, { direction: "sideways" }));
    expect(move).toBeInstanceOf(ValidationError);

    expect(await counts()).toEqual(before);
    const [qAfter] = await db().select().from(quizQuestions).where(eq(quizQuestions.id, q.id));
    expect(qAfter).toEqual(qBefore);
  });

  it("answers unknown and malformed ids with NotFoundError", async () => {
    for (const call of [
      () => getCourseForEdit(ctx, "not-a-uuid"),
      () => getCourseForEdit(ctx, randomUUID()),
      () => updateCourse(ctx, randomUUID(), courseForm()),
      () => publishCourse(ctx, "1; drop table courses"),
      () => createNextVersion(ctx, randomUUID()),
      () => addModule(ctx, randomUUID(), moduleForm()),
      () => updateModule(ctx, randomUUID(), moduleForm()),
      () => deleteModule(ctx, "x"),
      () => addQuestion(ctx, randomUUID(), singleQuestion()),
      () => updateQuestion(ctx, randomUUID(), singleQuestion()),
      () => deleteQuestion(ctx, randomUUID()),
    ]) {
      expect(await rejection(call())).toBeInstanceOf(NotFoundError);
    }
  });
});

describe("publishing and versions", () => {
  it("refuses to publish a draft without modules or with a broken quiz", async () => {
    const empty = await createCourse(ctx, courseForm());
    const err = await rejection(publishCourse(ctx, empty.id));
    expect(err).toBeInstanceOf(RuleError);
    expect((err as RuleError).message).toMatch(/at least one module/);

    const { id, moduleIds } = await draftCourse();
    // A question broken behind the form's back (correct id not among the options).
    await db()
      .insert(quizQuestions)
      .values({
        moduleId: moduleIds[1]!,
        position: 1,
        kind: "single",
        prompt: "Broken?",
        options: [
          { id: "a", text: "A" },
          { id: "b", text: "B" },
        ],
        correct: ["z"],
      });
    const broken = await rejection(publishCourse(ctx, id));
    expect((broken as RuleError).message).toMatch(
      /Module 2 .* question 1 marks an option as correct that does not exist/,
    );
    expect((await courseRow(id)).status).toBe("draft");
  });

  it("refuses to publish while a prerequisite has no published version", async () => {
    const pre = await createCourse(ctx, courseForm());
    const { id } = await draftCourse({ prerequisites: [pre.key] });
    const err = await rejection(publishCourse(ctx, id));
    expect((err as RuleError).message).toMatch(new RegExp(`Prerequisites without a published version: ${pre.key}`));
  });

  it("publishes, copies into the next version, supersedes in one go, and leaves enrollments on v1", async () => {
    const { id: v1, key: k } = await draftCourse();
    const published = await publishCourse(ctx, v1);
    expect(published).toEqual({ id: v1, version: 1, supersededId: null });
    expect(await courseRow(v1)).toMatchObject({ status: "published", publishedAt: NOW });

    // Someone is in v1 with the first module done.
    const v1Modules = await modulesOf(v1);
    const [enrollment] = await db()
      .insert(enrollments)
      .values({
        partnerId: partner.id,
        userId: partnerUser.id,
        courseKey: k,
        courseId: v1,
        startedAt: new Date(NOW.getTime() - DAY),
        lastModuleId: v1Modules[0]!.id,
      })
      .returning();
    await db()
      .insert(moduleCompletions)
      .values({ enrollmentId: enrollment!.id, moduleId: v1Modules[0]!.id, partnerId: partner.id });

    // Editing the published version is refused and changes nothing.
    const before = await counts();
    for (const call of [
      () => updateCourse(ctx, v1, courseForm({ title: "Changed" })),
      () => addModule(ctx, v1, moduleForm()),
      () => updateModule(ctx, v1Modules[0]!.id, moduleForm({ title: "Changed" })),
      () => moveModule(ctx, v1Modules[1]!.id, { direction: "up" }),
      () => deleteModule(ctx, v1Modules[1]!.id),
      () => updateQuizSettings(ctx, v1Modules[0]!.id, { passPercent: 10, attemptsAllowed: 1, cooldownMinutes: 0 }),
      () => addQuestion(ctx, v1Modules[0]!.id, singleQuestion()),
      () => publishCourse(ctx, v1),
    ]) {
      expect(await rejection(call())).toBeInstanceOf(RuleError);
    }
    expect(await counts()).toEqual(before);
    expect((await courseRow(v1)).title).toBe("Mail relay fundamentals");

    // "Edit" makes v2: a full copy with new ids.
    const next = await createNextVersion(ctx, v1);
    expect(next.version).toBe(2);
    const v2 = next.id;
    expect(await courseRow(v2)).toMatchObject({ key: k, version: 2, status: "draft", publishedAt: null });
    const v2Modules = await modulesOf(v2);
    const strip = (m: (typeof v1Modules)[number]) => {
      const { id: _id, courseId: _c, ...rest } = m;
      return rest;
    };
    expect(v2Modules.map(strip)).toEqual(v1Modules.map(strip));
    expect(v2Modules.some((m) => v1Modules.some((o) => o.id === m.id))).toBe(false);
    const questionsOf = async (mods: typeof v1Modules) =>
      db()
        .select()
        .from(quizQuestions)
        .where(
          inArray(
            quizQuestions.moduleId,
            mods.map((m) => m.id),
          ),
        )
        .orderBy(asc(quizQuestions.position));
    const q1 = await questionsOf(v1Modules);
    const q2 = await questionsOf(v2Modules);
    expect(q2).toHaveLength(2);
    expect(q2.map((q) => [q.prompt, q.kind, q.options, q.correct])).toEqual(
      q1.map((q) => [q.prompt, q.kind, q.options, q.correct]),
    );
    expect(q2.every((q) => v2Modules.some((m) => m.id === q.moduleId))).toBe(true);
    expect(await rejection(createNextVersion(ctx, v1))).toBeInstanceOf(RuleError); // a draft exists already

    // Change the draft, then publish it: v1 becomes superseded in the same transaction.
    await updateCourse(ctx, v2, courseForm({ key: undefined, title: "Mail relay fundamentals (2031)" }));
    await addModule(ctx, v2, moduleForm({ title: "DNS: MX, SPF, DKIM, DMARC" }));
    const enrollmentBefore = (await db().select().from(enrollments).where(eq(enrollments.id, enrollment!.id)))[0];
    const out = await publishCourse(ctx, v2);
    expect(out).toEqual({ id: v2, version: 2, supersededId: v1 });
    expect((await courseRow(v1)).status).toBe("superseded");
    expect((await courseRow(v2)).status).toBe("published");
    expect((await courseRow(v1)).title).toBe("Mail relay fundamentals");

    const enrollmentAfter = (await db().select().from(enrollments).where(eq(enrollments.id, enrollment!.id)))[0];
    expect(enrollmentAfter).toEqual(enrollmentBefore);
    expect(enrollmentAfter!.courseId).toBe(v1);
    expect(await db().$count(moduleCompletions, eq(moduleCompletions.enrollmentId, enrollment!.id))).toBe(1);
    expect(await modulesOf(v1)).toEqual(v1Modules);

    const audit = (await auditActions(v2)).map((a) => a.action);
    expect(audit).toEqual(["course.version_created", "course.updated", "course.content_updated", "course.published"]);

    const detail = await getCourseForEdit(ctx, v1);
    expect(detail.isLatest).toBe(false);
    expect(detail.versions.map((v) => [v.version, v.status])).toEqual([
      [2, "published"],
      [1, "superseded"],
    ]);
    expect(detail.enrollments).toEqual({ total: 1, open: 1 });
    const row = (await listCourses(ctx)).find((c) => c.key === k)!;
    expect(row).toMatchObject({ id: v2, version: 2, status: "published", modules: 3, enrollments: 1, published: null });
  });

  it("lets one of two simultaneous publishes of the same course win; the other gets a ConflictError", async () => {
    const { id: v1 } = await draftCourse();
    await publishCourse(ctx, v1);
    const { id: v2 } = await createNextVersion(ctx, v1);
    // A second draft of the same key, only possible behind the functions' back (createNextVersion refuses).
    const source = await courseRow(v2);
    const { id: _id, ...rest } = source;
    const [v3] = await db()
      .insert(courses)
      .values({ ...rest, version: 3, status: "draft" })
      .returning({ id: courses.id });
    await db().insert(courseModules).values({ courseId: v3!.id, position: 1, title: "Only module", body: "Text." });

    // Hold the published version's row so that both publishes are in flight before either commits.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let holding!: () => void;
    const held = new Promise<void>((r) => (holding = r));
    const holder = db().transaction(async (tx) => {
      await tx.select({ id: courses.id }).from(courses).where(eq(courses.id, v1)).for("update");
      holding();
      await released;
    });
    await held;
    const a = publishCourse(ctx, v2);
    const b = publishCourse(ctx, v3!.id);
    await waitForLockWaiters(2);
    release();
    await holder;
    const results = await Promise.allSettled([a, b]);

    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toBeInstanceOf(ConflictError);
    const rows = await db()
      .select({ version: courses.version, status: courses.status })
      .from(courses)
      .where(eq(courses.key, source.key))
      .orderBy(asc(courses.version));
    expect(rows.filter((r) => r.status === "published")).toHaveLength(1);
    expect(rows[0]).toEqual({ version: 1, status: "superseded" });
    expect(rows.filter((r) => r.status === "draft")).toHaveLength(1);
  });

  it("retires the published version (no new one needed to keep people going) and can bring it back as a new version", async () => {
    const { id, key: k } = await draftCourse();
    expect(await rejection(retireCourse(ctx, id))).toBeInstanceOf(RuleError); // a draft is not retired
    await publishCourse(ctx, id);
    await retireCourse(ctx, id);
    expect((await courseRow(id)).status).toBe("retired");
    expect(await rejection(retireCourse(ctx, id))).toBeInstanceOf(RuleError);
    expect((await auditActions(id)).map((a) => a.action)).toContain("course.retired");
    expect((await listCourses(ctx)).find((c) => c.key === k)).toMatchObject({ status: "retired" });

    const next = await createNextVersion(ctx, id);
    await publishCourse(ctx, next.id);
    expect((await courseRow(id)).status).toBe("retired");
    expect((await courseRow(next.id)).status).toBe("published");
  });
});

describe("who may author", () => {
  it("refuses partner users, partner admins and channel managers", async () => {
    const { id, moduleIds } = await draftCourse();
    const before = await counts();
    for (const user of [partnerUser, partnerAdmin, manager]) {
      const other = ctxFor(db(), user, NOW);
      for (const call of [
        () => listCourses(other),
        () => getCourseForEdit(other, id),
        () => createCourse(other, courseForm()),
        () => updateCourse(other, id, courseForm()),
        () => addModule(other, id, moduleForm()),
        () => updateModule(other, moduleIds[0]!, moduleForm()),
        () => deleteModule(other, moduleIds[0]!),
        () => publishCourse(other, id),
        () => createNextVersion(other, id),
        () => retireCourse(other, id),
      ]) {
        expect(await rejection(call())).toBeInstanceOf(ForbiddenError);
      }
    }
    expect(await counts()).toEqual(before);
    expect((await courseRow(id)).status).toBe("draft");
  });
});

/** Waits until `n` sessions of this database wait for a lock. */
async function waitForLockWaiters(n: number) {
  for (let i = 0; i < 200; i++) {
    const res = (await db().execute(
      sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
    )) as unknown as { rows: { n: number }[] };
    if ((res.rows[0]?.n ?? 0) >= n) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`expected ${n} sessions waiting for a lock`);
}
