/**
 * Typed permission strings per role. Checked on the server (requirePermission)
 * and mirrored in the UI (can) so that navigation shows only what works.
 */
export const roles = ["vendor_admin", "channel_manager", "partner_admin", "partner_user"] as const;
export type Role = (typeof roles)[number];
export const vendorRoles: readonly Role[] = ["vendor_admin", "channel_manager"];
export const partnerRoles: readonly Role[] = ["partner_admin", "partner_user"];

export const permissions = [
  "partners:read-all",
  "partners:manage",
  "vendor-staff:manage",
  "audit:read",
  "mail:read",
  "team:read",
  "team:manage",
  "api-keys:manage",
  "leads:distribute",
  "leads:work",
  "deals:review",
  "deals:register",
  "licenses:order",
  "licenses:manage-all",
  "training:take",
  "training:author",
  "applications:review",
  "agreements:publish",
  "agreement:accept",
  "profile:manage",
  "specializations:manage",
  "training:team",
  "training:report",
  "routing:configure",
  "catalog:manage",
  "tiers:manage",
] as const;
export type Permission = (typeof permissions)[number];

const grants: Record<Role, readonly Permission[]> = {
  vendor_admin: [
    "partners:read-all",
    "partners:manage",
    "vendor-staff:manage",
    "audit:read",
    "mail:read",
    "leads:distribute",
    "deals:review",
    "licenses:manage-all",
    "training:author",
    "applications:review",
    "agreements:publish",
    "specializations:manage",
    "training:report",
    "routing:configure",
    "catalog:manage",
    "tiers:manage",
  ],
  channel_manager: ["partners:read-all", "leads:distribute", "deals:review", "applications:review", "training:report"],
  partner_admin: [
    "team:read",
    "team:manage",
    "api-keys:manage",
    "leads:work",
    "deals:register",
    "licenses:order",
    "training:take",
    "agreement:accept",
    "profile:manage",
    "training:team",
  ],
  partner_user: ["team:read", "leads:work", "deals:register", "licenses:order", "training:take"],
};

export function can(role: Role, permission: Permission): boolean {
  return grants[role].includes(permission);
}

export function isVendorRole(role: Role): boolean {
  return vendorRoles.includes(role);
}

/** Which roles a user of `role` may give to people they invite. */
export function invitableRoles(role: Role): Role[] {
  if (role === "partner_admin") return ["partner_admin", "partner_user"];
  if (role === "vendor_admin") return ["vendor_admin", "channel_manager"];
  return [];
}

export const roleLabels: Record<Role, string> = {
  vendor_admin: "Vendor admin",
  channel_manager: "Channel manager",
  partner_admin: "Partner admin",
  partner_user: "Partner user",
};
