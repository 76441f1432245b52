import { asc, eq } from "drizzle-orm";
import type { Db } from "~db/client";
import { routingDecisions, routingExplanations, type RoutingCandidateJson } from "~db/schema";

export type RoutingDecisionRecord = typeof routingDecisions.$inferSelect & { candidates: RoutingCandidateJson[] };

/**
 * A lead's routing decisions, oldest first, each with its candidates (stored
 * once per distinct list in routing_explanations). Vendor-only data: the
 * callers check access.
 */
export async function routingDecisionsOf(db: Db, leadId: string): Promise<RoutingDecisionRecord[]> {
  const rows = await db
    .select({ decision: routingDecisions, candidates: routingExplanations.candidates })
    .from(routingDecisions)
    .innerJoin(routingExplanations, eq(routingExplanations.hash, routingDecisions.explanationHash))
    .where(eq(routingDecisions.leadId, leadId))
    .orderBy(asc(routingDecisions.at), asc(routingDecisions.id));
  return rows.map((r) => ({ ...r.decision, candidates: r.candidates }));
}
