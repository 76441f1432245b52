/**
 * The pure rules of learning: quiz scoring, attempts and cool-downs, the
 * order modules open in, deterministic shuffling and certification expiry
 * dates. No database, no clock: callers pass what they read and `now`.
 */

export type QuestionKind = "single" | "multiple";

/** A question with its answer key, as stored (server side only). */
export interface ScoredQuestion {
  id: string;
  kind: QuestionKind;
  options: { id: string; text: string }[];
  correct: string[];
}

/** What the learner sent: question id → chosen option ids. */
export type Answers = Record<string, string[]>;

export interface QuizScore {
  right: number;
  total: number;
  /** right / total as a whole percent, rounded down. */
  scorePercent: number;
  passed: boolean;
  /** The answers as recorded: only known questions, each option once, in the order sent. */
  answers: Answers;
}

export type ScoreResult = { ok: true; score: QuizScore } | { ok: false; fieldErrors: Record<string, string[]> };

/** Whole percent, rounded down, without floating-point surprises (e.g. 29/100 stays 29). */
export function percentDown(right: number, total: number): number {
  if (total <= 0) return 0;
  return Math.floor((right * 100) / total);
}

/**
 * Scores a submission. Answers for a question that is not in the quiz, option
 * ids that are not options of their question, or more than one option for a
 * single-choice question are refused (fieldErrors keyed by question id, "" for
 * the form). A question left unanswered counts as wrong.
 *
 * A single-choice question is right when its one chosen option is the correct
 * one; a multiple-choice question when the chosen set equals the correct set.
 */
export function scoreQuiz(questions: ScoredQuestion[], answers: Answers, passPercent: number): ScoreResult {
  const byId = new Map(questions.map((q) => [q.id, q]));
  const fieldErrors: Record<string, string[]> = {};
  const recorded: Answers = {};
  for (const [questionId, chosen] of Object.entries(answers)) {
    const q = byId.get(questionId);
    if (!q) {
      (fieldErrors[""] ??= []).push("An answer was sent for a question that is not in this quiz.");
      continue;
    }
    const optionIds = new Set(q.options.map((o) => o.id));
    const unique = [...new Set(chosen)];
    const unknown = unique.filter((id) => !optionIds.has(id));
    if (unknown.length > 0) {
      fieldErrors[questionId] = ["That answer is not one of this question's options."];
      continue;
    }
    if (q.kind === "single" && unique.length > 1) {
      fieldErrors[questionId] = ["Choose only one answer."];
      continue;
    }
    recorded[questionId] = unique;
  }
  if (Object.keys(fieldErrors).length > 0) {
    if (fieldErrors[""]) fieldErrors[""] = [...new Set(fieldErrors[""])];
    return { ok: false, fieldErrors };
  }
  let right = 0;
  for (const q of questions) {
    if (isRight(q, recorded[q.id] ?? [])) right++;
  }
  const total = questions.length;
  const scorePercent = percentDown(right, total);
  return { ok: true, score: { right, total, scorePercent, passed: scorePercent >= passPercent, answers: recorded } };
}

function isRight(q: ScoredQuestion, chosen: string[]): boolean {
  const correct = new Set(q.correct);
  if (q.kind === "single") return chosen.length === 1 && correct.size === 1 && correct.has(chosen[0]!);
  return chosen.length === correct.size && chosen.every((id) => correct.has(id));
}

// ---------------------------------------------------------------------------
// Attempts and cool-downs

export interface AttemptRecord {
  round: number;
  attemptNumber: number;
  passed: boolean;
  submittedAt: Date;
}

export interface AttemptRules {
  attemptsAllowed: number;
  cooldownMinutes: number;
}

export type QuizState =
  | { state: "passed" }
  /** The next attempt to record is (round, attemptNumber); attemptsLeft includes it. */
  | { state: "open"; round: number; attemptNumber: number; attemptsLeft: number }
  /** Every attempt of `round` failed: no new attempt before `until` (then round + 1 starts). */
  | { state: "locked"; round: number; until: Date };

/**
 * Where a learner stands with a quiz, from the attempts recorded so far:
 * `attemptsAllowed` attempts per round; after the last failed attempt of a
 * round the quiz is locked for `cooldownMinutes` from that attempt; after the
 * cool-down a new round starts.
 */
export function quizState(history: AttemptRecord[], rules: AttemptRules, now: Date): QuizState {
  if (history.some((a) => a.passed)) return { state: "passed" };
  const allowed = Math.max(1, rules.attemptsAllowed);
  if (history.length === 0) return { state: "open", round: 1, attemptNumber: 1, attemptsLeft: allowed };
  const round = Math.max(...history.map((a) => a.round));
  const inRound = history.filter((a) => a.round === round);
  const used = Math.max(...inRound.map((a) => a.attemptNumber));
  if (used < allowed) return { state: "open", round, attemptNumber: used + 1, attemptsLeft: allowed - used };
  const last = Math.max(...inRound.map((a) => a.submittedAt.getTime()));
  const until = new Date(last + rules.cooldownMinutes * 60_000);
  if (now.getTime() < until.getTime()) return { state: "locked", round, until };
  return { state: "open", round: round + 1, attemptNumber: 1, attemptsLeft: allowed };
}

/** The attempt token a quiz form carries ("round.attempt"), so that a repeated submission is recognised. */
export function attemptToken(round: number, attemptNumber: number): string {
  return `${round}.${attemptNumber}`;
}

// ---------------------------------------------------------------------------
// Modules in order

export interface ModuleStep {
  id: string;
  position: number;
  inRecertification: boolean;
}

/**
 * The modules an enrollment must complete: all of them, or on a
 * recertification enrollment only those flagged for recertification.
 */
export function requiredModuleIds(modules: ModuleStep[], kind: "initial" | "recertification"): Set<string> {
  return new Set(modules.filter((m) => kind === "initial" || m.inRecertification).map((m) => m.id));
}

/** A shorter recertification path exists when some module is left out of it. */
export function hasRecertificationPath(modules: Pick<ModuleStep, "inRecertification">[]): boolean {
  return modules.length > 0 && modules.some((m) => !m.inRecertification);
}

/**
 * The required modules before `moduleId` (by position) that are not completed
 * yet: the module opens only when this is empty.
 */
export function blockingModules<T extends ModuleStep>(
  modules: T[],
  required: Set<string>,
  completed: Set<string>,
  moduleId: string,
): T[] {
  const target = modules.find((m) => m.id === moduleId);
  if (!target) return [];
  return [...modules]
    .sort((a, b) => a.position - b.position)
    .filter((m) => m.position < target.position && required.has(m.id) && !completed.has(m.id));
}

/** Where to resume: the first required module (by position) not completed yet, or null when all are. */
export function resumeModule<T extends ModuleStep>(
  modules: T[],
  required: Set<string>,
  completed: Set<string>,
): T | null {
  return (
    [...modules].sort((a, b) => a.position - b.position).find((m) => required.has(m.id) && !completed.has(m.id)) ?? null
  );
}

// ---------------------------------------------------------------------------
// Deterministic shuffle

/** A 32-bit FNV-1a hash of a string: the seed of a shuffle. */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a small, good-enough PRNG for ordering questions. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Fisher–Yates shuffle that is the same for the same seed (e.g. per attempt), so a reload keeps the order. */
export function seededShuffle<T>(items: readonly T[], seed: string): T[] {
  const out = [...items];
  const next = prng(hash32(seed));
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

// ---------------------------------------------------------------------------
// Expiry dates

/**
 * `date` plus `months` calendar months (UTC), the day clamped to the end of
 * the target month: Jan 31 + 1 month = Feb 28 (Feb 29 in a leap year). The
 * time of day is kept.
 */
export function addMonthsClamped(date: Date, months: number): Date {
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth() + months;
  const targetYear = y + Math.floor(m / 12);
  const targetMonth = ((m % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  const day = Math.min(date.getUTCDate(), lastDay);
  return new Date(
    Date.UTC(
      targetYear,
      targetMonth,
      day,
      date.getUTCHours(),
      date.getUTCMinutes(),
      date.getUTCSeconds(),
      date.getUTCMilliseconds(),
    ),
  );
}

/** How long before expiry a certified person may enroll again to renew. */
export const RENEWAL_WINDOW_DAYS = 90;

/** Valid now: active and not past its expiry. */
export function isCertificationValid(cert: { status: string; expiresAt: Date }, now: Date): boolean {
  return cert.status === "active" && cert.expiresAt.getTime() > now.getTime();
}

/** When renewal opens for a certification expiring at `expiresAt`. */
export function renewalOpensAt(expiresAt: Date): Date {
  return new Date(expiresAt.getTime() - RENEWAL_WINDOW_DAYS * 86_400_000);
}

// ---------------------------------------------------------------------------
// A learner's status in a course (catalog filter and badges; shared with the browser)

export const learnerStatuses = ["not_started", "in_progress", "certified", "expired"] as const;
export type LearnerStatus = (typeof learnerStatuses)[number];
export const learnerStatusLabels: Record<LearnerStatus, string> = {
  not_started: "Not started",
  in_progress: "In progress",
  certified: "Certified",
  expired: "Expired",
};
