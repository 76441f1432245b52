import { PDFDocument, PageSizes, StandardFonts, rgb, type PDFFont, type PDFPage } from "pdf-lib";

/** The facts printed on a certificate (the same as the certificate page). */
export interface CertificateFacts {
  holderName: string;
  partnerName: string;
  name: string;
  courseTitle: string;
  courseVersion: number;
  earnedAt: Date;
  expiresAt: Date;
  code: string;
  verifyUrl: string;
  valid: boolean;
}

const BRAND = rgb(0x0b / 255, 0x4f / 255, 0x6c / 255);
const TEXT = rgb(0x1f / 255, 0x29 / 255, 0x37 / 255);
const MUTED = rgb(0x6b / 255, 0x72 / 255, 0x80 / 255);
const ACCENT = rgb(0x01 / 255, 0xba / 255, 0xef / 255);

const day = (d: Date) => d.toISOString().slice(0, 10);

/**
 * The standard PDF fonts only encode WinAnsi (Latin-1 and a few more): any
 * other character is written without its accent when it has a Latin base
 * letter (é → e, and Ł → L from a short table), else as "?". Names
 * in other scripts therefore print as question marks; the web page (and its
 * print) shows them as they are.
 */
const LATIN_FALLBACKS: Record<string, string> = {
  Ł: "L",
  ł: "l",
  Đ: "D",
  đ: "d",
  Ħ: "H",
  ħ: "h",
  ı: "i",
  Ŧ: "T",
  ŧ: "t",
};

function encodable(font: PDFFont): (text: string) => string {
  const supported = new Set(font.getCharacterSet());
  return (text) =>
    [...text]
      .map((ch) => {
        if (supported.has(ch.codePointAt(0)!)) return ch;
        if (LATIN_FALLBACKS[ch]) return LATIN_FALLBACKS[ch];
        const base = ch.normalize("NFKD").replace(/\p{M}/gu, "");
        return [...base].every((c) => supported.has(c.codePointAt(0)!)) && base ? base : "?";
      })
      .join("");
}

/** Draws one centred line, shrinking the font until it fits `maxWidth`. */
function centred(
  page: PDFPage,
  text: string,
  y: number,
  font: PDFFont,
  size: number,
  color = TEXT,
  maxWidth = page.getWidth() - 160,
) {
  let s = size;
  while (s > 8 && font.widthOfTextAtSize(text, s) > maxWidth) s -= 0.5;
  const width = font.widthOfTextAtSize(text, s);
  page.drawText(text, { x: (page.getWidth() - width) / 2, y, size: s, font, color });
}

/** The certificate as a one-page A4 landscape PDF (pdf-lib, standard fonts: nothing is fetched). */
export async function certificatePdf(facts: CertificateFacts): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const oblique = await doc.embedFont(StandardFonts.HelveticaOblique);
  const safe = encodable(regular);
  const [h, w] = PageSizes.A4;
  const page = doc.addPage([w, h]);

  // Document metadata is UTF-16: names keep every character there.
  doc.setTitle(`${facts.name} – ${facts.holderName}`);
  doc.setSubject(`Certificate ${facts.code}`);
  doc.setAuthor("Channel Partner Portal");
  doc.setCreator("Channel Partner Portal");
  doc.setProducer("Channel Partner Portal");

  // Frame
  page.drawRectangle({ x: 24, y: 24, width: w - 48, height: h - 48, borderColor: BRAND, borderWidth: 3 });
  page.drawRectangle({ x: 34, y: 34, width: w - 68, height: h - 68, borderColor: ACCENT, borderWidth: 1 });

  centred(page, "CHANNEL PARTNER PORTAL", h - 90, bold, 13, BRAND);
  centred(page, "Certificate of completion", h - 140, bold, 34, BRAND);
  centred(page, "This certifies that", h - 190, oblique, 14, MUTED);
  centred(page, safe(facts.holderName), h - 232, bold, 30);
  centred(page, safe(`of ${facts.partnerName}`), h - 262, regular, 15, MUTED);
  centred(page, "has earned the certification", h - 300, oblique, 14, MUTED);
  centred(page, safe(facts.name), h - 338, bold, 24, BRAND);
  centred(
    page,
    safe(`by completing the course ${facts.courseTitle} (version ${facts.courseVersion})`),
    h - 368,
    regular,
    13,
  );

  centred(page, `Earned ${day(facts.earnedAt)}    ·    Valid until ${day(facts.expiresAt)}`, h - 420, bold, 14);
  if (!facts.valid) centred(page, "This certification is no longer valid.", h - 442, bold, 12, rgb(0.72, 0.11, 0.11));

  centred(page, `Verification code: ${facts.code}`, 92, bold, 12);
  centred(page, safe(`Check it at ${facts.verifyUrl}`), 72, regular, 11, MUTED);

  return doc.save();
}
