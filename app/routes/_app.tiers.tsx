import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { ErrorList } from "~/components/forms";
import { ActionMessages } from "~/components/intent-forms";
import { EmptyState, formatDate } from "~/components/ui";
import {
  pinPartnerTier,
  previewRules,
  publishRules,
  tiersPageData,
  unpinPartnerTier,
  type PreviewRow,
} from "~/modules/tiers/admin.server";
import { BASE_TIER, tierName } from "~/modules/tiers/rules";
import { formValuesOf, ladderKeysOf } from "~/modules/tiers/schemas";
import { countryName } from "~/utils/countries";
import { DomainError, ValidationError, toHttpError } from "~/utils/errors.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Tiers · Channel Partner Portal" }];

/** The programme tiers (vendor admins: tiers:manage): rules as a form, what-if, publish, pins, standing. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "tiers:manage", context.ip);
  const page = await tiersPageData(ctx).catch(toHttpError);
  return { ...page, formValues: formValuesOf(page.inForce.rules) };
}

type ActionResult = {
  intent: string;
  notice?: string;
  error?: string;
  fields?: Record<string, string[]>;
  values?: Record<string, string>;
  preview?: PreviewRow[];
};

export async function action({ request, context }: ActionFunctionArgs) {
  const { ctx } = await requirePermission(request, "tiers:manage", context.ip);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  const values = Object.fromEntries([...form.entries()].map(([k, v]) => [k, String(v)]));
  try {
    if (intent === "preview") {
      const preview = await previewRules(ctx, values);
      return { intent, values, preview } satisfies ActionResult;
    }
    if (intent === "publish") {
      const r = await publishRules(ctx, values);
      return {
        intent,
        notice:
          r.changed > 0
            ? `Version ${r.version} published and in force: ${r.changed} partner${r.changed === 1 ? "" : "s"} changed standing.`
            : `Version ${r.version} published, in force from ${formatDate(r.effectiveAt)}.`,
      } satisfies ActionResult;
    }
    if (intent === "pin") {
      const r = await pinPartnerTier(ctx, values);
      return {
        intent,
        notice: `Pinned at ${r.tierName} until ${formatDate(new Date(r.until.getTime() - 1))}.`,
      };
    }
    if (intent === "unpin") {
      await unpinPartnerTier(ctx, values);
      return { intent, notice: "Pin ended: the tier follows the partner's figures again." };
    }
    return data({ intent, error: "Unknown action." } satisfies ActionResult, { status: 400 });
  } catch (err) {
    if (err instanceof ValidationError) {
      return data(
        {
          intent,
          values,
          fields: err.fields ?? {},
          error: "Some fields need attention; nothing was changed.",
        } satisfies ActionResult,
        { status: 400 },
      );
    }
    if (err instanceof DomainError)
      return data({ intent, error: err.message } satisfies ActionResult, { status: err.status });
    throw err;
  }
}

/** A text input in a cell of the rules table: labelled for screen readers, marked and followed by its errors. */
function CellInput({
  label,
  errors,
  ...input
}: {
  name: string;
  label: string;
  defaultValue: string;
  errors?: string[];
  placeholder?: string;
  inputMode?: "numeric" | "decimal";
}) {
  return (
    <>
      <input {...input} aria-label={label} aria-invalid={errors ? true : undefined} />
      <ErrorList errors={errors} />
    </>
  );
}

const movementLabels: Record<PreviewRow["movement"], string> = {
  up: "Moves up",
  down: "Moves down",
  at_risk: "At risk",
  recovered: "No longer at risk",
  unchanged: "No change",
};

export default function TiersPage() {
  const page = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionResult | undefined;
  const busy = useNavigation().state === "submitting";
  const rulesErrors =
    result && (result.intent === "preview" || result.intent === "publish") ? (result.fields ?? {}) : {};
  const pinErrors = result?.intent === "pin" ? (result.fields ?? {}) : {};
  const kept =
    result && (result.intent === "preview" || (result.intent === "publish" && result.fields))
      ? result.values
      : undefined;
  const v = (name: string) => kept?.[name] ?? page.formValues[name] ?? "";
  const today = formatDate(page.now);
  const formKey = `${page.inForce.version}-${result?.intent ?? ""}-${result?.notice ?? ""}-${JSON.stringify(result?.fields ?? {})}`;
  const preview = result?.intent === "preview" ? result.preview : undefined;
  const moving = preview?.filter((r) => r.movement !== "unchanged") ?? [];
  // The ladder in force names the tiers; the form's columns are the ladder being edited (kept after a refusal).
  const label = (t: string) => tierName(page.ladder, t);
  const editKeys = kept ? ladderKeysOf(kept) : page.ladder.map((t) => t.key);
  const columnName = (k: string) => v(`${k}Name`) || label(k);
  // The draft's names, for the preview rows (a tier being added is not in the ladder in force yet).
  const draftLabel = (t: string) =>
    kept?.newKey?.trim() === t && kept.newName ? kept.newName : kept?.[`${t}Name`] || label(t);

  return (
    <>
      <h1>Programme tiers</h1>
      <p className="muted">
        Version {page.inForce.version} is in force since {formatDate(page.inForce.effectiveAt)}. Partners move up at
        once when their figures meet a tier; below their tier they are at risk for the grace period, then move down.
      </p>
      <ActionMessages result={result} />

      <Form method="post" key={formKey} aria-label="Tier rules" noValidate>
        <section className="card">
          <h2 style={{ marginTop: 0 }}>Rules</h2>
          <p className="muted">
            Certifications: one <code>course-key: people</code> per line (known keys:{" "}
            {Object.keys(page.courses).join(", ") || "none"}). Revenue is license revenue over the last 12 months in US
            dollars; the acceptance rate is a percentage (empty: no requirement). Tiers run from the lowest (left) to
            the highest; {label(BASE_TIER)} is the base tier. To add a tier, fill in the last column with its key
            (lowercase letters, digits and dashes; it cannot change later), its name and its place. A tier can be
            removed only while no partner holds it, is pinned to it or is due to drop to it.
          </p>
          <input type="hidden" name="tiers" value={editKeys.join(",")} />
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Requirement / benefit</th>
                  {editKeys.map((t) => (
                    <th scope="col" key={t} data-tier={t}>
                      {columnName(t)} <span className="muted">({t})</span>
                    </th>
                  ))}
                  <th scope="col">Add a tier (optional)</th>
                </tr>
              </thead>
              <tbody>
                <tr>
                  <th scope="row">Name</th>
                  {editKeys.map((t) => (
                    <td key={t}>
                      <CellInput
                        name={`${t}Name`}
                        label={`${columnName(t)}: name`}
                        defaultValue={v(`${t}Name`)}
                        errors={rulesErrors[`${t}Name`]}
                      />
                      {t === BASE_TIER ? (
                        <div className="muted">The base tier: always first, never removed.</div>
                      ) : (
                        <>
                          <label style={{ display: "block" }}>
                            <input
                              type="checkbox"
                              name={`${t}Remove`}
                              defaultChecked={kept?.[`${t}Remove`] === "on"}
                              aria-invalid={rulesErrors[`${t}Remove`] ? true : undefined}
                            />{" "}
                            Remove this tier
                          </label>
                          <ErrorList errors={rulesErrors[`${t}Remove`]} />
                        </>
                      )}
                    </td>
                  ))}
                  <td>
                    <CellInput
                      name="newKey"
                      label="New tier: key"
                      placeholder="key, e.g. platinum"
                      defaultValue={kept?.newKey ?? ""}
                      errors={rulesErrors.newKey}
                    />
                    <CellInput
                      name="newName"
                      label="New tier: name"
                      placeholder="name, e.g. Platinum"
                      defaultValue={kept?.newName ?? ""}
                      errors={rulesErrors.newName}
                    />
                    <select
                      name="newAbove"
                      aria-label="New tier: place"
                      defaultValue={kept?.newAbove ?? editKeys[editKeys.length - 1]}
                      aria-invalid={rulesErrors.newAbove ? true : undefined}
                    >
                      {editKeys.map((t) => (
                        <option key={t} value={t}>
                          Above {columnName(t)}
                        </option>
                      ))}
                    </select>
                    <ErrorList errors={rulesErrors.newAbove} />
                  </td>
                </tr>
                {(
                  [
                    ["Certifications", "Certifications", "textarea"],
                    ["RevenueUsd", "License revenue, USD (12 months)", "number"],
                    ["WonDeals", "Deals won (12 months)", "number"],
                    ["AcceptancePercent", "Lead acceptance rate, %", "number"],
                    ["Discount", "Discount, %", "number"],
                    ["RoutingWeight", "Lead routing weight (0–1)", "text"],
                    ["ProtectionDays", "Deal protection, days", "number"],
                  ] as const
                ).map(([suffix, label, kind]) => (
                  <tr key={suffix}>
                    <th scope="row">{label}</th>
                    {[...editKeys, "new"].map((t) => {
                      const name = `${t}${suffix}`;
                      const errors = rulesErrors[name];
                      const tierLabel = t === "new" ? "New tier" : columnName(t);
                      return (
                        <td key={t}>
                          {kind === "textarea" ? (
                            <>
                              <textarea
                                name={name}
                                aria-label={`${tierLabel}: ${label}`}
                                defaultValue={v(name)}
                                rows={3}
                                style={{ width: "100%", minWidth: "14rem" }}
                                aria-invalid={errors ? true : undefined}
                              />
                              <ErrorList errors={errors} />
                            </>
                          ) : (
                            <CellInput
                              name={name}
                              label={`${tierLabel}: ${label}`}
                              defaultValue={v(name)}
                              inputMode={kind === "number" ? "numeric" : "decimal"}
                              errors={errors}
                            />
                          )}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="grid">
            <div className="field">
              <label htmlFor="graceDays">Grace period before a downgrade, days</label>
              <input id="graceDays" name="graceDays" defaultValue={v("graceDays")} inputMode="numeric" />
              <ErrorList errors={rulesErrors.graceDays} />
            </div>
            <div className="field">
              <label htmlFor="effectiveDate">In force from</label>
              <input id="effectiveDate" name="effectiveDate" type="date" defaultValue={kept?.effectiveDate ?? today} />
              <ErrorList errors={rulesErrors.effectiveDate} />
            </div>
            <div className="field">
              <label htmlFor="note">Note</label>
              <input id="note" name="note" defaultValue={kept?.note ?? ""} placeholder="What changed and why" />
              <ErrorList errors={rulesErrors.note} />
            </div>
          </div>
          <div className="actions">
            <button type="submit" name="intent" value="preview" className="secondary" disabled={busy}>
              Preview (what if)
            </button>
            <button type="submit" name="intent" value="publish" disabled={busy}>
              Publish as version {Math.max(0, ...page.versions.map((x) => x.version)) + 1}
            </button>
          </div>
        </section>
      </Form>

      {preview ? (
        <section className="card" aria-labelledby="whatif-title">
          <h2 id="whatif-title" style={{ marginTop: 0 }}>
            What if: {moving.length} of {preview.length} partners would move
          </h2>
          {moving.length === 0 ? (
            <p className="muted">No partner would change standing under these rules.</p>
          ) : (
            <div className="table-wrap">
              <table aria-label="Partners that would move">
                <thead>
                  <tr>
                    <th scope="col">Partner</th>
                    <th scope="col">Now</th>
                    <th scope="col">Qualifies for</th>
                    <th scope="col">Outcome</th>
                  </tr>
                </thead>
                <tbody>
                  {moving.map((r) => (
                    <tr key={r.partnerId} data-movement={r.movement}>
                      <td>
                        {r.name} <span className="muted">({countryName(r.country)})</span>
                      </td>
                      <td>{draftLabel(r.tier)}</td>
                      <td>{draftLabel(r.qualifying)}</td>
                      <td>
                        {movementLabels[r.movement]}
                        {r.movement === "at_risk" && r.downgradeDueAt
                          ? ` — down to ${draftLabel(r.qualifying)} on ${formatDate(r.downgradeDueAt)} unless it meets the rules`
                          : r.movement === "up" || r.movement === "down"
                            ? ` to ${draftLabel(r.after)}`
                            : ""}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      ) : null}

      <section className="card" aria-labelledby="standing-title">
        <h2 id="standing-title" style={{ marginTop: 0 }}>
          Partners
        </h2>
        {page.partners.length === 0 ? (
          <EmptyState title="No active partners yet." />
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Partner</th>
                  <th scope="col">Tier</th>
                  <th scope="col">Qualifies for</th>
                  <th scope="col">Standing</th>
                </tr>
              </thead>
              <tbody>
                {page.partners.map((p) => (
                  <tr key={p.id}>
                    <td>
                      {p.name} <span className="muted">({countryName(p.country)})</span>
                    </td>
                    <td>{label(p.tier)}</td>
                    <td>{p.evaluatedTier ? label(p.evaluatedTier) : "—"}</td>
                    <td>
                      {p.pinnedTier && p.pinnedUntil ? (
                        <>
                          Pinned at {label(p.pinnedTier)} until{" "}
                          {formatDate(new Date(new Date(p.pinnedUntil).getTime() - 1))} — {p.pinReason}{" "}
                          <Form method="post" style={{ display: "inline" }}>
                            <input type="hidden" name="partnerId" value={p.id} />
                            <button type="submit" name="intent" value="unpin" className="secondary" disabled={busy}>
                              End pin
                            </button>
                          </Form>
                        </>
                      ) : p.atRiskSince && p.downgradeDueAt ? (
                        <span className="error">
                          At risk: down to {label(p.targetTier ?? BASE_TIER)} on {formatDate(p.downgradeDueAt)}
                        </span>
                      ) : (
                        "In good standing"
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <Form method="post" className="card" aria-label="Pin a partner's tier" noValidate>
        <h2 style={{ marginTop: 0 }}>Pin a partner&apos;s tier</h2>
        <p className="muted">The pinned tier holds whatever the figures until the end date; then the rules apply.</p>
        <div className="grid">
          <div className="field">
            <label htmlFor="pin-partner">Partner</label>
            <select id="pin-partner" name="partnerId" defaultValue="">
              <option value="">Choose…</option>
              {page.partners.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
            <ErrorList errors={pinErrors.partnerId} />
          </div>
          <div className="field">
            <label htmlFor="pin-tier">Tier</label>
            <select id="pin-tier" name="tier" defaultValue="">
              <option value="">Choose…</option>
              {page.ladder.map((t) => (
                <option key={t.key} value={t.key}>
                  {t.name}
                </option>
              ))}
            </select>
            <ErrorList errors={pinErrors.tier} />
          </div>
          <div className="field">
            <label htmlFor="pin-until">Until (inclusive)</label>
            <input id="pin-until" name="until" type="date" />
            <ErrorList errors={pinErrors.until} />
          </div>
          <div className="field">
            <label htmlFor="pin-reason">Reason</label>
            <input id="pin-reason" name="reason" />
            <ErrorList errors={pinErrors.reason} />
          </div>
        </div>
        <button type="submit" name="intent" value="pin" disabled={busy}>
          Pin
        </button>
      </Form>

      <section className="card" aria-labelledby="versions-title">
        <h2 id="versions-title" style={{ marginTop: 0 }}>
          Versions
        </h2>
        <ul>
          {page.versions.map((x) => (
            <li key={x.version}>
              Version {x.version}, in force from {formatDate(x.effectiveAt)}
              {x.publishedBy ? `, published by ${x.publishedBy}` : ""}
              {x.note ? ` — ${x.note}` : ""}
            </li>
          ))}
        </ul>
        <h3>Recent changes</h3>
        {page.changes.length === 0 ? (
          <p className="muted">No tier changes yet.</p>
        ) : (
          <ul>
            {page.changes.map((c) => (
              <li key={c.id}>
                {formatDate(c.at)} · {c.partnerName}: {c.kind.replace("_", " ")} ({label(c.fromTier)} →{" "}
                {label(c.toTier)}) <span className="muted">— {c.reason}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
