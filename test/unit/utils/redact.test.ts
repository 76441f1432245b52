import { describe, expect, it } from "vitest";
import { loggablePath } from "~/utils/redact";

describe("loggablePath", () => {
  it("hides the token of capability links", () => {
    expect(loggablePath("/apply/status/AbC_123-xyz")).toBe("/apply/status/:token");
    expect(loggablePath("/invitations/AbC_123-xyz")).toBe("/invitations/:token");
    expect(loggablePath("/reset-password/AbC_123-xyz")).toBe("/reset-password/:token");
  });

  it("leaves other paths alone", () => {
    for (const p of ["/", "/apply", "/applications/5b6c9a3e-0000-4000-8000-000000000000", "/team"]) {
      expect(loggablePath(p)).toBe(p);
    }
  });
});
