/**
 * Who is certified, against PostgreSQL: the tier rules' certifiedPeople at
 * several dates, the partner admin's team matrix and its CSV (and that an
 * admin sees only their own partner's people), and the vendor's report.
 */
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { users } from "~db/schema";
import {
  certifiedPeople,
  exportTeamMatrixCsv,
  teamMatrix,
  trainingReport,
  type TeamMatrix,
} from "~/modules/training/reports.server";
import { ForbiddenError } from "~/utils/errors.server";
import { createPartner, createUser, ctxFor, rejection, setupTestDb, unique } from "../../support/factories";
import { certify, createCourse, DAY, enroll } from "./certification-fixtures";

const db = setupTestDb();
const d = (iso: string) => new Date(`${iso}T00:00:00Z`);

describe("certifiedPeople", () => {
  async function world() {
    const partner = await createPartner(db());
    const other = await createPartner(db());
    const person = (name: string, partnerId = partner.id) =>
      createUser(db(), { role: "partner_user", partnerId, name: unique(name) });
    const [ana, ben, cas, dee, eve] = await Promise.all([
      person("ana"),
      person("ben"),
      person("cas"),
      person("dee"),
      person("eve", other.id),
    ]);
    const relay = await createCourse(db(), { title: "Mail relay fundamentals", certificationName: "Relay Associate" });
    const tls = await createCourse(db(), { title: "Secure relay configuration", certificationName: "TLS Specialist" });
    const cert = (
      user: { id: string; partnerId: string | null },
      course: typeof relay,
      earned: string,
      expires: string,
      status?: "active" | "expired" | "revoked",
    ) =>
      certify(db(), {
        partnerId: user.partnerId!,
        userId: user.id,
        course,
        earnedAt: d(earned),
        expiresAt: d(expires),
        status,
      });

    await cert(ana!, relay, "2025-01-01", "2027-01-01");
    await cert(ana!, relay, "2026-06-01", "2028-06-01", "active"); // renewed early: still one person
    await cert(ana!, tls, "2025-03-01", "2027-03-01");
    await cert(ben!, relay, "2024-01-01", "2026-01-01", "expired"); // valid before its expiry
    await cert(cas!, relay, "2025-01-01", "2027-01-01", "revoked");
    await cert(dee!, relay, "2025-01-01", "2027-01-01");
    await db().update(users).set({ status: "deactivated" }).where(eq(users.id, dee!.id)); // left the company
    await cert(eve!, relay, "2025-01-01", "2027-01-01");
    return { partner, other, ana: ana!, ben: ben!, eve: eve!, relay, tls };
  }

  const summary = (groups: Awaited<ReturnType<typeof certifiedPeople>>) =>
    groups.map((g) => [g.courseKey, g.certificationName, g.people.map((p) => p.userId)]);

  it("counts the people holding a valid certification at each date, each person once", async () => {
    const { partner, ana, ben, relay, tls } = await world();
    const at = (iso: string, courseKey?: string) =>
      certifiedPeople(db(), { partnerId: partner.id, at: d(iso), courseKey });

    // Before anything was earned.
    expect(await at("2023-06-01")).toEqual([]);
    // Ben only (Ana's first certification starts in 2025).
    expect(summary(await at("2024-06-01"))).toEqual([[relay.key, "Relay Associate", [ben.id]]]);
    // Both hold the relay certification; Ana also the TLS one. The revoked and the departed are not counted.
    // Groups by course key, people by name (ana-… before ben-…).
    expect(summary(await at("2025-06-01"))).toEqual(
      [
        [relay.key, "Relay Associate", [ana.id, ben.id]],
        [tls.key, "TLS Specialist", [ana.id]],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    // Ben's expired on 2026-01-01 (the row says "expired", the date decides).
    expect(summary(await at("2026-01-01", relay.key))).toEqual([[relay.key, "Relay Associate", [ana.id]]]);
    // Holding two valid relay certifications, Ana appears once, with the one that lasts longest.
    const renewed = await at("2026-07-01", relay.key);
    expect(renewed[0]!.people).toEqual([
      { userId: ana.id, name: ana.name, email: ana.email, earnedAt: d("2026-06-01"), expiresAt: d("2028-06-01") },
    ]);
    // After every expiry.
    expect(await at("2028-06-01")).toEqual([]);
  });

  it("is scoped to the partner asked about", async () => {
    const { other, eve, relay } = await world();
    expect(summary(await certifiedPeople(db(), { partnerId: other.id, at: d("2025-06-01") }))).toEqual([
      [relay.key, "Relay Associate", [eve.id]],
    ]);
    const nobody = await createPartner(db());
    expect(await certifiedPeople(db(), { partnerId: nobody.id, at: d("2025-06-01") })).toEqual([]);
  });
});

describe("team matrix", () => {
  const now = d("2026-05-15");

  async function team() {
    const partner = await createPartner(db());
    const admin = await createUser(db(), { role: "partner_admin", partnerId: partner.id, name: unique("a-admin") });
    const learner = await createUser(db(), { role: "partner_user", partnerId: partner.id, name: unique("b-learner") });
    const certified = await createUser(db(), { role: "partner_user", partnerId: partner.id, name: unique("c-cert") });
    const lapsed = await createUser(db(), { role: "partner_user", partnerId: partner.id, name: unique("d-lapsed") });
    const gone = await createUser(db(), { role: "partner_user", partnerId: partner.id, status: "deactivated" });

    // Version 1 superseded by version 2 (published): one column. A draft course: no column.
    const title = unique("Anti-spam gateway deployment");
    const v1 = await createCourse(db(), { title, status: "superseded", modules: 4 });
    const v2 = await createCourse(db(), { key: v1.key, version: 2, title, modules: 5 });
    const draft = await createCourse(db(), { title: "Draft course", status: "draft" });
    const selling = await createCourse(db(), { title: unique("Selling to regulated industries"), modules: 2 });

    // The learner started version 1 (kept when version 2 was published): 3 of its 4 modules.
    await enroll(db(), { partnerId: partner.id, userId: learner.id, course: v1, completed: 3 });
    await certify(db(), {
      partnerId: partner.id,
      userId: certified.id,
      course: v2,
      earnedAt: d("2024-06-01"),
      expiresAt: new Date(now.getTime() + 20 * DAY),
    });
    await certify(db(), {
      partnerId: partner.id,
      userId: certified.id,
      course: selling,
      earnedAt: d("2026-01-01"),
      expiresAt: d("2028-01-01"),
    });
    await certify(db(), {
      partnerId: partner.id,
      userId: lapsed.id,
      course: v1,
      earnedAt: d("2024-01-01"),
      expiresAt: d("2026-01-10"),
      status: "expired",
    });
    await certify(db(), {
      partnerId: partner.id,
      userId: gone.id,
      course: v2,
      earnedAt: d("2025-01-01"),
      expiresAt: d("2027-01-01"),
    });
    return { partner, admin, learner, certified, lapsed, gone, v2, draft, selling };
  }

  const cellOf = (m: TeamMatrix, userId: string, courseKey: string) => {
    const i = m.courses.findIndex((c) => c.key === courseKey);
    if (i < 0) throw new Error(`no column ${courseKey}`);
    return m.rows.find((r) => r.userId === userId)!.cells[i]!;
  };

  it("shows each active person's state per published course", async () => {
    const t = await team();
    const m = await teamMatrix(ctxFor(db(), t.admin, now));

    expect(m.rows.map((r) => r.userId)).toEqual([t.admin.id, t.learner.id, t.certified.id, t.lapsed.id]);
    expect(m.courses.filter((c) => c.key === t.v2.key)).toHaveLength(1);
    expect(m.courses.some((c) => c.key === t.draft.key)).toBe(false);

    expect(cellOf(m, t.admin.id, t.v2.key)).toEqual({ state: "not_started" });
    expect(cellOf(m, t.learner.id, t.v2.key)).toEqual({
      state: "in_progress",
      percent: 75,
      completedModules: 3,
      totalModules: 4,
      expiredOn: null,
    });
    expect(cellOf(m, t.certified.id, t.v2.key)).toMatchObject({
      state: "certified",
      until: new Date(now.getTime() + 20 * DAY),
      daysLeft: 20,
      warning: "expires in 20 days",
    });
    expect(cellOf(m, t.certified.id, t.selling.key)).toMatchObject({
      state: "certified",
      until: d("2028-01-01"),
      warning: null,
    });
    expect(cellOf(m, t.lapsed.id, t.v2.key)).toEqual({ state: "expired", on: d("2026-01-10") });
  });

  it("exports the same matrix as CSV", async () => {
    const t = await team();
    const file = await exportTeamMatrixCsv(ctxFor(db(), t.admin, now));
    expect(file.filename).toBe("team-training-2026-05-15.csv");
    const lines = file.body
      .replace(/^\uFEFF/, "")
      .split("\r\n")
      .filter(Boolean);
    const header = lines[0]!.split(",");
    expect(header.slice(0, 2)).toEqual(["Name", "Email"]);
    const relayCol = header.indexOf(t.v2.title);
    const sellingCol = header.indexOf(t.selling.title);
    expect(relayCol).toBeGreaterThan(1);
    expect(sellingCol).toBeGreaterThan(1);
    expect(lines).toHaveLength(5);
    const row = (user: { email: string }) => lines.find((l) => l.includes(user.email))!.split(",");
    expect(row(t.admin)[relayCol]).toBe("Not started");
    expect(row(t.learner)[relayCol]).toBe("In progress (75%)");
    expect(row(t.certified)[relayCol]).toBe("Certified until 2026-06-04 (expires in 20 days)");
    expect(row(t.certified)[sellingCol]).toBe("Certified until 2028-01-01");
    expect(row(t.lapsed)[relayCol]).toBe("Expired on 2026-01-10");
    expect(file.body).not.toContain(t.gone.email);
  });

  it("shows a partner admin only their own partner's people and progress", async () => {
    const mine = await team();
    const theirs = await team();
    const m = await teamMatrix(ctxFor(db(), mine.admin, now));
    const ids = m.rows.map((r) => r.userId);
    expect(ids).not.toContain(theirs.admin.id);
    expect(ids).not.toContain(theirs.certified.id);
    const csv = (await exportTeamMatrixCsv(ctxFor(db(), mine.admin, now))).body;
    expect(csv).not.toContain(theirs.learner.email);
  });

  it("refuses partner users and vendor staff", async () => {
    const t = await team();
    expect(await rejection(teamMatrix(ctxFor(db(), t.learner, now)))).toBeInstanceOf(ForbiddenError);
    expect(await rejection(exportTeamMatrixCsv(ctxFor(db(), t.learner, now)))).toBeInstanceOf(ForbiddenError);
    const vendor = await createUser(db(), { role: "vendor_admin" });
    expect(await rejection(teamMatrix(ctxFor(db(), vendor, now)))).toBeInstanceOf(ForbiddenError);
  });
});

describe("vendor training report", () => {
  const now = d("2026-05-15");

  async function world() {
    const p1 = await createPartner(db(), { country: "IS", name: unique("Isl Relay") });
    const p2 = await createPartner(db(), { country: "IS", name: unique("Isl Mail") });
    const p3 = await createPartner(db(), { country: "IS", status: "suspended" });
    const p4 = await createPartner(db(), { country: "LU", name: unique("Lux Relay") });
    const p5 = await createPartner(db(), { country: "LU", name: unique("Lux Mail") });
    const person = (partnerId: string) => createUser(db(), { role: "partner_user", partnerId });
    const [u1, u2, u3, u4] = await Promise.all([person(p1.id), person(p1.id), person(p2.id), person(p4.id)]);
    await person(p5.id);
    const k = await createCourse(db(), { title: unique("Relay report course") });
    const k2 = await createCourse(db(), { title: unique("Second report course") });
    const cert = (
      u: { id: string; partnerId: string | null },
      course: typeof k,
      earned: string,
      expires: string,
      status?: "active" | "expired" | "revoked",
    ) =>
      certify(db(), {
        partnerId: u.partnerId!,
        userId: u.id,
        course,
        earnedAt: d(earned),
        expiresAt: d(expires),
        status,
      });
    await cert(u1!, k, "2026-02-10", "2028-02-10");
    await cert(u2!, k, "2024-01-05", "2026-01-05", "expired");
    await cert(u3!, k, "2026-03-01", "2028-03-01", "revoked");
    await cert(u4!, k, "2026-04-20", "2028-04-20");
    await cert(u4!, k2, "2026-05-01", "2028-05-01");
    return { p1, p2, p3, p4, p5, k, k2 };
  }

  // One world for the describe: the countries (IS, LU) are used by no other test in this file.
  let w: Awaited<ReturnType<typeof world>>;
  beforeAll(async () => {
    w = await world();
  });

  it("counts completions and active certifications by course and by country, per month", async () => {
    const manager = await createUser(db(), { role: "channel_manager" });
    const report = await trainingReport(ctxFor(db(), manager, now), { course: w.k.key });

    expect(report.totals).toMatchObject({ completions: 3, active: 2, people: 2, partners: 2 });
    expect(report.byCourse).toEqual([
      { courseKey: w.k.key, title: w.k.title, completions: 3, active: 2, people: 2, partners: 2 },
    ]);
    expect(report.byCountry).toEqual([
      {
        country: "IS",
        countryName: "Iceland",
        completions: 2,
        active: 1,
        people: 1,
        certifiedPartners: 1,
        activePartners: 2,
      },
      expect.objectContaining({ country: "LU", completions: 1, active: 1, certifiedPartners: 1 }),
    ]);
    expect(report.perMonth).toHaveLength(12);
    expect(report.perMonth[0]!.month).toBe("2025-06");
    expect(report.perMonth.at(-1)!.month).toBe("2026-05");
    expect(report.perMonth.filter((m) => m.earned > 0)).toEqual([
      { month: "2026-02", earned: 1 },
      { month: "2026-04", earned: 1 },
    ]);
    expect(report.options.courses.map((c) => c.value)).toEqual(expect.arrayContaining([w.k.key, w.k2.key]));
    expect(report.options.countries).toEqual(expect.arrayContaining([{ value: "IS", label: "Iceland" }]));

    const lu = await trainingReport(ctxFor(db(), manager, now), { country: "LU" });
    expect(lu.totals).toMatchObject({ completions: 2, active: 2, people: 1, partners: 1, activePartners: 2 });
    expect(lu.byCourse.map((c) => [c.courseKey, c.active]).sort()).toEqual(
      [
        [w.k.key, 1],
        [w.k2.key, 1],
      ].sort(),
    );
  });

  it("lists the active partners with no currently certified staff", async () => {
    const admin = await createUser(db(), { role: "vendor_admin" });
    const ids = async (query: { course?: string; country?: string }) =>
      (await trainingReport(ctxFor(db(), admin, now), query)).uncertified.partners.map((p) => p.id);

    // Iceland: p1 has a valid certification; p2's was revoked; p3 is suspended (not listed).
    expect(await ids({ country: "IS" })).toEqual([w.p2.id]);
    const iceland = await trainingReport(ctxFor(db(), admin, now), { country: "IS" });
    expect(iceland.uncertified).toEqual({
      total: 1,
      partners: [{ id: w.p2.id, name: w.p2.name, country: "IS", countryName: "Iceland", people: 1 }],
    });
    expect(await ids({ country: "LU" })).toEqual([w.p5.id]);
    // For the second course, p4 in Luxembourg is certified, p5 is not.
    expect(await ids({ country: "LU", course: w.k2.key })).toEqual([w.p5.id]);
    expect((await ids({ country: "IS", course: w.k2.key })).sort()).toEqual([w.p1.id, w.p2.id].sort());
    // Unfiltered, across every partner.
    const all = await trainingReport(ctxFor(db(), admin, now), {});
    const listed = all.uncertified.partners.map((p) => p.id);
    expect(listed).toEqual(expect.arrayContaining([w.p2.id, w.p5.id]));
    expect(listed).not.toContain(w.p1.id);
    expect(listed).not.toContain(w.p3.id);
    expect(listed).not.toContain(w.p4.id);
    expect(all.uncertified.total).toBe(listed.length);
    // A year on, p1's certification is still valid; two and a half years on, nobody's is.
    const later = await trainingReport(ctxFor(db(), admin, d("2028-12-01")), { country: "IS" });
    expect(later.uncertified.partners.map((p) => p.id).sort()).toEqual([w.p1.id, w.p2.id].sort());
    expect(later.totals.active).toBe(0);
  });

  it("is for vendor staff only", async () => {
    const partner = await createPartner(db());
    const partnerAdmin = await createUser(db(), { role: "partner_admin", partnerId: partner.id });
    expect(await rejection(trainingReport(ctxFor(db(), partnerAdmin, now), {}))).toBeInstanceOf(ForbiddenError);
  });
});
