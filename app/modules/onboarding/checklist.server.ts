import { count, eq } from "drizzle-orm";
import { deals, enrollments, invitations, partners, users } from "~db/schema";
import { scopeOf, type Ctx } from "~/modules/auth/actor";
import { profileMissing } from "~/modules/partners/profile-schemas";
import { scopeWhere } from "~/modules/partners/scope.server";

/**
 * The partner's onboarding checklist. Every step ticks itself from real data;
 * steps whose area has not shipped yet (deals) are listed as not
 * available rather than faked, and do not count towards the progress.
 */

export type ChecklistStepKey = "agreement" | "profile" | "colleague" | "course" | "deal";

export interface ChecklistStep {
  key: ChecklistStepKey;
  label: string;
  done: boolean;
  available: boolean;
  /** Where the step is done. */
  href: string;
  /** A short explanation: what is missing, or why the step is not available yet. */
  detail: string | null;
}

export interface Checklist {
  steps: ChecklistStep[];
  /** Done steps among the available ones. */
  done: number;
  /** Available steps. */
  total: number;
  complete: boolean;
}

/** The checklist of the actor's own partner; null for vendor staff (they have none). */
export async function onboardingChecklist(ctx: Ctx): Promise<Checklist | null> {
  const partnerId = ctx.actor.partnerId;
  if (!partnerId) return null;
  const scope = scopeOf(ctx.actor);
  const [partner] = await ctx.db
    .select({
      agreementVersion: partners.agreementVersion,
      description: partners.description,
      addresses: partners.addresses,
      territories: partners.territories,
      specializations: partners.specializations,
      contacts: partners.contacts,
    })
    .from(partners)
    .where(scopeWhere(scope, { partnerId: partners.id }, eq(partners.id, partnerId)));
  if (!partner) return null;
  const [[invited], [people], [started], [registered]] = await Promise.all([
    // Invitations sent by the partner's own people: the vendor's invitation of the first admin does not count.
    ctx.db
      .select({ n: count() })
      .from(invitations)
      .innerJoin(users, eq(users.id, invitations.invitedBy))
      .where(scopeWhere(scope, invitations, eq(users.partnerId, partnerId))),
    ctx.db.select({ n: count() }).from(users).where(scopeWhere(scope, users)),
    // Any enrollment of any of the partner's people: a first course started.
    ctx.db.select({ n: count() }).from(enrollments).where(scopeWhere(scope, enrollments)),
    // Any registration, whatever became of it: a first deal registered.
    ctx.db.select({ n: count() }).from(deals).where(scopeWhere(scope, deals)),
  ]);

  const missing = profileMissing(partner);
  const steps: ChecklistStep[] = [
    {
      key: "agreement",
      label: "Accept the programme agreement",
      done: partner.agreementVersion !== null,
      available: true,
      href: "/agreement",
      detail: null,
    },
    {
      key: "profile",
      label: "Complete the company profile",
      done: missing.length === 0,
      available: true,
      href: "/profile",
      detail: missing.length ? `Still missing: ${missing.join(", ")}.` : null,
    },
    {
      key: "colleague",
      label: "Invite a first colleague",
      done: (invited?.n ?? 0) > 0 || (people?.n ?? 0) > 1,
      available: true,
      href: "/team",
      detail: null,
    },
    {
      key: "course",
      label: "Start a first course",
      done: (started?.n ?? 0) > 0,
      available: true,
      href: "/training",
      detail: null,
    },
    {
      key: "deal",
      label: "Register a first deal",
      done: (registered?.n ?? 0) > 0,
      available: true,
      href: "/deals/new",
      detail: null,
    },
  ];
  const available = steps.filter((s) => s.available);
  const done = available.filter((s) => s.done).length;
  return { steps, done, total: available.length, complete: done === available.length };
}
