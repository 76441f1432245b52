import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { EmptyState, Pagination, formatDateTime } from "~/components/ui";
import { listMail } from "~/modules/mail/queries.server";
import { env } from "~/utils/env.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Mail · Channel Partner Portal" }];

const querySchema = z.object({
  q: z.string().max(200).optional().catch(undefined),
  page: z.coerce.number().int().min(1).default(1).catch(1),
});

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "mail:read", context.ip);
  const query = querySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  return { mail: await listMail(ctx, query), devMailbox: !env().MAIL_RELAY_URL };
}

export default function MailIndex() {
  const { mail, devMailbox } = useLoaderData<typeof loader>();
  const [search] = useSearchParams();
  return (
    <>
      <h1>Mail</h1>
      {devMailbox ? (
        <p className="warning">
          Development mailbox: no relay is configured (MAIL_RELAY_URL), so every message is delivered as an .eml file
          under the data folder and listed here.
        </p>
      ) : null}
      <Form method="get" className="filters">
        <div className="field">
          <label htmlFor="q">Recipient or Message-ID</label>
          <input id="q" name="q" defaultValue={search.get("q") ?? ""} />
        </div>
        <button type="submit">Search</button>
      </Form>
      {mail.rows.length === 0 ? (
        <EmptyState title="No messages">Notifications appear here as soon as something queues one.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Queued</th>
                <th>To</th>
                <th>Subject</th>
                <th>Status</th>
                <th>Attempts</th>
              </tr>
            </thead>
            <tbody>
              {mail.rows.map((m) => (
                <tr key={m.id}>
                  <td>{formatDateTime(m.createdAt)}</td>
                  <td>{m.toAddress}</td>
                  <td>
                    <Link to={`/mail/${m.id}`}>{m.subject}</Link>
                  </td>
                  <td>
                    <span className={`badge ${m.status === "sent" ? "good" : m.status === "failed" ? "bad" : ""}`}>{m.status}</span>
                    {m.lastError && m.status !== "sent" ? <div className="muted">{m.lastError}</div> : null}
                  </td>
                  <td>{m.attemptCount}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination page={mail.page} pageSize={mail.pageSize} total={mail.total} search={search} />
    </>
  );
}
