import { and, eq, inArray, or, sql } from "drizzle-orm";
import type { Db } from "~db/client";
import { leads, products } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import { nowOf, type Actor, type Ctx } from "~/modules/auth/actor";
import { isUniqueViolation } from "~/utils/db-errors.server";
import { assertNotLimited, recordFailure } from "~/modules/auth/rate-limit.server";
import { DomainError, ForbiddenError, RateLimitError, ValidationError } from "~/utils/errors.server";
import { fieldErrorsOf } from "~/utils/field-errors";
import { can } from "~/utils/permissions";
import { recordLeadEvent } from "./events.server";
import {
  CONTACT_HONEYPOT_FIELD,
  contactFormSchema,
  leadIdempotencyKeySchema,
  leadIntakeSchema,
  type LeadInput,
} from "./intake-schemas";
import { routeLead, type RouteOutcome } from "./route.server";
import { leadRef, OPEN_STATUSES } from "./status";

/**
 * Lead intake: one lead at a time from the vendor's form, the API (a vendor
 * key) or the public "Contact sales" form. The CSV import (import.server.ts)
 * shares the schema and the duplicate lookup.
 */

export type LeadSource = "form" | "api" | "contact";

export interface LeadRefRow {
  id: string;
  number: number;
  ref: string;
  companyName: string;
  contactEmail: string;
  companyDomain: string | null;
  /** The import that created it (the import tells "an earlier row of this file" from an older lead). */
  importId: string | null;
}

/**
 * The lead looks like an open one: the form asks for confirmation, the API
 * answers 409 with the refs (in the message and the field error; `duplicates`
 * has the ids for a caller that wants to list them).
 */
export class DuplicateLeadError extends DomainError {
  constructor(
    public readonly duplicates: LeadRefRow[],
    source: LeadSource,
  ) {
    const refs = duplicates.map((d) => d.ref).join(", ");
    const how =
      source === "api" ? 'Send "allowDuplicate": true to create it anyway.' : "Tick the box to create it anyway.";
    // The form's checkbox is confirmDuplicate; the API's flag is allowDuplicate.
    super("duplicate_lead", `Possible duplicate of open lead ${refs}. ${how}`, 409, {
      [source === "api" ? "allowDuplicate" : "confirmDuplicate"]: [
        `Possible duplicate of ${refs} (same contact email or company domain). ${how}`,
      ],
    });
  }
}

export interface CreateLeadOptions {
  source: LeadSource;
  /** The API's Idempotency-Key header or the form's submission id: the same key gives the same lead. */
  idempotencyKey?: string | null;
  /** Route the lead right after it is created (its own transaction, after the create commits). */
  route?: boolean;
}

export interface CreateLeadResult {
  lead: { id: string; number: number; ref: string };
  /** Open leads it looks like (created anyway: confirmed, allowed, or from the contact form). */
  duplicateOf: { id: string; number: number; ref: string }[];
  /** false when the idempotency key had been used: the earlier lead, unchanged (not routed again). */
  created: boolean;
  route?: RouteOutcome;
}

/** The actor the public contact form creates leads as (no user; a vendor-side system actor). */
export function contactFormActor(ip?: string | null): Actor {
  return { userId: null, label: "Contact form", role: "channel_manager", partnerId: null, ip: ip ?? null };
}

/** Vendor staff with leads:distribute, a vendor API key (channel_manager role) or the contact form's actor. */
export function assertCanIntake(actor: Actor): void {
  if (actor.partnerId !== null || !can(actor.role, "leads:distribute")) {
    throw new ForbiddenError("Only the vendor's sales staff create leads.");
  }
}

/**
 * Open leads (not won or lost) with one of the contact emails (any case) or
 * company domains. One query for any number of values (the import asks for
 * 1,000 rows at a time).
 */
export async function findOpenDuplicates(
  db: Db,
  q: { emails: readonly string[]; domains: readonly (string | null)[] },
): Promise<LeadRefRow[]> {
  const emails = [...new Set(q.emails.map((e) => e.trim().toLowerCase()).filter(Boolean))];
  const domains = [...new Set(q.domains.filter((d): d is string => !!d))];
  if (emails.length === 0 && domains.length === 0) return [];
  const match = or(
    emails.length ? inArray(sql`lower(${leads.contactEmail})`, emails) : undefined,
    domains.length ? inArray(leads.companyDomain, domains) : undefined,
  );
  const rows = await db
    .select({
      id: leads.id,
      number: leads.number,
      companyName: leads.companyName,
      contactEmail: leads.contactEmail,
      companyDomain: leads.companyDomain,
      importId: leads.importId,
    })
    .from(leads)
    .where(and(inArray(leads.status, [...OPEN_STATUSES]), match))
    .orderBy(leads.number);
  return rows.map((r) => ({ ...r, ref: leadRef(r.number) }));
}

/** The duplicates of one lead, from a lookup's rows. */
export function duplicatesOf(rows: readonly LeadRefRow[], email: string, domain: string | null): LeadRefRow[] {
  const e = email.toLowerCase();
  return rows.filter((r) => r.contactEmail.toLowerCase() === e || (domain !== null && r.companyDomain === domain));
}

/**
 * Product ids and SKUs (any case) → the active product's id. Unknown or
 * retired ones are missing from the map.
 */
export async function resolveProducts(db: Db, values: readonly string[]): Promise<Map<string, string>> {
  const wanted = [...new Set(values.map((v) => v.trim()).filter(Boolean))];
  if (wanted.length === 0) return new Map();
  const uuids = wanted.filter((v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v));
  const skus = wanted.map((v) => v.toLowerCase());
  const rows = await db
    .select({ id: products.id, sku: products.sku })
    .from(products)
    .where(
      and(
        eq(products.active, true),
        or(uuids.length ? inArray(products.id, uuids) : undefined, inArray(sql`lower(${products.sku})`, skus)),
      ),
    );
  const out = new Map<string, string>();
  for (const v of wanted) {
    const hit = rows.find((r) => r.id === v.toLowerCase() || r.sku.toLowerCase() === v.toLowerCase());
    if (hit) out.set(v, hit.id);
  }
  return out;
}

export const UNKNOWN_PRODUCT_MESSAGE = "Choose a product from the list (a product id or SKU).";

/** Parses a lead (ValidationError with fields) and resolves its product. */
async function parseLead(
  db: Db,
  raw: unknown,
): Promise<{ input: LeadInput & { confirm: boolean }; productId: string | null }> {
  const parsed = leadIntakeSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const input = parsed.data;
  let productId: string | null = null;
  if (input.product) {
    productId = (await resolveProducts(db, [input.product])).get(input.product) ?? null;
    if (!productId) throw new ValidationError({ product: [UNKNOWN_PRODUCT_MESSAGE] });
  }
  return { input: { ...input, confirm: !!(input.confirmDuplicate || input.allowDuplicate) }, productId };
}

/** The stored key: namespaced per client, so two API clients' keys never meet. */
function storedKey(actor: Actor, source: LeadSource, key: string): string {
  return `${source}:${actor.apiKeyId ?? actor.userId ?? "public"}:${key}`;
}

async function findByKey(db: Db, key: string) {
  const [row] = await db
    .select({ id: leads.id, number: leads.number })
    .from(leads)
    .where(eq(leads.idempotencyKey, key));
  return row ? { id: row.id, number: row.number, ref: leadRef(row.number) } : undefined;
}

const refOnly = (r: LeadRefRow) => ({ id: r.id, number: r.number, ref: r.ref });

/**
 * Creates one lead (status new, with the vendor). In order: who may (vendor
 * staff, a vendor API key, the contact form), the idempotency key (a used key
 * returns its lead), validation by field, the product, then in one
 * transaction the duplicate check against open leads (same contact email or
 * company domain; serialized per email and domain), the lead, its "created"
 * event and the audit event. Duplicates: the form needs `confirmDuplicate`,
 * the API `allowDuplicate` (else DuplicateLeadError, 409); the contact form
 * creates the lead and names the duplicates in its event. With `route`, the
 * lead is routed after the create committed.
 */
export async function createLead(ctx: Ctx, raw: unknown, opts: CreateLeadOptions): Promise<CreateLeadResult> {
  assertCanIntake(ctx.actor);
  let key: string | null = null;
  if (opts.idempotencyKey !== undefined && opts.idempotencyKey !== null) {
    const parsedKey = leadIdempotencyKeySchema.safeParse(opts.idempotencyKey);
    if (!parsedKey.success) throw new ValidationError({ idempotencyKey: parsedKey.error.issues.map((i) => i.message) });
    key = storedKey(ctx.actor, opts.source, parsedKey.data);
    const earlier = await findByKey(ctx.db, key);
    if (earlier) return { lead: earlier, duplicateOf: [], created: false };
  }
  const { input, productId } = await parseLead(ctx.db, raw);
  const now = nowOf(ctx);

  let result: CreateLeadResult;
  try {
    result = await ctx.db.transaction(async (tx) => {
      // Two requests for the same prospect at once: the second sees the first.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`lead-email:${input.contactEmail}`}))`);
      if (input.companyDomain) {
        await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`lead-domain:${input.companyDomain}`}))`);
      }
      if (key !== null) {
        const earlier = await findByKey(tx, key);
        if (earlier) return { lead: earlier, duplicateOf: [], created: false };
      }
      const duplicates = await findOpenDuplicates(tx, {
        emails: [input.contactEmail],
        domains: [input.companyDomain],
      });
      if (duplicates.length > 0 && opts.source !== "contact" && !input.confirm) {
        throw new DuplicateLeadError(duplicates, opts.source);
      }
      const [lead] = await tx
        .insert(leads)
        .values({
          source: opts.source,
          companyName: input.companyName,
          companyDomain: input.companyDomain,
          contactName: input.contactName,
          contactEmail: input.contactEmail,
          contactPhone: input.contactPhone,
          contactTitle: input.contactTitle,
          country: input.country,
          region: input.region,
          productId,
          seats: input.seats,
          estimatedValueMinor: input.estimatedValueMinor,
          currency: input.currency,
          message: input.message,
          status: "new",
          createdBy: ctx.actor.userId,
          apiKeyId: ctx.actor.apiKeyId ?? null,
          idempotencyKey: key,
          createdAt: now,
          updatedAt: now,
        })
        .returning({ id: leads.id, number: leads.number });
      const id = lead!.id;
      const refs = duplicates.map((d) => d.ref).join(", ");
      await recordLeadEvent(tx, {
        leadId: id,
        partnerId: null,
        actorLabel: ctx.actor.label,
        kind: "created",
        note:
          duplicates.length === 0
            ? sourceNote(opts.source)
            : opts.source === "contact"
              ? `${sourceNote(opts.source)} Possible duplicate of open lead ${refs}.`
              : `${sourceNote(opts.source)} Created although it looks like open lead ${refs}.`,
        at: now,
      });
      await recordAudit(tx, ctx.actor, {
        action: "lead.created",
        subjectType: "lead",
        subjectId: id,
        after: {
          ref: leadRef(lead!.number),
          source: opts.source,
          companyName: input.companyName,
          companyDomain: input.companyDomain,
          contactEmail: input.contactEmail,
          country: input.country,
          region: input.region,
          productId,
          seats: input.seats,
          estimatedValueMinor: input.estimatedValueMinor,
          currency: input.currency,
          duplicateOf: duplicates.map((d) => d.ref),
        },
      });
      return {
        lead: { id, number: lead!.number, ref: leadRef(lead!.number) },
        duplicateOf: duplicates.map(refOnly),
        created: true,
      };
    });
  } catch (err) {
    if (key !== null && isUniqueViolation(err, "leads_idempotency_idx")) {
      const earlier = await findByKey(ctx.db, key);
      if (earlier) return { lead: earlier, duplicateOf: [], created: false };
    }
    throw err;
  }

  if (opts.route && result.created) {
    // The lead exists whatever routing answers; a routing failure leaves it new, for the board.
    try {
      result.route = await routeLead(ctx, result.lead.id);
    } catch (err) {
      console.error(`[leads] routing ${result.lead.ref} after intake failed:`, err);
    }
  }
  return result;
}

function sourceNote(source: LeadSource): string {
  if (source === "contact") return "From the Contact sales form.";
  if (source === "api") return "Through the API.";
  return "Entered by hand.";
}

// ---------------------------------------------------------------------------
// The public "Contact sales" form
// ---------------------------------------------------------------------------

/** Submissions per client address per rate-limit window (15 minutes), as for /apply. */
export const CONTACT_MAX_PER_WINDOW = 5;
export const CONTACT_LIMITED_MESSAGE =
  "Too many messages were sent from your network in the last 15 minutes. Wait a quarter of an hour and try again.";

/**
 * Every attempt from a client address counts, valid or not, bot or person: at
 * most CONTACT_MAX_PER_WINDOW per 15 minutes, then RateLimitError (429).
 * "bot" when the honeypot is filled: answered like a success, nothing stored.
 */
export async function screenContactAttempt(
  db: Db,
  attempt: { ip?: string | null; honeypot?: unknown; now?: Date },
): Promise<"person" | "bot"> {
  const now = attempt.now ?? new Date();
  const key = `contact:ip:${attempt.ip ?? "unknown"}`;
  try {
    await assertNotLimited(db, [key], now, CONTACT_MAX_PER_WINDOW);
  } catch (err) {
    if (err instanceof RateLimitError) throw new RateLimitError(CONTACT_LIMITED_MESSAGE, err.retryAfterSeconds);
    throw err;
  }
  await recordFailure(db, [key], now);
  const h = attempt.honeypot;
  return (typeof h === "string" ? h.trim() !== "" : h !== undefined && h !== null) ? "bot" : "person";
}

/**
 * A prospect's message from the public form: screened (rate limit, honeypot),
 * validated (ValidationError by field), created as a lead from "Contact form"
 * (a duplicate of an open lead is created too and named in its history) and
 * routed at once.
 */
export async function submitContactForm(
  db: Db,
  raw: unknown,
  meta: { ip?: string | null; now?: Date } = {},
): Promise<{ kind: "created"; lead: CreateLeadResult["lead"] } | { kind: "ignored" }> {
  const honeypot =
    raw && typeof raw === "object" ? (raw as Record<string, unknown>)[CONTACT_HONEYPOT_FIELD] : undefined;
  if ((await screenContactAttempt(db, { ip: meta.ip, honeypot, now: meta.now })) === "bot") return { kind: "ignored" };
  const parsed = contactFormSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const ctx: Ctx = { db, actor: contactFormActor(meta.ip), ...(meta.now ? { now: meta.now } : {}) };
  const result = await createLead(ctx, parsed.data, { source: "contact", route: true });
  return { kind: "created", lead: result.lead };
}

/** The products a prospect can choose on the public form. */
export async function contactProductOptions(db: Db): Promise<{ value: string; label: string }[]> {
  const rows = await db
    .select({ id: products.id, name: products.name, edition: products.edition })
    .from(products)
    .where(eq(products.active, true))
    .orderBy(products.name, products.edition);
  return rows.map((p) => ({ value: p.id, label: `${p.name} ${p.edition}` }));
}
