import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Db } from "~db/client";
import { mailMessages } from "~db/schema";
import { env } from "~/utils/env.server";
import { renderMail } from "./render.server";
import type { TemplateData, TemplateName } from "./templates";

export interface EnqueueInput<K extends TemplateName> {
  to: string;
  toName?: string | null;
  template: K;
  data: TemplateData[K];
  /** Unique per notification (e.g. `invitation:<id>`): a retried request never queues it twice. */
  dedupeKey: string;
  critical?: boolean;
  partnerId?: string | null;
  userId?: string | null;
}

/**
 * Queues a notification in the caller's transaction: it exists exactly when the
 * change that caused it commits. Returns the outbox row's id (the existing one
 * when the dedupe key was already queued).
 */
export async function enqueueMail<K extends TemplateName>(tx: Db, input: EnqueueInput<K>): Promise<string> {
  const rendered = await renderMail(input.template, input.data);
  const e = env();
  const inserted = await tx
    .insert(mailMessages)
    .values({
      messageId: `<${randomUUID()}@${e.MAIL_DOMAIN}>`,
      dedupeKey: input.dedupeKey,
      template: input.template,
      toAddress: input.to,
      toName: input.toName ?? null,
      fromAddress: e.MAIL_FROM,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      critical: input.critical ?? false,
      partnerId: input.partnerId ?? null,
      userId: input.userId ?? null,
    })
    .onConflictDoNothing({ target: mailMessages.dedupeKey })
    .returning({ id: mailMessages.id });
  if (inserted[0]) return inserted[0].id;
  const [existing] = await tx
    .select({ id: mailMessages.id })
    .from(mailMessages)
    .where(eq(mailMessages.dedupeKey, input.dedupeKey));
  return existing!.id;
}
