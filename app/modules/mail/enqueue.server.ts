import { randomUUID } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "~db/client";
import { mailMessages, mailOptOuts, mailRecipients } from "~db/schema";
import { env } from "~/utils/env.server";
import { renderMail } from "./render.server";
import { templates, type TemplateData, type TemplateName } from "./templates";
import type { Recipient } from "./transports.server";

export interface EnqueueInput<K extends TemplateName> {
  /** One address (named by toName), or several recipients delivered one by one. */
  to: string | Recipient[];
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
 * when the dedupe key was already queued), or null when the recipient user
 * turned this notification off (security mails cannot be turned off).
 */
export async function enqueueMail<K extends TemplateName>(tx: Db, input: EnqueueInput<K>): Promise<string | null> {
  if (input.userId && !templates[input.template].security) {
    const [optOut] = await tx
      .select({ userId: mailOptOuts.userId })
      .from(mailOptOuts)
      .where(and(eq(mailOptOuts.userId, input.userId), eq(mailOptOuts.template, input.template)));
    if (optOut) return null;
  }
  const recipients: Recipient[] =
    typeof input.to === "string" ? [{ address: input.to, name: input.toName ?? null }] : input.to;
  if (recipients.length === 0) throw new Error("enqueueMail: no recipients");
  const rendered = await renderMail(input.template, input.data);
  const e = env();
  const inserted = await tx
    .insert(mailMessages)
    .values({
      messageId: `<${randomUUID()}@${e.MAIL_DOMAIN}>`,
      dedupeKey: input.dedupeKey,
      template: input.template,
      toAddress: recipients[0]!.address,
      toName: recipients[0]!.name,
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
  if (inserted[0]) {
    await tx
      .insert(mailRecipients)
      .values(recipients.map((r) => ({ mailId: inserted[0]!.id, address: r.address, name: r.name })));
    return inserted[0].id;
  }
  const [existing] = await tx
    .select({ id: mailMessages.id })
    .from(mailMessages)
    .where(eq(mailMessages.dedupeKey, input.dedupeKey));
  return existing!.id;
}

/** Which of these dedupe keys are already in the outbox (a job skips rendering mails it queued before). */
export async function queuedDedupeKeys(db: Db, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db
    .select({ key: mailMessages.dedupeKey })
    .from(mailMessages)
    .where(inArray(mailMessages.dedupeKey, keys));
  return new Set(rows.map((r) => r.key));
}
