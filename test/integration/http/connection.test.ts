/**
 * A response sent before the request body was read to its end (here: a
 * partner user's upload refused with 403 before the body is parsed) closes the
 * connection, so that the unread bytes are never taken for the next request on
 * a kept-alive socket. Raw HTTP over a socket, to control what was sent.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppServer, type AppServer } from "../../support/app-server";
import { SESSION_COOKIE, signIn } from "../../support/http-client";

let server: AppServer;
let cookie: string;

beforeAll(async () => {
  server = await startAppServer();
  cookie = await signIn(server, "daan.bakker@polder-relay.test");
}, 90_000);

afterAll(async () => {
  await server?.stop();
});

/** Sends the head and only `sent` bytes of a body announced as `announced` bytes; resolves with the response head. */
function partialPost(path: string, announced: number, sent: number): Promise<string> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    let received = "";
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1");
      const end = received.indexOf("\r\n\r\n");
      if (end >= 0) {
        socket.destroy();
        resolve(received.slice(0, end));
      }
    });
    socket.on("error", reject);
    socket.write(
      [
        `POST ${path} HTTP/1.1`,
        `Host: ${url.host}`,
        `Origin: ${server.url}`,
        `Cookie: ${SESSION_COOKIE}=${cookie}`,
        "Content-Type: multipart/form-data; boundary=xyz",
        `Content-Length: ${announced}`,
        "Connection: keep-alive",
        "",
        "",
      ].join("\r\n"),
    );
    socket.write(Buffer.alloc(sent, 0x61));
  });
}

describe("responses before the whole body arrived", () => {
  it("close the connection", async () => {
    const head = await partialPost("/profile", 1_000_000, 1000);
    expect(head).toMatch(/^HTTP\/1\.1 403/);
    expect(head.toLowerCase()).toContain("connection: close");
  });
});
