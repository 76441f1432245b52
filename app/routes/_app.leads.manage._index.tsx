import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { LeadBoard, type BulkRouteResult } from "~/components/lead-board";
import { leadBoard, leadRefs, parseBoardFilter } from "~/modules/leads/board.server";
import { routeLeads } from "~/modules/leads/route.server";
import { DomainError } from "~/utils/errors.server";
import { can } from "~/utils/permissions";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Lead board · Channel Partner Portal" }];

/** The vendor's lead board: figures, filters, the list; vendor staff with leads:distribute only. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, ctx } = await requirePermission(request, "leads:distribute", context.ip);
  const filter = parseBoardFilter(new URL(request.url).searchParams);
  return { board: await leadBoard(ctx, filter), canConfigure: can(user.role, "routing:configure") };
}

const bulkSchema = z.object({
  leadIds: z
    .array(z.string().uuid("Select leads from the list."))
    .min(1, "Select at least one lead.")
    .max(500, "Route at most 500 leads at a time."),
});

type ActionResult = { bulk?: BulkRouteResult; error?: string };

/** "Route selected": the checked leads through the routing engine (bulk mode). */
export async function action({ request, context }: ActionFunctionArgs) {
  const { ctx } = await requirePermission(request, "leads:distribute", context.ip);
  const form = await request.formData();
  if (form.get("intent") !== "route") return data<ActionResult>({ error: "Unknown action." }, { status: 400 });
  const parsed = bulkSchema.safeParse({ leadIds: form.getAll("leadId").map(String) });
  if (!parsed.success) {
    return data<ActionResult>({ error: parsed.error.issues[0]?.message ?? "Select leads." }, { status: 400 });
  }
  try {
    const result = await routeLeads(ctx, [...new Set(parsed.data.leadIds)], { mode: "bulk" });
    const refs = await leadRefs(
      ctx,
      result.outcomes.filter((o) => o.kind === "skipped").map((o) => o.leadId),
    );
    return data<ActionResult>({
      bulk: {
        offered: result.offered,
        noPartner: result.noPartner,
        skipped: result.skipped,
        skippedReasons: result.outcomes.flatMap((o) =>
          o.kind === "skipped" ? [{ ref: refs.get(o.leadId) ?? o.leadId, reason: o.reason }] : [],
        ),
      },
    });
  } catch (err) {
    if (err instanceof DomainError) return data<ActionResult>({ error: err.message }, { status: err.status });
    throw err;
  }
}

export default function LeadBoardPage() {
  const { board, canConfigure } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionResult | undefined;
  return <LeadBoard data={board} canConfigure={canConfigure} bulk={actionData?.bulk} bulkError={actionData?.error} />;
}
