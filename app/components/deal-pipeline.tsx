/**
 * The vendor's pipeline of deal registrations (the /deals page for vendor
 * roles): filters in the query string, totals per currency, charts, the
 * table and the CSV link. Render it with the loader data of pipelineData
 * (app/modules/deals/pipeline.server.ts):
 *
 *   export async function loader(...) { return { pipeline: await pipelineData(ctx, request.url) }; }
 *   <VendorPipeline data={useLoaderData<typeof loader>().pipeline} />
 *
 * Every amount arrives formatted by the server in its own currency; no total
 * adds different currencies together.
 */
import { Form, Link, useSearchParams } from "@remix-run/react";
import { FilterSelect } from "~/components/forms";
import { StackedBarChart } from "~/components/status-chart";
import { EmptyState, formatDate, formatDateTime } from "~/components/ui";
import { DealStatusBadge } from "~/components/deal-actions";
import type { PipelineData } from "~/modules/deals/pipeline.server";

/** The loader data (single fetch keeps its dates as Date objects). */
export type VendorPipelineData = PipelineData;

const weekTick = (monday: string) => `${monday.slice(8, 10)}/${monday.slice(5, 7)}`;

export function VendorPipeline({ data }: { data: VendorPipelineData }) {
  const [search] = useSearchParams();
  const { filter, options } = data;
  const pages = Math.max(1, Math.ceil(data.total / data.pageSize));
  const pageLink = (p: number) => {
    const s = new URLSearchParams(search);
    s.set("page", String(p));
    return `?${s.toString()}`;
  };
  const filtered = data.query !== "";
  const csvHref = `/deals/pipeline.csv${data.query ? `?${data.query}` : ""}`;
  return (
    <>
      <div className="actions" style={{ justifyContent: "space-between", marginBottom: "1rem" }}>
        <h1 style={{ margin: 0 }}>Deal pipeline</h1>
        <div className="actions">
          <Link to="/deals/review" className="button">
            Review queue
          </Link>
          <a href={csvHref} download>
            Download CSV
          </a>
        </div>
      </div>

      <Form method="get" className="filters" role="search" aria-label="Filter the pipeline">
        <FilterSelect
          name="status"
          label="Status"
          allLabel="Open (waiting, changes requested, approved)"
          value={filter.status === "open" ? "" : filter.status}
          options={options.statuses.filter((o) => o.value !== "open")}
        />
        <FilterSelect name="stage" label="Stage" allLabel="All stages" value={filter.stage} options={options.stages} />
        <FilterSelect
          name="country"
          label="Country"
          allLabel="All countries"
          value={filter.country}
          options={options.countries}
        />
        <FilterSelect
          name="partnerId"
          label="Partner"
          allLabel="All partners"
          value={filter.partnerId}
          options={options.partners}
        />
        <FilterSelect
          name="currency"
          label="Currency"
          allLabel="All currencies"
          value={filter.currency}
          options={options.currencies}
        />
        <div className="field">
          <label htmlFor="closeFrom">Closing from</label>
          <input id="closeFrom" name="closeFrom" type="date" defaultValue={filter.closeFrom ?? ""} />
        </div>
        <div className="field">
          <label htmlFor="closeTo">Closing until</label>
          <input id="closeTo" name="closeTo" type="date" defaultValue={filter.closeTo ?? ""} />
        </div>
        <button type="submit">Filter</button>
        {filtered ? <Link to="/deals">Reset</Link> : null}
      </Form>

      <div className="grid" style={{ marginBottom: "1rem" }} aria-label="Totals per currency">
        {data.totals.length === 0 ? (
          <div className="card">
            <div className="stat">0</div>
            <div className="muted">registrations</div>
          </div>
        ) : (
          data.totals.map((t) => (
            <div className="card" key={t.currency} data-currency={t.currency}>
              <div className="stat">{t.value}</div>
              <div className="muted">
                {t.count} registration{t.count === 1 ? "" : "s"} in {t.currency}
              </div>
            </div>
          ))
        )}
      </div>

      <div className="grid" style={{ gridTemplateColumns: "repeat(auto-fit, minmax(320px, 1fr))" }}>
        <section className="card">
          <h2 style={{ marginTop: 0 }}>Value by stage ({data.byStage.currency})</h2>
          {data.byStage.keys.length === 0 ? (
            <p className="muted">
              No {data.byStage.currency} registrations match. Choose another currency in the filter to chart it.
            </p>
          ) : (
            <StackedBarChart
              label={`Pipeline value by stage in ${data.byStage.currency}`}
              keys={data.byStage.keys}
              bars={data.byStage.bars}
            />
          )}
          <p className="muted" style={{ marginBottom: 0 }}>
            In whole {data.byStage.currency}; one currency at a time (pick it in the filter).
          </p>
        </section>
        <section className="card">
          <h2 style={{ marginTop: 0 }}>Registrations per week</h2>
          <StackedBarChart
            label="Registrations per week, last 12 weeks"
            keys={[
              { key: "clear", label: "no conflict", color: "#0b4f6c" },
              { key: "flagged", label: "flagged", color: "#b91c1c" },
            ]}
            bars={data.perWeek.map((w) => ({
              id: `week of ${w.week}`,
              tick: weekTick(w.week),
              values: { clear: w.clear, flagged: w.flagged },
            }))}
            totals
          />
          <p className="muted" style={{ marginBottom: 0 }}>
            Every status; the stage, country, partner and currency filters apply.
          </p>
        </section>
      </div>

      <h2>By country</h2>
      {data.byCountry.length === 0 ? (
        <EmptyState title="No registrations match" />
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Country</th>
                <th scope="col">Registrations</th>
                <th scope="col">Value per currency</th>
              </tr>
            </thead>
            <tbody>
              {data.byCountry.map((c) => (
                <tr key={c.country} data-country={c.country}>
                  <td>{c.countryName}</td>
                  <td>{c.count}</td>
                  <td>{c.values.join(" · ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>Registrations</h2>
      {data.rows.length === 0 ? (
        <EmptyState title="No registrations match">Change the filters to see more.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Customer</th>
                <th scope="col">Partner</th>
                <th scope="col">Country</th>
                <th scope="col">Value</th>
                <th scope="col">Stage</th>
                <th scope="col">Status</th>
                <th scope="col">Expected close</th>
                <th scope="col">Registered</th>
              </tr>
            </thead>
            <tbody>
              {data.rows.map((r) => (
                <tr key={r.id} data-deal={r.id}>
                  <td>
                    <Link to={`/deals/${r.id}`}>{r.customerName}</Link>
                    <div className="muted">
                      {r.customerDomain}
                      {r.conflictFlag ? (
                        <>
                          {" "}
                          <span className="badge bad">conflict</span>
                        </>
                      ) : null}
                    </div>
                  </td>
                  <td>{r.partnerName}</td>
                  <td>{r.countryName}</td>
                  <td>{r.value}</td>
                  <td>{r.stage}</td>
                  <td>
                    <DealStatusBadge status={r.status} label={r.statusLabel} />
                    {r.status === "approved" && r.protectedUntil ? (
                      <div className="muted">until {formatDate(r.protectedUntil)}</div>
                    ) : null}
                  </td>
                  <td>{r.expectedCloseDate}</td>
                  <td>{formatDateTime(r.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="pagination">
        {data.page > 1 ? <Link to={pageLink(data.page - 1)}>← Previous</Link> : <span />}
        <span className="muted">
          Page {data.page} of {pages} · {data.total} in all · by expected close date
        </span>
        {data.page < pages ? <Link to={pageLink(data.page + 1)}>Next →</Link> : null}
      </div>
    </>
  );
}
