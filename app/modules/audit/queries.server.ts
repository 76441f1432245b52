import { count, desc, eq, gte, ilike, lt, type SQL } from "drizzle-orm";
import { z } from "zod";
import { auditEvents, partners } from "~db/schema";
import { scopeOf, type Ctx } from "~/modules/auth/actor";
import { scopeWhere } from "~/modules/partners/scope.server";
import { escapeLike } from "~/utils/sql.server";

export const AUDIT_PAGE_SIZE = 50;

export const auditFilterSchema = z.object({
  action: z.string().trim().max(80).optional().catch(undefined),
  actor: z.string().trim().max(120).optional().catch(undefined),
  partnerId: z.string().uuid().optional().catch(undefined),
  from: z.coerce.date().optional().catch(undefined),
  to: z.coerce.date().optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).default(1).catch(1),
});
export type AuditFilter = z.infer<typeof auditFilterSchema>;

/** Audit events newest first, filtered and paginated; partners see only their own. */
export async function listAuditEvents(ctx: Ctx, filter: AuditFilter) {
  const conds: (SQL | undefined)[] = [
    filter.action ? ilike(auditEvents.action, `${escapeLike(filter.action)}%`) : undefined,
    filter.actor ? ilike(auditEvents.actorLabel, `%${escapeLike(filter.actor)}%`) : undefined,
    filter.partnerId ? eq(auditEvents.partnerId, filter.partnerId) : undefined,
    filter.from ? gte(auditEvents.at, filter.from) : undefined,
    filter.to ? lt(auditEvents.at, filter.to) : undefined,
  ];
  const where = scopeWhere(scopeOf(ctx.actor), auditEvents, ...conds);
  const [total] = await ctx.db.select({ n: count() }).from(auditEvents).where(where);
  const rows = await ctx.db
    .select({
      id: auditEvents.id,
      at: auditEvents.at,
      actorLabel: auditEvents.actorLabel,
      action: auditEvents.action,
      subjectType: auditEvents.subjectType,
      subjectId: auditEvents.subjectId,
      partnerName: partners.name,
      before: auditEvents.before,
      after: auditEvents.after,
      ip: auditEvents.ip,
    })
    .from(auditEvents)
    .leftJoin(partners, eq(partners.id, auditEvents.partnerId))
    .where(where)
    .orderBy(desc(auditEvents.at), desc(auditEvents.id))
    .limit(AUDIT_PAGE_SIZE)
    .offset((filter.page - 1) * AUDIT_PAGE_SIZE);
  return { rows, total: total?.n ?? 0, page: filter.page, pageSize: AUDIT_PAGE_SIZE };
}

export async function auditActions(ctx: Ctx): Promise<string[]> {
  const rows = await ctx.db
    .selectDistinct({ action: auditEvents.action })
    .from(auditEvents)
    .where(scopeWhere(scopeOf(ctx.actor), auditEvents))
    .orderBy(auditEvents.action);
  return rows.map((r) => r.action);
}

