import { z } from "zod";

/**
 * Zod schemas of the course authoring forms (vendor admins), shared by the
 * server (authoring.server.ts parses every input with them) and the browser
 * (Conform). Every schema accepts what a form sends (strings, "on" for a
 * ticked box) and plain typed values (tests, the API).
 */

/** A course key: stable across versions, used in URLs (/training/learn/<key>). */
export const COURSE_KEY = /^[a-z0-9-]{3,40}$/;
export const TITLE_MAX = 200;
export const SUMMARY_MAX = 2000;
export const CERTIFICATION_NAME_MAX = 200;
export const MINUTES_MIN = 5;
export const MINUTES_MAX = 6000;
export const VALIDITY_MIN = 1;
export const VALIDITY_MAX = 120;
export const PREREQUISITES_MAX = 10;
export const MODULE_BODY_MAX = 100_000;
export const VIDEO_URL_MAX = 500;
export const PROMPT_MAX = 1000;
export const OPTION_TEXT_MAX = 500;
export const OPTIONS_MIN = 2;
export const OPTIONS_MAX = 8;
export const PASS_PERCENT_DEFAULT = 80;
export const ATTEMPTS_MAX = 10;
export const ATTEMPTS_DEFAULT = 3;
export const COOLDOWN_MAX = 43_200;
export const COOLDOWN_DEFAULT = 1440;

export const audiences = ["sales", "technical"] as const;
export type Audience = (typeof audiences)[number];
export const audienceLabels: Record<Audience, string> = { sales: "Sales", technical: "Technical" };

export const courseStatuses = ["draft", "published", "superseded", "retired"] as const;
export type CourseStatus = (typeof courseStatuses)[number];
export const courseStatusLabels: Record<CourseStatus, string> = {
  draft: "Draft",
  published: "Published",
  superseded: "Superseded",
  retired: "Retired",
};

export const questionKinds = ["single", "multiple"] as const;
export type QuestionKind = (typeof questionKinds)[number];
export const questionKindLabels: Record<QuestionKind, string> = {
  single: "Single choice (exactly one correct option)",
  multiple: "Multiple choice (one or more correct options)",
};

function requiredText(max: number, missing: string) {
  return z
    .string({ required_error: missing, invalid_type_error: missing })
    .trim()
    .min(1, missing)
    .max(max, `Use at most ${max.toLocaleString("en")} characters.`);
}

/** Whole numbers in [min, max]; a form's text is coerced ("" is not 0). */
function wholeNumber(min: number, max: number, what: string) {
  return z.preprocess(
    (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
    z.coerce
      .number({ required_error: `Enter ${what}.`, invalid_type_error: `Enter ${what}.` })
      .int("Enter a whole number.")
      .min(min, `At least ${min.toLocaleString("en")}.`)
      .max(max, `At most ${max.toLocaleString("en")}.`),
  );
}

/** A checkbox: "on" (or true) when ticked, absent otherwise. */
const checkbox = z.preprocess((v) => v === true || v === "on" || v === "true", z.boolean());

/** Markdown from a textarea: CRLF becomes LF; must not be blank. */
function markdown(max: number, missing: string) {
  return z
    .string({ required_error: missing, invalid_type_error: missing })
    .transform((s) => s.replace(/\r\n?/g, "\n"))
    .refine((s) => s.trim().length > 0, missing)
    .refine((s) => s.length <= max, `Use at most ${max.toLocaleString("en")} characters.`);
}

export const courseKeyField = z
  .string({ required_error: "Enter a key.", invalid_type_error: "Enter a key." })
  .trim()
  .regex(COURSE_KEY, "Use 3 to 40 lowercase letters, digits and hyphens, e.g. mail-relay-fundamentals.");

/** An https:// link to a video (embedded as a link in the module); blank means none. */
export const videoUrlField = z.preprocess(
  (v) => (v === null || (typeof v === "string" && v.trim() === "") ? undefined : v),
  z
    .string({ invalid_type_error: "Enter a link starting with https://." })
    .trim()
    .max(VIDEO_URL_MAX, `Use at most ${VIDEO_URL_MAX} characters.`)
    .refine((s) => {
      try {
        const u = new URL(s);
        return u.protocol === "https:" && u.hostname.length > 0 && !u.username && !u.password;
      } catch {
        return false;
      }
    }, "Enter a link starting with https://, e.g. https://videos.example.com/watch/123.")
    .optional(),
);

export const courseMetaSchema = z.object({
  title: requiredText(TITLE_MAX, "Enter a title."),
  summary: requiredText(SUMMARY_MAX, "Write a short summary."),
  audience: z.enum(audiences, { errorMap: () => ({ message: "Choose sales or technical." }) }),
  estimatedMinutes: wholeNumber(MINUTES_MIN, MINUTES_MAX, "the estimated time in minutes"),
  prerequisites: z
    .preprocess(
      (v) => (v === undefined || v === null || v === "" ? [] : Array.isArray(v) ? v : [v]),
      z
        .array(z.string({ invalid_type_error: "Choose courses from the list." }).trim(), {
          invalid_type_error: "Choose courses from the list.",
        })
        .max(PREREQUISITES_MAX, `At most ${PREREQUISITES_MAX} prerequisites.`),
    )
    .transform((keys) => [...new Set(keys.filter((k) => k !== ""))])
    .refine((keys) => keys.every((k) => COURSE_KEY.test(k)), "Choose courses from the list."),
  certificationName: requiredText(CERTIFICATION_NAME_MAX, "Name the certification this course grants."),
  validityMonths: wholeNumber(VALIDITY_MIN, VALIDITY_MAX, "the validity in months"),
});
export type CourseMetaInput = z.input<typeof courseMetaSchema>;
export type CourseMeta = z.output<typeof courseMetaSchema>;

export const createCourseSchema = courseMetaSchema.extend({ key: courseKeyField });
export type CreateCourseInput = z.input<typeof createCourseSchema>;

export const moduleSchema = z.object({
  title: requiredText(TITLE_MAX, "Enter a title."),
  body: markdown(MODULE_BODY_MAX, "Write the module's content."),
  videoUrl: videoUrlField,
  inRecertification: checkbox,
});
export type ModuleInput = z.input<typeof moduleSchema>;

export const quizSettingsSchema = z.object({
  passPercent: wholeNumber(1, 100, "the pass mark in percent"),
  attemptsAllowed: wholeNumber(1, ATTEMPTS_MAX, "the number of attempts"),
  cooldownMinutes: wholeNumber(0, COOLDOWN_MAX, "the cool-down in minutes"),
  shuffle: checkbox,
});
export type QuizSettingsInput = z.input<typeof quizSettingsSchema>;

/** An option's id: kept when editing (the server assigns new ones). */
export const OPTION_ID = /^[a-z0-9]{1,24}$/;

export const optionSchema = z.object({
  id: z.preprocess((v) => (typeof v === "string" && OPTION_ID.test(v) ? v : undefined), z.string().optional()),
  text: requiredText(OPTION_TEXT_MAX, "Enter the option's text."),
  correct: checkbox,
});

export const questionSchema = z
  .object({
    kind: z.enum(questionKinds, { errorMap: () => ({ message: "Choose single or multiple choice." }) }),
    prompt: requiredText(PROMPT_MAX, "Enter the question."),
    options: z
      .array(optionSchema, { required_error: "Add the options.", invalid_type_error: "Add the options." })
      .min(OPTIONS_MIN, `Give at least ${OPTIONS_MIN} options.`)
      .max(OPTIONS_MAX, `Give at most ${OPTIONS_MAX} options.`),
  })
  .superRefine((q, ctx) => {
    if (q.options.length < OPTIONS_MIN || q.options.length > OPTIONS_MAX) return;
    const correct = q.options.filter((o) => o.correct).length;
    if (q.kind === "single" && correct !== 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["options"],
        message: "A single-choice question has exactly one correct option.",
      });
    }
    if (q.kind === "multiple" && correct < 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["options"],
        message: "Mark at least one option as correct.",
      });
    }
    const texts = q.options.map((o) => o.text.toLowerCase());
    if (new Set(texts).size !== texts.length) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["options"], message: "Two options have the same text." });
    }
  });
export type QuestionInput = z.input<typeof questionSchema>;
export type Question = z.output<typeof questionSchema>;

export const moveSchema = z.object({
  direction: z.enum(["up", "down"], { errorMap: () => ({ message: "Move up or down." }) }),
});

/**
 * Whether a stored question is valid for publishing (the same rules as the
 * form, checked again when a draft is published).
 */
export function questionProblems(q: {
  kind: string;
  prompt: string;
  options: { id: string; text: string }[];
  correct: string[];
}): string[] {
  const problems: string[] = [];
  const ids = q.options.map((o) => o.id);
  if (q.options.length < OPTIONS_MIN || q.options.length > OPTIONS_MAX) {
    problems.push(`has ${q.options.length} options (${OPTIONS_MIN} to ${OPTIONS_MAX} needed)`);
  }
  if (new Set(ids).size !== ids.length) problems.push("has two options with the same id");
  if (q.options.some((o) => !o.text.trim())) problems.push("has an option without text");
  if (!q.prompt.trim()) problems.push("has no question text");
  if (!q.correct.every((c) => ids.includes(c))) problems.push("marks an option as correct that does not exist");
  if (q.kind === "single" && q.correct.length !== 1)
    problems.push("is single choice without exactly one correct option");
  if (q.kind === "multiple" && q.correct.length < 1) problems.push("has no correct option");
  return problems;
}
