import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, NavLink, Outlet, useLoaderData } from "@remix-run/react";
import { useState } from "react";
import { navFor } from "~/components/nav";
import { roleLabels } from "~/utils/permissions";
import { requireUser } from "~/utils/session.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  return {
    user: { name: user.name, email: user.email, role: user.role, partnerName: user.partnerName },
    nav: navFor(user.role),
  };
}

export default function AppLayout() {
  const { user, nav } = useLoaderData<typeof loader>();
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
          <Form method="post" action="/logout">
            <button type="submit" className="secondary">
              Sign out
            </button>
          </Form>
        </div>
      </aside>
      <main className="content">
        <Outlet />
      </main>
    </div>
  );
}
