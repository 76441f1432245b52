import { z } from "zod";
import { passwordProblems, PASSWORD_MAX } from "~/modules/auth/password-policy";
import { roles } from "~/utils/permissions";

/** Zod schemas shared by the server and the browser (Conform). */
export const emailField = z
  .string({ required_error: "Enter an email address." })
  .trim()
  .toLowerCase()
  .email("Enter a valid email address.")
  .max(254, "That email address is too long.");

export const nameField = z
  .string({ required_error: "Enter a name." })
  .trim()
  .min(1, "Enter a name.")
  .max(120, "Use at most 120 characters.");

export const newPasswordFields = z
  .object({
    password: z.string({ required_error: "Choose a password." }).max(PASSWORD_MAX),
    confirmPassword: z.string({ required_error: "Repeat the password." }),
  })
  .superRefine((v, ctx) => {
    for (const problem of passwordProblems(v.password)) {
      ctx.addIssue({ code: "custom", path: ["password"], message: problem });
    }
    if (v.password !== v.confirmPassword) {
      ctx.addIssue({ code: "custom", path: ["confirmPassword"], message: "The two passwords differ." });
    }
  });

export const inviteSchema = z.object({
  email: emailField,
  role: z.enum(roles, { required_error: "Choose a role.", invalid_type_error: "Choose a role." }),
});

export const acceptInvitationSchema = z.intersection(z.object({ name: nameField }), newPasswordFields);

export const forgotPasswordSchema = z.object({ email: emailField });
export const resetPasswordSchema = newPasswordFields;

export const apiKeyScopes = ["me:read", "deals:read", "deals:write", "leads:read", "leads:write", "licenses:read"] as const;
export const createApiKeySchema = z.object({
  name: z.string({ required_error: "Name the key." }).trim().min(1, "Name the key.").max(80, "Use at most 80 characters."),
  scopes: z
    .array(z.enum(apiKeyScopes), { required_error: "Choose at least one scope." })
    .min(1, "Choose at least one scope."),
});
