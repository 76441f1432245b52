/**
 * Lead intake against real PostgreSQL: validation by field (nothing stored),
 * products by id or SKU, duplicate detection against open leads (email, domain)
 * with the form's confirmation, the API's 409 / allowDuplicate and the contact
 * form's note, idempotency keys (sequential and concurrent), who may create
 * leads, the history event and audit, the set-based duplicate lookup, and
 * routing after the create.
 */
import { and, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditEvents, leadEvents, leads, products, routingDecisions } from "~db/schema";
import { contactFormActor, createLead, DuplicateLeadError, findOpenDuplicates } from "~/modules/leads/intake.server";
import { leadRef } from "~/modules/leads/status";
import { ForbiddenError, ValidationError } from "~/utils/errors.server";
import { createTestLead } from "../../support/lead-factories";
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

let manager: TestUser;
let vendorAdmin: TestUser;
let partnerAdmin: TestUser;
let relayId: string;

beforeAll(async () => {
  manager = await createUser(db(), { role: "channel_manager" });
  vendorAdmin = await createUser(db(), { role: "vendor_admin" });
  const partner = await createPartner(db(), { name: "Polder Relay", country: "NL" });
  partnerAdmin = await createUser(db(), { role: "partner_admin", partnerId: partner.id });
  const [r] = await db().select().from(products).where(eq(products.sku, "SRL-PERP"));
  relayId = r!.id;
});

function lead(overrides: Record<string, unknown> = {}) {
  const slug = unique("acme");
  return {
    companyName: `Acme ${slug}`,
    website: `https://www.${slug}.example`,
    contactName: "Jan de Vries",
    contactEmail: `jan@${slug}.example`,
    country: "NL",
    ...overrides,
  };
}

const countLeads = async (email: string) =>
  (
    await db()
      .select()
      .from(leads)
      .where(eq(sql`lower(${leads.contactEmail})`, email.toLowerCase()))
  ).length;

describe("createLead: validation", () => {
  it("reports bad input by field and stores nothing", async () => {
    const email = `${unique("bad")}@x.example`;
    const err = await rejection(
      createLead(
        ctxFor(db(), manager),
        { contactEmail: email, country: "XX", seats: "0", estimatedValue: "10" },
        { source: "form" },
      ),
    );
    expect(err).toBeInstanceOf(ValidationError);
    const fields = (err as ValidationError).fields!;
    expect(Object.keys(fields).sort()).toEqual(["companyName", "contactName", "country", "currency", "seats"]);
    expect(await countLeads(email)).toBe(0);
  });

  it("takes the product by id or SKU and refuses an unknown one at its field", async () => {
    const bySku = await createLead(ctxFor(db(), manager), lead({ product: "srl-perp" }), { source: "form" });
    const byId = await createLead(ctxFor(db(), manager), lead({ product: relayId }), { source: "api" });
    for (const r of [bySku, byId]) {
      const [row] = await db().select().from(leads).where(eq(leads.id, r.lead.id));
      expect(row!.productId).toBe(relayId);
    }
    const err = await rejection(createLead(ctxFor(db(), manager), lead({ product: "NOPE-1" }), { source: "form" }));
    expect((err as ValidationError).fields).toEqual({ product: [expect.stringMatching(/product id or SKU/)] });
  });

  it("stores the normalized lead with a created event and the audit event", async () => {
    const input = lead({
      contactEmail: "Mia@Example-Mail.test",
      website: "",
      region: "nh",
      seats: "40",
      estimatedValue: "12,000.00",
      currency: "EUR",
      message: "<script>alert(1)</script> wants a quote",
    });
    const r = await createLead(ctxFor(db(), manager), input, { source: "form" });
    expect(r.created).toBe(true);
    expect(r.lead.ref).toBe(leadRef(r.lead.number));
    const [row] = await db().select().from(leads).where(eq(leads.id, r.lead.id));
    expect(row).toMatchObject({
      source: "form",
      status: "new",
      contactEmail: "mia@example-mail.test",
      companyDomain: "example-mail.test",
      region: "NL-NH",
      seats: 40,
      estimatedValueMinor: 1_200_000,
      currency: "EUR",
      createdBy: manager.id,
      partnerId: null,
      message: "<script>alert(1)</script> wants a quote",
    });
    const events = await db().select().from(leadEvents).where(eq(leadEvents.leadId, r.lead.id));
    expect(events).toEqual([expect.objectContaining({ kind: "created", actorLabel: manager.email, partnerId: null })]);
    const audit = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, r.lead.id), eq(auditEvents.action, "lead.created")));
    expect(audit).toHaveLength(1);
  });

  it("derives no domain from a free-mail contact", async () => {
    const r = await createLead(
      ctxFor(db(), vendorAdmin),
      lead({ website: undefined, contactEmail: `${unique("p")}@gmail.com` }),
      { source: "form" },
    );
    const [row] = await db().select().from(leads).where(eq(leads.id, r.lead.id));
    expect(row!.companyDomain).toBeNull();
  });
});

describe("createLead: who may", () => {
  it("refuses a partner's people and stores nothing", async () => {
    const input = lead();
    const err = await rejection(createLead(ctxFor(db(), partnerAdmin), input, { source: "form" }));
    expect(err).toBeInstanceOf(ForbiddenError);
    expect(await countLeads(input.contactEmail)).toBe(0);
  });

  it("lets the contact form's system actor create leads, labelled as such", async () => {
    const r = await createLead({ db: db(), actor: contactFormActor("203.0.113.9") }, lead(), { source: "contact" });
    const [ev] = await db().select().from(leadEvents).where(eq(leadEvents.leadId, r.lead.id));
    expect(ev!.actorLabel).toBe("Contact form");
    const [row] = await db().select().from(leads).where(eq(leads.id, r.lead.id));
    expect(row).toMatchObject({ source: "contact", createdBy: null });
  });
});

describe("createLead: duplicates of open leads", () => {
  it("asks the form to confirm a duplicate by email (any case), then creates it", async () => {
    const first = await createLead(ctxFor(db(), manager), lead(), { source: "form" });
    const [orig] = await db().select().from(leads).where(eq(leads.id, first.lead.id));
    const again = lead({ contactEmail: orig!.contactEmail.toUpperCase() });
    const err = await rejection(createLead(ctxFor(db(), manager), again, { source: "form" }));
    expect(err).toBeInstanceOf(DuplicateLeadError);
    const dup = err as DuplicateLeadError;
    expect(dup.status).toBe(409);
    expect(dup.duplicates.map((d) => d.ref)).toEqual([first.lead.ref]);
    expect(dup.fields!.confirmDuplicate![0]).toContain(`Possible duplicate of ${first.lead.ref}`);
    expect(await countLeads(orig!.contactEmail)).toBe(1);

    const created = await createLead(ctxFor(db(), manager), { ...again, confirmDuplicate: "on" }, { source: "form" });
    expect(created.duplicateOf.map((d) => d.ref)).toEqual([first.lead.ref]);
    const [ev] = await db().select().from(leadEvents).where(eq(leadEvents.leadId, created.lead.id));
    expect(ev!.note).toContain(first.lead.ref);
  });

  it("answers the API 409 with the refs on a domain match unless allowDuplicate", async () => {
    const slug = unique("dom");
    const first = await createLead(ctxFor(db(), manager), lead({ website: `${slug}.example` }), { source: "api" });
    const other = lead({ website: undefined, contactEmail: `someone.else@${slug}.example` });
    const err = await rejection(createLead(ctxFor(db(), manager), other, { source: "api" }));
    expect(err).toBeInstanceOf(DuplicateLeadError);
    expect((err as DuplicateLeadError).message).toContain(first.lead.ref);
    expect((err as DuplicateLeadError).message).toContain("allowDuplicate");
    expect(Object.keys((err as DuplicateLeadError).fields!)).toEqual(["allowDuplicate"]);
    const ok = await createLead(ctxFor(db(), manager), { ...other, allowDuplicate: true }, { source: "api" });
    expect(ok.duplicateOf.map((d) => d.id)).toEqual([first.lead.id]);
  });

  it("lets the contact form create the duplicate and names it in the event", async () => {
    const first = await createLead(ctxFor(db(), manager), lead(), { source: "form" });
    const [orig] = await db().select().from(leads).where(eq(leads.id, first.lead.id));
    const r = await createLead({ db: db(), actor: contactFormActor() }, lead({ contactEmail: orig!.contactEmail }), {
      source: "contact",
    });
    expect(r.duplicateOf.map((d) => d.ref)).toEqual([first.lead.ref]);
    const [ev] = await db().select().from(leadEvents).where(eq(leadEvents.leadId, r.lead.id));
    expect(ev!.note).toContain(`Possible duplicate of open lead ${first.lead.ref}`);
  });

  it("ignores won and lost leads", async () => {
    const closed = await createTestLead(db(), { status: "lost" });
    const r = await createLead(
      ctxFor(db(), manager),
      lead({ contactEmail: closed.contactEmail, website: closed.companyDomain }),
      { source: "form" },
    );
    expect(r.duplicateOf).toEqual([]);
  });

  it("findOpenDuplicates looks up many emails and domains in one go", async () => {
    const a = await createTestLead(db());
    const b = await createTestLead(db(), { status: "accepted" });
    const c = await createTestLead(db(), { status: "won" });
    const found = await findOpenDuplicates(db(), {
      emails: [a.contactEmail.toUpperCase(), c.contactEmail, "nobody@nowhere.example"],
      domains: [b.companyDomain, null, c.companyDomain],
    });
    expect(found.map((f) => f.id).sort()).toEqual([a.id, b.id].sort());
    expect(await findOpenDuplicates(db(), { emails: [], domains: [] })).toEqual([]);
  });
});

describe("createLead: idempotency", () => {
  it("returns the same lead for the same key, without a second event", async () => {
    const key = unique("key");
    const input = lead();
    const first = await createLead(ctxFor(db(), manager), input, { source: "api", idempotencyKey: key });
    const second = await createLead(ctxFor(db(), manager), input, { source: "api", idempotencyKey: key });
    expect(second).toMatchObject({ created: false, lead: first.lead });
    // Another client's same key is its own.
    const other = await createLead(ctxFor(db(), vendorAdmin), lead(), { source: "api", idempotencyKey: key });
    expect(other.lead.id).not.toBe(first.lead.id);
    expect(await countLeads(input.contactEmail)).toBe(1);
  });

  it("creates one lead when the same key arrives concurrently", async () => {
    const key = unique("race");
    const input = lead();
    const results = await Promise.all(
      Array.from({ length: 6 }, () => createLead(ctxFor(db(), manager), input, { source: "api", idempotencyKey: key })),
    );
    expect(new Set(results.map((r) => r.lead.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await countLeads(input.contactEmail)).toBe(1);
  });

  it("refuses an empty or overlong key by field", async () => {
    const err = await rejection(
      createLead(ctxFor(db(), manager), lead(), { source: "api", idempotencyKey: "x".repeat(201) }),
    );
    expect((err as ValidationError).fields).toHaveProperty("idempotencyKey");
  });
});

describe("createLead: routing", () => {
  it("routes the lead after it is created when asked", async () => {
    const r = await createLead(ctxFor(db(), manager), lead({ country: "IS" }), { source: "form", route: true });
    expect(r.route).toBeDefined();
    expect(["offered", "no_partner"]).toContain(r.route!.kind);
    const decisions = await db().select().from(routingDecisions).where(eq(routingDecisions.leadId, r.lead.id));
    expect(decisions).toHaveLength(1);
  });

  it("does not route without the option", async () => {
    const r = await createLead(ctxFor(db(), manager), lead(), { source: "form" });
    expect(r.route).toBeUndefined();
    const decisions = await db().select().from(routingDecisions).where(eq(routingDecisions.leadId, r.lead.id));
    expect(decisions).toHaveLength(0);
  });
});
