import { parseWithZod } from "@conform-to/zod";
import { describe, expect, it } from "vitest";
import {
  isHeadOfficeLabel,
  profileMissing,
  profileSchema,
  splitTerritories,
  territoriesForForm,
} from "~/modules/partners/profile-schemas";
import { fieldErrorsOf } from "~/utils/field-errors";

const address = {
  label: "Head office",
  street: "Keizersgracht 123",
  city: "Amsterdam",
  postalCode: "1015 CJ",
  region: "",
  country: "NL",
};
const contact = { role: "sales", name: "Sanne de Vries", email: "sanne@polder-relay.test", phone: "+31 20 555 0199" };
const valid = {
  name: "Polder Relay",
  website: "www.polder-relay.test",
  phone: "+31 20 555 0199",
  description: "Relay and anti-spam for the Benelux.",
  addresses: [address],
  territories: ["NL", "BE"],
  subdivisions: "",
  specializations: ["mail-relay"],
  contacts: [contact],
  listedInLocator: true,
};

function errorsOf(input: unknown): Record<string, string[]> {
  const result = profileSchema.safeParse(input);
  expect(result.success).toBe(false);
  return fieldErrorsOf(result.error!);
}

describe("profileSchema", () => {
  it("accepts a complete profile, normalising the website, empties and territories", () => {
    const result = profileSchema.parse({
      ...valid,
      subdivisions: "us-co, AU-NSW;US-CO",
      territories: ["nl", "BE", "NL"],
    });
    expect(result.website).toBe("https://www.polder-relay.test");
    expect(result.addresses[0]!.region).toBeNull();
    expect(result.territories).toEqual(["NL", "BE", "US-CO", "AU-NSW"]);
    expect(result).not.toHaveProperty("subdivisions");
    expect(result.listedInLocator).toBe(true);
  });

  it("drops what the partner may not edit (ids, legal name, tier, status)", () => {
    const result = profileSchema.parse({
      ...valid,
      partnerId: "x",
      legalName: "Evil Ltd",
      tier: "gold",
      status: "active",
    });
    expect(Object.keys(result).sort()).toEqual(
      [
        "addresses",
        "contacts",
        "description",
        "listedInLocator",
        "name",
        "phone",
        "specializations",
        "territories",
        "website",
      ].sort(),
    );
  });

  it("is idempotent: its own output parses to the same value (the route parses, the use case parses again)", () => {
    const once = profileSchema.parse({ ...valid, subdivisions: "US-CO" });
    expect(profileSchema.parse(once)).toEqual(once);
  });

  it("refuses a bad territory at the field that holds it", () => {
    expect(errorsOf({ ...valid, territories: ["NL", "XX"] })["territories[1]"]?.[0]).toMatch(
      /“XX” is not an ISO country/,
    );
    expect(errorsOf({ ...valid, subdivisions: "US-CO, Colorado" }).subdivisions?.[0]).toMatch(/“COLORADO” is not/);
  });

  it("refuses a bad email in a contact, by its position", () => {
    const errors = errorsOf({ ...valid, contacts: [contact, { ...contact, email: "not-an-email" }] });
    expect(Object.keys(errors)).toEqual(["contacts[1].email"]);
  });

  it("limits addresses to 1..5 and contacts to 1..6", () => {
    expect(errorsOf({ ...valid, addresses: Array.from({ length: 6 }, () => address) }).addresses).toEqual([
      "Use at most 5 addresses.",
    ]);
    expect(errorsOf({ ...valid, addresses: [] }).addresses).toContain("Add at least one address.");
    expect(errorsOf({ ...valid, contacts: Array.from({ length: 7 }, () => contact) }).contacts).toEqual([
      "Use at most 6 contacts.",
    ]);
    expect(errorsOf({ ...valid, contacts: [] }).contacts).toEqual(["Add at least one contact."]);
  });

  it("limits the description to 1000 characters", () => {
    expect(errorsOf({ ...valid, description: "x".repeat(1001) }).description).toEqual(["Use at most 1000 characters."]);
    expect(profileSchema.parse({ ...valid, description: "x".repeat(1000) }).description).toHaveLength(1000);
  });

  it("asks for a head office among the addresses", () => {
    expect(errorsOf({ ...valid, addresses: [{ ...address, label: "Branch office" }] }).addresses?.[0]).toMatch(
      /Head office/,
    );
    expect(isHeadOfficeLabel("HQ Amsterdam")).toBe(true);
    expect(isHeadOfficeLabel("Headquarters")).toBe(true);
    expect(isHeadOfficeLabel("Warehouse")).toBe(false);
  });

  it("refuses script and odd schemes as a website, and malformed phones and countries", () => {
    expect(errorsOf({ ...valid, website: "javascript:alert(1)" }).website).toBeDefined();
    expect(errorsOf({ ...valid, website: "https://localhost" }).website).toBeDefined();
    expect(errorsOf({ ...valid, phone: "call me" }).phone).toBeDefined();
    expect(errorsOf({ ...valid, addresses: [{ ...address, country: "ZZ" }] })["addresses[0].country"]).toBeDefined();
    expect(errorsOf({ ...valid, contacts: [{ ...contact, role: "boss" }] })["contacts[0].role"]).toBeDefined();
  });

  it("keeps HTML typed into text as text (no stripping, no rejection)", () => {
    expect(profileSchema.parse({ ...valid, description: "<b>Best</b> relay" }).description).toBe("<b>Best</b> relay");
  });

  it("parses the browser's form data the way Conform sends it", () => {
    const fd = new FormData();
    fd.append("name", "Polder Relay");
    fd.append("addresses[0].label", "Head office");
    fd.append("addresses[0].city", "Amsterdam");
    fd.append("addresses[0].country", "NL");
    fd.append("territories", "NL");
    fd.append("territories", "BE");
    fd.append("subdivisions", "US-CO");
    fd.append("specializations", "mail-relay");
    fd.append("contacts[0].role", "sales");
    fd.append("contacts[0].name", "Sanne");
    fd.append("contacts[0].email", "Sanne@Polder-Relay.test");
    fd.append("listedInLocator", "on");
    const submission = parseWithZod(fd, { schema: profileSchema });
    expect(submission.status).toBe("success");
    if (submission.status !== "success") return;
    expect(submission.value).toMatchObject({
      territories: ["NL", "BE", "US-CO"],
      contacts: [{ email: "sanne@polder-relay.test", phone: null }],
      listedInLocator: true,
      website: null,
    });
  });
});

describe("profile helpers", () => {
  it("splits subdivisions typed with commas, semicolons or spaces", () => {
    expect(splitTerritories(" us-co,US-WY;  au-nsw ")).toEqual(["US-CO", "US-WY", "AU-NSW"]);
    expect(splitTerritories(null)).toEqual([]);
  });

  it("splits stored territories into countries and subdivisions for the form", () => {
    expect(territoriesForForm(["NL", "US-CO", "BE"])).toEqual({ territories: ["NL", "BE"], subdivisions: "US-CO" });
  });

  it("says what a profile lacks to be complete", () => {
    const complete = {
      description: "x",
      addresses: [{ street: "Keizersgracht 1", city: "Amsterdam" }],
      territories: ["NL"],
      specializations: ["mail-relay"],
      contacts: [{}],
    };
    expect(profileMissing(complete)).toEqual([]);
    expect(
      profileMissing({
        description: " ",
        addresses: [{ street: "", city: "Amsterdam" }],
        territories: [],
        specializations: [],
        contacts: [],
      }),
    ).toEqual(["a description", "an address with street and city", "a territory", "a specialization", "a contact"]);
  });
});
