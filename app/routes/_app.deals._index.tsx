import { VendorPipeline } from "~/components/deal-pipeline";
import { pipelineData } from "~/modules/deals/pipeline.server";
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { FilterSelect } from "~/components/forms";
import { EmptyState, Pagination, formatDate } from "~/components/ui";
import { getDeal, listDeals, type DealListRow } from "~/modules/deals/queries.server";
import {
  dealListFilterSchema,
  dealStatuses,
  formatMoney,
  salesStages,
  stageLabels,
  statusLabels,
  statusTone,
  type DealStatus,
} from "~/modules/deals/schemas";
import { countryName } from "~/utils/countries";
import { NotFoundError } from "~/utils/errors.server";
import { isVendorRole } from "~/utils/permissions";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Deals · Channel Partner Portal" }];

/** Partners: their own registrations. Vendor roles: every partner's (VendorDeals). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, ctx } = await requirePermission(
    request,
    (role) => (isVendorRole(role) ? "deals:review" : "deals:register"),
    context.ip,
  );
  const url = new URL(request.url);
  if (isVendorRole(user.role)) return { view: "vendor" as const, pipeline: await pipelineData(ctx, url) };
  const filter = dealListFilterSchema.parse(Object.fromEntries(url.searchParams));
  const list = await listDeals(ctx, filter);
  const filtered = !!(filter.status || filter.stage || filter.q);
  const registeredId = url.searchParams.get("registered");
  const registered = registeredId
    ? await getDeal(ctx, registeredId).catch((err: unknown) => {
        if (err instanceof NotFoundError) return null;
        throw err;
      })
    : null;
  return {
    view: "partner" as const,
    list,
    filtered,
    registered: registered
      ? { id: registered.id, customerName: registered.customerName, conflictFlag: registered.conflictFlag }
      : null,
  };
}

type Row = DealListRow;

function statusBadgeClass(status: string): string {
  const tone = statusTone(status);
  return tone ? `badge ${tone}` : "badge";
}

const statusOptions = dealStatuses.map((s) => ({ value: s, label: statusLabels[s] }));
const stageOptions = salesStages.map((s) => ({ value: s, label: stageLabels[s] }));

export default function Deals() {
  const data = useLoaderData<typeof loader>();
  if (data.view === "vendor") return <VendorPipeline data={data.pipeline} />;
  return <PartnerDeals data={data} />;
}

function PartnerDeals({
  data,
}: {
  data: Extract<ReturnType<typeof useLoaderData<typeof loader>>, { view: "partner" }>;
}) {
  const { list, filtered, registered } = data;
  const [search] = useSearchParams();
  const rows: Row[] = list.rows;
  return (
    <>
      <div className="actions" style={{ justifyContent: "space-between", marginBottom: "1rem" }}>
        <h1 style={{ margin: 0 }}>Deal registrations</h1>
        <Link to="/deals/new" className="button">
          Register a deal
        </Link>
      </div>
      {registered ? (
        <p className="notice" role="status">
          Registered <Link to={`/deals/${registered.id}`}>{registered.customerName}</Link>. A channel manager reviews it
          {registered.conflictFlag
            ? "; a similar registration exists, so it is flagged for a closer look."
            : "; you will hear by mail."}
        </p>
      ) : null}
      <Form method="get" className="filters">
        <FilterSelect
          name="status"
          label="Status"
          allLabel="All statuses"
          value={search.get("status")}
          options={statusOptions}
        />
        <FilterSelect
          name="stage"
          label="Stage"
          allLabel="All stages"
          value={search.get("stage")}
          options={stageOptions}
        />
        <div className="field">
          <label htmlFor="q">Customer</label>
          <input id="q" name="q" defaultValue={search.get("q") ?? ""} placeholder="name or domain" />
        </div>
        <button type="submit">Filter</button>
      </Form>
      {rows.length === 0 ? (
        filtered ? (
          <EmptyState title="No registrations match">Change the filters to see more.</EmptyState>
        ) : (
          <EmptyState title="No deal registrations yet">
            <p>
              Register an opportunity to have it protected from channel conflict once a channel manager approves it.
            </p>
            <Link to="/deals/new" className="button">
              Register a deal
            </Link>
          </EmptyState>
        )
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Customer</th>
                <th>Country</th>
                <th>Value</th>
                <th>Stage</th>
                <th>Status</th>
                <th>Protected until</th>
                <th>Expected close</th>
                <th>Registered</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr key={d.id}>
                  <td>
                    <Link to={`/deals/${d.id}`}>{d.customerName}</Link>
                    <div className="muted">{d.customerDomain}</div>
                  </td>
                  <td>{countryName(d.country)}</td>
                  <td>{formatMoney(d.valueMinor, d.currency)}</td>
                  <td>{stageLabels[d.stage]}</td>
                  <td>
                    <span className={statusBadgeClass(d.status)}>{statusLabels[d.status as DealStatus]}</span>
                    {d.conflictFlag && (d.status === "pending_review" || d.status === "changes_requested") ? (
                      <div className="muted">Flagged for review</div>
                    ) : null}
                  </td>
                  <td>{d.status === "approved" ? formatDate(d.protectedUntil) : "—"}</td>
                  <td>{d.expectedCloseDate}</td>
                  <td>{formatDate(d.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination page={list.page} pageSize={list.pageSize} total={list.total} search={search} />
    </>
  );
}
