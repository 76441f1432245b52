import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { FilterSelect } from "~/components/forms";
import { EmptyState, formatDateTime } from "~/components/ui";
import { currencies, reviewFilterSchema } from "~/modules/deals/lifecycle-schemas";
import { listReviewQueue } from "~/modules/deals/review.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Deal review · Channel Partner Portal" }];

/** The channel team's queue of registrations to decide, oldest first. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "deals:review", context.ip);
  const filter = reviewFilterSchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  return { queue: await listReviewQueue(ctx, filter), filter };
}

const kindLabels = { new: "new", resubmitted: "resubmitted", appeal: "appeal" } as const;

export default function DealReviewQueue() {
  const { queue, filter } = useLoaderData<typeof loader>();
  const [search] = useSearchParams();
  const pages = Math.max(1, Math.ceil(queue.total / queue.pageSize));
  const pageLink = (p: number) => {
    const s = new URLSearchParams(search);
    s.set("page", String(p));
    return `?${s.toString()}`;
  };
  const filtered = !!(filter.country || filter.partnerId || filter.conflict || filter.currency);
  return (
    <>
      <div className="actions" style={{ justifyContent: "space-between", marginBottom: "1rem" }}>
        <h1 style={{ margin: 0 }}>Deal registrations to review</h1>
        <Link to="/deals">Pipeline →</Link>
      </div>
      <p className="muted">
        Oldest first. The target is {queue.targetBusinessDays} business day
        {queue.targetBusinessDays === 1 ? "" : "s"} (Monday to Friday, UTC) from the registration, its last resubmission
        or its appeal.
      </p>
      <Form method="get" className="filters" role="search" aria-label="Filter the queue">
        <FilterSelect
          name="country"
          label="Country"
          allLabel="All countries"
          value={filter.country}
          options={queue.options.countries}
        />
        <FilterSelect
          name="partnerId"
          label="Partner"
          allLabel="All partners"
          value={filter.partnerId}
          options={queue.options.partners}
        />
        <FilterSelect
          name="conflict"
          label="Conflict"
          allLabel="With or without"
          value={filter.conflict}
          options={[
            { value: "yes", label: "Flagged (conflicts)" },
            { value: "no", label: "No conflict" },
          ]}
        />
        <FilterSelect
          name="currency"
          label="Currency"
          allLabel="All currencies"
          value={filter.currency}
          options={currencies.map((c) => ({ value: c, label: c }))}
        />
        <button type="submit">Filter</button>
        {filtered ? <Link to="/deals/review">Reset</Link> : null}
      </Form>
      {queue.rows.length === 0 ? (
        <EmptyState title={filtered ? "No registrations match" : "Nothing to review"}>
          {filtered ? "Change the filters to see more." : "New registrations, resubmissions and appeals appear here."}
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Waiting since</th>
                <th scope="col">Customer</th>
                <th scope="col">Partner</th>
                <th scope="col">Country</th>
                <th scope="col">Value</th>
                <th scope="col">Stage</th>
                <th scope="col">Time left</th>
              </tr>
            </thead>
            <tbody>
              {queue.rows.map((r) => (
                <tr key={r.id} data-deal={r.id}>
                  <td>
                    {formatDateTime(r.since)}
                    {r.kind !== "new" ? (
                      <div>
                        <span className={`badge ${r.kind === "appeal" ? "gold" : "silver"}`}>{kindLabels[r.kind]}</span>
                      </div>
                    ) : null}
                  </td>
                  <td>
                    <Link to={`/deals/review/${r.id}`}>{r.customerName}</Link>
                    <div className="muted">
                      {r.customerDomain}
                      {r.conflictFlag ? (
                        <>
                          {" "}
                          <span className="badge bad">
                            {r.conflictCount} conflict{r.conflictCount === 1 ? "" : "s"}
                          </span>
                        </>
                      ) : null}
                    </div>
                  </td>
                  <td>{r.partnerName}</td>
                  <td>{r.countryName}</td>
                  <td>{r.value}</td>
                  <td>{r.stage}</td>
                  <td>
                    <span className={`badge ${r.overdue ? "bad" : ""}`}>{r.timeLeft}</span>
                    <div className="muted">due {formatDateTime(r.dueAt)}</div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="pagination">
        {queue.page > 1 ? <Link to={pageLink(queue.page - 1)}>← Previous</Link> : <span />}
        <span className="muted">
          Page {queue.page} of {pages} · {queue.total} waiting · oldest first
        </span>
        {queue.page < pages ? <Link to={pageLink(queue.page + 1)}>Next →</Link> : null}
      </div>
    </>
  );
}
