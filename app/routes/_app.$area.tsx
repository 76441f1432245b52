import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { EmptyState } from "~/components/ui";
import { requireUser } from "~/utils/session.server";

/**
 * Areas whose capability has not shipped yet show an empty state; each is
 * replaced by its own route as it lands. Any other path is a 404.
 */
const upcoming: Record<string, { title: string; what: string }> = {};

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? "Not found"} · Channel Partner Portal` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request);
  const area = upcoming[params.area ?? ""];
  if (!area) throw new Response("Not found", { status: 404 });
  return area;
}

export default function UpcomingArea() {
  const { title, what } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>{title}</h1>
      <EmptyState title="Nothing here yet">
        <p>{what}</p>
      </EmptyState>
    </>
  );
}
