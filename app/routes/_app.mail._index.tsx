import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { EmptyState, Pagination, formatDateTime } from "~/components/ui";
import { StatusChart } from "~/components/status-chart";
import { mailOverview, setPaused } from "~/modules/mail/admin.server";
import { listMail, mailStatuses } from "~/modules/mail/queries.server";
import { env } from "~/utils/env.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Mail · Channel Partner Portal" }];

const querySchema = z.object({
  q: z.string().max(200).optional().catch(undefined),
  status: z.enum(mailStatuses).optional().catch(undefined),
  page: z.coerce.number().int().min(1).default(1).catch(1),
});

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "mail:read", context.ip);
  const query = querySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const [mail, overview] = await Promise.all([listMail(ctx, query), mailOverview(ctx)]);
  // The statuses travel with the data: the component must not import the .server module (a client build error).
  return { mail, overview, statuses: mailStatuses, devMailbox: !env().MAIL_RELAY_URL && !env().RESEND_API_KEY };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { ctx } = await requirePermission(request, "mail:read", context.ip);
  const intent = (await request.formData()).get("intent");
  if (intent !== "pause" && intent !== "resume") return data({ error: "Unknown action." }, { status: 400 });
  await setPaused(ctx, intent === "pause");
  return { notice: intent === "pause" ? "Delivery is paused. Messages keep queueing." : "Delivery resumed." };
}

function age(seconds: number | null): string {
  if (seconds === null) return "—";
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} days`;
}

export default function MailIndex() {
  const { mail, overview, statuses, devMailbox } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
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
      {actionData && "notice" in actionData ? <p className="notice">{actionData.notice}</p> : null}
      <div className="grid">
        <div className="card">
          <div className="stat" data-testid="queue-depth">{overview.queueDepth}</div>
          waiting in the queue
        </div>
        <div className="card">
          <div className="stat">{age(overview.oldestWaitingSeconds)}</div>
          oldest waiting message
        </div>
        <div className="card">
          <div className="stat">{overview.failedCount}</div>
          <Link to="?status=failed">failed</Link>
        </div>
        <div className="card">
          <div className="stat">{overview.paused ? "Paused" : "Running"}</div>
          <Form method="post">
            {overview.paused ? (
              <button type="submit" name="intent" value="resume">
                Resume delivery
              </button>
            ) : (
              <button type="submit" name="intent" value="pause" className="secondary">
                Pause delivery
              </button>
            )}
          </Form>
        </div>
      </div>
      <div className="card">
        <h2 style={{ marginTop: 0 }}>Messages per day (last 14 days)</h2>
        <StatusChart series={overview.series} />
      </div>
      <Form method="get" className="filters">
        <div className="field">
          <label htmlFor="q">Recipient or Message-ID</label>
          <input id="q" name="q" defaultValue={search.get("q") ?? ""} />
        </div>
        <div className="field">
          <label htmlFor="status">Status</label>
          <select id="status" name="status" defaultValue={search.get("status") ?? ""}>
            <option value="">Any</option>
            {statuses.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
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
