import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { FilterSelect } from "~/components/forms";
import { EmptyState, Pagination, formatDate } from "~/components/ui";
import { z } from "zod";
import { formatAmount } from "~/modules/deals/lifecycle-schemas";
import { partnerFilterOptions } from "~/modules/licensing/pages.server";
import { listOrders } from "~/modules/licensing/queries.server";
import { orderRef, orderStatusLabels, orderStatuses, paymentMethodLabels } from "~/modules/licensing/schemas";
import { countryName } from "~/utils/countries";
import { isVendorRole } from "~/utils/permissions";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "License orders · Channel Partner Portal" }];

const PAGE_SIZE = 25;
const filterSchema = z.object({
  q: z.string().trim().max(200).optional().catch(undefined),
  status: z.enum(orderStatuses).optional().catch(undefined),
  partner: z.string().uuid().optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1),
});

/** Partners: their own orders. Vendor license admins: every partner's, with the partner as a column and a filter. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(
    request,
    (role) => (isVendorRole(role) ? "licenses:manage-all" : "licenses:order"),
    context.ip,
  );
  const filter = filterSchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const list = await listOrders(ctx.db, {
    actor: ctx.actor,
    query: { q: filter.q, status: filter.status, partnerId: filter.partner, page: filter.page, perPage: PAGE_SIZE },
  });
  return {
    viewer: ctx.actor.partnerId ? ("partner" as const) : ("vendor" as const),
    rows: list.rows.map((r) => ({
      id: r.id,
      ref: orderRef(r.id),
      partnerName: r.partnerName,
      customerCompany: r.customerCompany,
      customerDomain: r.customerDomain,
      customerCountry: r.customerCountry,
      total: formatAmount(r.totalMinor, r.currency),
      status: r.status,
      statusLabel: orderStatusLabels[r.status],
      paymentMethod: r.paymentMethod,
      renewal: !!r.renewalOfLicenseId,
      createdAt: r.createdAt,
    })),
    total: list.total,
    page: list.page,
    pageSize: list.perPage,
    partnerOptions: await partnerFilterOptions(ctx),
    filtered: !!(filter.q || filter.status || filter.partner),
  };
}

const statusOptions = orderStatuses.map((s) => ({ value: s, label: orderStatusLabels[s] }));
const tone: Record<string, string> = {
  fulfilled: "good",
  paid: "good",
  cancelled: "bad",
  refunded: "bad",
  payment_failed: "bad",
  checkout_expired: "bad",
};

export default function Orders() {
  const { viewer, rows, total, page, pageSize, partnerOptions, filtered } = useLoaderData<typeof loader>();
  const [search] = useSearchParams();
  const vendor = viewer === "vendor";
  return (
    <>
      <div className="actions" style={{ justifyContent: "space-between", marginBottom: "1rem" }}>
        <h1 style={{ margin: 0 }}>{vendor ? "License orders" : "Your license orders"}</h1>
        <div className="actions">
          <Link to="/licenses">Licenses</Link>
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
          <input
            id="q"
            name="q"
            defaultValue={search.get("q") ?? ""}
            placeholder="customer, domain or your reference"
          />
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
      {rows.length === 0 ? (
        filtered ? (
          <EmptyState title="No orders match">Change the filters to see more.</EmptyState>
        ) : vendor ? (
          <EmptyState title="No license orders yet">
            <p>Partners' orders for their end customers appear here.</p>
          </EmptyState>
        ) : (
          <EmptyState title="No license orders yet">
            <p>Order licenses for an end customer: the signed keys reach you and the customer as soon as it is paid.</p>
            <Link to="/orders/new" className="button">
              Order licenses
            </Link>
          </EmptyState>
        )
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Order</th>
                {vendor ? <th>Partner</th> : null}
                <th>Customer</th>
                <th>Country</th>
                <th>Total</th>
                <th>Payment</th>
                <th>Status</th>
                <th>Placed</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((o) => (
                <tr key={o.id}>
                  <td>
                    <Link to={`/orders/${o.id}`}>{o.ref}</Link>
                    {o.renewal ? <div className="muted">renewal</div> : null}
                  </td>
                  {vendor ? <td>{o.partnerName}</td> : null}
                  <td>
                    {o.customerCompany}
                    <div className="muted">{o.customerDomain}</div>
                  </td>
                  <td>{countryName(o.customerCountry)}</td>
                  <td>{o.total}</td>
                  <td>{paymentMethodLabels[o.paymentMethod].split(" (")[0]}</td>
                  <td>
                    <span className={`badge ${tone[o.status] ?? ""}`}>{o.statusLabel}</span>
                  </td>
                  <td>{formatDate(o.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination page={page} pageSize={pageSize} total={total} search={search} />
    </>
  );
}
