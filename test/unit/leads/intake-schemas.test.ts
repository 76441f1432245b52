/**
 * The lead intake schema on its own (no database): required fields, the
 * company domain from the website or the contact's address (not free mail),
 * region within the country, value and currency together (JPY in whole yen),
 * seats, text limits, and the contact form's subset.
 */
import { getZodConstraint } from "@conform-to/zod";
import { describe, expect, it } from "vitest";
import {
  companyDomainOf,
  contactFormSchema,
  isFreeMail,
  leadFormSchema,
  leadIntakeSchema,
  leadRowSchema,
} from "~/modules/leads/intake-schemas";
import { fieldErrorsOf } from "~/utils/field-errors";

const base = {
  companyName: "Tokai Shipping K.K.",
  contactName: "Aiko Tanaka",
  contactEmail: "Aiko.Tanaka@Tokai-Shipping.co.jp",
  country: "jp",
};

function errors(raw: unknown, schema = leadIntakeSchema) {
  const r = schema.safeParse(raw);
  return r.success ? {} : fieldErrorsOf(r.error);
}

describe("leadIntakeSchema", () => {
  it("takes the minimum and derives the domain from the contact's address", () => {
    const v = leadIntakeSchema.parse(base);
    expect(v).toMatchObject({
      companyName: "Tokai Shipping K.K.",
      contactEmail: "aiko.tanaka@tokai-shipping.co.jp",
      country: "JP",
      companyDomain: "tokai-shipping.co.jp",
      region: null,
      seats: null,
      estimatedValueMinor: null,
      currency: null,
      product: null,
    });
  });

  it("prefers the website's domain, normalized", () => {
    expect(leadIntakeSchema.parse({ ...base, website: "https://www.Tokai.example/about" }).companyDomain).toBe(
      "tokai.example",
    );
  });

  it("leaves the domain empty for free-mail contacts", () => {
    for (const email of ["a@gmail.com", "a@yahoo.co.jp", "a@gmx.de", "a@gmx.at", "a@icloud.com", "a@hotmail.com"]) {
      expect(leadIntakeSchema.parse({ ...base, contactEmail: email }).companyDomain).toBeNull();
    }
    expect(isFreeMail("gmx.ch")).toBe(true);
    expect(isFreeMail("tokai-shipping.co.jp")).toBe(false);
    expect(companyDomainOf(null, "x@outlook.com")).toBeNull();
  });

  it("reads empty strings (CSV cells, JSON clients) as not given", () => {
    const v = leadIntakeSchema.parse({
      ...base,
      website: "",
      region: " ",
      seats: "",
      estimatedValue: "",
      currency: "",
    });
    expect(v).toMatchObject({ website: null, region: null, seats: null, estimatedValueMinor: null, currency: null });
  });

  it("reports every missing required field at once", () => {
    const e = errors({});
    expect(Object.keys(e).sort()).toEqual(["companyName", "contactEmail", "contactName", "country"]);
    expect(e.contactEmail).toEqual(["Enter an email address."]);
  });

  it("refuses a bad email, country, website and phone by field", () => {
    const e = errors({ ...base, contactEmail: "nope", country: "XX", website: "not a site", contactPhone: "call me" });
    expect(e.contactEmail).toEqual(["Enter a valid email address."]);
    expect(e.country?.[0]).toMatch(/ISO code/);
    expect(e.website?.[0]).toMatch(/website or domain/);
    expect(e.contactPhone?.[0]).toMatch(/phone number/);
  });

  it("limits the company name to 200 and the message to 5000 characters", () => {
    expect(errors({ ...base, companyName: "x".repeat(201) }).companyName?.[0]).toMatch(/at most 200/);
    expect(errors({ ...base, companyName: "x".repeat(200) })).toEqual({});
    expect(errors({ ...base, message: "m".repeat(5001) }).message?.[0]).toMatch(/at most 5,000/);
  });

  it("takes seats from 1 to 1,000,000 as whole numbers, from text or numbers", () => {
    expect(leadIntakeSchema.parse({ ...base, seats: "250" }).seats).toBe(250);
    expect(leadIntakeSchema.parse({ ...base, seats: 1_000_000 }).seats).toBe(1_000_000);
    expect(errors({ ...base, seats: 0 }).seats).toBeDefined();
    expect(errors({ ...base, seats: "1000001" }).seats).toBeDefined();
    expect(errors({ ...base, seats: "2.5" }).seats).toBeDefined();
    expect(errors({ ...base, seats: "many" }).seats).toBeDefined();
  });

  it("checks the region against the country (ISO 3166-2) and completes a bare code", () => {
    expect(leadIntakeSchema.parse({ ...base, country: "US", region: "us-co" }).region).toBe("US-CO");
    expect(leadIntakeSchema.parse({ ...base, country: "US", region: "CO" }).region).toBe("US-CO");
    expect(errors({ ...base, country: "US", region: "JP-13" }).region?.[0]).toMatch(/region of US/);
    expect(errors({ ...base, country: "JP", region: "Kanto!!" }).region).toBeDefined();
  });

  it("wants value and currency together, in the currency's unit", () => {
    expect(leadIntakeSchema.parse({ ...base, estimatedValue: "12,500.50", currency: "usd" })).toMatchObject({
      estimatedValueMinor: 1_250_050,
      currency: "USD",
    });
    expect(leadIntakeSchema.parse({ ...base, estimatedValue: 1_500_000, currency: "JPY" }).estimatedValueMinor).toBe(
      1_500_000,
    );
    expect(errors({ ...base, estimatedValue: "1500.50", currency: "JPY" }).estimatedValue?.[0]).toMatch(
      /no minor unit/,
    );
    expect(errors({ ...base, estimatedValue: "100" }).currency).toEqual([
      "Choose the currency of the estimated value.",
    ]);
    expect(errors({ ...base, currency: "EUR" }).estimatedValue?.[0]).toMatch(/Enter the estimated value/);
    expect(errors({ ...base, estimatedValue: "abc", currency: "EUR" }).estimatedValue).toHaveLength(1);
    expect(errors({ ...base, estimatedValue: "10", currency: "GBP" }).currency?.[0]).toMatch(/Choose a currency/);
  });

  it("shows cross-field errors together with missing fields", () => {
    const e = errors({ country: "US", region: "JP-13", estimatedValue: "5" });
    expect(e.companyName).toBeDefined();
    expect(e.region).toBeDefined();
    expect(e.currency).toBeDefined();
  });

  it("reads the confirmation flags from form text or JSON booleans", () => {
    expect(leadIntakeSchema.parse({ ...base, confirmDuplicate: "on" }).confirmDuplicate).toBe(true);
    expect(leadIntakeSchema.parse({ ...base, allowDuplicate: true }).allowDuplicate).toBe(true);
    expect(leadFormSchema.parse({ ...base, routeNow: "on" }).routeNow).toBe(true);
    expect(leadRowSchema.parse(base)).not.toHaveProperty("confirmDuplicate");
  });

  it("shows HTML typed into text as text (kept verbatim)", () => {
    expect(leadIntakeSchema.parse({ ...base, companyName: "<b>Acme</b>" }).companyName).toBe("<b>Acme</b>");
  });
});

describe("contactFormSchema", () => {
  it("asks for the prospect's own name and takes the public fields", () => {
    const r = contactFormSchema.safeParse({ companyName: "Acme", contactEmail: "a@acme.example", country: "DE" });
    expect(r.success).toBe(false);
    if (!r.success) expect(fieldErrorsOf(r.error).contactName).toEqual(["Enter your name."]);
    const ok = contactFormSchema.parse({ ...base, seats: "20", message: "Hello" });
    expect(ok).toMatchObject({ seats: 20, message: "Hello", country: "JP" });
  });
});

describe("Conform constraints", () => {
  it("reads the browser's constraints from the form schemas: only the required fields are required", () => {
    const c = getZodConstraint(leadFormSchema);
    const required = Object.entries(c)
      .filter(([, v]) => v.required)
      .map(([k]) => k)
      .sort();
    expect(required).toEqual(["companyName", "contactEmail", "contactName", "country"]);
    expect(c.companyName).toMatchObject({ maxLength: 200 });
    expect(c.seats).toMatchObject({ min: 1, max: 1_000_000 });
    expect(getZodConstraint(contactFormSchema).contactName?.required).toBe(true);
  });
});
