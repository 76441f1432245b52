/**
 * The learner's pages over HTTP against the running portal (demo world): the
 * catalog, enrolling, modules in order, a quiz whose answer key never reaches
 * the browser (neither in the HTML nor in the loader JSON), completion, the
 * certificate page and its PDF, who may open them, and the public
 * verification page. One course is inserted for this file; the tests share
 * one server and run in order.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DbHandle } from "~db/client";
import { partners } from "~db/schema";
import { startAppServer, type AppServer } from "../../support/app-server";
import { createUser, unique, type TestUser } from "../../support/factories";
import { get, html, postForm, query, serverErrorLines, signIn } from "../../support/http-client";
import { createCourse, type TestCourse } from "./course-fixtures";

let server: AppServer;
let handle: DbHandle;
let course: TestCourse;
let learner: TestUser;
let certificationId: string;
let code: string;
const cookies: Record<string, string> = {};

const VENDOR_ADMIN = "admin@vendor.test";
const POLDER_ADMIN = "owner@polder-relay.test";
const POLDER_USER = "daan.bakker@polder-relay.test";
const BRUSSELS_ADMIN = "owner@brussels-secure.test";
const BRUSSELS_USER = "lea.janssens@brussels-secure.test";
const EMAIL = /[\w.+-]+@[\w-]+\.[\w.-]+/;
const MODULE_ROUTE = "routes/_app.training.learn.$courseKey.$moduleId";

/** Option ids that are easy to count in a page. */
const opt = (q: number, o: string) => `opt-q${q}-${o}-${unique("x").replace(/[^a-z0-9]/g, "")}`;

beforeAll(async () => {
  server = await startAppServer();
  handle = await openDatabase({ url: server.databaseUrl, poolSize: 2 });
  const [polder] = await handle.db.select().from(partners).where(eq(partners.slug, "polder-relay"));
  learner = await createUser(handle.db, {
    role: "partner_user",
    partnerId: polder!.id,
    name: "Ruud <b>van</b> Dijk",
    email: `${unique("ruud")}@polder-relay.test`,
  });
  const q1 = ["a", "b", "c"].map((o) => opt(1, o));
  const q2 = ["a", "b", "c", "d"].map((o) => opt(2, o));
  course = await createCourse(handle.db, {
    key: unique("relay-http"),
    title: "HTTP Relay Course",
    certificationName: "HTTP Relay Associate",
    modules: [
      { title: "Reading first", body: "# Welcome\n\n<script>alert('x')</script> plain **text**" },
      {
        title: "Checking what you know",
        quiz: {
          questions: [
            { kind: "single", prompt: "Pick the submission port", options: q1, correct: [q1[1]!] },
            { kind: "multiple", prompt: "Pick the DNS records", options: q2, correct: [q2[0]!, q2[2]!] },
          ],
          passPercent: 100,
          attemptsAllowed: 3,
          cooldownMinutes: 60,
          shuffle: true,
        },
      },
      { title: "Wrapping up" },
    ],
  });
  cookies.learner = await signIn(server, learner.email, learner.password);
  for (const email of [VENDOR_ADMIN, POLDER_ADMIN, POLDER_USER, BRUSSELS_ADMIN, BRUSSELS_USER]) {
    cookies[email] = await signIn(server, email);
  }
}, 120_000);

afterAll(async () => {
  await handle?.close();
  await server?.stop();
});

const as = (who: string) => ({ cookie: cookies[who]! });
const base = () => `/training/learn/${course.key}`;
const moduleUrl = (i: number) => `${base()}/${course.modules[i]!.id}`;

describe("learning over HTTP", () => {
  it("the catalog lists the course for partner staff; vendor staff get links to admin and report", async () => {
    const res = await get(server, "/training", as("learner"));
    expect(res.status).toBe(200);
    const page = await html(res);
    expect(page).toContain("HTTP Relay Course");
    expect(page).toContain(`href="/training/learn/${course.key}"`);
    expect(page).toContain("0 of 3 modules");

    const vendor = await html(await get(server, "/training", as(VENDOR_ADMIN)));
    expect(vendor).toContain('href="/training/admin"');
    expect(vendor).toContain('href="/training/report"');
    expect(vendor).not.toContain("HTTP Relay Course");
    // Vendor staff do not take courses.
    expect((await get(server, base(), as(VENDOR_ADMIN))).status).toBe(403);
  });

  it("enrolls with a POST and shows where to start", async () => {
    const res = await postForm(server, base(), { intent: "enroll" }, as("learner"));
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(base());
    const again = await postForm(server, base(), { intent: "enroll" }, as("learner"));
    expect(again.status).toBe(302);
    const rows = await query(server, "select id from enrollments where user_id = $1", [learner.id]);
    expect(rows).toHaveLength(1);
    const page = await html(await get(server, base(), as("learner")));
    expect(page).toContain("Start with Reading first");
  });

  it("refuses a module out of order with a clear page, recording nothing", async () => {
    const res = await get(server, moduleUrl(2), as("learner"));
    expect(res.status).toBe(422);
    const page = await html(res);
    expect(page).toContain("Modules open in order: finish “Reading first” first.");
    expect(page).toContain(`href="${base()}"`);
    const post = await postForm(server, moduleUrl(2), { intent: "mark-read" }, as("learner"));
    expect(post.status).toBe(422);
    expect(
      await query(server, "select 1 from module_completions where module_id = $1", [course.modules[2]!.id]),
    ).toEqual([]);
  });

  it("renders module Markdown safely and marks it read", async () => {
    const page = await html(await get(server, moduleUrl(0), as("learner")));
    expect(page).toContain("&lt;script&gt;alert(");
    expect(page).not.toContain("<script>alert('x')</script>");
    expect(page).toContain("<strong>text</strong>");
    const res = await postForm(server, moduleUrl(0), { intent: "mark-read" }, as("learner"));
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(moduleUrl(1));
  });

  it("sends the quiz without its answer key: not in the HTML, not in the loader JSON", async () => {
    const quizModule = course.modules[1]!;
    const res = await get(server, moduleUrl(1), as("learner"));
    expect(res.status).toBe(200);
    const page = await html(res);
    expect(page).toContain("Pick the submission port");
    // The loader data as the browser fetches it on client navigation (single fetch: <path>.data).
    const dataRes = await get(
      server,
      `${moduleUrl(1)}.data?_routes=${encodeURIComponent(MODULE_ROUTE)}`,
      as("learner"),
    );
    expect(dataRes.status).toBe(200);
    const json = await dataRes.text();
    expect(json).toContain("Pick the DNS records");
    for (const body of [page, json]) {
      expect(body).not.toMatch(/"correct"/);
      for (const q of quizModule.questions) {
        expect(body).not.toContain(JSON.stringify(q.correct));
        // Every option id shows up as often as any other: the correct ones are not marked in any way.
        const counts = q.options.map((o) => body.split(o.id).length - 1);
        expect(new Set(counts).size, JSON.stringify(counts)).toBe(1);
        expect(counts[0]).toBeGreaterThan(0);
      }
    }
  });

  it("refuses answers that are not options of the question, recording nothing; scores and records a real attempt", async () => {
    const [single, multiple] = course.modules[1]!.questions;
    const bad = await postForm(
      server,
      moduleUrl(1),
      {
        intent: "submit-quiz",
        attempt: "1.1",
        [`answer.${single!.id}`]: single!.correct[0]!,
        [`answer.${multiple!.id}`]: ["not-an-option"],
      },
      as("learner"),
    );
    expect(bad.status).toBe(400);
    expect(await html(bad)).toContain("That answer is not one of this question&#x27;s options.");
    expect(await query(server, "select 1 from quiz_attempts where user_id = $1", [learner.id])).toEqual([]);

    const wrong = await postForm(
      server,
      moduleUrl(1),
      {
        intent: "submit-quiz",
        attempt: "1.1",
        [`answer.${single!.id}`]: single!.correct[0]!,
        [`answer.${multiple!.id}`]: multiple!.correct[0]!,
      },
      as("learner"),
    );
    expect(wrong.status).toBe(200);
    expect(await html(wrong)).toContain("Not passed: 50% (1 of 2 right)");
    // The same form sent again: already submitted.
    const repeat = await postForm(
      server,
      moduleUrl(1),
      { intent: "submit-quiz", attempt: "1.1", [`answer.${single!.id}`]: single!.correct[0]! },
      as("learner"),
    );
    expect(repeat.status).toBe(409);

    const right = await postForm(
      server,
      moduleUrl(1),
      {
        intent: "submit-quiz",
        attempt: "1.2",
        [`answer.${single!.id}`]: single!.correct[0]!,
        [`answer.${multiple!.id}`]: multiple!.correct,
      },
      as("learner"),
    );
    expect(right.status).toBe(200);
    expect(await html(right)).toContain("Passed with 100% (2 of 2 right).");
    const attempts = await query<{ score_percent: number; passed: boolean }>(
      server,
      "select score_percent, passed from quiz_attempts where user_id = $1 order by attempt_number",
      [learner.id],
    );
    expect(attempts).toEqual([
      { score_percent: 50, passed: false },
      { score_percent: 100, passed: true },
    ]);
  });

  it("completing the last module grants the certification and opens the certificate", async () => {
    const res = await postForm(server, moduleUrl(2), { intent: "mark-read" }, as("learner"));
    expect(res.status).toBe(302);
    const location = res.headers.get("location")!;
    expect(location).toMatch(/^\/training\/certificates\/[0-9a-f-]{36}\?earned=1$/);
    certificationId = location.split("/").pop()!.split("?")[0]!;
    const [cert] = await query<{ code: string }>(server, "select code from certifications where id = $1", [
      certificationId,
    ]);
    code = cert!.code;

    const page = await html(await get(server, location, as("learner")));
    expect(page).toContain("Ruud &lt;b&gt;van&lt;/b&gt; Dijk");
    expect(page).toContain("Polder Relay");
    expect(page).toContain("HTTP Relay Associate");
    expect(page).toContain("HTTP Relay Course (version 1)");
    expect(page).toContain(code);
    expect(page).toContain(`${server.url}/verify/${code}`);
    expect(page).toContain(">Print</button>");
    expect(page).toContain(`href="/training/certificates/${certificationId}.pdf"`);
    expect(page).toContain("Congratulations");

    const catalog = await html(await get(server, "/training", as("learner")));
    expect(catalog).toContain("3 of 3 modules");
    expect(catalog).toMatch(/Certified until \d{4}-\d{2}-\d{2}/);
  });

  it("serves the certificate as a PDF download", async () => {
    const res = await get(server, `/training/certificates/${certificationId}.pdf`, as("learner"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="certificate-${code}.pdf"`);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 5).toString("latin1")).toBe("%PDF-");
  });

  it("lets the partner's admin and vendor staff open it; a colleague and other partners get 404", async () => {
    for (const who of [POLDER_ADMIN, VENDOR_ADMIN]) {
      expect((await get(server, `/training/certificates/${certificationId}`, as(who))).status, who).toBe(200);
      expect((await get(server, `/training/certificates/${certificationId}.pdf`, as(who))).status, who).toBe(200);
    }
    for (const who of [POLDER_USER, BRUSSELS_ADMIN, BRUSSELS_USER]) {
      expect((await get(server, `/training/certificates/${certificationId}`, as(who))).status, who).toBe(404);
      expect((await get(server, `/training/certificates/${certificationId}.pdf`, as(who))).status, who).toBe(404);
    }
    expect((await get(server, "/training/certificates/not-an-id", as("learner"))).status).toBe(404);
    // Signed out: to the sign-in page.
    expect((await get(server, `/training/certificates/${certificationId}`)).status).toBe(302);
  });

  it("another partner's person cannot open this learner's modules", async () => {
    // No enrollment of theirs: they are asked to enroll, nothing of the learner's is shown.
    const res = await get(server, moduleUrl(1), as(BRUSSELS_USER));
    expect(res.status).toBe(422);
    expect(await html(res)).not.toContain("Pick the submission port");
  });
});

describe("public verification", () => {
  it("confirms holder, company, certification and validity without sign-in, and nothing else", async () => {
    const res = await get(server, `/verify/${code}`);
    expect(res.status).toBe(200);
    const page = await html(res);
    expect(page).toContain("Ruud &lt;b&gt;van&lt;/b&gt; Dijk");
    expect(page).toContain("Polder Relay");
    expect(page).toContain("HTTP Relay Associate");
    expect(page).toContain("HTTP Relay Course");
    expect(page).toMatch(/This certification is valid until \d{4}-\d{2}-\d{2}/);
    expect(page).not.toMatch(EMAIL);
    const [polder] = await query<{ id: string }>(server, "select id from partners where slug = 'polder-relay'");
    for (const secret of [polder!.id, learner.id, certificationId, course.id]) expect(page).not.toContain(secret);
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("answers 404 for an unknown code", async () => {
    const res = await get(server, "/verify/ZZZZZZZZZZZZ");
    expect(res.status).toBe(404);
    expect(await html(res)).toContain("No certification with this code");
  });

  it("the server logged no errors", () => {
    expect(serverErrorLines(server)).toEqual([]);
  });
});
