/**
 * The whole test run (`npm test`, i.e. `tsx test/run.ts`):
 *
 *   typecheck → lint → build → provision (PostgreSQL cluster + migrated
 *   template, Chromium) → vitest projects unit, integration, pglite, e2e
 *
 * Every step runs even when an earlier one failed. typecheck, lint and build
 * count as one test each. The cluster is always stopped. The LAST line of
 * output is exactly `N passed, N failed` (plus `, N skipped` when N > 0), and
 * the exit code is 1 when anything failed or a suite ran no tests.
 *
 * Environment:
 *   TEST_ONLY=unit,integration   run only these vitest projects
 *   SKIP_BUILD=1 / SKIP_TYPECHECK=1 / SKIP_LINT=1   skip a static step
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureChromium } from "./support/chromium";
import { ensureSendmail } from "./support/sendmail";
import { ensurePostgresInstalled, startCluster, type Cluster } from "./support/postgres";
import { createTemplateDatabase, DEFAULT_TEMPLATE_DB } from "./support/test-db";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const PROJECTS = ["unit", "integration", "pglite", "e2e"] as const;
type Project = (typeof PROJECTS)[number];
/** Projects that need the PostgreSQL cluster / the browser. */
const NEEDS_POSTGRES: ReadonlySet<Project> = new Set(["integration", "e2e"]);
const NEEDS_CHROMIUM: ReadonlySet<Project> = new Set(["e2e"]);
/** Extra vitest CLI flags per project (worker counts cannot be set per project in the config). */
const PROJECT_FLAGS: Partial<Record<Project, string[]>> = { integration: ["--maxWorkers=2"] };

type EnvVars = Record<string, string | undefined>;

interface Row {
  name: string;
  passed: number;
  failed: number;
  skipped: number;
  seconds: number;
  note?: string;
}

const rows: Row[] = [];
/** Set as soon as startCluster is called, so that shutdown() can also stop a cluster still starting. */
let cluster: Promise<Cluster> | undefined;
let interrupted: NodeJS.Signals | undefined;
let child: ChildProcess | undefined;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "portal-test-run-"));
const flag = (name: string) => ["1", "true", "yes"].includes((process.env[name] ?? "").toLowerCase());

function header(title: string): void {
  const line = "=".repeat(Math.max(10, 72 - title.length - 4));
  console.log(`\n=== ${title} ${line}`);
}

/** Runs a command with node_modules/.bin on the PATH, output inherited; resolves to its exit code. */
function run(cmd: string, args: string[], env: EnvVars = {}): Promise<number> {
  console.log(`$ ${[cmd, ...args].join(" ")}`);
  return new Promise<number>((resolve) => {
    const bin = path.join(ROOT, "node_modules", ".bin");
    child = spawn(cmd, args, {
      cwd: ROOT,
      stdio: "inherit",
      env: { ...process.env, ...env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}` },
    });
    child.on("error", (err) => {
      console.log(`[harness] could not start ${cmd}: ${err.message}`);
      resolve(127);
    });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  }).finally(() => {
    child = undefined;
  });
}

/** A step that is a single pass/fail "test" (typecheck, lint, build). */
async function staticStep(name: string, skipVar: string, cmd: string, args: string[]): Promise<void> {
  header(`${name}: ${[cmd, ...args].join(" ")}`);
  if (flag(skipVar)) {
    console.log(`skipped (${skipVar}=1)`);
    rows.push({ name, passed: 0, failed: 0, skipped: 0, seconds: 0, note: `skipped by ${skipVar}` });
    return;
  }
  const started = Date.now();
  const code = await run(cmd, args);
  rows.push({
    name,
    passed: code === 0 ? 1 : 0,
    failed: code === 0 ? 0 : 1,
    skipped: 0,
    seconds: (Date.now() - started) / 1000,
    note: code === 0 ? undefined : `exit code ${code}`,
  });
}

interface VitestJson {
  numPassedTests?: number;
  numFailedTests?: number;
  numPendingTests?: number;
  numTodoTests?: number;
  numFailedTestSuites?: number;
}

async function vitestProject(project: Project, env: EnvVars): Promise<void> {
  header(`vitest --project ${project}`);
  const started = Date.now();
  const out = path.join(tmp, `${project}.json`);
  const code = await run(
    "vitest",
    ["run", "--project", project, "--reporter=default", "--reporter=json", `--outputFile=${out}`, ...(PROJECT_FLAGS[project] ?? [])],
    env,
  );
  const row: Row = { name: project, passed: 0, failed: 0, skipped: 0, seconds: (Date.now() - started) / 1000 };
  let report: VitestJson | undefined;
  try {
    report = JSON.parse(fs.readFileSync(out, "utf8")) as VitestJson;
  } catch {
    // No report when vitest fails before running (e.g. a config error).
  }
  if (report) {
    row.passed = report.numPassedTests ?? 0;
    row.failed = report.numFailedTests ?? 0;
    row.skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  }
  if (row.passed + row.failed === 0) {
    // No test files, every test skipped, or vitest failed before running any.
    row.failed = 1;
    row.note = `no tests ran${code !== 0 ? ` (vitest exit code ${code}${report ? "" : ", no report"})` : ""}`;
  } else if (code !== 0 && row.failed === 0) {
    // Failures outside any test: a file that does not import, a failing
    // beforeAll/afterAll, an unhandled rejection, ...
    row.failed = Math.max(1, report?.numFailedTestSuites ?? 0);
    row.note = `vitest exit code ${code}: errors outside tests`;
  } else if (code !== 0) {
    row.note = `vitest exit code ${code}`;
  }
  rows.push(row);
}

/** Starts what the selected projects need. Returns the env for vitest, or an error message. */
async function provision(projects: Project[]): Promise<{ env: EnvVars } | { error: string }> {
  const needPg = projects.some((p) => NEEDS_POSTGRES.has(p));
  const needChromium = projects.some((p) => NEEDS_CHROMIUM.has(p));
  header(`provision:${needPg ? " postgres" : ""}${needChromium ? " chromium" : ""}${needPg || needChromium ? "" : " nothing needed"}`);
  const env: EnvVars = {};
  try {
    if (needChromium) await ensureChromium();
    if (needPg) {
      // The mail tests relay through a real Sendmail: install it once here, not from parallel test files.
      await ensureSendmail();
      await ensurePostgresInstalled();
      const started = Date.now();
      cluster = startCluster();
      const { url } = await cluster;
      console.log(`cluster up at ${url} (${Date.now() - started} ms)`);
      await createTemplateDatabase(url, DEFAULT_TEMPLATE_DB);
      console.log(`template ${DEFAULT_TEMPLATE_DB} migrated`);
      env.TEST_PG_URL = url;
      env.TEST_TEMPLATE_DB = DEFAULT_TEMPLATE_DB;
    }
    return { env };
  } catch (err) {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    console.log(`[harness] provisioning failed:\n${message}`);
    return { error: (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "error" };
  }
}

let shuttingDown: Promise<void> | undefined;
/** Stops the cluster (if any) and removes temp files. Safe to call more than once, concurrently. */
function shutdown(): Promise<void> {
  shuttingDown ??= (async () => {
    const c = await cluster?.catch(() => undefined); // a failed start cleans up after itself
    await c?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  })();
  return shuttingDown;
}

function selectedProjects(): Project[] {
  const only = (process.env.TEST_ONLY ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (only.length === 0) return [...PROJECTS];
  const unknown = only.filter((p) => !(PROJECTS as readonly string[]).includes(p));
  if (unknown.length) {
    throw new Error(`TEST_ONLY: unknown project(s) ${unknown.join(", ")}; known: ${PROJECTS.join(", ")}`);
  }
  return PROJECTS.filter((p) => only.includes(p));
}

function printSummary(): number {
  header("summary");
  const w = Math.max(...rows.map((r) => r.name.length), 5);
  console.log(`${"suite".padEnd(w)}  passed  failed  skipped    time  note`);
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(w)}  ${String(r.passed).padStart(6)}  ${String(r.failed).padStart(6)}  ${String(r.skipped).padStart(7)}  ${`${r.seconds.toFixed(1)}s`.padStart(6)}  ${r.note ?? ""}`,
    );
  }
  const total = (k: "passed" | "failed" | "skipped") => rows.reduce((n, r) => n + r[k], 0);
  const [passed, failed, skipped] = [total("passed"), total("failed"), total("skipped")];
  // Must stay the very last line of output.
  console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
  return failed > 0 ? 1 : 0;
}

async function main(): Promise<number> {
  const projects = selectedProjects();

  await staticStep("typecheck", "SKIP_TYPECHECK", "tsc", ["--noEmit"]);
  if (!interrupted) await staticStep("lint", "SKIP_LINT", "eslint", ["."]);
  if (!interrupted) await staticStep("build", "SKIP_BUILD", "remix", ["vite:build"]);

  const provisioned = interrupted ? { env: {} } : await provision(projects);
  for (const project of projects) {
    if (interrupted) break;
    if ("error" in provisioned && (NEEDS_POSTGRES.has(project) || NEEDS_CHROMIUM.has(project))) {
      header(`vitest --project ${project}`);
      console.log("not run: provisioning failed");
      rows.push({ name: project, passed: 0, failed: 1, skipped: 0, seconds: 0, note: `not run: ${provisioned.error}` });
      continue;
    }
    await vitestProject(project, "env" in provisioned ? provisioned.env : {});
  }
  await shutdown();
  // After a signal the handler exits the process once shutdown() is done; no summary.
  return interrupted ? 130 : printSummary();
}

// Ctrl-C / CI cancellation: the child gets the signal too (same process group,
// forwarded for SIGTERM); make sure the cluster does not outlive us.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    interrupted = signal;
    console.log(`\n[harness] ${signal}: stopping`);
    if (child && signal !== "SIGINT") child.kill(signal);
    void shutdown().finally(() => process.exit(130));
  });
}

main()
  .catch(async (err: unknown) => {
    console.log(`[harness] crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    await shutdown().catch(() => {});
    rows.push({ name: "harness", passed: 0, failed: 1, skipped: 0, seconds: 0, note: "crashed" });
    return printSummary();
  })
  .then((code) => {
    process.exitCode = code;
    // Do not let a stray handle keep the process alive after the summary.
    setTimeout(() => process.exit(code), 2000).unref();
  });
