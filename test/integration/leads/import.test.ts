/**
 * CSV import against real PostgreSQL: reading the upload (BOM, quotes, CRLF,
 * limits), the suggested mapping and its checks, the preview, bad rows
 * reported by row with reasons (nothing created from them), duplicates of open
 * leads and of earlier rows of the same file skipped, the issues CSV, the
 * finish (mail, audit), routing the created leads, resuming after a crashed
 * worker without duplicates, and a 50,000-row file.
 */
import { and, eq, sql } from "drizzle-orm";
import { parse } from "csv-parse/sync";
import { beforeAll, describe, expect, it } from "vitest";
import {
  auditEvents,
  leadEvents,
  leadImportIssues,
  leadImports,
  leads,
  mailMessages,
  routingDecisions,
} from "~db/schema";
import {
  getLeadImport,
  IMPORT_LEASE_MS,
  leadImportIssuesCsv,
  previewLeadImport,
  processLeadImports,
  startLeadImport,
  suggestMapping,
  uploadLeadImport,
} from "~/modules/leads/import.server";
import { ForbiddenError, RuleError, ValidationError } from "~/utils/errors.server";
import { createTestLead } from "../../support/lead-factories";
import {
  createPartner,
  createUser,
  ctxFor,
  rejection,
  setupTestDb,
  unique,
  type TestUser,
} from "../../support/factories";

const db = setupTestDb();
let manager: TestUser;
let partnerUser: TestUser;

beforeAll(async () => {
  manager = await createUser(db(), { role: "channel_manager" });
  const p = await createPartner(db(), { country: "DE" });
  partnerUser = await createUser(db(), { role: "partner_user", partnerId: p.id });
});

const HEADER = "Company,Website,Contact,E-mail,Country,State,Product,Seats,Value,Currency,Notes";
const MAPPING = {
  companyName: "Company",
  website: "Website",
  contactName: "Contact",
  contactEmail: "E-mail",
  country: "Country",
  region: "State",
  product: "Product",
  seats: "Seats",
  estimatedValue: "Value",
  currency: "Currency",
  message: "Notes",
};

const bytes = (s: string) => new TextEncoder().encode(s);

async function upload(csv: string, filename = "leads.csv") {
  return uploadLeadImport(ctxFor(db(), manager), { filename, bytes: bytes(csv) });
}

/** Runs the job until there is nothing left to claim. */
async function drain(now = new Date()) {
  const results = [];
  for (let r = await processLeadImports(db(), now); r; r = await processLeadImports(db(), now)) results.push(r);
  return results;
}

async function importCsv(csv: string, opts: { routeAfter?: boolean } = {}) {
  const { id } = await upload(csv);
  await startLeadImport(ctxFor(db(), manager), id, { mapping: MAPPING, routeAfter: opts.routeAfter ?? false });
  await drain();
  return getLeadImport(ctxFor(db(), manager), id);
}

describe("upload", () => {
  it("reads UTF-8 with a BOM, CRLF line ends and quoted fields with commas, quotes and line breaks", async () => {
    const csv =
      "\uFEFF" +
      [
        HEADER,
        `"Müller, Schmidt & Co. KG",mueller.example,"Jörg ""JJ"" Müller",joerg@mueller.example,DE,,,,,,"first line\nsecond line"`,
        "",
        `Tokai K.K.,,Aiko,aiko@tokai.example,JP,JP-13,SRL-PERP,25,1500000,JPY,`,
      ].join("\r\n") +
      "\r\n";
    const up = await upload(csv);
    expect(up.totalRows).toBe(2);
    expect(up.headers).toEqual(HEADER.split(","));
    const preview = await previewLeadImport(ctxFor(db(), manager), up.id, MAPPING);
    expect(preview.map((r) => r.n)).toEqual([2, 4]);
    expect(preview[0]!.values.companyName).toBe("Müller, Schmidt & Co. KG");
    expect(preview[0]!.values.contactName).toBe('Jörg "JJ" Müller');
    expect(preview[0]!.values.message).toBe("first line\nsecond line");
    expect(preview.every((r) => r.errors.length === 0)).toBe(true);
  });

  it("refuses what it cannot take, with a clear message", async () => {
    const msg = async (p: Promise<unknown>) => ((await rejection(p)) as ValidationError).fields!.file![0]!;
    expect(await msg(upload(""))).toMatch(/Choose a CSV file/);
    expect(await msg(upload(`${HEADER}\r\n`))).toMatch(/no leads/);
    expect(await msg(upload(`${HEADER}\n"unclosed,quote\n`))).toMatch(/could not be read as CSV/);
    expect(
      await msg(
        uploadLeadImport(ctxFor(db(), manager), {
          filename: "x.csv",
          bytes: new Uint8Array([0x61, 0xff, 0xfe, 0x0a, 0x62]),
        }),
      ),
    ).toMatch(/not UTF-8/);
    const big = new Uint8Array(10 * 1024 * 1024 + 1).fill(0x61);
    expect(await msg(uploadLeadImport(ctxFor(db(), manager), { filename: "x.csv", bytes: big }))).toMatch(
      /larger than 10 MB/,
    );
    const many = "email\n" + Array.from({ length: 100_001 }, (_, i) => `a${i}@x.example`).join("\n");
    expect(await msg(upload(many))).toMatch(/100,001 rows; at most 100,000/);
  });

  it("is refused to a partner's people", async () => {
    const err = await rejection(
      uploadLeadImport(ctxFor(db(), partnerUser), { filename: "x.csv", bytes: bytes(`${HEADER}\nA`) }),
    );
    expect(err).toBeInstanceOf(ForbiddenError);
  });
});

describe("mapping", () => {
  it("suggests columns from header names", () => {
    expect(
      suggestMapping(["Company Name", "E-Mail Address", "Full name", "Country Code", "Job Title", "SKU", "Phone"]),
    ).toMatchObject({
      companyName: "Company Name",
      contactEmail: "E-Mail Address",
      contactName: "Full name",
      country: "Country Code",
      contactTitle: "Job Title",
      product: "SKU",
      contactPhone: "Phone",
      website: null,
      seats: null,
    });
  });

  it("needs a column for each required field and only the file's columns; starts once", async () => {
    const { id } = await upload(`${HEADER}\nA,,B,b@a.example,NL,,,,,,\n`);
    const err = await rejection(
      startLeadImport(ctxFor(db(), manager), id, { mapping: { companyName: "Company", contactEmail: "Nope" } }),
    );
    expect((err as ValidationError).fields).toEqual({
      "mapping.contactEmail": ["Choose one of the file's columns."],
      "mapping.contactName": [expect.stringMatching(/contact name/)],
      "mapping.country": [expect.stringMatching(/country/)],
    });
    expect((await getLeadImport(ctxFor(db(), manager), id)).status).toBe("uploaded");
    await startLeadImport(ctxFor(db(), manager), id, { mapping: MAPPING });
    expect(await rejection(startLeadImport(ctxFor(db(), manager), id, { mapping: MAPPING }))).toBeInstanceOf(RuleError);
    await drain();
  });
});

describe("processing", () => {
  it("reports bad rows by row with reasons, creates nothing from them, and offers them as CSV", async () => {
    const s = unique("bad");
    const csv = [
      HEADER,
      `Good ${s},good-${s}.example,Ann,ann@good-${s}.example,NL,NL-NH,SRL-PERP,10,100.00,EUR,ok`,
      `,bad1-${s}.example,Bob,not-an-email,XX,,,,,,`,
      `Bad2 ${s},bad2-${s}.example,Cy,cy@bad2-${s}.example,JP,,,0,1500.50,JPY,"=HYPERLINK(""x"")"`,
      `Bad3 ${s},bad3-${s}.example,Di,di@bad3-${s}.example,US,JP-13,NOPE-SKU,,,,`,
    ].join("\n");
    const imp = await importCsv(csv);
    expect(imp).toMatchObject({
      status: "done",
      totalRows: 4,
      processedRows: 4,
      createdCount: 1,
      skippedCount: 0,
      failedCount: 3,
    });
    const created = await db().select().from(leads).where(eq(leads.importId, imp.id));
    expect(created.map((l) => l.contactEmail)).toEqual([`ann@good-${s}.example`]);
    expect(created[0]).toMatchObject({
      source: "import",
      region: "NL-NH",
      estimatedValueMinor: 10_000,
      currency: "EUR",
      createdBy: manager.id,
    });

    const issues = await db()
      .select()
      .from(leadImportIssues)
      .where(eq(leadImportIssues.importId, imp.id))
      .orderBy(leadImportIssues.rowNumber);
    expect(issues.map((i) => [i.rowNumber, i.kind])).toEqual([
      [3, "failed"],
      [4, "failed"],
      [5, "failed"],
    ]);
    expect(issues[0]!.message).toMatch(/Company name: .*Contact email: Enter a valid email address\..*Country:/);
    expect(issues[1]!.message).toMatch(/Seats: .*Estimated value: JPY has no minor unit/);
    expect(issues[2]!.message).toMatch(/Region: .*region of US/);
    expect(issues[2]!.message).not.toMatch(/Product/); // one problem at a time: the schema first
    expect(issues[0]!.values["E-mail"]).toBe("not-an-email");

    const { csv: out, filename } = await leadImportIssuesCsv(ctxFor(db(), manager), imp.id);
    expect(filename).toBe("leads-issues.csv");
    const rows = parse(out, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.Row)).toEqual(["3", "4", "5"]);
    expect(rows[0]).toMatchObject({ Outcome: "Failed", "E-mail": "not-an-email", Country: "XX" });
    expect(rows[1]!.Notes).toBe(`'=HYPERLINK("x")`); // neutralized for spreadsheets
    expect(Object.keys(rows[0]!)).toEqual(["Row", "Outcome", "Reason", ...HEADER.split(",")]);
  });

  it("fails a row whose product is unknown", async () => {
    const s = unique("prod");
    const imp = await importCsv([HEADER, `P ${s},${s}.example,Pat,pat@${s}.example,NL,,NOPE-SKU,,,,`].join("\n"));
    const [issue] = await db().select().from(leadImportIssues).where(eq(leadImportIssues.importId, imp.id));
    expect(issue!.message).toMatch(/^Product interest: Choose a product/);
  });

  it("skips duplicates of open leads and of earlier rows of the file", async () => {
    const s = unique("dup");
    const open = await createTestLead(db(), {
      contactEmail: `owner@open-${s}.example`,
      companyDomain: `open-${s}.example`,
    });
    await createTestLead(db(), {
      contactEmail: `old@closed-${s}.example`,
      companyDomain: `closed-${s}.example`,
      status: "won",
    });
    const csv = [
      HEADER,
      `Open Co,,Someone,OWNER@open-${s}.example,NL,,,,,,`, // 2: open lead by email
      `Open Co 2,www.open-${s}.example,Other,other@elsewhere-${s}.example,NL,,,,,,`, // 3: open lead by domain
      `Closed Co,,Again,again@closed-${s}.example,NL,,,,,,`, // 4: won lead: not a duplicate → created
      `Fresh,,Fay,fay@fresh-${s}.example,NL,,,,,,`, // 5: created
      `Fresh again,,Fay,Fay@Fresh-${s}.example,NL,,,,,,`, // 6: same email as row 5
      `Fresh too,,Gus,gus@fresh-${s}.example,NL,,,,,,`, // 7: same domain as row 5
      `Private,,Hal,hal.${s}@gmail.com,NL,,,,,,`, // 8: created (free mail: no domain)
      `Private 2,,Ivy,ivy.${s}@gmail.com,NL,,,,,,`, // 9: created (gmail.com is not a company domain)
    ].join("\r\n");
    const imp = await importCsv(csv);
    expect(imp).toMatchObject({ createdCount: 4, skippedCount: 4, failedCount: 0 });
    const issues = await db()
      .select()
      .from(leadImportIssues)
      .where(eq(leadImportIssues.importId, imp.id))
      .orderBy(leadImportIssues.rowNumber);
    const ref = `L-${String(open.number).padStart(6, "0")}`;
    expect(issues.map((i) => [i.rowNumber, i.kind, i.message])).toEqual([
      [2, "skipped", `Duplicate of open lead ${ref} (same contact email).`],
      [3, "skipped", `Duplicate of open lead ${ref} (same company domain).`],
      [6, "skipped", "Duplicate of row 5 in this file (same contact email)."],
      [7, "skipped", "Duplicate of row 5 in this file (same company domain)."],
    ]);
  });

  it("finishes with the importer's mail, the audit event and a created event per lead", async () => {
    const s = unique("fin");
    const imp = await importCsv([HEADER, `F ${s},,Fia,fia@${s}.example,SE,,,,,,`].join("\n"));
    const [mail] = await db()
      .select()
      .from(mailMessages)
      .where(eq(mailMessages.dedupeKey, `lead-import-done:${imp.id}`));
    expect(mail).toMatchObject({ template: "lead-import-done", toAddress: manager.email });
    expect(mail!.subject).toContain("1 created, 0 skipped, 0 failed");
    const audit = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, imp.id), eq(auditEvents.action, "leads.imported")));
    expect(audit).toHaveLength(1);
    const [lead] = await db().select().from(leads).where(eq(leads.importId, imp.id));
    const events = await db().select().from(leadEvents).where(eq(leadEvents.leadId, lead!.id));
    expect(events).toEqual([expect.objectContaining({ kind: "created", note: "Imported from leads.csv, row 2." })]);
  });

  it("routes the created leads when asked", async () => {
    const s = unique("rt");
    const imp = await importCsv(
      [HEADER, `R1 ${s},,Ray,ray@r1-${s}.example,IS,,,,,,`, `R2 ${s},,Rex,rex@r2-${s}.example,IS,,,,,,`].join("\n"),
      { routeAfter: true },
    );
    expect(imp.status).toBe("done");
    const decided = await db()
      .select({ leadId: routingDecisions.leadId })
      .from(routingDecisions)
      .innerJoin(leads, eq(leads.id, routingDecisions.leadId))
      .where(eq(leads.importId, imp.id));
    expect(decided).toHaveLength(2);
  });

  it("resumes a crashed worker's import from processed_rows without duplicates", async () => {
    const s = unique("crash");
    const rows = Array.from({ length: 35 }, (_, i) => `C${i} ${s},,P${i},p${i}@c${i}-${s}.example,NL,,,,,,`);
    rows.splice(12, 0, `Dup ${s},,P0,p0@c0-${s}.example,NL,,,,,,`); // row 14: a duplicate of row 2 (in an earlier chunk)
    rows.push(",,,bad,NL,,,,,,"); // row 38: failed
    const { id } = await upload([HEADER, ...rows].join("\n"));
    await startLeadImport(ctxFor(db(), manager), id, { mapping: MAPPING });
    const t0 = new Date();
    // The first worker does two chunks of 10 and dies (its lease stays).
    const first = await processLeadImports(db(), t0, { chunkRows: 10, maxChunks: 2 });
    expect(first).toMatchObject({ importId: id, status: "processing", processedRows: 20 });
    const mid = await getLeadImport(ctxFor(db(), manager), id);
    expect(mid).toMatchObject({ status: "processing", processedRows: 20, createdCount: 19, skippedCount: 1 });
    // While the lease holds, nobody else takes it.
    expect(await processLeadImports(db(), new Date(t0.getTime() + 1000))).toBeNull();
    // After it runs out, the next worker resumes at row 21.
    const later = new Date(t0.getTime() + IMPORT_LEASE_MS + 60_000);
    const second = await processLeadImports(db(), later, { chunkRows: 10 });
    expect(second).toMatchObject({
      importId: id,
      status: "done",
      processedRows: 37,
      created: 35,
      skipped: 1,
      failed: 1,
    });
    const [{ n, emails }] = (await db()
      .select({ n: sql<number>`count(*)::int`, emails: sql<number>`count(distinct lower(contact_email))::int` })
      .from(leads)
      .where(eq(leads.importId, id))) as [{ n: number; emails: number }];
    expect(n).toBe(35);
    expect(emails).toBe(35);
    const issues = await db()
      .select()
      .from(leadImportIssues)
      .where(eq(leadImportIssues.importId, id))
      .orderBy(leadImportIssues.rowNumber);
    expect(issues.map((i) => [i.rowNumber, i.kind])).toEqual([
      [14, "skipped"],
      [38, "failed"],
    ]);
    const [done] = await db()
      .select({ startedAt: leadImports.startedAt })
      .from(leadImports)
      .where(eq(leadImports.id, id));
    expect(done!.startedAt!.getTime()).toBe(t0.getTime());
  });

  it("processes a 50,000-row file completely", { timeout: 300_000 }, async () => {
    const s = unique("big");
    const lines = [HEADER];
    for (let i = 0; i < 50_000; i++) {
      lines.push(
        `Big ${i} ${s},big${i}-${s}.example,Person ${i},person${i}@big${i}-${s}.example,DE,DE-BY,SRL-PERP,${(i % 500) + 1},${i + 1}.00,EUR,Row ${i}`,
      );
    }
    const { id, totalRows } = await upload(lines.join("\r\n"));
    expect(totalRows).toBe(50_000);
    await startLeadImport(ctxFor(db(), manager), id, { mapping: MAPPING });
    const t = performance.now();
    const r = await processLeadImports(db(), new Date());
    const ms = performance.now() - t;
    console.log(
      `[import] 50,000 rows processed in ${(ms / 1000).toFixed(1)} s (${Math.round(50_000 / (ms / 1000))} rows/s)`,
    );
    expect(r).toMatchObject({
      importId: id,
      status: "done",
      processedRows: 50_000,
      created: 50_000,
      skipped: 0,
      failed: 0,
    });
    const [{ n }] = (await db()
      .select({ n: sql<number>`count(*)::int` })
      .from(leads)
      .where(eq(leads.importId, id))) as [{ n: number }];
    expect(n).toBe(50_000);
  });
});
