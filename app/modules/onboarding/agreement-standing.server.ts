import { and, desc, eq, lte } from "drizzle-orm";
import type { Db } from "~db/client";
import { agreements, partners } from "~db/schema";

const DAY_MS = 86_400_000;

export interface CurrentAgreement {
  id: string;
  version: number;
  title: string;
  effectiveAt: Date;
  graceDays: number;
}

/**
 * Where a partner stands with the programme agreement:
 * - `none`: no agreement is published yet; nothing to accept.
 * - `ok`: the current version (or a later one) is accepted.
 * - `grace`: an earlier version is accepted; the current one must be accepted by `deadline`.
 * - `required`: never accepted (a new partner), or the grace period is over: the portal shows only the agreement.
 */
export type AgreementStanding =
  | { state: "none" }
  | { state: "ok"; current: CurrentAgreement; acceptedVersion: number }
  | { state: "grace"; current: CurrentAgreement; acceptedVersion: number; deadline: Date }
  | { state: "required"; current: CurrentAgreement; acceptedVersion: number | null; deadline: Date | null };

/** The version in force at `now`: the highest whose effective date has passed. */
export async function currentAgreement(db: Db, now: Date): Promise<CurrentAgreement | null> {
  const [row] = await db
    .select({
      id: agreements.id,
      version: agreements.version,
      title: agreements.title,
      effectiveAt: agreements.effectiveAt,
      graceDays: agreements.graceDays,
    })
    .from(agreements)
    .where(lte(agreements.effectiveAt, now))
    .orderBy(desc(agreements.version))
    .limit(1);
  return row ?? null;
}

/** The pure rule, given the current version and the partner's last accepted version. */
export function standingOf(
  current: CurrentAgreement | null,
  acceptedVersion: number | null,
  now: Date,
): AgreementStanding {
  if (!current) return { state: "none" };
  if (acceptedVersion !== null && acceptedVersion >= current.version) {
    return { state: "ok", current, acceptedVersion };
  }
  if (acceptedVersion === null) return { state: "required", current, acceptedVersion, deadline: null };
  const deadline = acceptanceDeadline(current);
  if (now.getTime() < deadline.getTime()) return { state: "grace", current, acceptedVersion, deadline };
  return { state: "required", current, acceptedVersion, deadline };
}

export function acceptanceDeadline(a: Pick<CurrentAgreement, "effectiveAt" | "graceDays">): Date {
  return new Date(a.effectiveAt.getTime() + a.graceDays * DAY_MS);
}

/** Sequential on purpose: callers pass a transaction too, and one connection runs one query at a time. */
export async function agreementStanding(db: Db, partnerId: string, now: Date): Promise<AgreementStanding> {
  const current = await currentAgreement(db, now);
  const [partner] = await db
    .select({ agreementVersion: partners.agreementVersion })
    .from(partners)
    .where(and(eq(partners.id, partnerId)));
  return standingOf(current, partner?.agreementVersion ?? null, now);
}
