import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { listPreferences, savePreferences } from "~/modules/mail/preferences.server";
import { getDb } from "~/utils/db.server";
import { DomainError } from "~/utils/errors.server";
import { actorOf, requireUser } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Settings · Channel Partner Portal" }];

async function context(request: Request, ip: string | null) {
  const user = await requireUser(request);
  return { db: await getDb(), actor: actorOf(user, ip) };
}

export async function loader({ request, context: load }: LoaderFunctionArgs) {
  return { preferences: await listPreferences(await context(request, load.ip)) };
}

export async function action({ request, context: load }: ActionFunctionArgs) {
  const ctx = await context(request, load.ip);
  const formData = await request.formData();
  try {
    await savePreferences(ctx, { enabled: formData.getAll("enabled").map(String) });
  } catch (err) {
    if (err instanceof DomainError) return data({ error: err.message }, { status: err.status });
    throw err;
  }
  return { notice: "Your notification settings are saved." };
}

export default function Settings() {
  const { preferences } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return (
    <>
      <h1>Settings</h1>
      <div className="card">
        <h2 style={{ marginTop: 0 }}>Notifications by mail</h2>
        {actionData && "notice" in actionData ? <p className="notice">{actionData.notice}</p> : null}
        {actionData && "error" in actionData ? <p className="form-error">{actionData.error}</p> : null}
        <Form method="post" className="stack">
          {preferences.map((p) => (
            <label key={p.name} className="checkbox-row">
              <input type="checkbox" name="enabled" value={p.name} defaultChecked={p.enabled} disabled={p.security} />
              {p.label}
              {p.security ? <span className="muted">(security mail, always sent)</span> : null}
            </label>
          ))}
          <button type="submit">Save</button>
        </Form>
      </div>
    </>
  );
}
