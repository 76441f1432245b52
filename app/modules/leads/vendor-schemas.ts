/**
 * Form schemas of the vendor's lead page, for the browser (Conform) and the
 * route's intents; the domain functions (route.server.ts) parse with the same ones.
 */
import { z } from "zod";

export const NOTE_MAX = 5000;
export const vendorNoteSchema = z.object({
  body: z
    .string({ required_error: "Write a note.", invalid_type_error: "Write a note." })
    .trim()
    .min(1, "Write a note.")
    .max(NOTE_MAX, `Use at most ${NOTE_MAX} characters.`),
});

const reasonField = z
  .string({ required_error: "Say why." })
  .trim()
  .min(1, "Say why.")
  .max(1000, "At most 1000 characters.");

/** Route a lead to a chosen partner (manual routing, override). */
export const routeToFormSchema = z.object({
  partnerId: z.string({ required_error: "Choose a partner." }).uuid("Choose a partner."),
  reason: reasonField,
});
/** Hold, recall. */
export const reasonFormSchema = z.object({ reason: reasonField });
