import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { formatDateTime } from "~/components/ui";
import { getMail } from "~/modules/mail/queries.server";
import { toHttpError } from "~/utils/errors.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.message.subject ?? "Message"} · Mail` }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "mail:read", context.ip);
  return getMail(ctx, params.mailId ?? "").catch(toHttpError);
}

export default function MailMessage() {
  const { message, attempts } = useLoaderData<typeof loader>();
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
