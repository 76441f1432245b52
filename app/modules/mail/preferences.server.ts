import { and, eq, notInArray } from "drizzle-orm";
import { z } from "zod";
import { mailOptOuts } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import type { Ctx } from "~/modules/auth/actor";
import { ValidationError } from "~/utils/errors.server";
import { templates, type TemplateName } from "./templates";

const templateNames = Object.keys(templates) as TemplateName[];

/** Every notification with whether the signed-in user receives it; security mails are always on. */
export async function listPreferences(ctx: Ctx) {
  const userId = ctx.actor.userId!;
  const off = await ctx.db.select({ template: mailOptOuts.template }).from(mailOptOuts).where(eq(mailOptOuts.userId, userId));
  const offSet = new Set(off.map((o) => o.template));
  return templateNames.map((name) => ({
    name,
    label: templates[name].label,
    security: templates[name].security,
    enabled: templates[name].security || !offSet.has(name),
  }));
}

export const preferencesSchema = z.object({ enabled: z.array(z.string()).default([]) });

/** Saves which notifications the user receives; a security mail cannot be turned off. */
export async function savePreferences(ctx: Ctx, raw: unknown) {
  const parsed = preferencesSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError({ enabled: ["Choose from the list."] });
  const unknown = parsed.data.enabled.filter((t) => !templateNames.includes(t as TemplateName));
  if (unknown.length) throw new ValidationError({ enabled: ["Choose from the list."] });
  const userId = ctx.actor.userId!;
  const off = templateNames.filter((t) => !templates[t].security && !parsed.data.enabled.includes(t));
  await ctx.db.transaction(async (tx) => {
    await tx
      .delete(mailOptOuts)
      .where(and(eq(mailOptOuts.userId, userId), off.length ? notInArray(mailOptOuts.template, off) : undefined));
    if (off.length) {
      await tx.insert(mailOptOuts).values(off.map((template) => ({ userId, template }))).onConflictDoNothing();
    }
    await recordAudit(tx, ctx.actor, {
      action: "user.notifications_changed",
      subjectType: "user",
      subjectId: userId,
      partnerId: ctx.actor.partnerId,
      after: { off },
    });
  });
}
