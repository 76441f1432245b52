/**
 * A partner user takes a seeded course in Chromium: enrolls, reads the
 * modules in order, fails a quiz once, passes it, completes the course, gets
 * the certificate, prints it (print media screenshot) and the public
 * verification page confirms it without sign-in.
 *
 * The test reads the correct answers from the database (the browser never
 * gets them); that is the test playing a learner who knows the material.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { query } from "../support/http-client";
import { DEMO_PASSWORD, screenshot, setupE2E, signInUi, signOutUi, waitForPath } from "./helpers";

const e2e = setupE2E();

const LEARNER = { email: "ashley.brown@liberty-mailworks.test", name: "Ashley Brown" };
const COURSE = "Mail relay fundamentals";
const ANSWER = /^answer[._-]?(.+)$/;

/** The quiz inputs on the page: question id → option ids shown. */
async function questionsOnPage(page: Page): Promise<Map<string, string[]>> {
  const inputs = await page.locator("form.quiz-form input[type=radio], form.quiz-form input[type=checkbox]").all();
  const byQuestion = new Map<string, string[]>();
  for (const input of inputs) {
    const name = (await input.getAttribute("name")) ?? "";
    const value = (await input.getAttribute("value")) ?? "";
    byQuestion.set(name, [...(byQuestion.get(name) ?? []), value]);
  }
  return byQuestion;
}

async function correctAnswers(questionIds: string[]): Promise<Map<string, string[]>> {
  const rows = await query<{ id: string; correct: string[] }>(
    e2e.server,
    "select id, correct from quiz_questions where id = any($1::uuid[])",
    [questionIds],
  );
  return new Map(rows.map((r) => [r.id, r.correct]));
}

/** Answers the quiz on the page, right or (deliberately) wrong. */
async function answerQuiz(page: Page, right: boolean): Promise<void> {
  const shown = await questionsOnPage(page);
  const idOf = (name: string) => {
    const m = ANSWER.exec(name);
    expect(m, `a quiz input name like answer.<question id>: ${name}`).not.toBeNull();
    return m![1]!;
  };
  const correct = await correctAnswers([...shown.keys()].map(idOf));
  for (const [name, options] of shown) {
    const good = correct.get(idOf(name))!;
    const chosen = right ? good : [options.find((o) => !good.includes(o))!];
    for (const option of chosen) await page.locator(`input[name="${name}"][value="${option}"]`).check();
  }
  await page.getByRole("button", { name: "Submit answers" }).click();
}

describe("taking a course", () => {
  it("goes from enrollment through a quiz to a printed, verifiable certificate", async () => {
    const page = await e2e.newPage();
    await signInUi(page, LEARNER.email, DEMO_PASSWORD, LEARNER.name);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Training" }).click();
    await waitForPath(page, "/training");
    await screenshot(page, "training-1-catalog");
    await page.getByRole("link", { name: COURSE }).click();
    await page.getByRole("heading", { name: COURSE, level: 1 }).waitFor();
    await page.getByRole("button", { name: "Enroll" }).click();

    let failedOnce = false;
    let certificateReached = false;
    for (let step = 0; step < 12 && !certificateReached; step++) {
      if (step > 0) await page.goto("/training/learn/mail-relay-fundamentals");
      await page.getByRole("link", { name: /^(Start|Continue) with/ }).click();
      await page.waitForURL(/\/training\/learn\/[^/]+\/[0-9a-f-]{36}$/);
      const modulePath = new URL(page.url()).pathname;
      if (await page.getByRole("button", { name: "Mark as read" }).count()) {
        await page.getByRole("button", { name: "Mark as read" }).click();
        await page.waitForURL((url) => url.pathname !== modulePath);
      } else {
        await page.getByRole("heading", { name: "Quiz" }).waitFor();
        if (!failedOnce) {
          await screenshot(page, "training-2-quiz");
          const attempt = page.locator("form.quiz-form input[name=attempt]");
          const first = await attempt.inputValue();
          await answerQuiz(page, false);
          await page.getByRole("status").filter({ hasText: "Not passed" }).waitFor();
          // The next attempt's form (new questions or order) is on the page before it is answered.
          await expect.poll(() => attempt.inputValue(), { timeout: 15_000 }).not.toBe(first);
          failedOnce = true;
        }
        await answerQuiz(page, true);
        await page.getByRole("status").filter({ hasText: "Passed with 100%" }).waitFor();
        const certificate = page.getByRole("link", { name: "See your certificate" });
        if (await certificate.count()) {
          await screenshot(page, "training-3-quiz-passed");
          await certificate.click();
          await page.waitForURL(/\/training\/certificates\//);
        }
      }
      certificateReached = page.url().includes("/training/certificates/");
    }
    expect(failedOnce, "the course has a quiz").toBe(true);
    expect(certificateReached, "the course ended on the certificate").toBe(true);

    // The certificate, on screen and as printed.
    await page.getByRole("heading", { name: "Certificate of completion" }).waitFor();
    const article = page.locator("article.certificate");
    expect(await article.textContent()).toContain(LEARNER.name);
    expect(await article.textContent()).toContain("Liberty Mailworks");
    expect(await article.locator(".badge").textContent()).toBe("Valid");
    await screenshot(page, "training-4-certificate");
    await page.emulateMedia({ media: "print" });
    expect(await page.locator("aside.sidebar").isVisible(), "the sidebar is not printed").toBe(false);
    await screenshot(page, "training-5-certificate-print");
    await page.emulateMedia({ media: "screen" });
    const code = (await article.locator(".certificate-verify strong").textContent())!.trim();
    expect(code).toMatch(/^[A-Z2-9]{10,}$/);
    await signOutUi(page);

    // Anyone can check it, without signing in, and sees nothing more than needed.
    await page.goto(`/verify/${code}`);
    await page.getByRole("heading", { name: "Certification check" }).waitFor();
    const verified = (await page.locator("main").textContent()) ?? "";
    expect(verified).toContain("This certification is valid until");
    expect(verified).toContain(LEARNER.name);
    expect(verified).not.toContain(LEARNER.email);
    await screenshot(page, "training-6-verify");
  });
});
