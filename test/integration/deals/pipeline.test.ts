/**
 * The vendor's pipeline against PostgreSQL: filters, totals per currency
 * (never added across currencies), value by stage in one currency,
 * registrations per week, by country, pages, the CSV with the same filters,
 * and that partner people cannot read it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { exportPipelineCsv, lastWeeks, pipelineData } from "~/modules/deals/pipeline.server";
import { ForbiddenError } from "~/utils/errors.server";
import { ctxFor, rejection, setupTestDb, type TestUser } from "../../support/factories";
import { DAY, insertDeal, partnerWithPeople, vendorStaff } from "./deal-fixtures";

const db = setupTestDb();
const NOW = new Date("2030-03-13T12:00:00Z"); // a Wednesday; its week starts Monday 2030-03-11

let manager: TestUser;
let partnerA: Awaited<ReturnType<typeof partnerWithPeople>>;
let partnerB: Awaited<ReturnType<typeof partnerWithPeople>>;
const ids: Record<string, string> = {};

beforeAll(async () => {
  ({ manager } = await vendorStaff(db()));
  partnerA = await partnerWithPeople(db(), { name: "Amstel Mail BV" });
  partnerB = await partnerWithPeople(db(), { name: "Biwako Systems K.K." });
  const a = partnerA.partner.id;
  const b = partnerB.partner.id;
  const ago = (days: number) => new Date(NOW.getTime() - days * DAY);
  const rows = [
    [
      "eurPending",
      {
        partnerId: a,
        currency: "EUR",
        valueMinor: 1_000_000,
        status: "pending_review",
        stage: "qualification",
        country: "DE",
        expectedCloseDate: "2031-01-15",
        createdAt: ago(1),
      },
    ],
    [
      "eurApproved",
      {
        partnerId: a,
        currency: "EUR",
        valueMinor: 500_050,
        status: "approved",
        stage: "proposal",
        country: "DE",
        expectedCloseDate: "2031-03-01",
        createdAt: ago(8),
        protectedUntil: ago(-80),
      },
    ],
    [
      "usdApproved",
      {
        partnerId: a,
        currency: "USD",
        valueMinor: 2_000_000,
        status: "approved",
        stage: "proposal",
        country: "US",
        expectedCloseDate: "2031-02-01",
        createdAt: ago(9),
        protectedUntil: ago(-80),
        customerName: '=HYPERLINK("http://evil")',
      },
    ],
    [
      "jpyPending",
      {
        partnerId: b,
        currency: "JPY",
        valueMinor: 1_500_000,
        status: "pending_review",
        stage: "commit",
        country: "JP",
        expectedCloseDate: "2031-04-01",
        createdAt: ago(2),
        conflictFlag: true,
      },
    ],
    [
      "usdWon",
      {
        partnerId: b,
        currency: "USD",
        valueMinor: 700_000,
        finalValueMinor: 650_000,
        status: "won",
        stage: "commit",
        country: "JP",
        expectedCloseDate: "2030-12-01",
        createdAt: ago(30),
      },
    ],
    [
      "audRejected",
      {
        partnerId: b,
        currency: "AUD",
        valueMinor: 90_000,
        status: "rejected",
        stage: "prospecting",
        country: "AU",
        expectedCloseDate: "2031-05-01",
        createdAt: ago(200),
      },
    ],
  ] as const;
  for (const [key, values] of rows) ids[key] = (await insertDeal(db(), { ...values })).id;
});

const data = (query = "") => pipelineData(ctxFor(db(), manager, NOW), `http://portal.test/deals?${query}`);
const rowIds = (d: Awaited<ReturnType<typeof data>>) => d.rows.map((r) => r.id).sort();
const idsOf = (...keys: string[]) => keys.map((k) => ids[k]!).sort();

describe("pipeline", () => {
  it("shows open registrations by default, with one total per currency", async () => {
    const d = await data();
    expect(d.filter.status).toBe("open");
    expect(rowIds(d)).toEqual(idsOf("eurPending", "eurApproved", "usdApproved", "jpyPending"));
    expect(d.total).toBe(4);
    expect(d.totals).toEqual([
      { currency: "USD", count: 1, valueMinor: 2_000_000, value: "$20,000.00" },
      { currency: "EUR", count: 2, valueMinor: 1_500_050, value: "€15,000.50" },
      { currency: "JPY", count: 1, valueMinor: 1_500_000, value: "¥1,500,000" },
    ]);
    // Sorted by expected close date; values in their own currency.
    expect(d.rows.map((r) => r.value)).toEqual(["€10,000.00", "$20,000.00", "€5,000.50", "¥1,500,000"]);
    expect(d.rows[0]).toMatchObject({
      partnerName: "Amstel Mail BV",
      countryName: "Germany",
      statusLabel: "Pending review",
    });
  });

  it("filters by status, stage, country, partner, currency and expected close range", async () => {
    expect(rowIds(await data("status=all"))).toEqual(Object.values(ids).sort());
    expect((await data("status=all")).totals.find((t) => t.currency === "USD")).toMatchObject({
      count: 2,
      value: "$27,000.00",
    });
    expect(rowIds(await data("status=won"))).toEqual(idsOf("usdWon"));
    expect(rowIds(await data("stage=proposal"))).toEqual(idsOf("eurApproved", "usdApproved"));
    expect(rowIds(await data("country=jp&status=all"))).toEqual(idsOf("jpyPending", "usdWon"));
    expect(rowIds(await data(`partnerId=${partnerA.partner.id}`))).toEqual(
      idsOf("eurPending", "eurApproved", "usdApproved"),
    );
    expect(rowIds(await data("currency=EUR"))).toEqual(idsOf("eurPending", "eurApproved"));
    expect(rowIds(await data("closeFrom=2031-02-01&closeTo=2031-03-01"))).toEqual(idsOf("eurApproved", "usdApproved"));
    // Bad values are dropped, never errors.
    const bad = await data("status=sold&stage=closing&country=XX&currency=GBP&closeFrom=2031-02-30&partnerId=1&page=0");
    expect(bad.filter).toEqual({ status: "open", page: 1 });
    expect(bad.total).toBe(4);
    expect((await data("currency=EUR&stage=proposal&status=approved")).query).toBe(
      "status=approved&stage=proposal&currency=EUR",
    );
  });

  it("charts pipeline value by stage in one currency (USD unless filtered), per week, and by country", async () => {
    const usd = await data();
    expect(usd.chartCurrency).toBe("USD");
    expect(usd.byStage.keys.map((k) => k.key)).toEqual(["approved"]);
    expect(usd.byStage.bars.map((b) => [b.tick, b.values])).toEqual([
      ["Prospecting", { approved: 0 }],
      ["Qualification", { approved: 0 }],
      ["Proposal", { approved: 20_000 }],
      ["Negotiation", { approved: 0 }],
      ["Commit", { approved: 0 }],
    ]);
    const eur = await data("currency=EUR");
    expect(eur.chartCurrency).toBe("EUR");
    expect(eur.byStage.keys.map((k) => k.key)).toEqual(["pending_review", "approved"]);
    expect(eur.byStage.bars.find((b) => b.tick === "Qualification")!.values).toEqual({
      pending_review: 10_000,
      approved: 0,
    });
    expect(eur.byStage.bars.find((b) => b.tick === "Proposal")!.id).toBe("Proposal: €5,000.50");

    // Registrations per week: the last 12 weeks, every status, flagged ones apart.
    const weeks = usd.perWeek;
    expect(weeks.map((w) => w.week)).toEqual(lastWeeks(NOW, 12));
    expect(weeks.at(-1)).toEqual({ week: "2030-03-11", flagged: 1, clear: 1 });
    expect(weeks.at(-2)).toEqual({ week: "2030-03-04", flagged: 0, clear: 2 });
    expect(weeks.find((w) => w.week === "2030-02-11")).toEqual({ week: "2030-02-11", flagged: 0, clear: 1 });
    expect(weeks.reduce((n, w) => n + w.flagged + w.clear, 0)).toBe(5); // the 200-day-old one is outside

    expect(usd.byCountry).toEqual([
      { country: "DE", countryName: "Germany", count: 2, values: ["€15,000.50"] },
      { country: "JP", countryName: "Japan", count: 1, values: ["¥1,500,000"] },
      { country: "US", countryName: "United States", count: 1, values: ["$20,000.00"] },
    ]);
    const all = await data("status=all");
    expect(all.byCountry.find((c) => c.country === "JP")).toEqual({
      country: "JP",
      countryName: "Japan",
      count: 2,
      values: ["$7,000.00", "¥1,500,000"],
    });
    expect(all.options.partners.map((p) => p.label)).toEqual(["Amstel Mail BV", "Biwako Systems K.K."]);
  });

  it("exports the same filtered rows as CSV, formulas neutralized", async () => {
    const file = await exportPipelineCsv(
      ctxFor(db(), manager, NOW),
      "http://portal.test/deals/pipeline.csv?status=all&country=JP",
    );
    expect(file.filename).toBe("deal-pipeline-2030-03-13.csv");
    expect(file.body.startsWith("\uFEFF")).toBe(true);
    const lines = file.body.slice(1).trimEnd().split("\r\n");
    expect(lines[0]).toBe(
      "Registration ID,Registered at,Partner,Customer,Customer domain,Country,Value,Currency,Stage,Status,Expected close,Protected until,Conflict flag,Final value",
    );
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(`${ids.usdWon},`);
    expect(lines[1]).toContain(",JP,7000.00,USD,Commit,Won,2030-12-01,,no,6500.00");
    expect(lines[2]).toContain(",JP,1500000,JPY,Commit,Pending review,2031-04-01,,yes,");

    const open = await exportPipelineCsv(ctxFor(db(), manager, NOW), "http://portal.test/deals/pipeline.csv");
    const body = open.body.slice(1).trimEnd().split("\r\n");
    expect(body).toHaveLength(5);
    expect(open.body).toContain(`"'=HYPERLINK(""http://evil"")"`);
  });

  it("is for vendor staff only", async () => {
    for (const user of [partnerA.admin, partnerA.seller]) {
      expect(await rejection(pipelineData(ctxFor(db(), user), "http://portal.test/deals"))).toBeInstanceOf(
        ForbiddenError,
      );
      expect(
        await rejection(exportPipelineCsv(ctxFor(db(), user), "http://portal.test/deals/pipeline.csv")),
      ).toBeInstanceOf(ForbiddenError);
    }
  });

  it("pages the table", async () => {
    const c = await partnerWithPeople(db());
    for (let i = 0; i < 51; i++) {
      await insertDeal(db(), {
        partnerId: c.partner.id,
        expectedCloseDate: `2031-01-${String((i % 28) + 1).padStart(2, "0")}`,
      });
    }
    const p1 = await data(`partnerId=${c.partner.id}`);
    const p2 = await data(`partnerId=${c.partner.id}&page=2`);
    expect(p1).toMatchObject({ total: 51, page: 1, pageSize: 50 });
    expect(p1.rows).toHaveLength(50);
    expect(p2.rows).toHaveLength(1);
    expect(new Set([...p1.rows, ...p2.rows].map((r) => r.id)).size).toBe(51);
    expect(p1.totals).toEqual([{ currency: "EUR", count: 51, valueMinor: 51 * 2_500_000, value: "€1,275,000.00" }]);
  });
});
