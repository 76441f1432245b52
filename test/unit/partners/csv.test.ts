import { describe, expect, it } from "vitest";
import { csvCell, toCsv, type CsvColumn } from "~/utils/csv";

/** A strict RFC 4180 reader, to check that what toCsv writes reads back as the same cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
      } else if (ch === '"') {
        quoted = false;
        i += 1;
      } else {
        cell += ch;
        i += 1;
      }
    } else if (ch === '"') {
      if (cell !== "") throw new Error(`a quote inside an unquoted field at ${i}`);
      quoted = true;
      i += 1;
    } else if (ch === ",") {
      row.push(cell);
      cell = "";
      i += 1;
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i += 2;
    } else if (ch === "\r" || ch === "\n") {
      throw new Error(`a bare line break outside quotes at ${i}`);
    } else {
      cell += ch;
      i += 1;
    }
  }
  if (quoted) throw new Error("an unterminated quoted field");
  if (cell !== "" || row.length) throw new Error("the last line has no CRLF");
  return rows;
}

interface Row {
  name: string;
  n: number | null;
  at: Date | null;
  tags: string[];
}
const columns: CsvColumn<Row>[] = [
  { header: "Name", value: (r) => r.name },
  { header: "Count", value: (r) => r.n },
  { header: "Created", value: (r) => r.at },
  { header: "Tags", value: (r) => r.tags },
];

describe("toCsv", () => {
  it("writes a header row and one CRLF-terminated line per row", () => {
    const out = toCsv(
      [{ name: "Polder Relay", n: 3, at: new Date("2026-01-02T03:04:05.000Z"), tags: ["a", "b"] }],
      columns,
    );
    expect(out).toBe("Name,Count,Created,Tags\r\nPolder Relay,3,2026-01-02T03:04:05.000Z,a; b\r\n");
  });

  it("writes only the header for no rows", () => {
    expect(toCsv([], columns)).toBe("Name,Count,Created,Tags\r\n");
  });

  it("quotes commas, quotes and line breaks, and reads back as the same text", () => {
    const tricky = [
      "Smith, Jones & Co",
      'The "Best" Mail',
      "two\nlines",
      "cr\r\nlf",
      "plain",
      "  spaced  ",
      "Müller 日本",
    ];
    const rows = tricky.map((name) => ({ name, n: null, at: null, tags: [] }));
    const out = toCsv(rows, columns);
    expect(out).toContain('"Smith, Jones & Co"');
    expect(out).toContain('"The ""Best"" Mail"');
    const parsed = parseCsv(out);
    expect(parsed[0]).toEqual(["Name", "Count", "Created", "Tags"]);
    expect(parsed.slice(1).map((r) => r[0])).toEqual(tricky);
    expect(parsed.slice(1).every((r) => r.length === 4 && r[1] === "" && r[2] === "" && r[3] === "")).toBe(true);
  });

  it("neutralizes text that a spreadsheet would run as a formula", () => {
    const evil = ['=HYPERLINK("http://evil.test","x")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "=1,2"];
    const rows = evil.map((name) => ({ name, n: null, at: null, tags: [] }));
    const parsed = parseCsv(toCsv(rows, columns));
    expect(parsed.slice(1).map((r) => r[0])).toEqual(evil.map((e) => `'${e}`));
  });

  it("leaves numbers, also negative ones, and harmless text alone", () => {
    expect(csvCell(-42)).toBe("-42");
    expect(csvCell(0)).toBe("0");
    expect(csvCell("a=b")).toBe("a=b");
    expect(csvCell("mail-relay")).toBe("mail-relay");
    expect(csvCell("'already quoted")).toBe("'already quoted");
  });

  it("neutralizes a joined list that starts like a formula", () => {
    expect(csvCell(["=cmd", "b"])).toBe("'=cmd; b");
  });

  it("writes empty cells for null, undefined and an invalid date, and yes/no for booleans", () => {
    expect(csvCell(null)).toBe("");
    expect(csvCell(undefined)).toBe("");
    expect(csvCell(new Date("nope"))).toBe("");
    expect(csvCell(true)).toBe("yes");
    expect(csvCell(false)).toBe("no");
  });
});
