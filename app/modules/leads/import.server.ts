import { parse } from "csv-parse/sync";
import { and, asc, desc, eq, gt, sql } from "drizzle-orm";
import type { Db } from "~db/client";
import { leadImportIssues, leadImports, leads, users } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import { nowOf, type Actor, type Ctx } from "~/modules/auth/actor";
import { enqueueMail } from "~/modules/mail/enqueue.server";
import { toCsv, type CsvColumn } from "~/utils/csv";
import { appUrl } from "~/utils/env.server";
import { NotFoundError, RuleError, ValidationError } from "~/utils/errors.server";
import { fieldErrorsOf } from "~/utils/field-errors";
import type { Role } from "~/utils/permissions";
import { recordLeadEvent, type LeadEventInput } from "./events.server";
import {
  IMPORT_MAX_BYTES,
  IMPORT_MAX_ROWS,
  leadFieldLabels,
  leadFieldNames,
  leadRowSchema,
  requiredLeadFields,
  type LeadFieldName,
  type LeadInput,
} from "./intake-schemas";
import {
  assertCanIntake,
  duplicatesOf,
  findOpenDuplicates,
  resolveProducts,
  UNKNOWN_PRODUCT_MESSAGE,
  type LeadRefRow,
} from "./intake.server";
import { routeLeads } from "./route.server";

/**
 * CSV import of leads. The upload is parsed once to check it (UTF-8 with or
 * without BOM, quoted fields, CRLF; at most 10 MB and 100,000 rows) and stored
 * whole in lead_imports (status uploaded). The importer maps columns to lead
 * fields with a preview, and starts it (status queued). A background job
 * (processLeadImports) claims one import with a lease and works through it
 * 1,000 rows per transaction: each chunk's leads, issues and counters commit
 * together, so a crashed worker's successor resumes at processed_rows.
 */

export { IMPORT_MAX_BYTES, IMPORT_MAX_ROWS };
export const IMPORT_CHUNK_ROWS = 1_000;
/** How long a worker owns an import without renewing (each chunk renews it). */
export const IMPORT_LEASE_MS = 2 * 60_000;
export const IMPORT_PREVIEW_ROWS = 10;
const ROUTE_BATCH = 10_000;

export type ImportMapping = Partial<Record<LeadFieldName, string>>;

interface CsvRow {
  /** The row as a spreadsheet numbers it: the header is row 1. */
  n: number;
  cells: string[];
}
interface CsvTable {
  headers: string[];
  rows: CsvRow[];
}

/** Header names made usable as keys: blanks named by position, repeats numbered. */
function cleanHeaders(raw: string[]): string[] {
  const seen = new Map<string, number>();
  return raw.map((h, i) => {
    let name = h.trim() || `Column ${i + 1}`;
    const count = (seen.get(name.toLowerCase()) ?? 0) + 1;
    seen.set(name.toLowerCase(), count);
    if (count > 1) name = `${name} (${count})`;
    return name;
  });
}

/**
 * The CSV text (BOM already removed) as headers and non-blank rows. `limit`
 * stops after that many records (the preview). Throws ValidationError on a
 * file that is not CSV.
 */
export function parseCsvTable(text: string, limit?: number): CsvTable {
  let records: string[][];
  try {
    records = parse(text, {
      bom: true,
      relax_column_count: true,
      skip_empty_lines: false,
      trim: true,
      ...(limit !== undefined ? { to: limit + 1 } : {}),
    }) as string[][];
  } catch (err) {
    throw new ValidationError({ file: [`The file could not be read as CSV: ${(err as Error).message}`] });
  }
  if (records.length === 0 || records[0]!.every((c) => c === "")) {
    throw new ValidationError({ file: ["The file is empty: the first row must name the columns."] });
  }
  const headers = cleanHeaders(records[0]!);
  const rows: CsvRow[] = [];
  for (let i = 1; i < records.length; i++) {
    const cells = records[i]!;
    if (cells.every((c) => c === "")) continue;
    rows.push({ n: i + 1, cells });
  }
  return { headers, rows };
}

/** Lowercase letters and digits only: "E-Mail Address" → "emailaddress". */
const squash = (s: string) =>
  s
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]/g, "");

const ALIASES: Record<LeadFieldName, string[]> = {
  companyName: ["companyname", "company", "organisation", "organization", "account", "accountname", "firm", "firma"],
  website: ["website", "companywebsite", "web", "url", "domain", "companydomain", "homepage", "site"],
  contactName: ["contactname", "name", "fullname", "contact", "person", "contactperson"],
  contactEmail: ["contactemail", "email", "emailaddress", "mail", "workemail", "businessemail"],
  contactPhone: ["contactphone", "phone", "phonenumber", "telephone", "tel", "mobile"],
  contactTitle: ["contacttitle", "title", "jobtitle", "position", "role"],
  country: ["country", "countrycode", "countryiso", "land"],
  region: ["region", "state", "province", "prefecture", "subdivision", "regioncode", "statecode"],
  product: ["product", "productinterest", "interest", "sku", "productsku", "productid"],
  seats: ["seats", "users", "mailboxes", "licenses", "licences", "quantity", "seatcount"],
  estimatedValue: ["estimatedvalue", "value", "amount", "dealvalue", "budget", "estimate"],
  currency: ["currency", "currencycode", "cur"],
  message: ["message", "notes", "note", "comments", "comment", "description", "details"],
};

/** A column for each lead field, guessed from the header names (null: none fits). */
export function suggestMapping(headers: readonly string[]): Record<LeadFieldName, string | null> {
  const out = {} as Record<LeadFieldName, string | null>;
  const taken = new Set<string>();
  const squashed = headers.map((h) => ({ h, s: squash(h) }));
  for (const field of leadFieldNames) {
    let hit: string | null = null;
    for (const alias of ALIASES[field]) {
      const m = squashed.find((x) => x.s === alias && !taken.has(x.h));
      if (m) {
        hit = m.h;
        break;
      }
    }
    out[field] = hit;
    if (hit) taken.add(hit);
  }
  return out;
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/^\uFEFF/, "");
  } catch {
    throw new ValidationError({
      file: ['The file is not UTF-8 text. In your spreadsheet, save it as "CSV UTF-8" and upload it again.'],
    });
  }
}

/** Stores an uploaded CSV (status uploaded) after checking that it can be read. */
export async function uploadLeadImport(
  ctx: Ctx,
  file: { filename: string; bytes: Uint8Array },
): Promise<{ id: string; totalRows: number; headers: string[] }> {
  assertCanIntake(ctx.actor);
  if (file.bytes.byteLength === 0) throw new ValidationError({ file: ["Choose a CSV file to upload."] });
  if (file.bytes.byteLength > IMPORT_MAX_BYTES) {
    throw new ValidationError({
      file: [
        `The file is larger than 10 MB (${(file.bytes.byteLength / 1048576).toFixed(1)} MB): split it and upload the parts.`,
      ],
    });
  }
  const text = decodeUtf8(file.bytes);
  const table = parseCsvTable(text);
  if (table.rows.length === 0) throw new ValidationError({ file: ["The file has a header row but no leads."] });
  if (table.rows.length > IMPORT_MAX_ROWS) {
    throw new ValidationError({
      file: [
        `The file has ${table.rows.length.toLocaleString("en")} rows; at most ${IMPORT_MAX_ROWS.toLocaleString("en")} are taken at once. Split it and upload the parts.`,
      ],
    });
  }
  const filename = (file.filename.split(/[\\/]/).pop() || "leads.csv").slice(0, 200);
  const [row] = await ctx.db
    .insert(leadImports)
    .values({
      createdBy: ctx.actor.userId,
      filename,
      content: text,
      headers: table.headers,
      totalRows: table.rows.length,
      status: "uploaded",
      createdAt: nowOf(ctx),
    })
    .returning({ id: leadImports.id });
  return { id: row!.id, totalRows: table.rows.length, headers: table.headers };
}

const importColumns = {
  id: leadImports.id,
  filename: leadImports.filename,
  headers: leadImports.headers,
  mapping: leadImports.mapping,
  routeAfter: leadImports.routeAfter,
  status: leadImports.status,
  totalRows: leadImports.totalRows,
  processedRows: leadImports.processedRows,
  createdCount: leadImports.createdCount,
  skippedCount: leadImports.skippedCount,
  failedCount: leadImports.failedCount,
  error: leadImports.error,
  createdAt: leadImports.createdAt,
  startedAt: leadImports.startedAt,
  finishedAt: leadImports.finishedAt,
  createdBy: leadImports.createdBy,
  createdByName: users.name,
};
export type LeadImportSummary = Awaited<ReturnType<typeof getLeadImport>>;

/** The most recent imports (any vendor user's), newest first. */
export async function listLeadImports(ctx: Ctx, opts: { limit?: number } = {}) {
  assertCanIntake(ctx.actor);
  return ctx.db
    .select(importColumns)
    .from(leadImports)
    .leftJoin(users, eq(users.id, leadImports.createdBy))
    .orderBy(desc(leadImports.createdAt))
    .limit(Math.min(opts.limit ?? 20, 100));
}

/** One import's state (without the file's content); NotFoundError for an unknown id. */
export async function getLeadImport(ctx: Ctx, id: string) {
  assertCanIntake(ctx.actor);
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFoundError("No such import.");
  const [row] = await ctx.db
    .select(importColumns)
    .from(leadImports)
    .leftJoin(users, eq(users.id, leadImports.createdBy))
    .where(eq(leadImports.id, id));
  if (!row) throw new NotFoundError("No such import.");
  return row;
}

/** A row's cells as the lead's raw input under `mapping`. */
function rowInput(
  headers: readonly string[],
  mapping: ImportMapping,
  cells: readonly string[],
): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const field of leadFieldNames) {
    const header = mapping[field];
    if (!header) continue;
    const i = headers.indexOf(header);
    if (i >= 0) raw[field] = cells[i] ?? "";
  }
  return raw;
}

/** "Contact email: Enter a valid email address. Country: …" */
function describeErrors(fields: Record<string, string[]>): string {
  return Object.entries(fields)
    .map(([field, msgs]) => `${leadFieldLabels[field as LeadFieldName] ?? (field || "Row")}: ${msgs.join(" ")}`)
    .join(" ");
}

export interface PreviewRow {
  n: number;
  values: Partial<Record<LeadFieldName, string>>;
  /** What is wrong, by field label; empty when the row would be imported. */
  errors: string[];
  /** Open leads it duplicates (it would be skipped). */
  duplicateOf: string[];
}

/** Only mapped fields naming existing headers, required ones present (field errors under mapping.<field>). */
function checkMapping(headers: readonly string[], raw: unknown): ImportMapping {
  const input = raw && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  const mapping: ImportMapping = {};
  const fields: Record<string, string[]> = {};
  for (const field of leadFieldNames) {
    const v = input[field];
    if (typeof v !== "string" || v === "") continue;
    if (!headers.includes(v)) fields[`mapping.${field}`] = ["Choose one of the file's columns."];
    else mapping[field] = v;
  }
  for (const field of requiredLeadFields) {
    if (!mapping[field] && !fields[`mapping.${field}`]) {
      fields[`mapping.${field}`] = [`Choose the column with the ${leadFieldLabels[field].toLowerCase()}.`];
    }
  }
  if (Object.keys(fields).length) throw new ValidationError(fields);
  return mapping;
}

/** The first rows under a mapping (the suggested one when none is given), each with its errors. */
export async function previewLeadImport(ctx: Ctx, id: string, mapping?: ImportMapping): Promise<PreviewRow[]> {
  assertCanIntake(ctx.actor);
  const [imp] = await ctx.db
    .select({ content: leadImports.content, headers: leadImports.headers, mapping: leadImports.mapping })
    .from(leadImports)
    .where(eq(leadImports.id, id));
  if (!imp) throw new NotFoundError("No such import.");
  const used: ImportMapping =
    mapping ??
    imp.mapping ??
    Object.fromEntries(Object.entries(suggestMapping(imp.headers)).filter(([, h]) => h !== null));
  // Blank rows are not counted: read a little more than the preview needs.
  const table = parseCsvTable(imp.content, IMPORT_PREVIEW_ROWS * 3);
  const rows = table.rows.slice(0, IMPORT_PREVIEW_ROWS);
  const checked = await checkRows(ctx.db, imp.headers, used, rows, new Map());
  const dupes = await findOpenDuplicates(ctx.db, {
    emails: checked.flatMap((c) => (c.ok ? [c.input.contactEmail] : [])),
    domains: checked.flatMap((c) => (c.ok ? [c.input.companyDomain] : [])),
  });
  return checked.map((c) => ({
    n: c.row.n,
    values: Object.fromEntries(leadFieldNames.filter((f) => used[f]).map((f) => [f, c.raw[f] ?? ""])) as Partial<
      Record<LeadFieldName, string>
    >,
    errors: c.ok ? [] : [c.message],
    duplicateOf: c.ok ? duplicatesOf(dupes, c.input.contactEmail, c.input.companyDomain).map((d) => d.ref) : [],
  }));
}

/**
 * Saves the mapping and queues the import for the background job. Only an
 * uploaded (not yet started) import can be started.
 */
export async function startLeadImport(
  ctx: Ctx,
  id: string,
  raw: { mapping?: unknown; routeAfter?: unknown },
): Promise<void> {
  assertCanIntake(ctx.actor);
  const imp = await getLeadImport(ctx, id);
  const mapping = checkMapping(imp.headers, raw.mapping);
  const routeAfter = raw.routeAfter === true || raw.routeAfter === "on" || raw.routeAfter === "true";
  await ctx.db.transaction(async (tx) => {
    const updated = await tx
      .update(leadImports)
      .set({ mapping, routeAfter, status: "queued" })
      .where(and(eq(leadImports.id, id), eq(leadImports.status, "uploaded")))
      .returning({ id: leadImports.id });
    if (updated.length === 0) throw new RuleError("This import has already been started.");
    await recordAudit(tx, ctx.actor, {
      action: "leads.import_started",
      subjectType: "lead_import",
      subjectId: id,
      after: { filename: imp.filename, totalRows: imp.totalRows, mapping, routeAfter },
    });
  });
}

interface IssueRow {
  rowNumber: number;
  kind: "skipped" | "failed";
  values: Record<string, string>;
  message: string;
}

/** The first skipped and failed rows, for the summary page. */
export async function listLeadImportIssues(ctx: Ctx, id: string, opts: { limit?: number } = {}) {
  await getLeadImport(ctx, id);
  return ctx.db
    .select({ rowNumber: leadImportIssues.rowNumber, kind: leadImportIssues.kind, message: leadImportIssues.message })
    .from(leadImportIssues)
    .where(eq(leadImportIssues.importId, id))
    .orderBy(asc(leadImportIssues.rowNumber))
    .limit(Math.min(opts.limit ?? 20, 200));
}

/** The skipped and failed rows, with the file's own columns, the row number and the reason. */
export async function leadImportIssuesCsv(ctx: Ctx, id: string): Promise<{ filename: string; csv: string }> {
  const imp = await getLeadImport(ctx, id);
  const issues = await ctx.db
    .select({
      rowNumber: leadImportIssues.rowNumber,
      kind: leadImportIssues.kind,
      values: leadImportIssues.values,
      message: leadImportIssues.message,
    })
    .from(leadImportIssues)
    .where(eq(leadImportIssues.importId, id))
    .orderBy(asc(leadImportIssues.rowNumber));
  const columns: CsvColumn<IssueRow>[] = [
    { header: "Row", value: (r) => r.rowNumber },
    { header: "Outcome", value: (r) => (r.kind === "skipped" ? "Skipped" : "Failed") },
    { header: "Reason", value: (r) => r.message },
    ...imp.headers.map((h) => ({ header: h, value: (r: IssueRow) => r.values[h] ?? "" })),
  ];
  const base = imp.filename.replace(/\.csv$/i, "");
  return { filename: `${base}-issues.csv`, csv: toCsv(issues, columns) };
}

// ---------------------------------------------------------------------------
// Row checks (shared by the preview and the job)
// ---------------------------------------------------------------------------

type CheckedRow =
  | { ok: true; row: CsvRow; raw: Record<string, string>; input: LeadInput; productId: string | null }
  | { ok: false; row: CsvRow; raw: Record<string, string>; message: string };

/** Validates rows with the intake schema and resolves their products (one query for those not in `products`). */
async function checkRows(
  db: Db,
  headers: readonly string[],
  mapping: ImportMapping,
  rows: readonly CsvRow[],
  products: Map<string, string | null>,
): Promise<CheckedRow[]> {
  const parsed = rows.map((row) => {
    const raw = rowInput(headers, mapping, row.cells);
    return { row, raw, result: leadRowSchema.safeParse(raw) };
  });
  const wanted = new Set<string>();
  for (const p of parsed) if (p.result.success && p.result.data.product) wanted.add(p.result.data.product);
  const missing = [...wanted].filter((v) => !products.has(v));
  if (missing.length) {
    const found = await resolveProducts(db, missing);
    for (const v of missing) products.set(v, found.get(v) ?? null);
  }
  return parsed.map(({ row, raw, result }): CheckedRow => {
    if (!result.success) return { ok: false, row, raw, message: describeErrors(fieldErrorsOf(result.error)) };
    const input = result.data;
    let productId: string | null = null;
    if (input.product) {
      productId = products.get(input.product) ?? null;
      if (!productId) return { ok: false, row, raw, message: describeErrors({ product: [UNKNOWN_PRODUCT_MESSAGE] }) };
    }
    return { ok: true, row, raw, input, productId };
  });
}

function originalValues(headers: readonly string[], cells: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((h, i) => (out[h] = cells[i] ?? ""));
  // Cells beyond the header (a row with too many columns) are kept too.
  for (let i = headers.length; i < cells.length; i++) if (cells[i]) out[`Column ${i + 1}`] = cells[i]!;
  return out;
}

// ---------------------------------------------------------------------------
// The background job
// ---------------------------------------------------------------------------

export interface ProcessOptions {
  /** Rows per transaction (1,000). */
  chunkRows?: number;
  /** Tests: stop after this many chunks without finishing, as a crashed worker would (the lease stays). */
  maxChunks?: number;
}

export interface ProcessResult {
  importId: string;
  status: "processing" | "done" | "failed";
  processedRows: number;
  created: number;
  skipped: number;
  failed: number;
}

/** The import is no longer ours (another worker took it over after our lease ran out). */
class LostLease extends Error {}

/**
 * Claims ONE queued import (or a processing one whose worker's lease ran out)
 * and processes it to the end; null when there is none. Each chunk of rows
 * runs in one transaction with the counters, so a successor resumes at
 * processed_rows and never creates a row's lead twice.
 */
export async function processLeadImports(db: Db, now: Date, opts: ProcessOptions = {}): Promise<ProcessResult | null> {
  const started = Date.now();
  // The job's clock: `now` at the start, moving with real time.
  const clock = () => new Date(now.getTime() + (Date.now() - started));
  const leaseUntil = () => new Date(clock().getTime() + IMPORT_LEASE_MS);
  const claimed = (await db.execute(sql`
    update lead_imports
       set status = 'processing',
           lease_until = ${leaseUntil().toISOString()}::timestamptz,
           started_at = coalesce(started_at, ${now.toISOString()}::timestamptz)
     where id = (
       select id from lead_imports
        where status = 'queued' or (status = 'processing' and lease_until < ${now.toISOString()}::timestamptz)
        order by created_at
        limit 1
        for update skip locked)
    returning id`)) as unknown as { rows: { id: string }[] };
  const id = claimed.rows[0]?.id;
  if (!id) return null;

  const [imp] = await db.select().from(leadImports).where(eq(leadImports.id, id));
  if (!imp) return null;
  const chunkRows = opts.chunkRows ?? IMPORT_CHUNK_ROWS;
  const mapping = imp.mapping ?? {};
  const importer = await importerOf(db, imp.createdBy);
  const state: ChunkState = { products: new Map(), emails: new Map(), domains: new Map() };
  let processed = imp.processedRows;
  try {
    const table = parseCsvTable(imp.content);
    let chunks = 0;
    while (processed < table.rows.length) {
      if (opts.maxChunks !== undefined && chunks >= opts.maxChunks) {
        return { importId: id, status: "processing", ...(await counts(db, id)) };
      }
      const end = Math.min(processed + chunkRows, table.rows.length);
      await db.transaction((tx) =>
        processChunk(tx, { ...imp, mapping }, table, processed, end, state, importer, clock(), leaseUntil()),
      );
      processed = end;
      chunks++;
    }
    if (imp.routeAfter) await routeImported(db, id, importer, leaseUntil);
    return await finish(db, id, imp.filename, importer, clock());
  } catch (err) {
    if (err instanceof LostLease) return { importId: id, status: "processing", ...(await counts(db, id)) };
    const message = err instanceof Error ? err.message : String(err);
    console.error(`[leads] import ${id} failed:`, err);
    await db
      .update(leadImports)
      .set({ status: "failed", error: message.slice(0, 1000), finishedAt: clock(), leaseUntil: null })
      .where(eq(leadImports.id, id));
    return { importId: id, status: "failed", ...(await counts(db, id)) };
  }
}

interface Importer {
  actor: Actor;
  email: string | null;
  name: string;
}

async function importerOf(db: Db, userId: string | null): Promise<Importer> {
  const [u] = userId
    ? await db
        .select({ id: users.id, email: users.email, name: users.name, role: users.role, partnerId: users.partnerId })
        .from(users)
        .where(eq(users.id, userId))
    : [];
  if (!u) {
    return {
      actor: { userId: null, label: "Lead import", role: "channel_manager", partnerId: null },
      email: null,
      name: "Lead import",
    };
  }
  return {
    actor: { userId: u.id, label: u.email, role: u.role as Role, partnerId: u.partnerId },
    email: u.email,
    name: u.name,
  };
}

async function counts(db: Db, id: string) {
  const [c] = await db
    .select({
      processedRows: leadImports.processedRows,
      created: leadImports.createdCount,
      skipped: leadImports.skippedCount,
      failed: leadImports.failedCount,
    })
    .from(leadImports)
    .where(eq(leadImports.id, id));
  return c ?? { processedRows: 0, created: 0, skipped: 0, failed: 0 };
}

interface ChunkState {
  products: Map<string, string | null>;
  /** Lowercase contact email / company domain → the row of this file that created a lead with it. */
  emails: Map<string, number>;
  domains: Map<string, number>;
}

async function processChunk(
  tx: Db,
  imp: { id: string; filename: string; headers: string[]; mapping: ImportMapping; createdBy: string | null },
  table: CsvTable,
  start: number,
  end: number,
  state: ChunkState,
  importer: Importer,
  at: Date,
  leaseUntil: Date,
): Promise<void> {
  // The import row is the chunk's lock: a second worker waits here, then sees the rows done.
  const [cur] = await tx
    .select({ status: leadImports.status, processedRows: leadImports.processedRows })
    .from(leadImports)
    .where(eq(leadImports.id, imp.id))
    .for("update");
  if (!cur || cur.status !== "processing" || cur.processedRows !== start) throw new LostLease();

  const rows = table.rows.slice(start, end);
  const checked = await checkRows(tx, imp.headers, imp.mapping, rows, state.products);
  const valid = checked.filter((c): c is Extract<CheckedRow, { ok: true }> => c.ok);
  const open = await findOpenDuplicates(tx, {
    emails: valid.map((c) => c.input.contactEmail),
    domains: valid.map((c) => c.input.companyDomain),
  });

  const issues: (typeof leadImportIssues.$inferInsert)[] = [];
  const toCreate: Extract<CheckedRow, { ok: true }>[] = [];
  for (const c of checked) {
    if (!c.ok) {
      issues.push({
        importId: imp.id,
        rowNumber: c.row.n,
        kind: "failed",
        values: originalValues(imp.headers, c.row.cells),
        message: c.message,
      });
      continue;
    }
    const reason = duplicateReason(imp.id, c.input, open, state);
    if (reason) {
      issues.push({
        importId: imp.id,
        rowNumber: c.row.n,
        kind: "skipped",
        values: originalValues(imp.headers, c.row.cells),
        message: reason,
      });
      continue;
    }
    state.emails.set(c.input.contactEmail.toLowerCase(), c.row.n);
    if (c.input.companyDomain) state.domains.set(c.input.companyDomain, c.row.n);
    toCreate.push(c);
  }

  if (toCreate.length) {
    const created = await tx
      .insert(leads)
      .values(
        toCreate.map((c) => ({
          source: "import" as const,
          importId: imp.id,
          companyName: c.input.companyName,
          companyDomain: c.input.companyDomain,
          contactName: c.input.contactName,
          contactEmail: c.input.contactEmail,
          contactPhone: c.input.contactPhone,
          contactTitle: c.input.contactTitle,
          country: c.input.country,
          region: c.input.region,
          productId: c.productId,
          seats: c.input.seats,
          estimatedValueMinor: c.input.estimatedValueMinor,
          currency: c.input.currency,
          message: c.input.message,
          status: "new" as const,
          createdBy: imp.createdBy,
          createdAt: at,
          updatedAt: at,
        })),
      )
      .returning({ id: leads.id });
    const events: LeadEventInput[] = created.map((l, i) => ({
      leadId: l.id,
      partnerId: null,
      actorLabel: importer.actor.label,
      kind: "created",
      note: `Imported from ${imp.filename}, row ${toCreate[i]!.row.n}.`,
      at,
    }));
    await recordLeadEvent(tx, events);
  }
  if (issues.length) await tx.insert(leadImportIssues).values(issues).onConflictDoNothing();
  const skipped = issues.filter((i) => i.kind === "skipped").length;
  await tx
    .update(leadImports)
    .set({
      processedRows: end,
      createdCount: sql`${leadImports.createdCount} + ${toCreate.length}`,
      skippedCount: sql`${leadImports.skippedCount} + ${skipped}`,
      failedCount: sql`${leadImports.failedCount} + ${issues.length - skipped}`,
      leaseUntil,
    })
    .where(eq(leadImports.id, imp.id));
}

function duplicateReason(importId: string, input: LeadInput, open: LeadRefRow[], state: ChunkState): string | null {
  const email = input.contactEmail.toLowerCase();
  const domain = input.companyDomain;
  const dupes = duplicatesOf(open, email, domain);
  if (dupes.length) {
    const d = dupes[0]!;
    const what = d.contactEmail.toLowerCase() === email ? "same contact email" : "same company domain";
    return d.importId === importId
      ? `Duplicate of an earlier row in this file (${what}; created as ${d.ref}).`
      : `Duplicate of open lead ${dupes.map((x) => x.ref).join(", ")} (${what}).`;
  }
  const byEmail = state.emails.get(email);
  if (byEmail !== undefined) return `Duplicate of row ${byEmail} in this file (same contact email).`;
  const byDomain = domain ? state.domains.get(domain) : undefined;
  if (byDomain !== undefined) return `Duplicate of row ${byDomain} in this file (same company domain).`;
  return null;
}

/**
 * Routes the import's leads still with the vendor and never routed, 10,000 per
 * routeLeads call (which works in chunks of 2,500, one transaction each),
 * renewing the lease between calls. A successor resumes with those left.
 */
async function routeImported(db: Db, id: string, importer: Importer, leaseUntil: () => Date): Promise<void> {
  const ctx: Ctx = { db, actor: importer.actor };
  let after = 0;
  for (;;) {
    const batch = await db
      .select({ id: leads.id, number: leads.number })
      .from(leads)
      .where(
        and(
          eq(leads.importId, id),
          eq(leads.status, "new"),
          eq(leads.needsAttention, false),
          eq(leads.offerCount, 0),
          gt(leads.number, after),
        ),
      )
      .orderBy(asc(leads.number))
      .limit(ROUTE_BATCH);
    if (batch.length === 0) return;
    await routeLeads(
      ctx,
      batch.map((b) => b.id),
      { mode: "bulk" },
    );
    after = batch[batch.length - 1]!.number;
    await db.update(leadImports).set({ leaseUntil: leaseUntil() }).where(eq(leadImports.id, id));
  }
}

async function finish(db: Db, id: string, filename: string, importer: Importer, at: Date): Promise<ProcessResult> {
  return db.transaction(async (tx) => {
    const [done] = await tx
      .update(leadImports)
      .set({ status: "done", finishedAt: at, leaseUntil: null })
      .where(and(eq(leadImports.id, id), eq(leadImports.status, "processing")))
      .returning({
        processedRows: leadImports.processedRows,
        created: leadImports.createdCount,
        skipped: leadImports.skippedCount,
        failed: leadImports.failedCount,
      });
    if (!done) throw new LostLease();
    if (importer.email) {
      await enqueueMail(tx, {
        to: importer.email,
        toName: importer.name,
        template: "lead-import-done",
        data: {
          name: importer.name,
          filename,
          created: done.created,
          skipped: done.skipped,
          failed: done.failed,
          importUrl: `${appUrl()}/leads/import/${id}`,
        },
        dedupeKey: `lead-import-done:${id}`,
        userId: importer.actor.userId,
      });
    }
    await recordAudit(tx, importer.actor, {
      action: "leads.imported",
      subjectType: "lead_import",
      subjectId: id,
      after: { filename, ...done },
    });
    return { importId: id, status: "done" as const, ...done };
  });
}
