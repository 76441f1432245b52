import { count, desc, eq, ilike, or } from "drizzle-orm";
import { z } from "zod";
import { mailAttempts, mailMessages } from "~db/schema";
import type { Ctx } from "~/modules/auth/actor";
import { NotFoundError } from "~/utils/errors.server";

export const MAIL_PAGE_SIZE = 50;

/** The outbox for vendor admins (a vendor-wide read): newest first, searchable by recipient or Message-ID. */
export async function listMail(ctx: Ctx, opts: { q?: string; page: number }) {
  const q = opts.q?.trim().replace(/[%_]/g, "");
  const where = q ? or(ilike(mailMessages.toAddress, `%${q}%`), ilike(mailMessages.messageId, `%${q}%`)) : undefined;
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
  return { message, attempts };
}
