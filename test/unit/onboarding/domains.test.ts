import { describe, expect, it } from "vitest";
import { emailDomain, normalizeDomain, sameOrganisationDomain } from "~/modules/onboarding/domains";
import { countryName, isCountryCode, isTerritory } from "~/utils/countries";

describe("normalizeDomain", () => {
  it.each([
    ["https://www.Example.COM/about?x=1", "example.com"],
    ["http://example.co.jp:8080", "example.co.jp"],
    ["www.polder-relay.nl.", "polder-relay.nl"],
    ["  sub.example.org  ", "sub.example.org"],
    ["mailto-less@Example.com", "example.com"],
  ])("%s → %s", (input, expected) => {
    expect(normalizeDomain(input)).toBe(expected);
  });

  it.each(["", "localhost", "http://", "exa mple.com", "-bad.com", "example.c", "1.2.3.4", "<script>.com"])(
    "refuses %j",
    (input) => {
      expect(normalizeDomain(input)).toBeNull();
    },
  );
});

describe("emailDomain and sameOrganisationDomain", () => {
  it("takes the part after the last @", () => {
    expect(emailDomain("Ingrid@Nordlys-Mail.test")).toBe("nordlys-mail.test");
    expect(emailDomain("no-at-sign")).toBeNull();
  });

  it("accepts the same domain and subdomains either way, nothing else", () => {
    expect(sameOrganisationDomain("example.com", "example.com")).toBe(true);
    expect(sameOrganisationDomain("mail.example.com", "example.com")).toBe(true);
    expect(sameOrganisationDomain("example.com", "eu.example.com")).toBe(true);
    expect(sameOrganisationDomain("notexample.com", "example.com")).toBe(false);
    expect(sameOrganisationDomain("gmail.com", "example.com")).toBe(false);
  });
});

describe("countries and territories", () => {
  it("knows ISO codes and names them in English", () => {
    expect(isCountryCode("JP")).toBe(true);
    expect(isCountryCode("XX")).toBe(false);
    expect(countryName("NL")).toBe("Netherlands");
    expect(countryName("XX")).toBe("XX");
  });

  it("accepts whole countries and ISO 3166-2 subdivisions", () => {
    for (const t of ["JP", "US-CO", "AU-NSW", "JP-13"]) expect(isTerritory(t), t).toBe(true);
    for (const t of ["jp", "XX", "US-", "US-COLO", "US CO", ""]) expect(isTerritory(t), t).toBe(false);
  });
});
