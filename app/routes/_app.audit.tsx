import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useLoaderData, useSearchParams } from "@remix-run/react";
import { EmptyState, Pagination, formatDateTime } from "~/components/ui";
import { auditActions, auditFilterSchema, listAuditEvents } from "~/modules/audit/queries.server";
import { listPartners } from "~/modules/partners/queries.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Audit · Channel Partner Portal" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "audit:read", context.ip);
  const filter = auditFilterSchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const [events, actions, partners] = await Promise.all([listAuditEvents(ctx, filter), auditActions(ctx), listPartners(ctx)]);
  return { events, actions, partners: partners.map((p) => ({ id: p.id, name: p.name })) };
}

function summary(value: unknown): string {
  if (value === null || value === undefined) return "";
  return JSON.stringify(value);
}

export default function Audit() {
  const { events, actions, partners } = useLoaderData<typeof loader>();
  const [search] = useSearchParams();
  return (
    <>
      <h1>Audit trail</h1>
      <Form method="get" className="filters">
        <div className="field">
          <label htmlFor="action">Action</label>
          <select id="action" name="action" defaultValue={search.get("action") ?? ""}>
            <option value="">All actions</option>
            {actions.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="actor">Actor</label>
          <input id="actor" name="actor" defaultValue={search.get("actor") ?? ""} placeholder="email or key" />
        </div>
        <div className="field">
          <label htmlFor="partnerId">Partner</label>
          <select id="partnerId" name="partnerId" defaultValue={search.get("partnerId") ?? ""}>
            <option value="">All partners</option>
            {partners.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="from">From</label>
          <input id="from" name="from" type="date" defaultValue={search.get("from") ?? ""} />
        </div>
        <div className="field">
          <label htmlFor="to">Before</label>
          <input id="to" name="to" type="date" defaultValue={search.get("to") ?? ""} />
        </div>
        <button type="submit">Filter</button>
      </Form>
      {events.rows.length === 0 ? (
        <EmptyState title="No audit events match">Change the filters to see more.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>When</th>
                <th>Actor</th>
                <th>Action</th>
                <th>Subject</th>
                <th>Partner</th>
                <th>Change</th>
              </tr>
            </thead>
            <tbody>
              {events.rows.map((e) => (
                <tr key={e.id}>
                  <td>{formatDateTime(e.at)}</td>
                  <td>
                    {e.actorLabel}
                    {e.ip ? <div className="muted">{e.ip}</div> : null}
                  </td>
                  <td>
                    <code>{e.action}</code>
                  </td>
                  <td>
                    {e.subjectType}
                    <div className="muted">{e.subjectId}</div>
                  </td>
                  <td>{e.partnerName ?? "—"}</td>
                  <td className="muted">
                    {summary(e.before)}
                    {e.before && e.after ? " → " : ""}
                    {summary(e.after)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination page={events.page} pageSize={events.pageSize} total={events.total} search={search} />
    </>
  );
}
