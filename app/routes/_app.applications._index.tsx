import { FilterSelect } from "~/components/forms";
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { EmptyState, formatDateTime } from "~/components/ui";
import {
  applicationFilterSchema,
  applicationStatusLabels,
  applicationStatuses,
  businessTypeLabels,
  businessTypes,
  type ApplicationStatus,
  type BusinessType,
} from "~/modules/onboarding/application-schemas";
import { applicationCountries, listApplications } from "~/modules/onboarding/applications.server";
import { countryName } from "~/utils/countries";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Applications · Channel Partner Portal" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "applications:review", context.ip);
  const filter = applicationFilterSchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const [list, countries] = await Promise.all([listApplications(ctx, filter), applicationCountries(ctx)]);
  // Country names from the server's Intl (the browser's may differ and break hydration).
  return {
    list: { ...list, rows: list.rows.map((r) => ({ ...r, countryName: countryName(r.country) })) },
    filter,
    countries: countries.map((code) => ({ code, name: countryName(code) })),
  };
}

const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });

function statusBadge(status: ApplicationStatus) {
  const tone =
    status === "approved" ? "good" : status === "rejected" ? "bad" : status === "info_requested" ? "silver" : "";
  return <span className={`badge ${tone}`}>{applicationStatusLabels[status]}</span>;
}

export default function ApplicationQueue() {
  const { list, filter, countries } = useLoaderData<typeof loader>();
  const [search] = useSearchParams();
  const pages = Math.max(1, Math.ceil(list.total / list.pageSize));
  const pageLink = (p: number) => {
    const s = new URLSearchParams(search);
    s.set("page", String(p));
    return `?${s.toString()}`;
  };
  const filtered = filter.status !== "open" || !!filter.country || !!filter.businessType;
  return (
    <>
      <h1>Partner applications</h1>
      <Form method="get" className="filters">
        <div className="field">
          <label htmlFor="status">Status</label>
          <select id="status" name="status" defaultValue={filter.status}>
            <option value="open">Open</option>
            {applicationStatuses.map((s) => (
              <option key={s} value={s}>
                {applicationStatusLabels[s]}
              </option>
            ))}
            <option value="all">All</option>
          </select>
        </div>
        <FilterSelect
          name="country"
          label="Country"
          allLabel="All countries"
          value={filter.country}
          options={countries.map((c) => ({ value: c.code, label: c.name }))}
        />
        <FilterSelect
          name="businessType"
          label="Business type"
          allLabel="All types"
          value={filter.businessType}
          options={businessTypes.map((b) => ({ value: b, label: businessTypeLabels[b] }))}
        />
        <button type="submit">Filter</button>
      </Form>
      {list.rows.length === 0 ? (
        <EmptyState title={filtered ? "No applications match" : "No applications waiting"}>
          {filtered ? "Change the filters to see more." : "New applications from the public form appear here."}
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Received</th>
                <th>Company</th>
                <th>Country</th>
                <th>Business type</th>
                <th>Expected volume</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {list.rows.map((a) => (
                <tr key={a.id}>
                  <td>{formatDateTime(a.createdAt)}</td>
                  <td>
                    <Link to={`/applications/${a.id}`}>{a.companyName}</Link>
                    <div className="muted">
                      {a.primaryDomain}
                      {a.contactDomainMismatch ? " · contact outside the domain" : ""}
                    </div>
                  </td>
                  <td>{a.countryName}</td>
                  <td>{businessTypeLabels[a.businessType as BusinessType]}</td>
                  <td>{usd.format(a.expectedAnnualVolume)}</td>
                  <td>{statusBadge(a.status)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="pagination">
        {list.page > 1 ? <Link to={pageLink(list.page - 1)}>← Previous</Link> : <span />}
        <span className="muted">
          Page {list.page} of {pages} · {list.total} in all · oldest first
        </span>
        {list.page < pages ? <Link to={pageLink(list.page + 1)}>Next →</Link> : null}
      </div>
    </>
  );
}
