import type { LoaderFunctionArgs, MetaFunction, SerializeFrom } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { FilterSelect } from "~/components/forms";
import { EmptyState, formatDate } from "~/components/ui";
import { listCertifications } from "~/modules/training/certifications.server";
import { audienceLabels, audiences } from "~/modules/training/course-schemas";
import { parseCatalogQuery, trainingCatalog } from "~/modules/training/learning.server";
import { learnerStatuses, learnerStatusLabels } from "~/modules/training/quiz";
import { can, isVendorRole } from "~/utils/permissions";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Training · Channel Partner Portal" }];

/** Partner staff see the catalog; vendor staff see where their training pages are. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, ctx } = await requirePermission(
    request,
    (role) => (isVendorRole(role) ? "training:report" : "training:take"),
    context.ip,
  );
  if (isVendorRole(user.role)) {
    return {
      vendor: true as const,
      canAuthor: can(user.role, "training:author"),
      canReport: can(user.role, "training:report"),
    };
  }
  const filters = parseCatalogQuery(new URL(request.url).searchParams);
  const [courses, certifications] = await Promise.all([
    trainingCatalog(ctx, filters),
    listCertifications(ctx, { userId: user.id }),
  ]);
  return {
    vendor: false as const,
    courses,
    filters,
    certifications,
    canSeeTeam: can(user.role, "training:team"),
  };
}

export default function TrainingCatalog() {
  const data = useLoaderData<typeof loader>();
  if (data.vendor) return <VendorTraining canAuthor={data.canAuthor} canReport={data.canReport} />;
  return <Catalog {...data} />;
}

function VendorTraining({ canAuthor, canReport }: { canAuthor: boolean; canReport: boolean }) {
  return (
    <>
      <h1>Training</h1>
      <p className="muted">
        Partner staff take courses here. As vendor staff you manage the courses and follow progress.
      </p>
      <div className="grid">
        {canAuthor ? (
          <div className="card">
            <h2 style={{ marginTop: 0 }}>
              <Link to="/training/admin">Courses</Link>
            </h2>
            <p className="muted">Write courses, modules and quizzes; publish new versions.</p>
          </div>
        ) : null}
        {canReport ? (
          <div className="card">
            <h2 style={{ marginTop: 0 }}>
              <Link to="/training/report">Certification report</Link>
            </h2>
            <p className="muted">Completions and active certifications across partners, by course and country.</p>
          </div>
        ) : null}
      </div>
    </>
  );
}

type CatalogData = Extract<SerializeFrom<typeof loader>, { vendor: false }>;

function Catalog({ courses, filters, certifications, canSeeTeam }: CatalogData) {
  const [search] = useSearchParams();
  const filtered = Boolean(filters.audience || filters.status);
  return (
    <>
      <h1>Training</h1>
      {canSeeTeam ? (
        <p>
          <Link to="/training/team">See your team&apos;s certifications</Link>
        </p>
      ) : null}
      <Form method="get" className="filters" aria-label="Filter courses">
        <FilterSelect
          name="audience"
          label="Audience"
          allLabel="All audiences"
          value={search.get("audience")}
          options={audiences.map((a) => ({ value: a, label: audienceLabels[a] }))}
        />
        <FilterSelect
          name="status"
          label="Status for me"
          allLabel="Any status"
          value={search.get("status")}
          options={learnerStatuses.map((s) => ({ value: s, label: learnerStatusLabels[s] }))}
        />
        <div>
          <button type="submit" className="secondary">
            Filter
          </button>
        </div>
      </Form>

      {courses.length === 0 ? (
        <EmptyState title={filtered ? "No course matches these filters" : "No courses yet"}>
          {filtered ? (
            <p>
              <Link to="/training">Show all courses</Link>
            </p>
          ) : (
            <p>The vendor has not published any course yet.</p>
          )}
        </EmptyState>
      ) : (
        <div className="course-grid">
          {courses.map((c) => (
            <CourseCard key={c.key} course={c} />
          ))}
        </div>
      )}

      <h2>My certifications</h2>
      {certifications.length === 0 ? (
        <EmptyState title="No certifications yet">
          <p>Complete a course to earn its certification.</p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Certification</th>
                <th>Course</th>
                <th>Valid until</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {certifications.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Link to={`/training/certificates/${c.id}`}>{c.name}</Link>
                  </td>
                  <td>{c.courseTitle}</td>
                  <td>{formatDate(c.expiresAt)}</td>
                  <td>
                    <span className={`badge ${c.valid ? "good" : "bad"}`}>{c.valid ? "Valid" : "Expired"}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function CourseCard({ course: c }: { course: CatalogData["courses"][number] }) {
  const statusClass = c.status === "certified" ? "good" : c.status === "expired" ? "bad" : "";
  return (
    <article className="card course-card">
      <div className="actions">
        <span className="badge">{audienceLabels[c.audience]}</span>
        <span className={`badge ${statusClass}`}>{learnerStatusLabels[c.status]}</span>
        {c.offered ? null : <span className="badge silver">No longer offered</span>}
      </div>
      <h2>
        <Link to={`/training/learn/${encodeURIComponent(c.key)}`}>{c.title}</Link>
      </h2>
      <p className="muted">{c.summary}</p>
      <p className="muted" style={{ fontSize: "0.85rem" }}>
        About {c.estimatedMinutes} min · grants {c.certificationName} ({c.validityMonths} months)
        {c.enrolledVersion && c.enrolledVersion !== c.version ? ` · you are on version ${c.enrolledVersion}` : ""}
      </p>
      {c.prerequisites.length > 0 ? (
        <p style={{ fontSize: "0.85rem" }}>Requires: {c.prerequisites.map((p) => p.title).join(", ")}</p>
      ) : null}
      <div className="progress" aria-label={`Progress: ${c.progress.done} of ${c.progress.total} modules`}>
        <div className="progress-bar" style={{ width: `${c.progress.percent}%` }} />
      </div>
      <p className="muted" style={{ fontSize: "0.85rem", margin: "0.25rem 0 0" }}>
        {c.progress.done} of {c.progress.total} modules
        {c.enrollmentKind === "recertification" ? " (recertification)" : ""}
      </p>
      {c.certification ? (
        <p style={{ margin: "0.5rem 0 0" }}>
          <Link to={`/training/certificates/${c.certification.id}`}>
            <span className={`badge ${c.certification.valid ? "good" : "bad"}`}>
              {c.certification.valid
                ? `Certified until ${formatDate(c.certification.expiresAt)}`
                : `Expired ${formatDate(c.certification.expiresAt)}`}
            </span>
          </Link>
          {c.certification.renewalOpen ? <span className="badge gold"> Renewal open</span> : null}
        </p>
      ) : null}
    </article>
  );
}
