/**
 * Deal rows for the review, lifecycle and pipeline tests, inserted directly
 * (registration and conflict detection are tested on their own), plus the
 * queries those tests assert with: a deal's mails (with recipients), history
 * events and audit events.
 */
import { and, asc, eq, inArray, like, or } from "drizzle-orm";
import type { Db } from "../../../db/client";
import {
  auditEvents,
  dealEvents,
  dealLines,
  deals,
  mailMessages,
  mailRecipients,
  products,
  type DealMatch,
} from "../../../db/schema";
import { createPartner, createUser, unique, type TestUser } from "../../support/factories";

export const DAY = 86_400_000;

type DealInsert = typeof deals.$inferInsert;

export interface DealOptions extends Partial<Omit<DealInsert, "partnerId">> {
  partnerId: string;
  /** Product SKUs (from the migration's list) with quantities; default one Mail Server Enterprise line. */
  lines?: { sku: string; quantity: number }[];
}

/** A registration row with its lines; unique customer domain unless given. */
export async function insertDeal(db: Db, opts: DealOptions) {
  const { lines, ...values } = opts;
  const slug = unique("cust");
  const customerName = values.customerName ?? `Customer ${slug}`;
  const [deal] = await db
    .insert(deals)
    .values({
      customerName,
      customerNameNormalized: values.customerNameNormalized ?? customerName.toLowerCase(),
      customerDomain: values.customerDomain ?? `${slug}.example.com`,
      country: "DE",
      contactName: "Erika Mustermann",
      contactEmail: `erika@${slug}.example.com`,
      valueMinor: 2_500_000,
      currency: "EUR",
      expectedCloseDate: "2031-06-30",
      stage: "qualification",
      ...values,
    })
    .returning();
  const wanted = lines ?? [{ sku: "MSE-STD-12", quantity: 250 }];
  if (wanted.length) {
    const rows = await db
      .select({ id: products.id, sku: products.sku })
      .from(products)
      .where(
        inArray(
          products.sku,
          wanted.map((l) => l.sku),
        ),
      );
    await db.insert(dealLines).values(
      wanted.map((l) => ({
        dealId: deal!.id,
        partnerId: deal!.partnerId,
        productId: rows.find((r) => r.sku === l.sku)!.id,
        quantity: l.quantity,
      })),
    );
  }
  return deal!;
}

/** A partner with an admin and a sales user (who registers its deals). */
export async function partnerWithPeople(
  db: Db,
  overrides: { name?: string; country?: string; tier?: "registered" | "silver" | "gold" } = {},
) {
  const partner = await createPartner(db, overrides);
  const admin = await createUser(db, { role: "partner_admin", partnerId: partner.id });
  const seller = await createUser(db, { role: "partner_user", partnerId: partner.id });
  return { partner, admin, seller };
}

export async function vendorStaff(db: Db): Promise<{ manager: TestUser; admin: TestUser }> {
  return {
    manager: await createUser(db, { role: "channel_manager" }),
    admin: await createUser(db, { role: "vendor_admin" }),
  };
}

/** The stored match of `other` on a registration. */
export function match(other: { id: string; partnerId: string }, score: number, reasons: string[]): DealMatch {
  return { dealId: other.id, partnerId: other.partnerId, score, reasons };
}

export async function dealRow(db: Db, id: string) {
  const [row] = await db.select().from(deals).where(eq(deals.id, id));
  return row!;
}

/** Mails about a deal: keyed by one of its events, or by the deal itself (protection warnings). */
export async function mailsOf(db: Db, dealId: string) {
  const events = await db.select({ id: dealEvents.id }).from(dealEvents).where(eq(dealEvents.dealId, dealId));
  const keys = events.flatMap((e) => [`deal-update:${e.id}`, `deal-review:${e.id}`]);
  const messages = await db
    .select()
    .from(mailMessages)
    .where(
      or(
        keys.length ? inArray(mailMessages.dedupeKey, keys) : undefined,
        like(mailMessages.dedupeKey, `deal-protection:${dealId}:%`),
      ),
    )
    .orderBy(asc(mailMessages.createdAt), asc(mailMessages.dedupeKey));
  const recipients = messages.length
    ? await db
        .select()
        .from(mailRecipients)
        .where(
          inArray(
            mailRecipients.mailId,
            messages.map((m) => m.id),
          ),
        )
    : [];
  return messages.map((m) => ({
    ...m,
    to: recipients
      .filter((r) => r.mailId === m.id)
      .map((r) => r.address)
      .sort(),
  }));
}

export async function eventsOf(db: Db, dealId: string) {
  return db
    .select()
    .from(dealEvents)
    .where(eq(dealEvents.dealId, dealId))
    .orderBy(asc(dealEvents.at), asc(dealEvents.id));
}

export async function auditsOf(db: Db, dealId: string, action?: string) {
  return db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.subjectId, dealId), action ? eq(auditEvents.action, action) : undefined))
    .orderBy(asc(auditEvents.at));
}
