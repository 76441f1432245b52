/**
 * Ordering: a partner orders licenses for an end customer; prices come from
 * the catalog and its tier discount from the tier rules in force at order
 * time, never from the browser.
 * Then card payment through Stripe Checkout, invoice payment marked paid by a
 * vendor admin, cancellation of an unpaid order, and renewal orders prefilled
 * from a license.
 *
 * Every partner-side read goes through scopeWhere with the actor's partner:
 * another partner's order or license is NotFoundError (404). The protected-
 * deal rule is the one explicit cross-partner read here: it asks only whether
 * an approved, still-protected registration of the customer's domain exists
 * and whose it is, and never names another partner.
 */
import { and, eq, gt, inArray, isNull, or } from "drizzle-orm";
import type { Db } from "~db/client";
import {
  deals,
  licenseOrderLines,
  licenseOrders,
  licenses,
  partners,
  productPrices,
  products,
  users,
  type LicenseOrder,
} from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import type { Actor } from "~/modules/auth/actor";
import { benefitsInForce } from "~/modules/tiers/in-force.server";
import type { Tier } from "~/modules/tiers/rules";
import { scopeOf } from "~/modules/auth/actor";
import { partnerScope, scopeWhere } from "~/modules/partners/scope.server";
import { appUrl } from "~/utils/env.server";
import { ConflictError, NotFoundError, RuleError, ValidationError } from "~/utils/errors.server";
import { isUniqueViolation } from "~/utils/db-errors.server";
import { fieldErrorsOf } from "~/utils/field-errors";
import { idempotencyKeySchema } from "~/modules/deals/schemas";
import { assertId, assertLicenseAdmin, assertOrderer, orderUrl } from "./access.server";
import { fulfillOrder, lockOrder, notifyPartner, orderRecipients } from "./fulfill.server";
import { priceOrder } from "./pricing";
import {
  PAYABLE_STATUSES,
  cancelOrderSchema,
  createOrderSchema,
  markPaidSchema,
  orderRef,
  type CreateOrderInput,
  type OrderStatus,
} from "./schemas";
import {
  createCheckoutSession,
  createOrderInvoice,
  expireCheckoutSession,
  stripeConfigured,
  StripeNotConfiguredError,
} from "./stripe.server";

export interface CreatedOrder {
  id: string;
  status: OrderStatus;
  currency: CreateOrderInput["currency"];
  subtotalMinor: number;
  discountPercent: number;
  discountMinor: number;
  totalMinor: number;
  paymentMethod: CreateOrderInput["paymentMethod"];
  /** The ordering partner's protected registration of this customer, linked (marked won when paid). */
  dealId: string | null;
  /** false when the idempotency key had been used: the earlier order, unchanged. */
  created: boolean;
}

/** The message when another partner holds the customer: never who. */
export const PROTECTED_FOR_ANOTHER =
  "This customer is protected by another partner's approved deal registration, so licenses for it cannot be ordered by you now. Contact your channel manager if you think this is wrong.";

const isPayable = (s: string) => (PAYABLE_STATUSES as readonly string[]).includes(s);

/**
 * The protected-deal rule for `domain` at `now`: "other" when another
 * partner holds an approved registration still in protection, its id when
 * `partnerId` holds it, null when nobody does. Cross-partner on purpose
 * (at most one approved registration per domain, by a unique index).
 */
export async function protectedDealFor(
  db: Db,
  partnerId: string,
  domain: string,
  now: Date,
): Promise<{ holder: "self"; dealId: string } | { holder: "other" } | null> {
  const [row] = await db
    .select({ id: deals.id, partnerId: deals.partnerId })
    .from(deals)
    .where(
      and(
        eq(deals.customerDomain, domain),
        eq(deals.status, "approved"),
        or(isNull(deals.protectedUntil), gt(deals.protectedUntil, now)),
      ),
    )
    .limit(1);
  if (!row) return null;
  return row.partnerId === partnerId ? { holder: "self", dealId: row.id } : { holder: "other" };
}

export interface CatalogLine {
  productId: string;
  /** "Mail Server Enterprise Advanced (MSE-ADV-12)" */
  product: string;
  seats: number;
  unitAmountMinor: number;
}

/**
 * The order's lines priced from the catalog: each line's product must be
 * active and priced in `currency`; otherwise a field error at that line.
 */
export async function catalogLines(db: Db, input: CreateOrderInput): Promise<CatalogLine[]> {
  const ids = input.lines.map((l) => l.productId);
  const rows = await db
    .select({
      id: products.id,
      active: products.active,
      sku: products.sku,
      name: products.name,
      edition: products.edition,
      amount: productPrices.unitAmountMinor,
    })
    .from(products)
    .leftJoin(productPrices, and(eq(productPrices.productId, products.id), eq(productPrices.currency, input.currency)))
    .where(inArray(products.id, ids));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const fields: Record<string, string[]> = {};
  const out: CatalogLine[] = [];
  input.lines.forEach((l, i) => {
    const p = byId.get(l.productId);
    if (!p || !p.active) {
      fields[`lines[${i}].productId`] = ["This product is not sold any more: choose one from the list."];
    } else if (p.amount === null) {
      fields[`lines[${i}].productId`] = [`${p.sku} has no price in ${input.currency}: choose another currency.`];
    } else {
      out.push({
        productId: l.productId,
        product: `${p.name} ${p.edition} (${p.sku})`,
        seats: l.seats,
        unitAmountMinor: p.amount,
      });
    }
  });
  if (Object.keys(fields).length) throw new ValidationError(fields);
  return out;
}

/**
 * The discount of `tier` in the tier rules in force at `at` (its
 * `benefits.discountPercent`): the one source of tier discounts. The order
 * stores the percent it was priced with, so a later rules version leaves it
 * as it was.
 */
export async function discountFor(db: Db, tier: Tier, at: Date): Promise<number> {
  const { benefits } = await benefitsInForce(db, at);
  // A tier the rules in force no longer hold (retired by a later version while still held) has no discount.
  return benefits[tier]?.discountPercent ?? 0;
}

/**
 * A partner orders licenses for an end customer (see createOrderSchema):
 * validated fields; active, priced products; the partner's tier discount;
 * invoice payment only for partners with payment terms; card payment only
 * when Stripe is configured; the protected-deal rule (another partner's
 * protected customer → RuleError on customerDomain; the partner's own →
 * linked). Stored with its lines and the `order.created` audit event in one
 * transaction; the order awaits payment. `renewalOfLicenseId` (the partner's
 * own license) makes it a renewal.
 */
export async function createOrder(
  db: Db,
  args: {
    actor: Actor;
    input: unknown;
    renewalOfLicenseId?: string | null;
    idempotencyKey?: string | null;
    now?: Date;
  },
): Promise<CreatedOrder> {
  const partnerId = assertOrderer(args.actor);
  const key = args.idempotencyKey ?? null;
  if (key !== null) {
    const parsedKey = idempotencyKeySchema.safeParse(key);
    if (!parsedKey.success) throw new ValidationError({ idempotencyKey: parsedKey.error.issues.map((i) => i.message) });
    const earlier = await orderByKey(db, partnerId, key);
    if (earlier) return earlier;
  }
  try {
    return await insertOrder(db, partnerId, key, args);
  } catch (err) {
    if (key !== null && isUniqueViolation(err, "license_orders_idempotency_idx")) {
      const earlier = await orderByKey(db, partnerId, key);
      if (earlier) return earlier;
    }
    throw err;
  }
}

/** The partner's order created under `key`, as createOrder returned it (created: false). */
async function orderByKey(db: Db, partnerId: string, key: string): Promise<CreatedOrder | undefined> {
  const [o] = await db
    .select()
    .from(licenseOrders)
    .where(scopeWhere(partnerScope(partnerId), licenseOrders, eq(licenseOrders.idempotencyKey, key)));
  if (!o) return undefined;
  return {
    id: o.id,
    status: o.status,
    currency: o.currency,
    subtotalMinor: o.subtotalMinor,
    discountPercent: o.discountPercent,
    discountMinor: o.discountMinor,
    totalMinor: o.totalMinor,
    paymentMethod: o.paymentMethod,
    dealId: o.dealId,
    created: false,
  };
}

async function insertOrder(
  db: Db,
  partnerId: string,
  key: string | null,
  args: { actor: Actor; input: unknown; renewalOfLicenseId?: string | null; now?: Date },
): Promise<CreatedOrder> {
  const now = args.now ?? new Date();
  const parsed = createOrderSchema.safeParse(args.input);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const input = parsed.data;
  const renewalOf = args.renewalOfLicenseId ?? null;
  if (renewalOf) assertId(renewalOf, "License");

  return db.transaction(async (tx) => {
    const [partner] = await tx
      .select({ tier: partners.tier, status: partners.status, invoiceTermsAllowed: partners.invoiceTermsAllowed })
      .from(partners)
      .where(eq(partners.id, partnerId));
    if (!partner || partner.status !== "active") throw new RuleError("Only an active partner can order licenses.");
    if (input.paymentMethod === "invoice" && !partner.invoiceTermsAllowed) {
      throw new RuleError(
        "Invoice payment is for partners with payment terms: pay by card, or ask the vendor for terms.",
        {
          paymentMethod: ["Invoice payment is not available to your company: choose card."],
        },
      );
    }
    if (input.paymentMethod === "card" && !stripeConfigured()) {
      throw new RuleError("Card payment is not available on this portal (Stripe is not configured).", {
        paymentMethod: ["Card payment is not available here."],
      });
    }
    if (renewalOf) {
      const [own] = await tx
        .select({ id: licenses.id })
        .from(licenses)
        .where(scopeWhere(partnerScope(partnerId), licenses, eq(licenses.id, renewalOf)));
      if (!own) throw new NotFoundError("License not found.");
    }
    const lines = await catalogLines(tx, input);
    const percent = await discountFor(tx, partner.tier, now);
    const priced = priceOrder(lines, percent);

    const claim = await protectedDealFor(tx, partnerId, input.customerDomain, now);
    if (claim?.holder === "other")
      throw new RuleError(PROTECTED_FOR_ANOTHER, { customerDomain: [PROTECTED_FOR_ANOTHER] });
    const dealId = claim?.holder === "self" ? claim.dealId : null;

    const [order] = await tx
      .insert(licenseOrders)
      .values({
        partnerId,
        orderedBy: args.actor.userId,
        customerCompany: input.customerCompany,
        customerDomain: input.customerDomain,
        customerCountry: input.customerCountry,
        technicalContactName: input.technicalContactName,
        technicalContactEmail: input.technicalContactEmail,
        partnerReference: input.partnerReference,
        currency: input.currency,
        subtotalMinor: priced.subtotalMinor,
        discountPercent: priced.discountPercent,
        discountMinor: priced.discountMinor,
        totalMinor: priced.totalMinor,
        tierAtOrder: partner.tier,
        status: "awaiting_payment",
        paymentMethod: input.paymentMethod,
        dealId,
        renewalOfLicenseId: renewalOf,
        idempotencyKey: key,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await tx.insert(licenseOrderLines).values(
      priced.lines.map((l, i) => ({
        orderId: order!.id,
        partnerId,
        position: i + 1,
        productId: l.productId,
        seats: l.seats,
        unitAmountMinor: l.unitAmountMinor,
        discountedUnitAmountMinor: l.discountedUnitAmountMinor,
        lineTotalMinor: l.lineTotalMinor,
      })),
    );
    await recordAudit(tx, args.actor, {
      action: "order.created",
      subjectType: "license_order",
      subjectId: order!.id,
      partnerId,
      after: {
        customerCompany: input.customerCompany,
        customerDomain: input.customerDomain,
        currency: input.currency,
        totalMinor: priced.totalMinor,
        discountPercent: percent,
        paymentMethod: input.paymentMethod,
        lines: priced.lines.map((l) => ({ productId: l.productId, seats: l.seats, lineTotalMinor: l.lineTotalMinor })),
        dealId,
        renewalOfLicenseId: renewalOf,
      },
    });
    return {
      id: order!.id,
      status: "awaiting_payment" as const,
      currency: input.currency,
      subtotalMinor: priced.subtotalMinor,
      discountPercent: percent,
      discountMinor: priced.discountMinor,
      totalMinor: priced.totalMinor,
      paymentMethod: input.paymentMethod,
      dealId,
      created: true,
    };
  });
}

/** What Stripe charges for an order: its stored lines (discounted unit × seats), in line order. */
function chargeLines(tx: Db, orderId: string) {
  return tx
    .select({
      seats: licenseOrderLines.seats,
      unit: licenseOrderLines.discountedUnitAmountMinor,
      sku: products.sku,
      name: products.name,
      edition: products.edition,
      seatUnit: products.seatUnit,
    })
    .from(licenseOrderLines)
    .innerJoin(products, eq(products.id, licenseOrderLines.productId))
    .where(eq(licenseOrderLines.orderId, orderId))
    .orderBy(licenseOrderLines.position);
}

/** The actor's own order (vendor license admins: any), locked; otherwise NotFoundError. */
async function lockScopedOrder(tx: Db, actor: Actor, orderId: string): Promise<LicenseOrder> {
  assertId(orderId, "Order");
  const [row] = await tx
    .select()
    .from(licenseOrders)
    .where(scopeWhere(scopeOf(actor), licenseOrders, eq(licenseOrders.id, orderId)))
    .for("update");
  if (!row) throw new NotFoundError("Order not found.");
  return row;
}

/**
 * Card payment: starts (or resumes) Stripe Checkout for the partner's own
 * unpaid card order. Line items come from the stored order (the discounted
 * price per seat × seats), the order id goes in the metadata, and each
 * attempt has its own idempotency key (`license-order:<id>:checkout:<n>`):
 * asking again for an open checkout answers the same session; after a
 * failed or expired one a new attempt starts. Returns the page to send the
 * buyer to. Without Stripe: StripeNotConfiguredError.
 */
export async function startCheckout(
  db: Db,
  args: { actor: Actor; orderId: string; baseUrl?: string; now?: Date },
): Promise<{ url: string; sessionId: string }> {
  assertOrderer(args.actor);
  if (!stripeConfigured()) throw new StripeNotConfiguredError();
  const now = args.now ?? new Date();
  const base = (args.baseUrl ?? appUrl()).replace(/\/$/, "");
  const prepared = await db.transaction(async (tx) => {
    const order = await lockScopedOrder(tx, args.actor, args.orderId);
    if (order.paymentMethod !== "card") throw new RuleError("This order is paid by invoice, not by card.");
    if (!isPayable(order.status)) {
      throw new ConflictError(
        order.status === "fulfilled" || order.status === "paid"
          ? "This order is paid already."
          : `This order cannot be paid any more (it is ${order.status.replace("_", " ")}).`,
      );
    }
    const fresh = order.status !== "awaiting_payment" || order.checkoutAttempts === 0;
    const attempt = fresh ? order.checkoutAttempts + 1 : order.checkoutAttempts;
    if (fresh) {
      await tx
        .update(licenseOrders)
        .set({ status: "awaiting_payment", checkoutAttempts: attempt, statusNote: null, updatedAt: now })
        .where(eq(licenseOrders.id, order.id));
    }
    const lines = await chargeLines(tx, order.id);
    const [buyer] = order.orderedBy
      ? await tx.select({ email: users.email }).from(users).where(eq(users.id, order.orderedBy))
      : [];
    return { order, attempt, lines, buyerEmail: buyer?.email };
  });
  const { order, attempt, lines } = prepared;
  const session = await createCheckoutSession({
    orderId: order.id,
    currency: order.currency,
    lines: lines.map((l) => ({
      name: `${l.name} ${l.edition} (${l.sku}), per ${l.seatUnit} — ${order.customerCompany}`,
      unitAmount: l.unit,
      quantity: l.seats,
    })),
    customerEmail: prepared.buyerEmail,
    successUrl: `${base}/orders/${order.id}?checkout=success`,
    cancelUrl: `${base}/orders/${order.id}?checkout=cancelled`,
    idempotencyKey: `license-order:${order.id}:checkout:${attempt}`,
  });
  await db.transaction(async (tx) => {
    const [before] = await tx
      .select({ sessionId: licenseOrders.stripeCheckoutSessionId })
      .from(licenseOrders)
      .where(eq(licenseOrders.id, order.id))
      .for("update");
    if (before?.sessionId === session.id) return; // the same open session, asked for again
    await tx
      .update(licenseOrders)
      .set({ stripeCheckoutSessionId: session.id, updatedAt: now })
      .where(eq(licenseOrders.id, order.id));
    await recordAudit(tx, args.actor, {
      action: "order.checkout_started",
      subjectType: "license_order",
      subjectId: order.id,
      partnerId: order.partnerId,
      after: { sessionId: session.id, attempt },
    });
  });
  return { url: session.url, sessionId: session.id };
}

/**
 * Cancels an unpaid order (the partner's own, or any for a vendor license
 * admin). An open Checkout Session is expired at Stripe afterwards (best
 * effort: a payment that still arrives is refused by the webhook handling
 * and audited for a refund).
 */
export async function cancelOrder(
  db: Db,
  args: { actor: Actor; orderId: string; input?: unknown; now?: Date },
): Promise<{ id: string; status: "cancelled" }> {
  if (args.actor.partnerId) assertOrderer(args.actor);
  else assertLicenseAdmin(args.actor);
  const parsed = cancelOrderSchema.safeParse(args.input ?? {});
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const reason = parsed.data.reason;
  const now = args.now ?? new Date();
  const sessionId = await db.transaction(async (tx) => {
    const order = await lockScopedOrder(tx, args.actor, args.orderId);
    if (!isPayable(order.status)) {
      throw new RuleError(`Only an unpaid order can be cancelled (this one is ${order.status.replace("_", " ")}).`);
    }
    await tx
      .update(licenseOrders)
      .set({ status: "cancelled", cancelledAt: now, statusNote: reason, updatedAt: now })
      .where(and(eq(licenseOrders.id, order.id), inArray(licenseOrders.status, [...PAYABLE_STATUSES])));
    await recordAudit(tx, args.actor, {
      action: "order.cancelled",
      subjectType: "license_order",
      subjectId: order.id,
      partnerId: order.partnerId,
      before: { status: order.status },
      after: { status: "cancelled", reason },
    });
    if (!args.actor.partnerId) {
      // The vendor cancelled it: the partner is told.
      await notifyPartner(tx, {
        partnerId: order.partnerId,
        orderedBy: order.orderedBy,
        customerCompany: order.customerCompany,
        headline: `order ${orderRef(order.id)} cancelled by the vendor`,
        message: reason ?? "",
        url: orderUrl(order.id),
        dedupeKey: `license-order:${order.id}:cancelled`,
      });
    }
    return order.status === "awaiting_payment" ? order.stripeCheckoutSessionId : null;
  });
  if (sessionId && stripeConfigured()) {
    try {
      await expireCheckoutSession(sessionId);
    } catch (err) {
      console.warn(
        `[licensing] could not expire checkout session of cancelled order ${args.orderId}: ${(err as Error).message}`,
      );
    }
  }
  return { id: args.orderId, status: "cancelled" };
}

/**
 * Invoice payment: a vendor license admin records that an invoice order was
 * paid (the bank transfer's reference), which fulfills it exactly as a card
 * payment does. Already paid → ConflictError; cancelled or refunded →
 * RuleError.
 */
export async function markOrderPaid(
  db: Db,
  args: { actor: Actor; orderId: string; input: unknown; now?: Date },
): Promise<{ id: string; status: "fulfilled"; licenseIds: string[] }> {
  assertLicenseAdmin(args.actor);
  const parsed = markPaidSchema.safeParse(args.input);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const now = args.now ?? new Date();
  return db.transaction(async (tx) => {
    const order = await lockScopedOrder(tx, args.actor, args.orderId);
    if (order.status === "fulfilled" || order.status === "paid") throw new ConflictError("This order is paid already.");
    if (order.paymentMethod !== "invoice") {
      throw new RuleError("Card orders are paid through Stripe Checkout; only invoice orders are marked paid here.");
    }
    if (!isPayable(order.status)) throw new RuleError(`This order cannot be paid (it is ${order.status}).`);
    const result = await fulfillOrder(tx, order.id, {
      actor: args.actor,
      now,
      paidAt: now,
      reference: parsed.data.reference,
    });
    if (!result.fulfilled) throw new ConflictError("This order is paid already.");
    return { id: order.id, status: "fulfilled" as const, licenseIds: result.licenseIds };
  });
}

/** Days a partner on terms has to pay a Stripe invoice. */
export const INVOICE_DAYS_UNTIL_DUE = 30;

/**
 * Invoice payment through Stripe (when configured): a vendor license admin
 * bills an unpaid invoice order with a Stripe Invoice to the partner (its
 * legal name, the ordering user's address); Stripe sends it and collects,
 * and the `invoice.paid` event fulfills the order. The idempotency key is
 * per order (`license-order:<id>:invoice`): asking twice bills once. Without
 * Stripe the order waits for markOrderPaid.
 */
export async function billOrderByStripeInvoice(
  db: Db,
  args: { actor: Actor; orderId: string; now?: Date },
): Promise<{ invoiceId: string; number: string | null; hostedInvoiceUrl: string | null }> {
  assertLicenseAdmin(args.actor);
  if (!stripeConfigured()) throw new StripeNotConfiguredError();
  const now = args.now ?? new Date();
  const prepared = await db.transaction(async (tx) => {
    const order = await lockScopedOrder(tx, args.actor, args.orderId);
    if (order.paymentMethod !== "invoice") throw new RuleError("Only invoice orders are billed by invoice.");
    if (!isPayable(order.status))
      throw new ConflictError(`This order cannot be billed (it is ${order.status.replace("_", " ")}).`);
    const lines = await chargeLines(tx, order.id);
    const [partner] = await tx
      .select({ legalName: partners.legalName, country: partners.country })
      .from(partners)
      .where(eq(partners.id, order.partnerId));
    const [buyer] = order.orderedBy
      ? await tx.select({ email: users.email }).from(users).where(eq(users.id, order.orderedBy))
      : [];
    const billTo = buyer?.email ?? (await orderRecipients(tx, order.partnerId, null))[0]?.address;
    if (!billTo) throw new RuleError("The partner has no active person to send the invoice to.");
    if (!partner) throw new NotFoundError("Partner not found.");
    return { order, lines, billTo, name: partner.legalName, country: partner.country };
  });
  const { order } = prepared;
  const invoice = await createOrderInvoice({
    orderId: order.id,
    currency: order.currency,
    lines: prepared.lines.map((l) => ({
      name: `${l.name} ${l.edition} (${l.sku}) — ${order.customerCompany}`,
      unitAmount: l.unit,
      quantity: l.seats,
    })),
    customer: { email: prepared.billTo, name: prepared.name, country: prepared.country },
    daysUntilDue: INVOICE_DAYS_UNTIL_DUE,
    idempotencyKey: `license-order:${order.id}:invoice`,
  });
  await db.transaction(async (tx) => {
    await tx
      .update(licenseOrders)
      .set({ stripeInvoiceId: invoice.id, updatedAt: now })
      .where(eq(licenseOrders.id, order.id));
    await recordAudit(tx, args.actor, {
      action: "order.invoiced",
      subjectType: "license_order",
      subjectId: order.id,
      partnerId: order.partnerId,
      after: { stripeInvoiceId: invoice.id, number: invoice.number },
    });
  });
  return { invoiceId: invoice.id, number: invoice.number, hostedInvoiceUrl: invoice.hostedInvoiceUrl };
}

/** A renewal order's prefilled form values from the partner's own license (for the order page). */
export async function renewalDraft(
  db: Db,
  args: { actor: Actor; licenseId: string },
): Promise<{ renewalOfLicenseId: string; input: CreateOrderInput; validUntil: Date | null }> {
  const partnerId = assertOrderer(args.actor);
  assertId(args.licenseId, "License");
  const [row] = await db
    .select({ license: licenses, order: licenseOrders })
    .from(licenses)
    .innerJoin(licenseOrders, eq(licenseOrders.id, licenses.orderId))
    .where(scopeWhere(partnerScope(partnerId), licenses, eq(licenses.id, args.licenseId)));
  if (!row) throw new NotFoundError("License not found.");
  const { license, order } = row;
  return {
    renewalOfLicenseId: license.id,
    validUntil: license.validUntil,
    input: {
      customerCompany: license.customerCompany,
      customerDomain: license.customerDomain,
      customerCountry: license.customerCountry,
      technicalContactName: order.technicalContactName,
      technicalContactEmail: license.technicalContactEmail,
      partnerReference: null,
      currency: order.currency,
      paymentMethod: order.paymentMethod,
      lines: [{ productId: license.productId, seats: license.seats }],
    },
  };
}

/**
 * A renewal order for the partner's own license: the license's customer,
 * product and seats (overridable by `input`, e.g. more seats or another
 * currency), priced now, linked by renewal_of_license_id.
 */
export async function createRenewalOrder(
  db: Db,
  args: { actor: Actor; licenseId: string; input?: Partial<CreateOrderInput>; now?: Date },
): Promise<CreatedOrder> {
  const draft = await renewalDraft(db, { actor: args.actor, licenseId: args.licenseId });
  return createOrder(db, {
    actor: args.actor,
    input: { ...draft.input, ...(args.input ?? {}) },
    renewalOfLicenseId: draft.renewalOfLicenseId,
    now: args.now,
  });
}

export { lockOrder };
