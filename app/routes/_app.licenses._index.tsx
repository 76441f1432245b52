import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { FilterSelect } from "~/components/forms";
import { EmptyState, Pagination, formatDate } from "~/components/ui";
import { licenseQueryOf, partnerFilterOptions } from "~/modules/licensing/pages.server";
import { seatsText } from "~/modules/licensing/pricing";
import { listLicenses } from "~/modules/licensing/queries.server";
import { licenseStatusLabels, licenseStatuses } from "~/modules/licensing/schemas";
import { isVendorRole } from "~/utils/permissions";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Licenses · Channel Partner Portal" }];

/** Partners: the licenses of their orders. Vendor license admins: every partner's. Search, status, pages and CSV. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(
    request,
    (role) => (isVendorRole(role) ? "licenses:manage-all" : "licenses:order"),
    context.ip,
  );
  const filter = licenseQueryOf(request.url);
  return {
    viewer: ctx.actor.partnerId ? ("partner" as const) : ("vendor" as const),
    list: await listLicenses(ctx.db, { actor: ctx.actor, query: filter }).then((list) => ({
      ...list,
      rows: list.rows.map((r) => ({ ...r, seatsText: seatsText(r.seats, r.seatUnit) })),
    })),
    partnerOptions: await partnerFilterOptions(ctx),
    filtered: !!(filter.q || filter.status || (!ctx.actor.partnerId && filter.partnerId)),
  };
}

const statusOptions = licenseStatuses.map((s) => ({ value: s, label: licenseStatusLabels[s] }));
const tone = { active: "good", revoked: "bad", expired: "" } as const;

export default function Licenses() {
  const { viewer, list, partnerOptions, filtered } = useLoaderData<typeof loader>();
  const [search] = useSearchParams();
  const vendor = viewer === "vendor";
  const csv = new URLSearchParams(search);
  csv.delete("page");
  return (
    <>
      <div className="actions" style={{ justifyContent: "space-between", marginBottom: "1rem" }}>
        <h1 style={{ margin: 0 }}>Licenses</h1>
        <div className="actions">
          <Link to="/orders">Orders</Link>
          <a href={`/licenses/export.csv${csv.size ? `?${csv.toString()}` : ""}`} download>
            Download CSV
          </a>
          {vendor ? null : (
            <Link to="/orders/new" className="button">
              Order licenses
            </Link>
          )}
        </div>
      </div>
      <Form method="get" className="filters">
        <div className="field">
          <label htmlFor="q">Search</label>
          <input id="q" name="q" defaultValue={search.get("q") ?? ""} placeholder="customer, domain or product" />
        </div>
        <FilterSelect
          name="status"
          label="Status"
          allLabel="All statuses"
          value={search.get("status")}
          options={statusOptions}
        />
        {vendor ? (
          <FilterSelect
            name="partner"
            label="Partner"
            allLabel="All partners"
            value={search.get("partner")}
            options={partnerOptions}
          />
        ) : null}
        <button type="submit">Filter</button>
      </Form>
      {list.rows.length === 0 ? (
        filtered ? (
          <EmptyState title="No licenses match">Change the search or the status to see more.</EmptyState>
        ) : (
          <EmptyState title="No licenses yet">
            <p>
              {vendor
                ? "Licenses appear here as partners' orders are paid."
                : "Each paid order line becomes a license with a signed key; order licenses for an end customer to begin."}
            </p>
            {vendor ? null : (
              <Link to="/orders/new" className="button">
                Order licenses
              </Link>
            )}
          </EmptyState>
        )
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                {vendor ? <th>Partner</th> : null}
                <th>Customer</th>
                <th>Product</th>
                <th>Seats</th>
                <th>Valid until</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {list.rows.map((l) => (
                <tr key={l.id}>
                  {vendor ? <td>{l.partnerName}</td> : null}
                  <td>
                    <Link to={`/licenses/${l.id}`}>{l.customerCompany}</Link>
                    <div className="muted">{l.customerDomain}</div>
                  </td>
                  <td>
                    {l.productName} {l.edition} <span className="muted">({l.sku})</span>
                  </td>
                  <td>{l.seatsText}</td>
                  <td>{l.validUntil ? formatDate(l.validUntil) : "perpetual"}</td>
                  <td>
                    <span className={`badge ${tone[l.status]}`}>{licenseStatusLabels[l.status]}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination page={list.page} pageSize={list.perPage} total={list.total} search={search} />
    </>
  );
}
