import { Link } from "@remix-run/react";
import type { ReactNode } from "react";

/** The frame of the public pages (no sign-in): the portal's name, the partner locator, the application, "Contact sales" and "Sign in". */
export function PublicLayout({ children, narrow = false }: { children: ReactNode; narrow?: boolean }) {
  return (
    <div>
      <header
        style={{
          background: "var(--brand)",
          color: "#fff",
          padding: "0.9rem 2rem",
          display: "flex",
          gap: "1rem",
          alignItems: "center",
          flexWrap: "wrap",
        }}
      >
        <Link to="/partners" style={{ color: "#fff", fontWeight: 700, textDecoration: "none", marginRight: "auto" }}>
          Channel Partner Portal
        </Link>
        <Link to="/partners" style={{ color: "#e0f2fe" }}>
          Find a partner
        </Link>
        <Link to="/apply" style={{ color: "#e0f2fe" }}>
          Become a partner
        </Link>
        <Link to="/contact" style={{ color: "#e0f2fe" }}>
          Contact sales
        </Link>
        <Link to="/login" style={{ color: "#e0f2fe" }}>
          Sign in
        </Link>
      </header>
      <main className="content" style={{ margin: "0 auto", maxWidth: narrow ? 760 : undefined }}>
        {children}
      </main>
    </div>
  );
}
