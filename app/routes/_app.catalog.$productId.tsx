import { getFormProps, getInputProps } from "@conform-to/react";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { ErrorList, FormErrors } from "~/components/forms";
import { ProductFields } from "~/components/product-fields";
import { ActionMessages, useIntentForm, type IntentResult } from "~/components/intent-forms";
import { ConfirmButton } from "~/components/ui";
import type { Ctx } from "~/modules/auth/actor";
import { minorToDecimal, parseMoney } from "~/modules/deals/schemas";
import { formatAmount } from "~/modules/deals/lifecycle-schemas";
import { setProductActive, setProductPrices, updateProduct } from "~/modules/licensing/catalog.server";
import { currencies, productSchema, type Currency } from "~/modules/licensing/schemas";
import { catalogProduct } from "~/modules/licensing/vendor-pages.server";
import { toHttpError } from "~/utils/errors.server";
import { runIntent, type IntentForm } from "~/utils/intent-action.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.product.sku ?? "Product"} · Catalog · Channel Partner Portal` },
];

/** One product: its details, its list prices per currency, retire/activate (vendor admins: catalog:manage). */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "catalog:manage", context.ip);
  const product = await catalogProduct(ctx, params.productId ?? "").catch(toHttpError);
  return {
    product,
    // Formatted on the server (the browser's Intl may differ and break hydration).
    prices: currencies.map((c) => {
      const minor = product.prices[c];
      return {
        currency: c,
        decimal: minor === undefined ? "" : minorToDecimal(minor, c),
        text: minor === undefined ? "not priced" : formatAmount(minor, c),
      };
    }),
  };
}

/**
 * The prices form: one decimal field per currency, checked with the
 * catalog's money rule (JPY in whole yen, at most two decimals otherwise) so
 * that each error shows under its field; an empty field removes that
 * currency's price. The catalog parses the raw strings again when it saves.
 */
const priceField = (currency: Currency) =>
  z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      if (v === undefined || v.trim() === "") return;
      const money = parseMoney(v, currency);
      if (!money.ok) ctx.addIssue({ code: "custom", message: money.message });
    });
const pricesFormSchema = z.object({
  USD: priceField("USD"),
  EUR: priceField("EUR"),
  JPY: priceField("JPY"),
  AUD: priceField("AUD"),
});

type Run = IntentForm<Ctx>["run"];
const forms = {
  details: {
    schema: productSchema,
    run: ((ctx, id, value) => updateProduct(ctx.db, { actor: ctx.actor, productId: id, input: value })) as Run,
    done: "Product details saved.",
  },
  prices: {
    schema: pricesFormSchema,
    // The catalog parses the decimal strings itself (the form's value is already in minor units).
    run: ((ctx, id, _value, formData: FormData) =>
      setProductPrices(ctx.db, {
        actor: ctx.actor,
        productId: id,
        input: Object.fromEntries(currencies.filter((c) => formData.has(c)).map((c) => [c, String(formData.get(c))])),
      })) as Run,
    done: "Prices saved: new orders use them.",
  },
  retire: {
    schema: z.object({}),
    run: ((ctx, id) => setProductActive(ctx.db, { actor: ctx.actor, productId: id, active: false })) as Run,
    done: "Product retired: partners can no longer order it.",
  },
  activate: {
    schema: z.object({}),
    run: ((ctx, id) => setProductActive(ctx.db, { actor: ctx.actor, productId: id, active: true })) as Run,
    done: "Product active again: partners can order it.",
  },
} as const;

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { ctx } = await requirePermission(request, "catalog:manage", context.ip);
  // An unknown or malformed id is the 404 page, whatever the form.
  await catalogProduct(ctx, params.productId ?? "").catch(toHttpError);
  return runIntent(await request.formData(), forms, ctx, params.productId!);
}

export default function CatalogProductPage() {
  const { product, prices } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as IntentResult | undefined;
  const busy = useNavigation().state === "submitting";
  const [detailsForm, details] = useIntentForm("details", productSchema, actionData, {
    sku: product.sku,
    name: product.name,
    edition: product.edition,
    termMonths: product.termMonths === null ? "" : String(product.termMonths),
    seatUnit: product.seatUnit,
  });
  const [pricesForm, priceFields] = useIntentForm(
    "prices",
    pricesFormSchema,
    actionData,
    Object.fromEntries(prices.map((p) => [p.currency, p.decimal])),
  );

  return (
    <>
      <p>
        <Link to="/catalog">← Catalog</Link>
      </p>
      <h1>
        {product.name} <code style={{ fontSize: "1rem" }}>{product.sku}</code>{" "}
        <span className={`badge ${product.active ? "good" : "bad"}`}>{product.active ? "active" : "retired"}</span>
      </h1>
      <ActionMessages result={actionData} />

      <div className="actions" style={{ marginBottom: "1rem" }}>
        {product.active ? (
          <ConfirmButton
            intent="retire"
            value={product.id}
            label="Retire"
            question={`Retire ${product.sku} (${product.name})? Partners can no longer order it; orders placed and licenses issued stay as they are.`}
            confirmLabel="Retire"
          />
        ) : (
          <Form method="post">
            <button type="submit" name="intent" value="activate" className="secondary" disabled={busy}>
              Activate
            </button>
          </Form>
        )}
      </div>

      <div className="grid" style={{ gridTemplateColumns: "repeat(auto-fit, minmax(320px, 1fr))" }}>
        <section className="card">
          <h2 style={{ marginTop: 0 }}>List prices per seat</h2>
          <p className="muted">
            JPY in whole yen, the other currencies with cents. Leave a currency empty to stop selling in it.
          </p>
          <Form method="post" className="stack" {...getFormProps(pricesForm)}>
            <FormErrors errors={pricesForm.errors} id={pricesForm.errorId} />
            {prices.map((p) => {
              const field = priceFields[p.currency];
              const { key: _key, ...props } = getInputProps(field, { type: "text" });
              return (
                <div className="field" key={p.currency}>
                  <label htmlFor={field.id}>
                    {p.currency}{" "}
                    <span className="muted" style={{ fontWeight: 400 }}>
                      (now {p.text})
                    </span>
                  </label>
                  <input {...props} inputMode="decimal" autoComplete="off" />
                  <ErrorList id={field.errorId} errors={field.errors} />
                </div>
              );
            })}
            <button type="submit" name="intent" value="prices" disabled={busy}>
              Save prices
            </button>
          </Form>
        </section>

        <section className="card">
          <h2 style={{ marginTop: 0 }}>Details</h2>
          <Form method="post" className="stack" {...getFormProps(detailsForm)}>
            <FormErrors errors={detailsForm.errors} id={detailsForm.errorId} />
            <ProductFields fields={details} />
            <button type="submit" name="intent" value="details" disabled={busy}>
              Save details
            </button>
          </Form>
        </section>
      </div>
    </>
  );
}
