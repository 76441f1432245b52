import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditEvents, partners, specializations } from "~db/schema";
import {
  activeSpecializations,
  createSpecialization,
  deleteSpecialization,
  listSpecializations,
  renameSpecialization,
  setSpecializationActive,
} from "~/modules/onboarding/specializations.server";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "~/utils/errors.server";
import { createPartner, createUser, ctxFor, rejection, setupTestDb, type TestUser } from "../../support/factories";

const db = setupTestDb();

let vendorAdmin: TestUser;
let channelManager: TestUser;
let partnerAdmin: TestUser;
beforeAll(async () => {
  vendorAdmin = await createUser(db(), { role: "vendor_admin" });
  channelManager = await createUser(db(), { role: "channel_manager" });
  const partner = await createPartner(db());
  partnerAdmin = await createUser(db(), { role: "partner_admin", partnerId: partner.id });
});

const rows = () => db().select().from(specializations).orderBy(specializations.key);
const auditsFor = (key: string) =>
  db().select().from(auditEvents).where(eq(auditEvents.subjectId, key)).orderBy(auditEvents.at);

describe("specializations", () => {
  it("starts with the list from the migration, in order", async () => {
    expect((await activeSpecializations(db())).map((s) => s.key)).toEqual([
      "mail-relay",
      "anti-spam-gateway",
      "secure-messaging",
      "managed-services",
      "migration",
      "compliance-archiving",
    ]);
  });

  it("adds a specialization at the end of the list, audited", async () => {
    await createSpecialization(ctxFor(db(), vendorAdmin), { key: "dmarc-reporting", label: " DMARC reporting " });
    const list = await activeSpecializations(db());
    expect(list.at(-1)).toEqual({ key: "dmarc-reporting", label: "DMARC reporting" });
    const [event] = await auditsFor("dmarc-reporting");
    expect(event).toMatchObject({
      action: "specialization.created",
      actorUserId: vendorAdmin.id,
      after: { key: "dmarc-reporting", label: "DMARC reporting", active: true },
    });
  });

  it.each([
    ["an uppercase key", { key: "Mail-Relay2", label: "Mail relay 2" }, "key"],
    ["a key with spaces", { key: "mail relay", label: "Mail relay 2" }, "key"],
    ["a one-letter key", { key: "m", label: "Mail relay 2" }, "key"],
    ["a key over 40 characters", { key: "a".repeat(41), label: "Mail relay 2" }, "key"],
    ["a one-letter label", { key: "short-label", label: "x" }, "label"],
    ["a label over 60 characters", { key: "long-label", label: "x".repeat(61) }, "label"],
    ["a key that exists", { key: "mail-relay", label: "Another relay" }, "key"],
  ])("refuses %s with a field error and changes nothing", async (_what, input, field) => {
    const before = await rows();
    const err = await rejection(createSpecialization(ctxFor(db(), vendorAdmin), input));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).fields).toHaveProperty(field);
    expect(await rows()).toEqual(before);
  });

  it("renames the label only, audited with before and after; a bad label is a field error", async () => {
    await renameSpecialization(ctxFor(db(), vendorAdmin), { key: "migration", label: "Mail migration projects" });
    const [row] = await db().select().from(specializations).where(eq(specializations.key, "migration"));
    expect(row).toMatchObject({ key: "migration", label: "Mail migration projects", active: true });
    const events = await auditsFor("migration");
    expect(events.at(-1)).toMatchObject({
      action: "specialization.updated",
      before: { label: "Mail migration" },
      after: { label: "Mail migration projects" },
    });

    const err = await rejection(renameSpecialization(ctxFor(db(), vendorAdmin), { key: "migration", label: "" }));
    expect((err as ValidationError).fields).toHaveProperty("label");
    expect(
      await rejection(renameSpecialization(ctxFor(db(), vendorAdmin), { key: "nope", label: "Nope nope" })),
    ).toBeInstanceOf(NotFoundError);
  });

  it("deactivates and reactivates: no longer offered, kept by partners that have it", async () => {
    const partner = await createPartner(db(), { specializations: ["compliance-archiving"] });
    await setSpecializationActive(ctxFor(db(), vendorAdmin), "compliance-archiving", false);
    expect((await activeSpecializations(db())).map((s) => s.key)).not.toContain("compliance-archiving");
    const [p] = await db().select().from(partners).where(eq(partners.id, partner.id));
    expect(p!.specializations).toEqual(["compliance-archiving"]);
    const list = await listSpecializations(ctxFor(db(), vendorAdmin));
    expect(list.find((s) => s.key === "compliance-archiving")).toMatchObject({ active: false, partners: 1 });

    await setSpecializationActive(ctxFor(db(), vendorAdmin), "compliance-archiving", true);
    expect((await activeSpecializations(db())).map((s) => s.key)).toContain("compliance-archiving");
    const events = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, "compliance-archiving"), eq(auditEvents.action, "specialization.updated")));
    expect(events.map((e) => e.after)).toEqual([{ active: false }, { active: true }]);
  });

  it("deletes only a key nobody uses", async () => {
    await createPartner(db(), { specializations: ["secure-messaging"] });
    const err = await rejection(deleteSpecialization(ctxFor(db(), vendorAdmin), "secure-messaging"));
    expect(err).toBeInstanceOf(ConflictError);
    expect((await rows()).map((r) => r.key)).toContain("secure-messaging");

    await createSpecialization(ctxFor(db(), vendorAdmin), { key: "typo-key", label: "Typo" });
    await deleteSpecialization(ctxFor(db(), vendorAdmin), "typo-key");
    expect((await rows()).map((r) => r.key)).not.toContain("typo-key");
    expect((await auditsFor("typo-key")).map((e) => e.action)).toEqual([
      "specialization.created",
      "specialization.deleted",
    ]);
  });

  it("is for vendor admins only", async () => {
    for (const user of [channelManager, partnerAdmin]) {
      expect(
        await rejection(createSpecialization(ctxFor(db(), user), { key: "nope-key", label: "Nope" })),
      ).toBeInstanceOf(ForbiddenError);
      expect(await rejection(setSpecializationActive(ctxFor(db(), user), "mail-relay", false))).toBeInstanceOf(
        ForbiddenError,
      );
      expect(await rejection(listSpecializations(ctxFor(db(), user)))).toBeInstanceOf(ForbiddenError);
    }
  });
});
