/**
 * Who may do what in license fulfillment, the actors named by Stripe and the
 * jobs, and the portal addresses the mails link to (one place, so the pages
 * and the mails agree).
 */
import { z } from "zod";
import type { Actor } from "~/modules/auth/actor";
import { appUrl } from "~/utils/env.server";
import { ForbiddenError, NotFoundError } from "~/utils/errors.server";
import { can } from "~/utils/permissions";

/** Ordering: partner people with licenses:order (partner admins and users, partner API keys acting for them). */
export function assertOrderer(actor: Actor): string {
  if (!actor.partnerId || !can(actor.role, "licenses:order")) {
    throw new ForbiddenError("Only a partner's people order licenses.");
  }
  return actor.partnerId;
}

/** Payments by invoice, revocations, exchange rates and the vendor's views: vendor admins (licenses:manage-all). */
export function assertLicenseAdmin(actor: Actor): void {
  if (actor.partnerId || !can(actor.role, "licenses:manage-all")) throw new ForbiddenError();
}

/** Products, prices and tier discounts: vendor admins (catalog:manage). */
export function assertCatalogAdmin(actor: Actor): void {
  if (actor.partnerId || !can(actor.role, "catalog:manage")) throw new ForbiddenError();
}

/** Reading orders and licenses: the partner's own people, or the vendor's license admins (every partner). */
export function assertReader(actor: Actor): void {
  if (actor.partnerId) {
    if (!can(actor.role, "licenses:order")) throw new ForbiddenError();
    return;
  }
  assertLicenseAdmin(actor);
}

const uuid = z.string().uuid();
/** A malformed id is a row that does not exist (404), never a database error. */
export function assertId(id: string, what: string): void {
  if (!uuid.safeParse(id).success) throw new NotFoundError(`${what} not found.`);
}
export function isUuid(id: unknown): id is string {
  return typeof id === "string" && uuid.safeParse(id).success;
}

/** Stripe's webhook, as the audit trail names it. */
export const STRIPE_ACTOR: Pick<Actor, "userId" | "label" | "ip"> = { userId: null, label: "stripe-webhook", ip: null };
/** The renewal reminder and expiry job. */
export const LICENSE_JOB_ACTOR: Pick<Actor, "userId" | "label" | "ip"> = {
  userId: null,
  label: "license-renewals",
  ip: null,
};

export const orderUrl = (orderId: string) => `${appUrl()}/orders/${orderId}`;
export const licenseUrl = (licenseId: string) => `${appUrl()}/licenses/${licenseId}`;
export const renewUrl = (licenseId: string) => `${appUrl()}/orders/new?renew=${licenseId}`;
/** The public page that checks a key offline (and says that revocation needs the online check). */
export const verifyPageUrl = () => `${appUrl()}/verify-license`;
