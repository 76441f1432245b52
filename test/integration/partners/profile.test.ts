import { createHash } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditEvents, partnerLogos, partners, specializations, type Partner } from "~db/schema";
import { logoForViewer, MAX_LOGO_BYTES, removeLogo, sniffImageType, uploadLogo } from "~/modules/partners/logo.server";
import { getProfile, updateProfile } from "~/modules/partners/profile.server";
import { ForbiddenError, ValidationError } from "~/utils/errors.server";
import {
  createPartner,
  createUser,
  ctxFor,
  rejection,
  setupTestDb,
  unique,
  type TestUser,
} from "../../support/factories";

const db = setupTestDb();

/** A real 1×1 PNG. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);
const JPEG_HEAD = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]);
const WEBP_HEAD = Buffer.concat([Buffer.from("RIFF"), Buffer.from([0x24, 0, 0, 0]), Buffer.from("WEBPVP8 ")]);
const SVG = Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');

const address = {
  label: "Head office",
  street: "Keizersgracht 123",
  city: "Amsterdam",
  postalCode: "1015 CJ",
  region: "Noord-Holland",
  country: "NL",
};
const contact = { role: "sales", name: "Sanne de Vries", email: "sanne@polder.test", phone: "+31 20 555 0199" };
const validInput = () => ({
  name: "Polder Relay",
  website: "https://www.polder.test",
  phone: "+31 20 555 0199",
  description: "Relay and anti-spam for the Benelux.",
  addresses: [address],
  territories: ["NL", "BE"],
  subdivisions: "",
  specializations: ["mail-relay", "anti-spam-gateway"],
  contacts: [contact],
  listedInLocator: true,
});

let partner: Partner;
let other: Partner;
let admin: TestUser;
let colleague: TestUser;
let otherAdmin: TestUser;
let vendorAdmin: TestUser;
beforeAll(async () => {
  partner = await createPartner(db(), { name: "Polder Relay", country: "NL" });
  other = await createPartner(db(), { name: "Sakura Mail", country: "JP", description: "Untouched" });
  admin = await createUser(db(), { role: "partner_admin", partnerId: partner.id });
  colleague = await createUser(db(), { role: "partner_user", partnerId: partner.id });
  otherAdmin = await createUser(db(), { role: "partner_admin", partnerId: other.id });
  vendorAdmin = await createUser(db(), { role: "vendor_admin" });
});

async function partnerRow(id: string) {
  const [row] = await db().select().from(partners).where(eq(partners.id, id));
  return row!;
}
const auditCount = () => db().$count(auditEvents);

describe("updateProfile", () => {
  it("saves the editable fields and audits only what changed, before and after", async () => {
    const { changed } = await updateProfile(ctxFor(db(), admin), validInput());
    expect(changed).toEqual(
      expect.arrayContaining(["website", "description", "addresses", "territories", "contacts", "listedInLocator"]),
    );
    expect(changed).not.toContain("name");
    const row = await partnerRow(partner.id);
    expect(row).toMatchObject({
      name: "Polder Relay",
      website: "https://www.polder.test",
      territories: ["NL", "BE"],
      specializations: ["mail-relay", "anti-spam-gateway"],
      listedInLocator: true,
      addresses: [address],
      contacts: [contact],
    });

    const events = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "partner.profile_updated"), eq(auditEvents.subjectId, partner.id)));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorUserId: admin.id, partnerId: partner.id });
    expect(events[0]!.before).toMatchObject({ description: null, listedInLocator: false, territories: [] });
    expect(events[0]!.after).toMatchObject({
      description: "Relay and anti-spam for the Benelux.",
      listedInLocator: true,
    });
    expect(events[0]!.after).not.toHaveProperty("name");

    // The same input again changes nothing and writes nothing.
    const audits = await auditCount();
    expect((await updateProfile(ctxFor(db(), admin), validInput())).changed).toEqual([]);
    expect(await auditCount()).toBe(audits);
  });

  it.each([
    ["a bad territory", { territories: ["NL", "XX"] }, "territories[1]"],
    ["a bad subdivision", { subdivisions: "US-CO, Nowhere" }, "subdivisions"],
    [
      "a bad email in a contact",
      { contacts: [contact, { ...contact, email: "nobody-at-example" }] },
      "contacts[1].email",
    ],
    ["too many addresses", { addresses: Array.from({ length: 6 }, () => address) }, "addresses"],
    ["too many contacts", { contacts: Array.from({ length: 7 }, () => contact) }, "contacts"],
    ["a description over 1000 characters", { description: "x".repeat(1001) }, "description"],
    ["no head office", { addresses: [{ ...address, label: "Warehouse" }] }, "addresses"],
    ["an address without a city", { addresses: [{ ...address, city: "" }] }, "addresses[0].city"],
    ["a website with a script scheme", { website: "javascript:alert(1)" }, "website"],
  ])("refuses %s with a field error and changes nothing", async (_what, patch, field) => {
    const before = await partnerRow(partner.id);
    const audits = await auditCount();
    const err = await rejection(
      updateProfile(ctxFor(db(), admin), { ...validInput(), name: "Changed name", ...patch }),
    );
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).status).toBe(400);
    expect((err as ValidationError).fields).toHaveProperty([field]);
    expect(await partnerRow(partner.id)).toEqual(before);
    expect(await auditCount()).toBe(audits);
  });

  it("refuses a specialization the vendor does not offer, but keeps a retired one the partner already has", async () => {
    const err = await rejection(
      updateProfile(ctxFor(db(), admin), { ...validInput(), specializations: ["fax-gateway"] }),
    );
    expect((err as ValidationError).fields).toHaveProperty("specializations");

    const retired = unique("retired").toLowerCase();
    await db().insert(specializations).values({ key: retired, label: "Retired thing", active: false });
    const refused = await rejection(
      updateProfile(ctxFor(db(), admin), { ...validInput(), specializations: [retired] }),
    );
    expect(refused).toBeInstanceOf(ValidationError);
    await db()
      .update(partners)
      .set({ specializations: ["mail-relay", retired] })
      .where(eq(partners.id, partner.id));
    await updateProfile(ctxFor(db(), admin), { ...validInput(), specializations: ["mail-relay", retired] });
    expect((await partnerRow(partner.id)).specializations).toEqual(["mail-relay", retired]);
    const profile = await getProfile(ctxFor(db(), admin));
    expect(profile.specializationOptions.find((o) => o.key === retired)).toMatchObject({
      retired: true,
      label: "Retired thing",
    });
    await updateProfile(ctxFor(db(), admin), validInput());
  });

  it("takes the partner only from the actor: a crafted partnerId updates the actor's own partner, never the other", async () => {
    const otherBefore = await partnerRow(other.id);
    await updateProfile(ctxFor(db(), admin), {
      ...validInput(),
      partnerId: other.id,
      id: other.id,
      name: "Polder Relay Benelux",
      legalName: "Hijacked Ltd",
      tier: "gold",
      status: "active",
    });
    expect(await partnerRow(other.id)).toEqual(otherBefore);
    const own = await partnerRow(partner.id);
    expect(own.name).toBe("Polder Relay Benelux");
    expect(own.legalName).toBe(partner.legalName);
    expect(own.tier).toBe(partner.tier);

    // The other partner's admin edits the other partner, and only it.
    await updateProfile(ctxFor(db(), otherAdmin), {
      ...validInput(),
      name: "Sakura Mail Systems",
      addresses: [{ ...address, country: "JP" }],
    });
    expect((await partnerRow(other.id)).name).toBe("Sakura Mail Systems");
    expect((await partnerRow(partner.id)).name).toBe("Polder Relay Benelux");
  });

  it("is for partner admins only", async () => {
    expect(await rejection(updateProfile(ctxFor(db(), colleague), validInput()))).toBeInstanceOf(ForbiddenError);
    expect(await rejection(updateProfile(ctxFor(db(), vendorAdmin), validInput()))).toBeInstanceOf(ForbiddenError);
  });

  it("shows a partner user its own profile, read-only, and refuses vendor staff (they use the directory)", async () => {
    const profile = await getProfile(ctxFor(db(), colleague));
    expect(profile.name).toBe("Polder Relay Benelux");
    expect(profile.legalName).toBe(partner.legalName);
    expect(await rejection(getProfile(ctxFor(db(), vendorAdmin)))).toBeInstanceOf(ForbiddenError);
  });
});

describe("logos", () => {
  const logoRows = async (partnerId: string) =>
    db().select().from(partnerLogos).where(eq(partnerLogos.partnerId, partnerId));

  it("recognises images by their bytes", () => {
    expect(sniffImageType(PNG)).toBe("image/png");
    expect(sniffImageType(JPEG_HEAD)).toBe("image/jpeg");
    expect(sniffImageType(WEBP_HEAD)).toBe("image/webp");
    expect(sniffImageType(SVG)).toBeNull();
    expect(sniffImageType(Buffer.from("PNG but not really"))).toBeNull();
    expect(sniffImageType(Buffer.alloc(0))).toBeNull();
  });

  it("stores a PNG with its sha256, audits it, and replaces it on a second upload", async () => {
    const { sha256 } = await uploadLogo(ctxFor(db(), admin), {
      bytes: PNG,
      declaredType: "image/png",
      fileName: "logo.png",
    });
    expect(sha256).toBe(createHash("sha256").update(PNG).digest("hex"));
    const [row] = await logoRows(partner.id);
    expect(row).toMatchObject({ contentType: "image/png", sha256 });
    expect(Buffer.compare(row!.bytes, PNG)).toBe(0);

    // The bytes decide, not the declared type.
    await uploadLogo(ctxFor(db(), admin), {
      bytes: JPEG_HEAD,
      declaredType: "application/octet-stream",
      fileName: "logo",
    });
    expect((await logoRows(partner.id))[0]).toMatchObject({ contentType: "image/jpeg" });

    const events = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "partner.logo_updated"), eq(auditEvents.partnerId, partner.id)));
    expect(events).toHaveLength(2);
    expect(events.map((e) => e.before)).toContainEqual({ sha256, contentType: "image/png" });
  });

  it.each([
    [
      "a fake PNG (text declared as image/png)",
      { bytes: Buffer.from("hello, I am text"), declaredType: "image/png", fileName: "logo.png" },
      /not a PNG, JPEG or WebP/,
    ],
    ["an SVG", { bytes: SVG, declaredType: "image/svg+xml", fileName: "logo.svg" }, /SVG/],
    ["an SVG declared as PNG", { bytes: SVG, declaredType: "image/png", fileName: "logo.png" }, /SVG/],
    [
      "a PNG over 512 KB",
      { bytes: Buffer.concat([PNG, Buffer.alloc(MAX_LOGO_BYTES)]), declaredType: "image/png", fileName: "big.png" },
      /larger than 512 KB/,
    ],
    ["an empty file", { bytes: Buffer.alloc(0), declaredType: "image/png", fileName: "empty.png" }, /Choose an image/],
  ])("refuses %s with a field error and stores nothing", async (_what, upload, message) => {
    const before = await logoRows(other.id);
    const audits = await auditCount();
    const err = await rejection(uploadLogo(ctxFor(db(), otherAdmin), upload));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).fields?.logo?.[0]).toMatch(message);
    expect(await logoRows(other.id)).toEqual(before);
    expect(await auditCount()).toBe(audits);
  });

  it("refuses a partner user and vendor staff", async () => {
    expect(await rejection(uploadLogo(ctxFor(db(), colleague), { bytes: PNG }))).toBeInstanceOf(ForbiddenError);
    expect(await rejection(uploadLogo(ctxFor(db(), vendorAdmin), { bytes: PNG }))).toBeInstanceOf(ForbiddenError);
  });

  it("serves a logo to the public only for a listed, active partner; to its own people and the vendor always", async () => {
    const p = await createPartner(db(), { listedInLocator: false });
    const pAdmin = await createUser(db(), { role: "partner_admin", partnerId: p.id });
    await uploadLogo(ctxFor(db(), pAdmin), { bytes: PNG });
    const outsider = { partnerId: partner.id, vendor: false };
    expect(await logoForViewer(db(), p.slug, null)).toBeNull();
    expect(await logoForViewer(db(), p.slug, outsider)).toBeNull();
    expect(await logoForViewer(db(), p.slug, { partnerId: p.id, vendor: false })).toMatchObject({
      contentType: "image/png",
      isPublic: false,
    });
    expect(await logoForViewer(db(), p.slug, { partnerId: null, vendor: true })).not.toBeNull();

    await db().update(partners).set({ listedInLocator: true }).where(eq(partners.id, p.id));
    expect(await logoForViewer(db(), p.slug, null)).toMatchObject({ isPublic: true });
    await db().update(partners).set({ status: "suspended" }).where(eq(partners.id, p.id));
    expect(await logoForViewer(db(), p.slug, null)).toBeNull();
    expect(await logoForViewer(db(), "no-such-partner", null)).toBeNull();
    expect(await logoForViewer(db(), "../etc/passwd", null)).toBeNull();
  });

  it("removes the logo, audited; removing none is a no-op", async () => {
    await removeLogo(ctxFor(db(), admin));
    expect(await logoRows(partner.id)).toEqual([]);
    const audits = await auditCount();
    await removeLogo(ctxFor(db(), admin));
    expect(await auditCount()).toBe(audits);
    const events = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "partner.logo_updated"), eq(auditEvents.partnerId, partner.id)));
    expect(events).toHaveLength(3);
    expect(events.filter((e) => e.after === null)).toEqual([
      expect.objectContaining({
        actorUserId: admin.id,
        before: expect.objectContaining({ contentType: "image/jpeg" }),
      }),
    ]);
  });
});
