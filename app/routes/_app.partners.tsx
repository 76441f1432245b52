import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { EmptyState } from "~/components/ui";
import { listPartners } from "~/modules/partners/queries.server";
import { requirePermission } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Partners · Channel Partner Portal" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { ctx } = await requirePermission(request, "partners:read-all");
  return { partners: await listPartners(ctx) };
}

const countryNames = new Intl.DisplayNames(["en"], { type: "region" });

export default function Partners() {
  const { partners } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Partners</h1>
      {partners.length === 0 ? (
        <EmptyState title="No partners yet">Approved applications will appear here.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Partner</th>
                <th>Country</th>
                <th>Tier</th>
                <th>Status</th>
                <th>People</th>
              </tr>
            </thead>
            <tbody>
              {partners.map((p) => (
                <tr key={p.id}>
                  <td>
                    {p.name}
                    <div className="muted">{p.primaryDomain}</div>
                  </td>
                  <td>{countryNames.of(p.country) ?? p.country}</td>
                  <td>
                    <span className={`badge ${p.tier}`}>{p.tier}</span>
                  </td>
                  <td>{p.status}</td>
                  <td>{p.people}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
