import {
  getFormProps,
  getInputProps,
  getSelectProps,
  useForm,
  type FieldMetadata,
  type Submission,
} from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { ErrorList, Field, FormErrors, SelectField } from "~/components/forms";
import { formatDate } from "~/components/ui";
import { createOrder, renewalDraft } from "~/modules/licensing/orders.server";
import { orderFormOptions, quoteOrder } from "~/modules/licensing/pages.server";
import {
  LINES_MAX,
  SEATS_MAX,
  createOrderSchema,
  currencies,
  paymentMethodLabels,
  type PaymentMethod,
} from "~/modules/licensing/schemas";
import { countries } from "~/utils/countries";
import { DomainError, ValidationError, toHttpError } from "~/utils/errors.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Order licenses · Channel Partner Portal" }];

/** The order form: the order's fields and, for a renewal, the license it renews. Prices are never a field. */
const orderFormSchema = createOrderSchema.extend({
  renewalOfLicenseId: z.string().uuid().optional(),
  submissionId: z.string().trim().min(1).max(200).optional(),
});

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "licenses:order", context.ip);
  const renewId = new URL(request.url).searchParams.get("renew");
  // "Renew" on a license: pre-filled from the partner's own license (another partner's is 404).
  const renewal = renewId
    ? await renewalDraft(ctx.db, { actor: ctx.actor, licenseId: renewId }).catch(toHttpError)
    : null;
  const options = await orderFormOptions(ctx);
  return {
    ...options,
    renewal: renewal
      ? {
          licenseId: renewal.renewalOfLicenseId,
          validUntil: renewal.validUntil ? renewal.validUntil.toISOString() : null,
          input: renewal.input,
        }
      : null,
    // Country names come from the server: Intl's names differ between Node and browsers (hydration).
    countryOptions: countries.map((c) => ({ value: c.code, label: c.name })),
    // One order per page load: a double click or a resubmitted form returns the first one.
    submissionId: crypto.randomUUID(),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { ctx } = await requirePermission(request, "licenses:order", context.ip);
  const formData = await request.formData();
  const submission = parseWithZod(formData, { schema: orderFormSchema });
  if (submission.status !== "success") {
    // Adding or removing a line without JavaScript is just the new form state (200); anything else is bad input.
    return data({ result: submission.reply(), quote: null }, { status: submission.status === "error" ? 400 : 200 });
  }
  const { renewalOfLicenseId, submissionId, ...input } = submission.value;
  try {
    if (formData.get("intent") === "quote") {
      // "Show the prices": the server prices the lines from the catalog and the partner's tier; nothing is stored.
      const quote = await quoteOrder(ctx, input);
      return { result: submission.reply(), quote };
    }
    const order = await createOrder(ctx.db, {
      actor: ctx.actor,
      input,
      renewalOfLicenseId: renewalOfLicenseId ?? null,
      idempotencyKey: submissionId ?? null,
    });
    return redirect(`/orders/${order.id}?created=1`);
  } catch (err) {
    if (err instanceof DomainError && err.status !== 404) {
      // Field-level where the rule names a field (a product, the payment method, a protected customer's domain),
      // and the message at the top of the form too when it is a rule rather than a typo.
      const formErrors = err instanceof ValidationError ? [] : [err.message];
      return data(
        { result: submission.reply({ formErrors, fieldErrors: err.fields ?? {} }), quote: null },
        { status: err.status },
      );
    }
    return toHttpError(err);
  }
}

const columns = { display: "grid", gap: "0.75rem", gridTemplateColumns: "repeat(auto-fill, minmax(220px, 1fr))" };

type OrderForm = {
  renewalOfLicenseId: string;
  submissionId: string;
  customerCompany: string;
  customerDomain: string;
  customerCountry: string;
  technicalContactName: string;
  technicalContactEmail: string;
  partnerReference: string;
  currency: string;
  paymentMethod: string;
  lines: { productId: string; seats: string }[];
};

function SeatsInput({ field, label }: { field: FieldMetadata<string | undefined>; label: string }) {
  const { key: _key, ...props } = getInputProps(field, { type: "number" });
  return (
    <div className="field">
      <label htmlFor={field.id}>{label}</label>
      <input {...props} min={1} max={SEATS_MAX} inputMode="numeric" />
      <ErrorList id={field.errorId} errors={field.errors} />
    </div>
  );
}

export default function NewOrder() {
  const { products, countryOptions, renewal, cardAvailable, invoiceAllowed, discountPercent, tierLabel, submissionId } =
    useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state !== "idle";
  const quoting = busy && navigation.formData?.get("intent") === "quote";
  const methods: PaymentMethod[] = [];
  if (cardAvailable) methods.push("card");
  if (invoiceAllowed) methods.push("invoice");
  const draft = renewal?.input;
  const [form, fields] = useForm<OrderForm>({
    id: "new-order",
    lastResult: actionData?.result,
    constraint: getZodConstraint(orderFormSchema),
    onValidate: ({ formData }) =>
      parseWithZod(formData, { schema: orderFormSchema }) as unknown as Submission<OrderForm>,
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    defaultValue: {
      renewalOfLicenseId: renewal?.licenseId ?? "",
      submissionId,
      customerCompany: draft?.customerCompany ?? "",
      customerDomain: draft?.customerDomain ?? "",
      customerCountry: draft?.customerCountry ?? "",
      technicalContactName: draft?.technicalContactName ?? "",
      technicalContactEmail: draft?.technicalContactEmail ?? "",
      partnerReference: "",
      currency: draft?.currency ?? "USD",
      paymentMethod:
        draft && methods.includes(draft.paymentMethod) ? draft.paymentMethod : methods.length === 1 ? methods[0] : "",
      lines: draft
        ? draft.lines.map((l) => ({ productId: l.productId, seats: String(l.seats) }))
        : [{ productId: "", seats: "" }],
    },
  });
  const lines = fields.lines.getFieldList();
  const productOptions = products.map((p) => ({ value: p.id, label: p.label }));
  const quote = actionData?.quote ?? null;
  return (
    <>
      <p>
        <Link to="/orders">← Orders</Link>
      </p>
      <h1>{renewal ? "Renew a license" : "Order licenses"}</h1>
      {renewal ? (
        <p className="notice" role="status">
          Renewal of <Link to={`/licenses/${renewal.licenseId}`}>a license</Link>
          {renewal.validUntil ? ` valid until ${formatDate(renewal.validUntil)}` : ""}: the new term starts when the
          current one ends. Check the details and place the order.
        </p>
      ) : null}
      <Form method="post" {...getFormProps(form)} className="card" style={{ display: "grid", gap: "1rem" }}>
        <input {...getInputProps(fields.renewalOfLicenseId, { type: "hidden" })} key={fields.renewalOfLicenseId.key} />
        <input {...getInputProps(fields.submissionId, { type: "hidden" })} key={fields.submissionId.key} />
        <FormErrors errors={form.errors} id={form.errorId} />

        <section>
          <h2 style={{ marginTop: 0 }}>End customer</h2>
          <div style={columns}>
            <Field
              label="Company name"
              field={fields.customerCompany}
              autoComplete="off"
              hint="e.g. Tokai Shipping K.K."
            />
            <Field
              label="Website or email domain"
              field={fields.customerDomain}
              autoComplete="off"
              hint="e.g. tokai-shipping.co.jp"
            />
            <SelectField label="Country" field={fields.customerCountry} options={countryOptions} />
          </div>
          <div style={{ ...columns, marginTop: "0.75rem" }}>
            <Field label="Technical contact name (optional)" field={fields.technicalContactName} autoComplete="off" />
            <Field
              label="Technical contact email"
              field={fields.technicalContactEmail}
              type="email"
              autoComplete="off"
              hint="The license keys are mailed here too."
            />
            <Field
              label="Your reference (optional)"
              field={fields.partnerReference}
              autoComplete="off"
              hint="e.g. your PO number"
            />
          </div>
        </section>

        <fieldset style={{ border: 0, padding: 0, margin: 0 }}>
          <legend>
            <h2 style={{ marginTop: 0 }}>Licenses</h2>
          </legend>
          <ErrorList id={fields.lines.errorId} errors={fields.lines.errors} />
          {lines.map((line, index) => {
            const l = line.getFieldset();
            const { key: _key, ...selectProps } = getSelectProps(l.productId);
            return (
              <div key={line.key ?? index} style={{ ...columns, alignItems: "end", marginBottom: "0.5rem" }}>
                <div className="field">
                  <label htmlFor={l.productId.id}>{`Product ${index + 1}`}</label>
                  <select {...selectProps}>
                    <option value="">Choose…</option>
                    {productOptions.map((o) => (
                      <option key={o.value} value={o.value}>
                        {o.label}
                      </option>
                    ))}
                  </select>
                  <ErrorList id={l.productId.errorId} errors={l.productId.errors} />
                </div>
                <SeatsInput label="Seats" field={l.seats} />
                {lines.length > 1 ? (
                  <div className="field">
                    <button
                      className="secondary"
                      {...form.remove.getButtonProps({ name: fields.lines.name, index })}
                      aria-label={`Remove product ${index + 1}`}
                    >
                      Remove
                    </button>
                  </div>
                ) : null}
              </div>
            );
          })}
          {lines.length < LINES_MAX ? (
            <button
              className="secondary"
              {...form.insert.getButtonProps({ name: fields.lines.name, defaultValue: { productId: "", seats: "" } })}
            >
              Add a product
            </button>
          ) : null}
        </fieldset>

        <section>
          <h2 style={{ marginTop: 0 }}>Payment</h2>
          <div style={columns}>
            <SelectField
              label="Currency"
              field={fields.currency}
              options={currencies.map((c) => ({ value: c, label: c }))}
            />
          </div>
          <div className="field" role="radiogroup" aria-labelledby="payment-method-label">
            <span id="payment-method-label" style={{ display: "block", fontWeight: 600, marginBottom: "0.25rem" }}>
              Payment method
            </span>
            <div className="checkbox-row">
              {(["card", "invoice"] as const).map((m) => (
                <label key={m} style={{ fontWeight: 400 }}>
                  <input
                    style={{ width: "auto" }}
                    type="radio"
                    name={fields.paymentMethod.name}
                    value={m}
                    defaultChecked={fields.paymentMethod.initialValue === m}
                    disabled={!methods.includes(m)}
                    aria-invalid={fields.paymentMethod.errors ? true : undefined}
                    aria-describedby={fields.paymentMethod.errors ? fields.paymentMethod.errorId : undefined}
                  />
                  {paymentMethodLabels[m]}
                </label>
              ))}
            </div>
            {!cardAvailable ? (
              <p className="muted" data-testid="card-unavailable">
                Card payment is unavailable: online payment is not set up on this portal. Pay by invoice if your company
                has payment terms, or contact your channel manager.
              </p>
            ) : null}
            {!invoiceAllowed ? (
              <p className="muted">
                Invoice payment is for partners with payment terms; ask the vendor if you need them.
              </p>
            ) : null}
            <ErrorList id={fields.paymentMethod.errorId} errors={fields.paymentMethod.errors} />
          </div>
        </section>

        {quote ? (
          <section aria-label="Price summary" data-testid="quote">
            <h2 style={{ marginTop: 0 }}>Price summary</h2>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>Product</th>
                    <th>Seats</th>
                    <th>List price per seat</th>
                    <th>Your price per seat</th>
                    <th>Line total</th>
                  </tr>
                </thead>
                <tbody>
                  {quote.lines.map((l) => (
                    <tr key={l.productId}>
                      <td>{l.product}</td>
                      <td>{l.seats.toLocaleString("en-US")}</td>
                      <td>{l.unit}</td>
                      <td>{l.discountedUnit}</td>
                      <td>{l.lineTotal}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <dl style={{ display: "grid", gridTemplateColumns: "max-content max-content", gap: "0.25rem 1rem" }}>
              <dt className="muted">Subtotal (list)</dt>
              <dd style={{ margin: 0 }}>{quote.subtotal}</dd>
              <dt className="muted">Discount ({quote.discountPercent} %)</dt>
              <dd style={{ margin: 0 }}>−{quote.discount}</dd>
              <dt>
                <strong>Total</strong>
              </dt>
              <dd style={{ margin: 0 }}>
                <strong>{quote.total}</strong> <span className="muted">before tax</span>
              </dd>
            </dl>
          </section>
        ) : (
          <p className="muted">
            Prices come from the price list in the chosen currency, less your {tierLabel} discount of {discountPercent}{" "}
            %, computed when you order.
          </p>
        )}

        <div className="actions">
          <button type="submit" name="intent" value="quote" className="secondary" disabled={busy}>
            {quoting ? "Pricing…" : "Show the prices"}
          </button>
          <button type="submit" name="intent" value="order" disabled={busy || methods.length === 0}>
            Place the order
          </button>
          {methods.length === 0 ? (
            <span className="form-error">
              No payment method is available to your company: contact your channel manager.
            </span>
          ) : null}
        </div>
      </Form>
    </>
  );
}
