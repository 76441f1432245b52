import { eq } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { apiKeys, invitations, users } from "~db/schema";
import { partnerScope, scopeWhere, vendorScope } from "~/modules/partners/scope.server";
import { scopeOf } from "~/modules/auth/actor";

const dialect = new PgDialect();
const PARTNER = "6f1c1f9e-8f5b-4c7e-9a51-2d3c4b5a6e7f";
const USER = "0b7a1d2c-3e4f-4a5b-8c6d-7e8f9a0b1c2d";

describe("scopeWhere", () => {
  it("filters a partner scope on the table's partner_id", () => {
    const where = scopeWhere(partnerScope(PARTNER), users);
    expect(where).toBeDefined();
    const q = dialect.sqlToQuery(where!);
    expect(q.sql).toBe('"users"."partner_id" = $1');
    expect(q.params).toEqual([PARTNER]);
  });

  it("keeps the partner filter next to the caller's conditions", () => {
    const q = dialect.sqlToQuery(scopeWhere(partnerScope(PARTNER), apiKeys, eq(apiKeys.id, USER))!);
    expect(q.sql).toBe('("api_keys"."partner_id" = $1 and "api_keys"."id" = $2)');
    expect(q.params).toEqual([PARTNER, USER]);
  });

  it("ignores undefined conditions", () => {
    const q = dialect.sqlToQuery(
      scopeWhere(partnerScope(PARTNER), invitations, undefined, eq(invitations.id, USER), undefined)!,
    );
    expect(q.sql).toBe('("invitations"."partner_id" = $1 and "invitations"."id" = $2)');
  });

  it("adds no partner filter for the vendor scope", () => {
    expect(scopeWhere(vendorScope, users)).toBeUndefined();
    const q = dialect.sqlToQuery(scopeWhere(vendorScope, users, eq(users.id, USER))!);
    expect(q.sql).toBe('"users"."id" = $1');
    expect(q.sql).not.toContain("partner_id");
    expect(q.params).toEqual([USER]);
  });
});

describe("scopeOf", () => {
  it("gives a partner user its partner's scope and vendor staff the vendor scope", () => {
    expect(scopeOf({ userId: USER, label: "a", role: "partner_user", partnerId: PARTNER })).toEqual({
      kind: "partner",
      partnerId: PARTNER,
    });
    expect(scopeOf({ userId: USER, label: "b", role: "vendor_admin", partnerId: null })).toEqual({ kind: "vendor" });
  });
});
