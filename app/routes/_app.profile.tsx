import {
  getCollectionProps,
  getFieldsetProps,
  getFormProps,
  getInputProps,
  getSelectProps,
  getTextareaProps,
  useForm,
  type FieldMetadata,
} from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import {
  data,
  MaxPartSizeExceededError,
  unstable_createMemoryUploadHandler,
  unstable_parseMultipartFormData,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { ErrorList, FormErrors } from "~/components/forms";
import { ConfirmButton, formatDateTime } from "~/components/ui";
import { MAX_LOGO_BYTES, removeLogo, uploadLogo } from "~/modules/partners/logo.server";
import {
  ADDRESSES_MAX,
  CONTACTS_MAX,
  DESCRIPTION_MAX,
  addressLabelSuggestions,
  contactRoleLabels,
  contactRoles,
  profileSchema,
  territoriesForForm,
} from "~/modules/partners/profile-schemas";
import { getProfile, updateProfile } from "~/modules/partners/profile.server";
import { countries } from "~/utils/countries";
import { DomainError, ValidationError } from "~/utils/errors.server";
import { replyWithError } from "~/utils/forms.server";
import { getDb } from "~/utils/db.server";
import { can } from "~/utils/permissions";
import { actorOf, requirePermission, requireUser } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Company profile · Channel Partner Portal" }];

/** Partner admins edit the profile; partner users see it read-only; vendor staff use the directory. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  if (!user.partnerId) throw new Response("The company profile belongs to a partner's own people.", { status: 403 });
  const profile = await getProfile({ db: await getDb(), actor: actorOf(user, context.ip) });
  // Country names come from the server: Intl's names differ between Node and browsers (hydration).
  return { profile, canEdit: can(user.role, "profile:manage"), countryOptions: countries };
}

type LogoResult = { logo: { ok: true; notice: string } | { ok: false; errors: string[] } };

export async function action({ request, context }: ActionFunctionArgs) {
  const { ctx } = await requirePermission(request, "profile:manage", context.ip);
  if ((request.headers.get("content-type") ?? "").startsWith("multipart/form-data")) {
    return uploadLogoAction(request, ctx);
  }
  const formData = await request.formData();
  if (formData.get("intent") === "remove-logo") {
    await removeLogo(ctx);
    return { logo: { ok: true, notice: "The logo was removed." } } satisfies LogoResult;
  }
  const submission = parseWithZod(formData, { schema: profileSchema });
  // Adding or removing an address or contact without JavaScript: just the new form state.
  if (submission.status !== "success") {
    return data({ profile: submission.reply() }, { status: submission.status === "error" ? 400 : 200 });
  }
  try {
    const { changed } = await updateProfile(ctx, submission.value);
    return { profile: submission.reply(), notice: changed.length ? "The profile was saved." : "Nothing changed." };
  } catch (err) {
    const reply = replyWithError(submission, err);
    return data({ profile: reply.data }, { status: reply.init?.status ?? 400 });
  }
}

async function uploadLogoAction(request: Request, ctx: Parameters<typeof uploadLogo>[0]) {
  let formData: FormData;
  try {
    formData = await unstable_parseMultipartFormData(
      request,
      unstable_createMemoryUploadHandler({ maxPartSize: MAX_LOGO_BYTES }),
    );
  } catch (err) {
    if (err instanceof MaxPartSizeExceededError) {
      return data(
        {
          logo: { ok: false, errors: ["The logo is larger than 512 KB. Upload a smaller image."] },
        } satisfies LogoResult,
        { status: 400 },
      );
    }
    throw err;
  }
  const file = formData.get("logo");
  try {
    await uploadLogo(
      ctx,
      file instanceof File
        ? { bytes: new Uint8Array(await file.arrayBuffer()), declaredType: file.type, fileName: file.name }
        : null,
    );
  } catch (err) {
    if (err instanceof ValidationError) {
      return data({ logo: { ok: false, errors: err.fields?.logo ?? [err.message] } } satisfies LogoResult, {
        status: 400,
      });
    }
    if (err instanceof DomainError) {
      return data({ logo: { ok: false, errors: [err.message] } } satisfies LogoResult, { status: err.status });
    }
    throw err;
  }
  return { logo: { ok: true, notice: "The new logo was saved." } } satisfies LogoResult;
}

type CountryOption = { code: string; name: string };

function useCountryName(): (code: string | null | undefined) => string {
  const { countryOptions } = useLoaderData<typeof loader>();
  const names = new Map(countryOptions.map((c) => [c.code, c.name]));
  return (code) => (code ? (names.get(code) ?? code) : "—");
}

export default function ProfilePage() {
  const { profile, canEdit } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Company profile</h1>
      <FixedFacts profile={profile} />
      {profile.missing.length ? (
        <p className="notice warn" role="status">
          To complete the profile, add {profile.missing.join(", ")}.
        </p>
      ) : null}
      {canEdit ? (
        <>
          <LogoCard profile={profile} />
          <ProfileForm profile={profile} />
        </>
      ) : (
        <ReadOnlyProfile profile={profile} />
      )}
    </>
  );
}

type LoadedProfile = ReturnType<typeof useLoaderData<typeof loader>>["profile"];

function FixedFacts({ profile }: { profile: LoadedProfile }) {
  const countryName = useCountryName();
  return (
    <div className="card">
      <dl
        className="facts"
        style={{ display: "grid", gridTemplateColumns: "max-content 1fr", gap: "0.35rem 1rem", margin: 0 }}
      >
        <dt className="muted">Legal name</dt>
        <dd style={{ margin: 0 }}>{profile.legalName}</dd>
        <dt className="muted">Primary domain</dt>
        <dd style={{ margin: 0 }}>{profile.primaryDomain}</dd>
        <dt className="muted">Country</dt>
        <dd style={{ margin: 0 }}>
          {countryName(profile.country)}
          {profile.region ? `, ${profile.region}` : ""}
        </dd>
        <dt className="muted">Tier</dt>
        <dd style={{ margin: 0 }}>
          <span className={`badge ${profile.tier}`}>{profile.tier}</span>
        </dd>
        <dt className="muted">Status</dt>
        <dd style={{ margin: 0 }}>
          <span className={`badge ${profile.status === "active" ? "good" : ""}`}>{profile.status}</span>
        </dd>
      </dl>
      <p className="muted" style={{ marginBottom: 0 }}>
        These are kept by the vendor&apos;s channel team; ask your channel manager to change them.
      </p>
    </div>
  );
}

function logoUrl(profile: LoadedProfile): string | null {
  return profile.logo ? `/partners/${profile.slug}/logo?v=${profile.logo.sha256.slice(0, 12)}` : null;
}

function LogoCard({ profile }: { profile: LoadedProfile }) {
  const actionData = useActionData<typeof action>();
  const result = actionData && "logo" in actionData ? actionData.logo : null;
  const busy = useNavigation().state === "submitting";
  const src = logoUrl(profile);
  return (
    <div className="card">
      <h2 style={{ marginTop: 0 }}>Logo</h2>
      {result?.ok ? (
        <p className="notice" role="status">
          {result.notice}
        </p>
      ) : null}
      {src ? (
        <div className="actions" style={{ marginBottom: "0.75rem" }}>
          <img src={src} alt={`${profile.name} logo`} style={{ maxHeight: 80, maxWidth: 240 }} />
          <span className="muted">
            {Math.ceil((profile.logo?.size ?? 0) / 1024)} KB, updated {formatDateTime(profile.logo?.updatedAt)}
          </span>
          <ConfirmButton
            intent="remove-logo"
            name="confirm"
            value="yes"
            label="Remove"
            question="Remove the logo? The locator shows your name without it."
            confirmLabel="Remove the logo"
          />
        </div>
      ) : (
        <p className="muted">No logo yet.</p>
      )}
      <Form method="post" encType="multipart/form-data" className="actions">
        <div className="field">
          <label htmlFor="logo">{src ? "Replace the logo" : "Upload a logo"}</label>
          <input
            id="logo"
            name="logo"
            type="file"
            accept="image/png,image/jpeg,image/webp"
            required
            aria-invalid={result && !result.ok ? true : undefined}
            aria-describedby="logo-hint logo-error"
          />
          <p className="muted" id="logo-hint">
            PNG, JPEG or WebP, at most 512 KB. SVG is not accepted.
          </p>
          <ErrorList id="logo-error" errors={result && !result.ok ? result.errors : null} />
        </div>
        <button type="submit" disabled={busy}>
          Upload
        </button>
      </Form>
    </div>
  );
}

function TextInput({
  label,
  field,
  type = "text",
  hint,
  list,
}: {
  label: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  field: FieldMetadata<any>;
  type?: "text" | "email" | "url" | "tel";
  hint?: string;
  list?: string;
}) {
  const { key: _key, ...props } = getInputProps(field, { type });
  return (
    <div className="field">
      <label htmlFor={field.id}>{label}</label>
      <input {...props} list={list} />
      {hint ? <p className="muted">{hint}</p> : null}
      <ErrorList id={field.errorId} errors={field.errors} />
    </div>
  );
}

function CountrySelect({
  label,
  field,
  countries,
}: {
  label: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  field: FieldMetadata<any>;
  countries: CountryOption[];
}) {
  const { key: _key, ...props } = getSelectProps(field);
  return (
    <div className="field">
      <label htmlFor={field.id}>{label}</label>
      <select {...props}>
        <option value="">Choose…</option>
        {countries.map((c) => (
          <option key={c.code} value={c.code}>
            {c.name}
          </option>
        ))}
      </select>
      <ErrorList id={field.errorId} errors={field.errors} />
    </div>
  );
}

const twoColumns = { display: "grid", gap: "0.75rem", gridTemplateColumns: "repeat(auto-fill, minmax(200px, 1fr))" };

function ProfileForm({ profile }: { profile: LoadedProfile }) {
  const { countryOptions: countries } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const [form, fields] = useForm({
    id: "profile",
    lastResult: actionData && "profile" in actionData ? actionData.profile : undefined,
    constraint: getZodConstraint(profileSchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: profileSchema }),
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    defaultValue: {
      name: profile.name,
      website: profile.website ?? "",
      phone: profile.phone ?? "",
      description: profile.description ?? "",
      addresses: profile.addresses.length
        ? profile.addresses
        : [
            {
              label: "Head office",
              street: "",
              city: "",
              postalCode: "",
              region: profile.region ?? "",
              country: profile.country,
            },
          ],
      ...territoriesForForm(profile.territories),
      specializations: profile.specializations,
      contacts: profile.contacts.length ? profile.contacts : [{ role: "sales", name: "", email: "", phone: "" }],
      listedInLocator: profile.listedInLocator,
    },
  });
  const countryNames = new Map(countries.map((c) => [c.code, c.name]));
  const territoriesValue = fields.territories.value;
  const chosenCountries = (Array.isArray(territoriesValue) ? territoriesValue : [territoriesValue]).filter(
    (c): c is string => typeof c === "string" && c !== "",
  );
  const addresses = fields.addresses.getFieldList();
  const contacts = fields.contacts.getFieldList();
  const notice = actionData && "notice" in actionData ? actionData.notice : null;
  const { key: _k1, ...territoriesProps } = getSelectProps(fields.territories);
  const { key: _k2, ...listedProps } = getInputProps(fields.listedInLocator, { type: "checkbox" });
  const { key: _k3, ...descriptionProps } = getTextareaProps(fields.description);
  return (
    <Form method="post" {...getFormProps(form)} className="card" style={{ display: "grid", gap: "1rem" }}>
      <h2 style={{ margin: 0 }}>Profile</h2>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <FormErrors errors={form.errors} id={form.errorId} />
      <input type="hidden" name="intent" value="profile" />
      <div style={twoColumns}>
        <TextInput label="Display name" field={fields.name} />
        <TextInput label="Website" field={fields.website} type="url" hint="e.g. https://www.example.com" />
        <TextInput label="Phone" field={fields.phone} type="tel" />
      </div>
      <div className="field">
        <label htmlFor={fields.description.id}>Description</label>
        <textarea {...descriptionProps} rows={4} />
        <p className="muted">Shown to end customers in the partner locator; at most {DESCRIPTION_MAX} characters.</p>
        <ErrorList id={fields.description.errorId} errors={fields.description.errors} />
      </div>

      <fieldset {...getFieldsetProps(fields.addresses)} style={{ border: 0, padding: 0, margin: 0 }}>
        <legend>
          <h3 style={{ margin: "0 0 0.5rem" }}>Addresses</h3>
        </legend>
        <datalist id="address-labels">
          {addressLabelSuggestions.map((l) => (
            <option key={l} value={l} />
          ))}
        </datalist>
        <ErrorList id={fields.addresses.errorId} errors={fields.addresses.errors} />
        {addresses.map((address, index) => {
          const a = address.getFieldset();
          return (
            <div key={address.key} className="card" style={{ marginBottom: "0.75rem" }}>
              <div style={twoColumns}>
                <TextInput label="Label" field={a.label} list="address-labels" />
                <TextInput label="Street" field={a.street} />
                <TextInput label="City" field={a.city} />
                <TextInput label="Postal code" field={a.postalCode} />
                <TextInput label="Region or state" field={a.region} />
                <CountrySelect label="Country" field={a.country} countries={countries} />
              </div>
              {addresses.length > 1 ? (
                <button
                  className="secondary"
                  style={{ marginTop: "0.75rem" }}
                  {...form.remove.getButtonProps({ name: fields.addresses.name, index })}
                  aria-label={`Remove address ${index + 1}`}
                >
                  Remove this address
                </button>
              ) : null}
            </div>
          );
        })}
        {addresses.length < ADDRESSES_MAX ? (
          <button
            className="secondary"
            {...form.insert.getButtonProps({
              name: fields.addresses.name,
              defaultValue: { label: "Branch office", country: profile.country },
            })}
          >
            Add an address
          </button>
        ) : null}
      </fieldset>

      <div>
        <h3 style={{ margin: "0 0 0.5rem" }}>Territories</h3>
        <p className="muted" style={{ marginTop: 0 }}>
          The countries and regions you sell and support in. The locator finds you by them.
        </p>
        <div style={twoColumns}>
          <div className="field">
            <label htmlFor={fields.territories.id}>Countries</label>
            <select {...territoriesProps} multiple size={8}>
              {countries.map((c) => (
                <option key={c.code} value={c.code}>
                  {c.name}
                </option>
              ))}
            </select>
            <p className="muted">
              Hold Ctrl (⌘ on a Mac) to choose several. Chosen:{" "}
              {chosenCountries.length ? chosenCountries.map((c) => countryNames.get(c) ?? c).join(", ") : "none"}.
            </p>
            <ErrorList id={fields.territories.errorId} errors={fields.territories.errors} />
          </div>
          <TextInput
            label="Regions within a country"
            field={fields.subdivisions}
            hint="ISO 3166-2 codes separated by commas, e.g. US-CO, US-WY, AU-NSW."
          />
        </div>
      </div>

      <div>
        <h3 style={{ margin: "0 0 0.5rem" }}>Specializations</h3>
        <div className="checkbox-row" role="group" aria-label="Specializations">
          {getCollectionProps(fields.specializations, {
            type: "checkbox",
            options: profile.specializationOptions.map((o) => o.key),
          }).map(({ key, ...props }) => {
            const option = profile.specializationOptions.find((o) => o.key === props.value);
            return (
              <label key={key} htmlFor={props.id}>
                <input {...props} />
                {option?.label ?? props.value}
                {option?.retired ? <span className="muted"> (no longer offered)</span> : null}
              </label>
            );
          })}
        </div>
        <ErrorList id={fields.specializations.errorId} errors={fields.specializations.errors} />
      </div>

      <fieldset {...getFieldsetProps(fields.contacts)} style={{ border: 0, padding: 0, margin: 0 }}>
        <legend>
          <h3 style={{ margin: "0 0 0.5rem" }}>Contacts</h3>
        </legend>
        <ErrorList id={fields.contacts.errorId} errors={fields.contacts.errors} />
        {contacts.map((contact, index) => {
          const c = contact.getFieldset();
          const { key: _key, ...roleProps } = getSelectProps(c.role);
          return (
            <div key={contact.key} className="card" style={{ marginBottom: "0.75rem" }}>
              <div style={twoColumns}>
                <div className="field">
                  <label htmlFor={c.role.id}>Role</label>
                  <select {...roleProps}>
                    <option value="">Choose…</option>
                    {contactRoles.map((r) => (
                      <option key={r} value={r}>
                        {contactRoleLabels[r]}
                      </option>
                    ))}
                  </select>
                  <ErrorList id={c.role.errorId} errors={c.role.errors} />
                </div>
                <TextInput label="Name" field={c.name} />
                <TextInput label="Email" field={c.email} type="email" />
                <TextInput label="Phone" field={c.phone} type="tel" />
              </div>
              {contacts.length > 1 ? (
                <button
                  className="secondary"
                  style={{ marginTop: "0.75rem" }}
                  {...form.remove.getButtonProps({ name: fields.contacts.name, index })}
                  aria-label={`Remove contact ${index + 1}`}
                >
                  Remove this contact
                </button>
              ) : null}
            </div>
          );
        })}
        {contacts.length < CONTACTS_MAX ? (
          <button
            className="secondary"
            {...form.insert.getButtonProps({ name: fields.contacts.name, defaultValue: { role: "technical" } })}
          >
            Add a contact
          </button>
        ) : null}
      </fieldset>

      <div className="checkbox-row">
        <label htmlFor={fields.listedInLocator.id} style={{ alignItems: "flex-start" }}>
          <input {...listedProps} style={{ marginTop: "0.25rem" }} />
          <span>
            List us in the public <Link to="/partners">partner locator</Link> (name, logo, country, territories,
            specializations, description, website and tier; never addresses or contacts).
          </span>
        </label>
      </div>
      <div>
        <button type="submit" disabled={busy}>
          Save the profile
        </button>
      </div>
    </Form>
  );
}

function ReadOnlyProfile({ profile }: { profile: LoadedProfile }) {
  const countryName = useCountryName();
  const src = logoUrl(profile);
  const labelOf = new Map(profile.specializationOptions.map((o) => [o.key, o.label]));
  return (
    <div className="card">
      {src ? <img src={src} alt={`${profile.name} logo`} style={{ maxHeight: 80, maxWidth: 240 }} /> : null}
      <h2 style={{ marginTop: src ? "0.75rem" : 0 }}>{profile.name}</h2>
      {profile.description ? <p style={{ whiteSpace: "pre-line" }}>{profile.description}</p> : null}
      <p>
        {profile.website ? <span>{profile.website}</span> : null}
        {profile.phone ? <span> · {profile.phone}</span> : null}
      </p>
      <h3>Addresses</h3>
      {profile.addresses.map((a, i) => (
        <p key={i}>
          <strong>{a.label}</strong>
          <br />
          {[a.street, [a.postalCode, a.city].filter(Boolean).join(" "), a.region, countryName(a.country)]
            .filter(Boolean)
            .join(", ")}
        </p>
      ))}
      <h3>Territories</h3>
      <p>{profile.territories.map((t) => (t.includes("-") ? t : countryName(t))).join(", ") || "—"}</p>
      <h3>Specializations</h3>
      <p>{profile.specializations.map((k) => labelOf.get(k) ?? k).join(", ") || "—"}</p>
      <h3>Contacts</h3>
      {profile.contacts.map((c, i) => (
        <p key={i}>
          {contactRoleLabels[c.role]}: {c.name}, {c.email}
          {c.phone ? `, ${c.phone}` : ""}
        </p>
      ))}
      <p className="muted">
        {profile.listedInLocator
          ? "Listed in the public partner locator."
          : "Not listed in the public partner locator."}{" "}
        Your partner admin keeps this profile.
      </p>
    </div>
  );
}
