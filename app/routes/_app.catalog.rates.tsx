import { getFormProps, getInputProps, getSelectProps } from "@conform-to/react";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { ErrorList, FormErrors } from "~/components/forms";
import { ActionMessages, useIntentForm, type IntentResult } from "~/components/intent-forms";
import { EmptyState, formatDateTime } from "~/components/ui";
import type { Ctx } from "~/modules/auth/actor";
import { setExchangeRate } from "~/modules/licensing/rates.server";
import { exchangeRateSchema } from "~/modules/licensing/schemas";
import { ratesPageData } from "~/modules/licensing/vendor-pages.server";
import { toHttpError } from "~/utils/errors.server";
import { runIntent, type IntentForm } from "~/utils/intent-action.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Exchange rates · Channel Partner Portal" }];

/** Rates to the base currency with the dates they apply from (vendor admins: licenses:manage-all). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "licenses:manage-all", context.ip);
  return ratesPageData(ctx).catch(toHttpError);
}

type Run = IntentForm<Ctx>["run"];
const forms = {
  "add-rate": {
    schema: exchangeRateSchema,
    run: ((ctx, _id, value) => setExchangeRate(ctx.db, { actor: ctx.actor, input: value })) as Run,
    done: "Rate saved (a rate already set for that date is replaced): orders paid from that date on are converted with it.",
  },
} as const;

export async function action({ request, context }: ActionFunctionArgs) {
  const { ctx } = await requirePermission(request, "licenses:manage-all", context.ip);
  return runIntent(await request.formData(), forms, ctx, "");
}

const rateText = (rate: number) => rate.toFixed(10).replace(/0+$/, "").replace(/\.$/, "");

export default function ExchangeRatesPage() {
  const { base, today, rates, inForce } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as IntentResult | undefined;
  const busy = useNavigation().state === "submitting";
  const [form, fields] = useIntentForm("add-rate", exchangeRateSchema, actionData, { effectiveDate: today });
  const { key: _k1, ...currencyProps } = getSelectProps(fields.currency);
  const { key: _k2, ...rateProps } = getInputProps(fields.rateToBase, { type: "text" });
  const { key: _k3, ...dateProps } = getInputProps(fields.effectiveDate, { type: "date" });
  return (
    <>
      <p>
        <Link to="/catalog">← Catalog</Link>
      </p>
      <h1>Exchange rates</h1>
      <p className="muted">
        How many {base} one unit of each currency is worth, from a date on. License revenue is reported in {base}: each
        order at the rate in force on the day it was paid (the latest rate dated on or before it).
      </p>
      <ActionMessages result={actionData} />

      <div className="grid" style={{ marginBottom: "1rem" }}>
        {inForce.map((r) => (
          <div className="card" key={r.currency} data-in-force={r.currency}>
            <div className="stat">{r.rate === null ? "—" : rateText(r.rate)}</div>
            <div className="muted">
              {base} per {r.currency} today{r.rate === null ? ": no rate yet" : ""}
            </div>
          </div>
        ))}
      </div>

      <div className="grid" style={{ gridTemplateColumns: "repeat(auto-fit, minmax(320px, 1fr))", alignItems: "start" }}>
        <section>
          <h2 style={{ marginTop: 0 }}>Rates</h2>
          {rates.length === 0 ? (
            <EmptyState title="No exchange rates yet">
              <p>Add one per currency; orders in a currency without a rate are left out of revenue.</p>
            </EmptyState>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">From</th>
                    <th scope="col">Currency</th>
                    <th scope="col">{base} per unit</th>
                    <th scope="col">Entered</th>
                  </tr>
                </thead>
                <tbody>
                  {rates.map((r) => (
                    <tr key={r.id} data-rate={`${r.currency}:${r.effectiveDate}`}>
                      <td>{r.effectiveDate}</td>
                      <td>{r.currency}</td>
                      <td>{rateText(r.rateToBase)}</td>
                      <td className="muted">{formatDateTime(r.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>

        <section className="card">
          <h2 style={{ marginTop: 0 }}>Add a rate</h2>
          <Form method="post" className="stack" {...getFormProps(form)}>
            <FormErrors errors={form.errors} id={form.errorId} />
            <div className="field">
              <label htmlFor={fields.currency.id}>Currency</label>
              <select {...currencyProps}>
                <option value="">Choose…</option>
                {["EUR", "JPY", "AUD"].map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
              <ErrorList id={fields.currency.errorId} errors={fields.currency.errors} />
            </div>
            <div className="field">
              <label htmlFor={fields.rateToBase.id}>
                {base} per unit
              </label>
              <input {...rateProps} inputMode="decimal" autoComplete="off" placeholder="e.g. 1.0834" />
              <ErrorList id={fields.rateToBase.errorId} errors={fields.rateToBase.errors} />
            </div>
            <div className="field">
              <label htmlFor={fields.effectiveDate.id}>Applies from</label>
              <input {...dateProps} />
              <ErrorList id={fields.effectiveDate.errorId} errors={fields.effectiveDate.errors} />
            </div>
            <button type="submit" name="intent" value="add-rate" disabled={busy}>
              Add rate
            </button>
          </Form>
        </section>
      </div>
    </>
  );
}
