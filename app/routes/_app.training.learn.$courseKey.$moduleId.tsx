import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useState, type FormEvent } from "react";
import { formatDateTime } from "~/components/ui";
import { TrainingErrorBoundary } from "~/components/training-error-boundary";
import { markModuleRead, moduleView } from "~/modules/training/learning.server";
import { submitQuiz } from "~/modules/training/quiz.server";
import { DomainError, ValidationError, toHttpError } from "~/utils/errors.server";
import { renderMarkdown } from "~/utils/markdown.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.module.title ?? "Module"} · Training · Channel Partner Portal` },
];

/** The answer fields of the quiz form: `answer.<question id>`, one value per chosen option. */
const ANSWER_PREFIX = "answer.";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "training:take", context.ip);
  const view = await moduleView(ctx, params.courseKey ?? "", params.moduleId ?? "").catch(toHttpError);
  const { body, videoUrl, ...module } = view.module;
  return {
    ...view,
    module: {
      ...module,
      // Rendered by markdown.server: raw HTML in the source is escaped, links are checked.
      html: renderMarkdown(body),
      videoUrl: videoUrl && /^https?:\/\//i.test(videoUrl) ? videoUrl : null,
    },
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { ctx } = await requirePermission(request, "training:take", context.ip);
  const courseKey = params.courseKey ?? "";
  const moduleId = params.moduleId ?? "";
  const base = `/training/learn/${encodeURIComponent(courseKey)}`;
  const form = await request.formData();
  const intent = form.get("intent");
  try {
    if (intent === "mark-read") {
      const done = await markModuleRead(ctx, courseKey, moduleId);
      if (done.courseCompleted && done.certificationId) {
        return redirect(`/training/certificates/${done.certificationId}?earned=1`);
      }
      return redirect(done.nextModuleId ? `${base}/${done.nextModuleId}` : base);
    }
    if (intent === "submit-quiz") {
      const answers: Record<string, string[]> = {};
      for (const key of new Set(form.keys())) {
        if (key.startsWith(ANSWER_PREFIX)) answers[key.slice(ANSWER_PREFIX.length)] = form.getAll(key).map(String);
      }
      const attempt = form.get("attempt");
      const result = await submitQuiz(ctx, {
        courseKey,
        moduleId,
        answers,
        ...(typeof attempt === "string" && attempt ? { attempt } : {}),
      });
      return { result };
    }
    return data({ error: "Unknown action." }, { status: 400 });
  } catch (err) {
    if (err instanceof ValidationError) {
      return data({ error: err.message, fields: err.fields ?? {} }, { status: 400 });
    }
    if (err instanceof DomainError) return data({ error: err.message }, { status: err.status });
    throw err;
  }
}

export default function ModulePage() {
  const v = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const base = `/training/learn/${encodeURIComponent(v.course.key)}`;
  const result = actionData && "result" in actionData ? actionData.result : null;
  const error = actionData && "error" in actionData ? actionData.error : null;
  const fields: Record<string, string[]> =
    actionData && "fields" in actionData ? (actionData.fields as Record<string, string[]>) : {};
  return (
    <>
      <p>
        <Link to={base}>
          ← {v.course.title} (version {v.course.version})
        </Link>
      </p>
      <p className="muted" style={{ marginBottom: "0.25rem" }}>
        Module {v.module.position} of {v.moduleCount}
      </p>
      <h1>{v.module.title}</h1>
      {v.completed ? (
        <p className="notice" role="status">
          You completed this module.
        </p>
      ) : null}

      <article className="card">
        <div className="markdown" dangerouslySetInnerHTML={{ __html: v.module.html }} />
        {v.module.videoUrl ? (
          <p>
            <a href={v.module.videoUrl} target="_blank" rel="noopener noreferrer">
              Watch the video
            </a>
          </p>
        ) : null}
      </article>

      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}

      {v.quiz ? (
        <Quiz
          quiz={v.quiz}
          passPercent={v.module.passPercent}
          result={result}
          fields={fields}
          busy={busy}
          open={v.enrollmentOpen}
        />
      ) : v.enrollmentOpen && !v.completed ? (
        <Form method="post">
          <button type="submit" name="intent" value="mark-read" disabled={busy}>
            Mark as read
          </button>
        </Form>
      ) : null}

      <nav className="actions" aria-label="Modules" style={{ marginTop: "1.5rem" }}>
        {v.previous ? <Link to={`${base}/${v.previous.id}`}>← {v.previous.title}</Link> : null}
        {v.next && v.completed ? (
          <Link className="button" to={`${base}/${v.next.id}`}>
            Next: {v.next.title} →
          </Link>
        ) : null}
        {!v.next && v.completed ? <Link to={base}>Back to the course</Link> : null}
      </nav>
    </>
  );
}

type View = ReturnType<typeof useLoaderData<typeof loader>>;
type ActionResult = Extract<
  NonNullable<ReturnType<typeof useActionData<typeof action>>>,
  { result: unknown }
>["result"];

function Quiz({
  quiz,
  passPercent,
  result,
  fields,
  busy,
  open,
}: {
  quiz: NonNullable<View["quiz"]>;
  passPercent: number;
  result: ActionResult | null;
  fields: Record<string, string[]>;
  busy: boolean;
  open: boolean;
}) {
  const [missing, setMissing] = useState<string | null>(null);
  const formErrors = fields[""] ?? [];
  /** Radios are `required`; a multiple-choice question needs at least one box ticked too. */
  const checkAnswered = (event: FormEvent<HTMLFormElement>) => {
    const form = new FormData(event.currentTarget);
    const unanswered = quiz.questions.filter((q) => form.getAll(`${ANSWER_PREFIX}${q.id}`).length === 0);
    if (unanswered.length > 0) {
      event.preventDefault();
      setMissing(`Answer every question (${unanswered.length} still open).`);
    } else setMissing(null);
  };
  return (
    <section className="card quiz" aria-labelledby="quiz-title">
      <h2 id="quiz-title" style={{ marginTop: 0 }}>
        Quiz
      </h2>
      <p className="muted">
        {quiz.questionCount} question{quiz.questionCount === 1 ? "" : "s"} · pass mark {passPercent}%
      </p>
      {result ? (
        <p className={result.passed ? "notice" : "notice warn"} role="status">
          {result.passed
            ? `Passed with ${result.scorePercent}% (${result.right} of ${result.total} right).`
            : `Not passed: ${result.scorePercent}% (${result.right} of ${result.total} right); ${passPercent}% is needed.`}
          {result.courseCompleted && result.certificationId ? (
            <>
              {" "}
              You completed the course.{" "}
              <Link to={`/training/certificates/${result.certificationId}?earned=1`}>See your certificate</Link>.
            </>
          ) : null}
        </p>
      ) : null}
      {quiz.state.state === "passed" ? (
        <p>You passed this quiz.</p>
      ) : quiz.state.state === "locked" ? (
        <p className="notice warn" role="status">
          You used all attempts of this round. The quiz opens again at {formatDateTime(quiz.state.until)}.
        </p>
      ) : open ? (
        // A new attempt (possibly in a new order) starts with a blank form.
        <Form key={quiz.attempt} method="post" onSubmit={checkAnswered} className="quiz-form">
          <p>
            Attempt {quiz.state.attemptNumber}
            {quiz.state.round > 1 ? ` (round ${quiz.state.round})` : ""}: {quiz.state.attemptsLeft} attempt
            {quiz.state.attemptsLeft === 1 ? "" : "s"} left before a cool-down.
          </p>
          {formErrors.length ? (
            <p className="form-error" role="alert">
              {formErrors.join(" ")}
            </p>
          ) : null}
          {quiz.questions.map((q, i) => (
            <fieldset key={q.id} className="question">
              <legend>
                {i + 1}. {q.prompt}{" "}
                <span className="muted">({q.kind === "single" ? "choose one" : "choose all that apply"})</span>
              </legend>
              {q.options.map((o) => (
                <label key={o.id} className="option">
                  <input
                    type={q.kind === "single" ? "radio" : "checkbox"}
                    name={`${ANSWER_PREFIX}${q.id}`}
                    value={o.id}
                    required={q.kind === "single"}
                  />{" "}
                  {o.text}
                </label>
              ))}
              {fields[q.id]?.map((e) => (
                <p className="error" key={e}>
                  {e}
                </p>
              ))}
            </fieldset>
          ))}
          <input type="hidden" name="attempt" value={quiz.attempt ?? ""} />
          {missing ? (
            <p className="form-error" role="alert">
              {missing}
            </p>
          ) : null}
          <button type="submit" name="intent" value="submit-quiz" disabled={busy}>
            Submit answers
          </button>
        </Form>
      ) : null}
      {quiz.attempts.length > 0 ? (
        <>
          <h3>Your attempts</h3>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Round</th>
                  <th>Attempt</th>
                  <th>Score</th>
                  <th>Result</th>
                  <th>Submitted</th>
                </tr>
              </thead>
              <tbody>
                {quiz.attempts.map((a) => (
                  <tr key={`${a.round}.${a.attemptNumber}`}>
                    <td>{a.round}</td>
                    <td>{a.attemptNumber}</td>
                    <td>{a.scorePercent}%</td>
                    <td>
                      <span className={`badge ${a.passed ? "good" : "bad"}`}>{a.passed ? "Passed" : "Not passed"}</span>
                    </td>
                    <td>{formatDateTime(a.submittedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  );
}

export const ErrorBoundary = TrainingErrorBoundary;
