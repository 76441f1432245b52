import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { retryNow } from "~/modules/mail/admin.server";
import { formatDateTime } from "~/components/ui";
import { getMail } from "~/modules/mail/queries.server";
import { DomainError, toHttpError } from "~/utils/errors.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.message.subject ?? "Message"} · Mail` }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "mail:read", context.ip);
  return getMail(ctx, params.mailId ?? "").catch(toHttpError);
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { ctx } = await requirePermission(request, "mail:read", context.ip);
  try {
    await retryNow(ctx, params.mailId ?? "");
  } catch (err) {
    if (err instanceof DomainError) return data({ error: err.message }, { status: err.status });
    throw err;
  }
  return { notice: "Queued again: the worker picks it up now." };
}

export default function MailMessage() {
  const { message, attempts, recipients } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const retryable = message.status === "failed" || recipients.some((r) => r.status === "failed");
  return (
    <>
      <p>
        <Link to="/mail">← All mail</Link>
      </p>
      <h1>{message.subject}</h1>
      <div className="card">
        <div>
          <strong>To:</strong> {message.toName ? `${message.toName} <${message.toAddress}>` : message.toAddress}
        </div>
        <div>
          <strong>From:</strong> {message.fromAddress}
        </div>
        <div>
          <strong>Message-ID:</strong> <code>{message.messageId}</code>
        </div>
        <div>
          <strong>Status:</strong> {message.status}
          {message.sentAt ? ` at ${formatDateTime(message.sentAt)}` : ""}
          {message.relayResponse ? <span className="muted"> — {message.relayResponse}</span> : null}
        </div>
      </div>
      {actionData && "notice" in actionData ? <p className="notice">{actionData.notice}</p> : null}
      {actionData && "error" in actionData ? <p className="form-error">{actionData.error}</p> : null}
      {retryable ? (
        <Form method="post">
          <button type="submit" name="intent" value="retry">
            Retry now
          </button>
        </Form>
      ) : null}
      <h2>Recipients</h2>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Address</th>
              <th>Status</th>
              <th>Last answer</th>
            </tr>
          </thead>
          <tbody>
            {recipients.map((r) => (
              <tr key={r.id}>
                <td>{r.name ? `${r.name} <${r.address}>` : r.address}</td>
                <td>
                  <span className={`badge ${r.status === "sent" ? "good" : r.status === "failed" ? "bad" : ""}`}>{r.status}</span>
                </td>
                <td>{r.response ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Attempts</h2>
      {attempts.length === 0 ? (
        <p className="muted">Not attempted yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>When</th>
                <th>Transport</th>
                <th>Outcome</th>
                <th>Reply</th>
              </tr>
            </thead>
            <tbody>
              {attempts.map((a) => (
                <tr key={a.id}>
                  <td>{formatDateTime(a.at)}</td>
                  <td>{a.transport}</td>
                  <td>{a.outcome}</td>
                  <td>{a.response}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>HTML part</h2>
      <iframe className="mail" title="HTML part" sandbox="" srcDoc={message.html} />
      <h2>Text part</h2>
      <pre className="mail-text" data-testid="mail-text">
        {message.text}
      </pre>
    </>
  );
}
