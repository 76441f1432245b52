import { partnerAdmins } from "./admins.server";
import { and, eq, inArray, isNull } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~db/client";
import { invitations, partners, sessions, users, type Partner } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import { nowOf, type Ctx } from "~/modules/auth/actor";
import { enqueueMail } from "~/modules/mail/enqueue.server";
import { NotFoundError, RuleError, ValidationError } from "~/utils/errors.server";
import { requireVendor } from "./directory.server";

/**
 * Suspension, reinstatement and termination of a partner (vendor admins).
 *
 * The change is one conditional UPDATE (… WHERE status IN (allowed)), so of two
 * admins acting at the same moment exactly one wins; the other is told the
 * partner's status has changed. In the same transaction: the partner's
 * sessions end (sign-in and API keys are refused by sign-in.server.ts and
 * authenticateApiKey while suspended or terminated), the audit event is
 * written and the partner admins' mail is queued.
 */

type PartnerStatus = Partner["status"];
export type StatusChange = "suspend" | "reinstate" | "terminate";

const REASON_MAX = 2000;
const reasonRequired = z.object({
  reason: z
    .string({ required_error: "Give a reason.", invalid_type_error: "Give a reason." })
    .trim()
    .min(1, "Give a reason.")
    .max(REASON_MAX, `Use at most ${REASON_MAX} characters.`),
});
const reasonOptional = z.object({
  reason: z
    .string({ invalid_type_error: "Give the reason as text." })
    .trim()
    .max(REASON_MAX, `Use at most ${REASON_MAX} characters.`)
    .optional(),
});

const rules: Record<
  StatusChange,
  {
    from: PartnerStatus[];
    action: string;
    mailStatus: "suspended" | "reinstated" | "terminated";
    schema: typeof reasonRequired | typeof reasonOptional;
    endSessions: boolean;
  }
> = {
  suspend: {
    from: ["active", "approved"],
    action: "partner.suspended",
    mailStatus: "suspended",
    schema: reasonRequired,
    endSessions: true,
  },
  reinstate: {
    from: ["suspended"],
    action: "partner.reinstated",
    mailStatus: "reinstated",
    schema: reasonOptional,
    endSessions: false,
  },
  terminate: {
    from: ["applied", "approved", "active", "suspended"],
    action: "partner.terminated",
    mailStatus: "terminated",
    schema: reasonRequired,
    endSessions: true,
  },
};

/** Why `change` is not possible from `status`, in words for the admin. */
function refusal(change: StatusChange, status: PartnerStatus): string {
  if (status === "terminated") {
    return change === "reinstate"
      ? "A terminated partner cannot be reinstated."
      : "This partner is already terminated; it is kept for history and cannot change any more.";
  }
  if (change === "suspend" && status === "suspended") return "This partner is already suspended.";
  if (change === "reinstate") return `Only a suspended partner can be reinstated; this one is ${status}.`;
  return `A partner that is ${status} cannot be suspended.`;
}

export interface StatusChangeResult {
  status: PartnerStatus;
  sessionsEnded: number;
  /** The outbox row of the mail to the partner admins, or null when the partner has no active admin. */
  mailId: string | null;
}

export function suspendPartner(ctx: Ctx, partnerId: string, raw: unknown): Promise<StatusChangeResult> {
  return changeStatus(ctx, partnerId, "suspend", raw);
}

/** Back to active, or to approved when the partner never accepted an agreement. */
export function reinstatePartner(ctx: Ctx, partnerId: string, raw: unknown): Promise<StatusChangeResult> {
  return changeStatus(ctx, partnerId, "reinstate", raw);
}

/** The end of the partnership: kept for history, never deleted, never reinstated. */
export function terminatePartner(ctx: Ctx, partnerId: string, raw: unknown): Promise<StatusChangeResult> {
  return changeStatus(ctx, partnerId, "terminate", raw);
}

async function changeStatus(
  ctx: Ctx,
  partnerId: string,
  change: StatusChange,
  raw: unknown,
): Promise<StatusChangeResult> {
  requireVendor(ctx, "partners:manage");
  if (!z.string().uuid().safeParse(partnerId).success) throw new NotFoundError("Partner not found.");
  const rule = rules[change];
  const parsed = rule.schema.safeParse(raw ?? {});
  if (!parsed.success) throw new ValidationError(parsed.error.flatten().fieldErrors as Record<string, string[]>);
  const reason = parsed.data.reason || null;
  const now = nowOf(ctx);

  return ctx.db.transaction(async (tx) => {
    const [before] = await tx
      .select({
        id: partners.id,
        name: partners.name,
        status: partners.status,
        statusReason: partners.statusReason,
        agreementVersion: partners.agreementVersion,
      })
      .from(partners)
      .where(eq(partners.id, partnerId));
    if (!before) throw new NotFoundError("Partner not found.");
    if (!rule.from.includes(before.status)) throw new RuleError(refusal(change, before.status));

    const target: PartnerStatus =
      change === "suspend"
        ? "suspended"
        : change === "terminate"
          ? "terminated"
          : before.agreementVersion === null
            ? "approved"
            : "active";
    // The guard against a concurrent change: only a row still in an allowed status is updated.
    const [updated] = await tx
      .update(partners)
      .set({ status: target, statusReason: reason, statusChangedAt: now, updatedAt: now })
      .where(and(eq(partners.id, partnerId), inArray(partners.status, rule.from)))
      .returning({ status: partners.status });
    if (!updated) {
      const [latest] = await tx.select({ status: partners.status }).from(partners).where(eq(partners.id, partnerId));
      throw new RuleError(refusal(change, latest?.status ?? before.status));
    }

    const sessionsEnded = rule.endSessions ? await endPartnerSessions(tx, partnerId) : 0;
    const invitationsRevoked = change === "terminate" ? await revokeOpenInvitations(tx, partnerId, now) : 0;

    await recordAudit(tx, ctx.actor, {
      action: rule.action,
      subjectType: "partner",
      subjectId: partnerId,
      partnerId,
      before: { status: before.status, statusReason: before.statusReason },
      after: {
        status: target,
        statusReason: reason,
        ...(rule.endSessions ? { sessionsEnded } : {}),
        ...(change === "terminate" ? { invitationsRevoked } : {}),
      },
    });

    const admins = (await partnerAdmins(tx, [partnerId])).get(partnerId) ?? [];
    const mailId = admins.length
      ? await enqueueMail(tx, {
          to: admins,
          template: "partner-status-changed",
          data: { partnerName: before.name, status: rule.mailStatus, reason: reason ?? "" },
          // One per change: a later suspension of the same partner is mailed again.
          dedupeKey: `partner-status:${partnerId}:${rule.mailStatus}:${now.toISOString()}`,
          partnerId,
        })
      : null;

    return { status: target, sessionsEnded, mailId };
  });
}

/** Every session of the partner's users, in the caller's transaction. Returns how many ended. */
async function endPartnerSessions(tx: Db, partnerId: string): Promise<number> {
  const ended = await tx
    .delete(sessions)
    .where(inArray(sessions.userId, tx.select({ id: users.id }).from(users).where(eq(users.partnerId, partnerId))))
    .returning({ id: sessions.id });
  return ended.length;
}

/** A terminated partner takes on nobody new: its open invitations stop working. */
async function revokeOpenInvitations(tx: Db, partnerId: string, now: Date): Promise<number> {
  const revoked = await tx
    .update(invitations)
    .set({ revokedAt: now })
    .where(and(eq(invitations.partnerId, partnerId), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)))
    .returning({ id: invitations.id });
  return revoked.length;
}
