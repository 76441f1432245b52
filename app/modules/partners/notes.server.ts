import { eq } from "drizzle-orm";
import { z } from "zod";
import { partnerNotes, partners } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import { nowOf, type Ctx } from "~/modules/auth/actor";
import { ForbiddenError, NotFoundError, ValidationError } from "~/utils/errors.server";
import { requireVendor } from "./directory.server";

/**
 * The vendor's internal notes on a partner: written and read by vendor staff
 * only (the partner never sees them). The audit event records that a note was
 * added, not its text, so the note stays where it was written.
 */

export const NOTE_MAX = 5000;

const noteSchema = z.object({
  body: z
    .string({ required_error: "Write a note.", invalid_type_error: "Write a note." })
    .trim()
    .min(1, "Write a note.")
    .max(NOTE_MAX, `Use at most ${NOTE_MAX} characters.`),
});

export async function addPartnerNote(ctx: Ctx, partnerId: string, raw: unknown): Promise<{ id: string }> {
  requireVendor(ctx, "partners:read-all");
  const authorId = ctx.actor.userId;
  if (!authorId) throw new ForbiddenError("Notes are written by a signed-in colleague.");
  if (!z.string().uuid().safeParse(partnerId).success) throw new NotFoundError("Partner not found.");
  const parsed = noteSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(parsed.error.flatten().fieldErrors as Record<string, string[]>);
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const [partner] = await tx.select({ id: partners.id }).from(partners).where(eq(partners.id, partnerId));
    if (!partner) throw new NotFoundError("Partner not found.");
    const [note] = await tx
      .insert(partnerNotes)
      .values({ partnerId, authorId, body: parsed.data.body, createdAt: now })
      .returning({ id: partnerNotes.id });
    await recordAudit(tx, ctx.actor, {
      action: "partner.note_added",
      subjectType: "partner_note",
      subjectId: note!.id,
      partnerId,
      after: { length: parsed.data.body.length },
    });
    return { id: note!.id };
  });
}
