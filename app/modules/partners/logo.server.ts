import { createHash } from "node:crypto";
import { and, eq } from "drizzle-orm";
import type { Db } from "~db/client";
import { partnerLogos, partners } from "~db/schema";
import { recordAudit } from "~/modules/audit/record.server";
import { nowOf, scopeOf, type Ctx } from "~/modules/auth/actor";
import { ForbiddenError, NotFoundError, ValidationError } from "~/utils/errors.server";
import { can } from "~/utils/permissions";
import { scopeWhere } from "./scope.server";

/**
 * Partner logos: PNG, JPEG or WebP up to 512 KB, recognised by their magic
 * bytes (the declared type is not trusted), SVG refused (it can carry script).
 * Stored in the database so that any app process can serve them.
 */

export const MAX_LOGO_BYTES = 512 * 1024;
export const logoTypes = ["image/png", "image/jpeg", "image/webp"] as const;
export type LogoType = (typeof logoTypes)[number];

/** The image type the bytes really are, or null when they are none of the accepted ones. */
export function sniffImageType(bytes: Uint8Array): LogoType | null {
  const starts = (sig: number[], at = 0) => bytes.length >= at + sig.length && sig.every((b, i) => bytes[at + i] === b);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (starts([0xff, 0xd8, 0xff])) return "image/jpeg";
  // RIFF....WEBP
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return "image/webp";
  return null;
}

function looksLikeSvg(
  bytes: Uint8Array,
  declaredType: string | null | undefined,
  fileName: string | null | undefined,
): boolean {
  if (declaredType?.toLowerCase().includes("svg") || fileName?.toLowerCase().endsWith(".svg")) return true;
  const head = Buffer.from(bytes.subarray(0, 512)).toString("utf8").toLowerCase();
  return head.includes("<svg");
}

export interface LogoUpload {
  bytes: Uint8Array;
  /** What the browser said it is (informative only). */
  declaredType?: string | null;
  fileName?: string | null;
}

function requireManager(ctx: Ctx): string {
  if (!can(ctx.actor.role, "profile:manage") || !ctx.actor.partnerId) throw new ForbiddenError();
  return ctx.actor.partnerId;
}

/** Checks an upload; a field error under `logo` when it is empty, too big or not an accepted image. */
export function checkLogo(upload: LogoUpload | null | undefined): LogoType {
  if (!upload || upload.bytes.length === 0) throw new ValidationError({ logo: ["Choose an image file."] });
  if (upload.bytes.length > MAX_LOGO_BYTES) {
    throw new ValidationError({ logo: ["The logo is larger than 512 KB. Upload a smaller image."] });
  }
  const type = sniffImageType(upload.bytes);
  if (type) return type;
  if (looksLikeSvg(upload.bytes, upload.declaredType, upload.fileName)) {
    throw new ValidationError({ logo: ["SVG images are not accepted. Upload a PNG, JPEG or WebP image."] });
  }
  throw new ValidationError({ logo: ["This file is not a PNG, JPEG or WebP image."] });
}

export async function uploadLogo(ctx: Ctx, upload: LogoUpload | null | undefined): Promise<{ sha256: string }> {
  const partnerId = requireManager(ctx);
  const contentType = checkLogo(upload);
  const bytes = Buffer.from(upload!.bytes);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const now = nowOf(ctx);
  const scope = scopeOf(ctx.actor);
  await ctx.db.transaction(async (tx) => {
    const [partner] = await tx
      .select({ id: partners.id })
      .from(partners)
      .where(scopeWhere(scope, { partnerId: partners.id }, eq(partners.id, partnerId)))
      .for("update");
    if (!partner) throw new NotFoundError("Partner not found.");
    const [before] = await tx
      .select({ sha256: partnerLogos.sha256, contentType: partnerLogos.contentType })
      .from(partnerLogos)
      .where(scopeWhere(scope, partnerLogos));
    await tx
      .insert(partnerLogos)
      .values({ partnerId, contentType, bytes, sha256, updatedAt: now })
      .onConflictDoUpdate({ target: partnerLogos.partnerId, set: { contentType, bytes, sha256, updatedAt: now } });
    await recordAudit(tx, ctx.actor, {
      action: "partner.logo_updated",
      subjectType: "partner",
      subjectId: partnerId,
      partnerId,
      before: before ?? null,
      after: { sha256, contentType, size: bytes.length },
    });
  });
  return { sha256 };
}

export async function removeLogo(ctx: Ctx): Promise<void> {
  const partnerId = requireManager(ctx);
  await ctx.db.transaction(async (tx) => {
    const [removed] = await tx
      .delete(partnerLogos)
      .where(scopeWhere(scopeOf(ctx.actor), partnerLogos, eq(partnerLogos.partnerId, partnerId)))
      .returning({ sha256: partnerLogos.sha256, contentType: partnerLogos.contentType });
    if (!removed) return;
    await recordAudit(tx, ctx.actor, {
      action: "partner.logo_updated",
      subjectType: "partner",
      subjectId: partnerId,
      partnerId,
      before: removed,
      after: null,
    });
  });
}

/** Who is asking for a logo over HTTP: nobody, a partner's user, or vendor staff. */
export type LogoViewer = { partnerId: string | null; vendor: boolean } | null;

/**
 * A logo for the public route: served when the partner is in the locator
 * (active and listed), or to its own users and to vendor staff. Null
 * otherwise, the same answer as for an unknown slug.
 */
export async function logoForViewer(db: Db, slug: string, viewer: LogoViewer) {
  if (slug.length === 0 || slug.length > 200) return null;
  const [row] = await db
    .select({
      partnerId: partners.id,
      status: partners.status,
      listed: partners.listedInLocator,
      contentType: partnerLogos.contentType,
      bytes: partnerLogos.bytes,
      sha256: partnerLogos.sha256,
      updatedAt: partnerLogos.updatedAt,
    })
    .from(partners)
    .innerJoin(partnerLogos, eq(partnerLogos.partnerId, partners.id))
    .where(and(eq(partners.slug, slug)));
  if (!row) return null;
  const isPublic = row.status === "active" && row.listed;
  const mayView = isPublic || !!viewer?.vendor || (!!viewer?.partnerId && viewer.partnerId === row.partnerId);
  if (!mayView) return null;
  return { contentType: row.contentType, bytes: row.bytes, sha256: row.sha256, updatedAt: row.updatedAt, isPublic };
}
