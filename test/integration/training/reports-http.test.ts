/**
 * The team matrix, its CSV and the vendor's training report over HTTP against
 * the running portal and its demo world (training rows inserted here, so the
 * test does not depend on the demo courses): who may see which page (403
 * otherwise), and that a partner admin sees only their own people.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppServer, type AppServer } from "../../support/app-server";
import { get, html, query, serverErrorLines, signIn } from "../../support/http-client";

let server: AppServer;
const cookies: Record<string, string> = {};

const VENDOR_ADMIN = "admin@vendor.test";
const CHANNEL_MANAGER = "sales@vendor.test";
const POLDER_ADMIN = "owner@polder-relay.test";
const POLDER_USER = "daan.bakker@polder-relay.test";
const RHEIN_ADMIN = "owner@rheinmail.test";

const COURSE_KEY = "http-report-course";
const COURSE_TITLE = "Relay hardening for HTTP tests";

const as = (email: string) => ({ cookie: cookies[email]! });

async function one<T extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T> {
  const [row] = await query<T>(server, text, params);
  if (!row) throw new Error(`no row for ${text}`);
  return row;
}

/** A published course with two modules, Daan certified (expiring in 30 days), the Polder admin halfway through. */
async function seedTraining() {
  const course = await one<{ id: string }>(
    `insert into courses (key, version, status, title, summary, audience, estimated_minutes, certification_name, validity_months, published_at)
     values ($1, 1, 'published', $2, 'Harden a relay.', 'technical', 40, 'Relay Hardening Specialist', 24, now()) returning id`,
    [COURSE_KEY, COURSE_TITLE],
  );
  const m1 = await one<{ id: string }>(
    "insert into course_modules (course_id, position, title, body) values ($1, 1, 'One', 'x') returning id",
    [course.id],
  );
  await query(server, "insert into course_modules (course_id, position, title, body) values ($1, 2, 'Two', 'y')", [
    course.id,
  ]);
  const daan = await one<{ id: string; partner_id: string }>("select id, partner_id from users where email = $1", [
    POLDER_USER,
  ]);
  const admin = await one<{ id: string }>("select id from users where email = $1", [POLDER_ADMIN]);
  const done = await one<{ id: string }>(
    `insert into enrollments (partner_id, user_id, course_key, course_id, started_at, completed_at)
     values ($1, $2, $3, $4, now() - interval '700 days', now() - interval '700 days') returning id`,
    [daan.partner_id, daan.id, COURSE_KEY, course.id],
  );
  await query(
    server,
    `insert into certifications (partner_id, user_id, course_key, course_id, enrollment_id, name, earned_at, expires_at, code)
     values ($1, $2, $3, $4, $5, 'Relay Hardening Specialist', now() - interval '700 days', now() + interval '30 days', 'httpreportcode1')`,
    [daan.partner_id, daan.id, COURSE_KEY, course.id, done.id],
  );
  const open = await one<{ id: string }>(
    "insert into enrollments (partner_id, user_id, course_key, course_id) values ($1, $2, $3, $4) returning id",
    [daan.partner_id, admin.id, COURSE_KEY, course.id],
  );
  await query(server, "insert into module_completions (enrollment_id, module_id, partner_id) values ($1, $2, $3)", [
    open.id,
    m1.id,
    daan.partner_id,
  ]);
}

beforeAll(async () => {
  server = await startAppServer();
  for (const email of [VENDOR_ADMIN, CHANNEL_MANAGER, POLDER_ADMIN, POLDER_USER, RHEIN_ADMIN]) {
    cookies[email] = await signIn(server, email);
  }
  await seedTraining();
}, 90_000);

afterAll(async () => {
  await server?.stop();
});

describe("the team matrix over HTTP", () => {
  it("shows a partner admin their own people's states", async () => {
    const res = await get(server, "/training/team", as(POLDER_ADMIN));
    expect(res.status).toBe(200);
    const page = await html(res);
    expect(page).toContain(COURSE_TITLE);
    expect(page).toContain("Daan Bakker");
    expect(page).toMatch(/Certified<\/span> until \d{4}-\d{2}-\d{2}/);
    expect(page).toMatch(/expires in (29|30) days/);
    expect(page).toContain("In progress (50%)");
    expect(page).toContain('href="/training/team.csv"');
    expect(page).not.toContain("rheinmail.test");
  });

  it("shows another partner's admin none of Polder's people", async () => {
    const res = await get(server, "/training/team", as(RHEIN_ADMIN));
    expect(res.status).toBe(200);
    const page = await html(res);
    expect(page).toContain(COURSE_TITLE);
    expect(page).not.toContain("Daan Bakker");
    expect(page).not.toContain("polder-relay.test");
  });

  it("downloads the matrix as text/csv", async () => {
    const res = await get(server, "/training/team.csv", as(POLDER_ADMIN));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(
      /^attachment; filename="team-training-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const lines = (await res.text()).replace(/^\uFEFF/, "").split("\r\n");
    expect(lines[0]).toMatch(/^Name,Email,/);
    expect(lines[0]).toContain(COURSE_TITLE);
    const daan = lines.find((l) => l.includes(POLDER_USER))!;
    expect(daan).toMatch(/Certified until \d{4}-\d{2}-\d{2} \(expires in (29|30) days\)/);
    expect(lines.join("\n")).not.toContain("rheinmail.test");
  });

  it("refuses partner users and vendor staff with 403", async () => {
    expect((await get(server, "/training/team", as(POLDER_USER))).status).toBe(403);
    expect((await get(server, "/training/team.csv", as(POLDER_USER))).status).toBe(403);
    expect((await get(server, "/training/team", as(CHANNEL_MANAGER))).status).toBe(403);
  });
});

describe("the training report over HTTP", () => {
  it("shows vendor staff the figures, the chart and the partners without certified staff", async () => {
    for (const email of [CHANNEL_MANAGER, VENDOR_ADMIN]) {
      const res = await get(server, `/training/report?course=${COURSE_KEY}`, as(email));
      expect(res.status).toBe(200);
      const page = await html(res);
      expect(page).toContain("Certifications earned per month");
      expect(page).toContain('aria-label="Certifications earned per month, last 12 months"');
      expect(page).toMatch(new RegExp(`<tr data-course="${COURSE_KEY}"><td>${COURSE_TITLE}</td><td>1</td><td>1</td>`));
      expect(page).toContain("Netherlands");
      // Rheinmail has nobody certified in this course: listed with a link to its page; Polder is not.
      const rhein = await one<{ id: string }>("select id from partners where slug = 'rheinmail'");
      const polder = await one<{ id: string }>("select id from partners where slug = 'polder-relay'");
      expect(page).toContain(`href="/directory/${rhein.id}"`);
      expect(page).not.toContain(`href="/directory/${polder.id}"`);
    }
  });

  it("ignores bad filter values instead of failing", async () => {
    const res = await get(server, "/training/report?country=ZZ&course=%27%3B--", as(CHANNEL_MANAGER));
    expect(res.status).toBe(200);
  });

  it("refuses partner admins and users with 403", async () => {
    expect((await get(server, "/training/report", as(POLDER_ADMIN))).status).toBe(403);
    expect((await get(server, "/training/report", as(POLDER_USER))).status).toBe(403);
  });

  it("logged no server errors", () => {
    expect(serverErrorLines(server)).toEqual([]);
  });
});
