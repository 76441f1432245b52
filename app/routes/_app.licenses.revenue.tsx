import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { BarList } from "~/components/bar-list";
import { FilterSelect } from "~/components/forms";
import { StackedBarChart } from "~/components/status-chart";
import { EmptyState } from "~/components/ui";
import { formatAmount } from "~/modules/deals/lifecycle-schemas";
import { parseRevenueQuery, revenueReport } from "~/modules/licensing/vendor-pages.server";
import { toHttpError } from "~/utils/errors.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "License revenue · Channel Partner Portal" }];

/** License revenue for the vendor's license admins; the filters live in the query string (a GET form). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "licenses:manage-all", context.ip);
  const url = new URL(request.url);
  const report = await revenueReport(ctx, parseRevenueQuery(url.searchParams)).catch(toHttpError);
  // Amounts are formatted on the server (the browser's Intl may differ and break hydration).
  const usd = (minor: number) => formatAmount(minor, report.base);
  return {
    ...report,
    search: url.searchParams.toString(),
    totalText: usd(report.totals.baseMinor),
    months: report.months.map((m) => ({ ...m, text: usd(m.baseMinor) })),
    byProduct: report.byProduct.map((p) => ({ ...p, text: usd(p.baseMinor) })),
    byCountry: report.byCountry.map((c) => ({ ...c, text: usd(c.baseMinor) })),
    termsPartners: report.termsPartners.map((p) => ({ ...p, text: usd(p.baseMinor) })),
  };
}

const MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** "Mar"; the first bar and every January also carry the year ("Jan 26"). */
const monthTick = (month: string, first: boolean) => {
  const name = MONTH_NAMES[Number(month.slice(5, 7)) - 1] ?? month;
  return first || month.endsWith("-01") ? `${name} ${month.slice(2, 4)}` : name;
};

export default function LicenseRevenue() {
  const r = useLoaderData<typeof loader>();
  const filtered = !!(r.query.currency || r.query.country);
  const csvHref = `/licenses/revenue.csv${r.search ? `?${r.search}` : ""}`;
  return (
    <>
      <div className="actions" style={{ justifyContent: "space-between", marginBottom: "1rem" }}>
        <h1 style={{ margin: 0 }}>License revenue</h1>
        <div className="actions">
          <Link to="/catalog">Catalog</Link>
          <Link to="/catalog/rates">Exchange rates</Link>
          <a href={csvHref} download>
            Download CSV
          </a>
        </div>
      </div>
      <p className="muted">
        Paid license orders of the last 12 months in {r.base}, each converted at the rate in force on the day it was
        paid. Refunded orders do not count.
      </p>

      <Form method="get" className="filters" role="search" aria-label="Filter the revenue">
        <FilterSelect
          name="currency"
          label="Order currency"
          allLabel="All currencies"
          value={r.query.currency}
          options={r.options.currencies}
        />
        <FilterSelect
          name="country"
          label="Customer country"
          allLabel="All countries"
          value={r.query.country}
          options={r.options.countries}
        />
        <button type="submit">Filter</button>
        {filtered ? <Link to="/licenses/revenue">Reset</Link> : null}
      </Form>

      {r.missingRates.length > 0 ? (
        <p className="warning" role="alert">
          No exchange rate was in force for some orders in {r.missingRates.join(", ")} on the day they were paid: they
          are left out of the sums. <Link to="/catalog/rates">Add the rates</Link>.
        </p>
      ) : null}

      <div className="grid" style={{ marginBottom: "1rem" }}>
        <div className="card">
          <div className="stat" data-figure="revenue">
            {r.totalText}
          </div>
          <div className="muted">revenue, last 12 months</div>
        </div>
        <div className="card">
          <div className="stat" data-figure="orders">
            {r.totals.orders}
          </div>
          <div className="muted">paid orders</div>
        </div>
        <div className="card">
          <div className="stat" data-figure="partners">
            {r.totals.partners}
          </div>
          <div className="muted">partners ordering</div>
        </div>
      </div>

      <section className="card">
        <h2 style={{ marginTop: 0 }}>Revenue per month</h2>
        <StackedBarChart
          label={`License revenue per month in whole ${r.base}, last 12 months`}
          keys={[{ key: "revenue", label: `revenue in whole ${r.base}`, color: "#0b4f6c" }]}
          bars={r.months.map((m, i) => ({
            id: `${m.month}: ${m.text}`,
            tick: monthTick(m.month, i === 0),
            values: { revenue: Math.round(m.baseMinor / 100) },
          }))}
          totals
        />
      </section>

      <div className="grid" style={{ gridTemplateColumns: "repeat(auto-fit, minmax(340px, 1fr))" }}>
        <section className="card">
          <h2 style={{ marginTop: 0 }}>By product</h2>
          {r.byProduct.length === 0 ? (
            <p className="muted">No paid orders{filtered ? " match the filters" : " yet"}.</p>
          ) : (
            <BarList
              label="Revenue by product"
              items={r.byProduct.map((p) => ({
                key: p.sku,
                label: `${p.sku} · ${p.name}`,
                value: p.baseMinor,
                display: p.text,
              }))}
            />
          )}
        </section>
        <section className="card">
          <h2 style={{ marginTop: 0 }}>By customer country</h2>
          {r.byCountry.length === 0 ? (
            <p className="muted">No paid orders{filtered ? " match the filters" : " yet"}.</p>
          ) : (
            <BarList
              label="Revenue by customer country"
              color="#047857"
              items={r.byCountry.map((c) => ({
                key: c.country,
                label: c.countryName,
                value: c.baseMinor,
                display: c.text,
              }))}
            />
          )}
        </section>
      </div>

      <section>
        <h2>Partners on invoice terms</h2>
        {r.termsPartners.length === 0 ? (
          <EmptyState title="No partner pays by invoice">
            <p>
              Allow a distributor to pay by invoice on the <Link to="/catalog#terms">catalog page</Link>.
            </p>
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Partner</th>
                  <th scope="col">Country</th>
                  <th scope="col">Tier</th>
                  <th scope="col">Revenue, 12 months</th>
                  <th scope="col">Invoice orders awaiting payment</th>
                </tr>
              </thead>
              <tbody>
                {r.termsPartners.map((p) => (
                  <tr key={p.id} data-partner={p.id}>
                    <td>
                      <Link to={`/directory/${p.id}`}>{p.name}</Link>
                    </td>
                    <td>{p.countryName}</td>
                    <td>{r.tierNames[p.tier] ?? p.tier}</td>
                    <td>{p.text}</td>
                    <td>{p.awaitingInvoices}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
