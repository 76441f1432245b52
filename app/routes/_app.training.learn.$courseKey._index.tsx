import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { formatDate } from "~/components/ui";
import { TrainingErrorBoundary } from "~/components/training-error-boundary";
import { audienceLabels } from "~/modules/training/course-schemas";
import { courseOverview, enroll } from "~/modules/training/learning.server";
import { DomainError, toHttpError } from "~/utils/errors.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.course.title ?? "Course"} · Training · Channel Partner Portal` },
];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "training:take", context.ip);
  return courseOverview(ctx, params.courseKey ?? "").catch(toHttpError);
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { ctx } = await requirePermission(request, "training:take", context.ip);
  const form = await request.formData();
  const key = params.courseKey ?? "";
  if (form.get("intent") !== "enroll") return data({ error: "Unknown action." }, { status: 400 });
  try {
    await enroll(ctx, key);
  } catch (err) {
    if (err instanceof DomainError) return data({ error: err.message }, { status: err.status });
    throw err;
  }
  return redirect(`/training/learn/${encodeURIComponent(key)}`);
}

export default function CourseOverviewPage() {
  const o = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const base = `/training/learn/${encodeURIComponent(o.course.key)}`;
  const percent = o.progress.total ? Math.floor((o.progress.done * 100) / o.progress.total) : 0;
  return (
    <>
      <p>
        <Link to="/training">← All courses</Link>
      </p>
      <h1>{o.course.title}</h1>
      <p className="muted">
        {audienceLabels[o.course.audience]} · about {o.course.estimatedMinutes} min · version {o.course.version} ·
        grants <strong>{o.course.certificationName}</strong>, valid {o.course.validityMonths} months
      </p>
      <p>{o.course.summary}</p>
      {o.course.prerequisites.length > 0 ? (
        <p>
          Requires a current certification from:{" "}
          {o.course.prerequisites.map((p, i) => (
            <span key={p.key}>
              {i > 0 ? ", " : ""}
              <Link to={`/training/learn/${encodeURIComponent(p.key)}`}>{p.title}</Link>
            </span>
          ))}
        </p>
      ) : null}
      {actionData?.error ? (
        <p className="form-error" role="alert">
          {actionData.error}
        </p>
      ) : null}
      {o.newerVersion ? (
        <p className="notice warn" role="status">
          Version {o.newerVersion} of this course has been published. You continue on version {o.course.version}, the
          one you started.
        </p>
      ) : null}

      {o.certification ? (
        <div className="card">
          <strong>{o.certification.name}</strong>{" "}
          <span className={`badge ${o.certification.valid ? "good" : "bad"}`}>
            {o.certification.valid
              ? `Valid until ${formatDate(o.certification.expiresAt)}`
              : `Expired ${formatDate(o.certification.expiresAt)}`}
          </span>{" "}
          <Link to={`/training/certificates/${o.certification.id}`}>See the certificate</Link>
        </div>
      ) : null}

      <EnrollPanel option={o.option} busy={busy} />

      {o.enrollment?.open ? (
        <div className="card">
          <div className="progress" aria-label={`Progress: ${o.progress.done} of ${o.progress.total} modules`}>
            <div className="progress-bar" style={{ width: `${percent}%` }} />
          </div>
          <p className="muted" style={{ margin: "0.4rem 0 0.75rem" }}>
            {o.progress.done} of {o.progress.total} modules completed
            {o.enrollment.kind === "recertification" ? " (recertification: only the modules marked required)" : ""}
          </p>
          {o.resume ? (
            <Link className="button" to={`${base}/${o.resume.id}`}>
              {o.progress.done === 0 ? "Start with" : "Continue with"} {o.resume.title}
            </Link>
          ) : null}
        </div>
      ) : null}

      <h2>Modules</h2>
      <ol className="module-list">
        {o.modules.map((m) => (
          <li key={m.id}>
            {m.canOpen ? <Link to={`${base}/${m.id}`}>{m.title}</Link> : <span>{m.title}</span>}{" "}
            {m.hasQuiz ? <span className="badge">Quiz</span> : null}{" "}
            {!m.required ? <span className="badge silver">Optional for renewal</span> : null}{" "}
            {m.completed ? (
              <span className="badge good">Completed</span>
            ) : o.enrollment && !m.canOpen ? (
              <span className="muted">(opens after the previous modules)</span>
            ) : null}
          </li>
        ))}
      </ol>
    </>
  );
}

function EnrollPanel({
  option,
  busy,
}: {
  option: ReturnType<typeof useLoaderData<typeof loader>>["option"];
  busy: boolean;
}) {
  if (option.state === "enrolled") return null;
  if (option.state === "unavailable") return <p className="muted">{option.reason}</p>;
  if (option.state === "blocked") {
    return (
      <p className="notice warn" role="status">
        Before enrolling you need a current certification from: {option.missing.map((m) => m.title).join(", ")}.
      </p>
    );
  }
  if (option.state === "certified") {
    return (
      <p className="muted">
        You are certified until {formatDate(option.until)}. Renewal opens on {formatDate(option.renewFrom)}.
      </p>
    );
  }
  return (
    <Form method="post" className="card">
      <p style={{ marginTop: 0 }}>
        {option.renewal
          ? option.kind === "recertification"
            ? "Renew your certification on the shorter recertification path of the current version."
            : "Renew your certification by taking the current version of the course again."
          : "Enroll to start the course. Modules open in order; your progress is saved as you go."}
      </p>
      <button type="submit" name="intent" value="enroll" disabled={busy}>
        {option.renewal ? "Enroll to renew" : "Enroll"}
      </button>
    </Form>
  );
}

export const ErrorBoundary = TrainingErrorBoundary;
