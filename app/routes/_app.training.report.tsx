import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { FilterSelect } from "~/components/forms";
import { StackedBarChart } from "~/components/status-chart";
import { EmptyState } from "~/components/ui";
import { parseReportQuery, trainingReport } from "~/modules/training/reports.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Training report · Channel Partner Portal" }];

/** The vendor's training report; the filters live in the query string (a GET form). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "training:report", context.ip);
  return trainingReport(ctx, parseReportQuery(new URL(request.url).searchParams));
}

const MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** "Mar"; the first bar and every January also carry the year ("Jan 26"). */
const monthTick = (month: string, first: boolean) => {
  const name = MONTH_NAMES[Number(month.slice(5, 7)) - 1] ?? month;
  return first || month.endsWith("-01") ? `${name} ${month.slice(2, 4)}` : name;
};

export default function TrainingReport() {
  const { query, options, totals, byCourse, byCountry, perMonth, uncertified } = useLoaderData<typeof loader>();
  const filtered = !!(query.course || query.country);
  return (
    <>
      <h1>Training report</h1>
      <Form method="get" className="filters" role="search" aria-label="Filter the report">
        <FilterSelect
          name="course"
          label="Course"
          allLabel="All courses"
          value={query.course}
          options={options.courses}
        />
        <FilterSelect
          name="country"
          label="Country"
          allLabel="All countries"
          value={query.country}
          options={options.countries}
        />
        <button type="submit">Filter</button>
        {filtered ? <Link to="/training/report">Reset</Link> : null}
      </Form>

      <div className="grid" style={{ marginBottom: "1rem" }}>
        <div className="card">
          <div className="stat" data-figure="completions">
            {totals.completions}
          </div>
          <div className="muted">certifications earned</div>
        </div>
        <div className="card">
          <div className="stat" data-figure="active">
            {totals.active}
          </div>
          <div className="muted">active certifications</div>
        </div>
        <div className="card">
          <div className="stat" data-figure="people">
            {totals.people}
          </div>
          <div className="muted">certified people</div>
        </div>
        <div className="card">
          <div className="stat" data-figure="partners">
            {totals.partners}
          </div>
          <div className="muted">partners with certified staff</div>
        </div>
      </div>

      <section className="card">
        <h2>Certifications earned per month</h2>
        <StackedBarChart
          label="Certifications earned per month, last 12 months"
          keys={[{ key: "earned", label: "certifications earned", color: "#047857" }]}
          bars={perMonth.map((m, i) => ({
            id: m.month,
            tick: monthTick(m.month, i === 0),
            values: { earned: m.earned },
          }))}
          totals
        />
      </section>

      <section>
        <h2>By course</h2>
        {byCourse.length === 0 ? (
          <EmptyState title="No certifications earned yet" />
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Course</th>
                  <th scope="col">Earned</th>
                  <th scope="col">Active</th>
                  <th scope="col">Certified people</th>
                  <th scope="col">Partners</th>
                </tr>
              </thead>
              <tbody>
                {byCourse.map((c) => (
                  <tr key={c.courseKey} data-course={c.courseKey}>
                    <td>{c.title}</td>
                    <td>{c.completions}</td>
                    <td>{c.active}</td>
                    <td>{c.people}</td>
                    <td>{c.partners}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section>
        <h2>By country</h2>
        {byCountry.length === 0 ? (
          <EmptyState title="No certifications earned yet" />
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Country</th>
                  <th scope="col">Earned</th>
                  <th scope="col">Active</th>
                  <th scope="col">Certified people</th>
                  <th scope="col">Partners with certified staff</th>
                </tr>
              </thead>
              <tbody>
                {byCountry.map((c) => (
                  <tr key={c.country} data-country={c.country}>
                    <td>{c.countryName}</td>
                    <td>{c.completions}</td>
                    <td>{c.active}</td>
                    <td>{c.people}</td>
                    <td>
                      {c.certifiedPartners} of {c.activePartners} active
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section>
        <h2>Active partners with no certified staff</h2>
        {uncertified.total === 0 ? (
          <p className="muted">Every active partner{filtered ? " matching the filters" : ""} has certified staff.</p>
        ) : (
          <>
            <p className="muted" role="status">
              {uncertified.total === 1 ? "1 partner" : `${uncertified.total} partners`}
              {uncertified.total > uncertified.partners.length
                ? ` (the first ${uncertified.partners.length} shown)`
                : ""}
            </p>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Partner</th>
                    <th scope="col">Country</th>
                    <th scope="col">People</th>
                  </tr>
                </thead>
                <tbody>
                  {uncertified.partners.map((p) => (
                    <tr key={p.id}>
                      <td>
                        <Link to={`/directory/${p.id}`}>{p.name}</Link>
                      </td>
                      <td>{p.countryName}</td>
                      <td>{p.people}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>
    </>
  );
}
