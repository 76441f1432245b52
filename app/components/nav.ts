import type { Permission, Role } from "~/utils/permissions";
import { can, isVendorRole } from "~/utils/permissions";

export interface NavItem {
  to: string;
  label: string;
  permission?: Permission;
}

const vendorNav: NavItem[] = [
  { to: "/", label: "Dashboard" },
  { to: "/directory", label: "Partners", permission: "partners:read-all" },
  { to: "/applications", label: "Applications", permission: "applications:review" },
  { to: "/leads", label: "Leads", permission: "leads:distribute" },
  { to: "/deals", label: "Deals" },
  { to: "/deals/review", label: "Deal review", permission: "deals:review" },
  { to: "/orders", label: "Orders", permission: "licenses:manage-all" },
  { to: "/licenses", label: "Licenses", permission: "licenses:manage-all" },
  { to: "/catalog", label: "Catalog", permission: "catalog:manage" },
  { to: "/training", label: "Training" },
  { to: "/mail", label: "Mail", permission: "mail:read" },
  { to: "/agreements", label: "Agreements", permission: "agreements:publish" },
  { to: "/specializations", label: "Specializations", permission: "specializations:manage" },
  { to: "/tiers", label: "Tiers", permission: "tiers:manage" },
  { to: "/audit", label: "Audit", permission: "audit:read" },
  { to: "/team", label: "Staff", permission: "vendor-staff:manage" },
];

const partnerNav: NavItem[] = [
  { to: "/", label: "Dashboard" },
  { to: "/leads", label: "Leads", permission: "leads:work" },
  { to: "/deals", label: "Deals" },
  { to: "/orders", label: "Orders", permission: "licenses:order" },
  { to: "/licenses", label: "Licenses", permission: "licenses:order" },
  { to: "/training", label: "Training" },
  { to: "/team", label: "Team", permission: "team:read" },
  { to: "/profile", label: "Company profile", permission: "profile:manage" },
  { to: "/agreement", label: "Agreement" },
  { to: "/api-keys", label: "API keys", permission: "api-keys:manage" },
];

/** The navigation a role sees: only pages it may open. */
export function navFor(role: Role): NavItem[] {
  return (isVendorRole(role) ? vendorNav : partnerNav).filter((i) => !i.permission || can(role, i.permission));
}
