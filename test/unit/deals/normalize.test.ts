/**
 * Customer normalization and match scoring on a table of real-world-like
 * names and domains across countries (JP, DE, NL, BE, AU, US, FR and a few
 * more), plus the money and date rules of the registration schema.
 */
import { describe, expect, it } from "vitest";
import { normalizeCompanyName, normalizeCustomerDomain, isFreeMailDomain } from "~/modules/deals/normalize";
import { claimCheckSchema, formatMoney, minorToDecimal, parseMoney, registerDealSchema } from "~/modules/deals/schemas";
import { MATCH_WEIGHTS, scoreMatch, sharesProduct, trigramSimilarity } from "~/modules/deals/scoring";

describe("normalizeCompanyName", () => {
  const table: Array<[country: string, input: string, expected: string]> = [
    // Japan
    ["JP", "Acme K.K.", "acme"],
    ["JP", "ACME Co., Ltd.", "acme"],
    ["JP", "Tokai Shipping K.K.", "tokai shipping"],
    ["JP", "TOKAI SHIPPING Co., Ltd.", "tokai shipping"],
    ["JP", "Kabushiki Kaisha Toshiba", "toshiba"],
    ["JP", "Toshiba Kabushiki Kaisha", "toshiba"],
    ["JP", "株式会社アクメ", "アクメ"],
    ["JP", "アクメ株式会社", "アクメ"],
    ["JP", "(株)アクメ", "アクメ"],
    ["JP", "㈱アクメ", "アクメ"],
    ["JP", "ＡＣＭＥ株式会社", "acme"],
    ["JP", "株式会社 ドコモ", "ドコモ"],
    ["JP", "Nippon Relay G.K.", "nippon relay"],
    // Germany, Austria
    ["DE", "Müller GmbH", "mueller"],
    ["DE", "Mueller", "mueller"],
    ["DE", "MÜLLER GMBH & CO. KG", "mueller"],
    ["DE", "Müller GmbH & Co. KGaA", "mueller"],
    ["DE", "Straßenbau Schmidt AG", "strassenbau schmidt"],
    ["DE", "Bäckerei Öztürk e.K.", "baeckerei oeztuerk"],
    ["DE", "Rheinmail GmbH", "rheinmail"],
    ["AT", "Wiener Städtische Versicherung AG", "wiener staedtische versicherung"],
    // Netherlands
    ["NL", "Polder Relay B.V.", "polder relay"],
    ["NL", "Polder Relay BV", "polder relay"],
    ["NL", "ING Groep N.V.", "ing groep"],
    ["NL", "Van der Berg Installatietechniek B.V.", "van der berg installatietechniek"],
    // Belgium
    ["BE", "Brussels Secure Mail BVBA", "brussels secure mail"],
    ["BE", "Société Générale de Belgique SA/NV", "societe generale de belgique"],
    ["BE", "Ateliers Peeters SPRL", "ateliers peeters"],
    // Australia
    ["AU", "Southern Cross Messaging Pty Ltd", "southern cross messaging"],
    ["AU", "Koala Freight Pty. Ltd.", "koala freight"],
    ["AU", "Outback Mining Pty Limited", "outback mining"],
    // United States
    ["US", "Acme, Inc.", "acme"],
    ["US", "ACME INCORPORATED", "acme"],
    ["US", "Liberty Mailworks Corp.", "liberty mailworks"],
    ["US", "Smith & Wesson L.L.C.", "smith and wesson"],
    ["US", "Smith and Wesson LLC", "smith and wesson"],
    ["US", "The Home Depot, Inc.", "home depot"],
    ["US", "Johnson & Co.", "johnson"],
    ["US", "McDonald's Corporation", "mcdonalds"],
    ["US", "J.P. Morgan Chase & Co.", "jp morgan chase"],
    // France
    ["FR", "Société Générale S.A.", "societe generale"],
    ["FR", "Crédit Agricole SA", "credit agricole"],
    ["FR", "L'Oréal S.A.", "loreal"],
    ["FR", "Café Lumière SAS", "cafe lumiere"],
    ["FR", "Boulangerie Dupont SARL", "boulangerie dupont"],
    // Nordics, Italy, UK
    ["FI", "Nokia Oyj", "nokia"],
    ["DK", "A.P. Møller - Mærsk A/S", "ap moeller maersk"],
    ["SE", "Volvo AB", "volvo"],
    ["NO", "Equinor ASA", "equinor"],
    ["IT", "Fiat S.p.A.", "fiat"],
    ["GB", "Tesco PLC", "tesco"],
    ["GB", "Marks and Spencer Group plc", "marks and spencer group"],
    // Edge cases
    ["--", "  Acme   Widgets  ", "acme widgets"],
    ["--", "Inc.", "inc"],
    ["--", "Limited", "limited"],
    ["--", "3M Company", "3m"],
    ["--", "<b>Acme</b> Ltd", "b acme b"],
    ["--", "!!!", ""],
  ];

  it.each(table)("%s: %s → %s", (_country, input, expected) => {
    expect(normalizeCompanyName(input)).toBe(expected);
  });

  it("makes the spellings of one company equal", () => {
    const same: string[][] = [
      ["Acme K.K.", "ACME Co., Ltd.", "Acme Kabushiki Kaisha", "株式会社ACME", "acme"],
      ["Müller GmbH", "Mueller", "MUELLER GMBH & CO. KG", "müller"],
      ["Tokai Shipping K.K.", "TOKAI SHIPPING Co., Ltd.", "Tokai Shipping Company"],
      ["Polder Relay B.V.", "polder relay bv", "POLDER RELAY"],
      ["Société Générale S.A.", "Societe Generale", "SOCIÉTÉ GÉNÉRALE SA"],
    ];
    for (const group of same) {
      const normalized = new Set(group.map(normalizeCompanyName));
      expect([...normalized], group.join(" / ")).toHaveLength(1);
    }
  });

  it("keeps different companies apart", () => {
    expect(normalizeCompanyName("Acme K.K.")).not.toBe(normalizeCompanyName("Acme Shipping K.K."));
    expect(normalizeCompanyName("Tokai Shipping")).not.toBe(normalizeCompanyName("Tokai Logistics"));
  });
});

describe("normalizeCustomerDomain", () => {
  const table: Array<[input: string, expected: string | null]> = [
    ["tokai-shipping.co.jp", "tokai-shipping.co.jp"],
    ["www.tokai-shipping.co.jp", "tokai-shipping.co.jp"],
    ["https://www.Tokai-Shipping.co.jp/en/about?x=1", "tokai-shipping.co.jp"],
    ["http://tokai-shipping.co.jp:8080/", "tokai-shipping.co.jp"],
    ["yamada@tokai-shipping.co.jp", "tokai-shipping.co.jp"],
    ["Hiro.Yamada@Tokai-Shipping.CO.JP", "tokai-shipping.co.jp"],
    ["mueller-gmbh.de.", "mueller-gmbh.de"],
    ["WWW.POLDER-RELAY.NL", "polder-relay.nl"],
    ["mail.acme.com", "mail.acme.com"],
    ["acme.com.au", "acme.com.au"],
    ["not a domain", null],
    ["localhost", null],
    ["", null],
    ["@", null],
  ];
  it.each(table)("%s → %s", (input, expected) => {
    expect(normalizeCustomerDomain(input)).toBe(expected);
  });

  it("knows the free mail providers", () => {
    expect(isFreeMailDomain("gmail.com")).toBe(true);
    expect(isFreeMailDomain("yahoo.co.jp")).toBe(true);
    expect(isFreeMailDomain("tokai-shipping.co.jp")).toBe(false);
  });
});

describe("trigramSimilarity (pg_trgm's similarity in JavaScript)", () => {
  it("is 1 for equal texts and 0 for texts without a common trigram", () => {
    expect(trigramSimilarity("acme", "acme")).toBe(1);
    expect(trigramSimilarity("acme", "zulu")).toBe(0);
    expect(trigramSimilarity("", "acme")).toBe(0);
  });

  it("matches pg_trgm's documented example: word and two words", () => {
    // similarity('word', 'two words') = 4 shared / 11 distinct ≈ 0.363636 (pg_trgm docs, word_similarity section).
    expect(trigramSimilarity("word", "two words")).toBeCloseTo(4 / 11, 5);
  });
});

describe("scoreMatch", () => {
  const threshold = 0.6;
  const pair = (a: string, b: string) => trigramSimilarity(normalizeCompanyName(a), normalizeCompanyName(b));

  const table: Array<{
    what: string;
    a: string;
    b: string;
    sameDomain: boolean;
    sameCountry: boolean;
    sameProducts: boolean;
    score: number;
    reasons: string[];
  }> = [
    {
      what: "JP: one company in two spellings, same domain, country and products",
      a: "Acme K.K.",
      b: "ACME Co., Ltd.",
      sameDomain: true,
      sameCountry: true,
      sameProducts: true,
      score: 1,
      reasons: ["same domain", "name 1.00 similar", "same country", "same products"],
    },
    {
      what: "DE: umlaut spellings, same country, different domains",
      a: "Müller GmbH",
      b: "Mueller",
      sameDomain: false,
      sameCountry: true,
      sameProducts: false,
      score: 0.4,
      reasons: ["name 1.00 similar", "same country"],
    },
    {
      what: "NL: same domain, different trading name, other country",
      a: "Polder Relay B.V.",
      b: "Dijkstra Holding",
      sameDomain: true,
      sameCountry: false,
      sameProducts: false,
      score: 0.55 + 0.3 * trigramSimilarity("polder relay", "dijkstra holding"),
      reasons: ["same domain"],
    },
    {
      what: "US: similar but not equal names, same products",
      a: "Liberty Mailworks Inc.",
      b: "Liberty Mail Works LLC",
      sameDomain: false,
      sameCountry: true,
      sameProducts: true,
      score: 0.1 + 0.05 + 0.3 * trigramSimilarity("liberty mailworks", "liberty mail works"),
      reasons: [
        `name ${trigramSimilarity("liberty mailworks", "liberty mail works").toFixed(2)} similar`,
        "same country",
        "same products",
      ],
    },
    {
      what: "AU: a weak name match below the threshold gives no name reason",
      a: "Koala Freight Pty Ltd",
      b: "Koala Foods Pty Ltd",
      sameDomain: true,
      sameCountry: true,
      sameProducts: false,
      score: 0.55 + 0.1 + 0.3 * trigramSimilarity("koala freight", "koala foods"),
      reasons: ["same domain", "same country"],
    },
  ];

  it.each(table)("$what", (row) => {
    const sim = pair(row.a, row.b);
    const result = scoreMatch(
      { sameDomain: row.sameDomain, nameSimilarity: sim, sameCountry: row.sameCountry, sameProducts: row.sameProducts },
      threshold,
    );
    expect(result.score).toBeCloseTo(row.score, 2);
    expect(result.reasons).toEqual(row.reasons);
  });

  it("formats the similarity with two decimals, e.g. name 0.82 similar", () => {
    const r = scoreMatch(
      { sameDomain: false, nameSimilarity: 0.8235, sameCountry: false, sameProducts: false },
      threshold,
    );
    expect(r.reasons).toEqual(["name 0.82 similar"]);
    expect(r.score).toBe(0.25);
  });

  it("stays within 0..1 and weights sum to 1", () => {
    expect(Object.values(MATCH_WEIGHTS).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    const max = scoreMatch({ sameDomain: true, nameSimilarity: 1.5, sameCountry: true, sameProducts: true }, threshold);
    expect(max.score).toBe(1);
    const min = scoreMatch(
      { sameDomain: false, nameSimilarity: 0, sameCountry: false, sameProducts: false },
      threshold,
    );
    expect(min).toEqual({ score: 0, reasons: [] });
  });

  it("sharesProduct is true when one product appears in both lists", () => {
    expect(sharesProduct(["a", "b"], ["c", "b"])).toBe(true);
    expect(sharesProduct(["a"], ["c"])).toBe(false);
    expect(sharesProduct([], ["c"])).toBe(false);
  });
});

describe("money", () => {
  const table: Array<[value: string, currency: string, minor: number | string]> = [
    ["12500.00", "USD", 1_250_000],
    ["12500", "EUR", 1_250_000],
    ["12,500.5", "AUD", 1_250_050],
    ["0.01", "USD", 1],
    ["1500000", "JPY", 1_500_000],
    ["1500000.00", "JPY", 1_500_000],
    ["1500.50", "JPY", "JPY has no minor unit: enter a whole amount, e.g. 1500000."],
    ["12.345", "USD", "Use at most 2 decimals."],
    ["0", "USD", "Enter a value above zero."],
    ["0.00", "EUR", "Enter a value above zero."],
    ["-5", "USD", "Enter an amount with digits and a dot for decimals, e.g. 12500.00."],
    ["12,50", "EUR", "Enter an amount with digits and a dot for decimals, e.g. 12500.00."],
    ["1e6", "USD", "Enter an amount with digits and a dot for decimals, e.g. 12500.00."],
    ["10000000000.00", "USD", 1_000_000_000_000],
    ["10000000000.01", "USD", "That value is too large: at most 10000000000.00."],
    ["1000000000000", "JPY", 1_000_000_000_000],
    ["1000000000001", "JPY", "That value is too large: at most 1000000000000."],
    ["99999999999999999999999", "USD", "That value is too large."],
  ];
  it.each(table)("%s %s → %s", (value, currency, expected) => {
    const r = parseMoney(value, currency);
    if (typeof expected === "number") expect(r).toEqual({ ok: true, minor: expected });
    else expect(r).toMatchObject({ ok: false, message: expected });
  });

  it("formats minor units for people and for the API", () => {
    expect(formatMoney(1_250_000, "USD")).toBe("USD 12,500.00");
    expect(formatMoney(1_500_000, "JPY")).toBe("JPY 1,500,000");
    expect(formatMoney(5, "EUR")).toBe("EUR 0.05");
    expect(minorToDecimal(1_250_050, "AUD")).toBe("12500.50");
    expect(minorToDecimal(1_500_000, "JPY")).toBe("1500000");
  });
});

describe("registerDealSchema", () => {
  const now = new Date("2026-03-10T09:00:00Z");
  const valid = {
    customerName: "Tokai Shipping K.K.",
    customerDomain: "https://www.tokai-shipping.co.jp",
    country: "jp",
    region: "Aichi",
    contactName: "Hiro Yamada",
    contactTitle: "IT Manager",
    contactEmail: "Hiro.Yamada@tokai-shipping.co.jp",
    lines: [{ productId: "7b0d6c1e-6f3e-4c1a-9a55-0d8b1f2a3c4d", quantity: "250" }],
    value: "4800000",
    currency: "JPY",
    expectedCloseDate: "2026-06-30",
    stage: "proposal",
    competition: "",
    notes: "",
    leadId: "",
  };
  const errorsOf = (input: unknown) => {
    const r = registerDealSchema(now).safeParse(input);
    return r.success ? {} : r.error.flatten().fieldErrors;
  };

  it("normalizes what it accepts", () => {
    const r = registerDealSchema(now).parse(valid);
    expect(r).toMatchObject({
      customerDomain: "tokai-shipping.co.jp",
      country: "JP",
      contactEmail: "hiro.yamada@tokai-shipping.co.jp",
      lines: [{ quantity: 250 }],
      value: "4800000",
      valueMinor: 4_800_000,
      competition: null,
      leadId: null,
    });
  });

  it("takes an email address as the customer domain but not a free mail provider", () => {
    expect(
      registerDealSchema(now).parse({ ...valid, customerDomain: "buyer@tokai-shipping.co.jp" }).customerDomain,
    ).toBe("tokai-shipping.co.jp");
    expect(errorsOf({ ...valid, customerDomain: "tokai.shipping@gmail.com" }).customerDomain).toEqual([
      "Enter the customer's own domain, not a free mail provider's.",
    ]);
  });

  it("refuses past, malformed and far-future close dates, allowing yesterday for time zones", () => {
    expect(errorsOf({ ...valid, expectedCloseDate: "2026-03-01" }).expectedCloseDate).toEqual([
      "The expected close date is in the past.",
    ]);
    expect(errorsOf({ ...valid, expectedCloseDate: "2026-03-09" }).expectedCloseDate).toBeUndefined();
    expect(errorsOf({ ...valid, expectedCloseDate: "2026-02-30" }).expectedCloseDate).toEqual([
      "Enter a date as YYYY-MM-DD.",
    ]);
    expect(errorsOf({ ...valid, expectedCloseDate: "2029-03-11" }).expectedCloseDate).toEqual([
      "The expected close date must be within 3 years.",
    ]);
    expect(errorsOf({ ...valid, expectedCloseDate: "2029-03-10" }).expectedCloseDate).toBeUndefined();
  });

  it("applies the currency's rules to the value and names bad currencies", () => {
    expect(errorsOf({ ...valid, value: "4800000.50" }).value).toEqual([
      "JPY has no minor unit: enter a whole amount, e.g. 1500000.",
    ]);
    expect(errorsOf({ ...valid, currency: "USD", value: "4800000.50" }).value).toBeUndefined();
    expect(errorsOf({ ...valid, currency: "GBP" }).currency).toEqual(["Choose a currency: USD, EUR, JPY, AUD."]);
    expect(errorsOf({ ...valid, value: "abc", stage: "won" })).toMatchObject({
      value: ["Enter an amount with digits and a dot for decimals, e.g. 12500.00."],
      stage: ["Choose the sales stage: prospecting, qualification, proposal, negotiation, commit."],
    });
  });

  it("shows the currency's value error together with the other fields' errors", () => {
    const e = errorsOf({ ...valid, value: "4800000.50", contactName: "", expectedCloseDate: "2020-01-01" });
    expect(e.value).toEqual(["JPY has no minor unit: enter a whole amount, e.g. 1500000."]);
    expect(e.contactName).toEqual(["Enter the contact's name."]);
    expect(e.expectedCloseDate).toEqual(["The expected close date is in the past."]);
    expect(errorsOf({ ...valid, value: "1.5.5" }).value).toHaveLength(1);
    expect(errorsOf({ ...valid, currency: "USD", value: "99999999999" }).value).toEqual([
      "That value is too large: at most 10000000000.00.",
    ]);
  });

  it("checks the lines: at least one, at most 20, whole quantities, no product twice", () => {
    expect(errorsOf({ ...valid, lines: [] }).lines).toEqual(["Add at least one product."]);
    const many = Array.from({ length: 21 }, () => valid.lines[0]!);
    expect(errorsOf({ ...valid, lines: many }).lines).toContain("Use at most 20 product lines.");
    const r = registerDealSchema(now).safeParse({
      ...valid,
      lines: [valid.lines[0], { productId: "nope", quantity: 0 }, { ...valid.lines[0], quantity: 2_000_000 }],
    });
    expect(r.success).toBe(false);
    const paths = r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        "lines.1.productId: Choose a product from the list.",
        "lines.1.quantity: Enter at least 1.",
        "lines.2.quantity: Enter at most 1,000,000.",
      ]),
    );
  });

  it("requires the customer, contact and a country code", () => {
    const e = errorsOf({ ...valid, customerName: " Inc. !!", country: "XX", contactName: "", contactEmail: "nope" });
    expect(e.country).toEqual(["Choose the customer's country (an ISO code such as JP, DE or US)."]);
    expect(e.contactName).toEqual(["Enter the contact's name."]);
    expect(e.contactEmail).toEqual(["Enter a valid email address."]);
    expect(errorsOf({ ...valid, customerName: "!!!" }).customerName).toEqual([
      "Enter the company's name with letters or digits.",
    ]);
  });

  it("limits competition and notes to 2000 characters", () => {
    expect(errorsOf({ ...valid, notes: "x".repeat(2001) }).notes).toEqual(["Use at most 2000 characters."]);
    expect(errorsOf({ ...valid, competition: "x".repeat(2000) }).competition).toBeUndefined();
  });
});

describe("claimCheckSchema", () => {
  it("takes a name and a domain (or an email address), country optional", () => {
    expect(claimCheckSchema.parse({ customerName: "Acme K.K.", customerDomain: "sales@acme.co.jp" })).toEqual({
      customerName: "Acme K.K.",
      customerDomain: "acme.co.jp",
      country: null,
    });
    expect(claimCheckSchema.safeParse({ customerName: "", customerDomain: "x" }).success).toBe(false);
  });
});
