/**
 * Course versions for the learning, quiz and certification tests, inserted
 * directly (authoring has its own tests): modules in order, some with a quiz
 * whose answer key the tests know.
 */
import type { Db } from "../../../db/client";
import { courseModules, courses, quizQuestions } from "../../../db/schema";
import { unique } from "../../support/factories";

export interface QuestionSpec {
  kind: "single" | "multiple";
  prompt?: string;
  /** Option ids; their text is derived. */
  options: string[];
  correct: string[];
}

export interface ModuleSpec {
  title?: string;
  body?: string;
  inRecertification?: boolean;
  quiz?: {
    questions: QuestionSpec[];
    passPercent?: number;
    attemptsAllowed?: number;
    cooldownMinutes?: number;
    shuffle?: boolean;
  };
}

export interface CourseSpec {
  key?: string;
  title?: string;
  version?: number;
  status?: "draft" | "published" | "superseded" | "retired";
  audience?: "sales" | "technical";
  prerequisites?: string[];
  validityMonths?: number;
  certificationName?: string;
  modules?: ModuleSpec[];
}

/** Two questions, one of each kind: right answers {s: ["b"], m: ["a", "c"]}. */
export const standardQuiz = (over: Partial<NonNullable<ModuleSpec["quiz"]>> = {}): NonNullable<ModuleSpec["quiz"]> => ({
  questions: [
    { kind: "single", prompt: "Which port does SMTP submission use?", options: ["a", "b", "c"], correct: ["b"] },
    {
      kind: "multiple",
      prompt: "Which records help deliverability?",
      options: ["a", "b", "c", "d"],
      correct: ["a", "c"],
    },
  ],
  passPercent: 100,
  attemptsAllowed: 2,
  cooldownMinutes: 60,
  shuffle: false,
  ...over,
});

/** Three modules: read, quiz, read. */
export const threeModules = (quiz = standardQuiz()): ModuleSpec[] => [
  { title: "Why relays exist" },
  { title: "Ports and records", quiz },
  { title: "Putting it together" },
];

export async function createCourse(db: Db, spec: CourseSpec = {}) {
  const key = spec.key ?? unique("course");
  const title = spec.title ?? `Course ${key}`;
  const status = spec.status ?? "published";
  const [course] = await db
    .insert(courses)
    .values({
      key,
      version: spec.version ?? 1,
      status,
      title,
      summary: `What ${title} teaches.`,
      audience: spec.audience ?? "technical",
      estimatedMinutes: 40,
      prerequisites: spec.prerequisites ?? [],
      certificationName: spec.certificationName ?? `${title} Certified`,
      validityMonths: spec.validityMonths ?? 24,
      publishedAt: status === "draft" ? null : new Date("2030-01-01T00:00:00Z"),
    })
    .returning();
  const modules = [];
  for (const [i, m] of (spec.modules ?? threeModules()).entries()) {
    const [row] = await db
      .insert(courseModules)
      .values({
        courseId: course!.id,
        position: i + 1,
        title: m.title ?? `Module ${i + 1}`,
        body: m.body ?? `## Module ${i + 1}\n\nSome **text**.`,
        inRecertification: m.inRecertification ?? true,
        passPercent: m.quiz?.passPercent ?? 80,
        attemptsAllowed: m.quiz?.attemptsAllowed ?? 3,
        cooldownMinutes: m.quiz?.cooldownMinutes ?? 1440,
        shuffle: m.quiz?.shuffle ?? true,
      })
      .returning();
    const questions = [];
    for (const [j, q] of (m.quiz?.questions ?? []).entries()) {
      const [qr] = await db
        .insert(quizQuestions)
        .values({
          moduleId: row!.id,
          position: j + 1,
          kind: q.kind,
          prompt: q.prompt ?? `Question ${j + 1}`,
          options: q.options.map((id) => ({ id, text: `Answer ${id.toUpperCase()}` })),
          correct: q.correct,
        })
        .returning();
      questions.push(qr!);
    }
    modules.push({ ...row!, questions });
  }
  return { ...course!, modules };
}
export type TestCourse = Awaited<ReturnType<typeof createCourse>>;

/** The right answers of a module's quiz, keyed by question id. */
export function rightAnswers(module: TestCourse["modules"][number]): Record<string, string[]> {
  return Object.fromEntries(module.questions.map((q) => [q.id, q.correct]));
}

/** Wrong answers for every question (the first option that is not correct). */
export function wrongAnswers(module: TestCourse["modules"][number]): Record<string, string[]> {
  return Object.fromEntries(
    module.questions.map((q) => [q.id, [q.options.find((o) => !q.correct.includes(o.id))!.id]]),
  );
}
