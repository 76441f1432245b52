import { asc, eq } from "drizzle-orm";
import { z } from "zod";
import { quizAttempts, quizQuestions } from "~db/schema";
import { nowOf, type Ctx } from "~/modules/auth/actor";
import { isUniqueViolation } from "~/utils/db-errors.server";
import { ConflictError, RuleError, ValidationError } from "~/utils/errors.server";
import { fieldErrorsOf } from "~/utils/field-errors";
import { attemptHistory, completeModuleInTx, learnerOf, loadModuleForQuiz } from "./learning.server";
import { attemptToken, quizState, scoreQuiz, type QuizState } from "./quiz";

const submitQuizSchema = z.object({
  courseKey: z.string().min(1).max(200),
  moduleId: z.string().min(1).max(100),
  /** question id → chosen option ids */
  answers: z.record(z.string().max(100), z.array(z.string().max(100)).max(50)),
  /** The attempt the form was shown for ("round.attempt"); a stale one means it was already submitted. */
  attempt: z
    .string()
    .regex(/^\d{1,6}\.\d{1,6}$/, "Reload the page and try again.")
    .optional(),
});
export type SubmitQuizInput = z.input<typeof submitQuizSchema>;

export interface QuizResult {
  passed: boolean;
  scorePercent: number;
  right: number;
  total: number;
  passPercent: number;
  round: number;
  attemptNumber: number;
  /** Where the learner stands after this attempt (open with attempts left, locked until, passed). */
  state: QuizState;
  courseCompleted: boolean;
  certificationId: string | null;
}

const ALREADY_SUBMITTED = "This attempt was already submitted. Reload the page to see its result.";

/**
 * Scores a quiz attempt on the server and records it. The answer key never
 * leaves the server; bad answers (a question not in the quiz, an option not
 * of its question) are refused with nothing recorded. Attempts are limited
 * per round, with a cool-down after a round's last failed attempt. Two
 * submissions of the same attempt at once: the unique (enrollment, module,
 * round, attempt) index lets one win, the other is a ConflictError. A pass
 * completes the module (and the course, granting its certification, when it
 * was the last required module) in the same transaction.
 */
export async function submitQuiz(ctx: Ctx, raw: unknown): Promise<QuizResult> {
  const parsed = submitQuizSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const input = parsed.data;
  learnerOf(ctx.actor);
  const now = nowOf(ctx);
  try {
    return await ctx.db.transaction(async (tx) => {
      const m = await loadModuleForQuiz(tx, ctx.actor, input.courseKey, input.moduleId);
      const { enrollment, module, learner } = m;
      const questions = await tx
        .select({
          id: quizQuestions.id,
          kind: quizQuestions.kind,
          options: quizQuestions.options,
          correct: quizQuestions.correct,
        })
        .from(quizQuestions)
        .where(eq(quizQuestions.moduleId, module.id))
        .orderBy(asc(quizQuestions.position));
      if (questions.length === 0) throw new RuleError("This module has no quiz: mark it as read instead.");
      const history = await attemptHistory(tx, learner.scope, enrollment.id, module.id);
      if (input.attempt && history.some((a) => attemptToken(a.round, a.attemptNumber) === input.attempt)) {
        throw new ConflictError(ALREADY_SUBMITTED);
      }
      if (enrollment.completedAt || m.completed.has(module.id) || history.some((a) => a.passed)) {
        throw new RuleError("You already passed this quiz.");
      }
      const state = quizState(history, module, now);
      if (state.state === "locked") {
        throw new RuleError(
          `You used all ${module.attemptsAllowed} attempts. You can try again from ${state.until.toISOString().slice(0, 16).replace("T", " ")} UTC.`,
        );
      }
      if (state.state !== "open") throw new RuleError("You already passed this quiz.");
      if (input.attempt && input.attempt !== attemptToken(state.round, state.attemptNumber)) {
        throw new ConflictError(ALREADY_SUBMITTED);
      }
      const scored = scoreQuiz(questions, input.answers, module.passPercent);
      if (!scored.ok) throw new ValidationError(scored.fieldErrors, "Some answers are not valid for this quiz.");
      const { score } = scored;
      await tx.insert(quizAttempts).values({
        enrollmentId: enrollment.id,
        moduleId: module.id,
        partnerId: enrollment.partnerId,
        userId: learner.userId,
        attemptNumber: state.attemptNumber,
        round: state.round,
        answers: score.answers,
        scorePercent: score.scorePercent,
        passed: score.passed,
        submittedAt: now,
      });
      const completion = score.passed
        ? await completeModuleInTx(tx, enrollment, module.id, now, ctx.actor)
        : { courseCompleted: false, certificationId: null };
      const after = quizState(
        [
          ...history,
          { round: state.round, attemptNumber: state.attemptNumber, passed: score.passed, submittedAt: now },
        ],
        module,
        now,
      );
      return {
        passed: score.passed,
        scorePercent: score.scorePercent,
        right: score.right,
        total: score.total,
        passPercent: module.passPercent,
        round: state.round,
        attemptNumber: state.attemptNumber,
        state: after,
        courseCompleted: completion.courseCompleted,
        certificationId: completion.certificationId,
      };
    });
  } catch (err) {
    if (isUniqueViolation(err, "quiz_attempts_number_idx")) throw new ConflictError(ALREADY_SUBMITTED);
    throw err;
  }
}
