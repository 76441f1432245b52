/**
 * The vendor licensing pages' shared pieces (server and browser): tier names
 * and the invoice-terms form (vendor-pages.server.ts applies it).
 */
import { z } from "zod";

export type Tier = "registered" | "silver" | "gold";
export const TIERS: readonly Tier[] = ["registered", "silver", "gold"];
export const tierLabels: Record<Tier, string> = { registered: "Registered", silver: "Silver", gold: "Gold" };

/** Allow (yes) or withdraw (no) invoice payment for a partner (a distributor on terms). */
export const invoiceTermsSchema = z.object({
  partnerId: z.string({ required_error: "Choose a partner." }).uuid("Choose a partner from the list."),
  allowed: z.enum(["yes", "no"], { errorMap: () => ({ message: "Choose whether the partner may pay by invoice." }) }),
});
