import { normalizeDomain } from "~/modules/onboarding/domains";

/**
 * What conflict matching compares: a customer's company name without case,
 * accents, punctuation and legal form, and its web domain without `www.`,
 * scheme, path or the address part of an email. Pure; shared by the server,
 * the demo seed and the benchmark, and unit-tested on a table of names.
 *
 * Decisions:
 * - German umlauts fold to their two-letter spelling (ä→ae, ö→oe, ü→ue,
 *   ß→ss) BEFORE accents are stripped, so "Müller" and "Mueller" are equal
 *   (a plain "Muller" stays close through trigram similarity). Every other
 *   accent is dropped (é→e, ç→c), and letters without a decomposition are
 *   mapped (ø→oe, æ→ae, œ→oe, ł→l, ð/đ→d, ı→i, þ→th).
 * - Only Latin combining accents are removed; Japanese kana keep their
 *   voicing marks (ド stays ド).
 * - Runs of single letters are joined ("L.L.C." → "l l c" → "llc",
 *   "K.K." → "kk", "S.p.A." → "spa", "A/S" → "as") before legal forms are
 *   stripped, so dotted and undotted spellings are the same.
 * - Legal forms are removed from the end, repeatedly ("GmbH & Co. KG",
 *   "Co., Ltd.", "Pty. Ltd."), and a few from the start ("Kabushiki Kaisha
 *   Toshiba", "株式会社トヨタ", "The …"); the last remaining word is never
 *   removed, so "Inc." alone stays "inc".
 * - "&" reads as "and", so "Smith & Sons" and "Smith and Sons" are equal.
 */

const GERMAN: [RegExp, string][] = [
  [/ä/g, "ae"],
  [/ö/g, "oe"],
  [/ü/g, "ue"],
  [/ß/g, "ss"],
];

const UNDECOMPOSABLE: Record<string, string> = {
  ø: "oe",
  æ: "ae",
  œ: "oe",
  ł: "l",
  đ: "d",
  ð: "d",
  ı: "i",
  þ: "th",
  ħ: "h",
};

/** Legal forms (as normalized tokens) removed from the end of a name. */
const LEGAL_SUFFIXES: string[][] = [
  ["kabushiki", "kaisha"],
  ["godo", "kaisha"],
  ["yugen", "kaisha"],
  ["sdn", "bhd"],
  ...[
    // US, UK, IE, international
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "llc",
    "pllc",
    "llp",
    "lp",
    "ltd",
    "limited",
    "plc",
    "co",
    "company",
    "pc",
    // DE, AT, CH
    "gmbh",
    "ag",
    "kg",
    "kgaa",
    "ohg",
    "ug",
    "ek",
    "se",
    // NL, BE
    "bv",
    "nv",
    "bvba",
    "vof",
    "cv",
    "sprl",
    "srl",
    "cvba",
    "vzw",
    // FR, ES, IT, PT, LatAm
    "sa",
    "sas",
    "sasu",
    "sarl",
    "eurl",
    "sl",
    "spa",
    "ltda",
    // JP
    "kk",
    "gk",
    "yk",
    "株式会社",
    "有限会社",
    "合同会社",
    // AU, NZ, SG, MY
    "pty",
    "pte",
    "bhd",
    // Nordics
    "oy",
    "oyj",
    "ab",
    "as",
    "asa",
    "aps",
  ].map((s) => [s]),
];

/** Legal forms and articles removed from the start of a name. */
const LEGAL_PREFIXES: string[][] = [["kabushiki", "kaisha"], ["godo", "kaisha"], ["yugen", "kaisha"], ["the"]];

/** Japanese company markers written without spaces: 株式会社トヨタ, トヨタ株式会社, (株)トヨタ. */
const JP_MARKER = "(?:株式会社|有限会社|合同会社)";
const JP_LEADING = new RegExp(`^${JP_MARKER}+`, "u");
const JP_TRAILING = new RegExp(`${JP_MARKER}+$`, "u");

function endsWith(tokens: string[], suffix: string[]): boolean {
  if (suffix.length >= tokens.length) return false;
  return suffix.every((s, i) => tokens[tokens.length - suffix.length + i] === s);
}

function startsWith(tokens: string[], prefix: string[]): boolean {
  if (prefix.length >= tokens.length) return false;
  return prefix.every((p, i) => tokens[i] === p);
}

/** "l l c" → "llc": runs of two or more single Latin letters become one word. */
function joinSingleLetters(tokens: string[]): string[] {
  const out: string[] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length >= 2) out.push(run.join(""));
    else out.push(...run);
    run = [];
  };
  for (const t of tokens) {
    if (/^[a-z]$/.test(t)) run.push(t);
    else {
      flush();
      out.push(t);
    }
  }
  flush();
  return out;
}

/** Lowercase, folded and accent-free text (the first steps of name normalization). */
export function foldText(input: string): string {
  let s = input.normalize("NFKC").toLowerCase();
  for (const [re, to] of GERMAN) s = s.replace(re, to);
  s = s.replace(/[øæœłđðıþħ]/g, (c) => UNDECOMPOSABLE[c] ?? c);
  return s
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .normalize("NFC");
}

/** The company name as matching compares it; "" only when the input has no letters or digits. */
export function normalizeCompanyName(input: string): string {
  let s = foldText(input)
    .replace(/['’`ʼ]/g, "")
    .replace(/\((?:株|有|同)\)/g, (m) => ({ "(株)": " 株式会社 ", "(有)": " 有限会社 ", "(同)": " 合同会社 " })[m] ?? m)
    .replace(/&/g, " and ")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
  let tokens = joinSingleLetters(s.split(" ").filter(Boolean));
  for (let changed = true; changed && tokens.length > 1;) {
    changed = false;
    for (const prefix of LEGAL_PREFIXES) {
      if (startsWith(tokens, prefix)) {
        tokens = tokens.slice(prefix.length);
        changed = true;
      }
    }
    for (const suffix of LEGAL_SUFFIXES) {
      if (endsWith(tokens, suffix)) {
        tokens = tokens.slice(0, tokens.length - suffix.length);
        changed = true;
      }
    }
    // "Smith & Co." → "smith and" → "smith"
    while (tokens.length > 1 && tokens[tokens.length - 1] === "and") {
      tokens = tokens.slice(0, -1);
      changed = true;
    }
  }
  s = tokens.join(" ");
  // Markers glued to a Japanese name (no spaces in Japanese).
  const stripped = s.replace(JP_LEADING, "").replace(JP_TRAILING, "").trim();
  return stripped || s;
}

/** The customer's domain from a domain, website address or email address; null when it is not one. */
export function normalizeCustomerDomain(input: string): string | null {
  return normalizeDomain(input);
}

/**
 * Free mail providers: a customer "domain" like gmail.com would match every
 * other customer who uses it, and block approvals of unrelated deals.
 */
const FREE_MAIL = new Set([
  "gmail.com",
  "googlemail.com",
  "outlook.com",
  "hotmail.com",
  "live.com",
  "msn.com",
  "yahoo.com",
  "yahoo.co.jp",
  "yahoo.co.uk",
  "ymail.com",
  "icloud.com",
  "me.com",
  "mac.com",
  "aol.com",
  "gmx.de",
  "gmx.net",
  "gmx.com",
  "web.de",
  "t-online.de",
  "proton.me",
  "protonmail.com",
  "mail.com",
  "mail.ru",
  "yandex.ru",
  "qq.com",
  "163.com",
  "126.com",
  "naver.com",
  "zoho.com",
  "bigpond.com",
  "orange.fr",
  "free.fr",
  "laposte.net",
  "hotmail.fr",
  "ziggo.nl",
  "kpnmail.nl",
  "telenet.be",
  "skynet.be",
]);

export function isFreeMailDomain(domain: string): boolean {
  return FREE_MAIL.has(domain);
}
