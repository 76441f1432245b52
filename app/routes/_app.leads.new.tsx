import { getFormProps, getInputProps, useForm, type Submission } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Checkbox, Field, FormErrors, SelectField, TextArea } from "~/components/forms";
import { currencies } from "~/modules/deals/schemas";
import { listActiveProducts } from "~/modules/deals/queries.server";
import { leadFormSchema } from "~/modules/leads/intake-schemas";
import { createLead, DuplicateLeadError } from "~/modules/leads/intake.server";
import { countries } from "~/utils/countries";
import { replyWithError } from "~/utils/forms.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "New lead · Channel Partner Portal" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "leads:distribute", context.ip);
  return {
    products: await listActiveProducts(ctx),
    // Country names come from the server: Intl's names differ between Node and browsers (hydration).
    countryOptions: countries.map((c) => ({ value: c.code, label: c.name })),
    // One lead per page load: a double click or a resubmitted form returns the first one.
    submissionId: crypto.randomUUID(),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { ctx } = await requirePermission(request, "leads:distribute", context.ip);
  const submission = parseWithZod(await request.formData(), { schema: leadFormSchema });
  if (submission.status !== "success") return data({ result: submission.reply(), duplicates: [] }, { status: 400 });
  const { submissionId, routeNow, ...input } = submission.value;
  try {
    const created = await createLead(ctx, input, {
      source: "form",
      idempotencyKey: submissionId ?? null,
      route: routeNow === true,
    });
    return redirect(`/leads/manage/${created.lead.id}`);
  } catch (err) {
    if (err instanceof DuplicateLeadError) {
      return data(
        {
          result: submission.reply({ fieldErrors: err.fields ?? {} }),
          duplicates: err.duplicates.map((d) => ({
            id: d.id,
            ref: d.ref,
            companyName: d.companyName,
            contactEmail: d.contactEmail,
          })),
        },
        { status: 409 },
      );
    }
    const reply = replyWithError(submission, err, []);
    return data({ result: reply.data, duplicates: [] }, { status: reply.init?.status ?? 400 });
  }
}

const columns = { display: "grid", gap: "0.75rem", gridTemplateColumns: "repeat(auto-fill, minmax(220px, 1fr))" };

/** The form's fields as the browser holds them (text), for Conform's field types. */
type LeadForm = {
  submissionId: string;
  companyName: string;
  website: string;
  contactName: string;
  contactEmail: string;
  contactPhone: string;
  contactTitle: string;
  country: string;
  region: string;
  product: string;
  seats: string;
  estimatedValue: string;
  currency: string;
  message: string;
  confirmDuplicate: boolean;
  routeNow: boolean;
};

export default function NewLead() {
  const { products, countryOptions, submissionId } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const [form, fields] = useForm<LeadForm>({
    id: "new-lead",
    lastResult: actionData?.result,
    constraint: getZodConstraint(leadFormSchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: leadFormSchema }) as unknown as Submission<LeadForm>,
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    defaultValue: { submissionId, routeNow: true },
  });
  const duplicates = actionData?.duplicates ?? [];
  const askConfirm =
    duplicates.length > 0 || !!fields.confirmDuplicate.errors?.length || fields.confirmDuplicate.value === "on";
  return (
    <>
      <p>
        <Link to="/leads/manage">← Leads</Link>
      </p>
      <h1>New lead</h1>
      <p className="muted">
        One lead at a time. For many, <Link to="/leads/import">import a CSV file</Link>.
      </p>
      <Form method="post" {...getFormProps(form)} className="card" style={{ display: "grid", gap: "1rem" }}>
        <input {...getInputProps(fields.submissionId, { type: "hidden" })} key={fields.submissionId.key} />
        <FormErrors errors={form.errors} id={form.errorId} />

        <section>
          <h2 style={{ marginTop: 0 }}>Company</h2>
          <div style={columns}>
            <Field label="Company name" field={fields.companyName} autoComplete="off" />
            <Field
              label="Website or domain (optional)"
              field={fields.website}
              autoComplete="off"
              hint="Empty: taken from the contact's email address (not for free mail)."
            />
            <SelectField label="Country" field={fields.country} options={countryOptions} />
            <Field label="Region (optional)" field={fields.region} hint="ISO 3166-2, e.g. US-CO, DE-BY or JP-13." />
          </div>
        </section>

        <section>
          <h2 style={{ marginTop: 0 }}>Contact</h2>
          <div style={columns}>
            <Field label="Name" field={fields.contactName} autoComplete="off" />
            <Field label="Email" field={fields.contactEmail} type="email" autoComplete="off" />
            <Field label="Phone (optional)" field={fields.contactPhone} autoComplete="off" />
            <Field label="Job title (optional)" field={fields.contactTitle} autoComplete="off" />
          </div>
        </section>

        <section>
          <h2 style={{ marginTop: 0 }}>Interest</h2>
          <div style={columns}>
            <SelectField
              label="Product interest (optional)"
              field={fields.product}
              options={products.map((p) => ({ value: p.id, label: p.label }))}
            />
            <Field label="Seats (optional)" field={fields.seats} hint="Mailboxes or users, 1 to 1,000,000." />
            <Field
              label="Estimated value (optional)"
              field={fields.estimatedValue}
              hint="e.g. 12500.00; JPY in whole yen."
            />
            <SelectField
              label="Currency (with a value)"
              field={fields.currency}
              options={currencies.map((c) => ({ value: c, label: c }))}
            />
          </div>
          <TextArea label="Message or summary (optional)" field={fields.message} rows={4} />
        </section>

        {askConfirm ? (
          <div className="warning" role="alert" data-testid="duplicate-warning">
            {duplicates.length > 0 ? (
              <p style={{ marginTop: 0 }}>
                This looks like an open lead:{" "}
                {duplicates.map((d, i) => (
                  <span key={d.id}>
                    {i > 0 ? ", " : ""}
                    <Link to={`/leads/manage/${d.id}`}>{d.ref}</Link> ({d.companyName}, {d.contactEmail})
                  </span>
                ))}
                .
              </p>
            ) : null}
            <Checkbox field={fields.confirmDuplicate}>Create it anyway: it is a different opportunity.</Checkbox>
          </div>
        ) : null}

        <Checkbox field={fields.routeNow}>Route now: offer it to the best eligible partner at once.</Checkbox>

        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? "Creating…" : "Create the lead"}
          </button>
          <Link to="/leads/manage">Cancel</Link>
        </div>
      </Form>
    </>
  );
}
