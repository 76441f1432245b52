/**
 * Exchange rates to the base currency (USD), maintained by vendor license
 * admins: one rate per currency and effective date (setting the same date
 * again replaces it). Revenue converts each order at the rate in force on
 * its paid date.
 */
import { asc, desc, eq } from "drizzle-orm";
import type { Db } from "~db/client";
import { exchangeRates } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import type { Actor } from "~/modules/auth/actor";
import { NotFoundError, ValidationError } from "~/utils/errors.server";
import { fieldErrorsOf } from "~/utils/field-errors";
import { assertId, assertLicenseAdmin } from "./access.server";
import { exchangeRateSchema } from "./schemas";

export async function listExchangeRates(db: Db, args: { actor: Actor }) {
  assertLicenseAdmin(args.actor);
  return db.select().from(exchangeRates).orderBy(asc(exchangeRates.currency), desc(exchangeRates.effectiveDate));
}

/** Sets the rate of a currency from a date (replacing one set for the same date). */
export async function setExchangeRate(db: Db, args: { actor: Actor; input: unknown }) {
  assertLicenseAdmin(args.actor);
  const parsed = exchangeRateSchema.safeParse(args.input);
  if (!parsed.success) throw new ValidationError(fieldErrorsOf(parsed.error));
  const { currency, rateToBase, effectiveDate } = parsed.data;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(exchangeRates)
      .values({ currency, rateToBase, effectiveDate })
      .onConflictDoUpdate({
        target: [exchangeRates.currency, exchangeRates.effectiveDate],
        set: { rateToBase },
      })
      .returning();
    await recordAudit(tx, args.actor, {
      action: "exchange_rate.set",
      subjectType: "exchange_rate",
      subjectId: row!.id,
      after: { currency, rateToBase, effectiveDate },
    });
    return row!;
  });
}

export async function deleteExchangeRate(db: Db, args: { actor: Actor; rateId: string }) {
  assertLicenseAdmin(args.actor);
  assertId(args.rateId, "Exchange rate");
  return db.transaction(async (tx) => {
    const [row] = await tx.delete(exchangeRates).where(eq(exchangeRates.id, args.rateId)).returning();
    if (!row) throw new NotFoundError("Exchange rate not found.");
    await recordAudit(tx, args.actor, {
      action: "exchange_rate.deleted",
      subjectType: "exchange_rate",
      subjectId: row.id,
      before: { currency: row.currency, rateToBase: row.rateToBase, effectiveDate: row.effectiveDate },
    });
    return { id: row.id };
  });
}
