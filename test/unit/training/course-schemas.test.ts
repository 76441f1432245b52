import { parseWithZod } from "@conform-to/zod";
import { describe, expect, it } from "vitest";
import {
  courseMetaSchema,
  createCourseSchema,
  moduleSchema,
  questionProblems,
  questionSchema,
  quizSettingsSchema,
} from "~/modules/training/course-schemas";
import { fieldErrorsOf } from "~/utils/field-errors";
import type { z } from "zod";

function errorsOf(schema: z.ZodTypeAny, input: unknown): Record<string, string[]> {
  const r = schema.safeParse(input);
  if (r.success) throw new Error(`expected a validation failure for ${JSON.stringify(input)}`);
  return fieldErrorsOf(r.error);
}

const course = {
  key: "mail-relay-fundamentals",
  title: "Mail relay fundamentals",
  summary: "SMTP, queues and DNS.",
  audience: "technical",
  estimatedMinutes: "90",
  prerequisites: [],
  certificationName: "Certified Mail Relay Associate",
  validityMonths: "24",
};

const question = (over: Record<string, unknown> = {}) => ({
  kind: "single",
  prompt: "Which command starts the message content?",
  options: [
    { text: "EHLO", correct: false },
    { text: "DATA", correct: true },
    { text: "QUIT", correct: false },
  ],
  ...over,
});

describe("course key", () => {
  it("accepts 3 to 40 lowercase letters, digits and hyphens", () => {
    for (const key of ["abc", "mail-relay-101", "a".repeat(40), "2fa"]) {
      expect(createCourseSchema.safeParse({ ...course, key }).success, key).toBe(true);
    }
  });

  it("refuses anything else", () => {
    for (const key of ["ab", "a".repeat(41), "Mail-Relay", "mail relay", "mail_relay", "mail/relay", "kurs-ü", ""]) {
      expect(errorsOf(createCourseSchema, { ...course, key }).key, key).toBeDefined();
    }
  });

  it("trims the key", () => {
    const r = createCourseSchema.parse({ ...course, key: "  anti-spam  " });
    expect(r.key).toBe("anti-spam");
  });
});

describe("course metadata", () => {
  it("coerces form strings to numbers and defaults prerequisites to none", () => {
    const r = courseMetaSchema.parse({ ...course, prerequisites: undefined });
    expect(r).toMatchObject({ estimatedMinutes: 90, validityMonths: 24, prerequisites: [] });
  });

  it("keeps the estimated time within 5..6000 minutes, whole", () => {
    expect(courseMetaSchema.safeParse({ ...course, estimatedMinutes: 5 }).success).toBe(true);
    expect(courseMetaSchema.safeParse({ ...course, estimatedMinutes: 6000 }).success).toBe(true);
    for (const v of [4, 6001, 0, -5, 12.5, "", "abc"]) {
      expect(errorsOf(courseMetaSchema, { ...course, estimatedMinutes: v }).estimatedMinutes, String(v)).toBeDefined();
    }
  });

  it("keeps the validity within 1..120 months", () => {
    expect(courseMetaSchema.safeParse({ ...course, validityMonths: 1 }).success).toBe(true);
    expect(courseMetaSchema.safeParse({ ...course, validityMonths: 120 }).success).toBe(true);
    for (const v of [0, 121, 6.5, ""]) {
      expect(errorsOf(courseMetaSchema, { ...course, validityMonths: v }).validityMonths, String(v)).toBeDefined();
    }
  });

  it("requires title, summary, audience and the certification's name", () => {
    const errors = errorsOf(courseMetaSchema, {
      ...course,
      title: "  ",
      summary: "",
      audience: "marketing",
      certificationName: undefined,
    });
    expect(Object.keys(errors).sort()).toEqual(["audience", "certificationName", "summary", "title"]);
  });

  it("takes one prerequisite or several, de-duplicated, and refuses malformed keys", () => {
    expect(courseMetaSchema.parse({ ...course, prerequisites: "mail-relay-fundamentals" }).prerequisites).toEqual([
      "mail-relay-fundamentals",
    ]);
    expect(courseMetaSchema.parse({ ...course, prerequisites: ["abc", "abc", "def"] }).prerequisites).toEqual([
      "abc",
      "def",
    ]);
    expect(errorsOf(courseMetaSchema, { ...course, prerequisites: ["<script>"] }).prerequisites).toBeDefined();
  });

  it("parses a browser form (Conform) the same way", () => {
    const fd = new FormData();
    for (const [k, v] of Object.entries({ ...course, prerequisites: undefined })) if (v) fd.set(k, String(v));
    fd.append("prerequisites", "secure-relay");
    fd.append("prerequisites", "anti-spam");
    const submission = parseWithZod(fd, { schema: createCourseSchema });
    expect(submission.status).toBe("success");
    if (submission.status === "success") {
      expect(submission.value.prerequisites).toEqual(["secure-relay", "anti-spam"]);
      expect(submission.value.estimatedMinutes).toBe(90);
    }
  });
});

describe("module", () => {
  const mod = { title: "SMTP", body: "# SMTP\r\n\r\nText.", videoUrl: "", inRecertification: "on" };

  it("normalises line breaks, reads the checkbox and treats a blank video link as none", () => {
    const r = moduleSchema.parse(mod);
    expect(r).toEqual({ title: "SMTP", body: "# SMTP\n\nText.", videoUrl: undefined, inRecertification: true });
    expect(moduleSchema.parse({ ...mod, inRecertification: undefined }).inRecertification).toBe(false);
  });

  it("accepts https video links only", () => {
    expect(moduleSchema.parse({ ...mod, videoUrl: "https://videos.example.com/watch?v=1" }).videoUrl).toBe(
      "https://videos.example.com/watch?v=1",
    );
    for (const url of [
      "http://videos.example.com/1",
      "javascript:alert(1)",
      "ftp://example.com/video.mp4",
      "//videos.example.com/1",
      "videos.example.com/1",
      "https://user:secret@videos.example.com/1",
      "data:text/html,<script>alert(1)</script>",
    ]) {
      expect(errorsOf(moduleSchema, { ...mod, videoUrl: url }).videoUrl, url).toBeDefined();
    }
  });

  it("requires a title and a non-blank body", () => {
    const errors = errorsOf(moduleSchema, { ...mod, title: "", body: " \n " });
    expect(Object.keys(errors).sort()).toEqual(["body", "title"]);
  });
});

describe("quiz settings", () => {
  const ok = { passPercent: "80", attemptsAllowed: "3", cooldownMinutes: "1440", shuffle: "on" };

  it("accepts the bounds", () => {
    expect(quizSettingsSchema.parse(ok)).toEqual({
      passPercent: 80,
      attemptsAllowed: 3,
      cooldownMinutes: 1440,
      shuffle: true,
    });
    for (const v of [
      { passPercent: 1 },
      { passPercent: 100 },
      { attemptsAllowed: 1 },
      { attemptsAllowed: 10 },
      { cooldownMinutes: 0 },
      { cooldownMinutes: 43200 },
    ]) {
      expect(quizSettingsSchema.safeParse({ ...ok, ...v }).success, JSON.stringify(v)).toBe(true);
    }
  });

  it("refuses values outside them", () => {
    for (const [field, v] of [
      ["passPercent", 0],
      ["passPercent", 101],
      ["attemptsAllowed", 0],
      ["attemptsAllowed", 11],
      ["cooldownMinutes", -1],
      ["cooldownMinutes", 43201],
      ["passPercent", "eighty"],
    ] as const) {
      expect(errorsOf(quizSettingsSchema, { ...ok, [field]: v })[field], `${field}=${v}`).toBeDefined();
    }
  });
});

describe("question", () => {
  it("accepts a single-choice question with exactly one correct option", () => {
    const r = questionSchema.parse(question());
    expect(r.options.filter((o) => o.correct)).toHaveLength(1);
  });

  it("refuses a single-choice question with none or two correct options", () => {
    const none = question({ options: [{ text: "A" }, { text: "B" }] });
    expect(errorsOf(questionSchema, none).options).toEqual([
      "A single-choice question has exactly one correct option.",
    ]);
    const two = question({
      options: [
        { text: "A", correct: "on" },
        { text: "B", correct: "on" },
      ],
    });
    expect(errorsOf(questionSchema, two).options).toBeDefined();
  });

  it("accepts a multiple-choice question with one or more correct options, not with none", () => {
    const opts = (flags: boolean[]) => flags.map((correct, i) => ({ text: `Option ${i}`, correct }));
    expect(questionSchema.safeParse(question({ kind: "multiple", options: opts([true, true, false]) })).success).toBe(
      true,
    );
    expect(questionSchema.safeParse(question({ kind: "multiple", options: opts([false, true]) })).success).toBe(true);
    expect(
      errorsOf(questionSchema, question({ kind: "multiple", options: opts([false, false, false]) })).options,
    ).toEqual(["Mark at least one option as correct."]);
  });

  it("needs 2 to 8 options", () => {
    const opts = (n: number) => Array.from({ length: n }, (_, i) => ({ text: `Option ${i}`, correct: i === 0 }));
    expect(questionSchema.safeParse(question({ options: opts(2) })).success).toBe(true);
    expect(questionSchema.safeParse(question({ options: opts(8) })).success).toBe(true);
    expect(errorsOf(questionSchema, question({ options: opts(1) })).options).toEqual(["Give at least 2 options."]);
    expect(errorsOf(questionSchema, question({ options: opts(9) })).options).toEqual(["Give at most 8 options."]);
    expect(errorsOf(questionSchema, question({ options: undefined })).options).toBeDefined();
  });

  it("needs text on every option (the error names the option) and no duplicates", () => {
    const blank = question({
      options: [
        { text: "A", correct: true },
        { text: "  ", correct: false },
      ],
    });
    expect(errorsOf(questionSchema, blank)["options[1].text"]).toBeDefined();
    const dup = question({
      options: [
        { text: "Same", correct: true },
        { text: "same", correct: false },
      ],
    });
    expect(errorsOf(questionSchema, dup).options).toEqual(["Two options have the same text."]);
  });

  it("refuses an unknown kind and a blank prompt", () => {
    const errors = errorsOf(questionSchema, question({ kind: "essay", prompt: "" }));
    expect(errors.kind).toBeDefined();
    expect(errors.prompt).toBeDefined();
  });

  it("keeps well-formed option ids and drops anything else", () => {
    const r = questionSchema.parse(
      question({
        options: [
          { id: "a1b2c3d4", text: "A", correct: true },
          { id: "<bad id>", text: "B" },
        ],
      }),
    );
    expect(r.options.map((o) => o.id)).toEqual(["a1b2c3d4", undefined]);
  });
});

describe("questionProblems (checked again on publish)", () => {
  const stored = {
    kind: "single",
    prompt: "Q?",
    options: [
      { id: "a", text: "A" },
      { id: "b", text: "B" },
    ],
    correct: ["a"],
  };

  it("finds nothing wrong with a valid stored question", () => {
    expect(questionProblems(stored)).toEqual([]);
  });

  it("finds correct ids that are not options, wrong counts and too few options", () => {
    expect(questionProblems({ ...stored, correct: ["z"] })).toContain("marks an option as correct that does not exist");
    expect(questionProblems({ ...stored, correct: ["a", "b"] }).length).toBeGreaterThan(0);
    expect(questionProblems({ ...stored, kind: "multiple", correct: [] }).length).toBeGreaterThan(0);
    expect(questionProblems({ ...stored, options: [{ id: "a", text: "A" }] }).length).toBeGreaterThan(0);
  });
});
