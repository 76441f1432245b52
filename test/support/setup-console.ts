/**
 * Vitest setup file for every project: a console.error call fails the test
 * during which it happened (or the file, when it happened outside any test).
 */
import { afterAll, afterEach, beforeEach } from "vitest";
import { consoleErrorFailure, installConsoleTrap, takeConsoleErrors } from "./console-trap";

const restore = installConsoleTrap();

beforeEach(() => {
  // Logged at import time or in beforeAll: fail the first test rather than lose it.
  const early = takeConsoleErrors();
  if (early.length) throw consoleErrorFailure(early, "before this test (module load or beforeAll)");
});

afterEach(() => {
  const messages = takeConsoleErrors();
  if (messages.length) throw consoleErrorFailure(messages, "during this test");
});

afterAll(() => {
  restore();
  const late = takeConsoleErrors();
  if (late.length) throw consoleErrorFailure(late, "outside tests (afterAll or teardown)");
});
