/**
 * Makes any `console.error` fail the current test (see setup-console.ts).
 *
 * To test code that is *expected* to log an error, either silence it with
 * `vi.spyOn(console, "error").mockImplementation(() => {})` (the mock replaces
 * the trap, so nothing is recorded), or let it log and then claim the
 * messages with `takeConsoleErrors()` before the test ends.
 */
import { format } from "node:util";

const STATE = Symbol.for("portal.test.consoleErrors");
type GlobalWithTrap = typeof globalThis & { [STATE]?: string[] };

function recorded(): string[] {
  return ((globalThis as GlobalWithTrap)[STATE] ??= []);
}

/** Replaces console.error with a recording wrapper that still prints. Returns the restore function. */
export function installConsoleTrap(): () => void {
  const original = console.error;
  console.error = function trappedConsoleError(...args: unknown[]): void {
    recorded().push(format(...args));
    original.apply(console, args);
  };
  return () => {
    console.error = original;
  };
}

/** Returns and forgets the console.error messages recorded so far. */
export function takeConsoleErrors(): string[] {
  return recorded().splice(0);
}

export function consoleErrorFailure(messages: string[], where: string): Error {
  const shown = messages.map((m, i) => `  [${i + 1}] ${m.length > 2000 ? `${m.slice(0, 2000)}…` : m}`).join("\n");
  return new Error(`console.error was called ${messages.length} time(s) ${where}:\n${shown}`);
}
