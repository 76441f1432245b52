import { and, count, desc, eq, exists, ilike, or } from "drizzle-orm";
import { z } from "zod";
import { mailAttempts, mailMessages, mailRecipients, mailStatus } from "~db/schema";
import type { Ctx } from "~/modules/auth/actor";
import { NotFoundError } from "~/utils/errors.server";
import { escapeLike } from "~/utils/sql.server";
import { renderedMessage } from "./render.server";

export const MAIL_PAGE_SIZE = 50;
export const mailStatuses = mailStatus.enumValues;

/** The outbox for vendor admins (a vendor-wide read): newest first, searchable by recipient or Message-ID. */
export async function listMail(ctx: Ctx, opts: { q?: string; status?: (typeof mailStatuses)[number]; page: number }) {
  const q = opts.q?.trim() ? escapeLike(opts.q.trim()) : undefined;
  const byRecipient = ctx.db
    .select({ id: mailRecipients.id })
    .from(mailRecipients)
    .where(and(eq(mailRecipients.mailId, mailMessages.id), ilike(mailRecipients.address, `%${q}%`)));
  const where = and(
    q ? or(exists(byRecipient), ilike(mailMessages.messageId, `%${q}%`)) : undefined,
    opts.status ? eq(mailMessages.status, opts.status) : undefined,
  );
  const [total] = await ctx.db.select({ n: count() }).from(mailMessages).where(where);
  const rows = await ctx.db
    .select({
      id: mailMessages.id,
      messageId: mailMessages.messageId,
      toAddress: mailMessages.toAddress,
      subject: mailMessages.subject,
      status: mailMessages.status,
      attemptCount: mailMessages.attemptCount,
      createdAt: mailMessages.createdAt,
      sentAt: mailMessages.sentAt,
      lastError: mailMessages.lastError,
    })
    .from(mailMessages)
    .where(where)
    .orderBy(desc(mailMessages.createdAt), desc(mailMessages.id))
    .limit(MAIL_PAGE_SIZE)
    .offset((opts.page - 1) * MAIL_PAGE_SIZE);
  return { rows, total: total?.n ?? 0, page: opts.page, pageSize: MAIL_PAGE_SIZE };
}

export async function getMail(ctx: Ctx, id: string) {
  if (!z.string().uuid().safeParse(id).success) throw new NotFoundError("Message not found.");
  const [message] = await ctx.db.select().from(mailMessages).where(eq(mailMessages.id, id));
  if (!message) throw new NotFoundError("Message not found.");
  const attempts = await ctx.db.select().from(mailAttempts).where(eq(mailAttempts.mailId, id)).orderBy(mailAttempts.at);
  const recipients = await ctx.db.select().from(mailRecipients).where(eq(mailRecipients.mailId, id)).orderBy(mailRecipients.address);
  return { message: await renderedMessage(ctx.db, message, { store: false }), attempts, recipients };
}
