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
import type { ReactNode } from "react";
import { ErrorList, Field, FormErrors, SelectField, TextArea } from "~/components/forms";
import { claimCheck } from "~/modules/deals/conflicts.server";
import { listActiveProducts } from "~/modules/deals/queries.server";
import { DuplicateDealError, registerDeal } from "~/modules/deals/register.server";
import {
  LINES_MAX,
  claimCheckSchema,
  claimStatusText,
  closeDateRange,
  currencies,
  registerDealFormSchema,
  salesStages,
  stageLabels,
  type ClaimStatus,
} from "~/modules/deals/schemas";
import { leadDealPrefill } from "~/modules/leads/queries.server";
import { countries } from "~/utils/countries";
import { toHttpError } from "~/utils/errors.server";
import { replyWithError } from "~/utils/forms.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Register a deal · Channel Partner Portal" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "deals:register", context.ip);
  const search = new URL(request.url).searchParams;
  const leadId = search.get("lead") ?? search.get("leadId");
  // "Convert to deal registration": pre-filled from a lead the partner holds (another partner's is 404).
  const fromLead = leadId ? await leadDealPrefill(ctx, leadId).catch(toHttpError) : null;
  return {
    fromLead,
    products: await listActiveProducts(ctx),
    // Country names come from the server: Intl's names differ between Node and browsers (hydration).
    countryOptions: countries.map((c) => ({ value: c.code, label: c.name })),
    // One registration per page load: a double click or a resubmitted form returns the first one.
    submissionId: crypto.randomUUID(),
    leadId: fromLead?.leadId ?? "",
    dates: closeDateRange(new Date()),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { ctx } = await requirePermission(request, "deals:register", context.ip);
  const formData = await request.formData();
  if (formData.get("intent") === "check") {
    // The private claim check: only the customer fields are validated, the rest of the form is kept as typed.
    const submission = parseWithZod(formData, { schema: claimCheckSchema });
    if (submission.status !== "success") return data({ register: submission.reply(), check: null }, { status: 400 });
    try {
      const { status } = await claimCheck(ctx, submission.value);
      return { register: submission.reply(), check: status };
    } catch (err) {
      const reply = replyWithError(submission, err);
      return data({ register: reply.data, check: null }, { status: reply.init?.status ?? 400 });
    }
  }
  const submission = parseWithZod(formData, { schema: registerDealFormSchema(new Date()) });
  if (submission.status !== "success") {
    // Adding or removing a product line without JavaScript: just the new form state.
    return data({ register: submission.reply(), check: null }, { status: submission.status === "error" ? 400 : 200 });
  }
  const { submissionId, ...input } = submission.value;
  try {
    const result = await registerDeal(ctx, input, { idempotencyKey: submissionId ?? null });
    return redirect(`/deals?registered=${result.deal.id}`);
  } catch (err) {
    if (err instanceof DuplicateDealError) {
      return data(
        {
          register: submission.reply({ formErrors: ["You already registered this customer."] }),
          check: null,
          duplicateOf: err.existingDealId,
        },
        { status: 409 },
      );
    }
    const reply = replyWithError(submission, err);
    return data({ register: reply.data, check: null }, { status: reply.init?.status ?? 400 });
  }
}

const columns = { display: "grid", gap: "0.75rem", gridTemplateColumns: "repeat(auto-fill, minmax(220px, 1fr))" };

function Select({
  label,
  field,
  options,
  placeholder = "Choose…",
}: {
  label: string;
  field: FieldMetadata<string | undefined>;
  options: { value: string; label: string }[];
  placeholder?: string;
}) {
  const { key: _key, ...props } = getSelectProps(field);
  return (
    <div className="field">
      <label htmlFor={field.id}>{label}</label>
      <select {...props}>
        <option value="">{placeholder}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <ErrorList id={field.errorId} errors={field.errors} />
    </div>
  );
}

function Input({
  label,
  field,
  type = "text",
  hint,
  min,
  max,
  inputMode,
}: {
  label: string;
  field: FieldMetadata<string | number | undefined>;
  type?: "text" | "date" | "number";
  hint?: ReactNode;
  min?: string | number;
  max?: string | number;
  inputMode?: "decimal" | "numeric";
}) {
  const { key: _key, ...props } = getInputProps(field, { type });
  return (
    <div className="field">
      <label htmlFor={field.id}>{label}</label>
      <input {...props} min={min} max={max} inputMode={inputMode} />
      {hint ? <p className="muted">{hint}</p> : null}
      <ErrorList id={field.errorId} errors={field.errors} />
    </div>
  );
}

const claimTone: Record<ClaimStatus, string> = {
  clear: "notice",
  needs_review: "notice warn",
  already_protected: "form-error",
  you_registered: "notice warn",
};

/** The form's fields as the browser holds them (text), for Conform's field types. */
type RegisterForm = {
  submissionId: string;
  leadId: string;
  customerName: string;
  customerDomain: string;
  country: string;
  region: string;
  contactName: string;
  contactTitle: string;
  contactEmail: string;
  lines: { productId: string; quantity: string }[];
  value: string;
  currency: string;
  expectedCloseDate: string;
  stage: string;
  competition: string;
  notes: string;
};

export default function RegisterDeal() {
  const { products, countryOptions, submissionId, leadId, dates, fromLead } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state !== "idle";
  const checking = busy && navigation.formData?.get("intent") === "check";
  const [form, fields] = useForm<RegisterForm>({
    id: "register-deal",
    lastResult: actionData?.register,
    constraint: getZodConstraint(registerDealFormSchema()),
    // "Check this customer" validates only the customer fields; registering validates everything.
    onValidate: ({ formData, submitter }) =>
      (submitter?.value === "check"
        ? parseWithZod(formData, { schema: claimCheckSchema })
        : parseWithZod(formData, {
            schema: registerDealFormSchema(new Date()),
          })) as unknown as Submission<RegisterForm>,
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    defaultValue: {
      submissionId,
      leadId,
      currency: fromLead?.currency || "USD",
      stage: "qualification",
      lines: [{ productId: fromLead?.productId ?? "", quantity: fromLead?.quantity ?? "" }],
      ...(fromLead
        ? {
            customerName: fromLead.customerName,
            customerDomain: fromLead.customerDomain,
            country: fromLead.country,
            region: fromLead.region,
            contactName: fromLead.contactName,
            contactTitle: fromLead.contactTitle,
            contactEmail: fromLead.contactEmail,
            value: fromLead.value,
          }
        : {}),
    },
  });
  const lines = fields.lines.getFieldList();
  const check = actionData && "check" in actionData ? actionData.check : null;
  const duplicateOf = actionData && "duplicateOf" in actionData ? actionData.duplicateOf : null;
  const productOptions = products.map((p) => ({ value: p.id, label: p.label }));
  return (
    <>
      <p>
        <Link to="/deals">← Deal registrations</Link>
      </p>
      <h1>Register a deal</h1>
      {fromLead ? (
        <p className="notice" role="status">
          From lead <Link to={`/leads/${fromLead.leadId}`}>{fromLead.leadRef}</Link>: check the details and register.
        </p>
      ) : null}
      <Form method="post" {...getFormProps(form)} className="card" style={{ display: "grid", gap: "1rem" }}>
        <input {...getInputProps(fields.submissionId, { type: "hidden" })} key={fields.submissionId.key} />
        <input {...getInputProps(fields.leadId, { type: "hidden" })} key={fields.leadId.key} />
        <FormErrors errors={form.errors} id={form.errorId} />
        {duplicateOf ? (
          <p className="form-error">
            <Link to={`/deals/${duplicateOf}`}>Open your existing registration</Link> to update it instead.
          </p>
        ) : null}

        <section>
          <h2 style={{ marginTop: 0 }}>Customer</h2>
          <div style={columns}>
            <Field
              label="Company name"
              field={fields.customerName}
              autoComplete="off"
              hint="e.g. Tokai Shipping K.K."
            />
            <Field
              label="Website or email domain"
              field={fields.customerDomain}
              autoComplete="off"
              hint="e.g. tokai-shipping.co.jp, or an email address at the customer"
            />
            <Select label="Country" field={fields.country} options={countryOptions} />
            <Field label="Region or state (optional)" field={fields.region} />
          </div>
          <div className="actions" style={{ marginTop: "0.75rem" }}>
            <button type="submit" name="intent" value="check" className="secondary" disabled={busy}>
              {checking ? "Checking…" : "Check this customer"}
            </button>
            <span className="muted">
              Private: you learn only whether the customer is clear, never who registered it.
            </span>
          </div>
          {check ? (
            <div className={claimTone[check]} role="status" data-testid="claim-check" style={{ marginTop: "0.75rem" }}>
              <strong>{claimStatusText[check].title}.</strong> {claimStatusText[check].detail}
              {check === "you_registered" ? (
                <>
                  {" "}
                  <Link to={`/deals?q=${encodeURIComponent(String(fields.customerDomain.value ?? ""))}`}>
                    Find it in your list
                  </Link>
                  .
                </>
              ) : null}
            </div>
          ) : null}
        </section>

        <section>
          <h2 style={{ marginTop: 0 }}>Contact at the customer</h2>
          <div style={columns}>
            <Field label="Name" field={fields.contactName} autoComplete="off" />
            <Field label="Title (optional)" field={fields.contactTitle} autoComplete="off" />
            <Field label="Email" field={fields.contactEmail} type="email" autoComplete="off" />
          </div>
        </section>

        <fieldset style={{ border: 0, padding: 0, margin: 0 }}>
          <legend>
            <h2 style={{ marginTop: 0 }}>Products</h2>
          </legend>
          <ErrorList id={fields.lines.errorId} errors={fields.lines.errors} />
          {lines.map((line, index) => {
            const l = line.getFieldset();
            return (
              <div key={line.key ?? index} style={{ ...columns, alignItems: "end", marginBottom: "0.5rem" }}>
                <Select label={`Product ${index + 1}`} field={l.productId} options={productOptions} />
                <Input label="Quantity" field={l.quantity} type="number" min={1} max={1_000_000} inputMode="numeric" />
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
              {...form.insert.getButtonProps({
                name: fields.lines.name,
                defaultValue: { productId: "", quantity: "" },
              })}
            >
              Add a product
            </button>
          ) : null}
        </fieldset>

        <section>
          <h2 style={{ marginTop: 0 }}>Opportunity</h2>
          <div style={columns}>
            <Input
              label="Estimated value"
              field={fields.value}
              inputMode="decimal"
              hint="e.g. 12500.00; JPY in whole yen"
            />
            <SelectField
              label="Currency"
              field={fields.currency}
              options={currencies.map((c) => ({ value: c, label: c }))}
            />
            <Input
              label="Expected close date"
              field={fields.expectedCloseDate}
              type="date"
              min={dates.min}
              max={dates.max}
            />
            <SelectField
              label="Sales stage"
              field={fields.stage}
              options={salesStages.map((s) => ({ value: s, label: stageLabels[s] }))}
            />
          </div>
          <TextArea label="Competition (optional)" field={fields.competition} rows={3} />
          <TextArea label="Notes (optional)" field={fields.notes} rows={3} />
        </section>

        <div className="actions">
          <button type="submit" name="intent" value="register" disabled={busy}>
            Register the deal
          </button>
          <span className="muted">
            The same private check runs when you register; a channel manager then reviews it.
          </span>
        </div>
      </Form>
    </>
  );
}
