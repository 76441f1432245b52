import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { ActionMessages } from "~/components/intent-forms";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { roleLabels } from "~/utils/permissions";
import { partnerLeadSettingsView } from "~/modules/leads/queries.server";
import { currentRules } from "~/modules/leads/rules.server";
import { setOfferRecipients } from "~/modules/leads/work.server";
import { DomainError } from "~/utils/errors.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Lead settings · Channel Partner Portal" }];

/** Partner admins: who receives lead offers besides the admins; the capacity in force and the open leads. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "profile:manage", context.ip);
  const { rules } = await currentRules(ctx.db);
  return partnerLeadSettingsView(ctx, rules.defaultCapacity);
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { ctx } = await requirePermission(request, "profile:manage", context.ip);
  const formData = await request.formData();
  try {
    await setOfferRecipients(ctx, { userIds: formData.getAll("userIds").map(String) });
    return { notice: "Saved: the people ticked receive lead offers and reminders.", error: null };
  } catch (err) {
    if (err instanceof DomainError) {
      const message = err.fields ? Object.values(err.fields).flat().join(" ") : err.message;
      return data({ notice: null, error: message }, { status: err.status });
    }
    throw err;
  }
}

export default function LeadSettings() {
  const s = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  return (
    <>
      <p>
        <Link to="/leads">← Leads</Link>
      </p>
      <h1>Lead settings</h1>
      <ActionMessages result={actionData} />
      <section className="card">
        <h2 style={{ marginTop: 0 }}>Capacity</h2>
        <p>
          Your company holds <strong>{s.openLeads}</strong> open lead{s.openLeads === 1 ? "" : "s"} (offered or being
          worked) of at most <strong>{s.capacity}</strong>
          {s.ownCapacity ? " (agreed with the vendor for your company)" : " (the programme's default)"}. At capacity, no
          new leads are offered until some are closed.
        </p>
        {s.paused ? <p className="notice warn">Lead offers to your company are paused by the vendor.</p> : null}
      </section>
      <section className="card">
        <h2 style={{ marginTop: 0 }}>Who receives offers</h2>
        <p className="muted">
          Partner admins always receive lead offers and reminders by mail. Tick the other people who should too.
        </p>
        <Form method="post" className="stack">
          <fieldset style={{ border: 0, padding: 0, margin: 0 }}>
            <legend className="muted">People</legend>
            {s.people.map((p) => (
              <label key={p.id} style={{ display: "flex", gap: "0.5rem", alignItems: "center", fontWeight: 400 }}>
                <input
                  type="checkbox"
                  name="userIds"
                  value={p.id}
                  defaultChecked={p.chosen}
                  disabled={p.admin}
                  style={{ width: "auto" }}
                />
                <span>
                  {p.name}{" "}
                  <span className="muted">
                    ({p.email}, {roleLabels[p.role]})
                  </span>
                  {p.admin ? <span className="muted"> — always, as an admin</span> : null}
                </span>
              </label>
            ))}
          </fieldset>
          <button type="submit" disabled={busy}>
            Save
          </button>
        </Form>
      </section>
    </>
  );
}
