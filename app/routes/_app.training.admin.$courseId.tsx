import {
  getFormProps,
  getInputProps,
  getTextareaProps,
  useForm,
  type DefaultValue,
  type SubmissionResult,
} from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import type { ReactNode } from "react";
import type { z } from "zod";
import { CourseMetaFields, NumberField, statusTone } from "~/components/course-fields";
import { Checkbox, ErrorList, Field, FormErrors, SelectField } from "~/components/forms";
import { ConfirmButton, formatDate, formatDateTime } from "~/components/ui";
import {
  addModule,
  addQuestion,
  createNextVersion,
  deleteModule,
  deleteQuestion,
  getCourseForEdit,
  moveModule,
  publishCourse,
  retireCourse,
  updateCourse,
  updateModule,
  updateQuestion,
  updateQuizSettings,
} from "~/modules/training/authoring.server";
import {
  ATTEMPTS_DEFAULT,
  ATTEMPTS_MAX,
  COOLDOWN_DEFAULT,
  COOLDOWN_MAX,
  MODULE_BODY_MAX,
  OPTIONS_MAX,
  OPTIONS_MIN,
  PASS_PERCENT_DEFAULT,
  audienceLabels,
  courseMetaSchema,
  courseStatusLabels,
  moduleSchema,
  questionKindLabels,
  questionKinds,
  questionSchema,
  quizSettingsSchema,
  type CourseStatus,
} from "~/modules/training/course-schemas";
import type { Ctx } from "~/modules/auth/actor";
import { DomainError, ValidationError, toHttpError } from "~/utils/errors.server";
import { renderMarkdown } from "~/utils/markdown.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  {
    title: `${data?.course.title ?? "Course"} v${data?.course.version ?? ""} · Courses · Channel Partner Portal`,
  },
];

const flashes: Record<string, string> = {
  created: "The course is created as a draft. Add its modules and quizzes, then publish it.",
  version: "This is a new draft version: a copy of the previous one. Change it, then publish it.",
};

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "training:author", context.ip);
  const detail = await getCourseForEdit(ctx, params.courseId ?? "").catch(toHttpError);
  const search = new URL(request.url).searchParams;
  const flash = [...search.keys()].map((k) => flashes[k]).find(Boolean) ?? null;
  return {
    ...detail,
    // Rendered by markdown.server: raw HTML in the source is escaped, links are checked.
    modules: detail.modules.map((m) => ({ ...m, html: renderMarkdown(m.body) })),
    flash,
  };
}

type FormRun = (ctx: Ctx, courseId: string, id: string, value: unknown) => Promise<unknown>;
/** The forms on the page; each form's id is its intent plus the row it changes. */
const forms: Record<string, { schema: z.ZodTypeAny; run: FormRun; done: string; reset?: boolean }> = {
  meta: { schema: courseMetaSchema, run: (ctx, courseId, _id, v) => updateCourse(ctx, courseId, v), done: "Saved." },
  "add-module": {
    schema: moduleSchema,
    run: (ctx, courseId, _id, v) => addModule(ctx, courseId, v),
    done: "Module added.",
    reset: true,
  },
  module: { schema: moduleSchema, run: (ctx, _c, id, v) => updateModule(ctx, id, v), done: "Module saved." },
  quiz: {
    schema: quizSettingsSchema,
    run: (ctx, _c, id, v) => updateQuizSettings(ctx, id, v),
    done: "Quiz settings saved.",
  },
  "add-question": {
    schema: questionSchema,
    run: (ctx, _c, id, v) => addQuestion(ctx, id, v),
    done: "Question added.",
    reset: true,
  },
  question: { schema: questionSchema, run: (ctx, _c, id, v) => updateQuestion(ctx, id, v), done: "Question saved." },
};

interface ActionResult {
  formId: string | null;
  result?: SubmissionResult<string[]>;
  notice?: string;
  error?: string;
}

function formIdOf(intent: string, id: string) {
  return id ? `${intent}-${id}` : intent;
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { ctx } = await requirePermission(request, "training:author", context.ip);
  const courseId = params.courseId ?? "";
  const formData = await request.formData();
  const intent = String(formData.get("intent") ?? "");
  const id = String(formData.get("id") ?? "");
  const form = forms[intent];
  if (form) {
    const formId = formIdOf(intent, id);
    const submission = parseWithZod(formData, { schema: form.schema });
    // Field errors, or a list change (add/remove an option) sent without JavaScript.
    if (submission.status !== "success") {
      return data<ActionResult>({ formId, result: submission.reply() }, { status: submission.status ? 400 : 200 });
    }
    try {
      await form.run(ctx, courseId, id, submission.value);
    } catch (err) {
      if (err instanceof ValidationError) {
        return data<ActionResult>(
          { formId, result: submission.reply({ fieldErrors: err.fields ?? {} }) },
          { status: 400 },
        );
      }
      if (err instanceof DomainError) {
        if (err.status === 404) throw new Response(err.message, { status: 404 });
        return data<ActionResult>({ formId, error: err.message }, { status: err.status });
      }
      throw err;
    }
    return data<ActionResult>({
      formId,
      notice: form.done,
      result: form.reset ? submission.reply({ resetForm: true }) : submission.reply(),
    });
  }
  try {
    switch (intent) {
      case "publish": {
        const published = await publishCourse(ctx, courseId);
        return data<ActionResult>({
          formId: null,
          notice: `Version ${published.version} is published.${published.supersededId ? " It replaces the previous version for new enrollments; people in progress finish the version they started." : ""}`,
        });
      }
      case "new-version": {
        const next = await createNextVersion(ctx, courseId);
        return redirect(`/training/admin/${next.id}?version=${next.version}`);
      }
      case "retire":
        await retireCourse(ctx, courseId);
        return data<ActionResult>({
          formId: null,
          notice: "The course is retired: nobody new can enroll; people in progress can finish it.",
        });
      case "move":
        await moveModule(ctx, id, { direction: formData.get("direction") });
        return data<ActionResult>({ formId: null, notice: "Module moved." });
      case "delete-module":
        await deleteModule(ctx, id);
        return data<ActionResult>({ formId: null, notice: "Module deleted." });
      case "delete-question":
        await deleteQuestion(ctx, id);
        return data<ActionResult>({ formId: null, notice: "Question deleted." });
      default:
        return data<ActionResult>({ formId: null, error: "Unknown action." }, { status: 400 });
    }
  } catch (err) {
    if (err instanceof DomainError) {
      if (err.status === 404) throw new Response(err.message, { status: 404 });
      const message =
        err instanceof ValidationError
          ? Object.values(err.fields ?? {})
              .flat()
              .join(" ")
          : err.message;
      return data<ActionResult>({ formId: null, error: message || err.message }, { status: err.status });
    }
    throw err;
  }
}

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>;
type ModuleData = LoaderData["modules"][number];
type QuestionData = ModuleData["questions"][number];

/** A Conform form on this page: its server result when the last action was this form's. */
function usePageForm<S extends z.ZodTypeAny>(
  formId: string,
  schema: S,
  actionData: ActionResult | undefined,
  defaultValue?: DefaultValue<z.output<S>>,
) {
  return useForm<z.output<S>>({
    id: formId,
    lastResult: actionData?.formId === formId ? actionData.result : undefined,
    constraint: getZodConstraint(schema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema }),
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    defaultValue,
  });
}

/** The message of the last action when it belongs to `formId` (or to the page when null). */
function Feedback({ formId, actionData }: { formId: string | null; actionData: ActionResult | undefined }) {
  if (!actionData || actionData.formId !== formId) return null;
  if (actionData.error) {
    return (
      <p className="form-error" role="alert">
        {actionData.error}
      </p>
    );
  }
  if (actionData.notice) {
    return (
      <p className="notice" role="status">
        {actionData.notice}
      </p>
    );
  }
  return null;
}

function Hidden({ intent, id }: { intent: string; id?: string }) {
  return (
    <>
      <input type="hidden" name="intent" value={intent} />
      {id ? <input type="hidden" name="id" value={id} /> : null}
    </>
  );
}

function Dt({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt className="muted" style={{ fontSize: "0.85rem" }}>
        {label}
      </dt>
      <dd style={{ margin: "0 0 0.6rem" }}>{children}</dd>
    </>
  );
}

function MarkdownField({ field, label }: { field: Parameters<typeof getTextareaProps>[0]; label: string }) {
  const { key: _key, ...props } = getTextareaProps(field);
  return (
    <div className="field">
      <label htmlFor={field.id}>{label}</label>
      <textarea {...props} rows={14} style={{ fontFamily: "monospace" }} />
      <p className="muted">
        Markdown: headings (#), lists, **bold**, `code`, fenced code blocks, links; images from the portal, e.g.
        ![diagram](/training/relay-path.svg). HTML is shown as text. At most {MODULE_BODY_MAX.toLocaleString("en")}{" "}
        characters.
      </p>
      <ErrorList id={field.errorId} errors={field.errors} />
    </div>
  );
}

export default function CourseEditor() {
  const d = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionResult | undefined;
  const c = d.course;
  const editable = c.status === "draft";
  const titles = new Map(d.prerequisiteOptions.map((o) => [o.key, o.title]));
  const published = d.versions.find((v) => v.status === "published");
  return (
    <>
      <p>
        <Link to="/training/admin">← All courses</Link>
      </p>
      <h1>
        {c.title}{" "}
        <span className={statusTone[c.status as CourseStatus]}>
          Version {c.version} · {courseStatusLabels[c.status as CourseStatus]}
        </span>
      </h1>
      {d.flash ? (
        <p className="notice" role="status">
          {d.flash}
        </p>
      ) : null}
      <Feedback formId={null} actionData={actionData} />

      <VersionPanel d={d} published={published ?? null} />

      <section className="card">
        <h2 style={{ marginTop: 0 }}>Course details</h2>
        {editable ? (
          <MetaForm d={d} actionData={actionData} />
        ) : (
          <dl style={{ margin: 0 }}>
            <Dt label="Key">{c.key}</Dt>
            <Dt label="Summary">
              <span style={{ whiteSpace: "pre-wrap" }}>{c.summary}</span>
            </Dt>
            <Dt label="Audience">{audienceLabels[c.audience]}</Dt>
            <Dt label="Estimated time">{c.estimatedMinutes} minutes</Dt>
            <Dt label="Prerequisites">
              {c.prerequisites.length ? c.prerequisites.map((k) => titles.get(k) ?? k).join(", ") : "None"}
            </Dt>
            <Dt label="Certification">
              {c.certificationName}, valid {c.validityMonths} months
            </Dt>
          </dl>
        )}
      </section>

      <h2>Modules</h2>
      {d.modules.length === 0 ? (
        <p className="muted">No modules yet. A course needs at least one module to be published.</p>
      ) : null}
      {d.modules.map((m, i) => (
        <ModuleCard
          key={m.id}
          module={m}
          index={i}
          count={d.modules.length}
          editable={editable}
          actionData={actionData}
        />
      ))}
      {editable ? <AddModule actionData={actionData} count={d.modules.length} /> : null}
    </>
  );
}

function VersionPanel({ d, published }: { d: LoaderData; published: LoaderData["versions"][number] | null }) {
  const c = d.course;
  const busy = useNavigation().state === "submitting";
  return (
    <section className="card">
      <h2 style={{ marginTop: 0 }}>Versions</h2>
      <p style={{ marginTop: 0 }}>
        {d.versions.map((v, i) => (
          <span key={v.id}>
            {i > 0 ? " · " : ""}
            {v.id === c.id ? (
              <strong>v{v.version}</strong>
            ) : (
              <Link to={`/training/admin/${v.id}`}>v{v.version}</Link>
            )}{" "}
            <span className={statusTone[v.status as CourseStatus]}>{courseStatusLabels[v.status as CourseStatus]}</span>
            {v.publishedAt ? <span className="muted"> {formatDate(v.publishedAt)}</span> : null}
          </span>
        ))}
      </p>
      <p className="muted">
        Created {formatDateTime(c.createdAt)}
        {c.authorName ? ` by ${c.authorName}` : ""}
        {c.publishedAt ? ` · published ${formatDateTime(c.publishedAt)}` : ""}. {d.enrollments.total} enrollment
        {d.enrollments.total === 1 ? "" : "s"} on this version ({d.enrollments.open} in progress).
      </p>
      {c.status === "draft" ? (
        <div className="actions">
          <ConfirmButton
            intent="publish"
            value={c.id}
            label="Publish…"
            question={
              published
                ? `Publish version ${c.version}? It replaces version ${published.version} for new enrollments; people already in version ${published.version} finish it.`
                : `Publish version ${c.version}? Partner staff can enroll at once.`
            }
            confirmLabel="Publish"
          />
          <span className="muted">
            Publishing needs at least one module; every quiz needs valid questions and its prerequisites a published
            version.
          </span>
        </div>
      ) : null}
      {c.status === "superseded" ? (
        <p className="warning" role="note">
          This version is superseded: people who started it finish it, new enrollments use{" "}
          {published ? (
            <Link to={`/training/admin/${published.id}`}>version {published.version}</Link>
          ) : (
            "a newer version"
          )}
          .
        </p>
      ) : null}
      {d.otherDraft ? (
        <p className="warning" role="note">
          Version {d.otherDraft.version} is a draft: <Link to={`/training/admin/${d.otherDraft.id}`}>edit it</Link>.
        </p>
      ) : null}
      {c.status !== "draft" && d.isLatest ? (
        <div className="actions">
          <Form method="post">
            <Hidden intent="new-version" />
            <button type="submit" disabled={busy}>
              Edit: create version {c.version + 1} as a draft
            </button>
          </Form>
          {c.status === "published" ? (
            <ConfirmButton
              intent="retire"
              value={c.id}
              label="Retire…"
              question="Retire this course? Nobody new can enroll; people in progress can finish it and certifications stay valid until they expire."
              confirmLabel="Retire"
            />
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

function MetaForm({ d, actionData }: { d: LoaderData; actionData: ActionResult | undefined }) {
  const c = d.course;
  const busy = useNavigation().state === "submitting";
  const [form, fields] = usePageForm("meta", courseMetaSchema, actionData, {
    title: c.title,
    summary: c.summary,
    audience: c.audience,
    estimatedMinutes: String(c.estimatedMinutes),
    prerequisites: c.prerequisites,
    certificationName: c.certificationName,
    validityMonths: String(c.validityMonths),
  });
  return (
    <Form method="post" className="stack" style={{ maxWidth: 560 }} {...getFormProps(form)}>
      <Hidden intent="meta" />
      <Feedback formId="meta" actionData={actionData} />
      <FormErrors errors={form.errors} id={form.errorId} />
      <p className="muted" style={{ margin: 0 }}>
        Key: <strong>{c.key}</strong> (fixed)
      </p>
      <CourseMetaFields fields={fields} prerequisiteOptions={d.prerequisiteOptions} />
      <button type="submit" disabled={busy}>
        Save the details
      </button>
    </Form>
  );
}

function ModuleFields({ fields }: { fields: ReturnType<typeof usePageForm<typeof moduleSchema>>[1] }) {
  return (
    <>
      <Field label="Title" field={fields.title} autoComplete="off" />
      <MarkdownField label="Content (Markdown)" field={fields.body} />
      <Field
        label="Video link (optional)"
        field={fields.videoUrl}
        type="url"
        autoComplete="off"
        hint="https:// only; shown to learners as a link beside the text."
      />
      <Checkbox field={fields.inRecertification}>
        Part of the recertification path (renewals take only the modules ticked here, when some are not)
      </Checkbox>
    </>
  );
}

function AddModule({ actionData, count }: { actionData: ActionResult | undefined; count: number }) {
  const busy = useNavigation().state === "submitting";
  const [form, fields] = usePageForm("add-module", moduleSchema, actionData, { inRecertification: "on" });
  return (
    <section className="card">
      <h2 style={{ marginTop: 0 }}>Add module {count + 1}</h2>
      <Form method="post" className="stack" style={{ maxWidth: "none" }} {...getFormProps(form)}>
        <Hidden intent="add-module" />
        <Feedback formId="add-module" actionData={actionData} />
        <FormErrors errors={form.errors} id={form.errorId} />
        <ModuleFields fields={fields} />
        <button type="submit" disabled={busy}>
          Add the module
        </button>
      </Form>
    </section>
  );
}

function ModuleCard({
  module: m,
  index,
  count,
  editable,
  actionData,
}: {
  module: ModuleData;
  index: number;
  count: number;
  editable: boolean;
  actionData: ActionResult | undefined;
}) {
  const busy = useNavigation().state === "submitting";
  const moduleFormId = formIdOf("module", m.id);
  return (
    <section className="card" aria-labelledby={`module-${m.id}-title`}>
      <div className="actions" style={{ justifyContent: "space-between" }}>
        <h3 id={`module-${m.id}-title`} style={{ margin: 0 }}>
          {index + 1}. {m.title}{" "}
          {m.questions.length ? (
            <span className="badge">
              Quiz: {m.questions.length} question{m.questions.length === 1 ? "" : "s"}
            </span>
          ) : (
            <span className="badge silver">Read only</span>
          )}{" "}
          {m.inRecertification ? null : <span className="badge silver">not in recertification</span>}
        </h3>
        {editable ? (
          <div className="actions">
            <Form method="post" className="actions">
              <Hidden intent="move" id={m.id} />
              <button
                type="submit"
                name="direction"
                value="up"
                className="secondary"
                disabled={busy || index === 0}
                aria-label={`Move module ${index + 1} up`}
              >
                ↑
              </button>
              <button
                type="submit"
                name="direction"
                value="down"
                className="secondary"
                disabled={busy || index === count - 1}
                aria-label={`Move module ${index + 1} down`}
              >
                ↓
              </button>
            </Form>
            <ConfirmButton
              intent="delete-module"
              value={m.id}
              label="Delete…"
              question={`Delete module ${index + 1} “${m.title}” and its ${m.questions.length} question(s)?`}
              confirmLabel="Delete"
            />
          </div>
        ) : null}
      </div>
      {m.videoUrl ? (
        <p>
          Video:{" "}
          <a href={m.videoUrl} target="_blank" rel="noopener noreferrer">
            {m.videoUrl}
          </a>
        </p>
      ) : null}
      <details open={!editable}>
        <summary>Preview</summary>
        <div className="markdown" dangerouslySetInnerHTML={{ __html: m.html }} />
      </details>
      {editable ? (
        <details open={actionData?.formId === moduleFormId}>
          <summary>Edit the module</summary>
          <ModuleForm module={m} actionData={actionData} />
        </details>
      ) : null}

      <h4>Quiz</h4>
      {editable ? (
        <QuizSettingsForm module={m} actionData={actionData} />
      ) : m.questions.length ? (
        <p className="muted">
          Pass mark {m.passPercent} % · {m.attemptsAllowed} attempt{m.attemptsAllowed === 1 ? "" : "s"}, then a{" "}
          {m.cooldownMinutes}-minute cool-down · {m.shuffle ? "shuffled" : "in order"}
        </p>
      ) : (
        <p className="muted">No quiz: the module is complete once read.</p>
      )}
      {m.questions.map((q, qi) =>
        editable ? (
          <QuestionForm
            key={`${q.id}:${JSON.stringify([q.kind, q.prompt, q.options, q.correct])}`}
            question={q}
            index={qi}
            actionData={actionData}
          />
        ) : (
          <QuestionView key={q.id} question={q} index={qi} />
        ),
      )}
      {editable ? <AddQuestion moduleId={m.id} count={m.questions.length} actionData={actionData} /> : null}
    </section>
  );
}

function ModuleForm({ module: m, actionData }: { module: ModuleData; actionData: ActionResult | undefined }) {
  const busy = useNavigation().state === "submitting";
  const formId = formIdOf("module", m.id);
  const [form, fields] = usePageForm(formId, moduleSchema, actionData, {
    title: m.title,
    body: m.body,
    videoUrl: m.videoUrl ?? "",
    inRecertification: m.inRecertification ? "on" : undefined,
  });
  return (
    <Form method="post" className="stack" style={{ maxWidth: "none", marginTop: "0.75rem" }} {...getFormProps(form)}>
      <Hidden intent="module" id={m.id} />
      <Feedback formId={formId} actionData={actionData} />
      <FormErrors errors={form.errors} id={form.errorId} />
      <ModuleFields fields={fields} />
      <button type="submit" disabled={busy}>
        Save the module
      </button>
    </Form>
  );
}

function QuizSettingsForm({ module: m, actionData }: { module: ModuleData; actionData: ActionResult | undefined }) {
  const busy = useNavigation().state === "submitting";
  const formId = formIdOf("quiz", m.id);
  const [form, fields] = usePageForm(formId, quizSettingsSchema, actionData, {
    passPercent: String(m.passPercent),
    attemptsAllowed: String(m.attemptsAllowed),
    cooldownMinutes: String(m.cooldownMinutes),
    shuffle: m.shuffle ? "on" : undefined,
  });
  return (
    <Form method="post" {...getFormProps(form)}>
      <Hidden intent="quiz" id={m.id} />
      <Feedback formId={formId} actionData={actionData} />
      <FormErrors errors={form.errors} id={form.errorId} />
      <p className="muted" style={{ marginTop: 0 }}>
        {m.questions.length
          ? "Learners pass the module by reaching the pass mark."
          : "Without questions the module has no quiz: it is complete once read. These settings apply once you add questions."}
      </p>
      <div className="actions" style={{ alignItems: "flex-start" }}>
        <NumberField label="Pass mark (%)" field={fields.passPercent} min={1} max={100} />
        <NumberField label="Attempts allowed" field={fields.attemptsAllowed} min={1} max={ATTEMPTS_MAX} />
        <NumberField label="Cool-down (minutes)" field={fields.cooldownMinutes} min={0} max={COOLDOWN_MAX} />
      </div>
      <Checkbox field={fields.shuffle}>Shuffle the questions and options for each attempt</Checkbox>
      <button type="submit" className="secondary" disabled={busy}>
        Save the quiz settings
      </button>
    </Form>
  );
}

function QuestionView({ question: q, index }: { question: QuestionData; index: number }) {
  return (
    <div className="card" style={{ marginBottom: "0.75rem" }}>
      <p style={{ marginTop: 0 }}>
        <strong>
          {index + 1}. {q.prompt}
        </strong>{" "}
        <span className="muted">({q.kind === "single" ? "single choice" : "multiple choice"})</span>
      </p>
      <ul style={{ marginBottom: 0 }}>
        {q.options.map((o) => (
          <li key={o.id}>
            {o.text} {q.correct.includes(o.id) ? <span className="badge good">correct</span> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The question form: kind, prompt, 2 to 8 options each with a "correct" box. */
function QuestionFields({
  form,
  fields,
}: {
  form: ReturnType<typeof usePageForm<typeof questionSchema>>[0];
  fields: ReturnType<typeof usePageForm<typeof questionSchema>>[1];
}) {
  const options = fields.options.getFieldList();
  const { key: _key, ...promptProps } = getTextareaProps(fields.prompt);
  return (
    <>
      <SelectField
        label="Kind"
        field={fields.kind}
        options={questionKinds.map((k) => ({ value: k, label: questionKindLabels[k] }))}
      />
      <div className="field">
        <label htmlFor={fields.prompt.id}>Question</label>
        <textarea {...promptProps} rows={2} />
        <ErrorList id={fields.prompt.errorId} errors={fields.prompt.errors} />
      </div>
      <fieldset style={{ border: 0, padding: 0, margin: 0 }}>
        <legend style={{ fontWeight: 600, marginBottom: "0.4rem" }}>
          Options ({OPTIONS_MIN} to {OPTIONS_MAX}; tick the correct ones)
        </legend>
        {options.map((option, i) => {
          const o = option.getFieldset();
          const { key: _k1, ...textProps } = getInputProps(o.text, { type: "text" });
          const { key: _k2, ...correctProps } = getInputProps(o.correct, { type: "checkbox" });
          const { key: _k3, ...idProps } = getInputProps(o.id, { type: "hidden" });
          return (
            <div key={option.key} style={{ marginBottom: "0.5rem" }}>
              <div className="actions" style={{ flexWrap: "nowrap" }}>
                <input {...idProps} />
                <label style={{ display: "flex", gap: "0.3rem", alignItems: "center", fontWeight: 400 }}>
                  <input {...correctProps} style={{ width: "auto" }} aria-label={`Option ${i + 1} is correct`} />
                  Correct
                </label>
                <input
                  {...textProps}
                  aria-label={`Option ${i + 1}`}
                  placeholder={`Option ${i + 1}`}
                  style={{ flex: 1, minWidth: 0 }}
                />
                {options.length > OPTIONS_MIN ? (
                  <button
                    className="secondary"
                    {...form.remove.getButtonProps({ name: fields.options.name, index: i })}
                    aria-label={`Remove option ${i + 1}`}
                  >
                    ✕
                  </button>
                ) : null}
              </div>
              <ErrorList id={o.text.errorId} errors={o.text.errors} />
            </div>
          );
        })}
        <ErrorList id={fields.options.errorId} errors={fields.options.errors} />
        {options.length < OPTIONS_MAX ? (
          <button
            className="secondary"
            {...form.insert.getButtonProps({ name: fields.options.name, defaultValue: { text: "" } })}
          >
            Add an option
          </button>
        ) : null}
      </fieldset>
    </>
  );
}

function QuestionForm({
  question: q,
  index,
  actionData,
}: {
  question: QuestionData;
  index: number;
  actionData: ActionResult | undefined;
}) {
  const busy = useNavigation().state === "submitting";
  const formId = formIdOf("question", q.id);
  const [form, fields] = usePageForm(formId, questionSchema, actionData, {
    kind: q.kind,
    prompt: q.prompt,
    options: q.options.map((o) => ({ id: o.id, text: o.text, correct: q.correct.includes(o.id) ? "on" : undefined })),
  });
  return (
    <div className="card" style={{ marginBottom: "0.75rem" }}>
      <h5 style={{ marginTop: 0 }}>Question {index + 1}</h5>
      <Form method="post" className="stack" style={{ maxWidth: 640 }} {...getFormProps(form)}>
        <Hidden intent="question" id={q.id} />
        <Feedback formId={formId} actionData={actionData} />
        <FormErrors errors={form.errors} id={form.errorId} />
        <QuestionFields form={form} fields={fields} />
        <button type="submit" disabled={busy}>
          Save the question
        </button>
      </Form>
      <div className="actions" style={{ marginTop: "0.5rem" }}>
        <ConfirmButton
          intent="delete-question"
          value={q.id}
          label="Delete the question…"
          question={`Delete question ${index + 1}?`}
          confirmLabel="Delete"
        />
      </div>
    </div>
  );
}

function AddQuestion({
  moduleId,
  count,
  actionData,
}: {
  moduleId: string;
  count: number;
  actionData: ActionResult | undefined;
}) {
  const busy = useNavigation().state === "submitting";
  const formId = formIdOf("add-question", moduleId);
  const mine = actionData?.formId === formId;
  const [form, fields] = usePageForm(formId, questionSchema, actionData, {
    kind: "single",
    options: [{ text: "" }, { text: "" }, { text: "" }],
  });
  return (
    <details open={mine}>
      <summary>Add question {count + 1}</summary>
      <Form method="post" className="stack" style={{ maxWidth: 640, marginTop: "0.75rem" }} {...getFormProps(form)}>
        <Hidden intent="add-question" id={moduleId} />
        <Feedback formId={formId} actionData={actionData} />
        <FormErrors errors={form.errors} id={form.errorId} />
        <QuestionFields form={form} fields={fields} />
        <button type="submit" disabled={busy}>
          Add the question
        </button>
      </Form>
      {count === 0 ? (
        <p className="muted">
          The first question turns this module into a quiz: pass mark {PASS_PERCENT_DEFAULT} %, {ATTEMPTS_DEFAULT}{" "}
          attempts and a {COOLDOWN_DEFAULT}-minute cool-down unless you change them above.
        </p>
      ) : null}
    </details>
  );
}
