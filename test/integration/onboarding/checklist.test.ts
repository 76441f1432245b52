import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { agreementAcceptances, agreements, courses, deals, enrollments, partners } from "~db/schema";
import { createInvitationInTx, inviteUser } from "~/modules/accounts/invitations.server";
import { onboardingChecklist, type Checklist } from "~/modules/onboarding/checklist.server";
import { updateProfile } from "~/modules/partners/profile.server";
import { createPartner, createUser, ctxFor, setupTestDb, unique } from "../../support/factories";

const db = setupTestDb();

const doneKeys = (c: Checklist | null) => c!.steps.filter((s) => s.done).map((s) => s.key);

async function freshPartner() {
  // A partner as approval leaves it: approved, no agreement, empty profile, only its admin.
  const partner = await createPartner(db(), { status: "approved" });
  const admin = await createUser(db(), { role: "partner_admin", partnerId: partner.id });
  return { partner, admin };
}

async function acceptAgreement(partnerId: string, userId: string) {
  const version = Math.floor(Math.random() * 1_000_000) + 1000;
  const [agreement] = await db()
    .insert(agreements)
    .values({ version, title: "Partner Programme Agreement", body: "# Terms", effectiveAt: new Date() })
    .returning();
  await db().insert(agreementAcceptances).values({ agreementId: agreement!.id, version, partnerId, userId });
  await db().update(partners).set({ agreementVersion: version, status: "active" }).where(eq(partners.id, partnerId));
}

/** An enrollment in a published course, inserted directly (the learning use cases are tested on their own). */
async function startCourse(partnerId: string, userId: string) {
  const [course] = await db()
    .insert(courses)
    .values({
      key: unique("course"),
      version: 1,
      status: "published",
      title: "Mail relay fundamentals",
      summary: "The basics.",
      audience: "technical",
      estimatedMinutes: 30,
      certificationName: "Relay Associate",
      validityMonths: 24,
    })
    .returning();
  await db().insert(enrollments).values({ partnerId, userId, courseKey: course!.key, courseId: course!.id });
}

const completeProfile = {
  name: "Checklist Relay",
  description: "Relay services.",
  addresses: [{ label: "Head office", street: "Main street 1", city: "Utrecht", country: "NL" }],
  territories: ["NL"],
  specializations: ["mail-relay"],
  contacts: [{ role: "sales", name: "Sam", email: "sam@checklist.test" }],
};

describe("onboardingChecklist", () => {
  it("starts with nothing done", async () => {
    const { admin } = await freshPartner();
    const checklist = await onboardingChecklist(ctxFor(db(), admin));
    expect(checklist!.steps.map((s) => [s.key, s.href, s.available])).toEqual([
      ["agreement", "/agreement", true],
      ["profile", "/profile", true],
      ["colleague", "/team", true],
      ["course", "/training", true],
      ["deal", "/deals/new", true],
    ]);
    expect(doneKeys(checklist)).toEqual([]);
    expect(checklist).toMatchObject({ done: 0, total: 5, complete: false });
    expect(checklist!.steps.find((s) => s.key === "profile")!.detail).toMatch(/a description/);
  });

  it("ticks each available step from real data, one after the other, for admins and users alike", async () => {
    const { partner, admin } = await freshPartner();

    await acceptAgreement(partner.id, admin.id);
    expect(doneKeys(await onboardingChecklist(ctxFor(db(), admin)))).toEqual(["agreement"]);

    // A profile saved without a street is not complete yet.
    await updateProfile(ctxFor(db(), admin), {
      ...completeProfile,
      addresses: [{ label: "Head office", city: "Utrecht", country: "NL" }],
    });
    const partial = await onboardingChecklist(ctxFor(db(), admin));
    expect(doneKeys(partial)).toEqual(["agreement"]);
    expect(partial!.steps.find((s) => s.key === "profile")!.detail).toBe(
      "Still missing: an address with street and city.",
    );

    await updateProfile(ctxFor(db(), admin), completeProfile);
    expect(doneKeys(await onboardingChecklist(ctxFor(db(), admin)))).toEqual(["agreement", "profile"]);

    await inviteUser(ctxFor(db(), admin), { email: `${unique("colleague")}@example.test`, role: "partner_user" });
    const threeDone = await onboardingChecklist(ctxFor(db(), admin));
    expect(doneKeys(threeDone)).toEqual(["agreement", "profile", "colleague"]);
    expect(threeDone).toMatchObject({ done: 3, total: 5, complete: false });

    // Any of the partner's people starting a course ticks the next step.
    const user = await createUser(db(), { role: "partner_user", partnerId: partner.id });
    await startCourse(partner.id, user.id);
    expect(doneKeys(await onboardingChecklist(ctxFor(db(), admin)))).toEqual([
      "agreement",
      "profile",
      "colleague",
      "course",
    ]);

    // And any registration the last one.
    await db()
      .insert(deals)
      .values({
        partnerId: partner.id,
        registeredBy: user.id,
        customerName: "Checklist Customer B.V.",
        customerNameNormalized: "checklist customer",
        customerDomain: `${unique("customer")}.test`,
        country: "NL",
        contactName: "Chris",
        contactEmail: "chris@customer.test",
        valueMinor: 1_000_000,
        currency: "EUR",
        expectedCloseDate: "2027-06-30",
        stage: "qualification",
      });
    const checklist = await onboardingChecklist(ctxFor(db(), admin));
    expect(doneKeys(checklist)).toEqual(["agreement", "profile", "colleague", "course", "deal"]);
    expect(checklist).toMatchObject({ done: 5, total: 5, complete: true });
    expect(await onboardingChecklist(ctxFor(db(), user))).toEqual(checklist);
  });

  it("counts a second user (added without an invitation) as the first colleague", async () => {
    const { partner, admin } = await freshPartner();
    await createUser(db(), { role: "partner_user", partnerId: partner.id });
    expect(doneKeys(await onboardingChecklist(ctxFor(db(), admin)))).toEqual(["colleague"]);
  });

  it("does not count the vendor's invitation of the partner's first admin as a colleague invited", async () => {
    const partner = await createPartner(db(), { status: "approved" });
    const vendor = await createUser(db(), { role: "vendor_admin" });
    await db().transaction((tx) =>
      createInvitationInTx(tx, {
        partnerId: partner.id,
        email: `${unique("first-admin")}@example.test`,
        role: "partner_admin",
        actor: ctxFor(db(), vendor).actor,
        now: new Date(),
      }),
    );
    const admin = await createUser(db(), { role: "partner_admin", partnerId: partner.id });
    expect(doneKeys(await onboardingChecklist(ctxFor(db(), admin)))).toEqual([]);
  });

  it("sees only the actor's own partner", async () => {
    const { partner, admin } = await freshPartner();
    const { admin: otherAdmin } = await freshPartner();
    await acceptAgreement(partner.id, admin.id);
    await inviteUser(ctxFor(db(), admin), { email: `${unique("colleague")}@example.test`, role: "partner_user" });
    await startCourse(partner.id, admin.id);
    expect(doneKeys(await onboardingChecklist(ctxFor(db(), admin)))).toEqual(["agreement", "colleague", "course"]);
    expect(doneKeys(await onboardingChecklist(ctxFor(db(), otherAdmin)))).toEqual([]);
  });

  it("has nothing for vendor staff", async () => {
    const vendor = await createUser(db(), { role: "channel_manager" });
    expect(await onboardingChecklist(ctxFor(db(), vendor))).toBeNull();
  });
});
