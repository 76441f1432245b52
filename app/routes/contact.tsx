import { getFormProps, useForm, type Submission } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import {
  data,
  redirect,
  type ActionFunctionArgs,
  type HeadersFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Field, FormErrors, SelectField, TextArea } from "~/components/forms";
import { PublicLayout } from "~/components/public-layout";
import { CONTACT_HONEYPOT_FIELD, contactFormSchema } from "~/modules/leads/intake-schemas";
import { contactProductOptions, screenContactAttempt, submitContactForm } from "~/modules/leads/intake.server";
import { countries } from "~/utils/countries";
import { getDb } from "~/utils/db.server";
import { replyWithError } from "~/utils/forms.server";

export const meta: MetaFunction = () => [{ title: "Contact sales · Channel Partner Portal" }];

const THANK_YOU = "/contact?sent=1";

/** A refused (rate-limited) attempt tells the client when to try again. */
export const headers: HeadersFunction = ({ actionHeaders }) => {
  const out = new Headers();
  const retryAfter = actionHeaders.get("Retry-After");
  if (retryAfter) out.set("Retry-After", retryAfter);
  return out;
};

export async function loader({ request }: LoaderFunctionArgs) {
  const sent = new URL(request.url).searchParams.get("sent") === "1";
  return {
    sent,
    products: sent ? [] : await contactProductOptions(await getDb()),
    // Names from the server's Intl: the browser's can differ (hydration).
    countryOptions: sent ? [] : countries.map((c) => ({ value: c.code, label: c.name })),
  };
}

/**
 * Public, no sign-in. Every attempt counts against the client address's rate
 * limit (5 per 15 minutes, then 429); a filled honeypot is answered exactly
 * like a success. The lead is created from "Contact form" and routed at once.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  const db = await getDb();
  const formData = await request.formData();
  const honeypot = formData.get(CONTACT_HONEYPOT_FIELD);
  const submission = parseWithZod(formData, { schema: contactFormSchema });
  try {
    if (submission.status !== "success") {
      const who = await screenContactAttempt(db, { ip: context.ip, honeypot });
      if (who === "bot") return redirect(THANK_YOU);
      return data(submission.reply(), { status: 400 });
    }
    await submitContactForm(db, { ...submission.value, [CONTACT_HONEYPOT_FIELD]: honeypot }, { ip: context.ip });
    return redirect(THANK_YOU);
  } catch (err) {
    return replyWithError(submission, err, []);
  }
}

const twoColumns = { display: "grid", gap: "0.9rem", gridTemplateColumns: "repeat(auto-fit, minmax(240px, 1fr))" };

/** The form's fields as the browser holds them (text), for Conform's field types. */
type ContactForm = {
  companyName: string;
  contactName: string;
  contactEmail: string;
  contactPhone: string;
  country: string;
  product: string;
  seats: string;
  message: string;
};

export default function Contact() {
  const { sent, products, countryOptions } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const [form, fields] = useForm<ContactForm>({
    id: "contact",
    lastResult,
    constraint: getZodConstraint(contactFormSchema),
    onValidate: ({ formData }) =>
      parseWithZod(formData, { schema: contactFormSchema }) as unknown as Submission<ContactForm>,
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
  });

  if (sent) {
    return (
      <PublicLayout narrow>
        <div className="card">
          <h1>Thank you</h1>
          <p>
            We received your message. A sales specialist for your country will contact you shortly, usually within two
            business days.
          </p>
          <Link to="/partners">Find a partner near you</Link>
        </div>
      </PublicLayout>
    );
  }

  return (
    <PublicLayout narrow>
      <h1>Contact sales</h1>
      <p className="muted">
        Tell us what you need and we put you in touch with a certified partner in your country. Fields marked optional
        may be left empty.
      </p>
      <Form method="post" {...getFormProps(form)} className="card" style={{ display: "grid", gap: "0.9rem" }}>
        <FormErrors errors={form.errors} id={form.errorId} />
        <div style={twoColumns}>
          <Field label="Company" field={fields.companyName} autoComplete="organization" />
          <SelectField label="Country" field={fields.country} options={countryOptions} />
          <Field label="Your name" field={fields.contactName} autoComplete="name" />
          <Field label="Email" field={fields.contactEmail} type="email" autoComplete="email" />
          <Field label="Phone (optional)" field={fields.contactPhone} autoComplete="tel" />
          <SelectField label="Product interest (optional)" field={fields.product} options={products} />
          <Field label="Seats (optional)" field={fields.seats} hint="How many mailboxes or users." />
        </div>
        <TextArea label="Message (optional)" field={fields.message} rows={5} />
        {/* Hidden from people (and from assistive technology); bots fill it in. */}
        <div
          aria-hidden="true"
          style={{ position: "absolute", left: "-10000px", width: 1, height: 1, overflow: "hidden" }}
        >
          <label htmlFor={CONTACT_HONEYPOT_FIELD}>Leave this empty</label>
          <input
            id={CONTACT_HONEYPOT_FIELD}
            name={CONTACT_HONEYPOT_FIELD}
            type="text"
            tabIndex={-1}
            autoComplete="off"
          />
        </div>
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? "Sending…" : "Send"}
          </button>
          <span className="muted">We use your details only to answer you.</span>
        </div>
      </Form>
    </PublicLayout>
  );
}
