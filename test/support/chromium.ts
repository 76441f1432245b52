/**
 * System Chromium (Debian package) driven by playwright-core. We never
 * download a browser: playwright-core is pointed at /usr/bin/chromium.
 */
import fs from "node:fs";
import { chromium, type Browser, type LaunchOptions } from "playwright-core";
import { aptInstall } from "./apt";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Flags that keep a headless CI browser quiet and off the network. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox", // we run as root in a container
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Installs the Debian `chromium` package when the browser binary is missing. */
export async function ensureChromium(): Promise<void> {
  if (fs.existsSync(CHROMIUM_PATH)) return;
  await aptInstall(["chromium"]);
  if (!fs.existsSync(CHROMIUM_PATH)) throw new Error(`chromium installed but ${CHROMIUM_PATH} not found`);
}

/** Launches headless Chromium. Close it with `browser.close()` (e.g. in afterAll). */
export async function launchBrowser(options: LaunchOptions = {}): Promise<Browser> {
  await ensureChromium();
  return chromium.launch({
    headless: true,
    executablePath: CHROMIUM_PATH,
    ...options,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
  });
}
