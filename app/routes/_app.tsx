import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, NavLink, Outlet, useLoaderData } from "@remix-run/react";
import { useState } from "react";
import { navFor } from "~/components/nav";
import { formatDate } from "~/components/ui";
import { stuckCriticalCount } from "~/modules/mail/admin.server";
import { deliverySettings } from "~/modules/mail/config.server";
import { getDb } from "~/utils/db.server";
import { env } from "~/utils/env.server";
import { can, roleLabels } from "~/utils/permissions";
import { agreementStanding } from "~/modules/onboarding/agreement-standing.server";
import { agreementBlocks, requireUser } from "~/utils/session.server";

export async function loader({ request }: LoaderFunctionArgs) {
  // The layout itself does not gate: the agreement page renders inside it. Every child route gates.
  const user = await requireUser(request, { agreementGate: false });
  const standing = user.partnerId ? await agreementStanding(await getDb(), user.partnerId, new Date()) : null;
  const blocked = standing ? agreementBlocks(standing) : false;
  return {
    user: { name: user.name, email: user.email, role: user.role, partnerName: user.partnerName },
    nav: blocked ? [{ to: "/agreement", label: "Agreement" }] : navFor(user.role),
    agreementDeadline: standing?.state === "grace" ? standing.deadline.toISOString() : null,
    agreementBlocked: blocked,
    canAccept: can(user.role, "agreement:accept"),
    stuckCritical: can(user.role, "mail:read")
      ? await stuckCriticalCount(await getDb(), new Date(), deliverySettings(env()).criticalAfterMs)
      : 0,
  };
}

export default function AppLayout() {
  const { user, nav, stuckCritical, agreementDeadline, agreementBlocked, canAccept } = useLoaderData<typeof loader>();
  const [open, setOpen] = useState(false);
  return (
    <div className="shell">
      <aside className={`sidebar${open ? " open" : ""}`}>
        <div className="brand">
          Channel Partner Portal
          <small>{user.partnerName ?? "Vendor channel team"}</small>
        </div>
        <button type="button" className="secondary menu-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
          Menu
        </button>
        <nav aria-label="Main">
          {nav.map((item) => (
            <NavLink key={item.to} to={item.to} end={item.to === "/"} onClick={() => setOpen(false)}>
              {item.label}
            </NavLink>
          ))}
        </nav>
        <div className="who">
          <div>{user.name}</div>
          <div style={{ opacity: 0.8 }}>{roleLabels[user.role]}</div>
          {agreementBlocked ? null : (
            <Link to="/settings" style={{ color: "#e0f2fe" }}>
              Settings
            </Link>
          )}
          <Form method="post" action="/logout">
            <button type="submit" className="secondary">
              Sign out
            </button>
          </Form>
        </div>
      </aside>
      <main className="content">
        {stuckCritical > 0 ? (
          <p className="form-error" role="alert">
            {stuckCritical} critical notification{stuckCritical === 1 ? " is" : "s are"} still undelivered past the
            alert threshold. <Link to="/mail">See the mail page</Link>.
          </p>
        ) : null}
        {agreementDeadline ? (
          <p className="notice warn" role="status">
            A new version of the programme agreement must be accepted by {formatDate(agreementDeadline)}
            {canAccept ? "" : " by a partner admin of your company"}.{" "}
            <Link to="/agreement">{canAccept ? "Read and accept it" : "Read it"}</Link>.
          </p>
        ) : null}
        <Outlet />
      </main>
    </div>
  );
}
