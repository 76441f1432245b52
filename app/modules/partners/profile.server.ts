import { eq, sql } from "drizzle-orm";
import { partnerLogos, partners, type PartnerAddressJson, type PartnerContactJson } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import { nowOf, scopeOf, type Ctx } from "~/modules/auth/actor";
import { activeSpecializations, specializationLabels } from "~/modules/onboarding/specializations.server";
import { ForbiddenError, NotFoundError, ValidationError } from "~/utils/errors.server";
import { can } from "~/utils/permissions";
import { fieldErrorsOf } from "~/utils/field-errors";
import { profileMissing, profileSchema, type ProfileValues } from "./profile-schemas";
import { scopeWhere } from "./scope.server";

/**
 * The partner's own company profile. The partner always comes from the actor
 * (never from the input), and every read and write goes through scopeWhere.
 */

const asScoped = { partnerId: partners.id };

/** The partner the actor belongs to; vendor staff have none here (they use the directory). */
function ownPartnerId(ctx: Ctx): string {
  if (!ctx.actor.partnerId) throw new ForbiddenError("The company profile belongs to a partner's own people.");
  return ctx.actor.partnerId;
}

const editable = [
  "name",
  "website",
  "phone",
  "description",
  "addresses",
  "territories",
  "specializations",
  "contacts",
  "listedInLocator",
] as const satisfies readonly (keyof ProfileValues & keyof typeof partners.$inferSelect)[];
type EditableField = (typeof editable)[number];

export async function getProfile(ctx: Ctx) {
  const partnerId = ownPartnerId(ctx);
  const scope = scopeOf(ctx.actor);
  const [p] = await ctx.db
    .select({
      slug: partners.slug,
      name: partners.name,
      legalName: partners.legalName,
      primaryDomain: partners.primaryDomain,
      country: partners.country,
      region: partners.region,
      tier: partners.tier,
      status: partners.status,
      website: partners.website,
      phone: partners.phone,
      description: partners.description,
      addresses: partners.addresses,
      territories: partners.territories,
      specializations: partners.specializations,
      contacts: partners.contacts,
      listedInLocator: partners.listedInLocator,
      updatedAt: partners.updatedAt,
    })
    .from(partners)
    .where(scopeWhere(scope, asScoped, eq(partners.id, partnerId)));
  if (!p) throw new NotFoundError("Partner not found.");
  const [logo] = await ctx.db
    .select({
      contentType: partnerLogos.contentType,
      sha256: partnerLogos.sha256,
      size: sql<number>`octet_length(${partnerLogos.bytes})::int`,
      updatedAt: partnerLogos.updatedAt,
    })
    .from(partnerLogos)
    .where(scopeWhere(scope, partnerLogos));
  const [offered, labels] = await Promise.all([activeSpecializations(ctx.db), specializationLabels(ctx.db)]);
  // The form offers the active list plus anything the partner already has (a retired key stays until unticked).
  const options = [
    ...offered.map((o) => ({ ...o, retired: false })),
    ...p.specializations
      .filter((k) => !offered.some((o) => o.key === k))
      .map((k) => ({ key: k, label: labels.get(k)?.label ?? k, retired: true })),
  ];
  return { ...p, logo: logo ?? null, specializationOptions: options, missing: profileMissing(p) };
}
export type Profile = Awaited<ReturnType<typeof getProfile>>;

/** Saves the editable part of the profile; returns the fields that changed (none: nothing written). */
export async function updateProfile(ctx: Ctx, raw: unknown): Promise<{ changed: EditableField[] }> {
  if (!can(ctx.actor.role, "profile:manage")) throw new ForbiddenError();
  const partnerId = ownPartnerId(ctx);
  const parsed = profileSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const input = parsed.data;
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const [current] = await tx
      .select()
      .from(partners)
      .where(scopeWhere(scopeOf(ctx.actor), asScoped, eq(partners.id, partnerId)))
      .for("update");
    if (!current) throw new NotFoundError("Partner not found.");

    const offered = new Set((await activeSpecializations(tx)).map((o) => o.key));
    const unknown = input.specializations.filter((k) => !offered.has(k) && !current.specializations.includes(k));
    if (unknown.length) {
      throw new ValidationError({ specializations: [`Not on the vendor's list: ${unknown.join(", ")}.`] });
    }

    const next: Pick<typeof partners.$inferSelect, EditableField> = {
      name: input.name,
      website: input.website,
      phone: input.phone,
      description: input.description,
      addresses: input.addresses.map((a): PartnerAddressJson => ({
        label: a.label,
        street: a.street ?? "",
        city: a.city,
        postalCode: a.postalCode ?? "",
        region: a.region ?? "",
        country: a.country,
      })),
      territories: input.territories,
      specializations: input.specializations,
      contacts: input.contacts.map((c): PartnerContactJson => ({
        role: c.role,
        name: c.name,
        email: c.email,
        phone: c.phone ?? "",
      })),
      listedInLocator: input.listedInLocator,
    };
    const changed = editable.filter((f) => stableJson(current[f]) !== stableJson(next[f]));
    if (changed.length === 0) return { changed };

    await tx
      .update(partners)
      .set({ ...next, updatedAt: now })
      .where(scopeWhere(scopeOf(ctx.actor), asScoped, eq(partners.id, partnerId)));
    await recordAudit(tx, ctx.actor, {
      action: "partner.profile_updated",
      subjectType: "partner",
      subjectId: partnerId,
      partnerId,
      before: Object.fromEntries(changed.map((f) => [f, current[f]])),
      after: Object.fromEntries(changed.map((f) => [f, next[f]])),
    });
    return { changed };
  });
}

/** JSON with object keys sorted: jsonb gives keys back in its own order. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
