import { and, asc, count, desc, eq, inArray, isNull, like, ne, or, sql, type SQL } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import { z } from "zod";
import { isUniqueViolation } from "~/utils/db-errors.server";
import { activeSpecializations } from "./specializations.server";
import { fieldErrorsOf } from "~/utils/field-errors";
import type { Db } from "~db/client";
import {
  applicationMessages,
  applicationNotes,
  applications,
  mailOptOuts,
  partners,
  specializations,
  users,
  type Application,
} from "~db/schema";
import { createInvitationInTx } from "~/modules/accounts/invitations.server";
import { recordAudit } from "~/modules/audit/record.server";
import { tierLadderInForce } from "~/modules/tiers/in-force.server";
import { tierName } from "~/modules/tiers/rules";
import { nowOf, type Actor, type Ctx } from "~/modules/auth/actor";
import { assertNotLimited, recordFailure } from "~/modules/auth/rate-limit.server";
import { hashToken, newToken } from "~/modules/auth/tokens.server";
import { enqueueMail } from "~/modules/mail/enqueue.server";
import type { TemplateName } from "~/modules/mail/templates";
import type { Recipient } from "~/modules/mail/transports.server";
import { countryName } from "~/utils/countries";
import { appUrl } from "~/utils/env.server";
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RateLimitError,
  RuleError,
  ValidationError,
} from "~/utils/errors.server";
import { can, type Role } from "~/utils/permissions";
import {
  APPLICATIONS_PAGE_SIZE,
  HONEYPOT_FIELD,
  answerSchema,
  applicationSchema,
  applicationStatusLabels,
  approveSchema,
  noteSchema,
  rejectSchema,
  requestInfoSchema,
  type ApplicationFilter,
  type ApplicationInput,
} from "./application-schemas";
import { emailDomain } from "./domains";

/**
 * Partner applications: the public submission (rate limit, honeypot,
 * duplicate domains), the applicant's status link, and the vendor's review
 * (queue, notes, approve / reject / request information).
 */

const OPEN_STATUSES = ["submitted", "info_requested"] as const;
const REVIEWER_ROLES: Role[] = ["vendor_admin", "channel_manager"];
const OPEN_DOMAIN_INDEX = "applications_open_domain_idx";
const PARTNER_SLUG_INDEX = "partners_slug_unique";

/** Submissions per client address per rate-limit window (15 minutes). */
export const APPLY_MAX_PER_WINDOW = 5;
export const APPLY_LIMITED_MESSAGE =
  "Too many applications were sent from your network in the last 15 minutes. Wait a quarter of an hour and try again.";

const uuid = z.string().uuid();

/** `2026-03-04 09:15 UTC`, as the UI's formatDateTime shows it. */
function utc(d: Date): string {
  return d.toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

/** The applicant is not a user: the audit names them by their contact address. */
function applicantActor(email: string, ip: string | null | undefined): Pick<Actor, "userId" | "label" | "ip"> {
  return { userId: null, label: `applicant ${email}`, ip: ip ?? null };
}

function statusUrl(token: string): string {
  return `${appUrl()}/apply/status/${token}`;
}

function reviewUrl(id: string): string {
  return `${appUrl()}/applications/${id}`;
}

/**
 * Active vendor staff (by role, plus particular users) as mail recipients,
 * leaving out whoever turned this notification off on the settings page.
 */
async function staffRecipients(
  tx: Db,
  template: TemplateName,
  roles: Role[],
  alsoUserIds: string[] = [],
): Promise<Recipient[]> {
  const who = or(
    roles.length ? inArray(users.role, roles) : undefined,
    alsoUserIds.length ? inArray(users.id, alsoUserIds) : undefined,
  );
  if (!who) return [];
  const rows = await tx
    .select({ id: users.id, email: users.email, name: users.name })
    .from(users)
    .where(and(who, eq(users.status, "active"), isNull(users.partnerId)))
    .orderBy(asc(users.email));
  if (rows.length === 0) return [];
  const optedOut = await tx
    .select({ userId: mailOptOuts.userId })
    .from(mailOptOuts)
    .where(
      and(
        eq(mailOptOuts.template, template),
        inArray(
          mailOptOuts.userId,
          rows.map((r) => r.id),
        ),
      ),
    );
  const off = new Set(optedOut.map((o) => o.userId));
  return rows.filter((r) => !off.has(r.id)).map((r) => ({ address: r.email, name: r.name }));
}

// ---------------------------------------------------------------------------
// Public side: the application form and the status link
// ---------------------------------------------------------------------------

export async function applicationSchemaFor(db: Db) {
  return applicationSchema((await activeSpecializations(db)).map((s) => s.key));
}

function honeypotFilled(value: unknown): boolean {
  return typeof value === "string" ? value.trim() !== "" : value !== undefined && value !== null;
}

/**
 * Every submission attempt from a client address counts, valid or not, bot or
 * person: at most APPLY_MAX_PER_WINDOW per 15 minutes, then RateLimitError.
 * Returns "bot" when the honeypot field is filled: the caller answers as for
 * a success and stores nothing.
 */
export async function screenApplicationAttempt(
  db: Db,
  attempt: { ip?: string | null; honeypot?: unknown; now?: Date },
): Promise<"person" | "bot"> {
  const now = attempt.now ?? new Date();
  const key = `apply:ip:${attempt.ip ?? "unknown"}`;
  try {
    await assertNotLimited(db, [key], now, APPLY_MAX_PER_WINDOW);
  } catch (err) {
    if (err instanceof RateLimitError) throw new RateLimitError(APPLY_LIMITED_MESSAGE, err.retryAfterSeconds);
    throw err;
  }
  await recordFailure(db, [key], now);
  return honeypotFilled(attempt.honeypot) ? "bot" : "person";
}

export interface SubmitMeta {
  ip?: string | null;
  userAgent?: string | null;
  now?: Date;
}

export type SubmitOutcome = { kind: "submitted"; id: string; token: string } | { kind: "ignored" };

interface Duplicate {
  field: "primaryDomain" | "contactEmail";
  domain: string;
  reason: string;
  existing: string;
}

function duplicateError(domain: string, field: Duplicate["field"] = "primaryDomain"): ValidationError {
  return new ValidationError({
    [field]: [
      `An application or a partner account for ${domain} already exists, so this application cannot be accepted. ` +
        "If your company is already a partner, ask your colleagues for an invitation; if you are another office, " +
        "our channel team has been told and can help.",
    ],
  });
}

/** `a` is `b`, or one is a subdomain of the other (the SQL side of sameOrganisationDomain). */
function relatedDomain(column: AnyPgColumn, domain: string): SQL {
  return sql`(${column} = ${domain} or right(${domain}, length(${column}) + 1) = '.' || ${column} or right(${column}, ${domain.length + 1}) = ${"." + domain})`;
}

/** A partner or an open application that already holds one of the application's domains. */
async function findDuplicate(tx: Db, input: ApplicationInput): Promise<Duplicate | null> {
  const contact = emailDomain(input.contactEmail);
  const candidates: Array<[Duplicate["field"], string]> = [["primaryDomain", input.primaryDomain]];
  if (contact && contact !== input.primaryDomain) candidates.push(["contactEmail", contact]);
  for (const [field, domain] of candidates) {
    const [partner] = await tx
      .select({ name: partners.name, domain: partners.primaryDomain, status: partners.status })
      .from(partners)
      .where(relatedDomain(partners.primaryDomain, domain))
      .limit(1);
    if (partner) {
      return {
        field,
        domain,
        reason: `the domain ${domain} belongs to an existing partner`,
        existing: `${partner.name} (${partner.domain}, ${partner.status})`,
      };
    }
    const [open] = await tx
      .select({ companyName: applications.companyName, createdAt: applications.createdAt })
      .from(applications)
      .where(and(eq(applications.primaryDomain, domain), inArray(applications.status, OPEN_STATUSES)))
      .limit(1);
    if (open) {
      return {
        field,
        domain,
        reason: `an application for ${domain} is already under review`,
        existing: `the application of ${open.companyName}, submitted ${utc(open.createdAt)}`,
      };
    }
  }
  return null;
}

/** Tells the vendor admins once per domain per day (a second office, or someone trying again). */
async function notifyDuplicate(tx: Db, input: ApplicationInput, dup: Duplicate, now: Date): Promise<void> {
  const to = await staffRecipients(tx, "application-duplicate", ["vendor_admin"]);
  if (to.length === 0) return;
  await enqueueMail(tx, {
    to,
    template: "application-duplicate",
    data: {
      companyName: input.companyName,
      domain: dup.domain,
      contactEmail: input.contactEmail,
      existing: dup.existing,
      reason: dup.reason,
    },
    dedupeKey: `application-duplicate:${dup.domain}:${now.toISOString().slice(0, 10)}`,
  });
}

/**
 * The public "Become a partner" form. In order: the rate limit (every attempt
 * counts), the honeypot (a filled one is answered like a success, nothing is
 * stored or sent), validation (field errors), the duplicate-domain refusal
 * (the vendor admins are mailed, the mail commits, then the field error is
 * thrown), and finally the application with its status token, the
 * applicant's confirmation, the reviewers' notification and the audit event.
 */
export async function submitApplication(db: Db, raw: unknown, meta: SubmitMeta = {}): Promise<SubmitOutcome> {
  const now = meta.now ?? new Date();
  const honeypot = raw && typeof raw === "object" ? (raw as Record<string, unknown>)[HONEYPOT_FIELD] : undefined;
  if ((await screenApplicationAttempt(db, { ip: meta.ip, honeypot, now })) === "bot") return { kind: "ignored" };
  const parsed = (await applicationSchemaFor(db)).safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const input = parsed.data;

  for (let attempt = 1; ; attempt++) {
    try {
      const outcome = await db.transaction(async (tx) => {
        const dup = await findDuplicate(tx, input);
        if (dup) {
          await notifyDuplicate(tx, input, dup, now);
          return { kind: "duplicate" as const, dup };
        }
        return { kind: "submitted" as const, ...(await insertApplication(tx, input, meta, now)) };
      });
      if (outcome.kind === "duplicate") throw duplicateError(outcome.dup.domain, outcome.dup.field);
      return outcome;
    } catch (err) {
      // Two submissions for one domain at the same moment: the index lets one in. The other looks
      // again (now it sees the winner, tells the vendor and gets the field error).
      if (isUniqueViolation(err, OPEN_DOMAIN_INDEX)) {
        if (attempt < 2) continue;
        throw duplicateError(input.primaryDomain);
      }
      throw err;
    }
  }
}

async function insertApplication(
  tx: Db,
  input: ApplicationInput,
  meta: SubmitMeta,
  now: Date,
): Promise<{ id: string; token: string }> {
  const { token, hash } = newToken();
  const [row] = await tx
    .insert(applications)
    .values({
      status: "submitted",
      companyName: input.companyName,
      legalName: input.legalName,
      website: input.website,
      primaryDomain: input.primaryDomain,
      country: input.country,
      region: input.region,
      address: input.address,
      registrationId: input.registrationId,
      businessType: input.businessType,
      specializations: input.specializations,
      expectedAnnualVolume: input.expectedAnnualVolume,
      contactName: input.contactName,
      contactEmail: input.contactEmail,
      contactPhone: input.contactPhone,
      contactDomainMismatch: input.contactDomainMismatch,
      privacyAcceptedAt: now,
      statusTokenHash: hash,
      ip: meta.ip ?? null,
      userAgent: meta.userAgent ? meta.userAgent.slice(0, 500) : null,
      createdAt: now,
      updatedAt: now,
    })
    .returning({ id: applications.id });
  const id = row!.id;
  await enqueueMail(tx, {
    to: input.contactEmail,
    toName: input.contactName,
    template: "application-received",
    data: { contactName: input.contactName, companyName: input.companyName, statusUrl: statusUrl(token) },
    dedupeKey: `application-received:${id}`,
  });
  const reviewers = await staffRecipients(tx, "application-new", REVIEWER_ROLES);
  if (reviewers.length) {
    await enqueueMail(tx, {
      to: reviewers,
      template: "application-new",
      data: { companyName: input.companyName, country: countryName(input.country), reviewUrl: reviewUrl(id) },
      dedupeKey: `application-new:${id}`,
    });
  }
  await recordAudit(tx, applicantActor(input.contactEmail, meta.ip), {
    action: "application.submitted",
    subjectType: "application",
    subjectId: id,
    after: {
      companyName: input.companyName,
      primaryDomain: input.primaryDomain,
      country: input.country,
      contactEmail: input.contactEmail,
      contactDomainMismatch: input.contactDomainMismatch,
    },
  });
  return { id, token };
}

async function applicationByToken(db: Db, token: string) {
  if (!token || token.length > 200) return undefined;
  const [app] = await db
    .select({
      id: applications.id,
      status: applications.status,
      companyName: applications.companyName,
      contactName: applications.contactName,
      createdAt: applications.createdAt,
      decidedAt: applications.decidedAt,
      decisionReason: applications.decisionReason,
    })
    .from(applications)
    .where(eq(applications.statusTokenHash, hashToken(token)));
  return app;
}

/**
 * What the applicant sees through the status link: the status, the questions
 * asked and their own answers, a rejection's reason. Never internal notes,
 * reviewer names or other applications. An unknown token is NotFoundError.
 */
export async function applicationStatusByToken(db: Db, token: string) {
  const app = await applicationByToken(db, token);
  if (!app) throw new NotFoundError("This status link is not valid.");
  const messages = await db
    .select({
      id: applicationMessages.id,
      direction: applicationMessages.direction,
      body: applicationMessages.body,
      createdAt: applicationMessages.createdAt,
    })
    .from(applicationMessages)
    .where(eq(applicationMessages.applicationId, app.id))
    .orderBy(asc(applicationMessages.createdAt), asc(applicationMessages.id));
  return {
    companyName: app.companyName,
    contactName: app.contactName,
    status: app.status,
    statusLabel: applicationStatusLabels[app.status],
    submittedAt: app.createdAt,
    decidedAt: app.status === "approved" || app.status === "rejected" ? app.decidedAt : null,
    rejectionReason: app.status === "rejected" ? app.decisionReason : null,
    messages,
  };
}

/**
 * The applicant answers a request for more information through the status
 * link: the answer is stored, the application goes back to `submitted`, and
 * whoever asked (plus the vendor admins) is told.
 */
export async function answerInformationRequest(
  db: Db,
  token: string,
  raw: unknown,
  meta: { ip?: string | null; now?: Date } = {},
): Promise<{ messageId: string }> {
  const parsed = answerSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const now = meta.now ?? new Date();
  if (!token || token.length > 200) throw new NotFoundError("This status link is not valid.");
  const hash = hashToken(token);
  return db.transaction(async (tx) => {
    const [app] = await tx
      .update(applications)
      .set({ status: "submitted", updatedAt: now })
      .where(and(eq(applications.statusTokenHash, hash), eq(applications.status, "info_requested")))
      .returning({
        id: applications.id,
        companyName: applications.companyName,
        contactEmail: applications.contactEmail,
      });
    if (!app) {
      const [exists] = await tx
        .select({ id: applications.id })
        .from(applications)
        .where(eq(applications.statusTokenHash, hash));
      if (!exists) throw new NotFoundError("This status link is not valid.");
      throw new ConflictError("Your application is not waiting for an answer any more.");
    }
    const [msg] = await tx
      .insert(applicationMessages)
      .values({ applicationId: app.id, direction: "from_applicant", body: parsed.data.body, createdAt: now })
      .returning({ id: applicationMessages.id });
    const [asked] = await tx
      .select({ authorId: applicationMessages.authorId })
      .from(applicationMessages)
      .where(and(eq(applicationMessages.applicationId, app.id), eq(applicationMessages.direction, "to_applicant")))
      .orderBy(desc(applicationMessages.createdAt))
      .limit(1);
    const to = await staffRecipients(
      tx,
      "application-answered",
      ["vendor_admin"],
      asked?.authorId ? [asked.authorId] : [],
    );
    if (to.length) {
      await enqueueMail(tx, {
        to,
        template: "application-answered",
        data: { companyName: app.companyName, reviewUrl: reviewUrl(app.id) },
        dedupeKey: `application-answered:${msg!.id}`,
      });
    }
    await recordAudit(tx, applicantActor(app.contactEmail, meta.ip), {
      action: "application.answered",
      subjectType: "application",
      subjectId: app.id,
      before: { status: "info_requested" },
      after: { status: "submitted", messageId: msg!.id },
    });
    return { messageId: msg!.id };
  });
}

// ---------------------------------------------------------------------------
// Review (vendor admins and channel managers)
// ---------------------------------------------------------------------------

function assertReviewer(ctx: Ctx): void {
  if (!can(ctx.actor.role, "applications:review")) throw new ForbiddenError();
}

function assertId(id: string): void {
  if (!uuid.safeParse(id).success) throw new NotFoundError("Application not found.");
}

/** The review queue: oldest first (first come, first reviewed), filtered and paginated. */
export async function listApplications(ctx: Ctx, filter: ApplicationFilter) {
  assertReviewer(ctx);
  const where = and(
    filter.status === "open"
      ? inArray(applications.status, OPEN_STATUSES)
      : filter.status === "all"
        ? undefined
        : eq(applications.status, filter.status),
    filter.country ? eq(applications.country, filter.country) : undefined,
    filter.businessType ? eq(applications.businessType, filter.businessType) : undefined,
  );
  const [total] = await ctx.db.select({ n: count() }).from(applications).where(where);
  const rows = await ctx.db
    .select({
      id: applications.id,
      status: applications.status,
      companyName: applications.companyName,
      primaryDomain: applications.primaryDomain,
      country: applications.country,
      businessType: applications.businessType,
      expectedAnnualVolume: applications.expectedAnnualVolume,
      contactDomainMismatch: applications.contactDomainMismatch,
      createdAt: applications.createdAt,
    })
    .from(applications)
    .where(where)
    .orderBy(asc(applications.createdAt), asc(applications.id))
    .limit(APPLICATIONS_PAGE_SIZE)
    .offset((filter.page - 1) * APPLICATIONS_PAGE_SIZE);
  return { rows, total: total?.n ?? 0, page: filter.page, pageSize: APPLICATIONS_PAGE_SIZE };
}

/** Countries that have applications, for the queue's filter. */
export async function applicationCountries(ctx: Ctx): Promise<string[]> {
  assertReviewer(ctx);
  const rows = await ctx.db.selectDistinct({ country: applications.country }).from(applications);
  return rows.map((r) => r.country).sort((a, b) => countryName(a).localeCompare(countryName(b), "en"));
}

/** Who can own a new partner: active channel managers and vendor admins. */
export async function reviewerOptions(ctx: Ctx) {
  assertReviewer(ctx);
  return ctx.db
    .select({ id: users.id, name: users.name, email: users.email, role: users.role })
    .from(users)
    .where(and(inArray(users.role, REVIEWER_ROLES), eq(users.status, "active"), isNull(users.partnerId)))
    .orderBy(asc(users.name));
}

/** One application with everything the reviewer needs (never the status token's hash). */
export async function getApplicationForReview(ctx: Ctx, id: string) {
  assertReviewer(ctx);
  assertId(id);
  const [row] = await ctx.db.select().from(applications).where(eq(applications.id, id));
  if (!row) throw new NotFoundError("Application not found.");
  const { statusTokenHash: _hash, ...app } = row;

  const people = [app.decidedBy, app.ownerUserId].filter((x): x is string => !!x);
  const named = people.length
    ? await ctx.db.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, people))
    : [];
  const nameOf = (userId: string | null) => (userId ? (named.find((u) => u.id === userId)?.name ?? null) : null);

  const notes = await ctx.db
    .select({
      id: applicationNotes.id,
      body: applicationNotes.body,
      createdAt: applicationNotes.createdAt,
      authorName: users.name,
    })
    .from(applicationNotes)
    .innerJoin(users, eq(users.id, applicationNotes.authorId))
    .where(eq(applicationNotes.applicationId, id))
    .orderBy(asc(applicationNotes.createdAt), asc(applicationNotes.id));
  const messages = await ctx.db
    .select({
      id: applicationMessages.id,
      direction: applicationMessages.direction,
      body: applicationMessages.body,
      createdAt: applicationMessages.createdAt,
      authorName: users.name,
    })
    .from(applicationMessages)
    .leftJoin(users, eq(users.id, applicationMessages.authorId))
    .where(eq(applicationMessages.applicationId, id))
    .orderBy(asc(applicationMessages.createdAt), asc(applicationMessages.id));
  const labels = await ctx.db.select({ key: specializations.key, label: specializations.label }).from(specializations);
  const [partner] = app.partnerId
    ? await ctx.db
        .select({ id: partners.id, name: partners.name, slug: partners.slug, status: partners.status })
        .from(partners)
        .where(eq(partners.id, app.partnerId))
    : [];

  return {
    application: {
      ...app,
      statusLabel: applicationStatusLabels[app.status],
      open: (OPEN_STATUSES as readonly string[]).includes(app.status),
      decidedByName: nameOf(app.decidedBy),
      ownerName: nameOf(app.ownerUserId),
      contactDomain: emailDomain(app.contactEmail),
      specializationLabels: app.specializations.map((k) => labels.find((l) => l.key === k)?.label ?? k),
    },
    partner: partner ?? null,
    notes,
    messages,
    related: await relatedRecords(ctx.db, app),
  };
}

/**
 * What the reviewer should know before deciding: partners on the same domain
 * (or the contact's domain), partners with a similar name, and other
 * applications for the domain or with a similar name (earlier rejections).
 */
async function relatedRecords(db: Db, app: Omit<Application, "statusTokenHash">) {
  const domains = [...new Set([app.primaryDomain, emailDomain(app.contactEmail)].filter((d): d is string => !!d))];
  const sameDomain = await db
    .select({
      id: partners.id,
      name: partners.name,
      primaryDomain: partners.primaryDomain,
      status: partners.status,
      country: partners.country,
    })
    .from(partners)
    .where(or(...domains.map((d) => relatedDomain(partners.primaryDomain, d))))
    .orderBy(asc(partners.name))
    .limit(10);
  const nameSimilarity = sql<number>`similarity(lower(${partners.name}), lower(${app.companyName}))`;
  const similarNames = await db
    .select({
      id: partners.id,
      name: partners.name,
      primaryDomain: partners.primaryDomain,
      status: partners.status,
      country: partners.country,
    })
    .from(partners)
    .where(
      and(
        sql`${nameSimilarity} >= 0.4`,
        sameDomain.length
          ? sql`${partners.id} not in (${sql.join(
              sameDomain.map((p) => sql`${p.id}`),
              sql`, `,
            )})`
          : undefined,
      ),
    )
    .orderBy(desc(nameSimilarity))
    .limit(5);
  const otherApplications = await db
    .select({
      id: applications.id,
      companyName: applications.companyName,
      primaryDomain: applications.primaryDomain,
      status: applications.status,
      createdAt: applications.createdAt,
    })
    .from(applications)
    .where(
      and(
        ne(applications.id, app.id),
        or(
          inArray(applications.primaryDomain, domains),
          sql`similarity(lower(${applications.companyName}), lower(${app.companyName})) >= 0.5`,
        ),
      ),
    )
    .orderBy(desc(applications.createdAt))
    .limit(10);
  return { sameDomain, similarNames, otherApplications };
}

/**
 * Claims an open application for a transition: a conditional UPDATE, so two
 * reviewers at the same moment cannot both win (the second waits for the
 * first's row lock, then finds the status changed). The loser is told who
 * decided and when.
 */
async function claimOpen(tx: Db, id: string, set: Partial<typeof applications.$inferInsert>): Promise<Application> {
  const [row] = await tx
    .update(applications)
    .set(set)
    .where(and(eq(applications.id, id), inArray(applications.status, OPEN_STATUSES)))
    .returning();
  if (row) return row;
  const [current] = await tx
    .select({ status: applications.status, decidedAt: applications.decidedAt, decidedBy: users.name })
    .from(applications)
    .leftJoin(users, eq(users.id, applications.decidedBy))
    .where(eq(applications.id, id));
  if (!current) throw new NotFoundError("Application not found.");
  const when = current.decidedAt ? ` at ${utc(current.decidedAt)}` : "";
  throw new ConflictError(
    `This application was already decided by ${current.decidedBy ?? "another reviewer"}${when} ` +
      `(${applicationStatusLabels[current.status].toLowerCase()}).`,
  );
}

export async function addApplicationNote(ctx: Ctx, id: string, raw: unknown): Promise<{ id: string }> {
  assertReviewer(ctx);
  assertId(id);
  const parsed = noteSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const [app] = await tx.select({ id: applications.id }).from(applications).where(eq(applications.id, id));
    if (!app) throw new NotFoundError("Application not found.");
    const [note] = await tx
      .insert(applicationNotes)
      .values({ applicationId: id, authorId: ctx.actor.userId!, body: parsed.data.body, createdAt: now })
      .returning({ id: applicationNotes.id });
    await recordAudit(tx, ctx.actor, {
      action: "application.note_added",
      subjectType: "application",
      subjectId: id,
      after: { noteId: note!.id },
    });
    return { id: note!.id };
  });
}

/** A URL slug from a company name (`Kiwi Relay Ltd.` → `kiwi-relay-ltd`); `fallback` when nothing is left. */
export function slugify(name: string, fallback = "partner"): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
  return slug || fallback;
}

/** The company's slug, or with -2, -3… appended when taken. */
async function freeSlug(tx: Db, name: string, domain: string): Promise<string> {
  const base = slugify(name, slugify(domain.split(".")[0] ?? "", "partner"));
  const rows = await tx
    .select({ slug: partners.slug })
    .from(partners)
    .where(or(eq(partners.slug, base), like(partners.slug, `${base}-%`)));
  const taken = new Set(rows.map((r) => r.slug));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/**
 * Approves an open application, in one transaction: the partner (status
 * `approved`, the chosen tier and owner), the partner admin invitation for the
 * contact, the `application-approved` mail with the invitation link (instead
 * of the generic invitation mail), and the audit events.
 */
export async function approveApplication(
  ctx: Ctx,
  id: string,
  raw: unknown,
): Promise<{ partnerId: string; invitationId: string; token: string }> {
  assertReviewer(ctx);
  assertId(id);
  const parsed = approveSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const { tier, ownerUserId } = parsed.data;
  const now = nowOf(ctx);
  const { actor } = ctx;
  // The initial tier is one of the ladder in force.
  const ladder = await tierLadderInForce(ctx.db, now);
  if (!ladder.some((t) => t.key === tier)) throw new ValidationError({ tier: ["Choose the initial tier."] });

  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.db.transaction(async (tx) => {
        const [owner] = await tx
          .select({ id: users.id })
          .from(users)
          .where(
            and(
              eq(users.id, ownerUserId),
              inArray(users.role, REVIEWER_ROLES),
              eq(users.status, "active"),
              isNull(users.partnerId),
            ),
          );
        if (!owner) throw new ValidationError({ ownerUserId: ["Choose an active channel manager or vendor admin."] });

        const app = await claimOpen(tx, id, {
          status: "approved",
          decidedBy: actor.userId,
          decidedAt: now,
          initialTier: tier,
          ownerUserId,
          decisionReason: null,
          updatedAt: now,
        });

        const [account] = await tx
          .select({ id: users.id })
          .from(users)
          .where(sql`lower(${users.email}) = lower(${app.contactEmail})`);
        if (account) {
          throw new RuleError(
            `${app.contactEmail} already has an account in the portal, so it cannot become this partner's admin. ` +
              "Ask the applicant for another contact address, or reject the application.",
          );
        }
        const [sameDomain] = await tx
          .select({ name: partners.name })
          .from(partners)
          .where(eq(partners.primaryDomain, app.primaryDomain));
        if (sameDomain) {
          throw new RuleError(
            `The partner ${sameDomain.name} already uses the domain ${app.primaryDomain}. Reject this application, ` +
              "or talk to that partner if this is another office.",
          );
        }

        const slug = await freeSlug(tx, app.companyName, app.primaryDomain);
        const [partner] = await tx
          .insert(partners)
          .values({
            slug,
            name: app.companyName,
            legalName: app.legalName,
            website: app.website,
            primaryDomain: app.primaryDomain,
            country: app.country,
            region: app.region || null,
            territories: [app.country],
            specializations: app.specializations,
            tier,
            status: "approved",
            businessType: app.businessType,
            registrationId: app.registrationId,
            phone: app.contactPhone,
            addresses: [
              {
                label: "Head office",
                street: app.address,
                city: "",
                postalCode: "",
                region: app.region,
                country: app.country,
              },
            ],
            ownerUserId,
            statusChangedAt: now,
            createdAt: now,
            updatedAt: now,
          })
          .returning({ id: partners.id, name: partners.name, slug: partners.slug });
        await tx.update(applications).set({ partnerId: partner!.id }).where(eq(applications.id, app.id));

        const invitation = await createInvitationInTx(tx, {
          partnerId: partner!.id,
          email: app.contactEmail,
          role: "partner_admin",
          actor,
          now,
          sendInvitationMail: false,
        });
        await enqueueMail(tx, {
          to: app.contactEmail,
          toName: app.contactName,
          template: "application-approved",
          data: {
            contactName: app.contactName,
            companyName: app.companyName,
            tierLabel: tierName(ladder, tier),
            acceptUrl: invitation.acceptUrl,
            expiresAt: invitation.expiresAt.toUTCString(),
          },
          dedupeKey: `application-approved:${app.id}`,
          partnerId: partner!.id,
        });
        await recordAudit(tx, actor, {
          action: "application.approved",
          subjectType: "application",
          subjectId: app.id,
          partnerId: partner!.id,
          after: { status: "approved", tier, ownerUserId, partnerId: partner!.id },
        });
        await recordAudit(tx, actor, {
          action: "partner.created",
          subjectType: "partner",
          subjectId: partner!.id,
          partnerId: partner!.id,
          after: { name: partner!.name, slug: partner!.slug, tier, status: "approved", applicationId: app.id },
        });
        return { partnerId: partner!.id, invitationId: invitation.id, token: invitation.token };
      });
    } catch (err) {
      // Two approvals of same-named companies at once: take the next free slug.
      if (isUniqueViolation(err, PARTNER_SLUG_INDEX) && attempt < 3) continue;
      throw err;
    }
  }
}

/** Rejects an open application; the reason is mailed to the applicant. */
export async function rejectApplication(ctx: Ctx, id: string, raw: unknown): Promise<void> {
  assertReviewer(ctx);
  assertId(id);
  const parsed = rejectSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const { reason } = parsed.data;
  const now = nowOf(ctx);
  await ctx.db.transaction(async (tx) => {
    const app = await claimOpen(tx, id, {
      status: "rejected",
      decidedBy: ctx.actor.userId,
      decidedAt: now,
      decisionReason: reason,
      updatedAt: now,
    });
    await enqueueMail(tx, {
      to: app.contactEmail,
      toName: app.contactName,
      template: "application-rejected",
      data: { contactName: app.contactName, companyName: app.companyName, reason },
      dedupeKey: `application-rejected:${app.id}`,
    });
    await recordAudit(tx, ctx.actor, {
      action: "application.rejected",
      subjectType: "application",
      subjectId: app.id,
      after: { status: "rejected", reason },
    });
  });
}

/**
 * Asks the applicant for more information: the question is stored as a
 * message, the status becomes `info_requested`, and the applicant is mailed a
 * link to answer. Only the hash of the status token is stored, so the link is
 * a new one: the status token is replaced and earlier links stop working.
 */
export async function requestApplicationInformation(
  ctx: Ctx,
  id: string,
  raw: unknown,
): Promise<{ messageId: string; token: string }> {
  assertReviewer(ctx);
  assertId(id);
  const parsed = requestInfoSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const { message } = parsed.data;
  const now = nowOf(ctx);
  const { token, hash } = newToken();
  return ctx.db.transaction(async (tx) => {
    const app = await claimOpen(tx, id, { status: "info_requested", statusTokenHash: hash, updatedAt: now });
    const [msg] = await tx
      .insert(applicationMessages)
      .values({
        applicationId: app.id,
        direction: "to_applicant",
        authorId: ctx.actor.userId,
        body: message,
        createdAt: now,
      })
      .returning({ id: applicationMessages.id });
    await enqueueMail(tx, {
      to: app.contactEmail,
      toName: app.contactName,
      template: "application-info-requested",
      data: { contactName: app.contactName, companyName: app.companyName, message, statusUrl: statusUrl(token) },
      dedupeKey: `application-info-requested:${msg!.id}`,
    });
    await recordAudit(tx, ctx.actor, {
      action: "application.info_requested",
      subjectType: "application",
      subjectId: app.id,
      after: { status: "info_requested", messageId: msg!.id },
    });
    return { messageId: msg!.id, token };
  });
}
