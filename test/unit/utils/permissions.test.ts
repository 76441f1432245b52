import { describe, expect, it } from "vitest";
import {
  can,
  invitableRoles,
  isVendorRole,
  partnerRoles,
  permissions,
  roles,
  vendorRoles,
  type Permission,
  type Role,
} from "~/utils/permissions";

/** Permissions that only make sense for the vendor's own staff. */
const vendorOnly: Permission[] = [
  "partners:read-all",
  "partners:manage",
  "vendor-staff:manage",
  "audit:read",
  "mail:read",
  "leads:distribute",
  "deals:review",
  "licenses:manage-all",
  "training:author",
];

describe("can", () => {
  it("gives the vendor admin the program-wide permissions", () => {
    for (const p of vendorOnly) expect(can("vendor_admin", p), p).toBe(true);
  });

  it("gives a channel manager lead distribution and deal review but not program configuration", () => {
    expect(can("channel_manager", "partners:read-all")).toBe(true);
    expect(can("channel_manager", "leads:distribute")).toBe(true);
    expect(can("channel_manager", "deals:review")).toBe(true);
    expect(can("channel_manager", "partners:manage")).toBe(false);
    expect(can("channel_manager", "vendor-staff:manage")).toBe(false);
    expect(can("channel_manager", "audit:read")).toBe(false);
    expect(can("channel_manager", "mail:read")).toBe(false);
  });

  it("never gives a partner role a vendor-only permission", () => {
    for (const role of partnerRoles) {
      for (const p of vendorOnly) expect(can(role, p), `${role} ${p}`).toBe(false);
    }
  });

  it("never gives a vendor role the partner's own work (team, keys, deals, orders)", () => {
    const partnerWork: Permission[] = ["team:manage", "api-keys:manage", "deals:register", "licenses:order", "leads:work"];
    for (const role of vendorRoles) {
      for (const p of partnerWork) expect(can(role, p), `${role} ${p}`).toBe(false);
    }
  });

  it("lets a partner admin manage its team and API keys, and a partner user neither", () => {
    expect(can("partner_admin", "team:manage")).toBe(true);
    expect(can("partner_admin", "api-keys:manage")).toBe(true);
    expect(can("partner_user", "team:manage")).toBe(false);
    expect(can("partner_user", "api-keys:manage")).toBe(false);
  });

  it("lets both partner roles do the daily work", () => {
    for (const role of partnerRoles) {
      for (const p of ["team:read", "leads:work", "deals:register", "licenses:order", "training:take"] as const) {
        expect(can(role, p), `${role} ${p}`).toBe(true);
      }
    }
  });

  it("gives every role something to do", () => {
    for (const role of roles) {
      const granted = permissions.filter((p) => can(role, p));
      expect(granted.length, role).toBeGreaterThan(0);
    }
  });
});

describe("isVendorRole", () => {
  it.each<[Role, boolean]>([
    ["vendor_admin", true],
    ["channel_manager", true],
    ["partner_admin", false],
    ["partner_user", false],
  ])("%s → %s", (role, expected) => {
    expect(isVendorRole(role)).toBe(expected);
  });
});

describe("invitableRoles", () => {
  it("lets a partner admin invite only partner roles", () => {
    expect([...invitableRoles("partner_admin")].sort()).toEqual(["partner_admin", "partner_user"]);
  });

  it("lets a vendor admin invite only vendor staff (partners join by application)", () => {
    expect([...invitableRoles("vendor_admin")].sort()).toEqual(["channel_manager", "vendor_admin"]);
  });

  it("lets a channel manager and a partner user invite nobody", () => {
    expect(invitableRoles("channel_manager")).toEqual([]);
    expect(invitableRoles("partner_user")).toEqual([]);
  });

  it("never crosses the vendor/partner line", () => {
    for (const role of roles) {
      for (const given of invitableRoles(role)) expect(isVendorRole(given), `${role} → ${given}`).toBe(isVendorRole(role));
    }
  });
});
