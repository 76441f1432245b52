import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import type { ReactNode } from "react";
import { z } from "zod";
import { ErrorList, FilterSelect } from "~/components/forms";
import { ActionMessages, type IntentResult } from "~/components/intent-forms";
import { ConfirmButton, EmptyState, formatDateTime } from "~/components/ui";
import type { Ctx } from "~/modules/auth/actor";
import { rulesPageData } from "~/modules/leads/rules-page.server";
import { holidaySchema, rulesSchema } from "~/modules/leads/rules-schemas";
import { addHoliday, publishRules, removeHoliday } from "~/modules/leads/rules.server";
import { countries } from "~/utils/countries";
import { toHttpError } from "~/utils/errors.server";
import { runIntent, type IntentForm } from "~/utils/intent-action.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Routing rules · Channel Partner Portal" }];

/** The routing rules in force as a form, their versions, and public holidays (vendor admins: routing:configure). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "routing:configure", context.ip);
  return rulesPageData(ctx, new URL(request.url).searchParams).catch(toHttpError);
}

const isBlank = (v: unknown) => v === undefined || v === null || (typeof v === "string" && v.trim() === "");
/** Rows left empty in the form (the spare ones) are not rules. */
function dropBlankRows(v: unknown): unknown {
  if (!v || typeof v !== "object") return v;
  const o = { ...(v as Record<string, unknown>) };
  for (const key of ["territoryMap", "productRules"]) {
    const rows = o[key];
    o[key] = Array.isArray(rows)
      ? rows.filter((r) => r && typeof r === "object" && Object.values(r as object).some((x) => !isBlank(x)))
      : [];
  }
  return o;
}
const publishSchema = z.preprocess(dropBlankRows, rulesSchema);

type Run = IntentForm<Ctx>["run"];
const forms = {
  publish: {
    schema: publishSchema,
    run: ((ctx, _id, value) => publishRules(ctx, value)) as Run,
    done: "Published: new leads are routed with the new version from now on.",
  },
  "add-holiday": {
    schema: holidaySchema,
    run: ((ctx, _id, value) => addHoliday(ctx, value)) as Run,
    done: "Holiday saved.",
  },
  "remove-holiday": {
    schema: z.object({ key: z.string().regex(/^[A-Z]{2}:\d{4}-\d{2}-\d{2}$/) }),
    run: ((ctx, _id, value: { key: string }) => {
      const [country, date] = value.key.split(":");
      return removeHoliday(ctx, { country: country!, date: date! });
    }) as Run,
    done: "Holiday removed.",
  },
} as const;

export async function action({ request, context }: ActionFunctionArgs) {
  const { ctx } = await requirePermission(request, "routing:configure", context.ip);
  return runIntent(await request.formData(), forms, ctx, "");
}

const SPARE_ROWS = 3;

export default function RoutingRulesPage() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as IntentResult | undefined;
  const busy = useNavigation().state === "submitting";
  const rules = data.current.rules;
  const publishResult = actionData?.intent === "publish" ? actionData.result : undefined;
  const errors = (publishResult?.error ?? {}) as Record<string, string[] | null>;
  const submitted = (publishResult?.status === "error" ? publishResult.initialValue : null) as Record<
    string,
    unknown
  > | null;
  /** The value to show: what was just submitted (when it had errors), else the rules in force. */
  const val = (path: string, fallback: unknown): string => {
    if (submitted) {
      const got = path
        .split(/[.[\]]+/)
        .filter(Boolean)
        .reduce<unknown>(
          (o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined),
          submitted,
        );
      return typeof got === "string" ? got : "";
    }
    if (fallback === null || fallback === undefined) return "";
    return Array.isArray(fallback) ? fallback.join(", ") : String(fallback);
  };
  const submittedRows = (key: string) => {
    const rows = submitted?.[key];
    return Array.isArray(rows) ? rows.length : 0;
  };
  const territoryRows = Math.max(rules.territoryMap.length, submittedRows("territoryMap")) + SPARE_ROWS;
  const productRows = Math.max(rules.productRules.length, submittedRows("productRules")) + SPARE_ROWS;
  const holidayResult = actionData?.intent === "add-holiday" ? actionData.result : undefined;
  const holidayErrors = (holidayResult?.error ?? {}) as Record<string, string[] | null>;
  // A new key after each publish resets the uncontrolled inputs to the rules now in force.
  const formKey = `${data.current.version}-${publishResult?.status ?? ""}`;

  return (
    <>
      <p>
        <Link to="/leads/manage">← Lead board</Link>
      </p>
      <h1>Routing rules</h1>
      <p className="muted">
        Version {data.current.version} is in force. Publishing saves the form as the next version; every routing
        decision records the version it used.
      </p>
      <ActionMessages result={actionData} />
      {Object.keys(errors).length > 0 ? (
        <p className="form-error" role="alert">
          Some fields need attention; nothing was published.
        </p>
      ) : null}

      <Form method="post" key={formKey} className="stack" aria-label="Routing rules" noValidate>
        <section className="card">
          <h2 style={{ marginTop: 0 }}>Territory map</h2>
          <p className="muted">
            Which partner territories serve a lead&apos;s country or subdivision besides its own (e.g. NZ → AU; LU → BE,
            NL). Leave a row empty to drop it.
          </p>
          <ErrorList errors={errors.territoryMap} />
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Area (lead country or subdivision)</th>
                  <th scope="col">Served by (territories, comma separated)</th>
                </tr>
              </thead>
              <tbody>
                {Array.from({ length: territoryRows }, (_, i) => {
                  const row = rules.territoryMap[i];
                  const area = `territoryMap[${i}].area`;
                  const servedBy = `territoryMap[${i}].servedBy`;
                  return (
                    <tr key={i}>
                      <td>
                        <input name={area} aria-label={`Area ${i + 1}`} defaultValue={val(area, row?.area)} />
                        <ErrorList errors={errors[area]} />
                      </td>
                      <td>
                        <input
                          name={servedBy}
                          aria-label={`Served by ${i + 1}`}
                          defaultValue={val(servedBy, row?.servedBy)}
                        />
                        <ErrorList errors={errors[servedBy] ?? errors[`${servedBy}[0]`]} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </section>

        <section className="card">
          <h2 style={{ marginTop: 0 }}>Product rules</h2>
          <p className="muted">What a partner needs to receive a lead interested in a product.</p>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Product</th>
                  <th scope="col">Specialization</th>
                  <th scope="col">Certification (course)</th>
                  <th scope="col">Minimum tier</th>
                </tr>
              </thead>
              <tbody>
                {Array.from({ length: productRows }, (_, i) => {
                  const row = rules.productRules[i];
                  const name = (k: string) => `productRules[${i}].${k}`;
                  return (
                    <tr key={i}>
                      <td>
                        <Select
                          name={name("productId")}
                          label={`Product ${i + 1}`}
                          value={val(name("productId"), row?.productId)}
                          options={data.options.products}
                          none="—"
                        />
                        <ErrorList errors={errors[name("productId")]} />
                      </td>
                      <td>
                        <Select
                          name={name("specialization")}
                          label={`Specialization ${i + 1}`}
                          value={val(name("specialization"), row?.specialization)}
                          options={data.options.specializations}
                          none="None"
                        />
                        <ErrorList errors={errors[name("specialization")]} />
                      </td>
                      <td>
                        <Select
                          name={name("certification")}
                          label={`Certification ${i + 1}`}
                          value={val(name("certification"), row?.certification)}
                          options={data.options.courses}
                          none="None"
                        />
                        <ErrorList errors={errors[name("certification")]} />
                      </td>
                      <td>
                        <Select
                          name={name("minimumTier")}
                          label={`Minimum tier ${i + 1}`}
                          value={val(name("minimumTier"), row?.minimumTier)}
                          options={data.options.tiers}
                          none="Rule-wide"
                        />
                        <ErrorList errors={errors[name("minimumTier")]} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </section>

        <section className="card">
          <h2 style={{ marginTop: 0 }}>Every lead</h2>
          <div className="grid" style={{ gridTemplateColumns: "repeat(auto-fit, minmax(220px, 1fr))" }}>
            <LabeledField label="Minimum tier" errors={errors.minimumTier}>
              <Select
                name="minimumTier"
                label="Minimum tier"
                value={val("minimumTier", rules.minimumTier)}
                options={data.options.tiers}
              />
            </LabeledField>
            <LabeledField label="Required certification" errors={errors.requiredCertification}>
              <Select
                name="requiredCertification"
                label="Required certification"
                value={val("requiredCertification", rules.requiredCertification)}
                options={data.options.courses}
                none="None"
              />
            </LabeledField>
            <NumberField
              name="defaultCapacity"
              label="Default capacity (open leads per partner)"
              value={val("defaultCapacity", rules.defaultCapacity)}
              errors={errors.defaultCapacity}
            />
            <NumberField
              name="maxOffers"
              label="Offers before the lead returns to you"
              value={val("maxOffers", rules.maxOffers)}
              errors={errors.maxOffers}
            />
          </div>
        </section>

        <section className="card">
          <h2 style={{ marginTop: 0 }}>Score weights (0 to 10)</h2>
          <ErrorList errors={errors.weights} />
          <div className="grid" style={{ gridTemplateColumns: "repeat(auto-fit, minmax(180px, 1fr))" }}>
            <NumberField
              name="weights.tier"
              label="Tier"
              value={val("weights.tier", rules.weights.tier)}
              errors={errors["weights.tier"]}
              step="0.5"
            />
            <NumberField
              name="weights.acceptanceRate"
              label="Acceptance rate"
              value={val("weights.acceptanceRate", rules.weights.acceptanceRate)}
              errors={errors["weights.acceptanceRate"]}
              step="0.5"
            />
            <NumberField
              name="weights.timeToAccept"
              label="Time to accept"
              value={val("weights.timeToAccept", rules.weights.timeToAccept)}
              errors={errors["weights.timeToAccept"]}
              step="0.5"
            />
            <NumberField
              name="weights.winRate"
              label="Win rate"
              value={val("weights.winRate", rules.weights.winRate)}
              errors={errors["weights.winRate"]}
              step="0.5"
            />
          </div>
        </section>

        <section className="card">
          <h2 style={{ marginTop: 0 }}>Accept-by SLA</h2>
          <p className="muted">
            Counted in business hours in the partner&apos;s own time zone, skipping weekends and its country&apos;s
            public holidays.
          </p>
          <div className="grid" style={{ gridTemplateColumns: "repeat(auto-fit, minmax(180px, 1fr))" }}>
            <NumberField
              name="slaBusinessDays"
              label="Business days"
              value={val("slaBusinessDays", rules.slaBusinessDays)}
              errors={errors.slaBusinessDays}
            />
            <NumberField
              name="workdayStartHour"
              label="Working day starts (hour)"
              value={val("workdayStartHour", rules.workdayStartHour)}
              errors={errors.workdayStartHour}
            />
            <NumberField
              name="workdayEndHour"
              label="Working day ends (hour)"
              value={val("workdayEndHour", rules.workdayEndHour)}
              errors={errors.workdayEndHour}
            />
          </div>
        </section>

        <section className="card">
          <LabeledField label="Note for the version history" errors={errors.note}>
            <input id="note" name="note" defaultValue={submitted ? val("note", "") : ""} maxLength={500} />
          </LabeledField>
          <button type="submit" name="intent" value="publish" disabled={busy}>
            Publish as version {data.current.version + 1}
          </button>
        </section>
      </Form>

      <h2>Versions</h2>
      <div className="table-wrap">
        <table aria-label="Rule versions">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Published</th>
              <th scope="col">By</th>
              <th scope="col">Note</th>
            </tr>
          </thead>
          <tbody>
            {data.versions.map((v) => (
              <tr key={v.version}>
                <td>
                  {v.version} {v.version === data.current.version ? <span className="badge good">in force</span> : null}
                </td>
                <td>{formatDateTime(v.createdAt)}</td>
                <td>{v.author ?? "—"}</td>
                <td>{v.note ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>Public holidays</h2>
      <p className="muted">Not working days for the SLA of partners in that country.</p>
      <Form method="get" className="filters" role="search" aria-label="Filter the holidays">
        <FilterSelect
          name="country"
          label="Country"
          allLabel="All countries"
          value={data.holidayFilter.country}
          options={countries.map((c) => ({ value: c.code, label: c.name }))}
        />
        <div className="field">
          <label htmlFor="year">Year</label>
          <input id="year" name="year" type="number" min={2000} max={2100} defaultValue={data.holidayFilter.year} />
        </div>
        <button type="submit">Show</button>
      </Form>
      {data.holidays.length === 0 ? (
        <EmptyState title="No holidays">None recorded for this selection.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table aria-label="Public holidays">
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Country</th>
                <th scope="col">Name</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {data.holidays.map((h) => (
                <tr key={`${h.country}:${h.date}`}>
                  <td>{h.date}</td>
                  <td>{h.countryName}</td>
                  <td>{h.name}</td>
                  <td>
                    <ConfirmButton
                      intent="remove-holiday"
                      name="key"
                      value={`${h.country}:${h.date}`}
                      label="Remove"
                      question={`Remove ${h.name} (${h.date}) for ${h.countryName}? Offers made from now on count it as a working day.`}
                      confirmLabel="Remove"
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <section className="card" style={{ marginTop: "1rem" }}>
        <h3 style={{ marginTop: 0 }}>Add a holiday</h3>
        <Form
          method="post"
          className="filters"
          aria-label="Add a holiday"
          key={`holiday-${holidayResult?.status ?? ""}-${actionData?.notice ?? ""}`}
        >
          <LabeledField label="Country" errors={holidayErrors.country}>
            <Select
              name="country"
              label="Country"
              value={data.holidayFilter.country ?? ""}
              options={countries.map((c) => ({ value: c.code, label: c.name }))}
              none="Choose…"
            />
          </LabeledField>
          <LabeledField label="Date" errors={holidayErrors.date}>
            <input id="holiday-date" name="date" type="date" aria-label="Date" />
          </LabeledField>
          <LabeledField label="Name" errors={holidayErrors.name}>
            <input id="holiday-name" name="name" aria-label="Name" maxLength={120} />
          </LabeledField>
          <button type="submit" name="intent" value="add-holiday" disabled={busy}>
            Add
          </button>
        </Form>
      </section>
    </>
  );
}

function Select({
  name,
  label,
  value,
  options,
  none,
}: {
  name: string;
  label: string;
  value: string;
  options: { value: string; label: string }[];
  none?: string;
}) {
  return (
    <select name={name} aria-label={label} defaultValue={value}>
      {none !== undefined ? <option value="">{none}</option> : null}
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  );
}

function LabeledField({ label, errors, children }: { label: string; errors?: string[] | null; children: ReactNode }) {
  return (
    <div className="field">
      <span style={{ fontWeight: 600 }}>{label}</span>
      {children}
      <ErrorList errors={errors} />
    </div>
  );
}

function NumberField({
  name,
  label,
  value,
  errors,
  step = "1",
}: {
  name: string;
  label: string;
  value: string;
  errors?: string[] | null;
  step?: string;
}) {
  return (
    <div className="field">
      <label htmlFor={name}>{label}</label>
      <input id={name} name={name} type="number" step={step} defaultValue={value} />
      <ErrorList errors={errors} />
    </div>
  );
}
