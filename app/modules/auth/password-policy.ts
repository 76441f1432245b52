/**
 * Password policy (NIST 800-63B style): length matters, composition rules do
 * not. Pure, shared by the server and the browser's form validation.
 */
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

const common = new Set([
  "password123",
  "password1234",
  "1234567890",
  "12345678910",
  "qwertyuiop",
  "iloveyou123",
  "letmein1234",
  "welcome123",
  "changeme123",
  "administrator",
  "passw0rd123",
  "portalpassword",
]);

export function passwordProblems(password: string, context: { email?: string; name?: string } = {}): string[] {
  const problems: string[] = [];
  if (password.length < PASSWORD_MIN) problems.push(`Use at least ${PASSWORD_MIN} characters.`);
  if (password.length > PASSWORD_MAX) problems.push(`Use at most ${PASSWORD_MAX} characters.`);
  const lower = password.toLowerCase();
  if (common.has(lower)) problems.push("This password is too common.");
  if (password.length >= 1 && new Set(password).size <= 2) problems.push("Use more than one or two different characters.");
  const local = context.email?.split("@")[0]?.toLowerCase();
  if (local && local.length >= 4 && lower.includes(local)) problems.push("Do not use your email address in your password.");
  return problems;
}
