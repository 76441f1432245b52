import { redirect, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { FilterSelect } from "~/components/forms";
import { EmptyState, Pagination, formatDate } from "~/components/ui";
import { partnerLeads, timeLeftText } from "~/modules/leads/queries.server";
import { leadRef } from "~/modules/leads/status";
import { partnerLeadFilterSchema } from "~/modules/leads/work-schemas";
import { isVendorRole, can } from "~/utils/permissions";
import { requireUser, requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Leads · Channel Partner Portal" }];

/** Partners: the leads they hold (offers waiting first). Vendor roles work on the board at /leads/manage. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  if (isVendorRole(user.role)) throw redirect("/leads/manage");
  const { ctx } = await requirePermission(request, "leads:work", context.ip);
  const url = new URL(request.url);
  const filter = partnerLeadFilterSchema.parse(Object.fromEntries(url.searchParams));
  const now = new Date();
  const list = await partnerLeads(ctx, filter, now);
  const declined = Number(url.searchParams.get("declined"));
  return {
    declinedRef: Number.isInteger(declined) && declined > 0 ? leadRef(declined) : null,
    filtered: filter.status !== "all" || !!filter.q,
    isAdmin: can(user.role, "profile:manage"),
    list: {
      ...list,
      rows: list.rows.map((r) => ({
        ...r,
        timeLeft: r.msLeft === null ? "" : timeLeftText(r.msLeft),
      })),
    },
  };
}

const statusOptions = [
  { value: "open", label: "Offered and working" },
  { value: "offered", label: "Offered: waiting for your answer" },
  { value: "working", label: "Working" },
  { value: "closed", label: "Closed (won or lost)" },
  { value: "won", label: "Won" },
  { value: "lost", label: "Lost" },
];

export default function PartnerLeads() {
  const { list, filtered, isAdmin, declinedRef } = useLoaderData<typeof loader>();
  const [search] = useSearchParams();
  return (
    <>
      <div className="actions" style={{ justifyContent: "space-between", marginBottom: "1rem" }}>
        <h1 style={{ margin: 0 }}>Leads</h1>
        <div className="actions">
          <Link to="/leads/performance">Your figures</Link>
          {isAdmin ? <Link to="/leads/settings">Who receives offers</Link> : null}
        </div>
      </div>
      {declinedRef ? (
        <p className="notice" role="status">
          You declined {declinedRef}: it goes to another partner. Thank you for answering.
        </p>
      ) : null}
      <Form method="get" className="filters">
        <FilterSelect
          name="status"
          label="Status"
          allLabel="All leads"
          value={search.get("status")}
          options={statusOptions}
        />
        <div className="field">
          <label htmlFor="q">Search</label>
          <input id="q" name="q" defaultValue={search.get("q") ?? ""} placeholder="company, domain or contact" />
        </div>
        <button type="submit">Filter</button>
      </Form>
      {list.rows.length === 0 ? (
        filtered ? (
          <EmptyState title="No leads match">Change the filters to see more.</EmptyState>
        ) : (
          <EmptyState title="No leads yet">
            <p>
              When the vendor offers your company a lead, it appears here and your admins receive a mail. Accept it in
              time to work it.
            </p>
          </EmptyState>
        )
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Lead</th>
                <th>Company</th>
                <th>Location</th>
                <th>Interest</th>
                <th>Status</th>
                <th>Accept by / next step</th>
              </tr>
            </thead>
            <tbody>
              {list.rows.map((l) => (
                <tr key={l.id}>
                  <td>
                    <Link to={`/leads/${l.id}`}>{l.ref}</Link>
                  </td>
                  <td>{l.companyName}</td>
                  <td>
                    {l.countryName}
                    {l.region ? <div className="muted">{l.region}</div> : null}
                  </td>
                  <td>
                    {l.productName ?? "—"}
                    {l.seats ? <div className="muted">{l.seats} seats</div> : null}
                  </td>
                  <td>
                    <span
                      className={
                        l.status === "offered"
                          ? "badge gold"
                          : l.status === "won"
                            ? "badge good"
                            : l.status === "lost"
                              ? "badge bad"
                              : "badge"
                      }
                    >
                      {l.statusLabel}
                    </span>
                  </td>
                  <td>
                    {l.status === "offered" ? (
                      <>
                        <strong>{l.timeLeft}</strong>
                        <div className="muted">{l.acceptByText}</div>
                      </>
                    ) : l.nextStepDate ? (
                      <>
                        {l.nextStepDate}
                        {l.nextStep ? <div className="muted">{l.nextStep}</div> : null}
                      </>
                    ) : l.closedAt ? (
                      <span className="muted">closed {formatDate(l.closedAt)}</span>
                    ) : (
                      "—"
                    )}
                  </td>
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
