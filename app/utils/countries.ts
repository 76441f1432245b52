/**
 * ISO 3166-1 alpha-2 country codes with English names (from Intl), shared by
 * the browser (selects) and the server (validation).
 */
const CODES =
  "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW".split(
    " ",
  );

const names = new Intl.DisplayNames(["en"], { type: "region" });

export const countries: { code: string; name: string }[] = CODES.map((code) => ({
  code,
  name: names.of(code) ?? code,
})).sort((a, b) => a.name.localeCompare(b.name, "en"));

const known = new Set(CODES);

export function isCountryCode(code: string): boolean {
  return known.has(code);
}

export function countryName(code: string | null | undefined): string {
  if (!code) return "—";
  return known.has(code) ? (names.of(code) ?? code) : code;
}

/**
 * A territory is a whole country ("JP") or an ISO 3166-2 subdivision
 * ("US-CO", "AU-NSW", "JP-13").
 */
export function isTerritory(value: string): boolean {
  const m = /^([A-Z]{2})(?:-([A-Z0-9]{1,3}))?$/.exec(value);
  return !!m && known.has(m[1]!);
}
