/**
 * Reading orders and licenses. A partner's people read their own (through
 * scopeWhere with their partner: another partner's id is NotFoundError);
 * the vendor's license admins read every partner's (the vendor scope).
 */
import { asc, count, desc, eq, ilike, or, type SQL } from "drizzle-orm";
import type { Db } from "~db/client";
import { deals, licenseOrderLines, licenseOrders, licenses, partners, products, users } from "~db/schema";
import { scopeOf, type Actor } from "~/modules/auth/actor";
import { scopeWhere } from "~/modules/partners/scope.server";
import { toCsv, type CsvColumn } from "~/utils/csv";
import { escapeLike } from "~/utils/sql.server";
import { NotFoundError, ValidationError } from "~/utils/errors.server";
import { fieldErrorsOf } from "~/utils/field-errors";
import { assertId, assertReader } from "./access.server";
import { licenseListSchema, orderStatuses, type LicenseListQuery, type OrderStatus } from "./schemas";

export interface OrderListQuery {
  /** Customer company or domain, or the partner's own reference (PO number). */
  q?: string;
  status?: OrderStatus;
  /** Vendor only: one partner's orders. */
  partnerId?: string;
  page?: number;
  perPage?: number;
}

/** Orders, newest first: the actor's partner's, or every partner's for the vendor. */
export async function listOrders(db: Db, args: { actor: Actor; query?: OrderListQuery }) {
  assertReader(args.actor);
  const q = args.query ?? {};
  const page = Math.max(1, Math.floor(q.page ?? 1));
  const perPage = Math.min(200, Math.max(1, Math.floor(q.perPage ?? 50)));
  const status = q.status && (orderStatuses as readonly string[]).includes(q.status) ? q.status : undefined;
  const text = q.q?.trim().slice(0, 200);
  const like = text ? `%${escapeLike(text)}%` : null;
  const where = scopeWhere(
    scopeOf(args.actor),
    licenseOrders,
    status ? eq(licenseOrders.status, status) : undefined,
    like
      ? or(
          ilike(licenseOrders.customerCompany, like),
          ilike(licenseOrders.customerDomain, like),
          ilike(licenseOrders.partnerReference, like),
        )
      : undefined,
    !args.actor.partnerId && q.partnerId ? eq(licenseOrders.partnerId, q.partnerId) : undefined,
  );
  const [rows, [total]] = await Promise.all([
    db
      .select({
        id: licenseOrders.id,
        partnerId: licenseOrders.partnerId,
        partnerName: partners.name,
        customerCompany: licenseOrders.customerCompany,
        customerDomain: licenseOrders.customerDomain,
        customerCountry: licenseOrders.customerCountry,
        currency: licenseOrders.currency,
        totalMinor: licenseOrders.totalMinor,
        status: licenseOrders.status,
        paymentMethod: licenseOrders.paymentMethod,
        createdAt: licenseOrders.createdAt,
        paidAt: licenseOrders.paidAt,
        renewalOfLicenseId: licenseOrders.renewalOfLicenseId,
      })
      .from(licenseOrders)
      .innerJoin(partners, eq(partners.id, licenseOrders.partnerId))
      .where(where)
      .orderBy(desc(licenseOrders.createdAt), desc(licenseOrders.id))
      .limit(perPage)
      .offset((page - 1) * perPage),
    db.select({ n: count() }).from(licenseOrders).where(where),
  ]);
  return { rows, total: total?.n ?? 0, page, perPage };
}

/** One order with its lines, its licenses (keys included) and its linked deal; NotFoundError when not the actor's. */
export async function getOrder(db: Db, args: { actor: Actor; orderId: string }) {
  assertReader(args.actor);
  assertId(args.orderId, "Order");
  const [order] = await db
    .select({
      order: licenseOrders,
      partnerName: partners.name,
      orderedByName: users.name,
      orderedByEmail: users.email,
    })
    .from(licenseOrders)
    .innerJoin(partners, eq(partners.id, licenseOrders.partnerId))
    .leftJoin(users, eq(users.id, licenseOrders.orderedBy))
    .where(scopeWhere(scopeOf(args.actor), licenseOrders, eq(licenseOrders.id, args.orderId)));
  if (!order) throw new NotFoundError("Order not found.");
  const [lines, issued, deal] = await Promise.all([
    db
      .select({
        id: licenseOrderLines.id,
        position: licenseOrderLines.position,
        productId: licenseOrderLines.productId,
        sku: products.sku,
        productName: products.name,
        edition: products.edition,
        termMonths: products.termMonths,
        seatUnit: products.seatUnit,
        seats: licenseOrderLines.seats,
        unitAmountMinor: licenseOrderLines.unitAmountMinor,
        discountedUnitAmountMinor: licenseOrderLines.discountedUnitAmountMinor,
        lineTotalMinor: licenseOrderLines.lineTotalMinor,
      })
      .from(licenseOrderLines)
      .innerJoin(products, eq(products.id, licenseOrderLines.productId))
      .where(scopeWhere(scopeOf(args.actor), licenseOrderLines, eq(licenseOrderLines.orderId, args.orderId)))
      .orderBy(asc(licenseOrderLines.position)),
    db
      .select({
        id: licenses.id,
        orderLineId: licenses.orderLineId,
        sku: products.sku,
        productName: products.name,
        edition: products.edition,
        seats: licenses.seats,
        key: licenses.key,
        validFrom: licenses.validFrom,
        validUntil: licenses.validUntil,
        status: licenses.status,
        revokedReason: licenses.revokedReason,
      })
      .from(licenses)
      .innerJoin(products, eq(products.id, licenses.productId))
      .innerJoin(licenseOrderLines, eq(licenseOrderLines.id, licenses.orderLineId))
      .where(scopeWhere(scopeOf(args.actor), licenses, eq(licenses.orderId, args.orderId)))
      .orderBy(asc(licenseOrderLines.position)),
    order.order.dealId
      ? db
          .select({ id: deals.id, status: deals.status, customerName: deals.customerName })
          .from(deals)
          .where(scopeWhere(scopeOf(args.actor), deals, eq(deals.id, order.order.dealId)))
          .then((r) => r[0] ?? null)
      : Promise.resolve(null),
  ]);
  return {
    ...order.order,
    partnerName: order.partnerName,
    orderedByName: order.orderedByName,
    orderedByEmail: order.orderedByEmail,
    lines,
    licenses: issued,
    deal,
  };
}

export type OrderDetail = Awaited<ReturnType<typeof getOrder>>;

/** Whether an order is fulfilled yet (the checkout success page polls this until the webhook has run). */
export async function orderStatus(db: Db, args: { actor: Actor; orderId: string }): Promise<OrderStatus> {
  assertReader(args.actor);
  assertId(args.orderId, "Order");
  const [row] = await db
    .select({ status: licenseOrders.status })
    .from(licenseOrders)
    .where(scopeWhere(scopeOf(args.actor), licenseOrders, eq(licenseOrders.id, args.orderId)));
  if (!row) throw new NotFoundError("Order not found.");
  return row.status;
}

function licenseColumns() {
  return {
    id: licenses.id,
    partnerId: licenses.partnerId,
    partnerName: partners.name,
    orderId: licenses.orderId,
    sku: products.sku,
    productName: products.name,
    edition: products.edition,
    seatUnit: products.seatUnit,
    customerCompany: licenses.customerCompany,
    customerDomain: licenses.customerDomain,
    customerCountry: licenses.customerCountry,
    technicalContactEmail: licenses.technicalContactEmail,
    seats: licenses.seats,
    validFrom: licenses.validFrom,
    validUntil: licenses.validUntil,
    status: licenses.status,
    revokedAt: licenses.revokedAt,
    revokedReason: licenses.revokedReason,
    createdAt: licenses.createdAt,
  };
}

/**
 * The license list (partner: its own; vendor: all, optionally one partner's):
 * search over customer, domain, product and SKU, a status filter, pages.
 * `perPage` up to 500; the CSV export asks for all rows with `all`.
 */
export async function listLicenses(
  db: Db,
  args: { actor: Actor; query?: LicenseListQuery & { partnerId?: string }; all?: boolean },
) {
  assertReader(args.actor);
  const parsed = licenseListSchema.safeParse(args.query ?? {});
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const { q, status, page, perPage } = parsed.data;
  let search: SQL | undefined;
  if (q) {
    const like = `%${escapeLike(q)}%`;
    search = or(
      ilike(licenses.customerCompany, like),
      ilike(licenses.customerDomain, like),
      ilike(products.name, like),
      ilike(products.sku, like),
      ilike(licenses.technicalContactEmail, like),
    );
  }
  const partnerFilter =
    !args.actor.partnerId && args.query?.partnerId ? eq(licenses.partnerId, args.query.partnerId) : undefined;
  const where = scopeWhere(
    scopeOf(args.actor),
    licenses,
    status ? eq(licenses.status, status) : undefined,
    search,
    partnerFilter,
  );
  const base = db
    .select(licenseColumns())
    .from(licenses)
    .innerJoin(products, eq(products.id, licenses.productId))
    .innerJoin(partners, eq(partners.id, licenses.partnerId))
    .where(where)
    .orderBy(desc(licenses.createdAt), desc(licenses.id));
  const rows = args.all ? await base.limit(100_000) : await base.limit(perPage).offset((page - 1) * perPage);
  const [total] = await db
    .select({ n: count() })
    .from(licenses)
    .innerJoin(products, eq(products.id, licenses.productId))
    .where(where);
  return { rows, total: total?.n ?? 0, page: args.all ? 1 : page, perPage: args.all ? rows.length : perPage };
}

export type LicenseRow = Awaited<ReturnType<typeof listLicenses>>["rows"][number];

const isoDay = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : "");

/** The license list as CSV (keys are not exported: they are shown and mailed one by one). */
export function licensesCsv(rows: readonly LicenseRow[], opts: { withPartner?: boolean } = {}): string {
  const columns: CsvColumn<LicenseRow>[] = [
    ...(opts.withPartner ? [{ header: "Partner", value: (r: LicenseRow) => r.partnerName }] : []),
    { header: "Customer", value: (r) => r.customerCompany },
    { header: "Domain", value: (r) => r.customerDomain },
    { header: "Country", value: (r) => r.customerCountry },
    { header: "SKU", value: (r) => r.sku },
    { header: "Product", value: (r) => `${r.productName} ${r.edition}` },
    { header: "Seats", value: (r) => r.seats },
    { header: "Seat unit", value: (r) => r.seatUnit },
    { header: "Valid from", value: (r) => isoDay(r.validFrom) },
    { header: "Valid until", value: (r) => (r.validUntil ? isoDay(r.validUntil) : "perpetual") },
    { header: "Status", value: (r) => r.status },
    { header: "Technical contact", value: (r) => r.technicalContactEmail },
    { header: "License id", value: (r) => r.id },
    { header: "Order id", value: (r) => r.orderId },
  ];
  return toCsv(rows, columns);
}

/** One license with its key; NotFoundError when not the actor's. */
export async function getLicense(db: Db, args: { actor: Actor; licenseId: string }) {
  assertReader(args.actor);
  assertId(args.licenseId, "License");
  const [row] = await db
    .select({ ...licenseColumns(), key: licenses.key, termMonths: products.termMonths })
    .from(licenses)
    .innerJoin(products, eq(products.id, licenses.productId))
    .innerJoin(partners, eq(partners.id, licenses.partnerId))
    .where(scopeWhere(scopeOf(args.actor), licenses, eq(licenses.id, args.licenseId)));
  if (!row) throw new NotFoundError("License not found.");
  const renewals = await db
    .select({ id: licenseOrders.id, status: licenseOrders.status, createdAt: licenseOrders.createdAt })
    .from(licenseOrders)
    .where(scopeWhere(scopeOf(args.actor), licenseOrders, eq(licenseOrders.renewalOfLicenseId, row.id)))
    .orderBy(desc(licenseOrders.createdAt));
  return { ...row, renewals };
}
