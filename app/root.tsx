import type { LinksFunction, MetaFunction } from "@remix-run/node";
import { Links, Meta, Outlet, Scripts, ScrollRestoration, isRouteErrorResponse, useRouteError, Link } from "@remix-run/react";
import { useEffect, type ReactNode } from "react";
import styles from "./styles.css?url";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: styles },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export const meta: MetaFunction = () => [{ title: "Channel Partner Portal" }];

export function Layout({ children }: { children: ReactNode }) {
  // Marks the document once React has hydrated it (from then on forms
  // validate and links navigate on the client). The browser tests wait for
  // it before they act (test/e2e/helpers.ts).
  useEffect(() => {
    document.documentElement.dataset.hydrated = "true";
  }, []);
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

/** Never shows a stack trace: a known HTTP error gets its message, anything else a generic apology. */
export function ErrorBoundary() {
  const error = useRouteError();
  const known = isRouteErrorResponse(error);
  const status = known ? error.status : 500;
  const title = status === 404 ? "Page not found" : status === 403 ? "Not allowed" : known ? `Error ${status}` : "Something went wrong";
  const message =
    status === 404
      ? "The page you asked for does not exist, or it is not yours to see."
      : known && typeof error.data === "string" && error.data
        ? error.data
        : "An unexpected error happened. It has been logged; please try again.";
  return (
    <div className="auth-page">
      <div className="card auth-card">
        <div className="brand">Channel Partner Portal</div>
        <h1>{title}</h1>
        <p>{message}</p>
        <Link to="/">Back to the dashboard</Link>
      </div>
    </div>
  );
}
