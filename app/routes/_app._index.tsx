import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { dashboardFigures } from "~/modules/partners/queries.server";
import { getDb } from "~/utils/db.server";
import { can, isVendorRole } from "~/utils/permissions";
import { actorOf, requireUser } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Dashboard · Channel Partner Portal" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const figures = await dashboardFigures({ db: await getDb(), actor: actorOf(user) });
  return {
    name: user.name,
    partnerName: user.partnerName,
    vendor: isVendorRole(user.role),
    canManageTeam: can(user.role, "team:manage"),
    figures,
  };
}

export default function Dashboard() {
  const { name, partnerName, vendor, canManageTeam, figures } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Welcome, {name}</h1>
      <p className="muted">{vendor ? "The vendor's channel at a glance." : `Your workspace at ${partnerName}.`}</p>
      <div className="grid">
        {vendor ? (
          <div className="card">
            <div className="stat">{figures.partners}</div>
            <Link to="/directory">Partners</Link>
          </div>
        ) : null}
        <div className="card">
          <div className="stat">{figures.people}</div>
          {vendor ? "People with an account" : <Link to="/team">People in your team</Link>}
        </div>
        <div className="card">
          <div className="stat">0</div>
          <Link to="/leads">Open leads</Link>
        </div>
        <div className="card">
          <div className="stat">0</div>
          <Link to="/deals">Registered deals</Link>
        </div>
      </div>
      {canManageTeam ? (
        <div className="card">
          <h2>Next steps</h2>
          <p>
            <Link to="/team">Invite your colleagues</Link> so they can work leads, register deals and take training.
          </p>
        </div>
      ) : null}
    </>
  );
}
