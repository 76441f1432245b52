import { FilterSelect } from "~/components/forms";
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { EmptyState, formatDate } from "~/components/ui";
import {
  directoryOptions,
  hasFilters,
  listDirectory,
  parseDirectoryQuery,
  sortDirection,
} from "~/modules/partners/directory.server";
import { countryName } from "~/utils/countries";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Partners · Channel Partner Portal" }];

/** The directory: every filter, the sort and the page live in the query string (a GET form), so a view can be bookmarked. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "partners:read-all", context.ip);
  const query = parseDirectoryQuery(new URL(request.url).searchParams);
  const [list, options] = await Promise.all([listDirectory(ctx, query), directoryOptions(ctx)]);
  return { list, options, query: { ...query, dir: sortDirection(query) }, filtered: hasFilters(query) };
}

const sortLabels = { name: "Name", country: "Country", tier: "Tier", status: "Status", created: "Created" } as const;
type SortKey = keyof typeof sortLabels;

function statusBadge(status: string): string {
  if (status === "active") return "badge good";
  if (status === "suspended" || status === "terminated") return "badge bad";
  return "badge";
}

export default function Directory() {
  const { list, options, query, filtered } = useLoaderData<typeof loader>();
  const [search] = useSearchParams();

  /** The current view with some parameters changed; a new filter or sort starts again at page 1. */
  const withParams = (changes: Record<string, string | null>) => {
    const s = new URLSearchParams(search);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) s.delete(k);
      else s.set(k, v);
    }
    const text = s.toString();
    return text ? `?${text}` : "?";
  };
  const sortLink = (key: SortKey) => {
    const dir = query.sort === key ? (query.dir === "asc" ? "desc" : "asc") : key === "created" ? "desc" : "asc";
    return withParams({ sort: key, dir, page: null });
  };
  const sortMark = (key: SortKey) => (query.sort === key ? (query.dir === "asc" ? " ▲" : " ▼") : "");
  const ariaSort = (key: SortKey) =>
    query.sort === key ? (query.dir === "asc" ? "ascending" : "descending") : undefined;

  const exportParams = new URLSearchParams(search);
  exportParams.delete("page");
  const exportHref = `/directory/export.csv${exportParams.toString() ? `?${exportParams.toString()}` : ""}`;
  const pages = Math.max(1, Math.ceil(list.total / list.pageSize));

  return (
    <>
      <h1>Partners</h1>
      <Form method="get" className="filters" role="search" aria-label="Filter partners">
        <div className="field">
          <label htmlFor="q">Search</label>
          <input
            id="q"
            name="q"
            type="search"
            defaultValue={query.q ?? ""}
            placeholder="name or domain"
            maxLength={200}
          />
        </div>
        <FilterSelect
          name="country"
          label="Country"
          allLabel="All countries"
          value={query.country}
          options={options.countries.map((c) => ({ value: c.code, label: c.name }))}
        />
        <FilterSelect name="tier" label="Tier" allLabel="All tiers" value={query.tier} options={options.tiers} />
        <FilterSelect
          name="status"
          label="Status"
          allLabel="All statuses"
          value={query.status}
          options={options.statuses.map((s) => ({ value: s, label: s }))}
        />
        <FilterSelect
          name="specialization"
          label="Specialization"
          allLabel="All specializations"
          value={query.specialization}
          options={options.specializations.map((s) => ({ value: s.key, label: s.label }))}
        />
        <div className="field">
          <label htmlFor="owner">Owner</label>
          <select id="owner" name="owner" defaultValue={query.owner ?? ""}>
            <option value="">Any owner</option>
            <option value="unassigned">Unassigned</option>
            {options.owners.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
                {o.status === "active" ? "" : " (deactivated)"}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="sort">Sort by</label>
          <select id="sort" name="sort" defaultValue={query.sort}>
            {Object.entries(sortLabels).map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="dir">Order</label>
          <select id="dir" name="dir" defaultValue={query.dir}>
            <option value="asc">Ascending</option>
            <option value="desc">Descending</option>
          </select>
        </div>
        <button type="submit">Filter</button>
        {filtered ? <Link to="/directory">Reset</Link> : null}
      </Form>

      <div className="actions" style={{ justifyContent: "space-between", marginBottom: "0.75rem" }}>
        <span className="muted" role="status">
          {list.total === 1 ? "1 partner" : `${list.total} partners`}
          {filtered ? " match" : ""}
        </span>
        {list.total > 0 ? (
          <a href={exportHref} download>
            Export these {list.total === 1 ? "" : `${list.total} `}as CSV
          </a>
        ) : null}
      </div>

      {list.total === 0 ? (
        filtered ? (
          <EmptyState title="No partner matches these filters">
            <p>
              <Link to="/directory">Reset the filters</Link> to see every partner.
            </p>
          </EmptyState>
        ) : (
          <EmptyState title="No partners yet">
            <p>
              Approved applications become partners. <Link to="/applications">Review the applications</Link>.
            </p>
          </EmptyState>
        )
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th aria-sort={ariaSort("name")}>
                  <Link to={sortLink("name")}>Partner{sortMark("name")}</Link>
                </th>
                <th aria-sort={ariaSort("country")}>
                  <Link to={sortLink("country")}>Country{sortMark("country")}</Link>
                </th>
                <th aria-sort={ariaSort("tier")}>
                  <Link to={sortLink("tier")}>Tier{sortMark("tier")}</Link>
                </th>
                <th aria-sort={ariaSort("status")}>
                  <Link to={sortLink("status")}>Status{sortMark("status")}</Link>
                </th>
                <th>Owner</th>
                <th title="Active accounts">People</th>
                <th>Agreement</th>
                <th aria-sort={ariaSort("created")}>
                  <Link to={sortLink("created")}>Created{sortMark("created")}</Link>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.rows.map((p) => (
                <tr key={p.id}>
                  <td>
                    <Link to={`/directory/${p.id}`}>{p.name}</Link>
                    <div className="muted">{p.primaryDomain}</div>
                  </td>
                  <td>{countryName(p.country)}</td>
                  <td>
                    <span className={`badge ${p.tier}`}>
                      {options.tiers.find((t) => t.value === p.tier)?.label ?? p.tier}
                    </span>
                  </td>
                  <td>
                    <span className={statusBadge(p.status)}>{p.status}</span>
                  </td>
                  <td>{p.ownerName ?? <span className="muted">Unassigned</span>}</td>
                  <td>{p.people}</td>
                  <td>{p.agreementVersion === null ? <span className="muted">—</span> : `v${p.agreementVersion}`}</td>
                  <td>{formatDate(p.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {list.total > list.pageSize ? (
        <nav className="pagination" aria-label="Pages">
          {list.page > 1 ? <Link to={withParams({ page: String(list.page - 1) })}>← Previous</Link> : <span />}
          <span className="muted">
            Page {list.page} of {pages} · {list.total} in all
          </span>
          {list.page < pages ? <Link to={withParams({ page: String(list.page + 1) })}>Next →</Link> : null}
        </nav>
      ) : null}
    </>
  );
}
