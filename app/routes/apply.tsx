import { getCollectionProps, getFormProps, getInputProps, useForm } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useMemo } from "react";
import { Checkbox, ErrorList, Field, FormErrors, SelectField, TextArea } from "~/components/forms";
import { PublicLayout } from "~/components/public-layout";
import {
  HONEYPOT_FIELD,
  MAX_ANNUAL_VOLUME,
  applicationSchema,
  businessTypeLabels,
  businessTypes,
} from "~/modules/onboarding/application-schemas";
import {
  applicationSchemaFor,
  screenApplicationAttempt,
  submitApplication,
} from "~/modules/onboarding/applications.server";
import { activeSpecializations } from "~/modules/onboarding/specializations.server";
import { countries } from "~/utils/countries";
import { getDb } from "~/utils/db.server";
import { replyWithError } from "~/utils/forms.server";

export const meta: MetaFunction = () => [{ title: "Become a partner · Channel Partner Portal" }];

const THANK_YOU = "/apply?sent=1";

export async function loader({ request }: LoaderFunctionArgs) {
  const sent = new URL(request.url).searchParams.get("sent") === "1";
  return {
    sent,
    specializations: sent ? [] : await activeSpecializations(await getDb()),
    // Names from the server's Intl: the browser's can differ (e.g. "Hong Kong" vs "Hong Kong SAR China"),
    // which would break hydration.
    countryOptions: sent ? [] : countries.map((c) => ({ value: c.code, label: c.name })),
  };
}

/**
 * Public, no sign-in. Every attempt counts against the client address's rate
 * limit; a filled honeypot is answered exactly like a success.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  const db = await getDb();
  const formData = await request.formData();
  const honeypot = formData.get(HONEYPOT_FIELD);
  const submission = parseWithZod(formData, { schema: await applicationSchemaFor(db) });
  try {
    if (submission.status !== "success") {
      const who = await screenApplicationAttempt(db, { ip: context.ip, honeypot });
      if (who === "bot") return redirect(THANK_YOU);
      return data(submission.reply(), { status: 400 });
    }
    await submitApplication(
      db,
      { ...submission.value, [HONEYPOT_FIELD]: honeypot },
      { ip: context.ip, userAgent: request.headers.get("user-agent") },
    );
    return redirect(THANK_YOU);
  } catch (err) {
    return replyWithError(submission, err, []);
  }
}

const twoColumns = { display: "grid", gap: "0.9rem", gridTemplateColumns: "repeat(auto-fit, minmax(240px, 1fr))" };

export default function Apply() {
  const { sent, specializations, countryOptions } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const schema = useMemo(() => applicationSchema(specializations.map((s) => s.key)), [specializations]);
  const [form, fields] = useForm({
    id: "apply",
    lastResult,
    constraint: getZodConstraint(schema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema }),
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
  });

  if (sent) {
    return (
      <PublicLayout narrow>
        <div className="card">
          <h1>Thank you for applying</h1>
          <p>
            We received your application. A confirmation is on its way to the contact address you gave, with a link to
            follow the status of your application and to answer any questions we may have.
          </p>
          <p>Our channel team reviews every application, usually within two business days.</p>
          <Link to="/partners">Back to the partner locator</Link>
        </div>
      </PublicLayout>
    );
  }

  const mismatch = fields.contactEmail.errors?.some((e) => e.startsWith("This address is not at")) ?? false;
  const confirmShown = mismatch || fields.contactDomainConfirmed.value === "on";
  const { key: _vk, ...volumeProps } = getInputProps(fields.expectedAnnualVolume, { type: "number" });

  return (
    <PublicLayout narrow>
      <h1>Become a partner</h1>
      <p className="muted">
        Resell, integrate or run our mail server products for your customers. Tell us about your company; our channel
        team reviews every application and answers by mail. Fields marked optional may be left empty; all others are
        required.
      </p>
      <Form method="post" {...getFormProps(form)} style={{ display: "grid", gap: "1rem" }}>
        <FormErrors errors={form.errors} id={form.errorId} />

        <section className="card" style={{ display: "grid", gap: "0.9rem" }}>
          <h2 style={{ margin: 0 }}>Company</h2>
          <div style={twoColumns}>
            <Field label="Company name" field={fields.companyName} autoComplete="organization" />
            <Field label="Registered legal name" field={fields.legalName} />
            <Field
              label="Website"
              field={fields.website}
              autoComplete="url"
              hint="For example https://www.example.com"
            />
            <Field
              label="Primary email domain (optional)"
              field={fields.primaryDomain}
              hint="Leave empty to use your website's domain."
            />
            <SelectField label="Country" field={fields.country} options={countryOptions} />
            <Field label="Region or state (optional)" field={fields.region} autoComplete="address-level1" />
          </div>
          <TextArea label="Head office address" field={fields.address} />
          <div style={twoColumns}>
            <Field label="Tax or company registration number" field={fields.registrationId} />
            <SelectField
              label="Type of business"
              field={fields.businessType}
              options={businessTypes.map((b) => ({ value: b, label: businessTypeLabels[b] }))}
            />
          </div>
          <div className="field">
            <span style={{ display: "block", fontWeight: 600, marginBottom: "0.25rem", fontSize: "0.92rem" }}>
              Specializations
            </span>
            <div className="checkbox-row" role="group" aria-label="Specializations">
              {getCollectionProps(fields.specializations, {
                type: "checkbox",
                options: specializations.map((s) => s.key),
              }).map(({ key, ...props }) => (
                <label key={key} htmlFor={props.id}>
                  <input {...props} style={{ width: "auto" }} />
                  {specializations.find((s) => s.key === props.value)?.label ?? props.value}
                </label>
              ))}
            </div>
            <ErrorList id={fields.specializations.errorId} errors={fields.specializations.errors} />
          </div>
          <div className="field" style={{ maxWidth: 320 }}>
            <label htmlFor={fields.expectedAnnualVolume.id}>Expected annual volume (US dollars)</label>
            <input {...volumeProps} min={0} max={MAX_ANNUAL_VOLUME} step={1} inputMode="numeric" />
            <p className="muted">Your estimate of license sales in the first year, as a whole number.</p>
            <ErrorList id={fields.expectedAnnualVolume.errorId} errors={fields.expectedAnnualVolume.errors} />
          </div>
        </section>

        <section className="card" style={{ display: "grid", gap: "0.9rem" }}>
          <h2 style={{ margin: 0 }}>Contact person</h2>
          <div style={twoColumns}>
            <Field label="Contact name" field={fields.contactName} autoComplete="name" />
            <Field
              label="Contact phone"
              field={fields.contactPhone}
              autoComplete="tel"
              hint="With the country code, e.g. +31 20 555 0123"
            />
          </div>
          <Field
            label="Contact email address"
            field={fields.contactEmail}
            type="email"
            autoComplete="email"
            hint="Preferably at your company's domain. We send the confirmation and our questions here."
          />
          {confirmShown ? (
            <Checkbox field={fields.contactDomainConfirmed}>I use an address outside our company domain</Checkbox>
          ) : null}
        </section>

        {/* Honeypot: people do not see or reach this field; bots that fill every field do. */}
        <div
          aria-hidden="true"
          style={{ position: "absolute", left: "-10000px", width: 1, height: 1, overflow: "hidden" }}
        >
          <label htmlFor={HONEYPOT_FIELD}>Leave this field empty</label>
          <input
            id={HONEYPOT_FIELD}
            name={HONEYPOT_FIELD}
            type="text"
            tabIndex={-1}
            autoComplete="off"
            defaultValue=""
          />
        </div>

        <section className="card" style={{ display: "grid", gap: "0.6rem" }}>
          <h2 style={{ margin: 0 }}>Privacy</h2>
          <p className="muted" style={{ margin: 0 }}>
            We use the details in this form only to review your application and to contact you about it. They are seen
            by our channel team, kept while your application is open and, if you become a partner, as part of your
            partner profile. Ask us at any time to see, correct or delete them.
          </p>
          <Checkbox field={fields.privacyAccepted}>I have read the privacy notice and accept it</Checkbox>
        </section>

        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? "Sending…" : "Send the application"}
          </button>
          <span className="muted">
            Already a partner? <Link to="/login">Sign in</Link>
          </span>
        </div>
      </Form>
    </PublicLayout>
  );
}
