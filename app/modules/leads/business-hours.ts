/**
 * Business hours for the lead SLA (pure, no database).
 *
 * A partner's working time is `startHour`..`endHour` local time in its own
 * IANA time zone, Monday to Friday, minus its country's public holidays
 * (local "YYYY-MM-DD" dates). Local wall times are converted to instants with
 * Intl.DateTimeFormat, so a DST change (Europe/Amsterdam's last Sunday of
 * March and October, America/Denver's in March and November) moves the
 * opening hour with the clock: 09:00 stays 09:00 local.
 *
 * A start outside working time counts from the next opening.
 */

export interface WorkCalendar {
  timeZone: string;
  startHour: number;
  endHour: number;
  /** Local "YYYY-MM-DD" dates that are not working days. */
  holidays: ReadonlySet<string>;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------
// Time-zone arithmetic with Intl (formatters and day windows are cached).

const formatters = new Map<string, Intl.DateTimeFormat>();
function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function localParts(at: number, timeZone: string): LocalParts {
  const out: LocalParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const p of partsFormatter(timeZone).formatToParts(new Date(at))) {
    if (p.type === "year" || p.type === "month" || p.type === "day" || p.type === "hour" || p.type === "minute") {
      out[p.type] = Number(p.value);
    } else if (p.type === "second") out.second = Number(p.value);
  }
  return out;
}

/** Local time minus UTC at this instant, in ms (e.g. +9 h for Tokyo). */
function zoneOffset(at: number, timeZone: string): number {
  const p = localParts(at, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(at / 1000) * 1000;
}

/**
 * The instant of a local wall time. Two passes settle the offset around a DST
 * change; a wall time that does not exist (the skipped spring hour) maps to
 * the instant one hour later, as clocks do.
 */
export function zonedTimeToInstant(year: number, month: number, day: number, hour: number, timeZone: string): Date {
  const guess = Date.UTC(year, month - 1, day, hour);
  const first = guess - zoneOffset(guess, timeZone);
  const second = guess - zoneOffset(first, timeZone);
  return new Date(second);
}

/** The local calendar date ("YYYY-MM-DD") of an instant in a zone. */
export function localDate(at: Date, timeZone: string): string {
  const p = localParts(at.getTime(), timeZone);
  return isoDay(p.year, p.month, p.day);
}

function isoDay(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

interface DayWindow {
  /** Working window of that local day, or null for a weekend day or holiday. */
  open: number;
  close: number;
  working: boolean;
}

const windowCache = new Map<string, DayWindow>();
function dayWindow(y: number, m: number, d: number, cal: WorkCalendar): DayWindow {
  const day = isoDay(y, m, d);
  const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  if (weekday === 0 || weekday === 6 || cal.holidays.has(day)) return { open: 0, close: 0, working: false };
  const key = `${cal.timeZone}|${cal.startHour}|${cal.endHour}|${day}`;
  let w = windowCache.get(key);
  if (!w) {
    const open = zonedTimeToInstant(y, m, d, cal.startHour, cal.timeZone).getTime();
    // endHour 24 is the next day's midnight.
    const end = new Date(Date.UTC(y, m - 1, d + (cal.endHour >= 24 ? 1 : 0)));
    const close = zonedTimeToInstant(
      end.getUTCFullYear(),
      end.getUTCMonth() + 1,
      end.getUTCDate(),
      cal.endHour % 24,
      cal.timeZone,
    ).getTime();
    w = { open, close, working: true };
    if (windowCache.size > 50_000) windowCache.clear();
    windowCache.set(key, w);
  }
  return w;
}

/**
 * `start` plus `hours` working hours of the calendar. A start outside working
 * time counts from the next opening; ending exactly at a closing time returns
 * that closing time (not the next opening).
 */
export function addBusinessHours(start: Date, hours: number, cal: WorkCalendar): Date {
  if (!(hours > 0)) return new Date(start.getTime());
  if (!(cal.endHour > cal.startHour)) throw new Error("addBusinessHours: endHour must be after startHour");
  let remaining = Math.round(hours * HOUR_MS);
  const p = localParts(start.getTime(), cal.timeZone);
  // Walk local calendar days from the start's local date.
  let cursorDay = Date.UTC(p.year, p.month - 1, p.day);
  let cursor = start.getTime();
  // A bounded walk: a calendar with no working day at all must not loop forever.
  for (let i = 0; i < 3660; i++) {
    const d = new Date(cursorDay);
    const w = dayWindow(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), cal);
    if (w.working) {
      const from = Math.max(cursor, w.open);
      if (from < w.close) {
        const available = w.close - from;
        if (remaining <= available) return new Date(from + remaining);
        remaining -= available;
      }
      cursor = Math.max(cursor, w.close);
    }
    cursorDay += DAY_MS;
  }
  throw new Error("addBusinessHours: no working time within ten years");
}

/** Working hours in one working day of the calendar. */
export function hoursPerDay(cal: Pick<WorkCalendar, "startHour" | "endHour">): number {
  return cal.endHour - cal.startHour;
}

/**
 * The SLA of an offer made at `start`: accept by `slaBusinessDays` working
 * days of hours; the reminder goes out at half of those hours.
 */
export function offerDeadlines(
  start: Date,
  slaBusinessDays: number,
  cal: WorkCalendar,
): { acceptBy: Date; remindAt: Date } {
  const total = slaBusinessDays * hoursPerDay(cal);
  return { acceptBy: addBusinessHours(start, total, cal), remindAt: addBusinessHours(start, total / 2, cal) };
}

// ---------------------------------------------------------------------------
// Which zone a partner works in.

/** A country's (or subdivision's) main zone when the partner did not set one. */
export const ZONE_BY_AREA: Readonly<Record<string, string>> = {
  // Subdivisions first (looked up before the country).
  "US-CO": "America/Denver",
  "US-UT": "America/Denver",
  "US-NM": "America/Denver",
  "US-MT": "America/Denver",
  "US-WY": "America/Denver",
  "US-AZ": "America/Phoenix",
  "US-CA": "America/Los_Angeles",
  "US-WA": "America/Los_Angeles",
  "US-OR": "America/Los_Angeles",
  "US-NV": "America/Los_Angeles",
  "US-TX": "America/Chicago",
  "US-IL": "America/Chicago",
  "US-MN": "America/Chicago",
  "US-MO": "America/Chicago",
  "US-WI": "America/Chicago",
  "US-LA": "America/Chicago",
  "US-HI": "Pacific/Honolulu",
  "US-AK": "America/Anchorage",
  "CA-BC": "America/Vancouver",
  "CA-AB": "America/Edmonton",
  "CA-MB": "America/Winnipeg",
  "CA-QC": "America/Toronto",
  "AU-WA": "Australia/Perth",
  "AU-QLD": "Australia/Brisbane",
  "AU-SA": "Australia/Adelaide",
  "AU-VIC": "Australia/Melbourne",
  "AU-NT": "Australia/Darwin",
  "BR-AM": "America/Manaus",
  // Countries.
  JP: "Asia/Tokyo",
  AU: "Australia/Sydney",
  NZ: "Pacific/Auckland",
  NL: "Europe/Amsterdam",
  BE: "Europe/Brussels",
  LU: "Europe/Luxembourg",
  DE: "Europe/Berlin",
  FR: "Europe/Paris",
  GB: "Europe/London",
  IE: "Europe/Dublin",
  ES: "Europe/Madrid",
  PT: "Europe/Lisbon",
  IT: "Europe/Rome",
  AT: "Europe/Vienna",
  CH: "Europe/Zurich",
  DK: "Europe/Copenhagen",
  SE: "Europe/Stockholm",
  NO: "Europe/Oslo",
  FI: "Europe/Helsinki",
  PL: "Europe/Warsaw",
  CZ: "Europe/Prague",
  HU: "Europe/Budapest",
  GR: "Europe/Athens",
  RO: "Europe/Bucharest",
  TR: "Europe/Istanbul",
  IL: "Asia/Jerusalem",
  AE: "Asia/Dubai",
  SA: "Asia/Riyadh",
  ZA: "Africa/Johannesburg",
  NG: "Africa/Lagos",
  KE: "Africa/Nairobi",
  EG: "Africa/Cairo",
  IN: "Asia/Kolkata",
  SG: "Asia/Singapore",
  MY: "Asia/Kuala_Lumpur",
  TH: "Asia/Bangkok",
  VN: "Asia/Ho_Chi_Minh",
  ID: "Asia/Jakarta",
  PH: "Asia/Manila",
  HK: "Asia/Hong_Kong",
  TW: "Asia/Taipei",
  CN: "Asia/Shanghai",
  KR: "Asia/Seoul",
  US: "America/New_York",
  CA: "America/Toronto",
  MX: "America/Mexico_City",
  BR: "America/Sao_Paulo",
  AR: "America/Argentina/Buenos_Aires",
  CL: "America/Santiago",
  CO: "America/Bogota",
  PE: "America/Lima",
};

const validZones = new Map<string, boolean>();
export function isTimeZone(tz: string): boolean {
  let ok = validZones.get(tz);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
      ok = true;
    } catch {
      ok = false;
    }
    validZones.set(tz, ok);
  }
  return ok;
}

/** The partner's own zone, else its region's or country's main zone, else UTC. */
export function partnerTimeZone(p: { timeZone: string | null; country: string; region?: string | null }): string {
  if (p.timeZone && isTimeZone(p.timeZone)) return p.timeZone;
  const region = p.region?.toUpperCase();
  if (region && ZONE_BY_AREA[region]) return ZONE_BY_AREA[region];
  return ZONE_BY_AREA[p.country.toUpperCase()] ?? "UTC";
}

const displayFormatters = new Map<string, Intl.DateTimeFormat>();
/** "Tue 1 Dec 2026, 15:00 (Asia/Tokyo)": a moment as the partner reads it. */
export function formatInZone(at: Date, timeZone: string): string {
  let f = displayFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      hourCycle: "h23",
      weekday: "short",
      day: "numeric",
      month: "short",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
    });
    displayFormatters.set(timeZone, f);
  }
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(at)) parts[p.type] = p.value;
  return `${parts.weekday} ${parts.day} ${parts.month} ${parts.year}, ${parts.hour}:${parts.minute} (${timeZone})`;
}
