import { describe, expect, it } from "vitest";
import {
  DEFAULT_LIFETIME_MS,
  FIRST_RETRY_MS,
  MAX_RETRY_MS,
  afterAttempt,
  classifySmtpError,
  retryDelayMs,
} from "~/modules/mail/retry";

const MIN = 60_000;

describe("retryDelayMs", () => {
  it("starts at a minute and doubles", () => {
    expect(FIRST_RETRY_MS).toBe(MIN);
    expect([1, 2, 3, 4, 5, 6].map(retryDelayMs)).toEqual([1, 2, 4, 8, 16, 32].map((m) => m * MIN));
  });

  it("is capped at an hour", () => {
    expect(MAX_RETRY_MS).toBe(60 * MIN);
    expect(retryDelayMs(7)).toBe(60 * MIN); // 64 min uncapped
    expect(retryDelayMs(50)).toBe(60 * MIN);
    expect(retryDelayMs(10_000)).toBe(60 * MIN);
  });

  it("never shrinks as failures grow", () => {
    for (let n = 1; n < 40; n++) expect(retryDelayMs(n + 1)).toBeGreaterThanOrEqual(retryDelayMs(n));
  });

  it("treats zero or negative counts as the first failure", () => {
    expect(retryDelayMs(0)).toBe(MIN);
    expect(retryDelayMs(-3)).toBe(MIN);
  });
});

describe("afterAttempt", () => {
  const createdAt = new Date("2025-01-01T00:00:00.000Z");
  const now = new Date("2025-01-01T00:10:00.000Z");

  it("marks a message sent after a 250", () => {
    expect(afterAttempt({ kind: "sent", response: "250 2.0.0 Ok: queued as ABC" }, 0, createdAt, now)).toEqual({ status: "sent" });
  });

  it("gives up at once on a permanent failure", () => {
    expect(afterAttempt({ kind: "permanent", response: "550 5.1.1 no such user" }, 1, createdAt, now)).toEqual({ status: "failed" });
  });

  it("schedules a transient failure on the retry schedule", () => {
    expect(afterAttempt({ kind: "transient", response: "421 try later" }, 1, createdAt, now)).toEqual({
      status: "queued",
      nextAttemptAt: new Date(now.getTime() + MIN),
    });
    expect(afterAttempt({ kind: "transient", response: "421 try later" }, 3, createdAt, now)).toEqual({
      status: "queued",
      nextAttemptAt: new Date(now.getTime() + 4 * MIN),
    });
  });

  it("keeps retrying for five days and fails once the next attempt would fall past the lifetime", () => {
    expect(DEFAULT_LIFETIME_MS).toBe(5 * 24 * 60 * MIN);
    const transient = { kind: "transient", response: "451 local error" } as const;
    // The next attempt lands exactly at the end of the lifetime: still allowed.
    const lastChance = new Date(createdAt.getTime() + DEFAULT_LIFETIME_MS - 60 * MIN);
    expect(afterAttempt(transient, 100, createdAt, lastChance)).toEqual({
      status: "queued",
      nextAttemptAt: new Date(createdAt.getTime() + DEFAULT_LIFETIME_MS),
    });
    const tooLate = new Date(lastChance.getTime() + 1);
    expect(afterAttempt(transient, 100, createdAt, tooLate)).toEqual({ status: "failed" });
  });

  it("honours a custom lifetime", () => {
    expect(afterAttempt({ kind: "transient", response: "timeout" }, 1, createdAt, createdAt, 30_000)).toEqual({ status: "failed" });
  });
});

describe("classifySmtpError", () => {
  it("treats 5xx replies as permanent and keeps the relay's words", () => {
    expect(classifySmtpError({ responseCode: 550, response: "550 5.1.1 <x@y.test>: Recipient address rejected" })).toEqual({
      kind: "permanent",
      response: "550 5.1.1 <x@y.test>: Recipient address rejected",
    });
    expect(classifySmtpError({ responseCode: 554, response: "554 5.7.1 relay denied" }).kind).toBe("permanent");
  });

  it("treats 4xx replies as transient", () => {
    expect(classifySmtpError({ responseCode: 421, response: "421 4.7.0 try again later" })).toEqual({
      kind: "transient",
      response: "421 4.7.0 try again later",
    });
    expect(classifySmtpError({ responseCode: 451, response: "451 4.3.0 local error" }).kind).toBe("transient");
  });

  it("treats connection errors (no reply code) as transient and describes them", () => {
    const outcome = classifySmtpError({ code: "ECONNREFUSED", message: "connect ECONNREFUSED 127.0.0.1:25" });
    expect(outcome).toEqual({ kind: "transient", response: "ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:25" });
    expect(classifySmtpError({ code: "ETIMEDOUT", message: "Connection timeout" }).kind).toBe("transient");
    expect(classifySmtpError({})).toEqual({ kind: "transient", response: "error: unknown error" });
  });

  it("treats only 500–599 as permanent (499 and 600 are transient)", () => {
    expect(classifySmtpError({ responseCode: 600, response: "600 ?" }).kind).toBe("transient");
    expect(classifySmtpError({ responseCode: 499, response: "499" }).kind).toBe("transient");
  });
});

describe("classifyHttpError", () => {
  it("retries what a person or time fixes and gives up on a refused message", async () => {
    const { classifyHttpError } = await import("~/modules/mail/retry");
    expect(classifyHttpError(null, "unreachable").kind).toBe("transient");
    expect(classifyHttpError(429, "rate limited").kind).toBe("transient");
    expect(classifyHttpError(503, "unavailable").kind).toBe("transient");
    expect(classifyHttpError(401, "missing key").kind).toBe("transient");
    expect(classifyHttpError(403, "invalid key").kind).toBe("transient");
    expect(classifyHttpError(409, "concurrent idempotent request").kind).toBe("transient");
    expect(classifyHttpError(422, "invalid to address")).toEqual({ kind: "permanent", response: "422 invalid to address" });
  });
});
