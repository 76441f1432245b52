import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import express, { type Request as ExpressRequest } from "express";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import { csrfVerdict } from "../app/utils/csrf.server";
import { env } from "../app/utils/env.server";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

declare module "@remix-run/node" {
  interface AppLoadContext {
    ip: string | null;
  }
}

/** The HTTP app: security headers, the CSRF guard, static files and Remix. */
export async function createApp(opts: { mode: "production" | "development" }) {
  const e = env();
  const app = express();
  app.disable("x-powered-by");
  if (e.TRUST_PROXY === "true") app.set("trust proxy", true);

  app.use((req, res, next) => {
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("Referrer-Policy", "strict-origin-when-cross-origin");
    const verdict = csrfVerdict({
      method: req.method,
      path: req.path,
      host: req.headers.host,
      origin: req.headers.origin,
      referer: req.headers.referer,
      allowedOrigins: e.APP_URL ? [e.APP_URL] : [],
    });
    if (!verdict.ok) {
      res.status(403).type("text/plain").send("Forbidden: this request did not come from the portal's own pages.");
      return;
    }
    // A response sent before the request body was read to its end (a refused or oversized upload) closes the
    // connection: the unread bytes must not be taken for the client's next request on a kept-alive socket.
    const writeHead = res.writeHead;
    res.writeHead = function (this: typeof res, ...args: Parameters<typeof writeHead>) {
      if (!req.complete && !res.headersSent) res.setHeader("Connection", "close");
      return writeHead.apply(this, args);
    } as typeof writeHead;
    next();
  });

  let close = async () => {};
  let build: ServerBuild | (() => Promise<ServerBuild>);
  if (opts.mode === "development") {
    const vite = await import("vite");
    const server = await vite.createServer({ root, server: { middlewareMode: true } });
    app.use(server.middlewares);
    build = () => server.ssrLoadModule("virtual:remix/server-build") as Promise<ServerBuild>;
    close = () => server.close();
  } else {
    const buildFile = path.join(root, "build/server/index.js");
    build = (await import(pathToFileURL(buildFile).href)) as ServerBuild;
    app.use("/assets", express.static(path.join(root, "build/client/assets"), { immutable: true, maxAge: "1y" }));
    // redirect: false: a folder under public/ (e.g. public/training/ images) must not turn /training into a 301.
    app.use(express.static(path.join(root, "build/client"), { maxAge: "1h", redirect: false }));
  }

  app.all(
    "*",
    createRequestHandler({
      build,
      mode: opts.mode,
      getLoadContext: (req: ExpressRequest) => ({ ip: req.ip ?? req.socket.remoteAddress ?? null }),
    }),
  );
  return { app, close };
}
