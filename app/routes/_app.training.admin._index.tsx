import { getFormProps, useForm } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { CourseMetaFields, statusTone } from "~/components/course-fields";
import { FormErrors } from "~/components/forms";
import { EmptyState, formatDate } from "~/components/ui";
import { createCourse, listCourses, prerequisiteOptions } from "~/modules/training/authoring.server";
import { audienceLabels, courseStatusLabels, createCourseSchema } from "~/modules/training/course-schemas";
import { replyWithError } from "~/utils/forms.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Courses · Training · Channel Partner Portal" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "training:author", context.ip);
  const courses = await listCourses(ctx);
  return { courses, prerequisiteOptions: await prerequisiteOptions(ctx.db) };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { ctx } = await requirePermission(request, "training:author", context.ip);
  const formData = await request.formData();
  const submission = parseWithZod(formData, { schema: createCourseSchema });
  if (submission.status !== "success") return data(submission.reply(), { status: 400 });
  try {
    const created = await createCourse(ctx, submission.value);
    return redirect(`/training/admin/${created.id}?created=1`);
  } catch (err) {
    return replyWithError(submission, err);
  }
}

export default function CourseList() {
  const { courses, prerequisiteOptions } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const [form, fields] = useForm({
    id: "new-course",
    lastResult,
    constraint: getZodConstraint(createCourseSchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: createCourseSchema }),
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    defaultValue: { audience: "technical", estimatedMinutes: "60", validityMonths: "24" },
  });
  return (
    <>
      <p>
        <Link to="/training">← Training</Link>
      </p>
      <h1>Courses</h1>
      <p className="muted">
        Each course has versions. Only a draft can be changed: editing a published course makes its next version as a
        draft, and publishing that draft replaces the published one for new enrollments. People already in a course
        finish the version they started.
      </p>
      {courses.length === 0 ? (
        <EmptyState title="No courses yet">Create the first one below.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Course</th>
                <th>Audience</th>
                <th>Latest version</th>
                <th>Modules</th>
                <th>Enrollments</th>
                <th>Certification</th>
                <th>Updated</th>
              </tr>
            </thead>
            <tbody>
              {courses.map((c) => (
                <tr key={c.key}>
                  <td>
                    <Link to={`/training/admin/${c.id}`}>{c.title}</Link>
                    <div className="muted" style={{ fontSize: "0.85rem" }}>
                      {c.key}
                    </div>
                  </td>
                  <td>{audienceLabels[c.audience]}</td>
                  <td style={{ whiteSpace: "nowrap" }}>
                    v{c.version} <span className={statusTone[c.status]}>{courseStatusLabels[c.status]}</span>
                    {c.published ? (
                      <div className="muted" style={{ fontSize: "0.85rem" }}>
                        <Link to={`/training/admin/${c.published.id}`}>v{c.published.version}</Link> is published
                      </div>
                    ) : null}
                  </td>
                  <td>{c.modules}</td>
                  <td>
                    {c.enrollments}
                    {c.openEnrollments ? <span className="muted"> ({c.openEnrollments} in progress)</span> : null}
                  </td>
                  <td>
                    {c.certificationName}
                    <div className="muted" style={{ fontSize: "0.85rem" }}>
                      valid {c.validityMonths} months
                    </div>
                  </td>
                  <td style={{ whiteSpace: "nowrap" }}>{formatDate(c.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <div className="card" style={{ marginTop: "1.5rem" }}>
        <h2 style={{ marginTop: 0 }}>New course</h2>
        <p className="muted">The course starts as a draft (version 1): add its modules and quizzes, then publish it.</p>
        <Form method="post" className="stack" style={{ maxWidth: 560 }} {...getFormProps(form)}>
          <FormErrors errors={form.errors} id={form.errorId} />
          <CourseMetaFields fields={fields} prerequisiteOptions={prerequisiteOptions} withKey />
          <button type="submit" disabled={busy}>
            Create the draft
          </button>
        </Form>
      </div>
    </>
  );
}
