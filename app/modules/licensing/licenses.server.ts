/**
 * After the sale: the partner asks for its keys again; a vendor license
 * admin revokes a license with a reason.
 */
import { randomUUID } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~db/client";
import { licenseOrders, licenses } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import { scopeOf, type Actor } from "~/modules/auth/actor";
import { scopeWhere } from "~/modules/partners/scope.server";
import { NotFoundError, RuleError, ValidationError } from "~/utils/errors.server";
import { fieldErrorsOf } from "~/utils/field-errors";
import { assertId, assertLicenseAdmin, assertOrderer, licenseUrl } from "./access.server";
import { notifyPartner, queueKeyMails, type KeyMailTarget } from "./fulfill.server";
import { revokeSchema } from "./schemas";

const resendSchema = z.object({
  to: z.enum(["partner", "customer", "both"]).default("both"),
  /** The form's submission id (or the API's Idempotency-Key): a retried request sends once. */
  requestId: z.string().trim().min(1).max(200).optional(),
});

/**
 * Sends a fulfilled order's active keys again (the partner's own order), or
 * only the key of `licenseId` (one of the order's), to the partner's people,
 * the end customer's technical contact or both. Each request is its own mail
 * (dedupe key `license-keys:<order>:<target>:resend:<request id>`); the same
 * request id never sends twice. Returns how many mails were queued.
 */
export async function resendKeys(
  db: Db,
  args: { actor: Actor; orderId: string; licenseId?: string; input?: unknown },
): Promise<{ queued: number; requestId: string }> {
  const partnerId = assertOrderer(args.actor);
  assertId(args.orderId, "Order");
  if (args.licenseId !== undefined) assertId(args.licenseId, "License");
  const parsed = resendSchema.safeParse(args.input ?? {});
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const requestId = parsed.data.requestId ?? randomUUID();
  const targets: KeyMailTarget[] = parsed.data.to === "both" ? ["partner", "customer"] : [parsed.data.to];
  return db.transaction(async (tx) => {
    const [order] = await tx
      .select()
      .from(licenseOrders)
      .where(scopeWhere(scopeOf(args.actor), licenseOrders, eq(licenseOrders.id, args.orderId)));
    if (!order) throw new NotFoundError("Order not found.");
    if (order.status !== "fulfilled") throw new RuleError("Keys are sent once the order is paid and fulfilled.");
    const queued = await queueKeyMails(tx, order, { kind: "resend", requestId, targets, licenseId: args.licenseId });
    if (queued === 0) {
      throw new RuleError(
        args.licenseId
          ? "This license is not active: its key is not sent."
          : "This order has no active license to send.",
      );
    }
    await recordAudit(tx, args.actor, {
      action: "license.keys_resent",
      subjectType: "license_order",
      subjectId: order.id,
      partnerId,
      after: { to: parsed.data.to, requestId, ...(args.licenseId ? { licenseId: args.licenseId } : {}) },
    });
    return { queued, requestId };
  });
}

/**
 * A vendor license admin revokes a license (active or expired) with a
 * reason: audited, and the partner's people are told. The key keeps
 * verifying offline until its expiry; the online check says revoked.
 */
export async function revokeLicense(
  db: Db,
  args: { actor: Actor; licenseId: string; input: unknown; now?: Date },
): Promise<{ id: string; status: "revoked" }> {
  assertLicenseAdmin(args.actor);
  assertId(args.licenseId, "License");
  const parsed = revokeSchema.safeParse(args.input);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const { reason } = parsed.data;
  const now = args.now ?? new Date();
  return db.transaction(async (tx) => {
    const [license] = await tx
      .select()
      .from(licenses)
      .where(scopeWhere(scopeOf(args.actor), licenses, eq(licenses.id, args.licenseId)))
      .for("update");
    if (!license) throw new NotFoundError("License not found.");
    if (license.status === "revoked") throw new RuleError("This license is revoked already.");
    await tx
      .update(licenses)
      .set({ status: "revoked", revokedAt: now, revokedBy: args.actor.userId, revokedReason: reason })
      .where(and(eq(licenses.id, license.id), inArray(licenses.status, ["active", "expired"])));
    await recordAudit(tx, args.actor, {
      action: "license.revoked",
      subjectType: "license",
      subjectId: license.id,
      partnerId: license.partnerId,
      before: { status: license.status },
      after: { status: "revoked", reason },
    });
    const [order] = await tx
      .select({ orderedBy: licenseOrders.orderedBy })
      .from(licenseOrders)
      .where(eq(licenseOrders.id, license.orderId));
    await notifyPartner(tx, {
      partnerId: license.partnerId,
      orderedBy: order?.orderedBy ?? null,
      customerCompany: license.customerCompany,
      headline: "a license was revoked by the vendor",
      message: `Reason: ${reason}\n\nThe key stops passing the online license check.`,
      url: licenseUrl(license.id),
      dedupeKey: `license-revoked:${license.id}`,
      critical: true,
    });
    return { id: license.id, status: "revoked" as const };
  });
}
