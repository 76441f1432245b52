import { getFormProps, getSelectProps } from "@conform-to/react";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useRef } from "react";
import { z } from "zod";
import { ErrorList, FormErrors } from "~/components/forms";
import { ProductFields } from "~/components/product-fields";
import { ActionMessages, useIntentForm, type IntentResult } from "~/components/intent-forms";
import { ConfirmButton, EmptyState } from "~/components/ui";
import type { Ctx } from "~/modules/auth/actor";
import { formatAmount } from "~/modules/deals/lifecycle-schemas";
import { createProduct, setProductActive } from "~/modules/licensing/catalog.server";
import { currencies, productSchema } from "~/modules/licensing/schemas";
import { catalogPageData, setInvoiceTerms } from "~/modules/licensing/vendor-pages.server";
import { invoiceTermsSchema } from "~/modules/licensing/vendor-schemas";
import { toHttpError } from "~/utils/errors.server";
import { runIntent, type IntentForm } from "~/utils/intent-action.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Catalog · Channel Partner Portal" }];

/** Products with their prices, the tier discounts in force (read-only) and partners' payment terms (vendor admins: catalog:manage). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "catalog:manage", context.ip);
  const data = await catalogPageData(ctx).catch(toHttpError);
  return {
    ...data,
    // Formatted on the server (the browser's Intl may differ and break hydration).
    products: data.products.map((p) => ({
      ...p,
      priceTexts: currencies.map((c) => ({
        currency: c,
        text: p.prices[c] === undefined ? "—" : formatAmount(p.prices[c], c),
      })),
    })),
  };
}

const idSchema = z.object({ id: z.string().uuid() });

type Run = IntentForm<Ctx>["run"];
const forms = {
  "create-product": {
    schema: productSchema,
    run: ((ctx, _id, value) => createProduct(ctx.db, { actor: ctx.actor, input: value })) as Run,
    done: "Product added: give it its prices on its page.",
  },
  retire: {
    schema: idSchema,
    run: ((ctx, _id, value: { id: string }) =>
      setProductActive(ctx.db, { actor: ctx.actor, productId: value.id, active: false })) as Run,
    done: "Product retired: partners can no longer order it.",
  },
  activate: {
    schema: idSchema,
    run: ((ctx, _id, value: { id: string }) =>
      setProductActive(ctx.db, { actor: ctx.actor, productId: value.id, active: true })) as Run,
    done: "Product active again: partners can order it.",
  },
  terms: {
    schema: invoiceTermsSchema,
    run: ((ctx, _id, value) => setInvoiceTerms(ctx, value)) as Run,
    done: "Payment terms saved.",
  },
} as const;

export async function action({ request, context }: ActionFunctionArgs) {
  const { ctx } = await requirePermission(request, "catalog:manage", context.ip);
  return runIntent(await request.formData(), forms, ctx, "");
}

const termText = (months: number | null) =>
  months === null
    ? "Perpetual"
    : months % 12 === 0
      ? `${months / 12} year${months === 12 ? "" : "s"}`
      : `${months} months`;

export default function CatalogPage() {
  const { products, discounts, tierNames, rulesVersion, onTerms, withoutTerms } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as IntentResult | undefined;
  const busy = useNavigation().state === "submitting";
  const [createForm, createFields] = useIntentForm("create-product", productSchema, actionData);
  const [termsForm, termsFields] = useIntentForm("terms", invoiceTermsSchema, actionData, { allowed: "yes" });
  const { key: _k, ...partnerSelect } = getSelectProps(termsFields.partnerId);

  return (
    <>
      <div className="actions" style={{ justifyContent: "space-between", marginBottom: "1rem" }}>
        <h1 style={{ margin: 0 }}>Catalog</h1>
        <div className="actions">
          <Link to="/catalog/rates">Exchange rates</Link>
          <Link to="/licenses/revenue">Revenue</Link>
        </div>
      </div>
      <p className="muted">
        What partners can order, at which list price per seat in each currency. A partner pays the list price less its
        tier&apos;s discount, computed when it orders. A retired product stays on past orders and licenses but can no
        longer be ordered.
      </p>
      <p data-tier-discounts>
        Tier discounts in force (tier rules version {rulesVersion}):{" "}
        {discounts.map((d, i) => (
          <span key={d.tier} data-discount={d.tier}>
            {i > 0 ? ", " : ""}
            {d.label} {d.percent} %
          </span>
        ))}
        . They are a benefit of each tier: <Link to="/tiers">change them on the tier rules</Link> as a new rules
        version.
      </p>
      <ActionMessages result={actionData} />

      <section>
        <h2>Products</h2>
        {products.length === 0 ? (
          <EmptyState title="No products yet">Add the first one below.</EmptyState>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">SKU</th>
                  <th scope="col">Product</th>
                  <th scope="col">Term</th>
                  <th scope="col">Seat</th>
                  {currencies.map((c) => (
                    <th scope="col" key={c} style={{ textAlign: "right" }}>
                      {c}
                    </th>
                  ))}
                  <th scope="col">Status</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {products.map((p) => (
                  <tr key={p.id} data-product={p.sku}>
                    <td style={{ whiteSpace: "nowrap" }}>
                      <Link to={`/catalog/${p.id}`}>
                        <code>{p.sku}</code>
                      </Link>
                    </td>
                    <td>
                      {p.name}
                      <div className="muted" style={{ fontSize: "0.85rem" }}>
                        {p.edition}
                      </div>
                    </td>
                    <td>{termText(p.termMonths)}</td>
                    <td>{p.seatUnit}</td>
                    {p.priceTexts.map((t) => (
                      <td key={t.currency} data-price={t.currency} style={{ textAlign: "right", whiteSpace: "nowrap" }}>
                        {t.text}
                      </td>
                    ))}
                    <td>
                      <span className={`badge ${p.active ? "good" : "bad"}`}>{p.active ? "active" : "retired"}</span>
                    </td>
                    <td>
                      <div className="actions">
                        <Link to={`/catalog/${p.id}`}>Edit</Link>
                        {p.active ? (
                          <ConfirmButton
                            intent="retire"
                            value={p.id}
                            label="Retire"
                            question={`Retire ${p.sku} (${p.name})? Partners can no longer order it; orders placed and licenses issued stay as they are.`}
                            confirmLabel="Retire"
                          />
                        ) : (
                          <Form method="post">
                            <input type="hidden" name="id" value={p.id} />
                            <button type="submit" name="intent" value="activate" className="secondary" disabled={busy}>
                              Activate
                            </button>
                          </Form>
                        )}
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <p className="muted" style={{ fontSize: "0.85rem" }}>
          List prices per seat. Edit a product to change its details or prices.
        </p>
      </section>

      <div
        className="grid"
        style={{ gridTemplateColumns: "repeat(auto-fit, minmax(320px, 1fr))", marginTop: "1.5rem" }}
      >
        <section className="card" id="terms">
          <h2 style={{ marginTop: 0 }}>Payment by invoice</h2>
          <p className="muted">
            Distributors on terms may pay license orders by invoice; a vendor admin marks each order paid. Everyone else
            pays by card.
          </p>
          {onTerms.length === 0 ? (
            <p className="muted">No partner pays by invoice.</p>
          ) : (
            <ul style={{ paddingLeft: "1.1rem" }} aria-label="Partners on invoice terms">
              {onTerms.map((p) => (
                <li key={p.id} data-terms-partner={p.id} style={{ marginBottom: "0.4rem" }}>
                  <div className="actions" style={{ justifyContent: "space-between" }}>
                    <span>
                      <Link to={`/directory/${p.id}`}>{p.name}</Link>{" "}
                      <span className="muted">
                        {p.countryName} · {tierNames[p.tier] ?? p.tier}
                      </span>
                    </span>
                    <TermsWithdraw id={p.id} name={p.name} />
                  </div>
                </li>
              ))}
            </ul>
          )}
          {withoutTerms.length > 0 ? (
            <Form method="post" className="stack" {...getFormProps(termsForm)}>
              <FormErrors errors={termsForm.errors} id={termsForm.errorId} />
              <input type="hidden" name="allowed" value="yes" />
              <div className="field">
                <label htmlFor={termsFields.partnerId.id}>Allow a partner to pay by invoice</label>
                <select {...partnerSelect}>
                  <option value="">Choose a partner…</option>
                  {withoutTerms.map((p) => (
                    <option key={p.id} value={p.id}>
                      {p.name} ({p.countryName})
                    </option>
                  ))}
                </select>
                <ErrorList id={termsFields.partnerId.errorId} errors={termsFields.partnerId.errors} />
              </div>
              <button type="submit" name="intent" value="terms" disabled={busy}>
                Allow invoice payment
              </button>
            </Form>
          ) : null}
        </section>
      </div>

      <section className="card" style={{ marginTop: "0.5rem" }}>
        <h2 style={{ marginTop: 0 }}>Add a product</h2>
        <Form method="post" className="stack" {...getFormProps(createForm)}>
          <FormErrors errors={createForm.errors} id={createForm.errorId} />
          <ProductFields fields={createFields} />
          <button type="submit" name="intent" value="create-product" disabled={busy}>
            Add product
          </button>
        </Form>
      </section>
    </>
  );
}

/** Withdraws a partner's invoice terms, after a confirmation in a dialog. */
function TermsWithdraw({ id, name }: { id: string; name: string }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const busy = useNavigation().state === "submitting";
  return (
    <>
      <button type="button" className="secondary" onClick={() => dialog.current?.showModal()}>
        Withdraw
      </button>
      <dialog ref={dialog} aria-label={`Withdraw invoice payment from ${name}`}>
        <p>
          Withdraw invoice payment from {name}? Its new orders are paid by card; invoice orders already placed can still
          be marked paid.
        </p>
        <Form method="post" className="actions" onSubmit={() => dialog.current?.close()}>
          <input type="hidden" name="partnerId" value={id} />
          <input type="hidden" name="allowed" value="no" />
          <button type="submit" name="intent" value="terms" className="danger" disabled={busy}>
            Withdraw terms
          </button>
          <button type="button" className="secondary" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
        </Form>
      </dialog>
    </>
  );
}
