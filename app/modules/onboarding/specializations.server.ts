import { arrayContains, asc, count, eq, max, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~db/client";
import { applications, partners, specializations } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import type { Ctx } from "~/modules/auth/actor";
import { SPECIALIZATION_KEY } from "~/modules/partners/profile-schemas";
import { fieldErrorsOf } from "~/utils/field-errors";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "~/utils/errors.server";
import { can } from "~/utils/permissions";

/**
 * The vendor-managed list of specializations. Partners and applications store
 * the keys; a key never changes once created (rename changes the label only),
 * and a key in use is deactivated rather than deleted.
 */

export interface SpecializationOption {
  key: string;
  label: string;
}

/** The active specializations in display order: what application and profile forms offer. */
export async function activeSpecializations(db: Db): Promise<SpecializationOption[]> {
  return db
    .select({ key: specializations.key, label: specializations.label })
    .from(specializations)
    .where(eq(specializations.active, true))
    .orderBy(asc(specializations.sort), asc(specializations.label));
}

/** Every key with its label (active or not), for showing stored keys by name. */
export async function specializationLabels(db: Db): Promise<Map<string, { label: string; active: boolean }>> {
  const rows = await db
    .select({ key: specializations.key, label: specializations.label, active: specializations.active })
    .from(specializations);
  return new Map(rows.map((r) => [r.key, { label: r.label, active: r.active }]));
}

const labelField = z
  .string({ required_error: "Enter a label.", invalid_type_error: "Enter a label." })
  .trim()
  .min(2, "Use at least 2 characters.")
  .max(60, "Use at most 60 characters.");

export const createSpecializationSchema = z.object({
  key: z
    .string({ required_error: "Enter a key.", invalid_type_error: "Enter a key." })
    .trim()
    .regex(SPECIALIZATION_KEY, "Use 2 to 40 lowercase letters, digits and hyphens, e.g. mail-relay."),
  label: labelField,
});

export const renameSpecializationSchema = z.object({ key: z.string().trim().min(1), label: labelField });

function requireManager(ctx: Ctx) {
  if (!can(ctx.actor.role, "specializations:manage")) throw new ForbiddenError();
}

function parse<T extends z.ZodTypeAny>(schema: T, raw: unknown): z.output<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  return parsed.data;
}

/** Every specialization with how many partners and applications use it (for the vendor's page). */
export async function listSpecializations(ctx: Ctx) {
  requireManager(ctx);
  // A cross-partner read, explicit: usage counts over all partners and applications.
  const rows = await ctx.db
    .select({
      key: specializations.key,
      label: specializations.label,
      active: specializations.active,
      sort: specializations.sort,
      partners: sql<number>`(select count(*)::int from ${partners} where ${specializations.key} = any(${partners.specializations}))`,
      applications: sql<number>`(select count(*)::int from ${applications} where ${specializations.key} = any(${applications.specializations}))`,
    })
    .from(specializations)
    .orderBy(asc(specializations.sort), asc(specializations.label));
  return rows;
}

export async function createSpecialization(ctx: Ctx, raw: unknown): Promise<{ key: string }> {
  requireManager(ctx);
  const { key, label } = parse(createSpecializationSchema, raw);
  return ctx.db.transaction(async (tx) => {
    const [last] = await tx.select({ sort: max(specializations.sort) }).from(specializations);
    const inserted = await tx
      .insert(specializations)
      .values({ key, label, sort: (last?.sort ?? 0) + 10 })
      .onConflictDoNothing()
      .returning({ key: specializations.key });
    if (inserted.length === 0) throw new ValidationError({ key: ["This key exists already."] });
    await recordAudit(tx, ctx.actor, {
      action: "specialization.created",
      subjectType: "specialization",
      subjectId: key,
      after: { key, label, active: true },
    });
    return { key };
  });
}

/** Changes the label (the key stays: partners and applications store it). */
export async function renameSpecialization(ctx: Ctx, raw: unknown): Promise<void> {
  requireManager(ctx);
  const { key, label } = parse(renameSpecializationSchema, raw);
  await ctx.db.transaction(async (tx) => {
    const [before] = await tx.select().from(specializations).where(eq(specializations.key, key)).for("update");
    if (!before) throw new NotFoundError("Specialization not found.");
    if (before.label === label) return;
    await tx.update(specializations).set({ label }).where(eq(specializations.key, key));
    await recordAudit(tx, ctx.actor, {
      action: "specialization.updated",
      subjectType: "specialization",
      subjectId: key,
      before: { label: before.label },
      after: { label },
    });
  });
}

/** Deactivated keys are no longer offered; partners that have one keep it. */
export async function setSpecializationActive(ctx: Ctx, key: string, active: boolean): Promise<void> {
  requireManager(ctx);
  await ctx.db.transaction(async (tx) => {
    const [before] = await tx.select().from(specializations).where(eq(specializations.key, key)).for("update");
    if (!before) throw new NotFoundError("Specialization not found.");
    if (before.active === active) return;
    await tx.update(specializations).set({ active }).where(eq(specializations.key, key));
    await recordAudit(tx, ctx.actor, {
      action: "specialization.updated",
      subjectType: "specialization",
      subjectId: key,
      before: { active: before.active },
      after: { active },
    });
  });
}

/** Deletes a key nobody uses (a typo just created); a key in use can only be deactivated. */
export async function deleteSpecialization(ctx: Ctx, key: string): Promise<void> {
  requireManager(ctx);
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx.select().from(specializations).where(eq(specializations.key, key)).for("update");
    if (!row) throw new NotFoundError("Specialization not found.");
    const [p] = await tx
      .select({ n: count() })
      .from(partners)
      .where(arrayContains(partners.specializations, [key]));
    const [a] = await tx
      .select({ n: count() })
      .from(applications)
      .where(arrayContains(applications.specializations, [key]));
    const usage = { n: (p?.n ?? 0) + (a?.n ?? 0) };
    if (usage.n > 0) {
      throw new ConflictError(`“${row.label}” is in use by partners or applications: deactivate it instead.`);
    }
    await tx.delete(specializations).where(eq(specializations.key, key));
    await recordAudit(tx, ctx.actor, {
      action: "specialization.deleted",
      subjectType: "specialization",
      subjectId: key,
      before: { key, label: row.label, active: row.active },
    });
  });
}
