import { beforeAll, describe, expect, it } from "vitest";
import { specializations } from "~db/schema";
import { LOCATOR_PAGE_SIZE, locatorFilterSchema, searchLocator } from "~/modules/partners/locator.server";
import { createPartner, setupTestDb, unique } from "../../support/factories";

const db = setupTestDb();
const search = (params: Record<string, string> = {}) => searchLocator(db(), locatorFilterSchema.parse(params));
const names = async (params: Record<string, string> = {}) => (await search(params)).partners.map((p) => p.name);

beforeAll(async () => {
  const listed = { status: "active" as const, listedInLocator: true };
  await createPartner(db(), {
    ...listed,
    name: "Amsterdam Relay",
    country: "NL",
    territories: ["NL", "BE"],
    specializations: ["mail-relay"],
  });
  await createPartner(db(), {
    ...listed,
    name: "Tokyo Secure",
    country: "JP",
    territories: ["JP"],
    specializations: ["secure-messaging", "retired-thing"],
  });
  await createPartner(db(), {
    ...listed,
    name: "Denver Mailworks",
    country: "US",
    territories: ["US-CO", "US-WY"],
    specializations: ["anti-spam-gateway"],
  });
  await createPartner(db(), {
    ...listed,
    name: "Under_score 100%",
    country: "DE",
    territories: [],
    website: "javascript:alert(1)",
  });
  await createPartner(db(), { status: "active", listedInLocator: false, name: "Unlisted Relay", country: "NL" });
  await createPartner(db(), { status: "suspended", listedInLocator: true, name: "Suspended Relay", country: "NL" });
  await createPartner(db(), { status: "terminated", listedInLocator: true, name: "Terminated Relay", country: "NL" });
  await createPartner(db(), { status: "approved", listedInLocator: true, name: "Approved Relay", country: "NL" });
  await db().insert(specializations).values({ key: "retired-thing", label: "Retired thing", active: false });
});

describe("searchLocator", () => {
  it("lists only active partners that opted in, by name", async () => {
    expect(await names()).toEqual(["Amsterdam Relay", "Denver Mailworks", "Tokyo Secure", "Under_score 100%"]);
  });

  it("filters by country: based there or covering it, subdivisions included", async () => {
    expect(await names({ country: "NL" })).toEqual(["Amsterdam Relay"]);
    expect(await names({ country: "be" })).toEqual(["Amsterdam Relay"]);
    expect(await names({ country: "US" })).toEqual(["Denver Mailworks"]);
    expect(await names({ country: "FR" })).toEqual([]);
  });

  it("filters by specialization and searches by name, wildcards taken literally", async () => {
    expect(await names({ specialization: "secure-messaging" })).toEqual(["Tokyo Secure"]);
    expect(await names({ specialization: "mail-relay", country: "JP" })).toEqual([]);
    expect(await names({ q: "relay" })).toEqual(["Amsterdam Relay"]);
    expect(await names({ q: "_" })).toEqual(["Under_score 100%"]);
    expect(await names({ q: "100%" })).toEqual(["Under_score 100%"]);
  });

  it("ignores malformed filters instead of failing", async () => {
    expect(await names({ country: "Netherlands", specialization: "<script>", page: "-3" })).toHaveLength(4);
  });

  it("exposes a fixed, public set of fields: labels of offered specializations, only http(s) websites", async () => {
    const { partners } = await search();
    for (const p of partners) {
      expect(Object.keys(p).sort()).toEqual([
        "country",
        "description",
        "logo",
        "name",
        "slug",
        "specializations",
        "territories",
        "tier",
        "website",
      ]);
    }
    expect(partners.find((p) => p.name === "Tokyo Secure")!.specializations).toEqual(["Secure messaging"]);
    expect(partners.find((p) => p.name === "Under_score 100%")!.website).toBeNull();
  });

  it("paginates by 20 and offers the covered countries as filters", async () => {
    for (let i = 0; i < LOCATOR_PAGE_SIZE; i++) {
      await createPartner(db(), {
        status: "active",
        listedInLocator: true,
        name: `Zz ${unique("bulk")}`,
        country: "AU",
      });
    }
    const first = await search();
    expect(first.partners).toHaveLength(LOCATOR_PAGE_SIZE);
    expect(first.total).toBe(LOCATOR_PAGE_SIZE + 4);
    const second = await search({ page: "2" });
    expect(second.partners).toHaveLength(4);
    expect(first.countries.sort()).toEqual(["AU", "BE", "DE", "JP", "NL", "US"]);
  });
});
