/**
 * Minimal Debian package installer for the test harness. Only used when a
 * system dependency (PostgreSQL server, Chromium) is missing on the machine.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

let updated: Promise<void> | undefined;

async function apt(args: string[]): Promise<void> {
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    throw new Error(`apt-get ${args.join(" ")} needs root; install the package by hand and re-run`);
  }
  await execFileAsync("apt-get", args, {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** `apt-get update` (at most once per process) followed by `apt-get install -y <packages>`. */
export async function aptInstall(packages: string[]): Promise<void> {
  console.log(`[harness] apt-get install -y ${packages.join(" ")}`);
  updated ??= apt(["update"]);
  await updated;
  await apt(["install", "-y", ...packages]);
}
