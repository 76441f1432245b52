import { describe, expect, it } from "vitest";
import {
  addMonthsClamped,
  blockingModules,
  hasRecertificationPath,
  isCertificationValid,
  percentDown,
  quizState,
  renewalOpensAt,
  requiredModuleIds,
  resumeModule,
  scoreQuiz,
  seededShuffle,
  type AttemptRecord,
  type ScoredQuestion,
} from "~/modules/training/quiz";

const opts = (...ids: string[]) => ids.map((id) => ({ id, text: `Option ${id}` }));
const single = (id: string, correct: string): ScoredQuestion => ({
  id,
  kind: "single",
  options: opts("a", "b", "c"),
  correct: [correct],
});
const multiple = (id: string, correct: string[]): ScoredQuestion => ({
  id,
  kind: "multiple",
  options: opts("a", "b", "c", "d"),
  correct,
});

function score(questions: ScoredQuestion[], answers: Record<string, string[]>, pass = 80) {
  const r = scoreQuiz(questions, answers, pass);
  if (!r.ok) throw new Error(`unexpected field errors ${JSON.stringify(r.fieldErrors)}`);
  return r.score;
}

describe("scoreQuiz: single choice", () => {
  const qs = [single("q1", "b")];
  it("is right when the one chosen option is the correct one", () => {
    expect(score(qs, { q1: ["b"] })).toMatchObject({ right: 1, total: 1, scorePercent: 100, passed: true });
  });
  it("is wrong for another option, and when unanswered", () => {
    expect(score(qs, { q1: ["a"] })).toMatchObject({ right: 0, scorePercent: 0, passed: false });
    expect(score(qs, {})).toMatchObject({ right: 0, scorePercent: 0, passed: false });
    expect(score(qs, { q1: [] })).toMatchObject({ right: 0 });
  });
  it("refuses more than one option for a single-choice question", () => {
    expect(scoreQuiz(qs, { q1: ["a", "b"] }, 80)).toEqual({
      ok: false,
      fieldErrors: { q1: ["Choose only one answer."] },
    });
  });
  it("counts the same option sent twice once", () => {
    expect(score(qs, { q1: ["b", "b"] })).toMatchObject({ right: 1, answers: { q1: ["b"] } });
  });
});

describe("scoreQuiz: multiple choice needs exactly the correct set", () => {
  const qs = [multiple("m", ["a", "c"])];
  it("is right for the exact set, in any order", () => {
    expect(score(qs, { m: ["a", "c"] }).right).toBe(1);
    expect(score(qs, { m: ["c", "a"] }).right).toBe(1);
  });
  it("is wrong for a subset, a superset or another set", () => {
    expect(score(qs, { m: ["a"] }).right).toBe(0);
    expect(score(qs, { m: ["a", "b", "c"] }).right).toBe(0);
    expect(score(qs, { m: ["b", "d"] }).right).toBe(0);
    expect(score(qs, { m: [] }).right).toBe(0);
  });
});

describe("scoreQuiz: bad input is refused, not scored", () => {
  const qs = [single("q1", "a"), multiple("q2", ["b"])];
  it("refuses an answer for a question that is not in the quiz", () => {
    const r = scoreQuiz(qs, { q1: ["a"], elsewhere: ["a"] }, 50);
    expect(r).toEqual({
      ok: false,
      fieldErrors: { "": ["An answer was sent for a question that is not in this quiz."] },
    });
  });
  it("refuses an option id that is not an option of its question", () => {
    const r = scoreQuiz(qs, { q1: ["a"], q2: ["b", "zz"] }, 50);
    expect(r).toEqual({ ok: false, fieldErrors: { q2: ["That answer is not one of this question's options."] } });
  });
  it("refuses an option of another question", () => {
    const other: ScoredQuestion = { id: "q3", kind: "single", options: opts("x", "y"), correct: ["x"] };
    const r = scoreQuiz([...qs, other], { q1: ["x"] }, 50);
    expect(r.ok).toBe(false);
  });
});

describe("scores round down to a whole percent; the pass mark is inclusive", () => {
  it("rounds down", () => {
    const three = [single("1", "a"), single("2", "a"), single("3", "a")];
    expect(score(three, { "1": ["a"], "2": ["a"] }).scorePercent).toBe(66); // 66.67
    expect(score(three, { "1": ["a"] }).scorePercent).toBe(33); // 33.33
    const seven = Array.from({ length: 7 }, (_, i) => single(`s${i}`, "a"));
    const sixRight = Object.fromEntries(seven.slice(0, 6).map((q) => [q.id, ["a"]]));
    expect(score(seven, sixRight).scorePercent).toBe(85); // 85.71
    expect(percentDown(29, 100)).toBe(29);
    expect(percentDown(57, 100)).toBe(57); // 0.57 * 100 = 56.99999… in floating point
    expect(percentDown(1, 3)).toBe(33);
  });
  it("passes at exactly the pass mark and fails one point below", () => {
    const five = Array.from({ length: 5 }, (_, i) => single(`p${i}`, "a"));
    const four = Object.fromEntries(five.slice(0, 4).map((q) => [q.id, ["a"]]));
    expect(score(five, four, 80)).toMatchObject({ scorePercent: 80, passed: true });
    expect(score(five, four, 81)).toMatchObject({ scorePercent: 80, passed: false });
    const three = [single("1", "a"), single("2", "a"), single("3", "a")];
    // 2 of 3 is 66.67%, rounded down to 66: a 67% pass mark is not reached.
    expect(score(three, { "1": ["a"], "2": ["a"] }, 67).passed).toBe(false);
    expect(score(three, { "1": ["a"], "2": ["a"] }, 66).passed).toBe(true);
  });
});

describe("quizState: attempts per round and the cool-down", () => {
  const rules = { attemptsAllowed: 3, cooldownMinutes: 60 };
  const t0 = new Date("2030-05-01T10:00:00Z");
  const min = (m: number) => new Date(t0.getTime() + m * 60_000);
  const fail = (round: number, attemptNumber: number, at: Date): AttemptRecord => ({
    round,
    attemptNumber,
    passed: false,
    submittedAt: at,
  });

  it("opens with attempt 1 of round 1", () => {
    expect(quizState([], rules, t0)).toEqual({ state: "open", round: 1, attemptNumber: 1, attemptsLeft: 3 });
  });
  it("counts attempts within the round", () => {
    const h = [fail(1, 1, min(0)), fail(1, 2, min(1))];
    expect(quizState(h, rules, min(2))).toEqual({ state: "open", round: 1, attemptNumber: 3, attemptsLeft: 1 });
  });
  it("locks for the cool-down from the last failed attempt of the round", () => {
    const h = [fail(1, 1, min(0)), fail(1, 2, min(1)), fail(1, 3, min(5))];
    expect(quizState(h, rules, min(6))).toEqual({ state: "locked", round: 1, until: min(65) });
    expect(quizState(h, rules, new Date(min(65).getTime() - 1)).state).toBe("locked");
  });
  it("starts a new round when the cool-down is over", () => {
    const h = [fail(1, 1, min(0)), fail(1, 2, min(1)), fail(1, 3, min(5))];
    expect(quizState(h, rules, min(65))).toEqual({ state: "open", round: 2, attemptNumber: 1, attemptsLeft: 3 });
    const h2 = [...h, fail(2, 1, min(70))];
    expect(quizState(h2, rules, min(71))).toEqual({ state: "open", round: 2, attemptNumber: 2, attemptsLeft: 2 });
    const h3 = [...h2, fail(2, 2, min(72)), fail(2, 3, min(73))];
    expect(quizState(h3, rules, min(74))).toEqual({ state: "locked", round: 2, until: min(133) });
  });
  it("is passed once any attempt passed", () => {
    const h = [fail(1, 1, min(0)), { round: 1, attemptNumber: 2, passed: true, submittedAt: min(1) }];
    expect(quizState(h, rules, min(2))).toEqual({ state: "passed" });
  });
  it("with a single attempt allowed, locks right after one failure", () => {
    expect(quizState([fail(1, 1, min(0))], { attemptsAllowed: 1, cooldownMinutes: 1440 }, min(1))).toEqual({
      state: "locked",
      round: 1,
      until: min(1440),
    });
  });
});

describe("addMonthsClamped: calendar months, day clamped to the month's end", () => {
  const d = (s: string) => new Date(s);
  it("adds calendar months and keeps the time of day", () => {
    expect(addMonthsClamped(d("2030-03-15T09:30:00Z"), 24)).toEqual(d("2032-03-15T09:30:00Z"));
    expect(addMonthsClamped(d("2030-11-20T00:00:00Z"), 3)).toEqual(d("2031-02-20T00:00:00Z"));
  });
  it("clamps Jan 31 + 1 month to Feb 28, or Feb 29 in a leap year", () => {
    expect(addMonthsClamped(d("2031-01-31T12:00:00Z"), 1)).toEqual(d("2031-02-28T12:00:00Z"));
    expect(addMonthsClamped(d("2032-01-31T12:00:00Z"), 1)).toEqual(d("2032-02-29T12:00:00Z"));
    expect(addMonthsClamped(d("2030-08-31T12:00:00Z"), 1)).toEqual(d("2030-09-30T12:00:00Z"));
  });
  it("clamps Feb 29 + 12 months to Feb 28", () => {
    expect(addMonthsClamped(d("2032-02-29T08:00:00Z"), 12)).toEqual(d("2033-02-28T08:00:00Z"));
    expect(addMonthsClamped(d("2032-02-29T08:00:00Z"), 48)).toEqual(d("2036-02-29T08:00:00Z"));
  });
  it("crosses year ends", () => {
    expect(addMonthsClamped(d("2030-12-31T23:59:59Z"), 2)).toEqual(d("2031-02-28T23:59:59Z"));
    expect(addMonthsClamped(d("2030-10-31T00:00:00Z"), 120)).toEqual(d("2040-10-31T00:00:00Z"));
  });
  it("renewal opens 90 days before expiry; validity ends at the expiry instant", () => {
    const exp = d("2031-06-30T12:00:00Z");
    expect(renewalOpensAt(exp)).toEqual(d("2031-04-01T12:00:00Z"));
    expect(isCertificationValid({ status: "active", expiresAt: exp }, d("2031-06-30T11:59:59Z"))).toBe(true);
    expect(isCertificationValid({ status: "active", expiresAt: exp }, exp)).toBe(false);
    expect(isCertificationValid({ status: "expired", expiresAt: exp }, d("2031-01-01T00:00:00Z"))).toBe(false);
  });
});

describe("modules in order", () => {
  const mods = [
    { id: "m1", position: 1, inRecertification: false },
    { id: "m2", position: 2, inRecertification: true },
    { id: "m3", position: 3, inRecertification: false },
    { id: "m4", position: 4, inRecertification: true },
  ];
  it("requires every module initially, only the flagged ones on recertification", () => {
    expect([...requiredModuleIds(mods, "initial")]).toEqual(["m1", "m2", "m3", "m4"]);
    expect([...requiredModuleIds(mods, "recertification")]).toEqual(["m2", "m4"]);
    expect(hasRecertificationPath(mods)).toBe(true);
    expect(hasRecertificationPath(mods.map((m) => ({ ...m, inRecertification: true })))).toBe(false);
  });
  it("opens a module only when the required modules before it are done", () => {
    const all = requiredModuleIds(mods, "initial");
    expect(blockingModules(mods, all, new Set(), "m1")).toEqual([]);
    expect(blockingModules(mods, all, new Set(), "m3").map((m) => m.id)).toEqual(["m1", "m2"]);
    expect(blockingModules(mods, all, new Set(["m1", "m2"]), "m3")).toEqual([]);
    const recert = requiredModuleIds(mods, "recertification");
    expect(blockingModules(mods, recert, new Set(), "m2")).toEqual([]);
    expect(blockingModules(mods, recert, new Set(), "m4").map((m) => m.id)).toEqual(["m2"]);
  });
  it("resumes at the first required module not done", () => {
    const all = requiredModuleIds(mods, "initial");
    expect(resumeModule(mods, all, new Set(["m1"]))?.id).toBe("m2");
    expect(resumeModule(mods, requiredModuleIds(mods, "recertification"), new Set(["m2"]))?.id).toBe("m4");
    expect(resumeModule(mods, all, new Set(["m1", "m2", "m3", "m4"]))).toBeNull();
  });
});

describe("seededShuffle", () => {
  const items = Array.from({ length: 12 }, (_, i) => i);
  it("is a permutation, the same for the same seed", () => {
    const a = seededShuffle(items, "enrollment:module:1.1");
    expect([...a].sort((x, y) => x - y)).toEqual(items);
    expect(seededShuffle(items, "enrollment:module:1.1")).toEqual(a);
    expect(items).toEqual(Array.from({ length: 12 }, (_, i) => i)); // the input is not changed
  });
  it("differs between attempts", () => {
    expect(seededShuffle(items, "e:m:1.1")).not.toEqual(seededShuffle(items, "e:m:1.2"));
  });
});
