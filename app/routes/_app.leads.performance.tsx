import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { BarList, formatHours, formatRate } from "~/components/bar-list";
import { FilterSelect } from "~/components/forms";
import { StackedBarChart } from "~/components/status-chart";
import { EmptyState, formatDate } from "~/components/ui";
import {
  ownPerformance,
  parsePerformanceQuery,
  vendorPerformance,
  type PartnerPerformance,
  type PerformanceSort,
} from "~/modules/leads/performance.server";
import { isVendorRole } from "~/utils/permissions";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Lead performance · Channel Partner Portal" }];

/** Vendor staff: every partner's figures. Partner people: their own company's only. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, ctx } = await requirePermission(
    request,
    (role) => (isVendorRole(role) ? "leads:distribute" : "leads:work"),
    context.ip,
  );
  const query = parsePerformanceQuery(new URL(request.url).searchParams);
  if (isVendorRole(user.role)) return { view: "vendor" as const, data: await vendorPerformance(ctx, query) };
  return { view: "partner" as const, data: await ownPerformance(ctx, query) };
}

const columns: { sort: PerformanceSort; label: string }[] = [
  { sort: "name", label: "Partner" },
  { sort: "offers", label: "Offers" },
  { sort: "acceptanceRate", label: "Acceptance rate" },
  { sort: "medianHoursToAccept", label: "Median time to accept" },
  { sort: "winRate", label: "Win rate" },
  { sort: "openLeads", label: "Open leads" },
  { sort: "slaBreaches", label: "SLA breaches" },
];

function Figures({ r }: { r: PartnerPerformance }) {
  return (
    <div className="grid" aria-label="Figures">
      <Stat
        value={String(r.offers)}
        label={`offers (${r.accepted} accepted, ${r.declined} declined, ${r.expired} expired)`}
      />
      <Stat value={formatRate(r.acceptanceRate)} label="acceptance rate" />
      <Stat value={formatHours(r.medianHoursToAccept)} label="median time to accept" />
      <Stat value={formatRate(r.winRate)} label={`win rate (${r.won} won, ${r.lost} lost)`} />
      <Stat value={r.revenue.length ? r.revenue.map((v) => v.formatted).join(" · ") : "—"} label="won revenue" />
      <Stat value={String(r.openLeads)} label="open leads now" />
      <Stat value={String(r.slaBreaches)} label="SLA breaches" />
    </div>
  );
}

function Stat({ value, label }: { value: string; label: string }) {
  return (
    <div className="card">
      <div className="stat">{value}</div>
      <div className="muted">{label}</div>
    </div>
  );
}

export default function LeadPerformancePage() {
  const loaded = useLoaderData<typeof loader>();
  const { data } = loaded;
  const periodForm = (
    <Form method="get" className="filters" role="search" aria-label="Period">
      <FilterSelect
        name="period"
        label="Period"
        allLabel="Last 90 days"
        value={data.query.period === "90" ? "" : data.query.period}
        options={data.periods.filter((p) => p.value !== "90")}
      />
      {"sort" in data.query ? <input type="hidden" name="sort" value={data.query.sort} /> : null}
      <button type="submit">Show</button>
    </Form>
  );

  if (loaded.view === "partner") {
    const own = loaded.data;
    return (
      <>
        <p>
          <Link to="/leads">← Leads</Link>
        </p>
        <h1>Your lead performance</h1>
        <p className="muted">
          Offers made and leads closed since {formatDate(own.since)}. The vendor routes leads with these figures:
          accepting fast and winning raise your score.
        </p>
        {periodForm}
        <Figures r={own.figures} />
        <section className="card" style={{ marginTop: "1rem" }}>
          <h2 style={{ marginTop: 0 }}>By month</h2>
          <StackedBarChart
            label="Offers per month by outcome"
            keys={[
              { key: "accepted", label: "accepted", color: "#047857" },
              { key: "other", label: "declined, expired, pending or recalled", color: "#a8a29e" },
            ]}
            bars={own.trend.map((t) => ({
              id: t.month,
              tick: t.month.slice(2).replace("-", "/"),
              values: { accepted: t.accepted, other: t.offers - t.accepted },
            }))}
            totals
          />
          <div className="table-wrap">
            <table aria-label="Trend by month">
              <thead>
                <tr>
                  <th scope="col">Month</th>
                  <th scope="col">Offers</th>
                  <th scope="col">Acceptance rate</th>
                  <th scope="col">Won</th>
                  <th scope="col">Lost</th>
                  <th scope="col">Win rate</th>
                </tr>
              </thead>
              <tbody>
                {own.trend.map((t) => (
                  <tr key={t.month}>
                    <td>{t.month}</td>
                    <td>{t.offers}</td>
                    <td>{formatRate(t.acceptanceRate)}</td>
                    <td>{t.won}</td>
                    <td>{t.lost}</td>
                    <td>{formatRate(t.winRate)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      </>
    );
  }

  const vendor = loaded.data;
  const sortLink = (sort: PerformanceSort) => {
    const s = new URLSearchParams({ period: vendor.query.period, sort });
    if (vendor.query.sort === sort && !vendor.query.dir) {
      s.set("dir", sort === "name" || sort === "medianHoursToAccept" ? "desc" : "asc");
    }
    return `?${s.toString()}`;
  };
  const csvHref = `/leads/performance.csv?${new URLSearchParams({ period: vendor.query.period, sort: vendor.query.sort, ...(vendor.query.dir ? { dir: vendor.query.dir } : {}) }).toString()}`;
  return (
    <>
      <p>
        <Link to="/leads/manage">← Lead board</Link>
      </p>
      <div className="actions" style={{ justifyContent: "space-between", marginBottom: "1rem" }}>
        <h1 style={{ margin: 0 }}>Partner lead performance</h1>
        <a href={csvHref} download>
          Export CSV
        </a>
      </div>
      <p className="muted">
        Offers made and leads closed since {formatDate(vendor.since)}; open leads are now. Acceptance rate: accepted of
        accepted, declined and expired (recalls are yours and do not count). Revenue per currency, never added across
        currencies.
      </p>
      {periodForm}
      {vendor.rows.length === 0 ? (
        <EmptyState title="No figures yet">Partners appear here once they have been offered leads.</EmptyState>
      ) : (
        <>
          <div className="grid" style={{ gridTemplateColumns: "repeat(auto-fit, minmax(320px, 1fr))" }}>
            <section className="card">
              <h2 style={{ marginTop: 0 }}>Acceptance rate</h2>
              <BarList
                label="Acceptance rate per partner"
                max={1}
                color="#047857"
                items={vendor.rows.map((r) => ({
                  key: r.partnerId,
                  label: r.partnerName,
                  value: r.acceptanceRate ?? 0,
                  display: formatRate(r.acceptanceRate),
                }))}
              />
            </section>
            <section className="card">
              <h2 style={{ marginTop: 0 }}>Win rate</h2>
              <BarList
                label="Win rate per partner"
                max={1}
                color="#65a30d"
                items={vendor.rows.map((r) => ({
                  key: r.partnerId,
                  label: r.partnerName,
                  value: r.winRate ?? 0,
                  display: formatRate(r.winRate),
                }))}
              />
            </section>
          </div>
          <div className="table-wrap">
            <table aria-label="Performance per partner">
              <thead>
                <tr>
                  {columns.map((c) => (
                    <th
                      scope="col"
                      key={c.sort}
                      aria-sort={
                        vendor.query.sort === c.sort
                          ? vendor.query.dir === "asc"
                            ? "ascending"
                            : "descending"
                          : undefined
                      }
                    >
                      <Link to={sortLink(c.sort)}>{c.label}</Link>
                    </th>
                  ))}
                  <th scope="col">Won revenue</th>
                </tr>
              </thead>
              <tbody>
                {vendor.rows.map((r) => (
                  <tr key={r.partnerId} data-partner={r.partnerId}>
                    <td>{r.partnerName}</td>
                    <td>
                      {r.offers}
                      <div className="muted">
                        {r.accepted} acc. · {r.declined} decl. · {r.expired} exp. · {r.pending} pend.
                      </div>
                    </td>
                    <td>{formatRate(r.acceptanceRate)}</td>
                    <td>{formatHours(r.medianHoursToAccept)}</td>
                    <td>
                      {formatRate(r.winRate)}
                      <div className="muted">
                        {r.won} won · {r.lost} lost
                      </div>
                    </td>
                    <td>{r.openLeads}</td>
                    <td>{r.slaBreaches ? <span className="badge bad">{r.slaBreaches}</span> : 0}</td>
                    <td>{r.revenue.length ? r.revenue.map((v) => <div key={v.currency}>{v.formatted}</div>) : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  );
}
