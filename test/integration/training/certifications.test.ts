/**
 * Certifications against real PostgreSQL: granted exactly once per enrollment
 * (also when completions race), who may see a certificate, the public
 * verification (only the allowed facts), listing, and the PDF.
 */
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { certifications, enrollments, type Partner } from "~db/schema";
import {
  CODE_ALPHABET,
  certificateData,
  grantCertificationInTx,
  listCertifications,
  newVerificationCode,
  verifyCertification,
} from "~/modules/training/certifications.server";
import { enroll, markModuleRead } from "~/modules/training/learning.server";
import { certificatePdf } from "~/modules/training/pdf.server";
import { appUrl } from "~/utils/env.server";
import { NotFoundError } from "~/utils/errors.server";
import { createPartner, createUser, ctxFor, rejection, setupTestDb, type TestUser } from "../../support/factories";
import { createCourse, type TestCourse } from "./course-fixtures";

const db = setupTestDb();
const DAY = 86_400_000;
const T0 = new Date("2031-06-01T10:00:00Z");

let alpha: Partner;
let beta: Partner;
let alphaAdmin: TestUser;
let alphaHolder: TestUser;
let alphaColleague: TestUser;
let betaAdmin: TestUser;
let betaUser: TestUser;
let channelManager: TestUser;
let course: TestCourse;
let certId: string;
let code: string;

const as = (user: TestUser, now = T0) => ctxFor(db(), user, now);

async function certify(user: TestUser, c: TestCourse, now = T0): Promise<string> {
  await enroll(as(user, now), c.key);
  let id: string | null = null;
  for (const m of c.modules) id = (await markModuleRead(as(user, now), c.key, m.id)).certificationId;
  return id!;
}

beforeAll(async () => {
  alpha = await createPartner(db(), { name: "Alpha Relay <GmbH>" });
  beta = await createPartner(db());
  alphaAdmin = await createUser(db(), { role: "partner_admin", partnerId: alpha.id });
  alphaHolder = await createUser(db(), { role: "partner_user", partnerId: alpha.id, name: "Zoë Łukasiewicz 田中" });
  alphaColleague = await createUser(db(), { role: "partner_user", partnerId: alpha.id });
  betaAdmin = await createUser(db(), { role: "partner_admin", partnerId: beta.id });
  betaUser = await createUser(db(), { role: "partner_user", partnerId: beta.id });
  channelManager = await createUser(db(), { role: "channel_manager" });
  course = await createCourse(db(), {
    title: "Mail Relay Fundamentals",
    certificationName: "Certified Relay Associate",
    modules: [{ title: "One" }, { title: "Two" }],
  });
  certId = await certify(alphaHolder, course);
  const [row] = await db().select().from(certifications).where(eq(certifications.id, certId));
  code = row!.code;
});

describe("granting", () => {
  it("grants once per enrollment: a second grant returns the first", async () => {
    const [row] = await db().select().from(certifications).where(eq(certifications.id, certId));
    const [enrollment] = await db().select().from(enrollments).where(eq(enrollments.id, row!.enrollmentId));
    const again = await db().transaction((tx) =>
      grantCertificationInTx(tx, enrollment!, new Date(T0.getTime() + DAY), { userId: null, label: "test" }),
    );
    expect(again).toEqual({ id: certId, created: false });
    expect(
      await db().select().from(certifications).where(eq(certifications.enrollmentId, enrollment!.id)),
    ).toHaveLength(1);
  });

  it("concurrent completions of the last module by two requests make one certification", async () => {
    const c = await createCourse(db(), { modules: [{ title: "Only" }] });
    const users = await Promise.all(
      [1, 2, 3, 4].map(() => createUser(db(), { role: "partner_user", partnerId: alpha.id })),
    );
    for (const u of users) await enroll(as(u), c.key);
    await Promise.all(
      users.flatMap((u) => [
        markModuleRead(as(u), c.key, c.modules[0]!.id),
        markModuleRead(as(u), c.key, c.modules[0]!.id),
      ]),
    );
    const rows = await db().select().from(certifications).where(eq(certifications.courseKey, c.key));
    expect(rows).toHaveLength(4);
    expect(new Set(rows.map((r) => r.userId)).size).toBe(4);
  });

  it("makes codes of 12 unambiguous characters", () => {
    const codes = Array.from({ length: 200 }, () => newVerificationCode());
    for (const c of codes) {
      expect(c).toHaveLength(12);
      for (const ch of c) expect(CODE_ALPHABET).toContain(ch);
    }
    expect(new Set(codes).size).toBe(200);
    expect(CODE_ALPHABET).not.toMatch(/[01OIL]/);
  });
});

describe("who may see a certificate", () => {
  it("the holder sees their own, with the facts and the verification URL", async () => {
    const c = await certificateData(as(alphaHolder), certId);
    expect(c).toMatchObject({
      id: certId,
      holderName: "Zoë Łukasiewicz 田中",
      partnerName: "Alpha Relay <GmbH>",
      name: "Certified Relay Associate",
      courseTitle: "Mail Relay Fundamentals",
      courseVersion: 1,
      earnedAt: T0,
      code,
      valid: true,
      mine: true,
      verifyUrl: `${appUrl()}/verify/${code}`,
    });
  });

  it("a partner admin sees the partner's; vendor staff see all", async () => {
    expect((await certificateData(as(alphaAdmin), certId)).mine).toBe(false);
    expect((await certificateData(as(channelManager), certId)).id).toBe(certId);
  });

  it("a colleague (partner user), another partner's admin or user: not found", async () => {
    for (const user of [alphaColleague, betaAdmin, betaUser]) {
      expect(await rejection(certificateData(as(user), certId))).toBeInstanceOf(NotFoundError);
    }
    expect(await rejection(certificateData(as(alphaHolder), "not-a-uuid"))).toBeInstanceOf(NotFoundError);
    expect(await rejection(certificateData(as(alphaHolder), crypto.randomUUID()))).toBeInstanceOf(NotFoundError);
  });

  it("lists what each may see", async () => {
    expect((await listCertifications(as(alphaHolder))).map((c) => c.id)).toContain(certId);
    expect((await listCertifications(as(alphaColleague))).map((c) => c.id)).not.toContain(certId);
    expect((await listCertifications(as(alphaAdmin))).map((c) => c.id)).toContain(certId);
    expect((await listCertifications(as(betaAdmin))).map((c) => c.id)).not.toContain(certId);
    expect((await listCertifications(as(channelManager), { partnerId: alpha.id })).map((c) => c.id)).toContain(certId);
  });
});

describe("public verification", () => {
  it("shows only holder, company, certification, course, dates and validity", async () => {
    const v = await verifyCertification(db(), code, T0);
    expect(v).not.toBeNull();
    expect(Object.keys(v!).sort()).toEqual(
      [
        "certificationName",
        "courseTitle",
        "earnedAt",
        "expiresAt",
        "holderName",
        "partnerName",
        "state",
        "valid",
      ].sort(),
    );
    expect(v).toMatchObject({
      holderName: "Zoë Łukasiewicz 田中",
      partnerName: "Alpha Relay <GmbH>",
      certificationName: "Certified Relay Associate",
      courseTitle: "Mail Relay Fundamentals",
      valid: true,
      state: "valid",
    });
    const json = JSON.stringify(v);
    expect(json).not.toContain(alphaHolder.email);
    expect(json).not.toContain("@");
    expect(json).not.toContain(alpha.id);
    expect(json).not.toContain(alphaHolder.id);
    expect(json).not.toContain(certId);
  });

  it("accepts the code typed in lower case or with spaces and dashes", async () => {
    const typed = `${code.slice(0, 4).toLowerCase()}-${code.slice(4, 8)} ${code.slice(8)}`;
    expect((await verifyCertification(db(), typed, T0))?.holderName).toBe("Zoë Łukasiewicz 田中");
  });

  it("is not valid after expiry, nor when revoked; unknown codes find nothing", async () => {
    const [row] = await db().select().from(certifications).where(eq(certifications.id, certId));
    expect(await verifyCertification(db(), code, row!.expiresAt)).toMatchObject({ valid: false, state: "expired" });
    const other = await certify(alphaColleague, course);
    const [o] = await db()
      .update(certifications)
      .set({ status: "revoked" })
      .where(eq(certifications.id, other))
      .returning();
    expect(await verifyCertification(db(), o!.code, T0)).toMatchObject({ valid: false, state: "revoked" });
    expect(await verifyCertification(db(), "ZZZZZZZZZZZZ", T0)).toBeNull();
    expect(await verifyCertification(db(), "'; drop table certifications; --", T0)).toBeNull();
    expect(await verifyCertification(db(), "", T0)).toBeNull();
  });
});

describe("the PDF", () => {
  it("is a PDF with the facts, also for names outside Latin-1", async () => {
    const c = await certificateData(as(alphaHolder), certId);
    const pdf = await certificatePdf(c);
    const head = Buffer.from(pdf.slice(0, 5)).toString("latin1");
    expect(head).toBe("%PDF-");
    expect(pdf.byteLength).toBeGreaterThan(1000);
    const expired = await certificatePdf({ ...c, valid: false, holderName: "Ωμέγα Ünïcödé" });
    expect(Buffer.from(expired.slice(0, 5)).toString("latin1")).toBe("%PDF-");
  });
});
