/**
 * The vendor licensing pages' shared pieces (server and browser): the tier key
 * type and the invoice-terms form (vendor-pages.server.ts applies it).
 */
import { z } from "zod";

/** A programme tier key; the tier rules in force order and name them (pages get the names from their loaders). */
export type Tier = string;

/** Allow (yes) or withdraw (no) invoice payment for a partner (a distributor on terms). */
export const invoiceTermsSchema = z.object({
  partnerId: z.string({ required_error: "Choose a partner." }).uuid("Choose a partner from the list."),
  allowed: z.enum(["yes", "no"], { errorMap: () => ({ message: "Choose whether the partner may pay by invoice." }) }),
});
