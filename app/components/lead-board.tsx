/**
 * The vendor's lead board (/leads/manage): figures, the status chart, the age
 * of open leads, the filters, and the table with checkboxes for bulk routing.
 * Render it with the loader data of leadBoard (app/modules/leads/board.server.ts).
 */
import { Form, Link, useNavigation, useSearchParams } from "@remix-run/react";
import { BarList } from "~/components/bar-list";
import { FilterSelect } from "~/components/forms";
import { StackedBarChart } from "~/components/status-chart";
import { EmptyState, Pagination, formatDateTime } from "~/components/ui";
import type { LeadBoardData } from "~/modules/leads/board.server";

export interface BulkRouteResult {
  offered: number;
  noPartner: number;
  skipped: number;
  /** Lines to show: the skipped leads with their reasons. */
  skippedReasons: { ref: string; reason: string }[];
}

const statusTone: Record<string, string> = {
  won: "good",
  lost: "bad",
  held: "silver",
  offered: "gold",
};

export function LeadStatusBadge({ status, label }: { status: string; label: string }) {
  return <span className={`badge ${statusTone[status] ?? ""}`}>{label}</span>;
}

export function LeadBoard({
  data,
  canConfigure,
  bulk,
  bulkError,
}: {
  data: LeadBoardData;
  canConfigure: boolean;
  bulk?: BulkRouteResult | null;
  bulkError?: string | null;
}) {
  const [search] = useSearchParams();
  const busy = useNavigation().formData?.get("intent") === "route";
  const { filter, options } = data;
  const filtered = data.query !== "" && data.query !== `sort=${filter.sort}`;
  const csvHref = `/leads/manage/export.csv${data.query ? `?${data.query}` : ""}`;
  return (
    <>
      <div className="actions" style={{ justifyContent: "space-between", marginBottom: "1rem" }}>
        <h1 style={{ margin: 0 }}>Lead board</h1>
        <div className="actions">
          <Link to="/leads/new" className="button">
            New lead
          </Link>
          <Link to="/leads/import">Import CSV</Link>
          {canConfigure ? <Link to="/leads/rules">Routing rules</Link> : null}
          <Link to="/leads/performance">Performance</Link>
          <a href={csvHref} download>
            Export CSV
          </a>
        </div>
      </div>

      <div className="grid" style={{ marginBottom: "1rem" }} aria-label="Figures">
        <Link to="/leads/manage?attention=yes" className="card" data-figure="attention">
          <div className="stat">{data.needsAttention}</div>
          <div className="muted">need attention</div>
        </Link>
        <Link to="/leads/manage?sla=breached&sort=accept_by" className="card" data-figure="overdue">
          <div className="stat">{data.sla.overdue}</div>
          <div className="muted">offers past their accept-by time</div>
        </Link>
        <div className="card" data-figure="late">
          <div className="stat">{data.sla.lateAnswers}</div>
          <div className="muted">answered late, last {data.sla.days} days</div>
        </div>
        <div className="card" data-figure="expired">
          <div className="stat">{data.sla.expired}</div>
          <div className="muted">offers expired, last {data.sla.days} days</div>
        </div>
      </div>

      <div className="grid" style={{ gridTemplateColumns: "repeat(auto-fit, minmax(320px, 1fr))" }}>
        <section className="card">
          <h2 style={{ marginTop: 0 }}>Leads by status</h2>
          <StackedBarChart
            label="Leads by status"
            keys={[
              { key: "ok", label: "leads", color: "#0b4f6c" },
              { key: "attention", label: "needing attention", color: "#b91c1c" },
            ]}
            bars={data.statusBars}
            totals
          />
        </section>
        <section className="card">
          <h2 style={{ marginTop: 0 }}>Age of open leads</h2>
          <BarList
            label="Open leads by age"
            items={data.ages.map((a) => ({ key: a.key, label: a.label, value: a.count }))}
          />
          <p className="muted" style={{ marginBottom: 0 }}>
            Since the lead came in; every open status (with the vendor, offered, being worked).
          </p>
        </section>
      </div>

      <Form method="get" className="filters" role="search" aria-label="Filter the leads">
        <FilterSelect
          name="status"
          label="Status"
          allLabel="Open (not won or lost)"
          value={filter.status === "open" ? "" : filter.status}
          options={options.statuses}
        />
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
          name="attention"
          label="Attention"
          allLabel="Any"
          value={filter.attention}
          options={[{ value: "yes", label: "Needs attention" }]}
        />
        <FilterSelect
          name="sla"
          label="SLA"
          allLabel="Any"
          value={filter.sla}
          options={[{ value: "breached", label: "Breached" }]}
        />
        <FilterSelect
          name="source"
          label="Source"
          allLabel="Any source"
          value={filter.source}
          options={options.sources}
        />
        <div className="field">
          <label htmlFor="q">Search</label>
          <input id="q" name="q" type="search" defaultValue={filter.q ?? ""} placeholder="Company, contact, L-000123" />
        </div>
        <FilterSelect
          name="sort"
          label="Sort"
          allLabel="Newest first"
          value={filter.sort === "newest" ? "" : filter.sort}
          options={options.sorts}
        />
        <button type="submit">Filter</button>
        {filtered ? <Link to="/leads/manage">Reset</Link> : null}
      </Form>

      {bulk ? (
        <div className="notice" role="status" data-bulk-result>
          Routed the selection: <strong>{bulk.offered}</strong> offered, <strong>{bulk.noPartner}</strong> without an
          eligible partner (flagged), <strong>{bulk.skipped}</strong> skipped.
          {bulk.skippedReasons.length ? (
            <ul style={{ margin: "0.3rem 0 0" }}>
              {bulk.skippedReasons.map((s) => (
                <li key={s.ref}>
                  {s.ref}: {s.reason}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {bulkError ? (
        <p className="form-error" role="alert">
          {bulkError}
        </p>
      ) : null}

      {data.rows.length === 0 ? (
        <EmptyState title={filtered ? "No leads match" : "No open leads"}>
          {filtered ? "Change the filters to see more." : "New leads from the form, the API and imports appear here."}
        </EmptyState>
      ) : (
        <Form method="post" aria-label="Leads">
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">
                    <span className="muted">Select</span>
                  </th>
                  <th scope="col">Lead</th>
                  <th scope="col">Contact</th>
                  <th scope="col">Country</th>
                  <th scope="col">Status</th>
                  <th scope="col">Partner</th>
                  <th scope="col">Age</th>
                  <th scope="col">Accept by</th>
                </tr>
              </thead>
              <tbody>
                {data.rows.map((r) => (
                  <tr key={r.id} data-lead={r.id}>
                    <td>
                      <input
                        type="checkbox"
                        name="leadId"
                        value={r.id}
                        aria-label={`Select ${r.ref}`}
                        disabled={r.status !== "new"}
                        style={{ width: "auto" }}
                      />
                    </td>
                    <td>
                      <Link to={`/leads/manage/${r.id}`}>{r.companyName}</Link>
                      <div className="muted">
                        {r.ref}
                        {r.needsAttention ? (
                          <>
                            {" "}
                            <span className="badge bad" title={r.attentionReason ?? undefined}>
                              needs attention
                            </span>
                          </>
                        ) : null}
                      </div>
                    </td>
                    <td>
                      {r.contactName}
                      <div className="muted">{r.contactEmail}</div>
                    </td>
                    <td>{r.countryName}</td>
                    <td>
                      <LeadStatusBadge status={r.status} label={r.statusLabel} />
                      {r.offerCount > 0 ? <div className="muted">{r.offerCount} offer(s)</div> : null}
                    </td>
                    <td>{r.partnerName ?? <span className="muted">with the vendor</span>}</td>
                    <td title={formatDateTime(r.createdAt)}>{r.age}</td>
                    <td>
                      {r.acceptBy ? (
                        <>
                          <span className={`badge ${r.overdue ? "bad" : ""}`}>{r.acceptByLeft}</span>
                          <div className="muted">{formatDateTime(r.acceptBy)}</div>
                        </>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="actions" style={{ marginTop: "0.5rem" }}>
            <button type="submit" name="intent" value="route" disabled={busy}>
              {busy ? "Routing…" : "Route selected"}
            </button>
            <span className="muted">Only new leads (with the vendor, not held) can be selected.</span>
          </div>
        </Form>
      )}
      <Pagination page={data.page} pageSize={data.pageSize} total={data.total} search={search} />
    </>
  );
}
