import { z } from "zod";

/** Shared by the sign-in form (Conform, in the browser) and the server. */
export const signInSchema = z.object({
  email: z.string({ required_error: "Enter your email address." }).trim().email("Enter a valid email address."),
  password: z.string({ required_error: "Enter your password." }).min(1, "Enter your password."),
});
