/** Whether build/ is current: the one rule used by `npm start` (rebuild) and the test servers (refuse a stale build). */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const serverBuildFile = path.join(root, "build/server/index.js");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

export function buildState(): "missing" | "stale" | "current" {
  if (!fs.existsSync(serverBuildFile)) return "missing";
  const sources = Math.max(
    newestMtime(path.join(root, "app")),
    newestMtime(path.join(root, "db")),
    fs.statSync(path.join(root, "vite.config.ts")).mtimeMs,
  );
  return fs.statSync(serverBuildFile).mtimeMs >= sources ? "current" : "stale";
}
