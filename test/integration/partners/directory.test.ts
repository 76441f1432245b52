/**
 * The vendor's partner directory and partner page against real PostgreSQL:
 * each filter, search by name and domain, sorting, pagination, the CSV
 * export, internal notes, the owner change, and vendor-only access.
 *
 * The file's database holds a fixed world made in beforeAll: five named
 * partners, one whose name is a spreadsheet formula, and 30 "Zulu Bulk"
 * partners for pagination. Tests that change it put it back.
 */
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { agreementAcceptances, agreements, applications, auditEvents, partnerNotes, partners } from "~db/schema";
import { addPartnerNote, NOTE_MAX } from "~/modules/partners/notes.server";
import {
  changePartnerOwner,
  DIRECTORY_PAGE_SIZE,
  directoryOptions,
  exportDirectory,
  exportDirectoryCsv,
  getPartnerDetail,
  listDirectory,
  parseDirectoryQuery,
  type DirectoryQuery,
} from "~/modules/partners/directory.server";
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

let admin: TestUser;
let cm1: TestUser;
let cm2: TestUser;
let partnerAdmin: TestUser;
const ids: Record<string, string> = {};

const DAY = 86_400_000;
const t0 = Date.now();
const EVIL = '=HYPERLINK("http://evil.test","click"), "Evil" Inc.';
const FIVE = ["Alpha Mail", "Beta Relay", "Delta 100% Mail_Co", "Epsilon Networks", "Gamma Secure"];

beforeAll(async () => {
  admin = await createUser(db(), { role: "vendor_admin", name: "Avery Admin" });
  cm1 = await createUser(db(), { role: "channel_manager", name: "Casey One" });
  cm2 = await createUser(db(), { role: "channel_manager", name: "Charlie Two" });
  const world = [
    {
      name: "Alpha Mail",
      primaryDomain: "alpha-mail.example.test",
      country: "JP",
      tier: "gold",
      status: "active",
      specializations: ["mail-relay", "secure-messaging"],
      ownerUserId: cm1.id,
      agreementVersion: 1,
      createdAt: new Date(t0 - 5 * DAY),
    },
    {
      name: "Beta Relay",
      primaryDomain: "beta-relay.example.test",
      country: "AU",
      tier: "silver",
      status: "active",
      specializations: ["anti-spam-gateway"],
      ownerUserId: cm2.id,
      createdAt: new Date(t0 - 4 * DAY),
    },
    {
      name: "Gamma Secure",
      primaryDomain: "gamma.example.test",
      country: "CH",
      tier: "registered",
      status: "suspended",
      specializations: ["secure-messaging"],
      ownerUserId: null,
      createdAt: new Date(t0 - 3 * DAY),
    },
    {
      name: "Delta 100% Mail_Co",
      primaryDomain: "delta.example.test",
      country: "DE",
      tier: "gold",
      status: "approved",
      specializations: [],
      ownerUserId: cm1.id,
      createdAt: new Date(t0 - 2 * DAY),
    },
    {
      name: "Epsilon Networks",
      primaryDomain: "mailalpha.example.test",
      country: "US",
      tier: "registered",
      status: "terminated",
      specializations: ["mail-relay"],
      ownerUserId: null,
      createdAt: new Date(t0 - 1 * DAY),
    },
    {
      name: EVIL,
      primaryDomain: "evil.example.test",
      country: "IS",
      tier: "registered",
      status: "applied",
      specializations: [],
      ownerUserId: cm2.id,
      createdAt: new Date(t0 - 6 * DAY),
    },
  ] as const;
  for (const p of world) {
    const row = await createPartner(db(), { ...p, specializations: [...p.specializations] });
    ids[p.name] = row.id;
  }
  for (let i = 1; i <= 30; i++) {
    const name = `Zulu Bulk ${String(i).padStart(2, "0")}`;
    const row = await createPartner(db(), { name, country: "FR", tier: "registered", ownerUserId: cm2.id });
    ids[name] = row.id;
  }
  partnerAdmin = await createUser(db(), { role: "partner_admin", partnerId: ids["Alpha Mail"], name: "Aiko Admin" });
  await createUser(db(), { role: "partner_user", partnerId: ids["Alpha Mail"], name: "Aoi User" });
  await createUser(db(), {
    role: "partner_user",
    partnerId: ids["Alpha Mail"],
    name: "Gone User",
    status: "deactivated",
  });
});

const q = (params: Record<string, string> = {}): DirectoryQuery => parseDirectoryQuery(new URLSearchParams(params));

async function names(params: Record<string, string>): Promise<string[]> {
  const { rows } = await exportDirectory(ctxFor(db(), admin), q(params));
  return rows.map((r) => r.name);
}
/** The order of the five named partners within a sorted export. */
async function orderOfFive(params: Record<string, string>): Promise<string[]> {
  return (await names(params)).filter((n) => FIVE.includes(n));
}

describe("parseDirectoryQuery", () => {
  it("reads every field of a bookmarked view", () => {
    expect(
      q({
        q: " alpha ",
        country: "jp",
        tier: "gold",
        status: "active",
        specialization: "mail-relay",
        owner: "unassigned",
        sort: "created",
        dir: "asc",
        page: "3",
      }),
    ).toEqual({
      q: "alpha",
      country: "JP",
      tier: "gold",
      status: "active",
      specialization: "mail-relay",
      owner: "unassigned",
      sort: "created",
      dir: "asc",
      page: 3,
    });
  });

  it("drops bad values instead of failing", () => {
    expect(
      q({
        q: "x".repeat(201),
        country: "XX",
        tier: "Platinum!",
        status: "deleted",
        specialization: "<script>",
        owner: "not-a-uuid",
        sort: "password_hash",
        dir: "sideways",
        page: "-4",
      }),
    ).toEqual({ sort: "name", page: 1 });
    expect(q({ page: "abc", country: "", q: "   " })).toEqual({ sort: "name", page: 1 });
    expect(q({ page: "1e9" })).toEqual({ sort: "name", page: 1 });
  });
});

describe("listDirectory filters", () => {
  it("lists everything without filters, 25 to a page, with the total", async () => {
    const page = await listDirectory(ctxFor(db(), admin), q());
    expect(page.total).toBe(36);
    expect(page.rows).toHaveLength(DIRECTORY_PAGE_SIZE);
    expect(page.pageSize).toBe(25);
  });

  it("filters by country", async () => {
    expect(await names({ country: "JP" })).toEqual(["Alpha Mail"]);
    expect(await names({ country: "jp" })).toEqual(["Alpha Mail"]);
    expect(await names({ country: "NZ" })).toEqual([]);
  });

  it("ignores a tier filter the ladder in force does not know", async () => {
    expect(await names({ tier: "platinum" })).toEqual(await names({}));
  });

  it("filters by tier", async () => {
    expect(await names({ tier: "gold" })).toEqual(["Alpha Mail", "Delta 100% Mail_Co"]);
    expect(await names({ tier: "silver" })).toEqual(["Beta Relay"]);
  });

  it("filters by status", async () => {
    expect(await names({ status: "suspended" })).toEqual(["Gamma Secure"]);
    expect(await names({ status: "terminated" })).toEqual(["Epsilon Networks"]);
    expect(await names({ status: "approved" })).toEqual(["Delta 100% Mail_Co"]);
  });

  it("filters by specialization (the partner's list contains it)", async () => {
    expect(await names({ specialization: "secure-messaging" })).toEqual(["Alpha Mail", "Gamma Secure"]);
    expect(await names({ specialization: "mail-relay" })).toEqual(["Alpha Mail", "Epsilon Networks"]);
    expect(await names({ specialization: "migration" })).toEqual([]);
  });

  it("filters by owner, and by no owner", async () => {
    expect(await names({ owner: cm1.id })).toEqual(["Alpha Mail", "Delta 100% Mail_Co"]);
    expect(await names({ owner: "unassigned" })).toEqual(["Epsilon Networks", "Gamma Secure"]);
    const cm2Names = await names({ owner: cm2.id });
    expect(cm2Names).toHaveLength(32);
    expect(cm2Names.slice(0, 2)).toEqual([EVIL, "Beta Relay"]);
  });

  it("combines filters", async () => {
    expect(await names({ tier: "gold", owner: cm1.id, status: "active" })).toEqual(["Alpha Mail"]);
    expect(await names({ country: "JP", tier: "silver" })).toEqual([]);
  });
});

describe("listDirectory search", () => {
  it("finds partners by name, case-insensitively", async () => {
    expect(await names({ q: "gamma" })).toEqual(["Gamma Secure"]);
    expect(await names({ q: "SECURE" })).toEqual(["Gamma Secure"]);
  });

  it("finds partners by primary domain", async () => {
    // "alpha" is in Alpha Mail's name and in Epsilon's domain mailalpha.example.test.
    expect(await names({ q: "alpha" })).toEqual(["Alpha Mail", "Epsilon Networks"]);
    expect(await names({ q: "beta-relay.example" })).toEqual(["Beta Relay"]);
    expect(await names({ q: "https://www.delta.example.test/contact" })).toEqual(["Delta 100% Mail_Co"]);
  });

  it("takes % and _ literally", async () => {
    expect(await names({ q: "100%" })).toEqual(["Delta 100% Mail_Co"]);
    expect(await names({ q: "%" })).toEqual(["Delta 100% Mail_Co"]);
    expect(await names({ q: "l_c" })).toEqual(["Delta 100% Mail_Co"]);
    expect(await names({ q: "_" })).toEqual(["Delta 100% Mail_Co"]);
  });

  it("searches within the other filters", async () => {
    expect(await names({ q: "alpha", status: "active" })).toEqual(["Alpha Mail"]);
  });
});

describe("listDirectory sorting", () => {
  it("sorts by name A→Z by default and Z→A on request", async () => {
    expect(await orderOfFive({})).toEqual(FIVE);
    expect(await orderOfFive({ sort: "name", dir: "desc" })).toEqual([...FIVE].reverse());
  });

  it("sorts by country name, not by code", async () => {
    // Australia, Germany, Japan, Switzerland (CH), United States.
    expect(await orderOfFive({ sort: "country" })).toEqual([
      "Beta Relay",
      "Delta 100% Mail_Co",
      "Alpha Mail",
      "Gamma Secure",
      "Epsilon Networks",
    ]);
  });

  it("sorts by tier (gold first when descending), then by name", async () => {
    expect(await orderOfFive({ sort: "tier", dir: "desc" })).toEqual([
      "Alpha Mail",
      "Delta 100% Mail_Co",
      "Beta Relay",
      "Epsilon Networks",
      "Gamma Secure",
    ]);
  });

  it("sorts by status in its lifecycle order", async () => {
    expect(await orderOfFive({ sort: "status" })).toEqual([
      "Delta 100% Mail_Co",
      "Alpha Mail",
      "Beta Relay",
      "Gamma Secure",
      "Epsilon Networks",
    ]);
  });

  it("sorts by creation date, newest first by default", async () => {
    const newestFirst = ["Epsilon Networks", "Delta 100% Mail_Co", "Gamma Secure", "Beta Relay", "Alpha Mail"];
    expect(await orderOfFive({ sort: "created" })).toEqual(newestFirst);
    expect(await orderOfFive({ sort: "created", dir: "asc" })).toEqual([...newestFirst].reverse());
    const page = await listDirectory(ctxFor(db(), admin), q({ sort: "created" }));
    expect(page.dir).toBe("desc");
  });

  it("falls back to the name order for an unknown sort key", async () => {
    expect(await orderOfFive({ sort: "status_reason; drop table partners" })).toEqual(FIVE);
  });
});

describe("listDirectory pagination", () => {
  it("pages through a filtered set with its total", async () => {
    const ctx = ctxFor(db(), admin);
    const first = await listDirectory(ctx, q({ q: "zulu bulk" }));
    expect(first).toMatchObject({ total: 30, page: 1 });
    expect(first.rows.map((r) => r.name)[0]).toBe("Zulu Bulk 01");
    expect(first.rows).toHaveLength(25);
    const second = await listDirectory(ctx, q({ q: "zulu bulk", page: "2" }));
    expect(second).toMatchObject({ total: 30, page: 2 });
    expect(second.rows.map((r) => r.name)).toEqual([
      "Zulu Bulk 26",
      "Zulu Bulk 27",
      "Zulu Bulk 28",
      "Zulu Bulk 29",
      "Zulu Bulk 30",
    ]);
  });

  it("shows the last page for a page number past the end", async () => {
    const past = await listDirectory(ctxFor(db(), admin), q({ q: "zulu bulk", page: "99" }));
    expect(past.page).toBe(2);
    expect(past.rows).toHaveLength(5);
    const none = await listDirectory(ctxFor(db(), admin), q({ q: "no such partner", page: "4" }));
    expect(none).toMatchObject({ total: 0, page: 1, rows: [] });
  });

  it("carries the owner's name, the active people and the agreement version", async () => {
    const { rows } = await listDirectory(ctxFor(db(), admin), q({ country: "JP" }));
    expect(rows[0]).toMatchObject({
      name: "Alpha Mail",
      primaryDomain: "alpha-mail.example.test",
      ownerName: "Casey One",
      people: 2,
      agreementVersion: 1,
      tier: "gold",
      status: "active",
    });
  });
});

describe("directoryOptions", () => {
  it("offers the specializations, the vendor's staff and the countries in use", async () => {
    const opts = await directoryOptions(ctxFor(db(), cm1));
    expect(opts.specializations.map((s) => s.key)).toContain("secure-messaging");
    expect(opts.owners.map((o) => o.name)).toEqual(expect.arrayContaining(["Avery Admin", "Casey One", "Charlie Two"]));
    expect(opts.owners.map((o) => o.name)).not.toContain("Aiko Admin");
    expect(opts.countries.map((c) => c.code)).toEqual(["AU", "FR", "DE", "IS", "JP", "CH", "US"]);
  });
});

/** A strict RFC 4180 reader (the unit tests check the writer cell by cell). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += ch;
  }
  return rows;
}

describe("exportDirectoryCsv", () => {
  it("exports the same rows as the filtered, sorted view, without pagination", async () => {
    const ctx = ctxFor(db(), admin);
    const params = { owner: cm2.id, sort: "name", dir: "desc" };
    const file = await exportDirectoryCsv({ ...ctx, now: new Date("2026-03-04T12:00:00Z") }, q(params));
    expect(file.filename).toBe("partners-2026-03-04.csv");
    expect(file.body.startsWith("\uFEFF")).toBe(true);
    const [header, ...lines] = parseCsv(file.body.slice(1));
    expect(header).toEqual([
      "Name",
      "Legal name",
      "Primary domain",
      "Website",
      "Country code",
      "Country",
      "Region",
      "Tier",
      "Status",
      "Status reason",
      "Owner",
      "Owner email",
      "People",
      "Agreement version",
      "Specializations",
      "Territories",
      "In partner locator",
      "Created",
    ]);
    expect(lines).toHaveLength(32);
    expect(file.rowCount).toBe(32);
    expect(file.truncated).toBe(false);

    // The same set and order as the directory's pages.
    const page1 = await listDirectory(ctx, q(params));
    const page2 = await listDirectory(ctx, q({ ...params, page: "2" }));
    expect(lines.map((l) => l[0])).toEqual(
      [...page1.rows, ...page2.rows].map((r) => r.name).map((n) => (n === EVIL ? `'${n}` : n)),
    );
    expect(lines.every((l) => l.length === header!.length)).toBe(true);
  });

  it("quotes commas and quotes, and neutralizes a name that is a formula", async () => {
    const file = await exportDirectoryCsv(ctxFor(db(), admin), q({ country: "IS" }));
    const body = file.body.slice(1);
    expect(body).toContain(`"'=HYPERLINK(""http://evil.test"",""click""), ""Evil"" Inc."`);
    const [, line] = parseCsv(body);
    expect(line![0]).toBe(`'${EVIL}`);
    expect(line!.slice(4, 6)).toEqual(["IS", "Iceland"]);
    expect(line![10]).toBe("Charlie Two");
  });

  it("writes country names, owner, people and lists", async () => {
    const file = await exportDirectoryCsv(ctxFor(db(), admin), q({ country: "JP" }));
    const [, line] = parseCsv(file.body.slice(1));
    expect(line).toMatchObject({
      0: "Alpha Mail",
      2: "alpha-mail.example.test",
      5: "Japan",
      7: "gold",
      8: "active",
      10: "Casey One",
      11: cm1.email,
      12: "2",
      13: "1",
      14: "mail-relay; secure-messaging",
      16: "no",
    });
  });

  it("exports just the header for a filter that matches nothing", async () => {
    const file = await exportDirectoryCsv(ctxFor(db(), admin), q({ q: "nothing like this" }));
    expect(parseCsv(file.body.slice(1))).toHaveLength(1);
  });
});

describe("vendor-only access", () => {
  it("refuses partner people the directory, the export, the partner page and notes", async () => {
    const ctx = ctxFor(db(), partnerAdmin);
    const own = ids["Alpha Mail"]!;
    expect(await rejection(listDirectory(ctx, q()))).toBeInstanceOf(ForbiddenError);
    expect(await rejection(exportDirectoryCsv(ctx, q()))).toBeInstanceOf(ForbiddenError);
    expect(await rejection(directoryOptions(ctx))).toBeInstanceOf(ForbiddenError);
    expect(await rejection(getPartnerDetail(ctx, own))).toBeInstanceOf(ForbiddenError);
    expect(await rejection(addPartnerNote(ctx, own, { body: "hi" }))).toBeInstanceOf(ForbiddenError);
    expect(await rejection(changePartnerOwner(ctx, own, { ownerUserId: cm1.id }))).toBeInstanceOf(ForbiddenError);
  });

  it("lets channel managers read but not change the owner", async () => {
    const ctx = ctxFor(db(), cm1);
    expect((await listDirectory(ctx, q())).total).toBe(36);
    expect((await getPartnerDetail(ctx, ids["Alpha Mail"]!)).partner.name).toBe("Alpha Mail");
    expect(await rejection(changePartnerOwner(ctx, ids["Alpha Mail"]!, { ownerUserId: cm2.id }))).toBeInstanceOf(
      ForbiddenError,
    );
  });
});

describe("getPartnerDetail", () => {
  it("gathers the profile, people, agreement history, notes, activity and the application", async () => {
    const id = ids["Alpha Mail"]!;
    await db()
      .update(partners)
      .set({
        territories: ["JP", "JP-13"],
        listedInLocator: true,
        addresses: [
          {
            label: "Head office",
            street: "1-1 Marunouchi",
            city: "Tokyo",
            postalCode: "100-0005",
            region: "Tokyo",
            country: "JP",
          },
        ],
        contacts: [
          { role: "sales", name: "Aiko Admin", email: "aiko@alpha-mail.example.test", phone: "+81 3 0000 0000" },
        ],
      })
      .where(eq(partners.id, id));
    const [agreement] = await db()
      .insert(agreements)
      .values({ version: 1, title: "Programme Agreement 2026", body: "# Terms", effectiveAt: new Date(t0 - 10 * DAY) })
      .returning();
    await db()
      .insert(agreementAcceptances)
      .values({
        agreementId: agreement!.id,
        version: 1,
        partnerId: id,
        userId: partnerAdmin.id,
        acceptedAt: new Date(t0 - 4 * DAY),
        ip: "203.0.113.9",
        userAgent: "Test browser",
      });
    const [application] = await db()
      .insert(applications)
      .values({
        status: "approved",
        companyName: "Alpha Mail",
        legalName: "Alpha Mail KK",
        website: "https://alpha-mail.example.test",
        primaryDomain: "alpha-mail.example.test",
        country: "JP",
        region: "Tokyo",
        address: "1-1 Marunouchi",
        registrationId: "JP-123",
        businessType: "reseller",
        expectedAnnualVolume: 50_000,
        contactName: "Aiko Admin",
        contactEmail: "aiko@alpha-mail.example.test",
        contactPhone: "+81 3 0000 0000",
        privacyAcceptedAt: new Date(t0 - 8 * DAY),
        statusTokenHash: unique("hash"),
        partnerId: id,
      })
      .returning({ id: applications.id });
    await addPartnerNote(ctxFor(db(), cm1), id, { body: "Met them at the Tokyo roadshow." });

    const detail = await getPartnerDetail(ctxFor(db(), cm1), id);
    expect(detail.partner).toMatchObject({
      name: "Alpha Mail",
      countryName: "Japan",
      ownerName: "Casey One",
      territories: ["JP", "JP-13"],
      listedInLocator: true,
      specializationLabels: [
        { key: "mail-relay", label: "Mail relay" },
        { key: "secure-messaging", label: "Secure messaging" },
      ],
    });
    expect(detail.partner.addresses[0]).toMatchObject({ city: "Tokyo" });
    expect(detail.partner.contacts[0]).toMatchObject({ role: "sales", name: "Aiko Admin" });
    expect(detail.people.map((p) => [p.name, p.role, p.status])).toEqual([
      ["Aiko Admin", "partner_admin", "active"],
      ["Aoi User", "partner_user", "active"],
      ["Gone User", "partner_user", "deactivated"],
    ]);
    expect(detail.acceptances).toEqual([
      expect.objectContaining({
        version: 1,
        title: "Programme Agreement 2026",
        userName: "Aiko Admin",
        ip: "203.0.113.9",
      }),
    ]);
    expect(detail.notes).toEqual([
      expect.objectContaining({ body: "Met them at the Tokyo roadshow.", authorName: "Casey One" }),
    ]);
    expect(detail.activity.map((a) => a.action)).toContain("partner.note_added");
    expect(detail.application).toMatchObject({ id: application!.id, status: "approved" });
    expect(detail.ownerOptions.map((o) => o.name)).toEqual(expect.arrayContaining(["Casey One", "Charlie Two"]));
  });

  it("has no application for a partner created without one", async () => {
    expect((await getPartnerDetail(ctxFor(db(), admin), ids["Beta Relay"]!)).application).toBeNull();
  });

  it("does not find a malformed or unknown id", async () => {
    for (const id of ["not-a-uuid", "00000000-0000-4000-8000-000000000000", "'; drop table partners; --"]) {
      expect(await rejection(getPartnerDetail(ctxFor(db(), admin), id)), id).toBeInstanceOf(NotFoundError);
    }
  });
});

describe("addPartnerNote", () => {
  it("keeps the text as written (HTML included) with its author and audits without the text", async () => {
    const id = ids["Beta Relay"]!;
    const body = "<b>Watch</b> their renewal & pricing";
    const { id: noteId } = await addPartnerNote(ctxFor(db(), admin), id, { body: `  ${body}  ` });
    const [note] = await db().select().from(partnerNotes).where(eq(partnerNotes.id, noteId));
    expect(note).toMatchObject({ partnerId: id, authorId: admin.id, body });
    const [event] = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "partner.note_added"), eq(auditEvents.subjectId, noteId)));
    expect(event).toMatchObject({ actorUserId: admin.id, partnerId: id, subjectType: "partner_note" });
    expect(JSON.stringify(event)).not.toContain("renewal");
  });

  it("refuses an empty or too long note and writes nothing", async () => {
    const id = ids["Gamma Secure"]!;
    for (const body of ["", "   ", "x".repeat(NOTE_MAX + 1), undefined]) {
      const err = await rejection(addPartnerNote(ctxFor(db(), admin), id, { body }));
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).fields?.body?.length).toBeGreaterThan(0);
    }
    expect(await db().$count(partnerNotes, eq(partnerNotes.partnerId, id))).toBe(0);
    await addPartnerNote(ctxFor(db(), admin), id, { body: "x".repeat(NOTE_MAX) });
    expect(await db().$count(partnerNotes, eq(partnerNotes.partnerId, id))).toBe(1);
  });

  it("does not find an unknown partner", async () => {
    const err = await rejection(
      addPartnerNote(ctxFor(db(), admin), "00000000-0000-4000-8000-000000000000", { body: "x" }),
    );
    expect(err).toBeInstanceOf(NotFoundError);
  });
});

describe("changePartnerOwner", () => {
  it("hands the relationship to another colleague or to nobody, audited, and back", async () => {
    const id = ids[EVIL]!;
    const ctx = ctxFor(db(), admin);
    await changePartnerOwner(ctx, id, { ownerUserId: cm1.id });
    await changePartnerOwner(ctx, id, { ownerUserId: cm1.id }); // unchanged: no second event
    await changePartnerOwner(ctx, id, { ownerUserId: "" });
    const events = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "partner.owner_changed"), eq(auditEvents.subjectId, id)))
      .orderBy(auditEvents.at);
    expect(events.map((e) => [e.before, e.after])).toEqual([
      [
        { ownerUserId: cm2.id, ownerName: "Charlie Two" },
        { ownerUserId: cm1.id, ownerName: "Casey One" },
      ],
      [
        { ownerUserId: cm1.id, ownerName: "Casey One" },
        { ownerUserId: null, ownerName: null },
      ],
    ]);
    expect(events[0]).toMatchObject({ actorUserId: admin.id, partnerId: id });
    await changePartnerOwner(ctx, id, { ownerUserId: cm2.id });
    expect((await getPartnerDetail(ctx, id)).partner.ownerName).toBe("Charlie Two");
  });

  it("refuses a partner's user, a deactivated colleague or a malformed id as owner", async () => {
    const gone = await createUser(db(), { role: "channel_manager", status: "deactivated" });
    for (const ownerUserId of [partnerAdmin.id, gone.id, "nobody", "00000000-0000-4000-8000-000000000000"]) {
      const err = await rejection(changePartnerOwner(ctxFor(db(), admin), ids["Beta Relay"]!, { ownerUserId }));
      expect(err, ownerUserId).toBeInstanceOf(ValidationError);
    }
    expect((await getPartnerDetail(ctxFor(db(), admin), ids["Beta Relay"]!)).partner.ownerName).toBe("Charlie Two");
  });

  it("does not find an unknown partner", async () => {
    const err = await rejection(
      changePartnerOwner(ctxFor(db(), admin), "00000000-0000-4000-8000-000000000000", { ownerUserId: cm1.id }),
    );
    expect(err).toBeInstanceOf(NotFoundError);
  });
});
