import { describe, expect, it } from "vitest";
import { PASSWORD_MAX, PASSWORD_MIN, passwordProblems } from "~/modules/auth/password-policy";
import { acceptInvitationSchema, resetPasswordSchema } from "~/modules/accounts/schemas";

describe("passwordProblems", () => {
  it("accepts a long passphrase without composition rules", () => {
    expect(passwordProblems("correct horse battery staple")).toEqual([]);
    expect(passwordProblems("all lowercase words")).toEqual([]);
  });

  it("requires at least the minimum length, exactly at the boundary", () => {
    expect(PASSWORD_MIN).toBe(10);
    expect(passwordProblems("abcdefghi")).toEqual(["Use at least 10 characters."]);
    expect(passwordProblems("abcdefghij")).toEqual([]);
  });

  it("refuses more than the maximum length", () => {
    const long = "abcdefghij".repeat(PASSWORD_MAX / 10);
    expect(passwordProblems(long)).toEqual([]);
    expect(passwordProblems(long + "k")).toEqual([`Use at most ${PASSWORD_MAX} characters.`]);
  });

  it("refuses common passwords whatever their case", () => {
    expect(passwordProblems("password123")).toContain("This password is too common.");
    expect(passwordProblems("PassWord123")).toContain("This password is too common.");
    expect(passwordProblems("1234567890")).toContain("This password is too common.");
  });

  it("refuses passwords made of one or two different characters", () => {
    expect(passwordProblems("aaaaaaaaaaaa")).toContain("Use more than one or two different characters.");
    expect(passwordProblems("abababababab")).toContain("Use more than one or two different characters.");
    expect(passwordProblems("abcabcabcabc")).toEqual([]);
  });

  it("refuses a password containing the email's local part (4+ characters), case-insensitively", () => {
    const email = "Jane.Doe@example.test";
    expect(passwordProblems("my-jane.doe-secret", { email })).toContain("Do not use your email address in your password.");
    expect(passwordProblems("MY-JANE.DOE-SECRET", { email })).toContain("Do not use your email address in your password.");
    expect(passwordProblems("something unrelated", { email })).toEqual([]);
    // A very short local part would reject too much.
    expect(passwordProblems("bob likes long walks", { email: "bob@example.test" })).toEqual([]);
  });

  it("reports every problem at once", () => {
    expect(passwordProblems("aaa")).toEqual(["Use at least 10 characters.", "Use more than one or two different characters."]);
  });
});

describe("new-password form schemas", () => {
  it("puts policy problems on the password field and a mismatch on the confirmation", () => {
    const r = resetPasswordSchema.safeParse({ password: "short", confirmPassword: "shorter" });
    expect(r.success).toBe(false);
    const fields = r.success ? {} : r.error.flatten().fieldErrors;
    expect(fields.password).toContain("Use at least 10 characters.");
    expect(fields.confirmPassword).toEqual(["The two passwords differ."]);
  });

  it("accepts a good password repeated, with a trimmed name", () => {
    const r = acceptInvitationSchema.safeParse({ name: "  Ada Lovelace ", password: "analytical engine", confirmPassword: "analytical engine" });
    expect(r.success).toBe(true);
    if (r.success) expect(r.data.name).toBe("Ada Lovelace");
  });
});
