/**
 * Deal registration against real PostgreSQL: a clean registration with its
 * lines, history, audit and one review mail; duplicate (same partner) versus
 * conflict (another partner) with stored scores and reasons; the private
 * claim check that leaks nothing; concurrent registrations of one customer;
 * idempotency keys (sequential and concurrent); validation that stores
 * nothing; isolation of the lists and of getDeal.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import {
  auditEvents,
  dealEvents,
  dealLines,
  deals,
  mailMessages,
  mailRecipients,
  partners,
  products,
  type Partner,
} from "~db/schema";
import { claimCheck } from "~/modules/deals/conflicts.server";
import { normalizeCompanyName } from "~/modules/deals/normalize";
import { getDeal, listDeals } from "~/modules/deals/queries.server";
import { DuplicateDealError, registerDeal } from "~/modules/deals/register.server";
import { trigramSimilarity } from "~/modules/deals/scoring";
import { ForbiddenError, NotFoundError, ValidationError } from "~/utils/errors.server";
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

let sakura: Partner;
let southern: Partner;
let polder: Partner;
let sakuraUser: TestUser;
let sakuraAdmin: TestUser;
let southernUser: TestUser;
let polderUser: TestUser;
let manager: TestUser;
let vendorAdmin: TestUser;
let owner: TestUser;
let relay: string;
let gateway: string;
let inactive: string;

const DAY = 86_400_000;
const inDays = (n: number) => new Date(Date.now() + n * DAY).toISOString().slice(0, 10);

beforeAll(async () => {
  manager = await createUser(db(), { role: "channel_manager" });
  vendorAdmin = await createUser(db(), { role: "vendor_admin" });
  owner = await createUser(db(), { role: "channel_manager" });
  sakura = await createPartner(db(), { name: "Sakura Mail Systems", country: "JP" });
  southern = await createPartner(db(), { name: "Southern Cross Messaging", country: "AU", ownerUserId: owner.id });
  polder = await createPartner(db(), { name: "Polder Relay", country: "NL" });
  sakuraUser = await createUser(db(), { role: "partner_user", partnerId: sakura.id });
  sakuraAdmin = await createUser(db(), { role: "partner_admin", partnerId: sakura.id });
  southernUser = await createUser(db(), { role: "partner_user", partnerId: southern.id });
  polderUser = await createUser(db(), { role: "partner_user", partnerId: polder.id });
  const [r] = await db().select().from(products).where(eq(products.sku, "SRL-PERP"));
  const [g] = await db().select().from(products).where(eq(products.sku, "ASG-12"));
  relay = r!.id;
  gateway = g!.id;
  const [old] = await db()
    .insert(products)
    .values({ sku: unique("OLD"), name: "Legacy Relay", edition: "Classic", active: false })
    .returning();
  inactive = old!.id;
});

/** A registration for a unique customer unless overridden. */
function input(overrides: Record<string, unknown> = {}) {
  const slug = unique("cust").replace(/[^a-z0-9-]/g, "");
  return {
    customerName: `${slug} Trading K.K.`,
    customerDomain: `www.${slug}.test`,
    country: "JP",
    region: "Tokyo",
    contactName: "Hiro Yamada",
    contactTitle: "IT Manager",
    contactEmail: `hiro@${slug}.test`,
    lines: [{ productId: relay, quantity: 4 }],
    value: "4800000",
    currency: "JPY",
    expectedCloseDate: inDays(60),
    stage: "proposal",
    competition: "Incumbent on-premise relay",
    notes: "",
    ...overrides,
  };
}

async function counts() {
  return {
    deals: await db().$count(deals),
    lines: await db().$count(dealLines),
    events: await db().$count(dealEvents),
    mail: await db().$count(mailMessages),
    audit: await db().$count(auditEvents),
  };
}

async function dealRow(id: string) {
  const [row] = await db().select().from(deals).where(eq(deals.id, id));
  return row!;
}

async function approve(id: string) {
  await db()
    .update(deals)
    .set({ status: "approved", protectedUntil: new Date(Date.now() + 90 * DAY) })
    .where(eq(deals.id, id));
}

async function reviewMail(dealId: string) {
  const [mail] = await db()
    .select()
    .from(mailMessages)
    .where(eq(mailMessages.dedupeKey, `deal-registered:${dealId}`));
  if (!mail) return null;
  const to = await db().select().from(mailRecipients).where(eq(mailRecipients.mailId, mail.id));
  return { ...mail, recipients: to.map((r) => r.address).sort() };
}

describe("registerDeal", () => {
  it("stores a clean registration with lines, a history event, the audit event and one review mail", async () => {
    const raw = input({
      lines: [
        { productId: relay, quantity: 4 },
        { productId: gateway, quantity: "2" },
      ],
    });
    const result = await registerDeal(ctxFor(db(), sakuraUser), raw);
    expect(result).toMatchObject({
      created: true,
      claim: "clear",
      deal: { status: "pending_review", conflictFlag: false },
    });

    const deal = await dealRow(result.deal.id);
    expect(deal).toMatchObject({
      partnerId: sakura.id,
      registeredBy: sakuraUser.id,
      customerName: raw.customerName,
      customerNameNormalized: normalizeCompanyName(raw.customerName),
      customerDomain: raw.customerDomain.replace("www.", ""),
      country: "JP",
      valueMinor: 4_800_000,
      currency: "JPY",
      stage: "proposal",
      status: "pending_review",
      conflictFlag: false,
      conflicts: [],
      idempotencyKey: null,
    });
    expect(deal.customerNameNormalized).not.toContain("k.k");
    const lines = await db().select().from(dealLines).where(eq(dealLines.dealId, deal.id));
    expect(lines.map((l) => [l.productId, l.quantity, l.partnerId]).sort()).toEqual(
      [
        [relay, 4, sakura.id],
        [gateway, 2, sakura.id],
      ].sort(),
    );
    const events = await db().select().from(dealEvents).where(eq(dealEvents.dealId, deal.id));
    expect(events).toMatchObject([
      { kind: "registered", partnerId: sakura.id, actorLabel: sakuraUser.email, note: null },
    ]);
    const [audit] = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "deal.registered"), eq(auditEvents.subjectId, deal.id)));
    expect(audit).toMatchObject({ actorUserId: sakuraUser.id, partnerId: sakura.id, subjectType: "deal" });
    expect(audit!.after).toMatchObject({ customerName: raw.customerName, valueMinor: 4_800_000, conflictFlag: false });

    // Sakura has no owner channel manager: every active channel manager and vendor admin, in one mail.
    const mail = await reviewMail(deal.id);
    expect(mail).toMatchObject({ template: "deal-review", partnerId: sakura.id });
    expect(mail!.recipients).toEqual(expect.arrayContaining([manager.email, vendorAdmin.email, owner.email]));
    expect(mail!.subject).toBe(`New registration: ${raw.customerName} (Sakura Mail Systems)`);
    expect(mail!.text).toContain("JPY 4,800,000");
    expect(mail!.text).toContain(`/deals/review/${deal.id}`);
  });

  it("mails only the partner's owner channel manager when one is set", async () => {
    const { deal } = await registerDeal(
      ctxFor(db(), southernUser),
      input({ country: "AU", currency: "AUD", value: "12500.50" }),
    );
    expect((await dealRow(deal.id)).valueMinor).toBe(1_250_050);
    expect((await reviewMail(deal.id))!.recipients).toEqual([owner.email]);
  });

  it("refuses the same partner's second registration of a customer (same domain) as a duplicate naming the first", async () => {
    const first = await registerDeal(ctxFor(db(), sakuraUser), input());
    const firstRow = await dealRow(first.deal.id);
    const before = await counts();
    const err = await rejection(
      registerDeal(
        ctxFor(db(), sakuraAdmin),
        input({
          customerName: "Someone Else Entirely",
          customerDomain: `buyer@${firstRow.customerDomain}`,
          country: "US",
        }),
      ),
    );
    expect(err).toBeInstanceOf(DuplicateDealError);
    expect((err as DuplicateDealError).existingDealId).toBe(first.deal.id);
    expect((err as DuplicateDealError).status).toBe(409);
    expect((err as DuplicateDealError).message).toContain(`/deals/${first.deal.id}`);
    expect(await counts()).toEqual(before);
  });

  it("treats a similar name in the same country as a duplicate, but not in another country", async () => {
    const name = `${unique("Hokuriku").replace(/[^A-Za-z0-9]/g, "")} Denki`;
    const first = await registerDeal(ctxFor(db(), sakuraUser), input({ customerName: `${name} K.K.` }));
    const err = await rejection(
      registerDeal(ctxFor(db(), sakuraUser), input({ customerName: `${name.toUpperCase()} Co., Ltd.` })),
    );
    expect(err).toBeInstanceOf(DuplicateDealError);
    expect((err as DuplicateDealError).existingDealId).toBe(first.deal.id);

    const elsewhere = await registerDeal(
      ctxFor(db(), sakuraUser),
      input({ customerName: `${name} Inc.`, country: "US" }),
    );
    expect(elsewhere).toMatchObject({ created: true, deal: { conflictFlag: false } });
  });

  it("no longer counts a closed registration (rejected, lost) as a duplicate", async () => {
    const first = await registerDeal(ctxFor(db(), sakuraUser), input());
    const row = await dealRow(first.deal.id);
    await db().update(deals).set({ status: "rejected" }).where(eq(deals.id, first.deal.id));
    const again = await registerDeal(ctxFor(db(), sakuraUser), input({ customerDomain: row.customerDomain }));
    expect(again.created).toBe(true);
    expect(again.deal.conflictFlag).toBe(false);
  });

  it("stores another partner's registration of the same customer flagged, with scores and reasons on both sides", async () => {
    const domain = `${unique("tokai").replace(/[^a-z0-9-]/g, "")}.test`;
    const first = await registerDeal(
      ctxFor(db(), sakuraUser),
      input({
        customerName: "Tokai Shipping K.K.",
        customerDomain: domain,
        lines: [{ productId: relay, quantity: 4 }],
      }),
    );
    const second = await registerDeal(
      ctxFor(db(), southernUser),
      input({
        customerName: "TOKAI SHIPPING Co., Ltd.",
        customerDomain: `https://www.${domain}/contact`,
        lines: [{ productId: relay, quantity: 10 }],
        currency: "USD",
        value: "30000.00",
      }),
    );
    expect(second).toMatchObject({
      created: true,
      claim: "needs_review",
      deal: { status: "pending_review", conflictFlag: true },
    });
    const row = await dealRow(second.deal.id);
    expect(row.conflicts).toEqual([
      {
        dealId: first.deal.id,
        partnerId: sakura.id,
        score: 1,
        reasons: ["same domain", "name 1.00 similar", "same country", "same products"],
      },
    ]);
    // The earlier registration learns of the later one (and is flagged while it waits for review).
    const earlier = await dealRow(first.deal.id);
    expect(earlier.conflictFlag).toBe(true);
    expect(earlier.conflicts).toEqual([
      { dealId: second.deal.id, partnerId: southern.id, score: 1, reasons: row.conflicts[0]!.reasons },
    ]);
    const [event] = await db().select().from(dealEvents).where(eq(dealEvents.dealId, second.deal.id));
    expect(event!.note).toBe("Flagged for review: a similar registration exists.");
    const mail = await reviewMail(second.deal.id);
    expect(mail!.subject).toBe("New registration with a conflict: TOKAI SHIPPING Co., Ltd. (Southern Cross Messaging)");
    expect(mail!.text).toContain("It matches 1 other registration");
  });

  it("finds a conflict by a similar name alone, reporting the similarity", async () => {
    const base = unique("Koala").replace(/[^A-Za-z]/g, "");
    const first = await registerDeal(
      ctxFor(db(), southernUser),
      input({ customerName: `${base} Freight Pty Ltd`, country: "AU" }),
    );
    const second = await registerDeal(
      ctxFor(db(), polderUser),
      input({ customerName: `${base} Freight Pty. Ltd.`, country: "AU" }),
    );
    const row = await dealRow(second.deal.id);
    expect(row.conflictFlag).toBe(true);
    expect(row.conflicts).toEqual([
      {
        dealId: first.deal.id,
        partnerId: southern.id,
        score: 0.45,
        reasons: ["name 1.00 similar", "same country", "same products"],
      },
    ]);
    // Different enough names do not match.
    const other = await registerDeal(
      ctxFor(db(), polderUser),
      input({ customerName: `${base} Dairy Farms`, country: "AU" }),
    );
    expect(other.deal.conflictFlag).toBe(false);
  });

  it("refuses vendor staff (registrations belong to partners)", async () => {
    expect(await rejection(registerDeal(ctxFor(db(), manager), input()))).toBeInstanceOf(ForbiddenError);
  });
});

describe("validation: field errors and nothing stored", () => {
  const cases: Array<[what: string, overrides: Record<string, unknown>, field: string, message: RegExp]> = [
    [
      "an unknown product",
      { lines: [{ productId: "00000000-0000-4000-8000-000000000000", quantity: 1 }] },
      "lines[0].productId",
      /active product/,
    ],
    [
      "an inactive product",
      { lines: [{ productId: "INACTIVE", quantity: 1 }] },
      "lines[0].productId",
      /active product/,
    ],
    ["no product", { lines: [] }, "lines", /at least one product/],
    ["a past close date", { expectedCloseDate: "2020-01-31" }, "expectedCloseDate", /in the past/],
    ["a close date too far ahead", { expectedCloseDate: inDays(4 * 366) }, "expectedCloseDate", /within 3 years/],
    ["an absurd value", { value: "99999999999999", currency: "USD" }, "value", /too large/],
    ["a zero value", { value: "0" }, "value", /above zero/],
    ["JPY with decimals", { value: "1500.50", currency: "JPY" }, "value", /no minor unit/],
    ["three decimals", { value: "1500.505", currency: "EUR" }, "value", /at most 2 decimals/],
    ["a bad currency", { currency: "GBP" }, "currency", /USD, EUR, JPY, AUD/],
    ["a bad stage", { stage: "won" }, "stage", /sales stage/],
    ["a bad country", { country: "XX" }, "country", /country/],
    ["a free mail domain", { customerDomain: "buyer@gmail.com" }, "customerDomain", /free mail/],
    ["not a domain", { customerDomain: "tokai shipping" }, "customerDomain", /web domain/],
    ["a zero quantity", { lines: [{ productId: "RELAY", quantity: 0 }] }, "lines[0].quantity", /at least 1/],
    [
      "an absurd quantity",
      { lines: [{ productId: "RELAY", quantity: 5_000_000 }] },
      "lines[0].quantity",
      /at most 1,000,000/,
    ],
    ["long notes", { notes: "x".repeat(2001) }, "notes", /2000/],
    ["a malformed lead id", { leadId: "lead-42" }, "leadId", /UUID/],
  ];

  it.each(cases)("refuses %s", async (_what, overrides, field, message) => {
    const o = JSON.parse(
      JSON.stringify(overrides)
        .replaceAll('"INACTIVE"', JSON.stringify(inactive))
        .replaceAll('"RELAY"', JSON.stringify(relay)),
    );
    const before = await counts();
    const err = await rejection(registerDeal(ctxFor(db(), sakuraUser), input(o)));
    expect(err).toBeInstanceOf(ValidationError);
    const fields = (err as ValidationError).fields ?? {};
    expect(fields[field]?.join(" "), JSON.stringify(fields)).toMatch(message);
    expect(await counts()).toEqual(before);
  });

  it("reports every bad field at once", async () => {
    const err = await rejection(
      registerDeal(ctxFor(db(), sakuraUser), { customerName: "", customerDomain: "", lines: [{}], currency: "GBP" }),
    );
    expect(Object.keys((err as ValidationError).fields!).sort()).toEqual(
      expect.arrayContaining([
        "customerName",
        "customerDomain",
        "country",
        "contactName",
        "contactEmail",
        "currency",
        "expectedCloseDate",
        "stage",
        "value",
        "lines[0].productId",
        "lines[0].quantity",
      ]),
    );
  });

  it("refuses an empty or overlong idempotency key", async () => {
    for (const key of ["", "k".repeat(201)]) {
      const err = await rejection(registerDeal(ctxFor(db(), sakuraUser), input(), { idempotencyKey: key }));
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).fields).toHaveProperty("idempotencyKey");
    }
  });
});

describe("idempotency", () => {
  it("returns the same registration for a retried key, with no second row and no second mail", async () => {
    const key = unique("key");
    const raw = input();
    const first = await registerDeal(ctxFor(db(), sakuraUser), raw, { idempotencyKey: key });
    const before = await counts();
    const retry = await registerDeal(ctxFor(db(), sakuraUser), raw, { idempotencyKey: key });
    expect(retry).toEqual({ created: false, claim: null, deal: first.deal });
    expect(await counts()).toEqual(before);
    // The same key from another partner is another registration.
    const other = await registerDeal(ctxFor(db(), polderUser), input(), { idempotencyKey: key });
    expect(other.created).toBe(true);
    expect(other.deal.id).not.toBe(first.deal.id);
  });

  it("creates one registration when the same key arrives twice at the same moment", async () => {
    const key = unique("double-click");
    const raw = input();
    const before = await counts();
    const results = await Promise.all(
      [1, 2, 3].map(() => registerDeal(ctxFor(db(), sakuraUser), raw, { idempotencyKey: key })),
    );
    expect(new Set(results.map((r) => r.deal.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const after = await counts();
    expect(after.deals - before.deals).toBe(1);
    expect(after.mail - before.mail).toBe(1);
  });
});

describe("concurrent registrations by two partners for one customer", () => {
  it("stores both and flags both (the advisory lock makes the second see the first)", async () => {
    for (let round = 0; round < 3; round++) {
      const domain = `${unique("race").replace(/[^a-z0-9-]/g, "")}.test`;
      const name = domain.split(".")[0]!.replace(/-/g, " ");
      const [a, b] = await Promise.all([
        registerDeal(ctxFor(db(), sakuraUser), input({ customerName: `${name} K.K.`, customerDomain: domain })),
        registerDeal(ctxFor(db(), southernUser), input({ customerName: `${name} Co., Ltd.`, customerDomain: domain })),
      ]);
      const rows = await db()
        .select()
        .from(deals)
        .where(inArray(deals.id, [a.deal.id, b.deal.id]));
      expect(rows).toHaveLength(2);
      expect(rows.every((r) => r.conflictFlag)).toBe(true);
      const byId = new Map(rows.map((r) => [r.id, r]));
      expect(byId.get(a.deal.id)!.conflicts.map((c) => c.dealId)).toEqual([b.deal.id]);
      expect(byId.get(b.deal.id)!.conflicts.map((c) => c.dealId)).toEqual([a.deal.id]);
    }
  });
});

describe("claimCheck", () => {
  /** Partner B's customers: one protected (approved), one pending; plus Sakura's own and unknown ones. */
  let protectedDomain: string;
  let pendingDomain: string;
  let ownDomain: string;
  beforeAll(async () => {
    const p = await registerDeal(
      ctxFor(db(), southernUser),
      input({ customerName: "Harbour Bridge Freight Pty Ltd", country: "AU" }),
    );
    await approve(p.deal.id);
    protectedDomain = (await dealRow(p.deal.id)).customerDomain;
    const q = await registerDeal(
      ctxFor(db(), southernUser),
      input({ customerName: "Blue Mountains Dairy Pty Ltd", country: "AU" }),
    );
    pendingDomain = (await dealRow(q.deal.id)).customerDomain;
    const own = await registerDeal(ctxFor(db(), sakuraUser), input({ customerName: "Kansai Paper K.K." }));
    ownDomain = (await dealRow(own.deal.id)).customerDomain;
  });

  const check = (user: TestUser, raw: Record<string, unknown>) => claimCheck(ctxFor(db(), user), raw);

  it("answers already_protected, needs_review, you_registered or clear, and nothing else", async () => {
    expect(
      await check(sakuraUser, { customerName: "Anything", customerDomain: `https://www.${protectedDomain}` }),
    ).toEqual({
      status: "already_protected",
    });
    // A strongly similar name under another domain is protected too.
    expect(
      await check(sakuraUser, { customerName: "HARBOUR BRIDGE FREIGHT", customerDomain: "hbf-other.test" }),
    ).toEqual({
      status: "already_protected",
    });
    expect(await check(sakuraUser, { customerName: "Anything", customerDomain: pendingDomain })).toEqual({
      status: "needs_review",
    });
    expect(
      await check(sakuraUser, { customerName: "Blue Mountain Dairies", customerDomain: "bmd-other.test" }),
    ).toEqual({
      status: "needs_review",
    });
    expect(
      await check(sakuraUser, { customerName: "Kansai Paper Co., Ltd.", customerDomain: `sales@${ownDomain}` }),
    ).toEqual({
      status: "you_registered",
    });
    expect(
      await check(sakuraUser, { customerName: "Completely Unknown GmbH", customerDomain: `${unique("nobody")}.test` }),
    ).toEqual({
      status: "clear",
    });
    // The holder itself hears that it registered the customer.
    expect(await check(southernUser, { customerName: "x", customerDomain: protectedDomain })).toEqual({
      status: "you_registered",
    });
  });

  it("leaks nothing: protected, pending and unknown answers differ only in the status value", async () => {
    const answers = [
      await check(polderUser, { customerName: "Harbour Bridge Freight", customerDomain: protectedDomain }),
      await check(polderUser, { customerName: "Blue Mountains Dairy", customerDomain: pendingDomain }),
      await check(polderUser, { customerName: "Unknown Ventures", customerDomain: `${unique("unknown")}.test` }),
    ];
    expect(answers.map((a) => a.status)).toEqual(["already_protected", "needs_review", "clear"]);
    const shapes = answers.map((a) => JSON.stringify({ ...a, status: "?" }));
    expect(new Set(shapes).size).toBe(1);
    const text = JSON.stringify(answers);
    for (const secret of [southern.id, southern.name, southern.slug, "Harbour", protectedDomain, pendingDomain]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}/);
  });

  it("ignores closed registrations (rejected, won, lost, expired)", async () => {
    const r = await registerDeal(
      ctxFor(db(), southernUser),
      input({ customerName: "Closed Case Pty Ltd", country: "AU" }),
    );
    const domain = (await dealRow(r.deal.id)).customerDomain;
    for (const status of ["rejected", "won", "lost", "expired"] as const) {
      await db().update(deals).set({ status }).where(eq(deals.id, r.deal.id));
      expect(await check(sakuraUser, { customerName: "Closed Case", customerDomain: domain })).toEqual({
        status: "clear",
      });
    }
  });

  it("validates its input and is for partners only", async () => {
    const err = await rejection(check(sakuraUser, { customerName: "", customerDomain: "nope" }));
    expect(err).toBeInstanceOf(ValidationError);
    expect(Object.keys((err as ValidationError).fields!).sort()).toEqual(["customerDomain", "customerName"]);
    expect(await rejection(check(manager, { customerName: "x", customerDomain: "x.test" }))).toBeInstanceOf(
      ForbiddenError,
    );
  });
});

describe("lists and isolation", () => {
  it("a partner lists only its own deals, filtered and paginated; the vendor lists every partner's", async () => {
    const own = await listDeals(ctxFor(db(), polderUser), { page: 1, pageSize: 100 });
    expect(own.total).toBeGreaterThan(0);
    expect(own.rows.every((r) => r.partnerId === polder.id)).toBe(true);

    const all = await listDeals(ctxFor(db(), manager), { page: 1, pageSize: 1000 });
    expect(new Set(all.rows.map((r) => r.partnerId))).toEqual(new Set([sakura.id, southern.id, polder.id]));
    expect(all.total).toBe(await db().$count(deals));

    const pending = await listDeals(ctxFor(db(), sakuraUser), { page: 1, status: "rejected" });
    expect(pending.rows.length).toBeGreaterThan(0);
    expect(pending.rows.every((r) => r.status === "rejected" && r.partnerId === sakura.id)).toBe(true);

    const byName = await listDeals(ctxFor(db(), sakuraUser), { page: 1, q: "kansai paper" });
    expect(byName.rows.map((r) => r.customerName)).toEqual(["Kansai Paper K.K."]);
    // Another partner's customer is not found by name in a partner's list.
    expect((await listDeals(ctxFor(db(), sakuraUser), { page: 1, q: "Harbour" })).total).toBe(0);

    const page1 = await listDeals(ctxFor(db(), sakuraUser), { page: 1, pageSize: 2 });
    const page2 = await listDeals(ctxFor(db(), sakuraUser), { page: 2, pageSize: 2 });
    expect(page1.rows).toHaveLength(2);
    expect(page1.rows.map((r) => r.id)).not.toContain(page2.rows[0]?.id);
  });

  it("getDeal: another partner's deal, an unknown id and a malformed id are all NotFoundError", async () => {
    const { deal } = await registerDeal(ctxFor(db(), sakuraUser), input());
    expect((await getDeal(ctxFor(db(), sakuraAdmin), deal.id)).lines).toHaveLength(1);
    expect((await getDeal(ctxFor(db(), manager), deal.id)).partnerName).toBe("Sakura Mail Systems");
    expect(await rejection(getDeal(ctxFor(db(), polderUser), deal.id))).toBeInstanceOf(NotFoundError);
    expect(await rejection(getDeal(ctxFor(db(), polderUser), "00000000-0000-4000-8000-000000000000"))).toBeInstanceOf(
      NotFoundError,
    );
    expect(await rejection(getDeal(ctxFor(db(), polderUser), "'; drop table deals; --"))).toBeInstanceOf(NotFoundError);
  });
});

describe("name similarity in PostgreSQL", () => {
  it("pg_trgm's similarity() agrees with scoring.ts's trigramSimilarity on normalized names", async () => {
    const pairs: Array<[string, string]> = [
      ["Liberty Mailworks Inc.", "Liberty Mail Works LLC"],
      ["Müller GmbH", "Muller AG"],
      ["Koala Freight Pty Ltd", "Koala Foods Pty Ltd"],
      ["Société Générale S.A.", "Societe Generale de Belgique SA/NV"],
      ["Tokai Shipping K.K.", "Tokai Logistics Co., Ltd."],
    ];
    for (const [a, b] of pairs) {
      const na = normalizeCompanyName(a);
      const nb = normalizeCompanyName(b);
      const result = (await db().execute(sql`select similarity(${na}, ${nb}) as s`)) as unknown as {
        rows: { s: number }[];
      };
      expect(Number(result.rows[0]!.s), `${na} / ${nb}`).toBeCloseTo(trigramSimilarity(na, nb), 5);
    }
  });
});

describe("partners without an owner", () => {
  it("still reach reviewers when the owner was deactivated", async () => {
    const lone = await createUser(db(), { role: "channel_manager", status: "deactivated" });
    const p = await createPartner(db(), { name: "Rheinmail", country: "DE", ownerUserId: lone.id });
    const u = await createUser(db(), { role: "partner_user", partnerId: p.id });
    const { deal } = await registerDeal(ctxFor(db(), u), input({ country: "DE", currency: "EUR", value: "9000" }));
    const mail = await reviewMail(deal.id);
    expect(mail!.recipients).toEqual(expect.arrayContaining([manager.email, vendorAdmin.email]));
    expect(mail!.recipients).not.toContain(lone.email);
    const [partner] = await db().select().from(partners).where(eq(partners.id, p.id));
    expect(partner!.ownerUserId).toBe(lone.id);
  });
});
