/**
 * The catalog (vendor admins with catalog:manage): products (SKU, name,
 * edition, term in months or perpetual, seat unit), their prices per
 * currency (minor units; JPY whole yen) and retire/activate. Each change is
 * audited. Orders keep the prices they were made with: changing a price never
 * changes an existing order. Tier discounts are not here: they are a benefit
 * in the tier rules (app/modules/tiers), edited as a new rules version.
 */
import { and, asc, eq, inArray, ne } from "drizzle-orm";
import type { Db } from "~db/client";
import { productPrices, products } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import type { Actor } from "~/modules/auth/actor";
import { NotFoundError, ValidationError } from "~/utils/errors.server";
import { fieldErrorsOf } from "~/utils/field-errors";
import { assertCatalogAdmin, assertId, assertOrderer } from "./access.server";
import { currencies, pricesSchema, productSchema, type Currency } from "./schemas";

export interface CatalogEntry {
  id: string;
  sku: string;
  name: string;
  edition: string;
  termMonths: number | null;
  seatUnit: string;
  active: boolean;
  prices: Partial<Record<Currency, number>>;
}

/** Every product with its prices (vendor: all; partners: the active ones, which they can order). */
export async function listCatalog(db: Db, args: { actor: Actor }): Promise<CatalogEntry[]> {
  if (args.actor.partnerId) assertOrderer(args.actor);
  else assertCatalogAdmin(args.actor);
  const rows = await db
    .select()
    .from(products)
    .where(args.actor.partnerId ? eq(products.active, true) : undefined)
    .orderBy(asc(products.name), asc(products.sku));
  const prices = rows.length
    ? await db
        .select()
        .from(productPrices)
        .where(
          inArray(
            productPrices.productId,
            rows.map((r) => r.id),
          ),
        )
    : [];
  return rows.map((p) => ({
    id: p.id,
    sku: p.sku,
    name: p.name,
    edition: p.edition,
    termMonths: p.termMonths,
    seatUnit: p.seatUnit,
    active: p.active,
    prices: Object.fromEntries(prices.filter((x) => x.productId === p.id).map((x) => [x.currency, x.unitAmountMinor])),
  }));
}

async function assertSkuFree(db: Db, sku: string, exceptId?: string): Promise<void> {
  const [taken] = await db
    .select({ id: products.id })
    .from(products)
    .where(and(eq(products.sku, sku), exceptId ? ne(products.id, exceptId) : undefined));
  if (taken) throw new ValidationError({ sku: ["Another product has this SKU."] });
}

/** A new product (active), optionally with its prices (`prices`: decimal strings per currency). */
export async function createProduct(db: Db, args: { actor: Actor; input: unknown }): Promise<{ id: string }> {
  assertCatalogAdmin(args.actor);
  const raw = (args.input ?? {}) as { prices?: unknown };
  const parsed = productSchema.safeParse(args.input);
  const prices = pricesSchema.safeParse(raw.prices ?? {});
  if (!parsed.success || !prices.success) {
    throw new ValidationError({
      ...(parsed.success ? {} : fieldErrorsOf(parsed.error)),
      ...(prices.success ? {} : prefixed("prices", fieldErrorsOf(prices.error))),
    });
  }
  const input = parsed.data;
  return db.transaction(async (tx) => {
    await assertSkuFree(tx, input.sku);
    const [row] = await tx.insert(products).values(input).returning({ id: products.id });
    await writePrices(tx, row!.id, prices.data);
    await recordAudit(tx, args.actor, {
      action: "product.created",
      subjectType: "product",
      subjectId: row!.id,
      after: { ...input, prices: prices.data },
    });
    return { id: row!.id };
  });
}

function prefixed(prefix: string, fields: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k ? `${prefix}.${k}` : prefix, v]));
}

export async function updateProduct(db: Db, args: { actor: Actor; productId: string; input: unknown }) {
  assertCatalogAdmin(args.actor);
  assertId(args.productId, "Product");
  const parsed = productSchema.safeParse(args.input);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const input = parsed.data;
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(products).where(eq(products.id, args.productId)).for("update");
    if (!before) throw new NotFoundError("Product not found.");
    await assertSkuFree(tx, input.sku, before.id);
    await tx.update(products).set(input).where(eq(products.id, before.id));
    await recordAudit(tx, args.actor, {
      action: "product.updated",
      subjectType: "product",
      subjectId: before.id,
      before: {
        sku: before.sku,
        name: before.name,
        edition: before.edition,
        termMonths: before.termMonths,
        seatUnit: before.seatUnit,
      },
      after: input,
    });
    return { id: before.id };
  });
}

/** Retire (no new orders or deal registrations) or activate a product again. */
export async function setProductActive(db: Db, args: { actor: Actor; productId: string; active: boolean }) {
  assertCatalogAdmin(args.actor);
  assertId(args.productId, "Product");
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(products).where(eq(products.id, args.productId)).for("update");
    if (!before) throw new NotFoundError("Product not found.");
    if (before.active === args.active) return { id: before.id, changed: false };
    await tx.update(products).set({ active: args.active }).where(eq(products.id, before.id));
    await recordAudit(tx, args.actor, {
      action: args.active ? "product.activated" : "product.retired",
      subjectType: "product",
      subjectId: before.id,
      before: { active: before.active },
      after: { active: args.active },
    });
    return { id: before.id, changed: true };
  });
}

async function writePrices(tx: Db, productId: string, prices: Partial<Record<Currency, number | null>>): Promise<void> {
  const now = new Date();
  for (const c of currencies) {
    const v = prices[c];
    if (v === undefined) continue;
    if (v === null) {
      await tx.delete(productPrices).where(and(eq(productPrices.productId, productId), eq(productPrices.currency, c)));
    } else {
      await tx
        .insert(productPrices)
        .values({ productId, currency: c, unitAmountMinor: v, updatedAt: now })
        .onConflictDoUpdate({
          target: [productPrices.productId, productPrices.currency],
          set: { unitAmountMinor: v, updatedAt: now },
        });
    }
  }
}

/**
 * Sets a product's price per seat in some currencies: `{ USD: "24.00", JPY:
 * "3300", EUR: "" }` (an empty value removes that currency's price). JPY in
 * whole yen; field errors per currency.
 */
export async function setProductPrices(db: Db, args: { actor: Actor; productId: string; input: unknown }) {
  assertCatalogAdmin(args.actor);
  assertId(args.productId, "Product");
  const parsed = pricesSchema.safeParse(args.input);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  return db.transaction(async (tx) => {
    const [product] = await tx
      .select({ id: products.id })
      .from(products)
      .where(eq(products.id, args.productId))
      .for("update");
    if (!product) throw new NotFoundError("Product not found.");
    const before = await tx.select().from(productPrices).where(eq(productPrices.productId, product.id));
    await writePrices(tx, product.id, parsed.data);
    await recordAudit(tx, args.actor, {
      action: "product.prices_set",
      subjectType: "product",
      subjectId: product.id,
      before: Object.fromEntries(before.map((p) => [p.currency, p.unitAmountMinor])),
      after: parsed.data,
    });
    return { id: product.id };
  });
}
