import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvField, csvRow } from "./csv.ts";
import { readCsvRecords } from "../../test/csv-records.ts";

describe("csvField", () => {
  it("writes empty values, numbers and booleans as text", () => {
    expect(csvField(null)).toBe("");
    expect(csvField(undefined)).toBe("");
    expect(csvField(4)).toBe("4");
    expect(csvField(-3)).toBe("-3");
    expect(csvField(0.125)).toBe("0.125");
    expect(csvField(true)).toBe("true");
    expect(csvField(12n)).toBe("12");
  });

  it("quotes text with commas, quotes or line breaks, doubling the quotes", () => {
    expect(csvField("plain text")).toBe("plain text");
    expect(csvField("a, b")).toBe('"a, b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("line\nbreak")).toBe('"line\nbreak"');
    expect(csvField("carriage\rreturn")).toBe('"carriage\rreturn"');
  });

  it("writes objects and arrays as JSON, quoted", () => {
    expect(csvField(["Cheese", "Ham"])).toBe('"[""Cheese"",""Ham""]"');
    expect(csvField({ age: 3 })).toBe('"{""age"":3}"');
    expect(csvField(new Date("2025-01-02T03:04:05.000Z"))).toBe("2025-01-02T03:04:05.000Z");
  });

  it("neutralises text that a spreadsheet would run as a formula, but not numbers", () => {
    expect(csvField("=SUM(A1:A9)")).toBe("'=SUM(A1:A9)");
    expect(csvField("+1")).toBe("'+1");
    expect(csvField("-3")).toBe("'-3");
    expect(csvField("@cmd")).toBe("'@cmd");
    expect(csvField("\tindented")).toBe("'\tindented");
    expect(csvField("\r=1")).toBe('"\'\r=1"');
    expect(csvField('=HYPERLINK("http://x", "y")')).toBe('"\'=HYPERLINK(""http://x"", ""y"")"');
    expect(csvField(-3)).toBe("-3");
    expect(csvField("a=b")).toBe("a=b");
  });
});

describe("csvRow", () => {
  it("joins fields with commas and ends with CRLF", () => {
    expect(csvRow(["run_1", 4, null, "Yes, mostly", { a: 1 }])).toBe(
      'run_1,4,,"Yes, mostly","{""a"":1}"\r\n',
    );
    expect(csvRow([])).toBe("\r\n");
  });

  it("reads back to the same text fields (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: "grapheme", maxLength: 20 }), { minLength: 1, maxLength: 8 }),
        (values) => {
          const row = csvRow(values);
          expect(row.endsWith("\r\n")).toBe(true);
          const [read] = readCsvRecords(row);
          const expected = values.map((value) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value));
          expect(read).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("keeps special characters inside quoted fields (property)", () => {
    fc.assert(
      fc.property(
        fc
          .array(fc.constantFrom("a", ",", '"', "\n", "\r", " ", "="), { minLength: 1, maxLength: 12 })
          .map((parts) => parts.join("")),
        (value) => {
          const [[read] = []] = readCsvRecords(csvRow([value]));
          expect(read?.replace(/^'/, "")).toBe(value);
        },
      ),
      { numRuns: 200 },
    );
  });
});
