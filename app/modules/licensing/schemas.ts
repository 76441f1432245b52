/**
 * License fulfillment's input rules, shared by the server (domain functions)
 * and the browser (Conform). Money travels as a decimal string ("24.00";
 * whole yen for JPY) and is stored in minor units.
 */
import { z } from "zod";
import { emailField } from "~/modules/accounts/schemas";
import { currencies, customerDomainField, customerNameField, parseMoney, type Currency } from "~/modules/deals/schemas";
import { isCountryCode } from "~/utils/countries";

export { currencies, type Currency };

export const LINES_MAX = 20;
export const SEATS_MAX = 1_000_000;

export const orderStatuses = [
  "awaiting_payment",
  "paid",
  "fulfilled",
  "cancelled",
  "refunded",
  "payment_failed",
  "checkout_expired",
] as const;
export type OrderStatus = (typeof orderStatuses)[number];
export const orderStatusLabels: Record<OrderStatus, string> = {
  awaiting_payment: "Awaiting payment",
  paid: "Paid",
  fulfilled: "Fulfilled",
  cancelled: "Cancelled",
  refunded: "Refunded",
  payment_failed: "Payment failed",
  checkout_expired: "Checkout expired",
};
/** Orders not paid yet that can still be paid (card checkout again, invoice marked paid) or cancelled. */
export const PAYABLE_STATUSES = [
  "awaiting_payment",
  "payment_failed",
  "checkout_expired",
] as const satisfies readonly OrderStatus[];

export const licenseStatuses = ["active", "revoked", "expired"] as const;
export type LicenseStatus = (typeof licenseStatuses)[number];
export const licenseStatusLabels: Record<LicenseStatus, string> = {
  active: "Active",
  revoked: "Revoked",
  expired: "Expired",
};

export const paymentMethods = ["card", "invoice"] as const;
export type PaymentMethod = (typeof paymentMethods)[number];
export const paymentMethodLabels: Record<PaymentMethod, string> = {
  card: "Card (Stripe Checkout)",
  invoice: "Invoice (payment terms)",
};

/** A short reference for people: the first 8 characters of the order's id, upper case ("LO-3F2A9C1B"). */
export function orderRef(orderId: string): string {
  return `LO-${orderId.replace(/-/g, "").slice(0, 8).toUpperCase()}`;
}

const countryField = z
  .string({ required_error: "Choose the customer's country.", invalid_type_error: "Choose the customer's country." })
  .trim()
  .toUpperCase()
  .refine(isCountryCode, "Choose the customer's country (an ISO code such as JP, DE or US).");

const optionalText = (max: number) =>
  z
    .string({ invalid_type_error: "Enter text." })
    .trim()
    .max(max, `Use at most ${max} characters.`)
    .nullish()
    .transform((v) => (v ? v : null));

export const orderLineSchema = z.object({
  productId: z
    .string({ required_error: "Choose a product.", invalid_type_error: "Choose a product." })
    .uuid("Choose a product from the list."),
  seats: z.coerce
    .number({ required_error: "Enter the number of seats.", invalid_type_error: "Enter the number of seats." })
    .int("Enter a whole number.")
    .min(1, "Enter at least 1.")
    .max(SEATS_MAX, `Enter at most ${SEATS_MAX.toLocaleString("en")}.`),
});

export const createOrderSchema = z.object({
  customerCompany: customerNameField,
  customerDomain: customerDomainField,
  customerCountry: countryField,
  technicalContactName: optionalText(120),
  technicalContactEmail: emailField,
  partnerReference: optionalText(100),
  currency: z.enum(currencies, { errorMap: () => ({ message: `Choose a currency: ${currencies.join(", ")}.` }) }),
  paymentMethod: z.enum(paymentMethods, { errorMap: () => ({ message: "Choose card or invoice." }) }),
  lines: z
    .array(orderLineSchema, {
      required_error: "Add at least one product.",
      invalid_type_error: "Add at least one product.",
    })
    .min(1, "Add at least one product.")
    .max(LINES_MAX, `Use at most ${LINES_MAX} lines.`)
    .superRefine((lines, ctx) => {
      const seen = new Set<string>();
      lines.forEach((l, i) => {
        if (seen.has(l.productId)) {
          ctx.addIssue({
            code: "custom",
            path: [i, "productId"],
            message: "This product is already listed; change that line's seats.",
          });
        }
        seen.add(l.productId);
      });
    }),
});
export type CreateOrderInput = z.infer<typeof createOrderSchema>;

export const cancelOrderSchema = z.object({ reason: optionalText(500) });

export const markPaidSchema = z.object({
  reference: z
    .string({ required_error: "Enter the payment's reference.", invalid_type_error: "Enter the payment's reference." })
    .trim()
    .min(1, "Enter the payment's reference (e.g. the bank transfer's id).")
    .max(200, "Use at most 200 characters."),
});

export const revokeSchema = z.object({
  reason: z
    .string({ required_error: "Give the reason.", invalid_type_error: "Give the reason." })
    .trim()
    .min(3, "Give the reason (the partner is told).")
    .max(1000, "Use at most 1000 characters."),
});

// ---------------------------------------------------------------------------------------------------------------
// Catalog (vendor admins)

export const productSchema = z.object({
  sku: z
    .string({ required_error: "Enter the SKU." })
    .trim()
    .toUpperCase()
    .regex(/^[A-Z0-9][A-Z0-9-]{1,39}$/, "Use 2–40 letters, digits and dashes, e.g. MSE-STD-12."),
  name: z
    .string({ required_error: "Enter the name." })
    .trim()
    .min(2, "Enter the name.")
    .max(120, "Use at most 120 characters."),
  edition: z
    .string({ required_error: "Enter the edition." })
    .trim()
    .min(1, "Enter the edition.")
    .max(60, "Use at most 60 characters."),
  /** Months of the term; empty or absent for perpetual. */
  termMonths: z.preprocess(
    (v) => (v === "" || v === undefined ? null : v),
    z.coerce.number().int("Enter whole months.").min(1, "At least 1 month.").max(120, "At most 120 months.").nullable(),
  ),
  seatUnit: z
    .string({ required_error: "Enter what a seat is." })
    .trim()
    .toLowerCase()
    .regex(/^[a-z][a-z -]{1,29}$/, "Enter what a seat is, e.g. mailbox, domain or server."),
});
export type ProductInput = z.infer<typeof productSchema>;

/** Prices of one product: a decimal string per currency; an empty one removes that currency's price. */
export const pricesSchema = z
  .record(z.enum(currencies), z.union([z.string(), z.number()]).nullish())
  .transform((raw, ctx) => {
    const out: Partial<Record<Currency, number | null>> = {};
    for (const c of currencies) {
      const v = raw[c];
      if (v === undefined) continue;
      if (v === null || String(v).trim() === "") {
        out[c] = null;
        continue;
      }
      const money = parseMoney(v, c);
      if (!money.ok) ctx.addIssue({ code: "custom", path: [c], message: money.message });
      else out[c] = money.minor;
    }
    return out;
  });

export const exchangeRateSchema = z.object({
  currency: z.enum(["EUR", "JPY", "AUD"], {
    errorMap: () => ({ message: "Choose EUR, JPY or AUD (USD is the base)." }),
  }),
  rateToBase: z.coerce
    .number({ invalid_type_error: "Enter the rate as a number, e.g. 1.0834." })
    .positive("Enter a rate above zero.")
    .max(1_000_000, "That rate is too large."),
  effectiveDate: z
    .string({ required_error: "Enter the date it applies from." })
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/, "Enter a date as YYYY-MM-DD.")
    .refine(
      (v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v),
      "Enter a real date.",
    ),
});

export const licenseListSchema = z.object({
  q: z.string().trim().max(200).optional().default(""),
  status: z.enum(licenseStatuses).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).optional().catch(1).default(1),
  perPage: z.coerce.number().int().min(1).max(500).optional().catch(50).default(50),
});
export type LicenseListQuery = z.input<typeof licenseListSchema>;
