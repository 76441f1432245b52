/**
 * Partner applications against real PostgreSQL: the public submission
 * (validation, contact-domain confirmation, duplicate domains with the
 * vendor's mail, a concurrent double submission, honeypot, rate limit), the
 * status link and its answer, and the review (queue, notes, approve / reject /
 * request information, the concurrent double decision).
 */
import { and, eq, inArray } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import {
  applicationMessages,
  applicationNotes,
  applications,
  auditEvents,
  authFailures,
  invitations,
  mailMessages,
  mailOptOuts,
  mailRecipients,
  partners,
  users,
} from "~db/schema";
import { acceptInvitation, findUsableInvitation } from "~/modules/accounts/invitations.server";
import {
  APPLY_LIMITED_MESSAGE,
  APPLY_MAX_PER_WINDOW,
  addApplicationNote,
  answerInformationRequest,
  applicationStatusByToken,
  approveApplication,
  getApplicationForReview,
  listApplications,
  rejectApplication,
  requestApplicationInformation,
  submitApplication,
} from "~/modules/onboarding/applications.server";
import { applicationFilterSchema } from "~/modules/onboarding/application-schemas";
import { appUrl } from "~/utils/env.server";
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RateLimitError,
  RuleError,
  ValidationError,
} from "~/utils/errors.server";
import {
  createPartner,
  createUser,
  ctxFor,
  rejection,
  setupTestDb,
  unique,
  type TestUser,
} from "../../support/factories";

const db = setupTestDb();

let vendorAdmin: TestUser;
let secondAdmin: TestUser;
let manager: TestUser;
let optedOutManager: TestUser;
let partnerUser: TestUser;

beforeAll(async () => {
  vendorAdmin = await createUser(db(), { role: "vendor_admin", name: "Avery Admin" });
  secondAdmin = await createUser(db(), { role: "vendor_admin", name: "Bo Admin" });
  manager = await createUser(db(), { role: "channel_manager", name: "Sam Sales" });
  optedOutManager = await createUser(db(), { role: "channel_manager", name: "Quiet Quinn" });
  await createUser(db(), { role: "vendor_admin", status: "deactivated" });
  await db().insert(mailOptOuts).values({ userId: optedOutManager.id, template: "application-new" });
  const p = await createPartner(db());
  partnerUser = await createUser(db(), { role: "partner_admin", partnerId: p.id });
});

/** A distinct client address per call, so that the rate limit does not get in the way. */
const ip = () => `198.51.100.${Math.floor(Math.random() * 250) + 1}-${unique("c")}`;

function applicationInput(overrides: Record<string, unknown> = {}) {
  const slug = unique("kiwi");
  return {
    companyName: `Kiwi Relay ${slug}`,
    legalName: "Kiwi Relay Limited",
    website: `https://www.${slug}.example`,
    country: "NZ",
    region: "Auckland",
    address: "12 Queen Street\nAuckland 1010",
    registrationId: "NZBN 9429041234567",
    businessType: "reseller",
    specializations: ["mail-relay", "anti-spam-gateway"],
    expectedAnnualVolume: 120000,
    contactName: "Aroha Parata",
    contactEmail: `aroha@${slug}.example`,
    contactPhone: "+64 9 555 0147",
    privacyAccepted: true,
    ...overrides,
  };
}

async function submit(overrides: Record<string, unknown> = {}) {
  const input = applicationInput(overrides);
  const outcome = await submitApplication(db(), input, { ip: ip(), userAgent: "vitest" });
  if (outcome.kind !== "submitted") throw new Error("expected a stored application");
  return { ...outcome, input };
}

async function counts() {
  return {
    applications: await db().$count(applications),
    mail: await db().$count(mailMessages),
    audit: await db().$count(auditEvents),
    partners: await db().$count(partners),
  };
}

async function mailTo(address: string, template: string) {
  return db()
    .select()
    .from(mailMessages)
    .where(and(eq(mailMessages.toAddress, address), eq(mailMessages.template, template)));
}

async function recipientsOf(mailId: string): Promise<string[]> {
  const rows = await db()
    .select({ address: mailRecipients.address })
    .from(mailRecipients)
    .where(eq(mailRecipients.mailId, mailId));
  return rows.map((r) => r.address).sort();
}

async function appRow(id: string) {
  const [row] = await db().select().from(applications).where(eq(applications.id, id));
  return row!;
}

const reviewer = () => ctxFor(db(), manager);

describe("submitApplication", () => {
  it("stores the application with a hashed status token, mails the applicant and the reviewers, and audits", async () => {
    const { id, token, input } = await submit({ primaryDomain: "" });
    const app = await appRow(id);
    const domain = new URL(input.website).hostname.replace(/^www\./, "");
    expect(app).toMatchObject({
      status: "submitted",
      companyName: input.companyName,
      primaryDomain: domain,
      country: "NZ",
      specializations: ["mail-relay", "anti-spam-gateway"],
      contactEmail: input.contactEmail,
      contactDomainMismatch: false,
      userAgent: "vitest",
      partnerId: null,
      decidedAt: null,
    });
    expect(app.privacyAcceptedAt).toBeInstanceOf(Date);
    expect(app.statusTokenHash).not.toContain(token);

    const [received] = await mailTo(input.contactEmail, "application-received");
    expect(received).toBeDefined();
    expect(received!.dedupeKey).toBe(`application-received:${id}`);
    expect(received!.text).toContain(`${appUrl()}/apply/status/${token}`);

    const [fresh] = await db()
      .select()
      .from(mailMessages)
      .where(eq(mailMessages.dedupeKey, `application-new:${id}`));
    expect(fresh!.template).toBe("application-new");
    expect(fresh!.text).toContain(`${appUrl()}/applications/${id}`);
    // Active vendor admins and channel managers, minus the one who turned it off, minus the deactivated admin.
    expect(await recipientsOf(fresh!.id)).toEqual([vendorAdmin.email, secondAdmin.email, manager.email].sort());

    const [event] = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "application.submitted"), eq(auditEvents.subjectId, id)));
    expect(event).toMatchObject({ actorUserId: null, actorLabel: `applicant ${input.contactEmail}`, partnerId: null });
  });

  const invalid: Array<[string, Record<string, unknown>, string]> = [
    ["company name", { companyName: undefined }, "companyName"],
    ["legal name", { legalName: "" }, "legalName"],
    ["website", { website: undefined }, "website"],
    ["bad website", { website: "not a web site" }, "website"],
    ["address", { address: undefined }, "address"],
    ["registration id", { registrationId: undefined }, "registrationId"],
    ["business type", { businessType: undefined }, "businessType"],
    ["volume", { expectedAnnualVolume: undefined }, "expectedAnnualVolume"],
    ["contact name", { contactName: undefined }, "contactName"],
    ["contact email", { contactEmail: undefined }, "contactEmail"],
    ["bad email", { contactEmail: "aroha(at)kiwi" }, "contactEmail"],
    ["phone", { contactPhone: "ring ring" }, "contactPhone"],
    ["country", { country: undefined }, "country"],
    ["bad country", { country: "XX" }, "country"],
    ["specializations", { specializations: [] }, "specializations"],
    ["unknown specialization", { specializations: ["mail-relay", "crypto-mining"] }, "specializations"],
    ["privacy notice", { privacyAccepted: false }, "privacyAccepted"],
  ];
  it.each(invalid)(
    "refuses a missing or bad %s with a field error and stores nothing",
    async (_what, overrides, field) => {
      const before = await counts();
      const err = await rejection(submitApplication(db(), applicationInput(overrides), { ip: ip() }));
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).status).toBe(400);
      expect(Object.keys((err as ValidationError).fields ?? {})).toContain(field);
      expect((err as ValidationError).fields![field]![0]).toBeTruthy();
      expect(await counts()).toEqual(before);
    },
  );

  it("refuses an inactive specialization", async () => {
    // The migration's list is active; a retired key is as unknown as a made-up one.
    const err = await rejection(
      submitApplication(db(), applicationInput({ specializations: ["retired-one"] }), { ip: ip() }),
    );
    expect((err as ValidationError).fields).toHaveProperty("specializations");
  });

  it("asks to confirm a contact address outside the company domain, then stores the mismatch for the reviewer", async () => {
    const before = await counts();
    const outside = { contactEmail: `${unique("aroha")}@freemail.example` };
    const err = await rejection(submitApplication(db(), applicationInput(outside), { ip: ip() }));
    expect((err as ValidationError).fields?.contactEmail?.[0]).toMatch(
      /This address is not at .* tick "I use an address outside/,
    );
    expect(await counts()).toEqual(before);

    const { id } = await submit({ ...outside, contactDomainConfirmed: true });
    expect((await appRow(id)).contactDomainMismatch).toBe(true);
    const detail = await getApplicationForReview(reviewer(), id);
    expect(detail.application.contactDomainMismatch).toBe(true);
    expect(detail.application.contactDomain).toBe("freemail.example");
  });

  describe("duplicate domains", () => {
    it("refuses a domain that belongs to an existing partner, tells the vendor admins once a day, and stores nothing", async () => {
      const partner = await createPartner(db(), { name: "Polder Relay" });
      const domain = partner.primaryDomain;
      const before = await counts();
      const attempt = () =>
        submitApplication(db(), applicationInput({ website: `https://${domain}`, contactEmail: `office@${domain}` }), {
          ip: ip(),
        });
      const err = await rejection(attempt());
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).fields?.primaryDomain?.[0]).toContain(
        `An application or a partner account for ${domain} already exists`,
      );
      const after = await counts();
      expect(after.applications).toBe(before.applications);
      expect(after.partners).toBe(before.partners);
      expect(after.mail).toBe(before.mail + 1);

      const key = `application-duplicate:${domain}:${new Date().toISOString().slice(0, 10)}`;
      const [mail] = await db().select().from(mailMessages).where(eq(mailMessages.dedupeKey, key));
      expect(mail!.template).toBe("application-duplicate");
      expect(mail!.text).toContain("Polder Relay");
      expect(mail!.text).toContain(`office@${domain}`);
      expect(await recipientsOf(mail!.id)).toEqual([vendorAdmin.email, secondAdmin.email].sort());

      // Trying again the same day: refused again, no second mail.
      expect(await rejection(attempt())).toBeInstanceOf(ValidationError);
      expect((await counts()).mail).toBe(before.mail + 1);
    });

    it("refuses a subdomain of a partner's domain, and a contact address at a partner's domain", async () => {
      const partner = await createPartner(db());
      const sub = await rejection(
        submitApplication(
          db(),
          applicationInput({
            website: `https://nl.${partner.primaryDomain}`,
            contactEmail: `a@nl.${partner.primaryDomain}`,
          }),
          {
            ip: ip(),
          },
        ),
      );
      expect((sub as ValidationError).fields).toHaveProperty("primaryDomain");

      const viaContact = await rejection(
        submitApplication(
          db(),
          applicationInput({ contactEmail: `someone@${partner.primaryDomain}`, contactDomainConfirmed: true }),
          { ip: ip() },
        ),
      );
      expect((viaContact as ValidationError).fields?.contactEmail?.[0]).toContain(partner.primaryDomain);
    });

    it("refuses a domain with an application under review; a rejected one does not block", async () => {
      const first = await submit();
      const domain = (await appRow(first.id)).primaryDomain;
      const before = await counts();
      const again = applicationInput({
        website: `https://${domain}`,
        contactEmail: `other@${domain}`,
        companyName: "Second Try",
      });
      const err = await rejection(submitApplication(db(), again, { ip: ip() }));
      expect((err as ValidationError).fields?.primaryDomain?.[0]).toContain(domain);
      expect((await counts()).applications).toBe(before.applications);
      const [mail] = await db()
        .select()
        .from(mailMessages)
        .where(eq(mailMessages.dedupeKey, `application-duplicate:${domain}:${new Date().toISOString().slice(0, 10)}`));
      expect(mail!.text).toContain("already under review");

      await rejectApplication(reviewer(), first.id, { reason: "Not now." });
      const outcome = await submitApplication(db(), again, { ip: ip() });
      expect(outcome.kind).toBe("submitted");
    });

    it("lets exactly one of two simultaneous submissions for one domain in; the other gets the field error", async () => {
      const slug = unique("race");
      const make = (n: number) =>
        applicationInput({
          companyName: `Race ${n}`,
          website: `https://${slug}.example`,
          contactEmail: `c${n}@${slug}.example`,
        });
      const results = await Promise.allSettled([
        submitApplication(db(), make(1), { ip: ip() }),
        submitApplication(db(), make(2), { ip: ip() }),
      ]);
      const ok = results.filter((r) => r.status === "fulfilled");
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(ok).toHaveLength(1);
      expect(failed).toHaveLength(1);
      expect(failed[0]!.reason).toBeInstanceOf(ValidationError);
      expect((failed[0]!.reason as ValidationError).fields?.primaryDomain?.[0]).toContain(`${slug}.example`);
      expect(await db().$count(applications, eq(applications.primaryDomain, `${slug}.example`))).toBe(1);
    });
  });

  it("answers a filled honeypot like a success but stores and sends nothing", async () => {
    const before = await counts();
    const outcome = await submitApplication(
      db(),
      { ...applicationInput(), website_url: "http://spam.example" },
      { ip: ip() },
    );
    expect(outcome).toEqual({ kind: "ignored" });
    expect(await counts()).toEqual(before);
    // Even an invalid bot submission is "accepted".
    expect(await submitApplication(db(), { website_url: "x" }, { ip: ip() })).toEqual({ kind: "ignored" });
  });

  it(`allows ${APPLY_MAX_PER_WINDOW} attempts per client address in 15 minutes, valid or not`, async () => {
    const from = ip();
    const now = new Date();
    await submitApplication(db(), applicationInput(), { ip: from, now });
    for (let i = 1; i < APPLY_MAX_PER_WINDOW; i++) {
      expect(await rejection(submitApplication(db(), { companyName: "x" }, { ip: from, now }))).toBeInstanceOf(
        ValidationError,
      );
    }
    const before = await counts();
    const limited = await rejection(submitApplication(db(), applicationInput(), { ip: from, now }));
    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as RateLimitError).status).toBe(429);
    expect((limited as RateLimitError).message).toBe(APPLY_LIMITED_MESSAGE);
    expect(await counts()).toEqual(before);
    expect(await db().$count(authFailures, eq(authFailures.key, `apply:ip:${from}`))).toBe(APPLY_MAX_PER_WINDOW);

    // Another address is not affected; the same one is welcome again after the window.
    expect((await submitApplication(db(), applicationInput(), { ip: ip(), now })).kind).toBe("submitted");
    const later = new Date(now.getTime() + 15 * 60_000 + 1000);
    expect((await submitApplication(db(), applicationInput(), { ip: from, now: later })).kind).toBe("submitted");
  });
});

describe("status link", () => {
  it("shows the status and the applicant's thread, never notes or reviewer names; an unknown token is 404", async () => {
    const { id, token } = await submit();
    await addApplicationNote(reviewer(), id, { body: "Internal: check their references." });
    const view = await applicationStatusByToken(db(), token);
    expect(view).toMatchObject({ status: "submitted", messages: [], rejectionReason: null });
    const json = JSON.stringify(view);
    expect(json).not.toContain("Internal: check");
    expect(json).not.toContain(manager.name);
    expect(json).not.toContain(manager.email);

    for (const bad of ["", "made-up-token", "x".repeat(500)]) {
      expect(await rejection(applicationStatusByToken(db(), bad))).toBeInstanceOf(NotFoundError);
    }
  });
});

describe("review", () => {
  it("refuses partner users and unknown or malformed ids", async () => {
    const { id } = await submit();
    const partnerCtx = ctxFor(db(), partnerUser);
    expect(await rejection(getApplicationForReview(partnerCtx, id))).toBeInstanceOf(ForbiddenError);
    expect(await rejection(listApplications(partnerCtx, applicationFilterSchema.parse({})))).toBeInstanceOf(
      ForbiddenError,
    );
    expect(await rejection(rejectApplication(partnerCtx, id, { reason: "no" }))).toBeInstanceOf(ForbiddenError);
    for (const bad of ["not-a-uuid", "00000000-0000-4000-8000-000000000000"]) {
      expect(await rejection(getApplicationForReview(reviewer(), bad))).toBeInstanceOf(NotFoundError);
      expect(await rejection(rejectApplication(reviewer(), bad, { reason: "no" }))).toBeInstanceOf(NotFoundError);
      expect(
        await rejection(approveApplication(reviewer(), bad, { tier: "gold", ownerUserId: manager.id })),
      ).toBeInstanceOf(NotFoundError);
    }
    expect((await appRow(id)).status).toBe("submitted");
  });

  it("lists the queue oldest first with filters and pagination", async () => {
    const country = "IS";
    const made: string[] = [];
    for (let i = 0; i < 3; i++)
      made.push((await submit({ country, businessType: i === 1 ? "distributor" : "reseller" })).id);
    const all = await listApplications(reviewer(), applicationFilterSchema.parse({ country }));
    expect(all.rows.map((r) => r.id)).toEqual(made);
    expect(all.total).toBe(3);
    const distributors = await listApplications(
      reviewer(),
      applicationFilterSchema.parse({ country, businessType: "distributor" }),
    );
    expect(distributors.rows.map((r) => r.id)).toEqual([made[1]]);
    await rejectApplication(reviewer(), made[0]!, { reason: "No." });
    expect(
      (await listApplications(reviewer(), applicationFilterSchema.parse({ country }))).rows.map((r) => r.id),
    ).toEqual(made.slice(1));
    expect(
      (await listApplications(reviewer(), applicationFilterSchema.parse({ country, status: "rejected" }))).rows.map(
        (r) => r.id,
      ),
    ).toEqual([made[0]]);
    expect((await listApplications(reviewer(), applicationFilterSchema.parse({ country, status: "all" }))).total).toBe(
      3,
    );
    const page2 = await listApplications(reviewer(), applicationFilterSchema.parse({ status: "all", page: "2" }));
    expect(page2.page).toBe(2);
    expect(page2.rows.length).toBe(Math.max(0, Math.min(page2.pageSize, page2.total - page2.pageSize)));
  });

  it("keeps internal notes on the application", async () => {
    const { id } = await submit();
    const err = await rejection(addApplicationNote(reviewer(), id, { body: "  " }));
    expect((err as ValidationError).fields).toHaveProperty("body");
    await addApplicationNote(reviewer(), id, { body: "<script>alert(1)</script> met them at a fair" });
    const detail = await getApplicationForReview(reviewer(), id);
    expect(detail.notes).toEqual([
      expect.objectContaining({ body: "<script>alert(1)</script> met them at a fair", authorName: manager.name }),
    ]);
    expect(await db().$count(applicationNotes, eq(applicationNotes.applicationId, id))).toBe(1);
    expect(detail.application).not.toHaveProperty("statusTokenHash");
  });

  describe("approve", () => {
    it("offers the tiers of the ladder in force: a key it does not hold is a field error and nothing changes", async () => {
      const { id } = await submit({ region: "Otago" });
      const err = await rejection(approveApplication(reviewer(), id, { tier: "platinum", ownerUserId: manager.id }));
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).fields).toEqual({ tier: ["Choose the initial tier."] });
      expect((await appRow(id)).status).toBe("submitted");
    });

    it("creates the partner (approved), its admin invitation and the approval mail, in one transaction, and audits", async () => {
      const { id, input } = await submit({ region: "Wellington" });
      const result = await approveApplication(reviewer(), id, { tier: "silver", ownerUserId: manager.id });

      const [partner] = await db().select().from(partners).where(eq(partners.id, result.partnerId));
      const domain = (await appRow(id)).primaryDomain;
      expect(partner).toMatchObject({
        status: "approved",
        tier: "silver",
        name: input.companyName,
        legalName: "Kiwi Relay Limited",
        website: input.website,
        primaryDomain: domain,
        country: "NZ",
        region: "Wellington",
        territories: ["NZ"],
        specializations: ["mail-relay", "anti-spam-gateway"],
        businessType: "reseller",
        registrationId: "NZBN 9429041234567",
        phone: "+64 9 555 0147",
        ownerUserId: manager.id,
        addresses: [
          {
            label: "Head office",
            street: input.address,
            city: "",
            postalCode: "",
            region: "Wellington",
            country: "NZ",
          },
        ],
      });
      expect(partner!.slug).toMatch(/^kiwi-relay-kiwi-/);

      expect(await appRow(id)).toMatchObject({
        status: "approved",
        partnerId: result.partnerId,
        decidedBy: manager.id,
        initialTier: "silver",
        ownerUserId: manager.id,
      });

      const [inv] = await db().select().from(invitations).where(eq(invitations.id, result.invitationId));
      expect(inv).toMatchObject({
        email: input.contactEmail,
        role: "partner_admin",
        partnerId: result.partnerId,
        invitedBy: manager.id,
      });

      const approved = await mailTo(input.contactEmail, "application-approved");
      expect(approved).toHaveLength(1);
      expect(approved[0]!.text).toContain(`${appUrl()}/invitations/${result.token}`);
      expect(approved[0]!.subject).toContain(input.companyName);
      expect(approved[0]!.partnerId).toBe(result.partnerId);
      // Instead of, not in addition to, the generic invitation mail.
      expect(await mailTo(input.contactEmail, "invitation")).toHaveLength(0);

      const actions = await db()
        .select({ action: auditEvents.action, actor: auditEvents.actorUserId, partnerId: auditEvents.partnerId })
        .from(auditEvents)
        .where(inArray(auditEvents.subjectId, [id, result.partnerId, result.invitationId]));
      expect(actions).toEqual(
        expect.arrayContaining([
          { action: "application.approved", actor: manager.id, partnerId: result.partnerId },
          { action: "partner.created", actor: manager.id, partnerId: result.partnerId },
          { action: "invitation.created", actor: manager.id, partnerId: result.partnerId },
        ]),
      );
    });

    it("makes the slug unique with -2, -3", async () => {
      const name = `Nordlys ${unique("n")}`;
      const base = name.toLowerCase().replace(/[^a-z0-9]+/g, "-");
      await createPartner(db(), { slug: base, name });
      const a = await submit({ companyName: name });
      const b = await submit({ companyName: name });
      const pa = await approveApplication(reviewer(), a.id, { tier: "registered", ownerUserId: manager.id });
      const pb = await approveApplication(reviewer(), b.id, { tier: "registered", ownerUserId: manager.id });
      const slugs = await db()
        .select({ id: partners.id, slug: partners.slug })
        .from(partners)
        .where(inArray(partners.id, [pa.partnerId, pb.partnerId]));
      expect(new Map(slugs.map((s) => [s.id, s.slug]))).toEqual(
        new Map([
          [pa.partnerId, `${base}-2`],
          [pb.partnerId, `${base}-3`],
        ]),
      );
    });

    it("gives an invitation that can be accepted once, not twice", async () => {
      const { id, input } = await submit();
      const { token, partnerId } = await approveApplication(reviewer(), id, {
        tier: "gold",
        ownerUserId: vendorAdmin.id,
      });
      const form = { name: "Aroha Parata", password: "kia ora koutou katoa", confirmPassword: "kia ora koutou katoa" };
      const { userId } = await acceptInvitation(db(), token, form);
      const [user] = await db().select().from(users).where(eq(users.id, userId));
      expect(user).toMatchObject({ email: input.contactEmail, role: "partner_admin", partnerId });

      expect(await rejection(acceptInvitation(db(), token, form))).toBeInstanceOf(NotFoundError);
      expect(await findUsableInvitation(db(), token)).toEqual({ ok: false, reason: "used" });
      expect(await db().$count(users, eq(users.partnerId, partnerId))).toBe(1);
    });

    it("needs an active vendor owner and a tier; changes nothing otherwise", async () => {
      const { id } = await submit();
      const before = await counts();
      const badOwner = await rejection(
        approveApplication(reviewer(), id, { tier: "gold", ownerUserId: partnerUser.id }),
      );
      expect((badOwner as ValidationError).fields).toHaveProperty("ownerUserId");
      const badTier = await rejection(
        approveApplication(reviewer(), id, { tier: "platinum", ownerUserId: manager.id }),
      );
      expect((badTier as ValidationError).fields).toHaveProperty("tier");
      expect(await counts()).toEqual(before);
      expect((await appRow(id)).status).toBe("submitted");
    });

    it("is all or nothing: a contact address that already has an account leaves everything as it was", async () => {
      const { id, input } = await submit();
      await createUser(db(), { role: "partner_user", partnerId: partnerUser.partnerId, email: input.contactEmail });
      const before = await counts();
      const err = await rejection(approveApplication(reviewer(), id, { tier: "gold", ownerUserId: manager.id }));
      expect(err).toBeInstanceOf(RuleError);
      expect((err as RuleError).message).toContain("already has an account");
      expect(await counts()).toEqual(before);
      expect(await appRow(id)).toMatchObject({ status: "submitted", decidedBy: null, partnerId: null });
      expect(await db().$count(invitations, eq(invitations.email, input.contactEmail))).toBe(0);
    });
  });

  it("rejects with a reason mailed to the applicant; a second decision is a conflict naming the first", async () => {
    const { id, input } = await submit();
    const err = await rejection(rejectApplication(reviewer(), id, { reason: "" }));
    expect((err as ValidationError).fields).toHaveProperty("reason");

    await rejectApplication(reviewer(), id, { reason: "We already have enough partners in your region." });
    expect(await appRow(id)).toMatchObject({
      status: "rejected",
      decidedBy: manager.id,
      decisionReason: "We already have enough partners in your region.",
    });
    const [mail] = await mailTo(input.contactEmail, "application-rejected");
    expect(mail!.text).toContain("We already have enough partners in your region.");
    const [event] = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "application.rejected"), eq(auditEvents.subjectId, id)));
    expect(event).toMatchObject({ actorUserId: manager.id });

    const again = await rejection(
      approveApplication(ctxFor(db(), vendorAdmin), id, { tier: "gold", ownerUserId: manager.id }),
    );
    expect(again).toBeInstanceOf(ConflictError);
    expect((again as ConflictError).status).toBe(409);
    expect((again as ConflictError).message).toMatch(
      /^This application was already decided by Sam Sales at \d{4}-\d\d-\d\d \d\d:\d\d UTC/,
    );
    const view = await applicationStatusByToken(db(), (await submit()).token);
    expect(view.status).toBe("submitted");
  });

  it("requests information; the applicant answers through the new status link and the application is back in review", async () => {
    const { id, input, token: firstToken } = await submit();
    const asked = await requestApplicationInformation(reviewer(), id, {
      message: "Which platforms did you migrate customers from?",
    });
    expect(await appRow(id)).toMatchObject({ status: "info_requested", decidedBy: null });
    const [question] = await db().select().from(applicationMessages).where(eq(applicationMessages.id, asked.messageId));
    expect(question).toMatchObject({ direction: "to_applicant", authorId: manager.id });
    const [mail] = await mailTo(input.contactEmail, "application-info-requested");
    expect(mail!.text).toContain("Which platforms did you migrate customers from?");
    expect(mail!.text).toContain(`${appUrl()}/apply/status/${asked.token}`);
    expect(
      await db().$count(
        auditEvents,
        and(eq(auditEvents.action, "application.info_requested"), eq(auditEvents.subjectId, id)),
      ),
    ).toBe(1);

    // Only the token's hash is kept: the question's mail carries a new link and the first one stops working.
    expect(await rejection(applicationStatusByToken(db(), firstToken))).toBeInstanceOf(NotFoundError);
    const view = await applicationStatusByToken(db(), asked.token);
    expect(view).toMatchObject({
      status: "info_requested",
      messages: [expect.objectContaining({ direction: "to_applicant" })],
    });
    expect(JSON.stringify(view)).not.toContain(manager.name);

    expect(
      ((await rejection(answerInformationRequest(db(), asked.token, { body: " " }))) as ValidationError).fields,
    ).toHaveProperty("body");
    const { messageId } = await answerInformationRequest(
      db(),
      asked.token,
      { body: "Exchange 2016 and a hosted Zimbra." },
      { ip: "203.0.113.5" },
    );
    expect(await appRow(id)).toMatchObject({ status: "submitted" });
    const [answer] = await db().select().from(applicationMessages).where(eq(applicationMessages.id, messageId));
    expect(answer).toMatchObject({
      direction: "from_applicant",
      authorId: null,
      body: "Exchange 2016 and a hosted Zimbra.",
    });

    const [told] = await db()
      .select()
      .from(mailMessages)
      .where(eq(mailMessages.dedupeKey, `application-answered:${messageId}`));
    expect(told!.template).toBe("application-answered");
    expect(await recipientsOf(told!.id)).toEqual([manager.email, vendorAdmin.email, secondAdmin.email].sort());
    const [event] = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "application.answered"), eq(auditEvents.subjectId, id)));
    expect(event).toMatchObject({
      actorUserId: null,
      actorLabel: `applicant ${input.contactEmail}`,
      ip: "203.0.113.5",
    });

    // Not waiting for an answer any more.
    expect(await rejection(answerInformationRequest(db(), asked.token, { body: "More." }))).toBeInstanceOf(
      ConflictError,
    );
    expect(await rejection(answerInformationRequest(db(), "unknown", { body: "More." }))).toBeInstanceOf(NotFoundError);

    // The thread in the review, and the application can be decided again.
    const detail = await getApplicationForReview(reviewer(), id);
    expect(detail.messages.map((m) => m.direction)).toEqual(["to_applicant", "from_applicant"]);
    await approveApplication(reviewer(), id, { tier: "registered", ownerUserId: manager.id });
  });

  it("lets exactly one of two simultaneous decisions win; the other is told who decided", async () => {
    for (let round = 0; round < 3; round++) {
      const { id } = await submit();
      const partnersBefore = await db().$count(partners);
      const results = await Promise.allSettled([
        approveApplication(ctxFor(db(), vendorAdmin), id, { tier: "gold", ownerUserId: manager.id }),
        rejectApplication(reviewer(), id, { reason: "Not a fit." }),
      ]);
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]!.reason).toBeInstanceOf(ConflictError);
      const app = await appRow(id);
      const approvedWon = results[0]!.status === "fulfilled";
      expect(app.status).toBe(approvedWon ? "approved" : "rejected");
      expect((lost[0]!.reason as ConflictError).message).toContain(approvedWon ? "Avery Admin" : "Sam Sales");
      expect(await db().$count(partners)).toBe(partnersBefore + (approvedWon ? 1 : 0));
      expect(
        await db().$count(partners, eq(partners.id, app.partnerId ?? "00000000-0000-4000-8000-000000000000")),
      ).toBe(approvedWon ? 1 : 0);
    }
  });

  it("shows the reviewer partners on the same domain or with a similar name, and refuses to approve onto a taken domain", async () => {
    const similar = await createPartner(db(), { name: "Maple Secure Messaging" });
    const { id } = await submit({ companyName: "Maple Secure Messaging Canada" });
    // A partner got the domain after the application came in (e.g. created by hand).
    const domain = (await appRow(id)).primaryDomain;
    const sameDomain = await createPartner(db(), { name: "Maple HQ", primaryDomain: domain });
    const earlier = await submit({ companyName: "Maple Secure Messaging Canada Ltd" });

    const detail = await getApplicationForReview(reviewer(), id);
    expect(detail.related.sameDomain.map((p) => p.id)).toEqual([sameDomain.id]);
    expect(detail.related.similarNames.map((p) => p.id)).toContain(similar.id);
    expect(detail.related.similarNames.map((p) => p.id)).not.toContain(sameDomain.id);
    expect(detail.related.otherApplications.map((a) => a.id)).toContain(earlier.id);

    const before = await counts();
    const err = await rejection(approveApplication(reviewer(), id, { tier: "gold", ownerUserId: manager.id }));
    expect(err).toBeInstanceOf(RuleError);
    expect((err as RuleError).message).toContain(`already uses the domain ${domain}`);
    expect(await counts()).toEqual(before);
  });
});
