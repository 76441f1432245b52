/**
 * Shared pieces of the browser tests: a portal server and a Chromium per
 * test file, a fresh browser context (cookie jar) per test, page-error
 * tracking, and the sign-in / sign-out steps as a person does them.
 */
import fs from "node:fs";
import type { ReceivedMail, Sink } from "../support/smtp-sink";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { startAppServer, type AppServer, type StartOptions } from "../support/app-server";
import { launchBrowser } from "../support/chromium";
import { serverErrorLines } from "../support/http-client";

export const DEMO_PASSWORD = "portal-demo";
export const SCREENSHOT_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../test-results/screenshots",
);

export interface E2E {
  server: AppServer;
  browser: Browser;
  /** A new page in a new context (no cookies), closed after the test. */
  newPage(): Promise<Page>;
}

/**
 * Call at the top level of a test file. Starts the portal and Chromium in
 * beforeAll, stops them in afterAll; each test's pages are checked for
 * uncaught exceptions and console errors after the test.
 */
export function setupE2E(opts: StartOptions | (() => Promise<StartOptions>) = {}): E2E {
  const state = {} as { server: AppServer; browser: Browser };
  let contexts: BrowserContext[] = [];
  let problems: string[] = [];

  beforeAll(async () => {
    const options = typeof opts === "function" ? await opts() : opts;
    const [server, browser] = await Promise.allSettled([startAppServer(options), launchBrowser()]);
    // Keep whichever started, so that afterAll stops it even when the other failed.
    if (server.status === "fulfilled") state.server = server.value;
    if (browser.status === "fulfilled") state.browser = browser.value;
    if (server.status === "rejected") throw server.reason;
    if (browser.status === "rejected") throw browser.reason;
  });

  afterEach(async (ctx) => {
    // A failed test prints what its pages showed: a flake seen only in CI
    // leaves nothing else behind to read.
    if (ctx.task.result?.state === "fail") {
      for (const page of contexts.flatMap((c) => c.pages())) await describePage(page);
    }
    for (const c of contexts) await c.close().catch(() => {});
    contexts = [];
    const found = problems;
    problems = [];
    expect(found, "errors in the browser").toEqual([]);
  });

  afterAll(async () => {
    await state.browser?.close();
    const serverErrors = state.server ? serverErrorLines(state.server) : [];
    await state.server?.stop();
    expect(serverErrors, "the server wrote to stderr").toEqual([]);
  });

  return {
    get server() {
      return state.server;
    },
    get browser() {
      return state.browser;
    },
    async newPage() {
      const context = await state.browser.newContext({
        baseURL: state.server.url,
        viewport: { width: 1280, height: 800 },
      });
      context.setDefaultTimeout(15_000);
      contexts.push(context);
      const page = await context.newPage();
      // Tests act on a hydrated page, as a person almost always does: the
      // load event can come while React is still hydrating, and an invite
      // form filled and sent in that window once showed no message in CI.
      const goto = page.goto.bind(page);
      page.goto = async (url, options) => {
        const response = await goto(url, options);
        await waitForHydration(page);
        return response;
      };
      page.on("pageerror", (err) => problems.push(`pageerror on ${page.url()}: ${err.message}`));
      page.on("console", (msg) => {
        if (msg.type() !== "error") return;
        // Chromium reports every 4xx answer (403 and 404 pages, a form's 400) this way; those are expected.
        if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) return;
        problems.push(`console.error on ${page.url()}: ${msg.text()}`);
      });
      return page;
    },
  };
}

/** Prints a page's address, whether it was hydrated, the start of its text and its fields' values. */
async function describePage(page: Page): Promise<void> {
  const seen = await page
    .evaluate(() => ({
      hydrated: document.documentElement.dataset.hydrated === "true",
      text: document.body?.innerText.replace(/\n{2,}/g, "\n").slice(0, 3000) ?? "",
      fields: [...document.querySelectorAll<HTMLInputElement>("input:not([type=hidden]):not([type=password]), select, textarea")]
        .map((el) => `${el.name}=${JSON.stringify(el.value)}`)
        .join(" "),
    }))
    .catch((err: unknown) => ({ hydrated: false, text: `(unreadable: ${String(err)})`, fields: "" }));
  console.log(`--- page at ${page.url()} (hydrated: ${seen.hydrated}) ---\n${seen.text}\nfields: ${seen.fields}\n---`);
}

/**
 * Waits until React has hydrated the page (root.tsx marks <html>); a
 * document without the app's scripts (a PDF, an error from the server) has
 * nothing to wait for.
 */
export async function waitForHydration(page: Page): Promise<void> {
  await page.waitForFunction(
    () => document.documentElement.dataset.hydrated === "true" || !document.querySelector("script[type=module]"),
  );
}

/** The path of a page's URL, e.g. "/team". */
export function pathOf(page: Page): string {
  return new URL(page.url()).pathname;
}

/** Waits until the page is at `pathname` (query ignored). */
export async function waitForPath(page: Page, pathname: string): Promise<void> {
  await page.waitForURL((url) => url.pathname === pathname);
  await waitForHydration(page); // after a full-page navigation, as after goto
}

/** Signs in through the form and waits for the dashboard's greeting. */
export async function signInUi(
  page: Page,
  email: string,
  password = DEMO_PASSWORD,
  expectedName?: string,
): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Email address", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await waitForPath(page, "/");
  const greeting = page.getByRole("heading", { level: 1 });
  await greeting.filter({ hasText: "Welcome," }).waitFor();
  if (expectedName) expect(await greeting.textContent()).toBe(`Welcome, ${expectedName}`);
}

/** Signs out with the sidebar button and waits for the sign-in page. */
export async function signOutUi(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out" }).click();
  await waitForPath(page, "/login");
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
}

/** Full-page screenshot into test-results/screenshots/<name>.png; returns the file. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Waits for a mail to `to` whose subject matches, as the relay delivered it to the sink. */
export async function deliveredTo(sink: Sink, to: string, subject: RegExp): Promise<ReceivedMail> {
  const match = (m: ReceivedMail) => m.envelopeTo.includes(to) && subject.test(m.subject ?? "");
  await sink.waitFor((mails) => mails.some(match), 30_000);
  return sink.received.find(match)!;
}

/** The first link in the mail's text part to `<baseUrl><path><token>` (the token as a regular expression). */
export function linkIn(mail: ReceivedMail, baseUrl: string, path: string, token = "[A-Za-z0-9_-]+"): string {
  const base = baseUrl.replace(/[.:/]/g, "\\$&");
  const link = new RegExp(`${base}${path}${token}`).exec(mail.text ?? "")?.[0];
  expect(link, `a ${path} link in:\n${mail.text}`).toBeDefined();
  return link!;
}
